package docstore

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "docs"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func readAll(t *testing.T, s *Store, sha string) []byte {
	t.Helper()
	rc, err := s.Open(sha)
	if err != nil {
		t.Fatalf("Open(%s): %v", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return b
}

func TestPutOpenRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{name: "empty", data: nil},
		{name: "text", data: []byte("hello helpdesk\n")},
		{name: "binary 1 MB", data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sha, err := s.Put(tt.data)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if want := Sum(tt.data); sha != want {
				t.Fatalf("got sha %s, want %s", sha, want)
			}
			want := filepath.Join(s.Root(), sha[:2], sha)
			if _, err := os.Stat(want); err != nil {
				t.Fatalf("got no file at %s: %v", want, err)
			}
			if got := readAll(t, s, sha); !bytes.Equal(got, tt.data) {
				t.Fatalf("got %d bytes back, want %d", len(got), len(tt.data))
			}
			has, err := s.Has(strings.ToUpper(sha))
			if err != nil || !has {
				t.Fatalf("got Has(upper)=%v,%v, want true,nil", has, err)
			}
		})
	}
}

func TestPutIdempotent(t *testing.T) {
	s := newStore(t)
	data := []byte("same bytes")
	first, err := s.Put(data)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sha, err := s.Put(data)
			if err != nil || sha != first {
				t.Errorf("got %s,%v, want %s,nil", sha, err, first)
			}
		}()
	}
	wg.Wait()
	entries, err := os.ReadDir(filepath.Join(s.Root(), first[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != first {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("got files %v, want only %s (no temp files left)", names, first)
	}
}

func TestBadHashRefused(t *testing.T) {
	s := newStore(t)
	outside := filepath.Join(filepath.Dir(s.Root()), "secret")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sha  string
	}{
		{name: "empty", sha: ""},
		{name: "traversal", sha: "../secret"},
		{name: "traversal padded to 64", sha: "../../" + strings.Repeat("a", 58)},
		{name: "too short", sha: strings.Repeat("a", 63)},
		{name: "too long", sha: strings.Repeat("a", 65)},
		{name: "not hex", sha: strings.Repeat("g", 64)},
		{name: "slash inside", sha: strings.Repeat("a", 30) + "/" + strings.Repeat("a", 33)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Open(tt.sha); !errors.Is(err, ErrBadHash) {
				t.Errorf("Open: got %v, want ErrBadHash", err)
			}
			if _, err := s.Has(tt.sha); !errors.Is(err, ErrBadHash) {
				t.Errorf("Has: got %v, want ErrBadHash", err)
			}
			if err := s.Delete(tt.sha); !errors.Is(err, ErrBadHash) {
				t.Errorf("Delete: got %v, want ErrBadHash", err)
			}
		})
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatalf("file outside the root was touched: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s := newStore(t)
	sha, err := s.Put([]byte("to delete"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(sha); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if has, _ := s.Has(sha); has {
		t.Fatalf("got Has=true after Delete, want false")
	}
	if _, err := s.Open(sha); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete: got %v, want ErrNotFound", err)
	}
	if err := s.Delete(sha); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: got %v, want ErrNotFound", err)
	}
	if _, err := s.Put([]byte("to delete")); err != nil {
		t.Fatalf("Put after Delete: %v", err)
	}
	if has, _ := s.Has(sha); !has {
		t.Fatalf("got Has=false after re-Put, want true")
	}
}

func TestFilesArePrivate(t *testing.T) {
	s := newStore(t)
	sha, err := s.Put([]byte("private"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.Root(), sha[:2], sha))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("got mode %o, want 600", got)
	}
}

// TestTwoLevelDocumentsStayReadable: a document stored where stores used
// to put them (root/ab/cd/<sha>) is found, opened, kept once (storing the
// same bytes again writes no second copy) and deleted.
func TestTwoLevelDocumentsStayReadable(t *testing.T) {
	s := newStore(t)
	data := []byte("stored by an earlier version")
	sha := Sum(data)
	old := filepath.Join(s.Root(), sha[:2], sha[2:4], sha)
	if err := os.MkdirAll(filepath.Dir(old), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if has, err := s.Has(sha); err != nil || !has {
		t.Fatalf("Has = %v, %v; want true", has, err)
	}
	if got := readAll(t, s, sha); !bytes.Equal(got, data) {
		t.Fatalf("got %q back", got)
	}
	if _, err := s.Put(data); err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	if _, err := b.Put(data); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), sha[:2], sha)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("storing the bytes again wrote a second copy (%v)", err)
	}
	if err := s.Delete(sha); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the old file is still there after Delete (%v)", err)
	}
	if err := s.Delete(sha); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
}
