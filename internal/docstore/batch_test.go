package docstore

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBatchStoresEveryDocumentBySync: Sync returns once every queued
// document is in place whole under its hash, with no temporary file left;
// a document queued twice, or already stored, is written once.
func TestBatchStoresEveryDocumentBySync(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old, err := s.Put([]byte("stored before the batch"))
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	var docs [][]byte
	for i := range 50 {
		docs = append(docs, bytes.Repeat([]byte{byte('a' + i%26), byte(i)}, 1000+i))
	}
	docs = append(docs, docs[3], []byte("stored before the batch"))
	var shas []string
	for _, d := range docs {
		sha, err := b.Put(d)
		if err != nil {
			t.Fatal(err)
		}
		if sha != Sum(d) {
			t.Fatalf("Put returned %s, want %s", sha, Sum(d))
		}
		shas = append(shas, sha)
	}
	if shas[len(shas)-1] != old {
		t.Fatalf("the stored document came back as %s, want %s", shas[len(shas)-1], old)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	for i, sha := range shas {
		rc, err := s.Open(sha)
		if err != nil {
			t.Fatalf("document %d after Sync: %v", i, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, docs[i]) {
			t.Fatalf("document %d: %d bytes back, want %d", i, len(got), len(docs[i]))
		}
	}
	files := storedFiles(s)
	for _, p := range files {
		if strings.HasPrefix(filepath.Base(p), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
	}
	if len(files) != 51 { // 50 new, the repeat once, the old one once
		t.Fatalf("%d files in the store, want 51", len(files))
	}
	if _, err := b.Put([]byte("late")); err == nil {
		t.Fatal("Put after Sync was accepted")
	}
	b.Discard() // after Sync: nothing
}

// TestBatchReportsAFailedWrite: a write that fails (here a file standing
// where the document's directory must go) makes Sync fail, so the caller
// never commits a row naming a document that is not on disk.
func TestBatchReportsAFailedWrite(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a document whose directory is blocked")
	sha := Sum(data)
	if err := os.WriteFile(filepath.Join(s.Root(), sha[:2]), []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	if _, err := b.Put([]byte("another document")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(data); err != nil {
		t.Fatal(err) // written in the background: the failure shows at Sync
	}
	if err := b.Sync(); err == nil {
		t.Fatal("Sync succeeded although a document could not be written")
	}
	if ok, _ := s.Has(sha); ok {
		t.Fatal("the failed document is in the store")
	}
}

// TestBatchDiscard: a discarded batch waits for its writes and takes no
// more; Sync after it refuses.
func TestBatchDiscard(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	if _, err := b.Put([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	if err := b.Sync(); err == nil {
		t.Fatal("Sync after Discard succeeded")
	}
	if _, err := b.Put([]byte("y")); err == nil {
		t.Fatal("Put after Discard was accepted")
	}
}

// TestBatchAfterKeptWritesOnlyWhatIsNew: a batch made after a kept one
// (documents queued ahead of their transaction) does not queue what the
// kept one holds, writes the rest, and its Sync returns only once both
// are durable, with every document whole under its hash.
func TestBatchAfterKeptWritesOnlyWhatIsNew(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ahead := s.NewBatch()
	var kept [][]byte
	for i := range 20 {
		kept = append(kept, bytes.Repeat([]byte{byte('k'), byte(i)}, 4000))
		if _, err := ahead.Put(kept[i]); err != nil {
			t.Fatal(err)
		}
	}
	k := ahead.SyncLater()
	if _, err := ahead.Put([]byte("late")); err == nil {
		t.Fatal("Put after SyncLater was accepted")
	}
	b := s.NewBatchAfter(k)
	fresh := []byte("decided again in the transaction: not kept ahead")
	for _, d := range append(slices.Clone(kept), fresh) {
		sha, err := b.Put(d)
		if err != nil || sha != Sum(d) {
			t.Fatalf("Put: %s, %v; want %s", sha, err, Sum(d))
		}
	}
	b.mu.Lock()
	queued, freshQueued := len(b.queued), b.queued[Sum(fresh)]
	b.mu.Unlock()
	if queued != 1 || !freshQueued {
		t.Fatalf("the batch after queued %d documents, want only the one not kept", queued)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-k.done:
	default:
		t.Fatal("Sync returned before the kept batch was durable")
	}
	for i, d := range append(kept, fresh) {
		rc, err := s.Open(Sum(d))
		if err != nil {
			t.Fatalf("document %d after Sync: %v", i, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, d) {
			t.Fatalf("document %d: %d bytes back, want %d", i, len(got), len(d))
		}
	}
}

// TestBatchAfterKnowsKeptSums: a slice Put ahead is not hashed again by
// the batch after (the collector's writer saves the very slices it kept
// ahead); another slice of the same bytes, or a shorter slice of the same
// memory, is hashed as any other.
func TestBatchAfterKnowsKeptSums(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ahead := s.NewBatch()
	mail := bytes.Repeat([]byte("a kept mail "), 1000)
	want := Sum(mail)
	if _, err := ahead.Put(mail); err != nil {
		t.Fatal(err)
	}
	k := ahead.SyncLater()
	if err := k.Wait(); err != nil {
		t.Fatal(err)
	}
	b := s.NewBatchAfter(k)
	defer b.Discard()
	// Not hashed again: the slice's sum is the one kept, even with its
	// bytes changed (which Put's callers must not do; no writer reads
	// them here).
	mail[0] = 'A'
	if sha, err := b.Put(mail); err != nil || sha != want {
		t.Fatalf("the kept slice: Put returned %s, %v; want the kept sum %s", sha, err, want)
	}
	mail[0] = 'a'
	copied := slices.Clone(mail)
	prefix := mail[:len(mail)-1]
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"the same bytes elsewhere", copied, want},
		{"a shorter slice of the same memory", prefix, Sum(prefix)},
	} {
		if sha, err := b.Put(c.data); err != nil || sha != c.want {
			t.Fatalf("%s: Put returned %s, %v; want %s", c.name, sha, err, c.want)
		}
	}
	b.mu.Lock()
	queued := len(b.queued)
	b.mu.Unlock()
	if queued != 1 {
		t.Fatalf("the batch after queued %d documents, want only the shorter slice", queued)
	}
}

// TestBatchAfterAFailedKeptFails: when a document kept ahead could not be
// written, the batch after it fails its Sync (its transaction must not
// commit a row naming that document), although its own writes succeeded.
func TestBatchAfterAFailedKeptFails(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a kept document whose directory is blocked")
	if err := os.WriteFile(filepath.Join(s.Root(), Sum(data)[:2]), []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	ahead := s.NewBatch()
	if _, err := ahead.Put(data); err != nil {
		t.Fatal(err)
	}
	k := ahead.SyncLater()
	b := s.NewBatchAfter(k)
	if _, err := b.Put(data); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put([]byte("its own document")); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err == nil {
		t.Fatal("Sync succeeded although a kept document was not written")
	}
	if k.Wait() == nil {
		t.Fatal("the kept batch reports no error")
	}
}

// TestBatchPutSumTakesTheCallersHash: a document put with its hash is
// stored under it whole and queued once whatever the hash's case; a
// malformed hash is refused and queues nothing; "" is Put.
func TestBatchPutSumTakesTheCallersHash(t *testing.T) {
	s := newStore(t)
	b := s.NewBatch()
	data := []byte("a mail hashed by its caller")
	sum := Sum(data)
	for _, given := range []string{sum, strings.ToUpper(sum), ""} {
		sha, err := b.PutSum(data, given)
		if err != nil || sha != sum {
			t.Fatalf("PutSum(%q) = %q, %v; want %s", given, sha, err, sum)
		}
	}
	for _, bad := range []string{"../../etc/passwd", sum[:63], sum[:63] + "g"} {
		if _, err := b.PutSum([]byte("other"), bad); err == nil {
			t.Fatalf("PutSum with hash %q was accepted", bad)
		}
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, sum); !bytes.Equal(got, data) {
		t.Fatalf("stored %q, want %q", got, data)
	}
	if files := storedFiles(s); len(files) != 1 {
		t.Fatalf("%d files in the store, want 1 (the document, once): %v", len(files), files)
	}
}

// storedFiles lists every file under the store's root.
func storedFiles(s *Store) []string {
	var files []string
	_ = filepath.WalkDir(s.Root(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// TestBatchPutNewDoesNotLookFirst: PutSum leaves a stored document's file
// as it is (found first), PutNew writes it again without looking, whole
// under the same name (another file, the same bytes), with no temporary
// file left.
func TestBatchPutNewDoesNotLookFirst(t *testing.T) {
	s := newStore(t)
	data := []byte("a mail the ledger has never seen")
	sha, err := s.Put(data)
	if err != nil {
		t.Fatal(err)
	}
	_, final, _ := s.path(sha)
	stored := func() os.FileInfo {
		t.Helper()
		fi, err := os.Stat(final)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	first := stored()
	for _, fresh := range []bool{false, true} {
		b := s.NewBatch()
		put := b.PutSum
		if fresh {
			put = b.PutNew
		}
		if got, err := put(data, sha); err != nil || got != sha {
			t.Fatalf("fresh %v: %q, %v", fresh, got, err)
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		if same := os.SameFile(first, stored()); same == fresh {
			t.Fatalf("fresh %v: the stored file was kept: %v", fresh, same)
		}
	}
	if got := readAll(t, s, sha); !bytes.Equal(got, data) {
		t.Fatalf("after PutNew: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(final))
	if len(entries) != 1 {
		t.Fatalf("%d entries beside the document, want only it", len(entries))
	}
}
