package sender

import (
	"errors"
	"fmt"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// errNoSender means the mail's receiver has outgoing mail off, or the mail
// belongs to no receiver and no default sender is set.
var errNoSender = errors.New("sender: no outgoing mail settings")

// errNoAuthorization means an OAuth sender's login has no authorization
// under the receiver's application.
var errNoAuthorization = errors.New("sender: no authorization for the sending address")

// Classify sorts a send error; token failures are sorted by the OAuth
// package (a grant to sign in again is ClassReauthorize).
func Classify(err error) submission.ErrorClass {
	switch {
	case err == nil:
		return submission.ClassNone
	case errors.Is(err, errNoSender):
		return submission.ClassConfig
	case errors.Is(err, errNoAuthorization):
		return submission.ClassReauthorize
	case errors.Is(err, submission.ErrToken):
		switch oauth.Classify(err) {
		case oauth.ReauthRequired:
			return submission.ClassReauthorize
		case oauth.ConfigError:
			return submission.ClassConfig
		default:
			return submission.ClassNetwork
		}
	}
	return submission.Classify(err)
}

// messageLevel reports a class that concerns one mail, not its sender:
// retrying it unchanged fails the same way, and other mail is unaffected.
func messageLevel(c submission.ErrorClass) bool {
	return c == submission.ClassRecipientRefused || c == submission.ClassTooLarge || c == submission.ClassOther
}

// describe is the text kept on the row; no token or password reaches it
// (package submission never puts one in an error, and OAuth errors are
// described by the oauth package's words).
func describe(err error) string {
	if errors.Is(err, submission.ErrToken) {
		if m := oauth.Meaning(err); m != "" {
			return fmt.Sprintf("%s %s (%v)", m, oauth.Remedy(err), err)
		}
	}
	return err.Error()
}

// Remedy says what to do about a class, for the queue page.
func Remedy(c string) string { return submission.Remedy(submission.ErrorClass(c)) }
