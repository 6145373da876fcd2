package collector

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ClassReauth is the error class of a receiver whose authorization needs
// someone to sign in again; the mailbox package's classes cover the rest.
const ClassReauth = string(store.HealthReauth)

// ClassInternal is a job that panicked: a bug.
const ClassInternal = "internal"

// Classify sorts a job's error: a mailbox.ErrorClass, ClassReauth or
// ClassInternal; "" for nil. Token failures are sorted by the OAuth
// package: a grant that needs signing in again is ClassReauth, a provider
// that cannot be reached is a network error, a broken application a
// configuration error.
func Classify(err error) string {
	var p panicError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &p):
		return ClassInternal
	case errors.Is(err, errNoAuthorization):
		return ClassReauth
	case errors.Is(err, mailbox.ErrToken):
		switch oauth.Classify(err) {
		case oauth.ReauthRequired:
			return ClassReauth
		case oauth.ConfigError:
			return string(mailbox.ClassConfig)
		default:
			return string(mailbox.ClassNetwork)
		}
	case errors.Is(err, store.ErrLeaseLost):
		return string(mailbox.ClassOther)
	}
	return string(mailbox.Classify(err))
}

// RemedyFor is Remedy for a receiver that logs in with an app-only
// authorization or not. App-only has nobody to sign in again: when the
// mailbox refuses the login, the application itself needs access to that
// mailbox in Exchange.
func RemedyFor(class string, appOnly bool) string {
	if appOnly {
		switch class {
		case string(mailbox.ClassAuthentication), string(mailbox.ClassMailboxPermission):
			return AppOnlyMailboxRemedy
		case ClassReauth:
			return "The app-only authorization no longer gets a token for this mailbox: open the application's authorizations and create the app-only authorization again (no one signs in); check the client secret and the IMAP.AccessAsApp permission with administrator consent."
		}
	}
	return Remedy(class)
}

// AppOnlyMailboxRemedy is what to do when a mailbox refuses an app-only
// login: Microsoft issued the token, Exchange does not let the
// application's service principal into that mailbox.
const AppOnlyMailboxRemedy = "The application needs access to this mailbox: in Exchange Online PowerShell, register the application's service principal (New-ServicePrincipal -AppId <application ID> -ObjectId <enterprise application object ID>) and give it the mailbox (Add-MailboxPermission -Identity <mailbox> -User <service principal ID> -AccessRights FullAccess), check that IMAP is enabled for the mailbox, and that the application has IMAP.AccessAsApp with administrator consent. The commands are on the application's app-only authorization page. Changes can take up to an hour to apply."

// Remedy says what an administrator can do about a class.
func Remedy(class string) string {
	switch class {
	case ClassReauth:
		return "The mailbox's authorization must be renewed: open the receiver and use \"Create authorization\" for its login (sign in as that account); collection resumes by itself afterwards."
	case ClassInternal:
		return "The collector hit a bug on this receiver; the mail is untouched. Report it with the log around this time."
	}
	return mailbox.Remedy(mailbox.ErrorClass(class))
}

// describe is the error text kept on the receiver and the run. Token
// failures get the OAuth package's plain words; no text here carries a
// token or a password (the mailbox and oauth packages redact theirs).
func describe(err error) string {
	if errors.Is(err, mailbox.ErrToken) {
		if m := oauth.Meaning(err); m != "" {
			return m + " " + oauth.Remedy(err) + " (" + err.Error() + ")"
		}
	}
	return err.Error()
}

// outcome turns a job's result into what the receiver records: next
// collect right away when mail is left, after the poll interval otherwise;
// after a failure, an exponential backoff with jitter, and a long pause
// when only a person can fix it (re-authorization).
//
// A run that went well is next due one poll interval after it started
// (not after it ended), so an interval of 10 s polls every 10 s.
func (c *Collector) outcome(r *store.Receiver, started time.Time, more bool, err error) store.CollectOutcome {
	now := c.now()
	poll := time.Minute
	failures := 1
	if r != nil {
		poll = r.PollInterval()                  // within bounds whatever the row holds
		failures = min(max(r.Errors, 0), 64) + 1 // past 64 the wait is the ceiling anyway
	}
	if err == nil {
		next := started.Add(poll)
		if more || next.Before(now) {
			next = now
		}
		return store.CollectOutcome{Next: next}
	}
	class := Classify(err)
	out := store.CollectOutcome{ErrorClass: class, ErrorText: describe(err)}
	switch class {
	case ClassReauth:
		out.Reauth = true
		out.Next = now.Add(c.o.ReauthBackoff)
		return out
	case string(mailbox.ClassServerLimit):
		poll = max(poll, 5*time.Minute) // the server asked for less, not more
	}
	out.Next = now.Add(backoff(poll, failures, c.o.MaxBackoff))
	return out
}

// maxBackoffCeiling bounds any ceiling given to backoff.
const maxBackoffCeiling = 7 * 24 * time.Hour

// backoff is base doubled per failure after the first, capped, with ±20 %
// jitter so receivers that failed together do not retry together. Any
// base, count or ceiling gives a wait between one second and the ceiling
// (plus jitter), the ceiling itself at most a week: never negative, never
// an overflow.
func backoff(base time.Duration, failures int, ceiling time.Duration) time.Duration {
	ceiling = min(max(ceiling, time.Second), maxBackoffCeiling)
	d := min(max(base, time.Second), ceiling)
	for i := 1; i < failures && d < ceiling; i++ {
		d = min(d, ceiling/2) * 2
	}
	d = min(d, ceiling)
	jitter := time.Duration(rand.Int64N(int64(d/5)*2+1)) - d/5
	return d + jitter
}
