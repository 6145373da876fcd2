package collector

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// "Import anyway" of a mail the collector filed in the refused folder
// moves it to the accepted folder through the ledger: at once with
// FileNow, or, when the server fails, at the next run.
func TestImportAnywayMovesTheMailToTheAcceptedFolder(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			ctx := context.Background()
			r := e.receiver("refile", nil)
			auto := mail("", "out of office", "Auto-Submitted: auto-replied\r\n")
			other := mail("", "vacation", "Auto-Submitted: auto-replied\r\n")
			e.srv.Deliver(alice, "INBOX", auto)
			e.srv.Deliver(alice, "INBOX", other)
			c := e.collector(nil)
			if run := e.mustCollect(c, r.ID); run.Refused != 2 {
				t.Fatalf("refused %d, want 2", run.Refused)
			}
			if got := len(e.srv.Messages(alice, "Refused")); got != 2 {
				t.Fatalf("Refused has %d, want 2", got)
			}
			quarantined := func(subject string) int64 {
				var id int64
				if err := e.sqlDB().QueryRow("SELECT id FROM quarantine WHERE subject = ?", subject).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id
			}
			in := func(folder string, raw []byte) bool {
				for _, m := range e.srv.Messages(alice, folder) {
					if string(m.Raw) == string(raw) && !m.Deleted() {
						return true
					}
				}
				return false
			}

			// At once.
			saved, refile, err := e.hd.ImportQuarantined(ctx, quarantined("out of office"), time.Now(), nil)
			if err != nil || saved.TicketID == 0 {
				t.Fatalf("import anyway: %+v %v", saved, err)
			}
			if refile == nil || refile.From != "Refused" || refile.To != "Accepted" || refile.ReceiverID != r.ID {
				t.Fatalf("refile %+v, want from Refused to Accepted", refile)
			}
			if err := c.FileNow(ctx, r.ID); err != nil {
				t.Fatalf("FileNow: %v", err)
			}
			if !in("Accepted", auto) || in("Refused", auto) {
				t.Fatal("the mail imported anyway was not moved from Refused to Accepted")
			}
			if !in("Refused", other) {
				t.Fatal("another refused mail was moved")
			}
			if done, err := e.st.ActionDone(ctx, refile.LedgerID); err != nil || !done {
				t.Fatalf("the ledger row is not done: %t %v", done, err)
			}
			if got := e.receiverRow(r.ID); got.LeaseOwner != "" || got.NextCollectAt == nil || time.Until(*got.NextCollectAt) < 30*time.Minute {
				t.Fatalf("after FileNow: lease %q, next collect %v; want the lease freed and the hourly schedule kept", got.LeaseOwner, got.NextCollectAt)
			}

			// The server fails the move: the action stays pending and the
			// next run does it.
			_, refile, err = e.hd.ImportQuarantined(ctx, quarantined("vacation"), time.Now(), nil)
			if err != nil || refile == nil {
				t.Fatalf("import anyway: %+v %v", refile, err)
			}
			e.srv.FailNext("MOVE", &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox is locked, try again later"})
			if err := c.FileNow(ctx, r.ID); err == nil {
				t.Fatal("FileNow succeeded although the move failed")
			}
			if !in("Refused", other) {
				t.Fatal("the mail left Refused although the move failed")
			}
			if done, _ := e.st.ActionDone(ctx, refile.LedgerID); done {
				t.Fatal("a failed move was marked done")
			}
			e.mustCollect(c, r.ID)
			if !in("Accepted", other) || in("Refused", other) {
				t.Fatal("the next run did not replay the move to Accepted")
			}
			if p, _ := e.st.PendingActions(ctx, r.ID); len(p) != 0 {
				t.Fatalf("%d actions still pending", len(p))
			}
			if e.tickets() != 2 {
				t.Fatalf("got %d tickets, want 2 (nothing imported twice)", e.tickets())
			}
		})
	}
}

// A receiver that files refused mail nowhere (seen in the incoming folder)
// moves the mail imported anyway from there, by its UID.
func TestImportAnywayWithoutRefusedFolder(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	ctx := context.Background()
	r := e.receiver("norefused", func(r *store.Receiver) { r.RefusedFolder = "" })
	auto := mail("", "autoreply", "Auto-Submitted: auto-replied\r\n")
	e.srv.Deliver(alice, "INBOX", auto)
	c := e.collector(nil)
	e.mustCollect(c, r.ID)
	var qid int64
	if err := e.sqlDB().QueryRow("SELECT id FROM quarantine").Scan(&qid); err != nil {
		t.Fatal(err)
	}
	_, refile, err := e.hd.ImportQuarantined(ctx, qid, time.Now(), nil)
	if err != nil || refile == nil || refile.From != "INBOX" || refile.To != "Accepted" {
		t.Fatalf("refile %+v %v, want from INBOX to Accepted", refile, err)
	}
	if err := c.FileNow(ctx, r.ID); err != nil && !errors.Is(err, ErrBusy) {
		t.Fatal(err)
	}
	if got := e.srv.Messages(alice, "Accepted"); len(got) != 1 || string(got[0].Raw) != string(auto) {
		t.Fatalf("Accepted has %d messages, want the imported one", len(got))
	}
}
