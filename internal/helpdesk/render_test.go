package helpdesk

import (
	"strings"
	"testing"
)

func TestRenderHTML(t *testing.T) {
	inline := func(cid string) (string, bool) {
		if cid == "img1@x" {
			return "/documents/42", true
		}
		return "", false
	}
	content := `<p style="color:red">Hi</p><img data-cid="img1@x" alt="shot"><img data-cid="gone@x"><img data-remote-src="https://t.example/p.gif?a=1&amp;b=2">`
	tests := []struct {
		name        string
		showRemote  bool
		contains    []string
		notContains []string
		blocked     int
	}{
		{"remote blocked", false, []string{`src="/documents/42"`, `<p>Hi</p>`}, []string{` src="https://`, "style="}, 1},
		{"remote shown", true, []string{`src="/documents/42"`, `src="https://t.example/p.gif?a=1&amp;b=2"`}, []string{"style="}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderHTML(content, inline, tt.showRemote)
			for _, c := range tt.contains {
				if !strings.Contains(got.HTML, c) {
					t.Errorf("got %s, want it to contain %s", got.HTML, c)
				}
			}
			for _, c := range tt.notContains {
				if strings.Contains(got.HTML, c) {
					t.Errorf("got %s, want no %s", got.HTML, c)
				}
			}
			if got.BlockedImages != tt.blocked {
				t.Errorf("got %d blocked images, want %d", got.BlockedImages, tt.blocked)
			}
			if strings.Count(got.HTML, " src=") != 1+(1-tt.blocked) {
				t.Errorf("got %s: an image without a known document must stay without src", got.HTML)
			}
		})
	}
	// A data-remote-src that is not http(s) never becomes a src.
	if got := RenderHTML(`<img data-remote-src="javascript:alert(1)">`, inline, true); strings.Contains(got.HTML, " src=") {
		t.Fatalf("got %s", got.HTML)
	}
}
