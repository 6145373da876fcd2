package ingest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestEveryReasonHasALabel reads the Reason constants from decision.go, so
// a code added there without a label fails here.
func TestEveryReasonHasALabel(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "decision.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Reason") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		code, _ := strconv.Unquote(lit.Value)
		n++
		if _, ok := reasonLabels[code]; !ok {
			t.Errorf("reason %s (%q) has no label", vs.Names[0].Name, code)
		}
		return true
	})
	if n < 10 {
		t.Fatalf("found %d reason constants in decision.go, want them all", n)
	}
	if got := ReasonLabel("blacklisted_content"); got != "Blacklisted content" {
		t.Errorf("an unknown code reads %q, want words", got)
	}
}
