package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzEvaluate compiles a rule from a random pattern and evaluates it on a
// mail made of random text (seeded with the ingest corpus): no panic, and
// the evaluation stays fast (RE2 is linear: no catastrophic backtracking).
func FuzzEvaluate(f *testing.F) {
	files, _ := filepath.Glob("../ingest/testdata/corpus/*.eml")
	for i, p := range files {
		if i%4 != 0 {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) > 16<<10 {
			continue
		}
		f.Add(`/(\w+)@(\w+)/i`, string(raw))
	}
	f.Add(`(a+)+$`, strings.Repeat("a", 5000)+"!")
	f.Add(`/^(?!.*no).+$/i`, "auto-generated")
	f.Add(`/[CAT:(\w+)]/`, "[CAT:Printer]")
	f.Add(`/x/imsu`, "")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		if len(text) > 16<<10 || len(pattern) > 1<<10 {
			return
		}
		head, body, _ := strings.Cut(text, "\n\n")
		var hs []Header
		for _, line := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(line, ":")
			hs = append(hs, Header{k, v})
		}
		m := Mail{From: "a@example.com", To: []string{text}, Subject: head, Body: body, Headers: hs, Size: int64(len(text))}
		var rs []Rule
		for i, f := range Fields {
			for j, c := range Conditions {
				r := Rule{Ranking: i*100 + j, Name: "r", Active: true, Match: MatchAny,
					Criteria: []Criterion{{Field: f, Header: "X-Test", Condition: c, Pattern: pattern}},
					Actions:  []Action{{Kind: ActCategory, Value: "#0 #1", FromRegex: true}, {Kind: ActExternalID, Value: "#0", FromRegex: true}}}
				rs = append(rs, r)
				_ = Validate(r)
			}
		}
		s, _ := Compile(rs)
		s.StopOnFirstMatch = false
		start := time.Now()
		res := s.Evaluate(context.Background(), m, 1, newEnv())
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("evaluation took %v for %d bytes", d, len(text))
		}
		if len(res.Trace) != s.Len() {
			t.Errorf("trace has %d rules, want %d", len(res.Trace), s.Len())
		}
	})
}
