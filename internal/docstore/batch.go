package docstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"
)

// batchQueue is how many documents a Batch holds before Put waits for its
// writers: a collector batch's worth (the bytes are in memory anyway),
// so the database writer never waits for the disk while the batch goes on.
const batchQueue = 1024

// batchWorkers is how many files of a Batch are written at once: where
// each file is synced, the writes are mostly waits on the disk (fsync),
// which overlap; where the file system is synced as a whole at the end,
// writing is work for the processor, and two writers keep up with the
// collector without taking the cores from it.
func batchWorkers(wholeFS bool) int {
	if wholeFS {
		return 2
	}
	return 8
}

// A Batch stores the documents of one database transaction (a collector
// batch) while the transaction goes on: Put returns the hash at once and
// the file is written in the background. Sync waits for them all and makes
// them durable; the caller commits rows that name the documents only after
// Sync returned nil: then every document is on disk whole, the same
// guarantee as Store.Put before each row. A final name never holds part of
// a file, even after a crash.
//
// Where the file system can be synced as a whole (Linux's syncfs on a
// local file system: ext4, XFS, Btrfs, tmpfs, F2FS, ZFS), a
// document is written to a temporary file without a sync of its own; Sync
// syncs the file system once (every temporary file is then whole on disk),
// renames each file to its name, and syncs once more (the names). Two
// syncs per batch instead of one per file and one per new directory: the
// cost of a kept original is mostly these syncs. Elsewhere each file is
// synced before its rename and each new directory entry after, as Put
// does. A transaction rolled back after some files were renamed leaves
// unreferenced files, as Store.Put does. A Batch is used from one goroutine.
type Batch struct {
	s       *Store
	wholeFS bool // sync the file system at Sync, not each file
	work    chan doc
	wg      sync.WaitGroup

	mu     sync.Mutex
	queued map[string]bool // hashes queued in this batch
	sums   map[span]string // the hash of each slice Put, by its memory
	dirs   map[string]bool // directories that got a new file or subdirectory
	staged []staged        // written, not yet synced nor renamed (wholeFS)
	err    error
	done   bool

	after *Kept // a batch finishing beside this one (NewBatchAfter)
}

// Kept is a Batch syncing in the background (Batch.SyncLater): its
// documents were queued ahead of the transaction that names them.
type Kept struct {
	b    *Batch
	done chan struct{}
	err  error
}

// SyncLater syncs the batch in the background (see Sync); the returned
// Kept says when it is done. No Put may follow.
func (b *Batch) SyncLater() *Kept {
	k := &Kept{b: b, done: make(chan struct{})}
	if !b.stop() { // here, so that a Put after it is refused
		k.err = errors.New("docstore: batch already finished")
		close(k.done)
		return k
	}
	go func() {
		defer close(k.done)
		b.wg.Wait()
		k.err = b.synced()
	}()
	return k
}

// Wait waits until the kept batch's documents are durable, or one failed.
func (k *Kept) Wait() error {
	<-k.done
	return k.err
}

// NewBatchAfter starts a batch beside kept, whose documents it does not
// write again: its Put returns at once for them, and its Sync returns
// only once kept's documents are durable too (with kept's error, if any).
// A slice Put into kept and Put again here is not hashed again: its
// bytes must not change until this batch's Sync or Discard returns. With
// kept nil it is NewBatch.
func (s *Store) NewBatchAfter(kept *Kept) *Batch {
	b := s.NewBatch()
	b.after = kept
	return b
}

// span names a slice by its memory: the same bytes, Put twice. Empty
// slices may share one (every one has the same sum).
type span struct {
	p *byte
	n int
}

func spanOf(data []byte) span { return span{unsafe.SliceData(data), len(data)} }

// staged is a document written to its temporary file.
type staged struct{ tmp, final string }

// NewBatch starts a batch; end it with Sync or Discard.
func (s *Store) NewBatch() *Batch {
	whole := wholeFSSync(s.root)
	n := batchWorkers(whole)
	b := &Batch{s: s, wholeFS: whole, work: make(chan doc, batchQueue), queued: map[string]bool{}, sums: map[span]string{}, dirs: map[string]bool{}}
	for range n {
		b.wg.Add(1)
		go b.writer()
	}
	return b
}

// Put queues data and returns its SHA-256 in hex. The bytes must not
// change until Sync or Discard returns.
func (b *Batch) Put(data []byte) (string, error) { return b.put(data, "", false) }

// PutSum is Put for data already hashed: sha is Sum(data), which the
// caller computed from these very bytes (a hash that is not well formed
// is refused), or "" to have it computed.
func (b *Batch) PutSum(data []byte, sha string) (string, error) { return b.put(data, sha, false) }

// PutNew is PutSum for data the caller's own records have never seen (a
// mail whose hash the collector's ledger does not hold): its file is
// written without first looking for a stored copy (two stat calls, one
// per layout, ~9 µs a document), and a copy stored already is replaced,
// whole and at once, by the same bytes.
func (b *Batch) PutNew(data []byte, sha string) (string, error) { return b.put(data, sha, true) }

func (b *Batch) put(data []byte, sha string, fresh bool) (string, error) {
	// kept's queue no longer changes: its Puts came before SyncLater. The
	// writer of a collector batch saves the slices kept ahead for it:
	// their hashes are known (a 10 KB mail costs ~5 µs to hash).
	if b.after != nil {
		if sha, ok := b.after.b.sums[spanOf(data)]; ok {
			return sha, nil
		}
	}
	switch {
	case sha == "":
		sha = Sum(data)
	case !ValidHash(sha):
		return "", fmt.Errorf("docstore: put: %q is not a SHA-256 in hex", sha)
	default:
		sha = strings.ToLower(sha) // one spelling: queued once
	}
	if b.after != nil && b.after.b.queued[sha] {
		return sha, nil
	}
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
	b.sums[spanOf(data)] = sha
	b.mu.Unlock()
	b.work <- doc{sha, data, fresh}
	return sha, nil
}

func (b *Batch) writer() {
	defer b.wg.Done()
	for d := range b.work {
		var (
			dirs []string
			st   staged
			err  error
		)
		if b.wholeFS {
			st, _, err = b.s.stage(d.sha, d.data, false, d.fresh)
		} else {
			dirs, err = b.s.write(d.sha, d.data, d.fresh)
		}
		b.mu.Lock()
		if err != nil && b.err == nil {
			b.err = err
		}
		for _, dir := range dirs {
			b.dirs[dir] = true
		}
		if st.tmp != "" {
			b.staged = append(b.staged, st)
		}
		b.mu.Unlock()
	}
}

// Sync waits until every queued document is written, then makes them
// durable under their names (see Batch). It returns the first error of
// any write or sync; the batch is over either way.
func (b *Batch) Sync() error {
	if !b.finish() {
		return errors.New("docstore: batch already finished")
	}
	return b.synced()
}

// synced is Sync once the batch's writers are done.
func (b *Batch) synced() error {
	if b.after != nil {
		if err := b.after.Wait(); err != nil && b.err == nil {
			b.err = err
		}
	}
	if b.err != nil {
		b.removeStaged()
		return b.err
	}
	if b.wholeFS {
		return b.syncStaged()
	}
	dirs := make(chan string)
	var wg sync.WaitGroup
	for range min(batchWorkers(false), len(b.dirs)) {
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

// syncStaged syncs the file system (the temporary files' bytes and the
// new directories), renames each file to its name, and syncs again (the
// names).
func (b *Batch) syncStaged() error {
	if len(b.staged) == 0 {
		return nil
	}
	if err := syncFS(b.s.root); err != nil {
		b.removeStaged()
		return fmt.Errorf("docstore: sync: %w", err)
	}
	for i, st := range b.staged {
		if err := os.Rename(st.tmp, st.final); err != nil {
			b.staged = b.staged[i:]
			b.removeStaged()
			return fmt.Errorf("docstore: rename: %w", err)
		}
	}
	b.staged = nil
	if err := syncFS(b.s.root); err != nil {
		return fmt.Errorf("docstore: sync: %w", err)
	}
	return nil
}

// removeStaged deletes the temporary files not renamed.
func (b *Batch) removeStaged() {
	for _, st := range b.staged {
		_ = os.Remove(st.tmp)
	}
	b.staged = nil
}

// Discard ends a batch whose transaction will not commit: it waits for
// the writes under way; files already under their names stay,
// unreferenced, and temporary ones are removed. After Sync it does
// nothing.
func (b *Batch) Discard() {
	if b.finish() {
		b.removeStaged()
	}
}

// finish stops the writers once and waits for them; false when the batch
// was already over.
func (b *Batch) finish() bool {
	if !b.stop() {
		return false
	}
	b.wg.Wait()
	return true
}

// stop takes no more Puts and lets the writers end once the queue is
// written; false when the batch was already over.
func (b *Batch) stop() bool {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return false
	}
	b.done = true
	b.mu.Unlock()
	close(b.work)
	return true
}

// doc is a queued document.
type doc struct {
	sha   string
	data  []byte
	fresh bool // PutNew's: not looked for first
}

// stage writes data, whose hash is sha, to a temporary file in its
// directory (0600, as os.CreateTemp makes it), synced when syncFile;
// nothing when the document is already stored, unless fresh (not looked
// for). dirs are the directories whose new entries makeDirs made (see
// there).
func (s *Store) stage(sha string, data []byte, syncFile, fresh bool) (st staged, dirs []string, err error) {
	dir, final, _ := s.path(sha)
	if !fresh {
		if ok, _ := s.Has(sha); ok {
			return staged{}, nil, nil
		}
	}
	if dirs, err = s.makeDirs(dir); err != nil {
		return staged{}, nil, err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return staged{}, nil, fmt.Errorf("docstore: temp file: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		err = fmt.Errorf("docstore: write: %w", err)
	} else if syncFile {
		if err = tmp.Sync(); err != nil {
			err = fmt.Errorf("docstore: sync: %w", err)
		}
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("docstore: close: %w", cerr)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return staged{}, nil, err
	}
	return staged{tmp: tmp.Name(), final: final}, dirs, nil
}

// write stores data, whose hash is sha, like Put without syncing
// directories: the file synced, then renamed to its name. dirs are those
// that got a new entry (the file's directory, and the root when it
// created that directory), to be synced before a row names the document;
// none when the file was already there (and looked for: not fresh).
func (s *Store) write(sha string, data []byte, fresh bool) (dirs []string, err error) {
	st, dirs, err := s.stage(sha, data, true, fresh)
	if err != nil || st.tmp == "" {
		return nil, err
	}
	if err := os.Rename(st.tmp, st.final); err != nil {
		_ = os.Remove(st.tmp)
		return nil, fmt.Errorf("docstore: rename: %w", err)
	}
	return append(dirs, filepath.Dir(st.final)), nil
}

// makeDirs creates dir (root/ab) if needed and returns the directory
// whose new entry needs a sync (root) when it made it. A directory
// another writer is making at the same moment is that writer's to sync.
func (s *Store) makeDirs(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, nil
	}
	switch err := os.Mkdir(dir, 0o700); {
	case err == nil:
		return []string{filepath.Dir(dir)}, nil
	case errors.Is(err, fs.ErrExist):
		return nil, nil
	default:
		return nil, fmt.Errorf("docstore: create dir: %w", err)
	}
}
