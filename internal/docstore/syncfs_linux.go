package docstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncWholeFS: a Batch syncs the file system once instead of each file.
var syncWholeFS = true

// syncFS writes every file and directory of the file system holding dir
// to disk (syncfs(2)); it reports write-back errors since Linux 5.8. A
// variable so tests can see the order of syncs and renames.
var syncFS = func(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
