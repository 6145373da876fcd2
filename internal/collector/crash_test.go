package collector

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
)

// childEnv, when set ("sqlite path|docs dir" and optionally "|instance
// dir|lease TTL"), makes the test binary run a collector until it is
// killed, instead of the tests.
const childEnv = "OAUTHIMAP_COLLECTOR_CHILD"

// crashChild runs a collector on the parent's database and mailbox; the
// parent SIGKILLs it at a random point.
func crashChild() {
	parts := strings.Split(os.Getenv(childEnv), "|")
	k, _ := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	o := store.Options{SQLitePath: parts[0], Keyring: k}
	if dsn, ok := strings.CutPrefix(parts[0], "mysql:"); ok {
		o = store.Options{DSN: dsn, Keyring: k}
	}
	st, err := store.Open(context.Background(), o)
	if err != nil {
		os.Exit(2)
	}
	docs, err := docstore.New(parts[1])
	if err != nil {
		os.Exit(2)
	}
	co := Options{Store: st, Helpdesk: helpdesk.New(st, docs), NoIdle: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: 20 * time.Millisecond,
		LeaseTTL: time.Second, BatchSize: 10}
	if len(parts) == 4 {
		name, _, lock, err := StableInstance(parts[2])
		if err != nil {
			os.Exit(2)
		}
		defer lock.Close()
		co.Instance = name
		if co.LeaseTTL, err = time.ParseDuration(parts[3]); err != nil {
			os.Exit(2)
		}
	}
	c := New(co)
	fmt.Println("ready") // the parent's random delay starts now, not at exec
	_ = c.Run(context.Background())
	os.Exit(0)
}

// TestCrashSafety kills a collector process ten times at random points
// while it ingests 500 messages, then lets a last one finish: every
// message must be in exactly one ticket and filed in the accepted folder.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for several seconds")
	}
	const n, kills = 500, 10
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("crash", func(r *store.Receiver) { r.Budget, r.PollIntervalSeconds = 10000, 1 })
	for i := range n {
		e.srv.Deliver(alice, "INBOX", mail("", "crash "+itoa(i)))
	}
	t0 := time.Now()
	var progress []int
	for range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+e.path+"|"+e.docs)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("child: %v", err)
		}
		time.Sleep(time.Duration(10+rand.IntN(140)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		progress = append(progress, e.tickets())
		// The killed instance's lease would expire within LeaseTTL; skip
		// the wait so every child works before it dies.
		if _, err := e.sqlDB().Exec("UPDATE receivers SET lease_until = ?", time.Now().UTC().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("tickets after each kill: %v (in %v)", progress, time.Since(t0).Round(time.Millisecond))

	c := e.collector(nil)
	waitFor(t, 30*time.Second, "the last run to finish the mailbox", func() bool {
		run, err := e.collectNow(c, r.ID)
		if err != nil {
			t.Logf("run: %v", err)
		}
		return err == nil && run.Retrieved == 0 && len(e.srv.Messages(alice, "INBOX")) == 0
	})
	if got, dup := e.tickets(), e.duplicates(); got != n || dup != 0 {
		t.Fatalf("got %d tickets (%d Message-IDs twice), want %d, none twice", got, dup, n)
	}
	if got := e.count("SELECT COUNT(DISTINCT message_id) FROM tickets"); got != n {
		t.Fatalf("got %d distinct messages in tickets, want %d", got, n)
	}
	if got := len(e.srv.Messages(alice, "Accepted")); got != n {
		t.Fatalf("Accepted has %d messages, want %d", got, n)
	}
	if p, _ := e.st.PendingActions(context.Background(), r.ID); len(p) != 0 {
		t.Fatalf("%d actions still pending", len(p))
	}
	e.documentsWhole(t)
}

// documentsWhole checks that every kept original a committed ticket names
// is in the docstore, whole: a batch's files are written in the background
// but synced before its transaction commits, so no kill leaves a row
// naming a missing or partial file.
func (e *env) documentsWhole(t *testing.T) {
	t.Helper()
	docs, err := docstore.New(e.docs)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.sqlDB().Query("SELECT raw_sha256 FROM tickets UNION SELECT sha256 FROM documents")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var sha string
		if err := rows.Scan(&sha); err != nil {
			t.Fatal(err)
		}
		if sha == "" {
			continue
		}
		rc, err := docs.Open(sha)
		if err != nil {
			t.Fatalf("document %s named by a committed row: %v", sha, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || docstore.Sum(data) != sha {
			t.Fatalf("document %s: %d bytes that hash to %s (%v)", sha, len(data), docstore.Sum(data), err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no committed row names a document")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// startChild starts a collector process on e's database and mailbox and
// waits until it is about to run.
func startChild(t *testing.T, e *env, extra string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	db := e.path
	if e.dsn != "" {
		db = "mysql:" + e.dsn
	}
	cmd.Env = append(os.Environ(), childEnv+"="+db+"|"+e.docs+extra)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("child: %v", err)
	}
	return cmd
}

// TestRestartAfterKillResumesAtOnce kills a collector with SIGKILL in the
// middle of a mailbox and starts it again on the same data dir: it takes
// its receiver back at once, although the lease it left would hold the
// receiver for ten more minutes, and finishes the mailbox exactly once.
func TestRestartAfterKillResumesAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) { restartAfterKill(t, d) })
	}
}

func restartAfterKill(t *testing.T, d store.Dialect) {
	const n = 300
	e := newEnv(t, d, imaptest.Options{})
	r := e.receiver("restart", func(r *store.Receiver) { r.Budget, r.PollIntervalSeconds = 10000, 1 })
	for i := range n {
		e.srv.Deliver(alice, "INBOX", mail("", "restart "+itoa(i)))
	}
	extra := "|" + t.TempDir() + "|10m"
	first := startChild(t, e, extra)
	waitFor(t, 30*time.Second, "the first process to import some mail", func() bool { return e.tickets() > 0 })
	_ = first.Process.Signal(syscall.SIGKILL)
	_ = first.Wait()
	killedAt := e.tickets()
	if killedAt >= n {
		t.Skipf("the first process finished all %d mails before it was killed", n)
	}
	if got := e.receiverRow(r.ID); got.LeaseOwner == "" || got.LeaseUntil == nil || time.Until(*got.LeaseUntil) < 5*time.Minute {
		t.Fatalf("after the kill: lease owner %q until %v; want the dead process's lease still running", got.LeaseOwner, got.LeaseUntil)
	}

	t0 := time.Now()
	startChild(t, e, extra)
	// Far less than the ten minutes the lease would last: the restarted
	// process must not wait it out.
	waitFor(t, time.Minute, "the restarted process to import again", func() bool { return e.tickets() > killedAt })
	resumed := time.Since(t0)
	waitFor(t, time.Minute, "the restarted process to finish the mailbox", func() bool {
		return e.tickets() == n && len(e.srv.Messages(alice, "INBOX")) == 0
	})
	t.Logf("killed at %d/%d tickets; the restarted process imported again after %v and finished the mailbox after %v",
		killedAt, n, resumed.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	if dup := e.duplicates(); dup != 0 {
		t.Fatalf("%d Message-IDs imported twice", dup)
	}
}

func TestStableInstance(t *testing.T) {
	dir := t.TempDir()
	name, fresh, lock, err := StableInstance(dir)
	if err != nil || name == "" || !fresh {
		t.Fatalf("first start: %q fresh=%t %v", name, fresh, err)
	}
	other, otherFresh, otherLock, err := StableInstance(dir)
	if err != nil || other == name || !otherFresh {
		t.Fatalf("a second process on the same data dir got %q (fresh=%t, %v); want a name of its own, not %q", other, otherFresh, err, name)
	}
	otherLock.Close()
	lock.Close()
	again, fresh, lock, err := StableInstance(dir)
	if err != nil || again != name || fresh {
		t.Fatalf("after a restart: %q fresh=%t %v; want %q again", again, fresh, err, name)
	}
	lock.Close()
}
