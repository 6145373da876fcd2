package collector

import "github.com/oauthimap/oauthimap/internal/mailbox"

// ClassLabel names a job's error class (see Classify) in a few words.
func ClassLabel(class string) string {
	switch class {
	case ClassReauth:
		return "Re-authorization needed"
	case ClassInternal:
		return "Internal error"
	}
	return mailbox.ErrorClass(class).Label()
}
