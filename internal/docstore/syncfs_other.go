//go:build !linux

package docstore

import "errors"

// syncWholeFS: without syncfs(2) a Batch syncs each file and directory.
var syncWholeFS = false

var syncFS = func(string) error { return errors.ErrUnsupported }

func wholeFSSync(string) bool { return false }
