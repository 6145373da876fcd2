package docstore

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestWholeFSSyncOnlyOnLocalFileSystems: a batch syncs the file system as
// a whole only on the local file systems listed; elsewhere (here /proc, a
// file system outside the list as NFS is) it syncs each file.
func TestWholeFSSyncOnlyOnLocalFileSystems(t *testing.T) {
	dir := t.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if got, want := wholeFSSync(dir), localFileSystems[int64(st.Type)]; got != want {
		t.Fatalf("temporary directory (file system %#x): whole %v, want %v", st.Type, got, want)
	}
	if wholeFSSync("/proc") {
		t.Fatal("/proc would be synced as a whole")
	}
	if wholeFSSync("/no/such/directory") {
		t.Fatal("a root that cannot be read would be synced as a whole")
	}
	defer func(was bool) { syncWholeFS = was }(syncWholeFS)
	syncWholeFS = false
	if wholeFSSync(dir) {
		t.Fatal("turned off, yet synced as a whole")
	}
}
