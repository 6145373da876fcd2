package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// testReceiver adds a receiver row directly (the receivers file owns the
// real API).
func testReceiver(t *testing.T, s *Store, name string) int64 {
	t.Helper()
	r := Receiver{Name: name, Port: 993, Security: "ssl", RequesterField: "from", State: "ok", CreatedAt: s.now(), UpdatedAt: s.now()}
	// The first schema's columns only: the 100k test seeds an old schema.
	if err := s.db.Select("name", "port", "security", "requester_field", "state", "password", "last_error", "comment",
		"created_at", "updated_at").Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestNormalMessageID(t *testing.T) {
	long := strings.Repeat("a", 300) + "@example.com"
	long2 := strings.Repeat("a", 300) + "@example.org"
	tests := []struct {
		name, in, want string
	}{
		{"brackets and spaces", " <abc@x> ", "abc@x"},
		{"short kept", "abc@x", "abc@x"},
		{"exactly 255 kept", strings.Repeat("b", 255), strings.Repeat("b", 255)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalMessageID(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	a, b := NormalMessageID(long), NormalMessageID(long2)
	if len(a) > 255 || a == b || !strings.HasPrefix(a, strings.Repeat("a", 190)+"#") {
		t.Fatalf("long IDs: got %q and %q, want distinct prefix+hash forms of at most 255 bytes", a, b)
	}
	if NormalMessageID("<"+long+">") != a {
		t.Fatal("the normal form must not depend on brackets")
	}
}

func TestTicketsByMessageIDAllSources(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rid := testReceiver(t, s, "support")
		long := strings.Repeat("x", 400) + "@long.example"
		t1 := &Ticket{Title: "one", MessageID: "<first@a>", ReceiverID: &rid}
		t2 := &Ticket{Title: "two", MessageID: long}
		for _, tk := range []*Ticket{t1, t2} {
			if err := s.CreateTicket(ctx, tk, []TicketActor{{Role: ActorRequester, Email: "Req@Example.com"}}); err != nil {
				t.Fatal(err)
			}
		}
		f := &Followup{TicketID: t1.ID, MessageID: "reply@b", Content: "<p>hi</p>"}
		if err := s.CreateFollowup(ctx, f); err != nil {
			t.Fatal(err)
		}
		led := LedgerEntry{ReceiverID: rid, UIDValidity: 1, UID: 7, MessageID: "ledger@c", Decision: DecisionTicket, TicketID: &t2.ID, CreatedAt: s.now()}
		if err := s.db.Create(&led).Error; err != nil {
			t.Fatal(err)
		}
		got, err := s.TicketsByMessageID(ctx, []string{"first@a", "reply@b", "ledger@c", long, "unknown@z"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"first@a": t1.ID, "reply@b": t1.ID, "ledger@c": t2.ID, long: t2.ID}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("Message-ID %.20s: got ticket %d, want %d", k, got[k], v)
			}
		}
		th, err := s.TicketThreads(ctx, []int64{t1.ID})
		if err != nil || len(th[t1.ID].Participants) == 0 || th[t1.ID].Participants[0] != "req@example.com" {
			t.Fatalf("got threads %+v (%v), want the lower-cased requester", th, err)
		}
	})
}

func TestSetTicketStatusRecordsEvents(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := &Ticket{Title: "status"}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name    string
			status  int
			changed bool
		}{
			{"to closed", StatusClosed, true},
			{"closed again", StatusClosed, false},
			{"reopened", StatusNew, true},
		}
		for _, st := range steps {
			changed, err := s.SetTicketStatus(ctx, tk.ID, st.status, 0, EventStatus)
			if err != nil || changed != st.changed {
				t.Fatalf("%s: got changed=%v (%v), want %v", st.name, changed, err, st.changed)
			}
		}
		got, _ := s.Ticket(ctx, tk.ID)
		if got.Status != StatusNew || got.ClosedAt != nil {
			t.Fatalf("got status %d closed_at %v, want New and no close date", got.Status, got.ClosedAt)
		}
		evs, err := s.TicketEvents(ctx, tk.ID)
		if err != nil || len(evs) != 2 || evs[0].NewValue != "6" || evs[1].OldValue != "6" {
			t.Fatalf("got events %+v (%v), want two status changes", evs, err)
		}
		if _, err := s.SetTicketStatus(ctx, tk.ID, 9, 0, EventStatus); err == nil {
			t.Fatal("status 9 accepted")
		}
		if _, err := s.SetTicketStatus(ctx, 999999, StatusClosed, 0, EventStatus); err != ErrNotFound {
			t.Fatalf("missing ticket: got %v, want ErrNotFound", err)
		}
	})
}

func TestListTicketsSearchFilterSort(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rA, rB := testReceiver(t, s, "alpha"), testReceiver(t, s, "beta")
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 1; i <= 30; i++ {
			rid := rA
			if i%3 == 0 {
				rid = rB
			}
			tk := &Ticket{Title: fmt.Sprintf("Printer %02d", i), Content: "<p>body</p>", ReceiverID: &rid,
				RequesterEmail: fmt.Sprintf("user%d@example.com", i), OpenedAt: base.Add(time.Duration(i) * time.Hour)}
			if i == 7 {
				tk.Title, tk.Content = "VPN broken", "<p>the 100% tunnel_x fails</p>"
			}
			if err := s.CreateTicket(ctx, tk, nil); err != nil {
				t.Fatal(err)
			}
			if i%5 == 0 {
				s.SetTicketStatus(ctx, tk.ID, StatusSolved, 0, EventStatus)
			}
		}
		tests := []struct {
			name      string
			f         TicketFilter
			wantTotal int64
			wantFirst string
		}{
			{"all, newest update first", TicketFilter{}, 30, ""},
			{"title search", TicketFilter{ListQuery: ListQuery{Search: "vpn"}}, 1, "VPN broken"},
			{"content search with wildcards taken literally", TicketFilter{ListQuery: ListQuery{Search: "100% tunnel_x"}}, 1, "VPN broken"},
			{"a percent alone matches only real percents", TicketFilter{ListQuery: ListQuery{Search: "%"}}, 1, "VPN broken"},
			{"requester search", TicketFilter{ListQuery: ListQuery{Search: "user12@"}}, 1, "Printer 12"},
			{"status filter", TicketFilter{Status: StatusSolved}, 6, ""},
			{"receiver filter", TicketFilter{ReceiverID: rB}, 10, ""},
			{"sort by title", TicketFilter{ListQuery: ListQuery{Sort: "title"}}, 30, "Printer 01"},
			{"sort by title desc", TicketFilter{ListQuery: ListQuery{Sort: "title", Desc: true}}, 30, "VPN broken"},
			{"sort by receiver desc", TicketFilter{ListQuery: ListQuery{Sort: "receiver", Desc: true, PerPage: 1}}, 30, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, total, capped, err := s.ListTickets(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if total != tt.wantTotal || capped {
					t.Fatalf("got total %d capped %v, want %d", total, capped, tt.wantTotal)
				}
				if tt.wantFirst != "" && (len(rows) == 0 || rows[0].Title != tt.wantFirst) {
					t.Fatalf("got first row %+v, want %q", rows, tt.wantFirst)
				}
				if tt.name == "sort by receiver desc" && rows[0].ReceiverName != "beta" {
					t.Fatalf("got receiver %q first, want beta", rows[0].ReceiverName)
				}
			})
		}
		rows, _, _, _ := s.ListTickets(ctx, TicketFilter{ListQuery: ListQuery{PerPage: 5, Page: 2}})
		if len(rows) != 5 || rows[0].ReceiverName == "" {
			t.Fatalf("page 2: got %d rows %+v, want 5 with receiver names", len(rows), rows)
		}
	})
}

func TestListTicketsCountIsCappedWhenSearching(t *testing.T) {
	s := openDialect(t, SQLite)
	ctx := context.Background()
	now := s.now()
	rows := make([]Ticket, TicketSearchCountCap+5)
	for i := range rows {
		rows[i] = Ticket{Title: "same words", Status: StatusNew, Urgency: 3, RequestSource: SourceEmail, OpenedAt: now, UpdatedAt: now}
	}
	if err := s.db.CreateInBatches(rows, 200).Error; err != nil {
		t.Fatal(err)
	}
	_, total, capped, err := s.ListTickets(ctx, TicketFilter{ListQuery: ListQuery{Search: "same"}})
	if err != nil || total != TicketSearchCountCap || !capped {
		t.Fatalf("got total %d capped %v (%v), want %d capped", total, capped, err, TicketSearchCountCap)
	}
	_, total, capped, _ = s.ListTickets(ctx, TicketFilter{})
	if total != int64(len(rows)) || capped {
		t.Fatalf("without search: got %d capped %v, want the exact %d", total, capped, len(rows))
	}
}

func TestSearchWords(t *testing.T) {
	tests := []struct {
		name, in       string
		want           []string
		prefix         bool
		fts, mysqlBool string
	}{
		{"one word, still being typed", "Printer", []string{"printer"}, true, `"printer"*`, "+printer*"},
		{"ends with a space", "printer ", []string{"printer"}, false, `"printer"`, "+printer"},
		{"e-mail cut at its punctuation", "user12@example.com", []string{"user12", "example"}, false, `"user12" "example"`, "+user12 +example"},
		{"short and stop words left out", "is the vpn ok", []string{"vpn"}, false, `"vpn"`, "+vpn"},
		{"operators dropped", `+"tray" -(paper)* ~x`, []string{"tray", "paper"}, false, `"tray" "paper"`, "+tray +paper"},
		{"underscore and inner apostrophe kept", "tunnel_x don't", []string{"tunnel_x", "don't"}, true, `"tunnel_x" "don't"*`, "+tunnel_x +don't*"},
		{"a trailing short word is no prefix", "printer ab", []string{"printer"}, false, `"printer"`, "+printer"},
		{"nothing indexable", "% #", nil, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, prefix := searchWords(tt.in)
			if !slices.Equal(got, tt.want) || prefix != tt.prefix {
				t.Fatalf("got %q prefix %v, want %q prefix %v", got, prefix, tt.want, tt.prefix)
			}
			if q := ftsQuery(got, prefix); q != tt.fts {
				t.Errorf("FTS5: got %s, want %s", q, tt.fts)
			}
			if q := booleanQuery(got, prefix); q != tt.mysqlBool {
				t.Errorf("MySQL: got %s, want %s", q, tt.mysqlBool)
			}
		})
	}
}

// searchTitles runs a ticket-list search and returns the titles found,
// sorted.
func searchTitles(t *testing.T, s *Store, search string) []string {
	t.Helper()
	rows, total, _, err := s.ListTickets(context.Background(), TicketFilter{ListQuery: ListQuery{Search: search, PerPage: 200}})
	if err != nil {
		t.Fatalf("search %q: %v", search, err)
	}
	titles := []string{}
	for _, r := range rows {
		titles = append(titles, r.Title)
	}
	slices.Sort(titles)
	if total != int64(len(titles)) {
		t.Fatalf("search %q: got total %d for %d rows", search, total, len(titles))
	}
	return titles
}

func TestListTicketsFullTextSearch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tickets := []Ticket{
			{Title: "Printer jammed", Content: "<p>The paper tray is stuck on floor three.</p>", RequesterEmail: "alice@example.com", RequesterName: "Alice Martin"},
			{Title: "VPN down", Content: "<p>Tunnel fails since the <b>upgrade</b>; don't restart it.</p>", RequesterEmail: "bob.jones@corp.example", RequesterName: "Bob Jones"},
			{Title: "Zebracorn sighting", Content: "<p>Nothing else here.</p>", RequesterEmail: "user12@example.com"},
			{Title: "Other", Content: "<p>plain words only</p>", RequesterEmail: "user120@example.com", RequesterName: "Zoé Café"},
			{Title: "Knowledge", Content: `<div class="kb"><a href="https://intranet.example/kb">article</a>&nbsp;cod&amp;chips</div><style>.hidden { color: red }</style>`},
		}
		for i := range tickets {
			if err := s.CreateTicket(ctx, &tickets[i], nil); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name, search string
			want         []string
		}{
			{"word in content", "tray", []string{"Printer jammed"}},
			{"word in title", "jammed", []string{"Printer jammed"}},
			{"requester e-mail", "bob.jones@corp.example", []string{"VPN down"}},
			{"requester name", "martin", []string{"Printer jammed"}},
			{"case does not matter", "ZEBRACORN", []string{"Zebracorn sighting"}},
			{"words in any order, across title and content", "tunnel vpn", []string{"VPN down"}},
			{"every word is required", "tunnel printer", []string{}},
			{"a half-typed last word", "zebrac", []string{"Zebracorn sighting"}},
			{"a finished word is not a prefix", "user12@", []string{"Zebracorn sighting"}},
			{"a partial e-mail matches both", "user12", []string{"Other", "Zebracorn sighting"}},
			{"an unknown word", "keyboard", []string{}},
			{"a word inside an HTML tag's text", "upgrade", []string{"VPN down"}},
			{"apostrophe inside a word", "don't restart", []string{"VPN down"}},
			{"a stopword of MySQL alongside a word", "the tray", []string{"Printer jammed"}},
			{"short words are left to the long ones", "is it tray", []string{"Printer jammed"}},
			{"a double quote", `"tray`, []string{"Printer jammed"}},
			{"unbalanced quotes and parentheses", `tray") (`, []string{"Printer jammed"}},
			{"boolean operators are words", "+tray -printer", []string{"Printer jammed"}},
			{"a star and a tilde", "~tray*", []string{"Printer jammed"}},
			{"FTS5 syntax is not syntax", "title:zebracorn", []string{}},
			{"FTS5 NEAR", "NEAR(tray paper)", []string{}},
			{"SQL in the box", "'; DROP TABLE tickets; --", []string{}},
			{"only short words fall back to a substring", "is", []string{"Printer jammed"}},
			{"punctuation alone falls back to a substring", ";", []string{"VPN down"}},
			{"a tag name is not a word", "div", []string{}},
			{"an attribute is not a word", "href", []string{}},
			{"an attribute's value is not a word", "intranet", []string{}},
			{"a style sheet is not text", "hidden", []string{}},
			{"a link's text is a word", "article", []string{"Knowledge"}},
			{"entities are decoded", "cod chips", []string{"Knowledge"}},
			{"markup is no substring either", "<b", []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := searchTitles(t, s, tt.search); !slices.Equal(got, tt.want) {
					t.Fatalf("search %q: got %q, want %q", tt.search, got, tt.want)
				}
			})
		}
		if s.Dialect() == SQLite {
			// FTS5 folds accents; MySQL's collation decides there.
			if got := searchTitles(t, s, "zoe cafe"); !slices.Equal(got, []string{"Other"}) {
				t.Fatalf("accents: got %q, want Other", got)
			}
		}
	})
}

func TestTicketSearchByNumber(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, tk := range []*Ticket{
			{ID: 4242, Title: "Found by its number"},
			{ID: 5000, Title: "Order 4242 lost"},
			{ID: 6000, Title: "Order 42420 lost"},
			{ID: 7000, Title: "Unrelated"},
		} {
			if err := s.CreateTicket(ctx, tk, nil); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name, search string
			want         []string
		}{
			{"a number finds its ticket and the words it starts", "4242", []string{"Found by its number", "Order 4242 lost", "Order 42420 lost"}},
			{"hash and number", "#4242", []string{"Found by its number", "Order 4242 lost", "Order 42420 lost"}},
			{"a number among words is a word", "order 4242 ", []string{"Order 4242 lost"}},
			{"a number nothing holds", "7001", []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := searchTitles(t, s, tt.search); !slices.Equal(got, tt.want) {
					t.Fatalf("search %q: got %q, want %q", tt.search, got, tt.want)
				}
			})
		}
	})
}

func TestTicketSearchFollowsEditsAndDeletes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if s.dialect == MySQL {
			// The full-text index follows edits. MySQL's word index holds a
			// ticket's words as first written and does not: no path of the
			// store edits a title or requester (this test does, through
			// GORM), and one that comes to must re-index the ticket (see
			// Ticket). So this runs the full-text index's plans there.
			defer func(on bool) { useWordIndex = on }(useWordIndex)
			useWordIndex = false
		}
		tk := &Ticket{Title: "Keyboard broken", Content: "<p>keys stick</p>", RequesterEmail: "carol@example.com"}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Model(&Ticket{}).Where("id = ?", tk.ID).Updates(map[string]any{"title": "Mouse broken", "requester_email": "dave@example.com"}).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTicketStatus(ctx, tk.ID, StatusSolved, 0, EventStatus); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name, search string
			want         []string
		}{
			{"new title", "mouse", []string{"Mouse broken"}},
			{"old title gone", "keyboard", []string{}},
			{"new requester", "dave", []string{"Mouse broken"}},
			{"old requester gone", "carol", []string{}},
			{"untouched content", "stick", []string{"Mouse broken"}},
		}
		for _, st := range steps {
			if got := searchTitles(t, s, st.search); !slices.Equal(got, st.want) {
				t.Fatalf("%s: search %q: got %q, want %q", st.name, st.search, got, st.want)
			}
		}
		if err := s.db.Delete(&Ticket{}, tk.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, "mouse"); len(got) != 0 {
			t.Fatalf("after delete: got %q, want nothing", got)
		}
	})
}

// openAtVersion opens a store on one dialect migrated up to version only.
func openAtVersion(t testing.TB, d Dialect, version int64) *Store {
	t.Helper()
	o := Options{Keyring: testKeyring(t)}
	if d == SQLite {
		o.SQLitePath = filepath.Join(t.TempDir(), "old.db")
	} else {
		o.DSN = testpeer.MariaDB(t)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p, err := s.migrator()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return s
}

// v3TicketColumns are the columns of tickets at schema version 3: a ticket
// written through today's model into that schema names only these.
var v3TicketColumns = []string{"title", "content", "status", "urgency", "request_source", "receiver_id", "requester_email",
	"requester_name", "linked_ticket_id", "message_id", "decision_reason", "opened_at", "updated_at", "solved_at", "closed_at"}

// TestTicketSearchIndexesExistingTickets upgrades a database that already
// holds tickets: migration 00004 must index them.
func TestTicketSearchIndexesExistingTickets(t *testing.T) {
	for _, d := range []Dialect{SQLite, MySQL} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 3)
			now := s.now()
			old := Ticket{Title: "Legacy ticket", Content: "<p>archived quasar</p>", Status: StatusNew, Urgency: 3, RequestSource: SourceEmail, OpenedAt: now, UpdatedAt: now}
			if err := s.db.Select(v3TicketColumns).Create(&old).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := searchTitles(t, s, "quasar"); !slices.Equal(got, []string{"Legacy ticket"}) {
				t.Fatalf("got %q, want the ticket written before the migration", got)
			}
			// Its text was written by the migration (00015), not its HTML.
			if got := searchTitles(t, s, "<p>"); len(got) != 0 {
				t.Fatalf("markup of an old ticket: got %q, want nothing", got)
			}
			var left int64
			if err := s.db.Table("search_text_backlog").Count(&left).Error; err != nil || left != 0 {
				t.Fatalf("backlog: %d rows (%v), want none once the text is written", left, err)
			}
			if n, err := s.fillSearchText(ctx); err != nil || n != 0 {
				t.Fatalf("a second run wrote %d tickets (%v), want none", n, err)
			}
			if d == MySQL {
				// Migration 00026 queued it for the word index, which
				// then holds its words.
				if _, err := s.IndexQueuedWords(ctx); err != nil {
					t.Fatal(err)
				}
				if found, maybe, err := s.wordIndexMatches(ctx, []string{"quasar"}, false); err != nil || !slices.Equal(found, []int64{old.ID}) || len(maybe) != 0 {
					t.Fatalf("word index: found %v, queued %v (%v), want the old ticket", found, maybe, err)
				}
			}
		})
	}
}

// TestTicketListAt100k measures the ticket list and its search on 100,000
// tickets with ~2 KB contents, on both dialects: it seeds them with
// multi-row inserts, then logs p50 and p99 of each shape. It runs only
// when asked:
// OAUTHIMAP_SCALE=1 go test -timeout 60m -run TestTicketListAt100k -v.
// OAUTHIMAP_SCALE_TICKETS=1000000 seeds that many tickets instead (a
// multiple of 1,000; a million takes a while).
// OAUTHIMAP_SCALE_SQLITE=/path/file.db keeps the SQLite database in that
// file: a later run with the same file (and the same size) times the
// tickets already there instead of seeding them again (with -run
// TestTicketListAt100k/sqlite). OAUTHIMAP_SCALE_MYSQL=<DSN> does the
// same with a MariaDB database of a server of one's own (with -run
// TestTicketListAt100k/mysql).
// (The upgrade of such a table is TestTicketSearchIndexesExistingTickets
// in small; its time at this size is in the search's notes.)
func TestTicketListAt100k(t *testing.T) {
	if os.Getenv("OAUTHIMAP_SCALE") != "1" {
		t.Skip("set OAUTHIMAP_SCALE=1 to seed 100,000 tickets and time the list")
	}
	for _, d := range []Dialect{SQLite, MySQL} {
		t.Run(string(d), func(t *testing.T) {
			kept := Options{Keyring: testKeyring(t), SQLitePath: os.Getenv("OAUTHIMAP_SCALE_SQLITE")}
			if d == MySQL {
				kept = Options{Keyring: kept.Keyring, DSN: os.Getenv("OAUTHIMAP_SCALE_MYSQL")}
			}
			if kept.SQLitePath != "" || kept.DSN != "" {
				t0 := time.Now()
				s := openMigrated(t, kept)
				t.Logf("%s: opened and migrated in %v", d, time.Since(t0).Round(time.Millisecond))
				if cases, ok := seededListCases(t, s); ok {
					timeTicketList(t, s, cases)
					return
				}
				timeTicketList(t, s, ticketListCases(t, s, seed100kTickets(t, s)))
				return
			}
			s := openDialect(t, d)
			if d == MySQL {
				scalePool(t)
			}
			timeTicketList(t, s, ticketListCases(t, s, seed100kTickets(t, s)))
		})
	}
}

// scalePool gives the test peer's MariaDB the buffer pool the README asks
// of production, one that holds the tickets table (0.6 GB at 100,000
// tickets): 1 GiB, or OAUTHIMAP_SCALE_MYSQL_POOL in MiB (64, the tests'
// own size, times an undersized server).
func scalePool(t *testing.T) {
	mib := int64(1024)
	if v := os.Getenv("OAUTHIMAP_SCALE_MYSQL_POOL"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 32 {
			t.Fatalf("OAUTHIMAP_SCALE_MYSQL_POOL=%q: want MiB, at least 32", v)
		}
		mib = n
	}
	t0 := time.Now()
	testpeer.MariaDBBufferPool(t, mib<<20)
	t.Logf("mysql: InnoDB buffer pool %d MiB (resized in %v)", mib, time.Since(t0).Round(time.Millisecond))
}

// seededListCases are the list's shapes of a database that a former run
// of TestTicketListAt100k seeded with as many tickets as this one would;
// ok is false when it holds no tickets (it is then seeded).
func seededListCases(t *testing.T, s *Store) (_ []listCase, ok bool) {
	t.Helper()
	var n int64
	if err := s.db.Model(&Ticket{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		return nil, false
	}
	if n != int64(scaleTickets(t)) {
		t.Fatalf("the kept database holds %d tickets, this run wants %d: remove it or set OAUTHIMAP_SCALE_TICKETS", n, scaleTickets(t))
	}
	id := func(model any, name string) int64 {
		var ids []int64
		if err := s.db.Model(model).Where("name = ?", name).Pluck("id", &ids).Error; err != nil || len(ids) != 1 {
			t.Fatalf("the kept database has no %T %q (%v): remove it to seed again", model, name, err)
		}
		return ids[0]
	}
	rids := []int64{id(&Receiver{}, "alpha"), id(&Receiver{}, "beta"), id(&Receiver{}, "gamma")}
	t.Logf("%s: timing the %d tickets kept from a former run", s.Dialect(), n)
	return append(plainListCases(int(n), rids), ticketWorkCases(id(&User{}, "Technician 06"), id(&Category{}, "Category 17"))...), true
}

// scaleTickets is how many tickets TestTicketListAt100k seeds:
// OAUTHIMAP_SCALE_TICKETS, or 100,000.
func scaleTickets(t *testing.T) int {
	v := os.Getenv("OAUTHIMAP_SCALE_TICKETS")
	if v == "" {
		return 100000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 || n%1000 != 0 {
		t.Fatalf("OAUTHIMAP_SCALE_TICKETS=%q: want a multiple of 1000", v)
	}
	return n
}

// seed100kTickets writes 100,000 tickets with ~2 KB contents with
// multi-row inserts, and returns its receivers.
func seed100kTickets(t *testing.T, s *Store) []int64 {
	rids := []int64{testReceiver(t, s, "alpha"), testReceiver(t, s, "beta"), testReceiver(t, s, "gamma")}
	words := strings.Fields("printer network vpn outlook password laptop screen keyboard invoice access server backup license phone meeting")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	n, batch := scaleTickets(t), 1000
	t0 := time.Now()
	for start := 0; start < n; start += batch {
		rows := make([]Ticket, batch)
		for i := range rows {
			k := start + i
			var body strings.Builder
			for body.Len() < 2000 {
				body.WriteString(words[(k*7+body.Len())%len(words)] + " ")
			}
			if k%10000 == 0 {
				body.WriteString("zebracorn")
			}
			if k%300 == 8 {
				// 333 tickets, more than the search's cap: unassigned ones
				// (ID ending in 9), status Processing (planned).
				body.WriteString(" quokka")
			}
			at := base.Add(time.Duration(k) * time.Minute)
			rid := rids[k%3]
			rows[i] = Ticket{Title: fmt.Sprintf("%s issue %d", words[k%len(words)], k), Content: "<p>" + body.String() + "</p>",
				Status: 1 + k%6, Urgency: 3, Type: TypeIncident, Impact: 3, Priority: 3, RequestSource: SourceEmail, ReceiverID: &rid,
				RequesterEmail: fmt.Sprintf("user%d@example.com", k%5000), OpenedAt: at, UpdatedAt: at}
		}
		if err := s.db.CreateInBatches(rows, batch).Error; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: seeded %d tickets in %v", s.Dialect(), n, time.Since(t0).Round(time.Millisecond))
	return rids
}

// listCase is one timed shape of the ticket list.
type listCase struct {
	name  string
	f     TicketFilter
	empty bool // finds nothing, by design
}

// ticketListCases are the list's shapes timed at 100,000 tickets; it
// seeds the ticket work (technicians, groups, categories) they need.
func ticketListCases(t *testing.T, s *Store, rids []int64) []listCase {
	return append(plainListCases(scaleTickets(t), rids), seedTicketWork(t, s)...)
}

// plainListCases are the list's shapes without the ticket work's views,
// for n tickets seeded by seed100kTickets.
func plainListCases(n int, rids []int64) []listCase {
	return []listCase{
		{"page 1, newest update first", TicketFilter{}, false},
		{"page 100", TicketFilter{ListQuery: ListQuery{Page: 100}}, false},
		{fmt.Sprintf("page %d (last)", n/20), TicketFilter{ListQuery: ListQuery{Page: n / 20}}, false},
		{"status filter", TicketFilter{Status: StatusPending}, false},
		{"receiver filter, sorted by title", TicketFilter{ReceiverID: rids[1], ListQuery: ListQuery{Sort: "title"}}, false},
		{"search, common word (7% of tickets)", TicketFilter{ListQuery: ListQuery{Search: "printer"}}, false},
		{"search, word in 13% of tickets", TicketFilter{ListQuery: ListQuery{Search: "laptop"}}, false},
		{"search, word in 40% of tickets", TicketFilter{ListQuery: ListQuery{Search: "network"}}, false},
		// The worst case left: a word in a fifth of the tickets and in
		// none of the filter's (the seed's words follow the ID as the
		// status does).
		{"search, word in 20%, none with the status", TicketFilter{Status: StatusPending, ListQuery: ListQuery{Search: "vpn"}}, true},
		{"search, requester", TicketFilter{ListQuery: ListQuery{Search: "user4242@"}}, false},
		{fmt.Sprintf("search, rare word (%d matches)", n/10000), TicketFilter{ListQuery: ListQuery{Search: "zebracorn"}}, false},
		{"search, half-typed rare word", TicketFilter{ListQuery: ListQuery{Search: "zebrac"}}, false},
		{"search, two words, any order", TicketFilter{ListQuery: ListQuery{Search: "printer zebracorn"}}, false},
		{"search, rare word, sorted by title", TicketFilter{ListQuery: ListQuery{Search: "zebracorn", Sort: "title"}}, false},
		{"search, common word + status filter", TicketFilter{Status: StatusPending, ListQuery: ListQuery{Search: "printer"}}, false},
		{"search, word in every title + receiver, by title", TicketFilter{ReceiverID: rids[1], ListQuery: ListQuery{Search: "issue", Sort: "title"}}, false},
		{fmt.Sprintf("search, word in %d tickets", n/300), TicketFilter{ListQuery: ListQuery{Search: "quokka"}}, false},
		{fmt.Sprintf("search, word in %d tickets + status filter", n/300), TicketFilter{Status: StatusPlanned, ListQuery: ListQuery{Search: "quokka"}}, false},
		{"search, ticket number", TicketFilter{ListQuery: ListQuery{Search: "4242"}}, false},
		{"search, 2 letters (LIKE fallback)", TicketFilter{ListQuery: ListQuery{Search: "ue"}}, false},
	}
}

// timeTicketList runs each case 20 times and logs its p50 and p99 (with
// 20 samples, the p99 is the slowest run).
func timeTicketList(t *testing.T, s *Store, cases []listCase) {
	ctx := context.Background()
	if s.dialect == MySQL {
		// The word index of the tickets seeded (or of a database
		// upgraded to it), written here rather than behind the timings.
		s.words.close()
		s.words = nil
		t0 := time.Now()
		n, err := s.IndexQueuedWords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var rows, size int64
		if err := s.db.Raw("SELECT COUNT(*), COALESCE(SUM(LENGTH(word)), 0) + 136 * COUNT(*) FROM ticket_word_blocks").Row().Scan(&rows, &size); err != nil {
			t.Fatal(err)
		}
		t.Logf("mysql: indexed the words of %d tickets in %v: %d rows, %.1f MB of keys and bits", n, time.Since(t0).Round(time.Millisecond), rows, float64(size)/1e6)
	}
	for _, c := range cases {
		var times []time.Duration
		for range 20 {
			t1 := time.Now()
			rows, _, _, err := s.ListTickets(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if (len(rows) == 0) != c.empty {
				t.Fatalf("%s: got %d rows, want rows: %v", c.name, len(rows), !c.empty)
			}
			times = append(times, time.Since(t1))
		}
		slices.Sort(times)
		t.Logf("%s: %-50s p50 %8v  p99 %8v", s.Dialect(), c.name, times[len(times)/2].Round(10*time.Microsecond), times[len(times)*99/100].Round(10*time.Microsecond))
	}
}

// seedTicketWork adds the team of ticket work to the 100,000 tickets: 20
// technicians, 10 groups (each technician in one), 50 categories; 70% of
// tickets assigned to a technician, 30% to a group (some both), 10% to
// nobody; and returns the list's views, alone and with a search word.
func seedTicketWork(t *testing.T, s *Store) []listCase {
	t.Helper()
	ctx := context.Background()
	t0 := time.Now()
	var users, groups, cats []int64
	for i := range 20 {
		u := &User{Login: fmt.Sprintf("tech%02d", i), Name: fmt.Sprintf("Technician %02d", i), Role: RoleTechnician, IsActive: true}
		if err := s.CreateUser(ctx, u, "a long password"); err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
	}
	for i := range 10 {
		g := &Group{Name: fmt.Sprintf("Team %02d", i), IsAssign: true}
		if err := s.SaveGroup(ctx, g, []int64{users[i], users[i+10]}, nil); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	for i := range 50 {
		c := &Category{Name: fmt.Sprintf("Category %02d", i), IsActive: true}
		if i >= 10 {
			c.ParentID = &cats[i%10]
		}
		if err := s.SaveCategory(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
		cats = append(cats, c.ID)
	}
	contiguous := func(ids []int64) bool { return ids[len(ids)-1]-ids[0] == int64(len(ids)-1) }
	if !contiguous(users) || !contiguous(groups) || !contiguous(cats) {
		t.Fatal("seed ids are not contiguous; the INSERT ... SELECT below relies on it")
	}
	now := s.now()
	if s.dialect == SQLite {
		// The category of every ticket at once re-indexes them all
		// (migration 00025): with deletion markers, then merged, rather
		// than removing each ticket's entries in place (~0.7 ms each).
		s.db.Exec("INSERT INTO ticket_search (ticket_search, rank) VALUES ('secure-delete', 0)")
		defer s.db.Exec("INSERT INTO ticket_search (ticket_search, rank) VALUES ('secure-delete', 1)")
		defer s.db.Exec("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE tickets SET category_id = ? + id % 50, priority = 1 + id % 5", []any{cats[0]}},
		{"INSERT INTO ticket_users (ticket_id, user_id, role, created_at) SELECT id, ? + id % 20, ?, ? FROM tickets WHERE id % 10 < 7", []any{users[0], ActorAssigned, now}},
		{"INSERT INTO ticket_groups (ticket_id, group_id, role, created_at) SELECT id, ? + id % 10, ?, ? FROM tickets WHERE id % 10 BETWEEN 6 AND 8", []any{groups[0], ActorAssigned, now}},
		// What recountAssignees does for each ticket, at once.
		{`UPDATE tickets SET assignee_count =
			(SELECT COUNT(*) FROM ticket_users tu WHERE tu.ticket_id = tickets.id AND tu.role = ?) +
			(SELECT COUNT(*) FROM ticket_groups tg WHERE tg.ticket_id = tickets.id AND tg.role = ?)`, []any{ActorAssigned, ActorAssigned}},
	} {
		if err := s.db.WithContext(ctx).Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	if s.dialect == MySQL {
		for _, tb := range []string{"tickets", "ticket_users", "ticket_groups"} {
			s.db.Exec("ANALYZE TABLE " + tb)
		}
	} else {
		s.db.Exec("ANALYZE")
	}
	t.Logf("%s: ticket work seeded (20 technicians, 10 groups, 50 categories, assignments) in %v", s.Dialect(), time.Since(t0).Round(time.Millisecond))
	return ticketWorkCases(users[6], cats[17])
}

// ticketWorkCases are the list's views, alone and with a search word, for
// technician me (in Team 06, which gets the tickets whose id ends in 6)
// and a category cat.
func ticketWorkCases(me, cat int64) []listCase {
	return []listCase{
		{"My tickets", TicketFilter{View: ViewMine, UserID: me}, false},
		{"My groups' tickets", TicketFilter{View: ViewMyGroups, UserID: me}, false},
		{"Unassigned", TicketFilter{View: ViewUnassigned, UserID: me}, false},
		{"category filter", TicketFilter{CategoryID: cat}, false},
		{"sorted by priority", TicketFilter{ListQuery: ListQuery{Sort: "priority", Desc: true}}, false},
		{"My tickets, page 50", TicketFilter{View: ViewMine, UserID: me, ListQuery: ListQuery{Page: 50}}, false},
		{"My tickets + search, common word", TicketFilter{View: ViewMine, UserID: me, ListQuery: ListQuery{Search: "printer"}}, false},
		{"My groups' + search, common word", TicketFilter{View: ViewMyGroups, UserID: me, ListQuery: ListQuery{Search: "printer"}}, false},
		{"Unassigned + search, common word", TicketFilter{View: ViewUnassigned, UserID: me, ListQuery: ListQuery{Search: "issue"}}, false},
		{"category + search, common word", TicketFilter{CategoryID: cat, ListQuery: ListQuery{Search: "network"}}, false},
		{"Unassigned + search, requester", TicketFilter{View: ViewUnassigned, UserID: me, ListQuery: ListQuery{Search: "user4248@"}}, false},
		{"Unassigned + search, word in 333 tickets", TicketFilter{View: ViewUnassigned, UserID: me, ListQuery: ListQuery{Search: "quokka"}}, false},
		// The worst case left: more matches than the cap, none in the view.
		{"My tickets + search, word in 333 (none mine)", TicketFilter{View: ViewMine, UserID: me, ListQuery: ListQuery{Search: "quokka"}}, true},
		{"My tickets + status filter", TicketFilter{View: ViewMine, UserID: me, Status: StatusPending}, false},
	}
}
