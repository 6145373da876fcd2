package store

import (
	"context"
	"database/sql"
	"os"
	"time"
)

// SQLite's write-ahead log is copied back into the database file
// (checkpointed) here, in the background, instead of by the transaction
// whose commit makes the log pass SQLite's threshold: that commit then
// waited while a few MiB were copied and synced, and the collector's one
// writer is the pipeline's narrowest stage. A checkpoint runs on its own
// connection next to the writer (PASSIVE: it never waits on, nor blocks,
// readers or the writer).
//
// walSafetyPages is the log size at which a committing transaction still
// checkpoints by itself, should this loop fall behind (or a process
// without it, an older version, share the file): 64 MiB of 4 KiB pages.
const walSafetyPages = 16384

// walCheckEvery is how often the log's file is looked at; a checkpoint
// runs only if it changed since the last one.
const walCheckEvery = 250 * time.Millisecond

type walCheckpointer struct {
	db    *sql.DB
	wal   string // the log's file
	every time.Duration
	stop  chan struct{}
	done  chan struct{}
}

// startWALCheckpoints starts checkpointing the log of the SQLite database
// at path every period (0: walCheckEvery; < 0: never, for tests).
func startWALCheckpoints(db *sql.DB, path string, every time.Duration) *walCheckpointer {
	if every == 0 {
		every = walCheckEvery
	}
	w := &walCheckpointer{db: db, wal: path + "-wal", every: every, stop: make(chan struct{}), done: make(chan struct{})}
	if every < 0 {
		close(w.done)
		return w
	}
	go w.run()
	return w
}

func (w *walCheckpointer) run() {
	defer close(w.done)
	t := time.NewTicker(w.every)
	defer t.Stop()
	var last os.FileInfo
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		fi, err := os.Stat(w.wal)
		if err != nil || last != nil && fi.Size() == last.Size() && fi.ModTime().Equal(last.ModTime()) {
			continue // no log (yet), or nothing written since
		}
		// Stat before the checkpoint: a write while it runs changes the
		// time again and is caught at the next look.
		if w.checkpoint() == nil {
			last = fi
		}
	}
}

// checkpoint copies what the log holds back into the database, as far as
// readers allow.
func (w *walCheckpointer) checkpoint() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := w.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}

// close stops the loop and waits for a running checkpoint.
func (w *walCheckpointer) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}
