package sender

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// The environment of an instance run by runLoopInstance.
const (
	loopDirEnv      = "OAUTHIMAP_LOOP_INSTANCE_DIR" // its data dir; unset: not a child
	loopUserEnv     = "OAUTHIMAP_LOOP_USER"         // the mailbox it collects and sends as
	loopPasswordEnv = "OAUTHIMAP_LOOP_PASSWORD"
	loopIMAPEnv     = "OAUTHIMAP_LOOP_IMAP"        // host:port, STARTTLS offered
	loopSMTPEnv     = "OAUTHIMAP_LOOP_SMTP"        // host:port, STARTTLS
	loopImportEnv   = "OAUTHIMAP_LOOP_IMPORT_AUTO" // "1": the receiver imports automatic notifications
)

// loopStore opens an instance's SQLite database (the parent reads it too,
// while the instance runs, as a second process would).
func loopStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	k, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{Keyring: k, SQLitePath: filepath.Join(dir, "oauthimap.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type noTokens struct{}

func (noTokens) AccessToken(context.Context, int64) (string, error) {
	return "", fmt.Errorf("this instance logs in with a password")
}

// loopChild runs one helpdesk instance instead of the tests, when the
// loop test started this binary as a child process (TestMain); it never
// returns.
func loopChild(dir string) {
	if err := runLoopInstance(dir); err != nil {
		fmt.Fprintln(os.Stderr, "loop instance:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runLoopInstance is one helpdesk in its own process, for
// TestTwoInstancesAnsweringEachOtherDoNotLoop: a receiver collecting one
// mailbox every second, whose outgoing mail goes out through that mailbox,
// with the product's collector and sender pool, until the file "stop"
// appears in its data dir.
func runLoopInstance(dir string) error {
	ctx := context.Background()
	k, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{Keyring: k, SQLitePath: filepath.Join(dir, "oauthimap.db")})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	docs, err := docstore.New(filepath.Join(dir, "documents"))
	if err != nil {
		return err
	}
	desk := helpdesk.New(st, docs)
	user, pw := os.Getenv(loopUserEnv), os.Getenv(loopPasswordEnv)
	ihost, iport, _ := net.SplitHostPort(os.Getenv(loopIMAPEnv))
	ip, _ := strconv.Atoi(iport)
	rec := &store.Receiver{Name: user, IsActive: true, Host: ihost, Port: ip, Security: "none", Login: user, Password: pw,
		RequesterField: "from", Budget: 100, PollIntervalSeconds: store.MinPollIntervalSeconds, FilesizeMax: 2 << 20,
		ImportAutoNotifications: os.Getenv(loopImportEnv) == "1"}
	if err := st.CreateReceiver(ctx, rec, nil); err != nil {
		return err
	}
	db, err := st.SQLDB()
	if err != nil {
		return err
	}
	if _, err := db.Exec("UPDATE receivers SET poll_interval_seconds = 1 WHERE id = ?", rec.ID); err != nil {
		return err
	}
	shost, sport, _ := net.SplitHostPort(os.Getenv(loopSMTPEnv))
	sp, _ := strconv.Atoi(sport)
	if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderPassword, Host: shost, Port: sp,
		Security: "starttls", Login: user, Password: pw, FromName: "Helpdesk " + user}); err != nil {
		return err
	}
	run, stop := context.WithCancel(ctx)
	coll := collector.New(collector.Options{Store: st, Helpdesk: desk, Tokens: noTokens{}, Instance: "loop-" + user, Tick: 200 * time.Millisecond})
	pool := New(Options{Store: st, Tokens: noTokens{}, Instance: "loop-" + user, Tick: 200 * time.Millisecond})
	done := make(chan struct{}, 2)
	go func() { coll.Run(run); done <- struct{}{} }()
	go func() { pool.Run(run); done <- struct{}{} }()
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		stop()
		return err
	}
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "stop")); err == nil {
			break
		}
	}
	stop()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = coll.Shutdown(sctx)
	<-done
	<-done
	return err
}

// Two helpdesks, each its own process with its own database, each
// collecting its mailbox and answering through it, are each other's
// requesters: B's mailbox writes to A, A acknowledges to B, B (which
// imports automatic notifications) makes a ticket of that acknowledgment
// but never acknowledges it (Auto-Submitted), so the exchange stops after
// one automatic mail; B's ticket says why nothing was sent.
func TestTwoInstancesAnsweringEachOtherDoNotLoop(t *testing.T) {
	d := testpeer.StartDovecotSubmission(t, testpeer.NewIntrospector(t).URL())
	const a, b = "helpdesk@a.example", "helpdesk@b.example"
	dirs := map[string]string{a: t.TempDir(), b: t.TempDir()}
	var procs []*exec.Cmd
	var outputs []*bytes.Buffer
	for _, user := range []string{a, b} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), loopDirEnv+"="+dirs[user], loopUserEnv+"="+user, loopPasswordEnv+"="+d.Password,
			loopIMAPEnv+"="+d.Addr(), loopSMTPEnv+"="+d.SubmissionAddr(), loopImportEnv+"="+map[bool]string{true: "1"}[user == b])
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs, outputs = append(procs, cmd), append(outputs, &out)
	}
	stopped := false
	stopAll := func() {
		if stopped {
			return
		}
		stopped = true
		for i, user := range []string{a, b} {
			os.WriteFile(filepath.Join(dirs[user], "stop"), nil, 0o600)
			waited := make(chan error, 1)
			go func() { waited <- procs[i].Wait() }()
			select {
			case err := <-waited:
				if err != nil {
					t.Errorf("instance %s: %v\n%s", user, err, outputs[i])
				}
			case <-time.After(60 * time.Second):
				procs[i].Process.Kill()
				t.Errorf("instance %s did not stop\n%s", user, outputs[i])
			}
		}
	}
	t.Cleanup(stopAll)
	for _, user := range []string{a, b} {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(dirs[user], "ready")); err == nil {
				break
			}
			if time.Now().After(deadline) {
				stopAll()
				t.Fatalf("instance %s did not start", user)
			}
		}
	}
	stA, stB := loopStore(t, dirs[a]), loopStore(t, dirs[b])
	ctx := context.Background()
	d.Deliver(t, a, "INBOX", []byte("From: Helpdesk B <"+b+">\r\nTo: "+a+"\r\nSubject: Our order 42\r\nMessage-ID: <order42@b.example>\r\n"+
		"Date: "+time.Now().Format(time.RFC1123Z)+"\r\n\r\nWhere is our order?\r\n"))

	// seen waits until B has decided about n automatic mails from A:
	// refused (quarantined) or imported as a ticket that says why it was
	// not acknowledged.
	seen := func(n int, what string) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			skipped, _ := stB.SkippedMails(ctx, 10)
			if len(skipped)+len(refusedBy(t, stB)) >= n {
				return
			}
			for _, state := range []string{store.OutboxPending, store.OutboxSent, store.OutboxFailed} {
				if rows, _ := stB.OutboxByState(ctx, state, 10); len(rows) != 0 {
					stopAll()
					t.Fatalf("B answered %s (%s to %s): the helpdesks answer each other", what, rows[0].Kind, rows[0].Recipients)
				}
			}
			if time.Now().After(deadline) {
				var rows []string
				for _, state := range []string{store.OutboxPending, store.OutboxSent, store.OutboxFailed} {
					ms, _ := stA.OutboxByState(ctx, state, 10)
					for _, m := range ms {
						rows = append(rows, fmt.Sprintf("%s %s to %s: %s %s", m.State, m.Kind, m.Recipients, m.ErrorClass, m.LastError))
					}
				}
				stopAll()
				t.Fatalf("%s never reached B; A's outbox %q\nA: %s\nB: %s", what, rows, outputs[0], outputs[1])
			}
		}
	}
	// A acknowledges B's mail (Auto-Submitted: auto-replied): B must not
	// answer it.
	seen(1, "A's acknowledgment")
	// A solves the ticket: its notice (Auto-Submitted: auto-generated) is
	// an automatic notification B imports as a ticket, and never answers.
	docsA, err := docstore.New(filepath.Join(t.TempDir(), "docs"))
	if err != nil {
		t.Fatal(err)
	}
	deskA := helpdesk.New(stA, docsA)
	ticketsA := ticketIDs(t, stA)
	if len(ticketsA) != 1 {
		stopAll()
		t.Fatalf("A has %d tickets, want the one B's mail made", len(ticketsA))
	}
	if _, err := deskA.Solve(ctx, ticketsA[0], "Shipped today.", nil); err != nil {
		stopAll()
		t.Fatal(err)
	}
	seen(2, `A's "ticket solved" notice`)
	// Long enough for a loop to show: several collect and send rounds.
	time.Sleep(5 * time.Second)
	stopAll()

	sentA, _ := stA.OutboxByState(ctx, store.OutboxSent, 100)
	pendA, _ := stA.OutboxByState(ctx, store.OutboxPending, 100)
	if len(sentA) != 2 || len(pendA) != 0 {
		t.Fatalf("A's outbox: sent %d, pending %d; want its acknowledgment and its solved notice to B, sent", len(sentA), len(pendA))
	}
	for _, m := range sentA {
		if m.Recipients != b {
			t.Errorf("A mailed %s (%s)", m.Recipients, m.Kind)
		}
	}
	for _, state := range []string{store.OutboxPending, store.OutboxSent, store.OutboxFailed} {
		if rows, _ := stB.OutboxByState(ctx, state, 100); len(rows) != 0 {
			t.Fatalf("B queued %d mails (%s): the helpdesks answer each other", len(rows), state)
		}
	}
	if n := len(ticketIDs(t, stA)); n != 1 {
		t.Fatalf("A has %d tickets, want still the one", n)
	}
	// Every automatic mail B received is accounted for, in words.
	skipped, _ := stB.SkippedMails(ctx, 10)
	refused := refusedBy(t, stB)
	if len(skipped)+len(refused) != 2 {
		t.Fatalf("B decided about %d mails, want 2", len(skipped)+len(refused))
	}
	for _, e := range skipped {
		if !strings.Contains(e.NewValue, "automatic") {
			t.Errorf("B's ticket %d was not acknowledged for another reason: %q", e.TicketID, e.NewValue)
		}
	}
	t.Logf("at B: %d automatic mails imported as tickets and not answered, %d refused %q", len(skipped), len(refused), refused)
}

// ticketIDs lists an instance's tickets.
func ticketIDs(t *testing.T, st *store.Store) []int64 {
	return column[int64](t, st, "SELECT id FROM tickets ORDER BY id")
}

// refusedBy lists the reasons of an instance's refused mails.
func refusedBy(t *testing.T, st *store.Store) []string {
	return column[string](t, st, "SELECT reason_text FROM "+(store.QuarantinedMail{}).TableName()+" ORDER BY id")
}

// column reads the one column of a query's rows.
func column[T any](t *testing.T, st *store.Store, query string) []T {
	t.Helper()
	db, _ := st.SQLDB()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
