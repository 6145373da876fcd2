package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// wordRun is what wordPattern reads as a word: eachWord must cut text
// the same way.
var wordRun = regexp.MustCompile(`[\p{L}\p{N}_]+`)

func TestEachWordCutsAsThePatternsRead(t *testing.T) {
	for _, text := range []string{
		"", "a", "printer", " vpn, o'neil: user12@example.com ", "straße ﬁle ｃａｆｅ", "x_y 42 ½ ² Ⅻ",
		"déjà-vu\u00adsoft\u200bhyphen", "日本語のテキスト", "emoji😀between", "\xff\xfeinvalid\xc3", "tab\there\nnew",
	} {
		var got []string
		eachWord(text, func(w string) { got = append(got, w) })
		if want := wordRun.FindAllString(text, -1); !slices.Equal(got, want) {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

func FuzzEachWord(f *testing.F) {
	for _, s := range []string{"a b", "o'neil", "½x", "\xc3(", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var got []string
		eachWord(text, func(w string) { got = append(got, w) })
		if want := wordRun.FindAllString(text, -1); !slices.Equal(got, want) {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
	})
}

// TestWordIndexKeys checks the keys of words that the collation holds
// equal, or not, on MariaDB's utf8mb4_unicode_ci.
func TestWordIndexKeys(t *testing.T) {
	s := openDialect(t, MySQL)
	u, err := s.collationUnits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key := func(w string) (string, bool) {
		k, whole := u.wordKey(nil, w)
		return string(k), whole
	}
	for _, same := range [][]string{{"cafe", "CAFÉ", "ｃａｆｅ", "Café"}, {"strasse", "Straße", "STRASSE"}, {"file", "ﬁle", "FILE"}} {
		k0, _ := key(same[0])
		for _, w := range same {
			if k, whole := key(w); k != k0 || !whole {
				t.Errorf("%q: key %s (whole %v), want %s like %q", w, k, whole, k0, same[0])
			}
		}
	}
	for _, pair := range [][2]string{{"cafe", "cafes"}, {"strasse", "strasbourg"}, {"file", "filet"}} {
		a, _ := key(pair[0])
		b, _ := key(pair[1])
		if a == b {
			t.Errorf("%q and %q: the same key", pair[0], pair[1])
		}
	}
	// "stras" is the start of "straße": a half-typed word finds it.
	if a, _ := key("stras"); !strings.HasPrefix(mustKey(t, u, "straße"), a) {
		t.Errorf("the key of stras is not the start of straße's")
	}
	// A word longer than the column is cut to whole elements, and not whole.
	long := strings.Repeat("a", 200)
	if k, whole := key(long); whole || len(k)+len(cutMark) > 255 || len(k)%u.elem != 0 {
		t.Errorf("a word of 200 letters: key of %d digits, whole %v", len(k), whole)
	}
	// A character without weight ends the key: the word is not whole.
	if k, whole := key("ab\U0001F600cd"); whole || k != mustKey(t, u, "ab") {
		t.Errorf("a word with an emoji: key %s, whole %v", k, whole)
	}
}

func mustKey(t *testing.T, u *weightUnits, w string) string {
	t.Helper()
	k, whole := u.wordKey(nil, w)
	if !whole {
		t.Fatalf("%q: not whole", w)
	}
	return string(k)
}

// TestEveryNewTicketIsQueuedForTheWordIndex creates tickets on each path
// (with actors in one round trip, without actors, given an ID, in GORM
// batches) and checks each is queued once, written by the indexer, and
// that a rolled back ticket leaves nothing queued.
func TestEveryNewTicketIsQueuedForTheWordIndex(t *testing.T) {
	s := openDialect(t, MySQL)
	ctx := context.Background()
	// The indexer is run by the test, not behind it.
	s.words.close()
	s.words = nil
	var ids []int64
	mk := func(title string) *Ticket { return &Ticket{Title: title, Content: "<p>quokka " + title + "</p>"} }
	withActors := mk("withactors")
	if err := s.CreateTicket(ctx, withActors, []TicketActor{{Role: ActorRequester, Email: "ann@example.com"}}); err != nil {
		t.Fatal(err)
	}
	alone := mk("alone")
	alone.Content = "<p>QUOKKA Quokka quokka alone</p>"
	if err := s.CreateTicket(ctx, alone, nil); err != nil {
		t.Fatal(err)
	}
	imported := mk("imported")
	imported.ID = 90001
	if err := s.CreateTicket(ctx, imported, []TicketActor{{Role: ActorRequester, Email: "bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	batch := []Ticket{*mk("batchone"), *mk("batchtwo")}
	for i := range batch {
		batch[i].Status, batch[i].Urgency, batch[i].RequestSource = StatusNew, 3, SourceEmail
		batch[i].OpenedAt, batch[i].UpdatedAt = s.now(), s.now()
	}
	if err := s.db.CreateInBatches(batch, 10).Error; err != nil {
		t.Fatal(err)
	}
	ids = append(ids, withActors.ID, alone.ID, imported.ID, batch[0].ID, batch[1].ID)
	rolledBack := errors.New("rolled back")
	if err := s.InTx(ctx, func(s *Store) error {
		if err := s.CreateTicket(ctx, mk("never"), []TicketActor{{Role: ActorRequester, Email: "cy@example.com"}}); err != nil {
			return err
		}
		return rolledBack
	}); !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	var queued []int64
	if err := s.db.Raw("SELECT ticket_id FROM ticket_word_queue ORDER BY ticket_id").Scan(&queued).Error; err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if !slices.Equal(queued, ids) {
		t.Fatalf("queued %v, want %v", queued, ids)
	}
	if n, err := s.IndexQueuedWords(ctx); err != nil || n != len(ids) {
		t.Fatalf("indexed %d (%v), want %d", n, err, len(ids))
	}
	if n, err := s.WordIndexBacklog(ctx); err != nil || n != 0 {
		t.Fatalf("backlog %d (%v), want 0", n, err)
	}
	// One row per key and block: "QUOKKA", "Quokka" and "quokka" merged,
	// the imported ticket's ID in a block of its own.
	u, err := s.collationUnits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	if err := s.db.Raw("SELECT COUNT(*) FROM ticket_word_blocks WHERE word = ?", mustKey(t, u, "quokka")).Scan(&rows).Error; err != nil || rows != 2 {
		t.Fatalf("%d rows for quokka (%v), want 2", rows, err)
	}
	newest := slices.Clone(ids)
	slices.Reverse(newest)
	for _, c := range []struct {
		search string
		want   []int64
	}{
		{"quokka", newest},
		{"batch", []int64{batch[1].ID, batch[0].ID}},
		{"imported ", []int64{imported.ID}},
		{"bob@", nil}, // the actors are not the requester's columns
		{"never", nil},
	} {
		words, prefix := searchWords(c.search)
		found, maybe, err := s.wordIndexMatches(ctx, words, prefix)
		if err != nil || len(maybe) != 0 || !slices.Equal(found, c.want) {
			t.Errorf("%q: found %v, queued %v (%v), want %v", c.search, found, maybe, err, c.want)
		}
	}
}

// TestWordIndexerFollowsTheWriters checks that the store's indexer writes
// a new ticket's words without being asked.
func TestWordIndexerFollowsTheWriters(t *testing.T) {
	s := openDialect(t, MySQL)
	ctx := context.Background()
	tk := &Ticket{Title: "Printer jammed", Content: "<p>tray two</p>"}
	if err := s.CreateTicket(ctx, tk, []TicketActor{{Role: ActorRequester, Email: "ann@example.com"}}); err != nil {
		t.Fatal(err)
	}
	waitIndexed(t, s, 30*time.Second)
	found, _, err := s.wordIndexMatches(ctx, []string{"jammed"}, false)
	if err != nil || !slices.Equal(found, []int64{tk.ID}) {
		t.Fatalf("found %v (%v), want the ticket", found, err)
	}
}

// TestWordIndexerBesideWriters runs writers committing batches of tickets
// while the indexer takes them off the queue: neither may fail (under
// REPEATABLE READ the indexer's locks on the queue's gaps made writers
// die in deadlocks), and every ticket ends up indexed.
func TestWordIndexerBesideWriters(t *testing.T) {
	s := openDialect(t, MySQL)
	ctx := context.Background()
	s.words.close()
	s.words = nil
	const writers, batches, perBatch = 3, 15, 20
	done := make(chan struct{})
	indexErr := make(chan error, 1)
	go func() {
		defer close(indexErr)
		for {
			if _, err := s.IndexQueuedWords(ctx); err != nil {
				indexErr <- err
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			errs <- commitTickets(ctx, s, batches, perBatch, func(b, i int) *Ticket {
				return &Ticket{Title: fmt.Sprintf("writer%d batch%d mail%d", w, b, i), Content: "<p>wombat</p>"}
			})
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(done)
	if err := <-indexErr; err != nil {
		t.Fatal(err)
	}
	if _, err := s.IndexQueuedWords(ctx); err != nil {
		t.Fatal(err)
	}
	found, maybe, err := s.wordIndexMatches(ctx, []string{"wombat"}, false)
	if err != nil || len(found) != writers*batches*perBatch || len(maybe) != 0 {
		t.Fatalf("found %d, queued %d (%v), want %d found", len(found), len(maybe), err, writers*batches*perBatch)
	}
}

// BenchmarkTicketWordKeys cuts 10 KB of prose-like text into the word
// index's keys, with ASCII weights made up for the benchmark (one
// element a character, case folded): the indexer's own work a ticket.
func BenchmarkTicketWordKeys(b *testing.B) {
	u := &weightUnits{weight: map[rune]string{}, elem: 4, maxElems: 1}
	for c := rune(0); c < utf8.RuneSelf; c++ {
		if asciiWord[c] {
			u.ascii[c] = fmt.Sprintf("%04X", unicode.ToUpper(c))
			u.weight[c] = u.ascii[c]
		}
	}
	syll := strings.Fields("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu la le li lo lu ma me mi mo mu")
	var text strings.Builder
	for k := 0; text.Len() < 10000; k++ {
		text.WriteString(syll[k*7%len(syll)] + syll[k*13%len(syll)] + syll[k/len(syll)%len(syll)])
		text.WriteString([]string{" ", ", ", ". ", "\n"}[k%4])
	}
	b.SetBytes(int64(text.Len()))
	wb := newWordBatch(u)
	id := int64(0)
	for b.Loop() {
		// Batches of 1,000 tickets, as the indexer's.
		if id++; id%1000 == 0 {
			wb = newWordBatch(u)
		}
		wb.add(id, "Printer jammed", text.String(), "user12@example.com", "Ann Example")
	}
	b.ReportMetric(float64(len(wb.rows())), "rows")
}

// TestWordIndexFindsCutWordsOnlyByTheirStart: a word indexed by its start
// (a letter outside the Basic Multilingual Plane, which has no weight, or
// a word longer than the column) is found by a half-typed word, not by a
// whole word equal to its start.
func TestWordIndexFindsCutWordsOnlyByTheirStart(t *testing.T) {
	s := openDialect(t, MySQL)
	ctx := context.Background()
	s.words.close()
	s.words = nil
	long := strings.Repeat("x", 60) + "tail" + strings.Repeat("y", 30) // past the column's 63 elements
	cut := &Ticket{Title: "zorbax\U0001D400tail", Content: "<p>" + long + "</p>"}
	plain := &Ticket{Title: "zorbax alone", Content: "<p>" + strings.Repeat("x", 60) + "tai</p>"}
	for _, tk := range []*Ticket{cut, plain} {
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.IndexQueuedWords(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		word   string
		prefix bool
		want   []int64
	}{
		{"zorbax", false, []int64{plain.ID}},
		{"zorbax", true, []int64{cut.ID, plain.ID}},
		{"zorb", true, []int64{cut.ID, plain.ID}},
		{strings.Repeat("x", 60) + "tai", false, []int64{plain.ID}},
		{strings.Repeat("x", 60) + "tai", true, []int64{cut.ID, plain.ID}},
	} {
		found, _, err := s.wordIndexMatches(ctx, []string{c.word}, c.prefix)
		slices.Sort(found)
		if err != nil || !slices.Equal(found, c.want) {
			t.Errorf("%.12q (prefix %v): found %v (%v), want %v", c.word, c.prefix, found, err, c.want)
		}
	}
}

// TestTwoInstancesIndexOneDatabase runs two stores on one database, each
// with its indexer, while both write tickets: every ticket ends up
// indexed, no bit of one instance's batch is lost to the other's
// (the rows are ORed, never read and written back), and neither indexer
// reports a failure.
func TestTwoInstancesIndexOneDatabase(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	var logs testpeer.LogBuffer
	o := Options{DSN: dsn, Keyring: testKeyring(t), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	a := openMigrated(t, o)
	b, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := context.Background()
	if err := b.CheckSchema(ctx); err != nil { // starts b's indexer
		t.Fatal(err)
	}
	const batches, perBatch = 12, 25
	errs := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		go func() {
			errs <- commitTickets(ctx, s, batches, perBatch, func(int, int) *Ticket {
				return &Ticket{Title: "Shared printer", Content: "<p>numbat</p>"}
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	waitIndexed(t, a, 60*time.Second)
	found, maybe, err := a.wordIndexMatches(ctx, []string{"numbat"}, false)
	if err != nil || len(found) != 2*batches*perBatch || len(maybe) != 0 {
		t.Fatalf("found %d, queued %d (%v), want %d found", len(found), len(maybe), err, 2*batches*perBatch)
	}
	if strings.Contains(logs.String(), "search word index") {
		t.Fatalf("an indexer reported a failure:\n%s", logs.String())
	}
}

// commitTickets commits batches transactions of perBatch tickets each,
// made by mk (batch, ticket in it), every one with ann@example.com as
// its requester; the first error stops it.
func commitTickets(ctx context.Context, s *Store, batches, perBatch int, mk func(b, i int) *Ticket) error {
	for b := range batches {
		err := s.InTx(ctx, func(s *Store) error {
			for i := range perBatch {
				if err := s.CreateTicket(ctx, mk(b, i), []TicketActor{{Role: ActorRequester, Email: "ann@example.com"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// waitIndexed waits until the store's indexer has emptied the queue, or
// fails the test after within.
func waitIndexed(t *testing.T, s *Store, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n, err := s.WordIndexBacklog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tickets still queued after %v", n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLockConflict: the indexer retries a pass InnoDB gave up for a
// deadlock or a lock wait, as the store wraps them, and nothing else.
func TestLockConflict(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{translate(&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}), true},
		{translate(&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}), true},
		{translate(&mysql.MySQLError{Number: 1146, Message: "Table doesn't exist"}), false},
		{errors.New("Deadlock found"), false},
		{nil, false},
	} {
		if got := lockConflict(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

// TestIndexerWaitsOutALockHeldElsewhere: a pass whose upsert waits past
// innodb_lock_wait_timeout for a row another transaction holds (InnoDB
// gives the statement up, error 1205) is tried again, and once the other
// transaction ends the ticket is indexed; nothing is lost meanwhile.
func TestIndexerWaitsOutALockHeldElsewhere(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	// A lock wait of one second, so the test waits one out quickly.
	s := openMigrated(t, Options{DSN: dsn + sep + "innodb_lock_wait_timeout=1", Keyring: testKeyring(t)})
	s.words.close() // the test runs the passes itself
	s.words = nil
	ctx := context.Background()
	first := &Ticket{Title: "zebracorn one", Content: "<p>first</p>"}
	if err := s.CreateTicket(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IndexQueuedWords(ctx); err != nil {
		t.Fatal(err)
	}
	second := &Ticket{Title: "zebracorn two", Content: "<p>second</p>"}
	if err := s.CreateTicket(ctx, second, nil); err != nil {
		t.Fatal(err)
	}
	sqlDB, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	// Another transaction holds every row of the tickets' block, the one
	// the second ticket's words go into, for 1.5 s.
	other, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var held int
	if err := other.QueryRow("SELECT COUNT(*) FROM (SELECT word FROM ticket_word_blocks WHERE block = 0 FOR UPDATE) AS l").Scan(&held); err != nil || held == 0 {
		other.Rollback()
		t.Fatalf("locked %d rows: %v", held, err)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		other.Rollback()
	}()
	t0 := time.Now()
	n, err := s.IndexQueuedWords(ctx)
	took := time.Since(t0)
	if err != nil || n != 1 {
		t.Fatalf("indexed %d tickets after %v: %v; want the one queued, the lock waited out", n, took, err)
	}
	if took < time.Second {
		t.Fatalf("the pass took %v: it never waited for the lock, the test tests nothing", took)
	}
	found, _, err := s.wordIndexMatches(ctx, []string{"zebracorn"}, false)
	if err != nil || !slices.Equal(found, []int64{second.ID, first.ID}) {
		t.Fatalf("found %v (%v), want both tickets, newest first", found, err)
	}
}
