package collector

import (
	"slices"
	"testing"

	"github.com/oauthimap/oauthimap/internal/mailbox"
)

func TestClassLabelsAreWords(t *testing.T) {
	seen := map[string]string{}
	for _, c := range Classes() {
		l := ClassLabel(c)
		if l == "" || l == c {
			t.Errorf("class %q is labelled %q, want words", c, l)
		}
		if other, dup := seen[l]; dup {
			t.Errorf("classes %q and %q share the label %q", c, other, l)
		}
		seen[l] = c
	}
	if got := ClassLabel(""); got != "" {
		t.Errorf("no error is labelled %q, want nothing", got)
	}
}

// TestRemedyForEveryJobClass: every class a job records has its own
// remedy, app-only or not.
func TestRemedyForEveryJobClass(t *testing.T) {
	seen := map[string]string{}
	for _, c := range Classes() {
		r := Remedy(c)
		if r == "" {
			t.Errorf("Remedy(%q) is empty", c)
		}
		if prev, dup := seen[r]; dup {
			t.Errorf("Remedy(%q) repeats Remedy(%q)", c, prev)
		}
		seen[r] = c
		if RemedyFor(c, true) == "" {
			t.Errorf("RemedyFor(%q, app-only) is empty", c)
		}
	}
	if !slices.Contains(Classes(), string(mailbox.ClassNetwork)) {
		t.Error("Classes lacks the mailbox package's classes")
	}
}
