package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestSyncMakesCommitsDurable: on SQLite, Sync syncs the write-ahead log
// that holds the commits made so far (not the database file, which only
// a checkpoint writes, and syncs itself); on MySQL the commit itself is
// durable, and Sync has nothing to do.
func TestSyncMakesCommitsDurable(t *testing.T) {
	var (
		mu     sync.Mutex
		synced []string
	)
	orig := syncFile
	syncFile = func(f *os.File) error {
		mu.Lock()
		synced = append(synced, f.Name())
		mu.Unlock()
		return orig(f)
	}
	t.Cleanup(func() { syncFile = orig })
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mu.Lock()
		synced = nil
		mu.Unlock()
		if err := s.CreateTicket(ctx, &Ticket{Title: "durable", Content: "text"}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if s.Dialect() == MySQL {
			if len(synced) != 0 {
				t.Fatalf("synced %v on MySQL, want nothing", synced)
			}
			return
		}
		log := s.path + "-wal"
		if len(synced) != 1 || synced[0] != log {
			t.Fatalf("synced %v, want the log %s", synced, log)
		}
		if fi, err := os.Stat(log); err != nil || fi.Size() == 0 {
			t.Fatalf("the log holds no commit: %v %v", fi, err)
		}
		// A cancelled caller is told so, and nothing is synced.
		synced = nil
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Sync(cctx); err == nil || len(synced) != 0 {
			t.Fatalf("Sync with a cancelled context: %v, synced %v", err, synced)
		}
	})
}

// TestSyncWithoutLog: a database whose log is gone (its last connection
// closed, which checkpoints it into the database file) has nothing to
// sync.
func TestSyncWithoutLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone.db")
	s := openMigrated(t, Options{SQLitePath: path, Keyring: testKeyring(t)})
	if err := os.Remove(path + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("Sync without a log: %v", err)
	}
}

// TestMySQLWarnsWhenCommitsAreNotDurable: a server that does not write
// each commit to disk is named in the log at start, and only then (the
// test peer runs with innodb_flush_log_at_trx_commit=0, for speed).
func TestMySQLWarnsWhenCommitsAreNotDurable(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	buf := &testpeer.LogBuffer{}
	s := openMigrated(t, Options{DSN: dsn, Keyring: testKeyring(t), Logger: slog.New(slog.NewTextHandler(buf, nil))})
	var v int
	if err := s.db.Raw("SELECT @@innodb_flush_log_at_trx_commit").Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	warned := strings.Contains(buf.String(), "innodb_flush_log_at_trx_commit=")
	if warned != (v != 1) {
		t.Fatalf("innodb_flush_log_at_trx_commit is %d; warned: %v; log:\n%s", v, warned, buf.String())
	}
	if v != 1 && !strings.Contains(buf.String(), "innodb_flush_log_at_trx_commit="+strconv.Itoa(v)) {
		t.Fatalf("the warning does not say the value %d:\n%s", v, buf.String())
	}
}

// TestRotatedRefreshTokenIsSyncedAtOnce: on SQLite, a refresh that
// brought a new refresh token is synced to disk before Locked returns;
// one that kept the old token, or failed, is not.
func TestRotatedRefreshTokenIsSyncedAtOnce(t *testing.T) {
	var synced atomic.Int32
	orig := syncFile
	syncFile = func(f *os.File) error { synced.Add(1); return orig(f) }
	t.Cleanup(func() { syncFile = orig })
	s := openDialect(t, SQLite)
	_, auth := rcvApp(t, s, "rotating", "helpdesk@example.com", string(oauth.StateValid))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    oauth.Outcome
		want int32
	}{
		{"rotated", oauth.Outcome{Kind: oauth.OutcomeRefreshed, Rotated: true}, 1},
		{"same refresh token", oauth.Outcome{Kind: oauth.OutcomeRefreshed}, 0},
		{"failed", oauth.Outcome{Kind: oauth.OutcomeFailed, Class: oauth.Transient, Message: "timeout"}, 0},
	} {
		synced.Store(0)
		_, err := s.Locked(ctx, auth.ID, func(oauth.Application, oauth.TokenRecord) (oauth.TokenRecord, oauth.Outcome, error) {
			return oauth.TokenRecord{AccessToken: "a-" + tc.name, RefreshToken: "r-" + tc.name, Expiry: time.Now().Add(time.Hour)}, tc.o, nil
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := synced.Load(); got != tc.want {
			t.Errorf("%s: the log was synced %d times, want %d", tc.name, got, tc.want)
		}
	}
}

// BenchmarkSyncAfterBatch times Sync after each commit of a collector-sized
// batch (200 tickets of 10 KB) on SQLite: what filing a batch waits for,
// beside the next batch's download. Run it on the file system the data
// directory would use (TMPDIR).
func BenchmarkSyncAfterBatch(b *testing.B) {
	s := openDialect(b, SQLite)
	ctx := context.Background()
	body := strings.Repeat("a line of a mail about a printer that jams again\n", 200)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		err := commitTickets(ctx, s, 1, 200, func(_, j int) *Ticket {
			return &Ticket{Title: "sync " + strconv.Itoa(i*200+j), Content: body}
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
