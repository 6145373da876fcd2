package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Durability of a commit, for what a caller does outside the database
// once it committed: the collector moves a batch's mail out of the
// folder (or marks it read) only after the batch's transaction commits,
// and a commit lost afterwards would lose that mail for good: the next
// run no longer finds it in the folder, and the ledger no longer says it
// was taken.
//
// On SQLite the store commits with synchronous=NORMAL: a commit is in the
// write-ahead log, which the operating system writes back when it likes;
// a killed process loses nothing, a power cut or a kernel crash can lose
// the last commits. Sync makes them durable at the moment a caller needs
// it, off the writer's path (one sync of the log's file, shared by every
// transaction committed since the last). A log that a checkpoint has
// started over no longer holds an earlier commit: the checkpoint synced
// the database file that holds it before the log could start over.
//
// On MySQL a commit is durable when it returns, as long as the server
// keeps innodb_flush_log_at_trx_commit at 1 (its default); checkDurability
// warns at start when it does not.

// Sync makes every transaction committed so far durable. It is called on
// the store, not inside a transaction.
func (s *Store) Sync(ctx context.Context) error {
	if s.dialect != SQLite || s.path == "" {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// No log: every commit is in the database file, synced by the
		// checkpoint that removed the log (the last connection's close).
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: sync the database's log: %w", err)
	}
	defer f.Close()
	if err := syncFile(f); err != nil {
		return fmt.Errorf("store: sync the database's log: %w", err)
	}
	return nil
}

// syncFile syncs one file; a variable so tests can see what is synced.
var syncFile = func(f *os.File) error { return f.Sync() }

// checkDurability warns when a MySQL server may lose commits it
// acknowledged (innodb_flush_log_at_trx_commit other than 1): a power
// cut could then lose mail the collector has already filed.
func (s *Store) checkDurability(ctx context.Context) {
	if s.dialect != MySQL || s.log == nil {
		return
	}
	var v int
	if err := s.db.WithContext(ctx).Raw("SELECT @@innodb_flush_log_at_trx_commit").Scan(&v).Error; err != nil || v == 1 {
		return
	}
	s.log.Warn("store: the MySQL server does not write each commit to disk (innodb_flush_log_at_trx_commit is not 1): "+
		"after a power failure, mail the collector already moved out of its folder could have no ticket",
		"innodb_flush_log_at_trx_commit", v)
}
