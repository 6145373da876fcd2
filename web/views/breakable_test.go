package views

import (
	"context"
	"strings"
	"testing"
)

func TestBreakable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"helpdesk@example.com", "helpdesk@<wbr>example.<wbr>com"},
		{"a-b_c/d", "a-<wbr>b_<wbr>c/<wbr>d"},
		{"plain", "plain"},
		{"ends.", "ends."},
		{"<x@y>", "&lt;x@<wbr>y&gt;"},
		{"", ""},
	} {
		var b strings.Builder
		if err := Breakable(tc.in).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != tc.want {
			t.Errorf("Breakable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
