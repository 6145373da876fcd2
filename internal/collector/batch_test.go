package collector

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestReplyInTheSameBatchThreads checks that a mail answering another mail
// of the same batch becomes its follow-up, although the batch's decisions
// are made before the transaction that creates the first ticket.
func TestReplyInTheSameBatchThreads(t *testing.T) {
	cases := []struct {
		name  string
		reply []byte
	}{
		{"In-Reply-To", mail("", "Re: printer broken", "In-Reply-To: <printer-broken@example.org>\r\n")},
		{"References", mail("", "Re: printer broken", "References: <other@example.org> <printer-broken@example.org>\r\n")},
		// The fresh database gives the first ticket the number 1.
		{"subject tag", mail("", "Re: [GLPI #0000001] printer broken")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, store.SQLite, imaptest.Options{})
			r := e.receiver("support", nil)
			e.srv.Deliver(alice, "INBOX", mail("", "printer broken"))
			e.srv.Deliver(alice, "INBOX", tc.reply)
			run := e.mustCollect(e.collector(nil), r.ID)
			if run.Retrieved != 2 {
				t.Fatalf("got %d retrieved, want 2", run.Retrieved)
			}
			if got := e.tickets(); got != 1 {
				t.Errorf("got %d tickets, want 1", got)
			}
			if got := e.count("SELECT COUNT(*) FROM followups WHERE ticket_id = (SELECT MIN(id) FROM tickets)"); got != 1 {
				t.Errorf("got %d follow-ups of the first ticket, want 1", got)
			}
		})
	}
}

// TestFailingMailIsSkippedAloneInABatch checks the redo of a batch mail by
// mail: a mail the database refuses to save stays in the folder, is
// counted as an error, and the rest of its batch is still imported.
func TestFailingMailIsSkippedAloneInABatch(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	db := e.sqlDB()
	if _, err := db.Exec(`CREATE TRIGGER poison BEFORE INSERT ON tickets WHEN NEW.title = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned mail'); END`); err != nil {
		t.Fatal(err)
	}
	r := e.receiver("support", nil)
	for _, s := range []string{"first", "poison", "last"} {
		e.srv.Deliver(alice, "INBOX", mail("", s))
	}
	run, _ := e.collectNow(e.collector(nil), r.ID)
	if run == nil {
		t.Fatal("got no run")
	}
	if got, want := countsOf(run), (runCounts{available: 3, retrieved: 2, errors: 1}); got != want {
		t.Errorf("run counts: got %+v, want %+v", got, want)
	}
	if got := e.tickets(); got != 2 {
		t.Errorf("got %d tickets, want 2", got)
	}
	if got := e.count("SELECT COUNT(*) FROM messages"); got != 2 {
		t.Errorf("got %d ledger rows, want 2", got)
	}
	if got := e.count("SELECT COUNT(*) FROM ticket_actors"); got != 2 {
		t.Errorf("got %d ticket actors, want 2 (none left by the failed mail)", got)
	}
	if got := len(e.srv.Messages(alice, "INBOX")); got != 1 {
		t.Errorf("got %d mails left in INBOX, want 1 (the poisoned one)", got)
	}
}

// TestUnstorableDocumentIsSkippedAloneInABatch: a mail whose original
// cannot be written to the document store fails its batch's document
// sync; the batch is redone mail by mail, that mail alone stays
// in the folder for the next run, and no ticket names a missing document.
func TestUnstorableDocumentIsSkippedAloneInABatch(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("support", nil)
	// The bad mail comes last, so that no later Put reports its failure:
	// the batch learns of it from the document sync.
	raws := [][]byte{mail("", "first"), mail("", "second"), mail("", "unstorable")}
	// A file where the bad mail's directory would go (the first two hex
	// digits of its hash); the other mails must not share it.
	dir := docstore.Sum(raws[2])[:2]
	for i := 0; docstore.Sum(raws[0])[:2] == dir || docstore.Sum(raws[1])[:2] == dir; i++ {
		raws[0], raws[1] = mail("", fmt.Sprintf("first %d", i)), mail("", fmt.Sprintf("second %d", i))
	}
	if err := os.MkdirAll(e.docs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.docs, dir), []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		e.srv.Deliver(alice, "INBOX", raw)
	}
	run, _ := e.collectNow(e.collector(nil), r.ID)
	if run == nil {
		t.Fatal("got no run")
	}
	if got, want := countsOf(run), (runCounts{available: 3, retrieved: 2, errors: 1}); got != want {
		t.Errorf("run counts: got %+v, want %+v", got, want)
	}
	if got := e.count("SELECT COUNT(*) FROM tickets WHERE title LIKE 'unstorable%'"); got != 0 {
		t.Errorf("the unstorable mail made %d tickets, want none", got)
	}
	if got := e.tickets(); got != 2 {
		t.Errorf("got %d tickets, want 2", got)
	}
	if got := len(e.srv.Messages(alice, "INBOX")); got != 1 {
		t.Errorf("got %d mails left in INBOX, want 1 (the unstorable one)", got)
	}
}

// TestBatchPreparedWhileThePreviousIsWritten prepares a batch (looked up
// and decided outside any transaction) before the previous batch is
// written, as drain does while it writes: a reply to a mail of the
// previous batch still becomes its follow-up, and the same mail again
// still counts as already imported.
func TestBatchPreparedWhileThePreviousIsWritten(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	rec := e.receiver("support", nil)
	c := e.collector(nil)
	ctx := context.Background()
	now := time.Now().UTC()
	if ok, err := e.st.AcquireLeaseByHand(ctx, rec.ID, c.o.Instance, now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("lease: %t, %v", ok, err)
	}
	r, err := e.st.Receiver(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	settings, err := e.hd.Settings(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	in := &intake{r: r, settings: settings, uv: 1, run: &store.CollectRun{}, log: c.log}
	first := []item{{uid: 1, raw: mail("", "printer broken")}}
	second := []item{
		{uid: 2, raw: mail("", "Re: printer broken", "In-Reply-To: <printer-broken@example.org>\r\n")},
		{uid: 3, raw: mail("", "printer broken")}, // the first mail again, byte for byte
	}
	p1, err := c.prepare(ctx, in, first)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.prepare(ctx, in, second)
	if err != nil {
		t.Fatal(err)
	}
	if d := p2.pre[0].d; d == nil || d.Kind != ingest.KindTicket {
		t.Fatalf("the reply, decided before the first mail is written: %+v; want a new ticket (the test means nothing otherwise)", d)
	}
	for _, p := range []*prepared{p1, p2} {
		if _, err := c.recordBatch(ctx, in, p); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.tickets(); got != 1 {
		t.Errorf("got %d tickets, want 1", got)
	}
	if got := e.count("SELECT COUNT(*) FROM followups WHERE ticket_id = (SELECT MIN(id) FROM tickets)"); got != 1 {
		t.Errorf("got %d follow-ups of the first ticket, want 1", got)
	}
	if in.run.Retrieved != 2 || in.run.AlreadyImported != 1 {
		t.Errorf("retrieved %d, already imported %d; want 2 and 1", in.run.Retrieved, in.run.AlreadyImported)
	}
	if r.LastUID != 3 {
		t.Errorf("cursor at %d, want 3", r.LastUID)
	}
}

// TestBatchTicketsAreFoundBySearchAtOnce: a batch indexes its new tickets
// for search together, before it commits (store.HoldSearchIndex), on both
// dialects and on both paths (the fast one, and the careful one a failing
// mail sends the batch down): when the run returns, every ticket is found
// by a word of its own.
func TestBatchTicketsAreFoundBySearchAtOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			rec := e.receiver("support", nil)
			c := e.collector(func(o *Options) { o.BatchSize = 7 })
			words := []string{"zanzibar", "quetzal", "marimba", "obsidian", "tamarind", "gondola", "pelican", "saffron", "juniper", "cobalt"}
			// A mail the database refuses sends its batch down the careful
			// path (a savepoint per mail).
			poison := `CREATE TRIGGER poison BEFORE INSERT ON tickets WHEN NEW.title = 'poison'
				BEGIN SELECT RAISE(ABORT, 'poisoned mail'); END`
			if d == store.MySQL {
				poison = `CREATE TRIGGER poison BEFORE INSERT ON tickets FOR EACH ROW
					IF NEW.title = 'poison' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned mail'; END IF`
			}
			if _, err := e.sqlDB().Exec(poison); err != nil {
				t.Fatal(err)
			}
			e.srv.Deliver(alice, "INBOX", mail("", "poison"))
			// Words in the bodies, not the subjects: the text is indexed.
			for i, w := range words {
				e.srv.Deliver(alice, "INBOX", []byte(fmt.Sprintf("From: carol@example.org\r\nTo: %s\r\nSubject: request %d\r\nMessage-ID: <req-%d@example.org>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>My <b>%s</b> is broken.</p>\r\n", alice, i, i, w)))
			}
			run, _ := e.collectNow(c, rec.ID)
			if run == nil || run.Retrieved != len(words) || run.Errors != 1 {
				t.Fatalf("run: %+v; want %d retrieved and the poisoned mail failed", run, len(words))
			}
			for _, w := range words {
				rows, total, _, err := e.st.ListTickets(context.Background(), store.TicketFilter{ListQuery: store.ListQuery{Search: w}})
				if err != nil {
					t.Fatal(err)
				}
				if total != 1 || len(rows) != 1 {
					t.Errorf("search %q right after the run: %d tickets, want 1", w, total)
				}
			}
			// The text worked out beside the writer is the content's own.
			rows, err := e.sqlDB().Query("SELECT content, search_text FROM tickets")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var content, text string
				if err := rows.Scan(&content, &text); err != nil {
					t.Fatal(err)
				}
				if want := store.SearchText(content); text != want || text == "" {
					t.Errorf("ticket with content %q: search text %q, want %q", content, text, want)
				}
				n++
			}
			if err := rows.Err(); err != nil || n != len(words) {
				t.Fatalf("%d tickets read (%v), want %d", n, err, len(words))
			}
		})
	}
}

// countingKnowledge answers every look-up with nothing and counts the
// duplicate look-ups that reach it.
type countingKnowledge struct{ dupAsked int }

func (k *countingKnowledge) TicketsByMessageID(context.Context, []string) (map[string]ingest.TicketRef, error) {
	return nil, nil
}
func (k *countingKnowledge) Ticket(_ context.Context, id int64) (ingest.TicketRef, bool, error) {
	return ingest.TicketRef{ID: id}, true, nil
}
func (k *countingKnowledge) DuplicateTicket(context.Context, string, string, time.Time) (ingest.TicketRef, bool, error) {
	k.dupAsked++
	return ingest.TicketRef{}, false, nil
}

// TestProbeAnswersDuplicatesReadForTheBatch: a Message-ID read with the
// batch (and the same window) is answered without asking the store, by
// fingerprint; any other goes to the store.
func TestProbeAnswersDuplicatesReadForTheBatch(t *testing.T) {
	ctx := context.Background()
	since := time.Now().Add(-ingest.DuplicateWindow)
	k := &countingKnowledge{}
	p := &probe{k: k, since: since, dups: map[string][]store.DuplicateCandidate{
		"copy@example.org": {{ID: 7, ContentSHA256: "other"}, {ID: 9, ContentSHA256: "same"}},
		"new@example.org":  nil,
	}}
	if ref, found, err := p.DuplicateTicket(ctx, "copy@example.org", "same", since); err != nil || !found || ref.ID != 9 {
		t.Fatalf("copy: %+v %v %v; want ticket 9", ref, found, err)
	}
	if _, found, _ := p.DuplicateTicket(ctx, "copy@example.org", "different", since); found {
		t.Fatal("a mail with another fingerprint was taken for a copy")
	}
	if _, found, _ := p.DuplicateTicket(ctx, "new@example.org", "same", since); found {
		t.Fatal("a Message-ID with no ticket was taken for a copy")
	}
	if k.dupAsked != 0 {
		t.Fatalf("the store was asked %d times for Message-IDs read with the batch", k.dupAsked)
	}
	_, _, _ = p.DuplicateTicket(ctx, "unread@example.org", "same", since)
	_, _, _ = p.DuplicateTicket(ctx, "copy@example.org", "same", since.Add(time.Second))
	if k.dupAsked != 2 {
		t.Fatalf("the store was asked %d times, want 2 (an ID not read, another window)", k.dupAsked)
	}
	if !slices.Contains(p.ids, "copy@example.org") || !slices.Contains(p.tickets, 9) {
		t.Fatalf("the probe did not remember what it answered: ids %q, tickets %v", p.ids, p.tickets)
	}
}

// TestBatchLogSaysWhereItsTimeWent: at debug level, each recorded batch
// says how long it took and how long saving, indexing and waiting for
// its documents took, for an operator asking why a drain is slow.
func TestBatchLogSaysWhereItsTimeWent(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	rec := e.receiver("support", nil)
	c := e.collector(func(o *Options) {
		o.BatchSize = 2
		o.Logger = slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	deliverN(e.srv, alice, 3, "timed")
	if run, err := e.collectNow(c, rec.ID); err != nil || run.Retrieved != 3 {
		t.Fatalf("run %+v, %v; want 3 retrieved", run, err)
	}
	line := regexp.MustCompile(`msg="collector: batch recorded" .*took=[0-9.]+m?s saving=[0-9.]+m?s indexing=[0-9.]+m?s documents_wait=[0-9.]+m?s`)
	if got := line.FindAllString(e.log.String(), -1); len(got) != 2 {
		t.Fatalf("%d batch lines with their times, want 2 (batches of 2 for 3 mails); log:\n%s", len(got), e.log.String())
	}
}
