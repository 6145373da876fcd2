package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
	"github.com/oauthimap/oauthimap/internal/submission/smtptest"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		crashChild() // never returns
	}
	if dir := os.Getenv(loopDirEnv); dir != "" {
		loopChild(dir) // never returns
	}
	testpeer.Main(m)
}

const (
	support   = "support@example.com"
	supportPW = "smtp-Pässword-42"
)

func openStore(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	k, err := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	o := store.Options{Keyring: k}
	if d == store.MySQL {
		o.DSN = testpeer.MariaDB(t)
	} else {
		o.SQLitePath = filepath.Join(t.TempDir(), "test.db")
	}
	st, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func forEachDialect(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) { fn(t, openStore(t, d)) })
	}
}

// receiverSending makes a receiver whose sender logs in to addr with a
// password.
func receiverSending(t testing.TB, st *store.Store, addr string) int64 {
	t.Helper()
	ctx := context.Background()
	r := &store.Receiver{Name: fmt.Sprintf("support-%d@example.com", time.Now().UnixNano()), Host: "imap.example.com", Port: 993, Security: "ssl"}
	if err := st.CreateReceiver(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderPassword, Host: host, Port: p,
		Security: "none", Login: support, Password: supportPW}); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func queue(t testing.TB, st *store.Store, receiverID int64, n int, to string) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("GLPI-%d-%d.%d@example.com", receiverID, i, time.Now().UnixNano())
		raw := "From: support@example.com\r\nTo: " + to + "\r\nMessage-ID: <" + id + ">\r\nSubject: mail " + fmt.Sprint(i) + "\r\n\r\nbody\r\n"
		m := &store.OutboxMail{Kind: store.MailReply, ReceiverID: &receiverID, FromAddress: support, Recipients: to,
			Subject: "mail", MessageID: "<" + id + ">", Raw: []byte(raw)}
		if err := st.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// clock is a settable clock shared by pools.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newPool(st *store.Store, instance string, clk *clock, tokens Tokens, log *bytes.Buffer) *Pool {
	var w = &syncWriter{b: log}
	if log == nil {
		w = &syncWriter{b: &bytes.Buffer{}}
	}
	return New(Options{Store: st, Instance: instance, Now: clk.now, Batch: 10, Tokens: tokens,
		SendTimeout: 5 * time.Second, DialTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

type syncWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func smtpServer(t testing.TB, o smtptest.Options) *smtptest.Server {
	srv := smtptest.Start(t, o)
	srv.SetPassword(support, supportPW)
	return srv
}

func addr(srv *smtptest.Server) string { return fmt.Sprintf("%s:%d", srv.Host(), srv.Port()) }

// drain runs passes until nothing is claimed.
func drain(t testing.TB, p *Pool) Stats {
	t.Helper()
	var total Stats
	for range 100 {
		st, err := p.SendDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total.add(st)
		if st.Claimed == 0 {
			return total
		}
	}
	t.Fatal("the outbox never drained")
	return total
}

func messageIDs(srv *smtptest.Server) map[string]int {
	out := map[string]int{}
	for _, m := range srv.Messages() {
		for _, line := range strings.Split(string(m.Data), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Message-ID: <"); ok {
				out[strings.TrimSuffix(v, ">")]++
			}
		}
	}
	return out
}

func TestTwoInstancesSendEachMailOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, st *store.Store) {
		srv := smtpServer(t, smtptest.Options{})
		rid := receiverSending(t, st, addr(srv))
		rid2 := receiverSending(t, st, addr(srv))
		ids := append(queue(t, st, rid, 30, "bob@example.com"), queue(t, st, rid2, 30, "carol@example.com")...)
		clk := &clock{t: time.Now()}
		a, b := newPool(st, "instance-a", clk, nil, nil), newPool(st, "instance-b", clk, nil, nil)
		var wg sync.WaitGroup
		var sent atomic.Int64
		for _, p := range []*Pool{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); s := drain(t, p); t.Logf("%s: %+v", p.Instance(), s); sent.Add(int64(s.Sent)) }()
		}
		wg.Wait()
		got := messageIDs(srv)
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("%s delivered %d times", id, got[id])
			}
		}
		if len(got) != len(ids) || sent.Load() != int64(len(ids)) {
			t.Errorf("server has %d distinct mails, pools sent %d; want %d", len(got), sent.Load(), len(ids))
		}
		if n, _ := st.OutboxCounts(context.Background()); n[store.OutboxSent] != int64(len(ids)) {
			t.Errorf("counts %v", n)
		}
		// One connection per sender and pass, not one per mail.
		if srv.Logins() > 2*len(ids)/10+4 {
			t.Errorf("%d logins for %d mails", srv.Logins(), len(ids))
		}
	})
}

func TestServerDownWhile50MailsWaitThenAllSentOnce(t *testing.T) {
	st := openStore(t, store.SQLite)
	down := testpeer.FreeAddr(t) // nothing listens here yet
	rid := receiverSending(t, st, down)
	ids := queue(t, st, rid, 50, "bob@example.com")
	clk := &clock{t: time.Now()}
	p := newPool(st, "a", clk, nil, nil)
	s := drain(t, p)
	if s.Sent != 0 || s.Waiting != 50 {
		t.Fatalf("server down: %+v", s)
	}
	rows, _ := st.OutboxByState(context.Background(), store.OutboxPending, 100)
	attempts := 0
	for _, r := range rows {
		if r.ErrorClass != string(submission.ClassNetwork) {
			t.Fatalf("waiting row: class %q", r.ErrorClass)
		}
		attempts += r.Attempts
	}
	if attempts != 5 {
		t.Errorf("%d attempts counted; want one per pass of 10 (the rest of a pass is not tried)", attempts)
	}
	// The server comes back on that address.
	srv := smtptest.Start(t, smtptest.Options{Addr: down})
	srv.SetPassword(support, supportPW)
	if s := drain(t, p); s.Claimed != 0 {
		t.Fatalf("rows were retried before their backoff: %+v", s)
	}
	clk.add(2 * time.Minute)
	s = drain(t, p)
	got := messageIDs(srv)
	if s.Sent != 50 || len(got) != 50 {
		t.Fatalf("after the outage: %+v, server has %d", s, len(got))
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s delivered %d times", id, got[id])
		}
	}
}

func TestThrottledServerIsHonoured(t *testing.T) {
	st := openStore(t, store.SQLite)
	var mails atomic.Int64
	srv := smtpServer(t, smtptest.Options{Fault: func(verb, _ string) (int, string) {
		if verb == "MAIL" && mails.Add(1) == 3 {
			return 421, "4.4.2 Message submission rate for this client has exceeded the configured limit"
		}
		return 0, ""
	}})
	rid := receiverSending(t, st, addr(srv))
	queue(t, st, rid, 6, "bob@example.com")
	clk := &clock{t: time.Now()}
	p := newPool(st, "a", clk, nil, nil)
	s := drain(t, p)
	if s.Sent != 2 || s.Waiting != 4 {
		t.Fatalf("pass: %+v; want 2 sent then everything waiting", s)
	}
	rows, _ := st.OutboxByState(context.Background(), store.OutboxPending, 100)
	tried := 0
	for _, r := range rows {
		if r.ErrorClass != string(submission.ClassThrottled) || !r.NextAttemptAt.After(clk.now().Add(20*time.Second)) {
			t.Errorf("row %d: class %q next %v", r.ID, r.ErrorClass, r.NextAttemptAt)
		}
		tried += r.Attempts
	}
	if tried != 1 {
		t.Errorf("attempts counted %d; only the throttled mail was tried", tried)
	}
	clk.add(time.Minute)
	if s := drain(t, p); s.Sent != 4 {
		t.Fatalf("after the backoff: %+v", s)
	}
	if len(srv.Messages()) != 6 {
		t.Errorf("server has %d", len(srv.Messages()))
	}
}

func TestRefusedRecipientFailsOnlyThatMail(t *testing.T) {
	st := openStore(t, store.SQLite)
	srv := smtpServer(t, smtptest.Options{})
	rid := receiverSending(t, st, addr(srv))
	queue(t, st, rid, 1, "nobody@example.com")
	queue(t, st, rid, 1, "bob@example.com, nobody@example.com")
	queue(t, st, rid, 1, "bob@example.com")
	s := drain(t, newPool(st, "a", &clock{t: time.Now()}, nil, nil))
	if s.Sent != 2 || s.Failed != 1 {
		t.Fatalf("%+v", s)
	}
	failed, _ := st.OutboxByState(context.Background(), store.OutboxFailed, 10)
	if len(failed) != 1 || failed[0].ErrorClass != string(submission.ClassRecipientRefused) || !strings.Contains(failed[0].LastError, "550") {
		t.Fatalf("failed %+v", failed)
	}
	sent, _ := st.OutboxByState(context.Background(), store.OutboxSent, 10)
	partial := 0
	for _, m := range sent {
		if strings.Contains(m.Refused, "nobody@example.com: 550 5.1.1") {
			partial++
		}
	}
	if partial != 1 {
		t.Errorf("the mail with one refused recipient should say so: %+v", sent)
	}
	// Retry puts it back; it fails the same way, never sent.
	if err := st.RetryMail(context.Background(), failed[0].ID); err != nil {
		t.Fatal(err)
	}
	if s := drain(t, newPool(st, "a", &clock{t: time.Now().Add(time.Second)}, nil, nil)); s.Failed != 1 {
		t.Fatalf("retry: %+v", s)
	}
}

type fakeTokens struct {
	mu  sync.Mutex
	tok string
	err error
}

func (f *fakeTokens) AccessToken(context.Context, int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tok, f.err
}

func TestRevokedAuthorizationKeepsTheMailAndSaysReauthorize(t *testing.T) {
	st := openStore(t, store.SQLite)
	ctx := context.Background()
	srv := smtpServer(t, smtptest.Options{})
	srv.AddToken("at-good-token-1234", support)
	app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "global", ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "app-secret-xyz"}
	if err := st.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	r := &store.Receiver{Name: support, Host: "imap.example.com", Port: 993, Security: "ssl", ApplicationID: &app.ID, Login: support}
	if err := st.CreateReceiver(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	g := &oauth.Grant{AccessToken: "at-x", RefreshToken: "rt-x", Expiry: time.Now().Add(time.Hour), Email: support,
		Identity: oauth.Identity{TenantID: "t", ObjectID: "o", Email: support}}
	if _, _, err := st.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderOAuth, Host: srv.Host(), Port: srv.Port(), Security: "none", Login: support}); err != nil {
		t.Fatal(err)
	}
	queue(t, st, r.ID, 3, "bob@example.com")
	tokens := &fakeTokens{err: &oauth.ProviderError{Status: 400, Code: "invalid_grant", Description: "AADSTS50173: The provided grant has expired"}}
	var log bytes.Buffer
	clk := &clock{t: time.Now()}
	p := newPool(st, "a", clk, tokens, &log)
	if s := drain(t, p); s.Waiting != 3 || s.Sent != 0 {
		t.Fatalf("%+v", s)
	}
	rows, _ := st.OutboxByState(ctx, store.OutboxPending, 10)
	for _, m := range rows {
		if m.ErrorClass != string(submission.ClassReauthorize) {
			t.Errorf("row %d class %q, want %q", m.ID, m.ErrorClass, submission.ClassReauthorize)
		}
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows still pending, want all 3: nothing may be lost", len(rows))
	}
	// Re-authorized: the waiting mail goes after FixWait (or Retry).
	tokens.mu.Lock()
	tokens.tok, tokens.err = "at-good-token-1234", nil
	tokens.mu.Unlock()
	clk.add(16 * time.Minute)
	if s := drain(t, p); s.Sent != 3 {
		t.Fatalf("after re-authorization: %+v", s)
	}
	if strings.Contains(log.String(), "at-good-token-1234") {
		t.Error("the token reached the log")
	}
}

func TestOffSenderWaitsWithTheReason(t *testing.T) {
	st := openStore(t, store.SQLite)
	ctx := context.Background()
	r := &store.Receiver{Name: "quiet@example.com"}
	if err := st.CreateReceiver(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	queue(t, st, r.ID, 1, "bob@example.com")
	m := &store.OutboxMail{Kind: store.MailAlarm, Recipients: "admin@example.com", MessageID: "<alarm-1@example.com>", Raw: []byte("x")}
	if err := st.EnqueueMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	s := drain(t, newPool(st, "a", &clock{t: time.Now()}, nil, nil))
	if s.Waiting != 2 {
		t.Fatalf("%+v", s)
	}
	rows, _ := st.OutboxByState(ctx, store.OutboxPending, 10)
	for _, row := range rows {
		if row.ErrorClass != string(submission.ClassConfig) || !strings.Contains(row.LastError, "outgoing mail") && !strings.Contains(row.LastError, "default sender") {
			t.Errorf("row %+v", row)
		}
	}
}

func TestNoPasswordInRowsOrLog(t *testing.T) {
	st := openStore(t, store.SQLite)
	srv := smtptest.Start(t, smtptest.Options{})
	srv.SetPassword(support, "another-password")
	rid := receiverSending(t, st, addr(srv))
	queue(t, st, rid, 1, "bob@example.com")
	var log bytes.Buffer
	drain(t, newPool(st, "a", &clock{t: time.Now()}, nil, &log))
	rows, _ := st.OutboxByState(context.Background(), store.OutboxPending, 10)
	if len(rows) != 1 || rows[0].ErrorClass != string(submission.ClassAuthentication) {
		t.Fatalf("%+v", rows)
	}
	for _, s := range []string{rows[0].LastError, log.String()} {
		if strings.Contains(s, supportPW) || strings.Contains(s, "c210cC1Q") {
			t.Errorf("password in %q", s)
		}
	}
}

// TestNothingIsSentBeforeItsCommitIsDurable: a pass makes the commits
// that queued its mails durable (store.Sync) before the first one leaves;
// a failed sync sends nothing, and the mails go at a later pass.
func TestNothingIsSentBeforeItsCommitIsDurable(t *testing.T) {
	st := openStore(t, store.SQLite)
	srv := smtpServer(t, smtptest.Options{})
	rid := receiverSending(t, st, addr(srv))
	ids := queue(t, st, rid, 3, "bob@example.com")
	clk := &clock{t: time.Now()}
	p := newPool(st, "durable", clk, nil, nil)
	var arrived []int // mails at the server at each sync
	p.durable = func(ctx context.Context) error {
		arrived = append(arrived, len(srv.Messages()))
		return errors.New("disk gone")
	}
	if _, err := p.SendDue(context.Background()); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("pass with a failing sync: %v, want its error", err)
	}
	if got := len(srv.Messages()); got != 0 {
		t.Fatalf("%d mails sent although the sync failed", got)
	}
	p.durable = func(ctx context.Context) error {
		arrived = append(arrived, len(srv.Messages()))
		return st.Sync(ctx)
	}
	clk.add(3 * time.Minute) // past the failed pass's lease
	if s := drain(t, p); s.Sent != len(ids) {
		t.Fatalf("sent %d, want %d", s.Sent, len(ids))
	}
	if len(arrived) < 2 || arrived[0] != 0 || arrived[1] != 0 {
		t.Fatalf("mails at the server at each sync: %v; want none before the sync of each pass that sent", arrived)
	}
	if got := messageIDs(srv); len(got) != len(ids) {
		t.Fatalf("server holds %d mails, want %d", len(got), len(ids))
	}
}
