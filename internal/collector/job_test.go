package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestJobIngestsMailAndFilesIt(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	ctx := context.Background()
	if err := e.st.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "address", Value: "spammer@example.net"}); err != nil {
		t.Fatal(err)
	}
	r := e.receiver("support", nil)
	msgs := []struct {
		name   string
		raw    []byte
		folder string
	}{
		{"a question", mail("", "printer broken"), "Accepted"},
		{"another question", mail("dave@example.org", "vpn down"), "Accepted"},
		{"an auto-reply", mail("", "out of office", "Auto-Submitted: auto-replied\r\n"), "Refused"},
		{"a blacklisted sender", mail("spammer@example.net", "cheap pills"), "Refused"},
		{"our own address", mail(alice, "loop"), "Refused"},
	}
	for _, m := range msgs {
		e.srv.Deliver(alice, "INBOX", m.raw)
	}
	c := e.collector(nil)
	run := e.mustCollect(c, r.ID)
	want := runCounts{available: 5, retrieved: 5, refused: 1, blacklisted: 2}
	if got := countsOf(run); got != want {
		t.Fatalf("run counts: got %+v, want %+v", got, want)
	}
	if got := e.tickets(); got != 2 {
		t.Fatalf("got %d tickets, want 2", got)
	}
	if got := e.count("SELECT COUNT(*) FROM quarantine"); got != 3 {
		t.Fatalf("got %d quarantined, want 3", got)
	}
	for _, m := range msgs {
		found := false
		for _, got := range e.srv.Messages(alice, m.folder) {
			found = found || string(got.Raw) == string(m.raw)
		}
		if !found {
			t.Errorf("%s: not in %s", m.name, m.folder)
		}
	}
	if inbox := e.srv.Messages(alice, "INBOX"); len(inbox) != 0 {
		t.Fatalf("INBOX still has %d messages, want 0", len(inbox))
	}
	entries, _ := e.st.LedgerEntries(ctx, r.ID)
	if len(entries) != 5 {
		t.Fatalf("got %d ledger rows, want 5", len(entries))
	}
	for _, le := range entries {
		if !le.ActionDone || le.ContentHash == "" || le.MessageID == "" {
			t.Errorf("ledger row %+v: want done, hashed, with Message-ID", le)
		}
	}
	got := e.receiverRow(r.ID)
	if got.State != "ok" || got.Errors != 0 || got.LastCollectAt == nil || got.LeaseOwner != "" {
		t.Fatalf("receiver after run: state %q errors %d last %v lease %q", got.State, got.Errors, got.LastCollectAt, got.LeaseOwner)
	}
	if got.NextCollectAt == nil || got.NextCollectAt.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("next collect %v, want about an hour (the poll interval) from now", got.NextCollectAt)
	}

	// A second run finds nothing new and imports nothing twice.
	run = e.mustCollect(c, r.ID)
	if got := countsOf(run); got != (runCounts{}) {
		t.Fatalf("second run: got %+v, want all zero", got)
	}
	if got := e.tickets(); got != 2 {
		t.Fatalf("after second run: %d tickets, want 2", got)
	}
}

func TestJobWithoutFoldersMarksSeenAndNeverDeletes(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("plain", func(r *store.Receiver) { r.AcceptedFolder, r.RefusedFolder = "", "" })
	deliverN(e.srv, alice, 3, "keep")
	e.mustCollect(e.collector(nil), r.ID)
	inbox := e.srv.Messages(alice, "INBOX")
	if len(inbox) != 3 {
		t.Fatalf("INBOX has %d messages, want all 3 kept", len(inbox))
	}
	for _, m := range inbox {
		if !m.Seen() || m.Deleted() {
			t.Errorf("uid %d: flags %v, want \\Seen and not \\Deleted", m.UID, m.Flags)
		}
	}
}

// setSeen changes \Seen on uid as a mail client would.
func setSeen(t *testing.T, e *env, uid uint32, seen bool) {
	t.Helper()
	c, err := imapclient.DialInsecure(e.srv.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, alicePW).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	op := imap.StoreFlagsAdd
	if !seen {
		op = imap.StoreFlagsDel
	}
	if err := c.Store(imap.UIDSetNum(imap.UID(uid)), &imap.StoreFlags{Op: op, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCollectOnlyUnread(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("unread", func(r *store.Receiver) {
		r.CollectOnlyUnread, r.AcceptedFolder, r.RefusedFolder = true, "", ""
	})
	e.srv.DeliverFlags(alice, "INBOX", mail("", "already read"), imap.FlagSeen)
	first := e.srv.Deliver(alice, "INBOX", mail("", "unread one"))
	e.srv.Deliver(alice, "INBOX", mail("", "unread two"))
	c := e.collector(nil)
	run := e.mustCollect(c, r.ID)
	if got, want := countsOf(run), (runCounts{available: 3, retrieved: 2}); got != want {
		t.Fatalf("first run: got %+v, want %+v", got, want)
	}
	if got := e.tickets(); got != 2 {
		t.Fatalf("got %d tickets, want 2 (the read mail is left alone)", got)
	}
	// Someone marks an imported mail unread again, and new unread mail
	// arrives below... no: after the cursor. Only the new one is imported.
	setSeen(t, e, first, false)
	e.srv.Deliver(alice, "INBOX", mail("", "unread three"))
	run = e.mustCollect(c, r.ID)
	if got, want := countsOf(run), (runCounts{available: 4, already: 1, retrieved: 1}); got != want {
		t.Fatalf("second run: got %+v, want %+v", got, want)
	}
	if got := e.tickets(); got != 3 {
		t.Fatalf("got %d tickets, want 3", got)
	}
	for _, m := range e.srv.Messages(alice, "INBOX") {
		if !m.Seen() {
			t.Errorf("uid %d is still unread after the run", m.UID)
		}
	}
}

func TestBudgetPerRun(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("budget", func(r *store.Receiver) { r.Budget = 2 })
	deliverN(e.srv, alice, 5, "budget")
	c := e.collector(nil)
	for i, want := range []int{2, 2, 1, 0} {
		run := e.mustCollect(c, r.ID)
		if run.Retrieved != want {
			t.Fatalf("run %d: retrieved %d, want %d", i+1, run.Retrieved, want)
		}
		next := e.receiverRow(r.ID).NextCollectAt
		if more := want == 2; more != !next.After(time.Now().Add(time.Minute)) {
			t.Fatalf("run %d: next collect %v; want due at once only while mail is left", i+1, next)
		}
	}
	if got := e.tickets(); got != 5 {
		t.Fatalf("got %d tickets, want 5", got)
	}
}

func TestUIDValidityChangeRescansWithoutDuplicates(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("renumbered", func(r *store.Receiver) { r.AcceptedFolder, r.RefusedFolder = "", "" })
	deliverN(e.srv, alice, 3, "before")
	c := e.collector(nil)
	e.mustCollect(c, r.ID)
	// The server renumbers the folder: as far as the receiver and its
	// ledger know, every UID they hold belongs to another UIDVALIDITY.
	db := e.sqlDB()
	for _, q := range []string{"UPDATE receivers SET uidvalidity = uidvalidity + 1000", "UPDATE messages SET uidvalidity = uidvalidity + 1000"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.Deliver(alice, "INBOX", mail("", "after"))
	run := e.mustCollect(c, r.ID)
	if got, want := countsOf(run), (runCounts{available: 4, already: 3, retrieved: 1}); got != want {
		t.Fatalf("rescan: got %+v, want %+v", got, want)
	}
	if got, dup := e.tickets(), e.duplicates(); got != 4 || dup != 0 {
		t.Fatalf("got %d tickets (%d duplicated), want 4 and none", got, dup)
	}
	if got := e.receiverRow(r.ID); got.LastUID != 4 || got.UIDValidity >= 1000 {
		t.Fatalf("cursor %d/%d, want the server's UIDVALIDITY and UID 4", got.UIDValidity, got.LastUID)
	}
}

func TestTokenRefreshedWhenTheConnectionDropsMidRun(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	appID := e.oauthApp("entra", alice)
	tokens := &fakeTokens{fn: func(call int) (string, error) {
		// Each login gets a token minted for it, as a refresh would.
		tok := fmt.Sprintf("token-%d", call)
		e.srv.AddToken(tok, alice)
		return tok, nil
	}}
	r := e.receiver("oauth", func(r *store.Receiver) { r.ApplicationID, r.Password = &appID, "" })
	deliverN(e.srv, alice, 6, "drop")
	c := e.collector(func(o *Options) { o.Tokens, o.BatchSize = tokens, 2 })
	e.srv.DropNext("MOVE") // after the first batch is recorded
	run := e.mustCollect(c, r.ID)
	if run.Retrieved != 6 || tokens.Calls() != 2 {
		t.Fatalf("retrieved %d with %d token calls, want 6 with 2 (one per login)", run.Retrieved, tokens.Calls())
	}
	if got, dup := e.tickets(), e.duplicates(); got != 6 || dup != 0 {
		t.Fatalf("got %d tickets (%d duplicated), want 6", got, dup)
	}
	if inbox := e.srv.Messages(alice, "INBOX"); len(inbox) != 0 {
		t.Fatalf("INBOX has %d, want 0: the dropped batch's move is replayed", len(inbox))
	}
}

func TestTokenErrorsAreClassified(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	appID := e.oauthApp("entra", alice)
	cases := []struct {
		name      string
		err       error
		wantClass string
		wantState string
	}{
		{"provider down", errors.New("dial tcp: connection refused"), "network", "failing"},
		{"refresh token revoked", fmt.Errorf("oauth: refresh: %w", oauth.ErrNoRefreshToken), ClassReauth, "reauth_required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.receiver("tok "+tc.name, func(r *store.Receiver) { r.ApplicationID, r.Password = &appID, "" })
			c := e.collector(func(o *Options) {
				o.Tokens = &fakeTokens{fn: func(int) (string, error) { return "", tc.err }}
			})
			run, err := e.collectNow(c, r.ID)
			if err == nil || run.ErrorClass != tc.wantClass {
				t.Fatalf("got %v class %q, want class %q", err, run.ErrorClass, tc.wantClass)
			}
			got := e.receiverRow(r.ID)
			if got.State != tc.wantState || got.Errors != 1 {
				t.Fatalf("receiver state %q errors %d, want %q 1", got.State, got.Errors, tc.wantState)
			}
			if tc.wantClass == ClassReauth && got.NextCollectAt.Before(time.Now().Add(50*time.Minute)) {
				t.Fatalf("re-authorization needed but next collect at %v: it would hammer the server", got.NextCollectAt)
			}
		})
	}
	t.Run("no authorization for the login", func(t *testing.T) {
		r := e.receiver("orphan", func(r *store.Receiver) { r.ApplicationID, r.Login, r.Password = &appID, "bob@example.com", "" })
		run, err := e.collectNow(e.collector(nil), r.ID)
		if err == nil || run.ErrorClass != ClassReauth || !strings.Contains(run.ErrorText, "bob@example.com") {
			t.Fatalf("got %v, class %q text %q", err, run.ErrorClass, run.ErrorText)
		}
	})
}

func TestFailedMoveDeletesNothingAndIsReplayed(t *testing.T) {
	cases := []struct {
		name string
		opts imaptest.Options
		cmd  string
	}{
		{"MOVE", imaptest.Options{}, "MOVE"},
		{"COPY without MOVE", imaptest.Options{NoMove: true}, "COPY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, store.SQLite, tc.opts)
			r := e.receiver("mover", nil)
			deliverN(e.srv, alice, 3, "move")
			c := e.collector(nil)
			e.srv.FailNext(tc.cmd, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox is locked, try again later"})
			run, err := e.collectNow(c, r.ID)
			if err == nil || run.Retrieved != 3 {
				t.Fatalf("first run: %v, retrieved %d; want an error after recording 3", err, run.Retrieved)
			}
			inbox := e.srv.Messages(alice, "INBOX")
			if len(inbox) != 3 {
				t.Fatalf("INBOX has %d messages after the failed move, want 3", len(inbox))
			}
			for _, m := range inbox {
				if m.Deleted() {
					t.Fatalf("uid %d flagged \\Deleted after a failed move", m.UID)
				}
			}
			if p, _ := e.st.PendingActions(context.Background(), r.ID); len(p) != 3 {
				t.Fatalf("got %d pending actions, want 3", len(p))
			}
			run = e.mustCollect(c, r.ID)
			if run.Retrieved != 0 || e.tickets() != 3 {
				t.Fatalf("replay run retrieved %d, tickets %d; want 0 and 3", run.Retrieved, e.tickets())
			}
			if inbox, acc := len(e.srv.Messages(alice, "INBOX")), len(e.srv.Messages(alice, "Accepted")); acc != 3 || (inbox != 0 && !tc.opts.NoMove) {
				t.Fatalf("after replay: INBOX %d, Accepted %d; want 0 and 3", inbox, acc)
			}
			if p, _ := e.st.PendingActions(context.Background(), r.ID); len(p) != 0 {
				t.Fatalf("got %d pending actions after the replay, want 0", len(p))
			}
		})
	}
}

// TestFailedMoveBesideTheNextBatchIsReplayed: a batch is filed while the
// batch after the next is prepared (the next one is being written). When
// that move fails, the run stops after the batch being written; the batch
// fetched and prepared meanwhile is not recorded, and the next run files
// the two recorded batches and collects the rest, each mail once.
func TestFailedMoveBesideTheNextBatchIsReplayed(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("mover", nil)
	deliverN(e.srv, alice, 6, "beside")
	c := e.collector(func(o *Options) { o.BatchSize = 2 })
	e.srv.FailNext("MOVE", &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox is locked, try again later"})
	run, err := e.collectNow(c, r.ID)
	if err == nil || run.Retrieved != 4 {
		t.Fatalf("first run: %v, retrieved %d; want an error after recording 4 (two batches)", err, run.Retrieved)
	}
	if inbox := e.srv.Messages(alice, "INBOX"); len(inbox) != 6 {
		t.Fatalf("INBOX has %d messages after the failed move, want 6", len(inbox))
	}
	if p, _ := e.st.PendingActions(context.Background(), r.ID); len(p) != 4 {
		t.Fatalf("got %d pending actions, want 4", len(p))
	}
	run = e.mustCollect(c, r.ID)
	if run.Retrieved != 2 {
		t.Fatalf("second run retrieved %d, want the 2 not recorded", run.Retrieved)
	}
	if got, dup := e.tickets(), e.duplicates(); got != 6 || dup != 0 {
		t.Fatalf("got %d tickets (%d duplicated), want 6", got, dup)
	}
	if inbox, acc := len(e.srv.Messages(alice, "INBOX")), len(e.srv.Messages(alice, "Accepted")); inbox != 0 || acc != 6 {
		t.Fatalf("after the second run: INBOX %d, Accepted %d; want 0 and 6", inbox, acc)
	}
	if p, _ := e.st.PendingActions(context.Background(), r.ID); len(p) != 0 {
		t.Fatalf("got %d pending actions after the second run, want 0", len(p))
	}
}

func TestMissingFolderIsClassified(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("typo", func(r *store.Receiver) { r.Folder = "Inbox/Helpdesk" })
	run, err := e.collectNow(e.collector(nil), r.ID)
	if err == nil || run.ErrorClass != string(mailbox.ClassFolderMissing) {
		t.Fatalf("got %v class %q, want %q", err, run.ErrorClass, mailbox.ClassFolderMissing)
	}
	if Remedy(run.ErrorClass) == "" {
		t.Fatal("no remedy for a missing folder")
	}
}

func TestPanicInAJobIsRecordedAndThePoolGoesOn(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	appID := e.oauthApp("buggy", alice)
	bad := e.receiver("panics", func(r *store.Receiver) { r.ApplicationID, r.Password = &appID, "" })
	good := e.receiver("fine", func(r *store.Receiver) { r.AcceptedFolder, r.RefusedFolder = "", "" })
	deliverN(e.srv, alice, 2, "panic")
	c := e.collector(func(o *Options) {
		o.Workers = 1 // one worker: a dead one would stop everything
		o.Tokens = &fakeTokens{fn: func(int) (string, error) { panic("token source exploded") }}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	waitFor(t, 10*time.Second, "both receivers collected", func() bool {
		return e.receiverRow(bad.ID).LastCollectAt != nil && e.receiverRow(good.ID).LastCollectAt != nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := e.receiverRow(bad.ID)
	if got.ErrorClass != ClassInternal || !strings.Contains(got.LastError, "token source exploded") || got.Errors != 1 {
		t.Fatalf("panicking receiver: class %q error %q count %d", got.ErrorClass, got.LastError, got.Errors)
	}
	if e.tickets() != 2 {
		t.Fatalf("got %d tickets from the healthy receiver, want 2", e.tickets())
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if _, err := c.CollectNow(context.Background(), good.ID); !errors.Is(err, ErrClosed) {
		t.Fatalf("CollectNow after shutdown: got %v, want ErrClosed", err)
	}
}

// "Get email tickets now" collects an inactive receiver, as GLPI does;
// the scheduler still leaves it alone.
func TestCollectNowOnAnInactiveReceiver(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("paused", func(r *store.Receiver) { r.IsActive = false })
	deliverN(e.srv, alice, 2, "paused")
	c := e.collector(nil)
	run, err := e.collectNow(c, r.ID)
	if err != nil {
		t.Fatalf("CollectNow on an inactive receiver: %v", err)
	}
	if run.Retrieved != 2 || e.tickets() != 2 || len(e.srv.Messages(alice, "Accepted")) != 2 {
		t.Fatalf("retrieved %d, tickets %d, accepted %d; want 2, 2, 2", run.Retrieved, e.tickets(), len(e.srv.Messages(alice, "Accepted")))
	}
	if got := e.receiverRow(r.ID); got.LeaseOwner != "" || got.LeaseUntil != nil || got.IsActive {
		t.Fatalf("after the hand collect: lease %q until %v, active %t; want released and still inactive", got.LeaseOwner, got.LeaseUntil, got.IsActive)
	}
	deliverN(e.srv, alice, 1, "later")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	time.Sleep(300 * time.Millisecond) // six scheduler ticks
	cancel()
	<-done
	if e.tickets() != 2 {
		t.Fatalf("the scheduler collected an inactive receiver: %d tickets", e.tickets())
	}
}

// An app-only authorization whose mailbox refuses the application: the
// error keeps its class to the caller, the remedy is Exchange's mailbox
// permission (nobody can "re-authorize"), and the authorization stops
// reading "Valid" until a login works.
func TestAppOnlyLoginRefusedKeepsItsClassAndMarksTheAuthorization(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			appID := e.oauthApp("entra", alice)
			if _, err := e.sqlDB().Exec("UPDATE oauth_authorizations SET kind = ?, state = 'valid' WHERE application_id = ?", store.KindAppOnly, appID); err != nil {
				t.Fatal(err)
			}
			r := e.receiver("app-only", func(r *store.Receiver) { r.ApplicationID, r.Password = &appID, "" })
			deliverN(e.srv, alice, 1, "apponly")
			c := e.collector(func(o *Options) {
				o.Tokens = &fakeTokens{fn: func(int) (string, error) { return "app-token", nil }}
			})
			run, err := e.collectNow(c, r.ID)
			var re *RunError
			if !errors.As(err, &re) {
				t.Fatalf("CollectNow: got %T %v, want a *RunError", err, err)
			}
			if re.Class != string(mailbox.ClassAuthentication) || re.Class != run.ErrorClass || re.Text != run.ErrorText || !re.AppOnly {
				t.Fatalf("error class %q text %q app-only %t; the run recorded %q %q", re.Class, re.Text, re.AppOnly, run.ErrorClass, run.ErrorText)
			}
			if rem := re.Remedy(); strings.Contains(strings.ToLower(rem), "re-authorize") || !strings.Contains(rem, "Add-MailboxPermission") {
				t.Fatalf("remedy for an app-only login refused: %q", rem)
			}
			auth := func() (state, lastErr string) {
				t.Helper()
				if err := e.sqlDB().QueryRow("SELECT state, last_error FROM oauth_authorizations WHERE application_id = ?", appID).Scan(&state, &lastErr); err != nil {
					t.Fatal(err)
				}
				return
			}
			if state, lastErr := auth(); state != store.AuthStateMailboxRefused || lastErr == "" {
				t.Fatalf("authorization after a refused login: state %q error %q, want %q", state, lastErr, store.AuthStateMailboxRefused)
			}
			e.srv.AddToken("app-token", alice) // the Exchange commands were run
			if run := e.mustCollect(c, r.ID); run.Retrieved != 1 {
				t.Fatalf("retrieved %d after access was given, want 1", run.Retrieved)
			}
			if state, lastErr := auth(); state != "valid" || lastErr != "" {
				t.Fatalf("authorization after a login that works: state %q error %q, want valid", state, lastErr)
			}
		})
	}
}

// TestFirstCollectionChoice: a receiver added on a mailbox full of old
// mail takes what its first-collection choice says, says so in the run,
// and from then on collects new mail as usual, read or unread.
func TestFirstCollectionChoice(t *testing.T) {
	for _, tc := range []struct {
		choice      string
		onlyUnread  bool
		wantFirst   int
		wantNote    string
		wantTickets int
	}{
		{store.FirstCollectAll, false, 5, "all the mail in it is imported", 6},
		{store.FirstCollectRecent, false, 2, "only mail from the last 7 days", 3},
		{store.FirstCollectNone, false, 0, "the 5 messages already in it are left there", 1},
		{store.FirstCollectNone, true, 0, "the 5 messages already in it are left there", 1},
	} {
		t.Run(fmt.Sprintf("%s unread=%v", tc.choice, tc.onlyUnread), func(t *testing.T) {
			e := newEnv(t, store.SQLite, imaptest.Options{})
			r := e.receiver("first", func(r *store.Receiver) {
				r.FirstCollect, r.FirstCollectDays, r.CollectOnlyUnread = tc.choice, 7, tc.onlyUnread
				r.AcceptedFolder, r.RefusedFolder = "", ""
			})
			now := time.Now()
			for i := range 3 {
				e.srv.DeliverAt(alice, "INBOX", mail("", fmt.Sprintf("old %d", i)), now.AddDate(0, 0, -30-i))
			}
			e.srv.DeliverAt(alice, "INBOX", mail("", "recent 1"), now.AddDate(0, 0, -2))
			e.srv.DeliverAt(alice, "INBOX", mail("", "recent 2"), now.Add(-time.Hour))
			c := e.collector(nil)
			run := e.mustCollect(c, r.ID)
			if run.Retrieved != tc.wantFirst || !strings.Contains(run.Note, tc.wantNote) {
				t.Fatalf("first run: retrieved %d, note %q; want %d and a note saying %q", run.Retrieved, run.Note, tc.wantFirst, tc.wantNote)
			}
			if runs, err := e.st.CollectRun(context.Background(), run.ID); err != nil || runs.Note != run.Note {
				t.Fatalf("the stored run has note %q (%v), want %q", runs.Note, err, run.Note)
			}
			e.srv.Deliver(alice, "INBOX", mail("", "arrives later"))
			run = e.mustCollect(c, r.ID)
			if run.Retrieved != 1 || run.Note != "" {
				t.Fatalf("second run: retrieved %d note %q, want the new mail only and no note", run.Retrieved, run.Note)
			}
			if got := e.tickets(); got != tc.wantTickets {
				t.Fatalf("got %d tickets, want %d", got, tc.wantTickets)
			}
		})
	}
}

// TestSameMailInTwoMailboxesMakesOneTicket: support@ and sales@ both get
// the mail; collecting both mailboxes makes one ticket that records both
// receivers, through the collector's batch path.
func TestSameMailInTwoMailboxesMakesOneTicket(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	const sales, salesPW = "sales@example.com", "sales-password-1"
	e.srv.SetPassword(sales, salesPW)
	support := e.receiver("support", func(r *store.Receiver) { r.AcceptedFolder, r.RefusedFolder = "", "" })
	other := e.receiver("sales", func(r *store.Receiver) {
		r.Login, r.Password, r.AcceptedFolder, r.RefusedFolder = sales, salesPW, "", ""
	})
	raw := mail("erik@example.no", "Quote for 40 laptops")
	e.srv.Deliver(alice, "INBOX", append([]byte("Delivered-To: "+alice+"\r\n"), raw...))
	e.srv.Deliver(sales, "INBOX", append([]byte("Delivered-To: "+sales+"\r\n"), raw...))
	c := e.collector(nil)
	if run := e.mustCollect(c, support.ID); run.Retrieved != 1 {
		t.Fatalf("support: retrieved %d, want 1", run.Retrieved)
	}
	if run := e.mustCollect(c, other.ID); run.Retrieved != 1 || run.Refused != 0 {
		t.Fatalf("sales: retrieved %d refused %d, want the copy retrieved", run.Retrieved, run.Refused)
	}
	if got := e.tickets(); got != 1 {
		t.Fatalf("got %d tickets, want 1", got)
	}
	if got := e.count("SELECT COUNT(*) FROM ticket_receivers WHERE receiver_id = ?", other.ID); got != 1 {
		t.Fatalf("sales is recorded on %d tickets, want 1", got)
	}
	if got := e.count("SELECT COUNT(*) FROM messages WHERE receiver_id = ? AND decision = ?", other.ID, store.DecisionDuplicate); got != 1 {
		t.Fatalf("got %d ledger rows of the copy as a duplicate, want 1", got)
	}
}
