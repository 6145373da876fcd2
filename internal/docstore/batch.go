package docstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// batchWorkers is how many files of a Batch are written at once: the
// writes are mostly waits on the disk (mkdir, fsync), which overlap.
const batchWorkers = 8

// A Batch stores the documents of one database transaction (a collector
// batch) while the transaction goes on: Put returns the hash at once and
// the file is written in the background, each exactly as Store.Put writes
// it (a temporary file, synced, then renamed, so a final name never holds
// part of a file, even after a crash). Sync waits for them all and syncs
// each directory once. The caller commits rows that name the documents
// only after Sync returned nil: then every document is on disk whole, the
// same guarantee as Store.Put before each row. A transaction rolled back
// after some files were written leaves unreferenced files, as Store.Put
// does. A Batch is used from one goroutine.
type Batch struct {
	s    *Store
	work chan doc
	wg   sync.WaitGroup

	mu     sync.Mutex
	queued map[string]bool // hashes queued in this batch
	dirs   map[string]bool // directories that got a new file or subdirectory
	err    error
	done   bool
}

// NewBatch starts a batch; end it with Sync or Discard.
func (s *Store) NewBatch() *Batch {
	b := &Batch{s: s, work: make(chan doc, 2*batchWorkers), queued: map[string]bool{}, dirs: map[string]bool{}}
	for range batchWorkers {
		b.wg.Add(1)
		go b.writer()
	}
	return b
}

// Put queues data and returns its SHA-256 in hex. The bytes must not
// change until Sync or Discard returns.
func (b *Batch) Put(data []byte) (string, error) {
	sha := Sum(data)
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return "", errors.New("docstore: put into a finished batch")
	}
	if b.err != nil || b.queued[sha] {
		err := b.err
		b.mu.Unlock()
		return sha, err
	}
	b.queued[sha] = true
	b.mu.Unlock()
	b.work <- doc{sha, data}
	return sha, nil
}

func (b *Batch) writer() {
	defer b.wg.Done()
	for d := range b.work {
		dirs, err := b.s.write(d.sha, d.data)
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err
		}
		for _, dir := range dirs {
			b.dirs[dir] = true
		}
		b.mu.Unlock()
	}
}

// Sync waits until every queued document is written and synced, then
// syncs the directories that got new entries (each once, several at a time).
// It returns the first error of any write; the batch is over either way.
func (b *Batch) Sync() error {
	if !b.finish() {
		return errors.New("docstore: batch already finished")
	}
	if b.err != nil {
		return b.err
	}
	dirs := make(chan string)
	var wg sync.WaitGroup
	for range min(batchWorkers, len(b.dirs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range dirs {
				syncDir(d)
			}
		}()
	}
	for d := range b.dirs {
		dirs <- d
	}
	close(dirs)
	wg.Wait()
	return nil
}

// Discard ends a batch whose transaction will not commit: it waits for
// the writes under way (files already in place stay, unreferenced). After
// Sync it does nothing.
func (b *Batch) Discard() { b.finish() }

// finish stops the writers once; false when the batch was already over.
func (b *Batch) finish() bool {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return false
	}
	b.done = true
	b.mu.Unlock()
	close(b.work)
	b.wg.Wait()
	return true
}

// doc is a queued document.
type doc struct {
	sha  string
	data []byte
}

// write stores data, whose hash is sha, like Put without syncing
// directories: dirs are those that got a new entry (the file's own
// directory, and the parents of directories it created), to be synced
// before a row names the document; none when the file was already there.
func (s *Store) write(sha string, data []byte) (dirs []string, err error) {
	dir, final, _ := s.path(sha)
	if _, err := os.Stat(final); err == nil {
		return nil, nil
	}
	if dirs, err = s.makeDirs(dir); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("docstore: temp file: %w", err)
	}
	// Removing after a successful rename fails harmlessly; after a failure it
	// keeps half-written files from piling up.
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("docstore: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("docstore: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("docstore: close: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return nil, fmt.Errorf("docstore: chmod: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, fmt.Errorf("docstore: rename: %w", err)
	}
	return append(dirs, dir), nil
}

// makeDirs creates dir (root/ab/cd) and its parent as needed and returns
// the directories whose new entries need a sync: the parent of each
// directory made here. It tries dir first, so the usual case costs one
// mkdir (a failed mkdir locks the parent as a successful one does). A
// directory another writer is making at the same moment is that writer's
// to sync.
func (s *Store) makeDirs(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, nil
	}
	var parents []string
	top := filepath.Dir(dir)
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, fs.ErrNotExist) {
		switch err := os.Mkdir(top, 0o700); {
		case err == nil:
			parents = append(parents, filepath.Dir(top))
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("docstore: create dir: %w", err)
		}
		err = os.Mkdir(dir, 0o700)
	}
	switch {
	case err == nil:
		parents = append(parents, top)
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("docstore: create dir: %w", err)
	}
	return parents, nil
}
