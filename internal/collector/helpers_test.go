package collector

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		crashChild() // never returns
	}
	testpeer.Main(m)
}

const (
	alice   = "alice@example.com"
	alicePW = "s3cret-Pässword!"
)

func keyring(t testing.TB) *secret.Keyring {
	k, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// env is a store, a helpdesk and an in-memory IMAP server where alice has
// a password.
type env struct {
	t    testing.TB
	st   *store.Store
	hd   *helpdesk.Service
	srv  *imaptest.Server
	log  *testpeer.LogBuffer
	dsn  string
	path string // SQLite file
	docs string

	folders map[string]bool // created on srv, per user
}

func newEnv(t testing.TB, d store.Dialect, o imaptest.Options) *env {
	t.Helper()
	e := &env{t: t, log: &testpeer.LogBuffer{}, folders: map[string]bool{}}
	dir := t.TempDir()
	e.docs = filepath.Join(dir, "docs")
	if d == store.MySQL {
		e.dsn = testpeer.MariaDB(t)
	} else {
		e.path = filepath.Join(dir, "test.db")
	}
	e.st = openStore(t, e.path, e.dsn)
	if _, err := e.st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.hd = openHelpdesk(t, e.st, e.docs)
	e.srv = imaptest.StartWith(t, o)
	e.srv.SetPassword(alice, alicePW)
	return e
}

func openStore(t testing.TB, path, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{SQLitePath: path, DSN: dsn, Keyring: keyring(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openHelpdesk(t testing.TB, st *store.Store, dir string) *helpdesk.Service {
	t.Helper()
	docs, err := docstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return helpdesk.New(st, docs)
}

// receiver creates a password receiver on the test server for alice,
// moving accepted mail to "Accepted" and refused mail to "Refused".
func (e *env) receiver(name string, mod func(*store.Receiver)) *store.Receiver {
	e.t.Helper()
	r := &store.Receiver{Name: name, IsActive: true, Host: e.srv.Host(), Port: e.srv.Port(), Security: "none",
		Login: alice, Password: alicePW, AcceptedFolder: "Accepted", RefusedFolder: "Refused",
		FilesizeMax: 2 << 20, RequesterField: "from", Budget: 100, PollIntervalSeconds: 3600}
	if mod != nil {
		mod(r)
	}
	for _, f := range []string{r.AcceptedFolder, r.RefusedFolder} {
		if f != "" && e.srv != nil && r.Host == e.srv.Host() {
			e.ensureFolder(r.Login, f)
		}
	}
	// The store refuses to poll more often than every 10 s; tests that
	// need it faster write the interval straight into the row (the
	// collector reads anything down to one second).
	fast := r.PollIntervalSeconds
	if fast > 0 && fast < store.MinPollIntervalSeconds {
		r.PollIntervalSeconds = store.MinPollIntervalSeconds
	}
	if err := e.st.CreateReceiver(context.Background(), r, nil); err != nil {
		e.t.Fatal(err)
	}
	if fast != r.PollIntervalSeconds && fast > 0 {
		if _, err := e.sqlDB().Exec("UPDATE receivers SET poll_interval_seconds = ? WHERE id = ?", fast, r.ID); err != nil {
			e.t.Fatal(err)
		}
		r.PollIntervalSeconds = fast
	}
	return r
}

func (e *env) ensureFolder(user, f string) {
	key := user + "/" + f
	if !e.folders[key] {
		e.folders[key] = true
		e.srv.CreateFolder(user, f)
	}
}

// oauthApp inserts an application and an authorization for login, and
// returns the application's ID.
func (e *env) oauthApp(name, login string) int64 {
	e.t.Helper()
	db := e.sqlDB()
	now := time.Now().UTC()
	// The TEXT columns are listed: MySQL gives them no default.
	if _, err := db.Exec("INSERT INTO oauth_applications (name, provider, comment, authority_url, client_secret, issuer_url, extra_scopes, created_at, updated_at) VALUES (?, 'generic', '', '', '', '', '', ?, ?)", name, now, now); err != nil {
		e.t.Fatal(err)
	}
	var appID int64
	if err := db.QueryRow("SELECT id FROM oauth_applications WHERE name = ?", name).Scan(&appID); err != nil {
		e.t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO oauth_authorizations (application_id, email, access_token, refresh_token, id_token, scope, last_error, created_at, updated_at) VALUES (?, ?, '', '', '', '', '', ?, ?)", appID, login, now, now); err != nil {
		e.t.Fatal(err)
	}
	return appID
}

func (e *env) sqlDB() *sql.DB {
	db, err := e.st.SQLDB()
	if err != nil {
		e.t.Fatal(err)
	}
	return db
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.sqlDB().QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) tickets() int { return e.count("SELECT COUNT(*) FROM tickets") }

// duplicates counts Message-IDs imported more than once (as tickets).
func (e *env) duplicates() int {
	return e.count("SELECT COUNT(*) FROM (SELECT message_id FROM tickets GROUP BY message_id HAVING COUNT(*) > 1) d")
}

func (e *env) collector(mod func(*Options)) *Collector {
	o := Options{Store: e.st, Helpdesk: e.hd, Logger: slog.New(slog.NewTextHandler(e.log, nil)),
		Tick: 50 * time.Millisecond, NoIdle: true, DialTimeout: 5 * time.Second}
	if mod != nil {
		mod(&o)
	}
	c := New(o)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Shutdown(ctx)
	})
	return c
}

func (e *env) collectNow(c *Collector, id int64) (*store.CollectRun, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.CollectNow(ctx, id)
}

func (e *env) mustCollect(c *Collector, id int64) *store.CollectRun {
	e.t.Helper()
	run, err := e.collectNow(c, id)
	if err != nil {
		e.t.Fatalf("CollectNow: %v", err)
	}
	return run
}

func (e *env) receiverRow(id int64) *store.Receiver {
	e.t.Helper()
	r, err := e.st.Receiver(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// mail builds an e-mail from carol (or from) with a unique Message-ID.
func mail(from, subject string, extra ...string) []byte {
	if from == "" {
		from = "carol@example.org"
	}
	id := strings.NewReplacer(" ", "-", "/", "-").Replace(subject)
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.org>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\nHello, %s.\r\n",
		from, alice, subject, id, strings.Join(extra, ""), subject))
}

func deliverN(srv *imaptest.Server, user string, n int, prefix string) {
	for i := range n {
		srv.Deliver(user, "INBOX", mail("", fmt.Sprintf("%s %d", prefix, i)))
	}
}

type runCounts struct{ available, already, retrieved, refused, errors, blacklisted int }

func countsOf(r *store.CollectRun) runCounts {
	return runCounts{r.Available, r.AlreadyImported, r.Retrieved, r.Refused, r.Errors, r.Blacklisted}
}

// fakeTokens hands out tokens from a function and counts calls.
type fakeTokens struct {
	mu    sync.Mutex
	calls int
	fn    func(call int) (string, error)
}

func (f *fakeTokens) AccessToken(ctx context.Context, id int64) (string, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	return f.fn(n)
}

func (f *fakeTokens) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
