// Package docstore keeps the bytes of documents (attachments, inline images,
// original messages) on disk, addressed by their SHA-256, so a file sent
// twice is stored once and a path can never be chosen by a sender.
//
// Layout: root/ab/<sha256 hex>, where ab is the first pair of hex digits:
// 256 directories, made once (a directory per pair of pairs, as stores
// before this one were laid out, cost a new directory for most documents
// of a young store; ext4 and XFS look names up in large directories by
// hash). Documents stored under root/ab/cd/<sha256 hex> before stay there
// and are found there. Several instances may share one root (a network
// file system): every write goes to a temporary file in the target
// directory, is synced, then renamed, so a reader sees either nothing or
// the whole file.
package docstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotFound is returned by Open and Delete when no document has this hash.
var ErrNotFound = errors.New("docstore: document not found")

// ErrBadHash is returned when a hash is not 64 lower- or upper-case hex digits.
var ErrBadHash = errors.New("docstore: invalid sha256")

// Store is a content-addressed file store rooted at one directory.
type Store struct {
	root string
}

// New returns a Store under root, creating the directory (0700) if needed.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("docstore: empty root directory")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("docstore: root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("docstore: create root: %w", err)
	}
	return &Store{root: abs}, nil
}

// Root returns the absolute directory the store writes under.
func (s *Store) Root() string { return s.root }

// Sum returns the lower-case hex SHA-256 of data, the key Put stores it under.
func Sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// ValidHash reports whether sha is a well-formed SHA-256 in hex. Only such
// strings ever become paths, which is what rules out path traversal.
func ValidHash(sha string) bool {
	if len(sha) != 64 {
		return false
	}
	for i := 0; i < len(sha); i++ {
		c := sha[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// path maps a validated hash to its directory and file, normalising to
// lower case so the same document never exists twice under two spellings.
func (s *Store) path(sha string) (string, string, error) {
	if !ValidHash(sha) {
		return "", "", ErrBadHash
	}
	sha = lower(sha)
	dir := filepath.Join(s.root, sha[0:2])
	return dir, filepath.Join(dir, sha), nil
}

// paths returns where a document may be: its place, then where stores
// laid out in two levels put it (root/ab/cd/<sha>).
func (s *Store) paths(sha string) ([2]string, error) {
	dir, p, err := s.path(sha)
	if err != nil {
		return [2]string{}, err
	}
	return [2]string{p, filepath.Join(dir, lower(sha[2:4]), lower(sha))}, nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// Put stores data and returns its SHA-256 in hex. Storing bytes that are
// already present is a no-op, so retries and duplicates are cheap.
func (s *Store) Put(data []byte) (string, error) {
	sha := Sum(data)
	dirs, err := s.write(sha, data, false)
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		syncDir(d)
	}
	return sha, nil
}

// syncDir makes a new entry of dir (a renamed file, a new subdirectory)
// durable; some file systems refuse to sync a directory, and the data
// itself is already synced, so errors are ignored. A variable so tests
// can see which directories are synced.
var syncDir = func(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Open returns the document's bytes; the caller closes the reader.
func (s *Store) Open(sha string) (io.ReadCloser, error) {
	ps, err := s.paths(sha)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("docstore: open: %w", err)
		}
		return f, nil
	}
	return nil, ErrNotFound
}

// Has reports whether a document with this hash is stored.
func (s *Store) Has(sha string) (bool, error) {
	ps, err := s.paths(sha)
	if err != nil {
		return false, err
	}
	for _, p := range ps {
		_, err = os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("docstore: stat: %w", err)
		}
		return true, nil
	}
	return false, nil
}

// Delete removes the document. The caller decides that no ticket still
// refers to it: the store itself keeps no reference counts.
func (s *Store) Delete(sha string) error {
	ps, err := s.paths(sha)
	if err != nil {
		return err
	}
	for _, p := range ps {
		err = os.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("docstore: delete: %w", err)
		}
		return nil
	}
	return ErrNotFound
}
