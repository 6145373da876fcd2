package collector

import (
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

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
