package collector

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// instanceFile holds an instance's lease owner name in its data dir.
const instanceFile = "instance.id"

// StableInstance returns the lease owner name kept in dir (created on
// first use), so that a restarted process is recognised as the owner of
// the leases it left when it was killed, and takes them back at once. The
// file stays locked while the returned Closer is open: a second process
// started on the same data dir (a shared volume) gets a fresh name of its
// own instead of sharing one, and fresh reports it.
func StableInstance(dir string) (name string, fresh bool, closer io.Closer, err error) {
	path := filepath.Join(dir, instanceFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", false, nil, fmt.Errorf("collector: instance name: %w", err)
	}
	locked, err := lockFile(f)
	if err != nil {
		f.Close()
		return "", false, nil, fmt.Errorf("collector: instance name: lock %s: %w", path, err)
	}
	if !locked {
		f.Close()
		return defaultInstance(), true, io.NopCloser(nil), nil
	}
	b, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		f.Close()
		return "", false, nil, fmt.Errorf("collector: instance name: %w", err)
	}
	name = strings.TrimSpace(string(b))
	if name != "" && validInstance(name) {
		return name, false, f, nil
	}
	name = defaultInstance()
	if err := rewrite(f, name+"\n"); err != nil {
		f.Close()
		return "", false, nil, fmt.Errorf("collector: instance name: write %s: %w", path, err)
	}
	return name, true, f, nil
}

// validInstance accepts what defaultInstance writes, or a name someone
// typed into the file (printable, no spaces, fits the lease_owner column).
func validInstance(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

func rewrite(f *os.File, s string) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(s), 0); err != nil {
		return err
	}
	return f.Sync()
}
