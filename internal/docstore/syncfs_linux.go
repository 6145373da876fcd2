package docstore

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncWholeFS: a Batch may sync the file system once instead of each
// file (tests turn it off to see the other way).
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

// localFileSystems are the file systems whose syncfs is known to make
// everything written before it durable. On others (NFS, SMB, FUSE…) a
// Batch syncs each file and directory, as Put does.
var localFileSystems = map[int64]bool{
	unix.EXT4_SUPER_MAGIC:  true, // ext2, ext3 and ext4 share it
	unix.XFS_SUPER_MAGIC:   true,
	unix.BTRFS_SUPER_MAGIC: true,
	unix.TMPFS_MAGIC:       true,
	unix.F2FS_SUPER_MAGIC:  true,
	0x2fc12fc1:             true, // ZFS
}

// wholeFSSync reports whether a Batch under root syncs the file system as
// a whole.
func wholeFSSync(root string) bool {
	if !syncWholeFS {
		return false
	}
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return false
	}
	return localFileSystems[int64(st.Type)]
}
