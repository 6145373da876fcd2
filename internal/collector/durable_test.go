package collector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestMailLeavesItsFolderOnlyOnceItsCommitIsDurable: no mail is moved
// out of the folder, or marked read, before the commit that made its
// ticket is durable (store.Sync): a commit lost to a power cut after the
// move would leave the mail where no run finds it again. Each time the
// collector asks for durability, the mails gone from the folder so far
// must be covered by an earlier sync (the tickets counted just before
// it); at the end every mail is gone and covered.
func TestMailLeavesItsFolderOnlyOnceItsCommitIsDurable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accepted string // "": the mail is marked read and stays
	}{{"moved", "Accepted"}, {"marked read", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 45
			e := newEnv(t, store.SQLite, imaptest.Options{})
			r := e.receiver("durable", func(r *store.Receiver) {
				r.Budget, r.AcceptedFolder, r.CollectOnlyUnread = 1000, tc.accepted, tc.accepted == ""
			})
			for i := range n {
				e.srv.Deliver(alice, "INBOX", mail("", "durable "+itoa(i)))
			}
			// gone counts the mails the collector filed: moved out, or read.
			gone := func() int {
				waiting := 0
				for _, m := range e.srv.Messages(alice, "INBOX") {
					if !m.Seen() {
						waiting++
					}
				}
				return n - waiting
			}
			c := e.collector(func(o *Options) { o.BatchSize = 10 })
			var (
				mu             sync.Mutex
				covered, syncs int
			)
			c.durable = func(ctx context.Context) error {
				mu.Lock()
				defer mu.Unlock()
				syncs++
				if g := gone(); g > covered {
					t.Errorf("sync %d: %d mails already left the folder, only %d tickets were durable", syncs, g, covered)
				}
				covered = e.tickets() // before the sync: at most what it covers
				return e.st.Sync(ctx)
			}
			run := e.mustCollect(c, r.ID)
			mu.Lock()
			defer mu.Unlock()
			if run.Retrieved != n || e.tickets() != n {
				t.Fatalf("retrieved %d, %d tickets; want %d", run.Retrieved, e.tickets(), n)
			}
			if g := gone(); g != n || covered != n {
				t.Fatalf("%d of %d mails filed, %d covered by a sync", g, n, covered)
			}
			if syncs < 5 { // five batches
				t.Fatalf("%d syncs for %d mails in batches of 10, want one a batch filed", syncs, n)
			}
		})
	}
}

// TestImportAnywayMovesOnlyOnceTheDecisionIsDurable: the mail a
// technician imported anyway leaves the refused folder only after the
// new decision's commit was made durable.
func TestImportAnywayMovesOnlyOnceTheDecisionIsDurable(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	ctx := context.Background()
	r := e.receiver("refile durable", nil)
	auto := mail("", "out of office", "Auto-Submitted: auto-replied\r\n")
	e.srv.Deliver(alice, "INBOX", auto)
	c := e.collector(nil)
	if run := e.mustCollect(c, r.ID); run.Refused != 1 {
		t.Fatalf("refused %d, want 1", run.Refused)
	}
	var id int64
	if err := e.sqlDB().QueryRow("SELECT id FROM quarantine WHERE subject = ?", "out of office").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.hd.ImportQuarantined(ctx, id, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	var before []int // mails still in Refused at each sync
	c.durable = func(ctx context.Context) error {
		before = append(before, len(e.srv.Messages(alice, "Refused")))
		return e.st.Sync(ctx)
	}
	if err := c.FileNow(ctx, r.ID); err != nil {
		t.Fatalf("FileNow: %v", err)
	}
	if got := len(e.srv.Messages(alice, "Refused")); got != 0 {
		t.Fatalf("Refused holds %d mails, want the mail moved", got)
	}
	if len(before) == 0 || before[0] != 1 {
		t.Fatalf("mails in Refused at each sync: %v; want a sync before the move", before)
	}
}
