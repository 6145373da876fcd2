package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	sqlite "github.com/libtnb/sqlite"
	"gorm.io/gorm"
)

func openPool(t *testing.T, size int) *stmtPool {
	t.Helper()
	db, err := sql.Open(sqlite.DriverName, filepath.Join(t.TempDir(), "pool.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	p := newStmtPool(db, size)
	t.Cleanup(func() { p.Close() })
	if _, err := p.ExecContext(context.Background(), "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitKept waits until query is kept prepared.
func waitKept(t *testing.T, p *stmtPool, query string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.lookup(query) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("%q never kept prepared", query)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStmtPoolKeepsRepeatedStatements(t *testing.T) {
	p := openPool(t, 8)
	ctx := context.Background()
	const ins = "INSERT INTO t (v) VALUES (?)"
	if _, err := p.ExecContext(ctx, ins, "first"); err != nil {
		t.Fatal(err)
	}
	if p.keptCount() != 0 {
		t.Fatal("a statement seen once is kept")
	}
	if _, err := p.ExecContext(ctx, ins, "second"); err != nil { // starts preparing it
		t.Fatal(err)
	}
	waitKept(t, p, ins)
	// In transactions, through the kept statement: one that commits and
	// one that rolls back.
	for _, commit := range []bool{true, false} {
		tx, err := p.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			if _, err := tx.ExecContext(ctx, ins, fmt.Sprintf("tx %v %d", commit, i)); err != nil {
				t.Fatal(err)
			}
		}
		var n, want int
		if want = 52; !commit {
			want = 102 // and the 50 committed before
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != want {
			t.Fatalf("inside the transaction: %d rows (%v), want %d", n, err, want)
		}
		c := tx.(gorm.TxCommitter)
		if commit {
			err = c.Commit()
		} else {
			err = c.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := p.QueryRowContext(ctx, "SELECT COUNT(*) FROM t WHERE v LIKE 'tx true %'").Scan(&n); err != nil || n != 50 {
		t.Fatalf("%d committed rows (%v), want 50", n, err)
	}
	if err := p.QueryRowContext(ctx, "SELECT COUNT(*) FROM t WHERE v LIKE 'tx false %'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rolled back rows (%v), want 0", n, err)
	}
	// Never kept: what is not a plain query or change, and scripts. On
	// one connection: a savepoint is its connection's, and the pool could
	// hand RELEASE another one (or close the savepoint's connection, being
	// over its limit while a statement seen twice above is prepared in the
	// background): wait for those, then allow one connection.
	p.wg.Wait()
	p.SetMaxOpenConns(1)
	for _, q := range []string{"SAVEPOINT sp1", "RELEASE SAVEPOINT sp1", "PRAGMA wal_checkpoint(PASSIVE)",
		"INSERT INTO t (v) VALUES ('a'); INSERT INTO t (v) VALUES ('b')"} {
		for range 3 {
			if _, err := p.ExecContext(ctx, q); err != nil {
				t.Fatalf("%q: %v", q, err)
			}
		}
		time.Sleep(20 * time.Millisecond)
		if p.lookup(q) != nil {
			t.Errorf("%q is kept prepared", q)
		}
	}
}

// TestStmtPoolEvictsWhileInUse runs more distinct statements than the pool
// keeps, from several goroutines on the pool and in transactions, so that
// statements are evicted (and closed) while others use them: no call may
// fail, and the pool never keeps more than its size.
func TestStmtPoolEvictsWhileInUse(t *testing.T) {
	p := openPool(t, 3)
	ctx := context.Background()
	const queries = 12
	query := func(i int) string { return fmt.Sprintf("SELECT COUNT(*) + %d FROM t WHERE id > ?", i) }
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 60 {
				i := (g*7 + round) % queries
				var n int
				if g%2 == 0 {
					if err := p.QueryRowContext(ctx, query(i), 0).Scan(&n); err != nil {
						errs <- fmt.Errorf("pool, %q: %w", query(i), err)
						return
					}
				} else {
					tx, err := p.BeginTx(ctx, nil)
					if err != nil {
						errs <- err
						return
					}
					err = tx.QueryRowContext(ctx, query(i), 0).Scan(&n)
					if _, e := tx.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", "x"); err == nil {
						err = e
					}
					if e := tx.(gorm.TxCommitter).Commit(); err == nil {
						err = e
					}
					if err != nil {
						errs <- fmt.Errorf("transaction, %q: %w", query(i), err)
						return
					}
				}
				if n < i {
					errs <- fmt.Errorf("%q answered %d", query(i), n)
					return
				}
				if k := p.keptCount(); k > 3 {
					errs <- fmt.Errorf("%d statements kept, the pool holds 3", k)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStoreKeepsStatementsOnSQLite: the store's own SQLite connections
// keep what a collector batch repeats.
func TestStoreKeepsStatementsOnSQLite(t *testing.T) {
	s := openDialect(t, SQLite)
	ctx := context.Background()
	for i := range 5 {
		if err := s.CreateTicket(ctx, &Ticket{Title: fmt.Sprintf("kept %d", i), Content: "<p>x</p>"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.pool.keptCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no statement kept after five tickets")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWALIsCheckpointedInTheBackground: a commit leaves the log as it is
// (below walSafetyPages), and the background loop copies it into the
// database file.
func TestWALIsCheckpointedInTheBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := Open(ctx, Options{SQLitePath: path, Keyring: testKeyring(t), walCheckEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sqlDB, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	// Whatever the migration left in the log goes first.
	if _, err := sqlDB.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(path)
	body := make([]byte, 64<<10)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	err = s.InTx(ctx, func(tx *Store) error {
		for i := range 64 { // 4 MiB: past SQLite's default threshold of 1,000 pages
			if err := tx.CreateTicket(ctx, &Ticket{Title: fmt.Sprintf("wal %d", i), Content: string(body)}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := size(path); got != before {
		t.Fatalf("the commit checkpointed: the database file went from %d to %d bytes", before, got)
	}
	if size(path+"-wal") < 4<<20 {
		t.Fatalf("the log holds %d bytes, want the batch's 4 MiB", size(path+"-wal"))
	}
	w := startWALCheckpoints(sqlDB, path, 10*time.Millisecond)
	defer w.close()
	deadline := time.Now().Add(10 * time.Second)
	for size(path) < before+4<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes after 10 s, want the batch checkpointed into it", size(path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
