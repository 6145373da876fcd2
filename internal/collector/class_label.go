package collector

import (
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Classes is every error class a job can record (see Classify): the
// collector's own, then the mailbox package's.
func Classes() []string {
	out := []string{ClassReauth, ClassInternal}
	for _, c := range mailbox.Classes() {
		out = append(out, string(c))
	}
	return out
}

// ClassLabel names a job's error class (see Classify) in a few words.
func ClassLabel(class string) string {
	switch class {
	case ClassReauth:
		return store.HealthReauth.Label()
	case ClassInternal:
		return "Internal error"
	}
	return mailbox.ErrorClass(class).Label()
}
