package collector

import (
	"testing"

	"github.com/oauthimap/oauthimap/internal/mailbox"
)

func TestClassLabelsAreWords(t *testing.T) {
	classes := []string{ClassReauth, ClassInternal, string(mailbox.ClassNetwork), string(mailbox.ClassTLS),
		string(mailbox.ClassAuthentication), string(mailbox.ClassMailboxPermission), string(mailbox.ClassFolderMissing),
		string(mailbox.ClassServerLimit), string(mailbox.ClassConfig), string(mailbox.ClassOther)}
	seen := map[string]string{}
	for _, c := range classes {
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
