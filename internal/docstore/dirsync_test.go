package docstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recordSyncs replaces syncDir for the test and returns the directories
// synced so far, sorted.
func recordSyncs(t *testing.T) func() []string {
	var (
		mu  sync.Mutex
		got []string
	)
	real := syncDir
	syncDir = func(dir string) {
		mu.Lock()
		got = append(got, dir)
		mu.Unlock()
		real(dir)
	}
	t.Cleanup(func() { syncDir = real })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := slices.Clone(got)
		got = got[:0]
		slices.Sort(out)
		return out
	}
}

// TestPutSyncsEveryNewDirectory: a crash after Put returned keeps the
// document reachable, so Put syncs the file's directory and, when it had
// to create that directory, the root that holds it (without that a crash
// may lose ab/ and with it a synced file).
func TestPutSyncsEveryNewDirectory(t *testing.T) {
	synced := recordSyncs(t)
	s := newStore(t)
	data := []byte("first document")
	sha, err := s.Put(data)
	if err != nil {
		t.Fatal(err)
	}
	top := filepath.Join(s.Root(), sha[:2])
	if got, want := synced(), []string{s.Root(), top}; !slices.Equal(got, want) {
		t.Fatalf("a fresh store synced %q, want %q", got, want)
	}
	if _, err := s.Put(data); err != nil {
		t.Fatal(err)
	}
	if got := synced(); len(got) != 0 {
		t.Fatalf("storing a present document synced %q, want nothing", got)
	}
	// A second document in the same ab/: only ab/.
	var other []byte
	for i := 0; ; i++ {
		other = fmt.Appendf(nil, "other %d", i)
		if o := Sum(other); o[:2] == sha[:2] && o != sha {
			break
		}
	}
	if _, err := s.Put(other); err != nil {
		t.Fatal(err)
	}
	if got, want := synced(), []string{top}; !slices.Equal(got, want) {
		t.Fatalf("a new document in an existing ab/ synced %q, want %q", got, want)
	}
}

// TestBatchSyncsEveryNewDirectory: Sync syncs, once each, every directory
// that got a new entry: the files' directories and the parents of the
// directories the batch created.
func TestBatchSyncsEveryNewDirectory(t *testing.T) {
	// The way of file systems that cannot be synced as a whole.
	defer func(was bool) { syncWholeFS = was }(syncWholeFS)
	syncWholeFS = false
	synced := recordSyncs(t)
	s := newStore(t)
	b := s.NewBatch()
	want := map[string]bool{s.Root(): true}
	for i := range 40 {
		sha, err := b.Put(fmt.Appendf(nil, "document %d", i))
		if err != nil {
			t.Fatal(err)
		}
		want[filepath.Join(s.Root(), sha[:2])] = true
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	got := synced()
	wantList := make([]string, 0, len(want))
	for d := range want {
		wantList = append(wantList, d)
	}
	slices.Sort(wantList)
	if !slices.Equal(got, wantList) {
		t.Fatalf("Sync synced %d directories %q, want %d %q", len(got), got, len(wantList), wantList)
	}
}

// TestBatchSyncsBytesBeforeNames: where the file system is synced as a
// whole, Sync syncs it while every document is still under a temporary
// name (so a crash can never leave a final name on part of a file), then
// renames, then syncs the names; no directory is synced one by one.
func TestBatchSyncsBytesBeforeNames(t *testing.T) {
	dirs := recordSyncs(t)
	s := newStore(t)
	if !wholeFSSync(s.Root()) {
		t.Skip("this platform or file system syncs each file (no syncfs, or not a local file system)")
	}
	var shas []string
	var calls [][2]int // per syncFS call: documents under their names, temporary files
	real := syncFS
	syncFS = func(dir string) error {
		if dir != s.Root() {
			t.Errorf("synced %s, want the store's root %s", dir, s.Root())
		}
		named, tmp := 0, 0
		for _, sha := range shas {
			if ok, _ := s.Has(sha); ok {
				named++
			}
		}
		_ = filepath.WalkDir(s.Root(), func(p string, d os.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
				tmp++
			}
			return nil
		})
		calls = append(calls, [2]int{named, tmp})
		return real(dir)
	}
	t.Cleanup(func() { syncFS = real })
	b := s.NewBatch()
	for i := range 30 {
		sha, err := b.Put(fmt.Appendf(nil, "document %d", i))
		if err != nil {
			t.Fatal(err)
		}
		shas = append(shas, sha)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if want := [][2]int{{0, 30}, {30, 0}}; !slices.Equal(calls, want) {
		t.Fatalf("syncs saw (named, temporary) %v, want %v: bytes synced before any name, names synced after", calls, want)
	}
	if got := dirs(); len(got) != 0 {
		t.Fatalf("directories synced one by one: %q", got)
	}
	// A failing sync stores nothing under a name and leaves no temporary file.
	syncFS = func(string) error { return errors.New("disk gone") }
	b = s.NewBatch()
	sha, _ := b.Put([]byte("not kept"))
	if err := b.Sync(); err == nil {
		t.Fatal("Sync succeeded although the file system could not be synced")
	}
	if ok, _ := s.Has(sha); ok {
		t.Fatal("a document whose bytes were not synced is under its name")
	}
	_ = filepath.WalkDir(s.Root(), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}
