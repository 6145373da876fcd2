package demo

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStandInsStayOutOfProduction checks that no production package but
// the command and this one imports the demo or its stand-ins: serve's
// code paths never reach them.
func TestStandInsStayOutOfProduction(t *testing.T) {
	standIns := []string{"/internal/demo", "/internal/oauth/oauthtest", "/internal/mailbox/imaptest"}
	allowed := func(dir string) bool {
		for _, a := range []string{"cmd/oauthimap", "internal/demo", "internal/oauth/oauthtest", "internal/mailbox/imaptest"} {
			if dir == a {
				return true
			}
		}
		return false
	}
	root := "../.."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, s := range standIns {
				if strings.HasSuffix(p, s) && !allowed(filepath.ToSlash(rel)) {
					t.Errorf("%s imports %s: the demo's stand-ins must stay in cmd/oauthimap", path, p)
				}
			}
		}
		return nil
	})
	if err != nil || checked < 50 {
		t.Fatalf("walked %d files (%v)", checked, err)
	}
}
