package submission

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oauthimap/oauthimap/internal/mailconn"
)

// Error is a reply the client did not want: Command is what was sent (the
// verb, and for MAIL/RCPT the address, for AUTH the mechanism, never a
// credential), Reply what the server answered.
type Error struct {
	Command string
	Reply
	// Challenge is the decoded JSON of an XOAUTH2/OAUTHBEARER error
	// challenge, when the server sent one before refusing.
	Challenge string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: the server answered %s", e.Command, e.Reply)
	if e.Challenge != "" {
		s += " (" + e.Challenge + ")"
	}
	return s
}

// Temporary reports a 4xx reply (RFC 5321 section 4.2.1: "transient
// negative completion"): the same command may work later.
func (e *Error) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// ErrorClass sorts failures by what the administrator has to do.
type ErrorClass string

// The error classes, stored on outbox rows.
const (
	ClassNone ErrorClass = ""
	// ClassNetwork: unreachable, dropped, timed out. Retried.
	ClassNetwork ErrorClass = "network"
	// ClassTLS: the secure connection failed.
	ClassTLS ErrorClass = "tls"
	// ClassAuthentication: the server refused the login.
	ClassAuthentication ErrorClass = "authentication"
	// ClassReauthorize: the authorization's refresh token no longer works.
	// This package never returns it; the caller that owns tokens does.
	ClassReauthorize ErrorClass = "reauthorize"
	// ClassSendAs: logged in, but not allowed to send as this address.
	ClassSendAs ErrorClass = "send_as"
	// ClassRecipientRefused: the server refused a recipient for good.
	ClassRecipientRefused ErrorClass = "recipient_refused"
	// ClassTooLarge: the message is over the server's size limit.
	ClassTooLarge ErrorClass = "too_large"
	// ClassThrottled: a 4xx, a rate or quota limit. Retried with backoff.
	ClassThrottled ErrorClass = "throttled"
	// ClassConfig: the settings are unusable.
	ClassConfig ErrorClass = "config"
	// ClassOther: any other refusal.
	ClassOther ErrorClass = "other"
)

// Transient says whether sending again later, unchanged, may succeed.
func (c ErrorClass) Transient() bool { return c == ClassNetwork || c == ClassThrottled }

// Classify returns the class of an error from this package (nil: ClassNone).
func Classify(err error) ErrorClass {
	if err == nil {
		return ClassNone
	}
	switch {
	case errors.Is(err, ErrConfig), errors.Is(err, ErrNoRecipient):
		return ClassConfig
	case errors.Is(err, ErrTooLarge):
		return ClassTooLarge
	case errors.Is(err, ErrSTARTTLSRefused), mailconn.IsTLS(err):
		return ClassTLS
	case errors.Is(err, ErrMechanismNotOffered), errors.Is(err, ErrToken):
		return ClassAuthentication
	}
	var se *Error
	if errors.As(err, &se) {
		return classifyReply(se)
	}
	if mailconn.IsNetwork(err) {
		return ClassNetwork
	}
	return ClassOther
}

func classifyReply(e *Error) ErrorClass {
	text := strings.ToLower(e.Text())
	verb, _, _ := strings.Cut(e.Command, " ")
	enh := e.Enhanced
	switch {
	// Exchange Online's daily and per-minute submission limits arrive as
	// 4xx, but also as 5.2.0 SubmissionQuotaExceeded: both are "later".
	case mailconn.ContainsAny(text, "quota exceeded", "quotaexceeded", "rate limit", "throttl", "exceeded the configured limit", "too many"):
		return ClassThrottled
	case mailconn.ContainsAny(text, "sendasdenied", "sender address rejected", "not owned by user", "not authorized to send") ||
		enh == "5.7.60" || enh == "5.7.1" && verb == "MAIL":
		return ClassSendAs
	case enh == "5.3.4" || enh == "5.2.3" || mailconn.ContainsAny(text, "size exceeds", "too big", "too large", "message size"):
		return ClassTooLarge
	case e.Temporary():
		return ClassThrottled
	case verb == "AUTH", e.Code == 530, enh == "5.7.57", enh == "5.7.139", enh == "5.7.0" && verb != "RCPT":
		return ClassAuthentication
	case verb == "RCPT":
		return ClassRecipientRefused
	case verb == "DATA" && e.Code == 552:
		return ClassTooLarge
	}
	return ClassOther
}

// Remedy says, in one sentence for an administrator, what to do about a class.
func Remedy(c ErrorClass) string {
	switch c {
	case ClassNone:
		return ""
	case ClassNetwork:
		return "The mail server could not be reached or dropped the connection: check the host name and port, the firewall, and that the server is up; sending retries by itself."
	case ClassTLS:
		return "The secure connection failed: check that the security mode matches the port (SSL for 465, STARTTLS for 587) and that the server's certificate is valid for this host name."
	case ClassAuthentication:
		return "The mail server refused the login: for OAuth, check that the authorization includes the sending permission (Microsoft: SMTP.Send, or SMTP.SendAsApp for an application) and that authenticated SMTP is enabled for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false); for a password, check the login and password."
	case ClassReauthorize:
		return "The authorization no longer works (revoked, expired or password changed): open the authorization and click Re-authorize; waiting mail is sent afterwards."
	case ClassSendAs:
		return "The login worked but may not send as this address: use the mailbox's own address as sender, or grant Send As on it (Exchange: Add-RecipientPermission -AccessRights SendAs)."
	case ClassRecipientRefused:
		return "The mail server refused the recipient's address for good: check the address on the ticket; this mail will not be retried."
	case ClassTooLarge:
		return "The message is larger than the mail server accepts: remove or shrink attachments and send it again."
	case ClassThrottled:
		return "The mail server asked to wait (too many messages or recipients for now, or a daily limit): sending retries with growing delays; if it lasts, spread the load over several mailboxes."
	case ClassConfig:
		return "The outgoing mail settings are incomplete or invalid: fix them in the receiver's Outgoing mail section."
	default:
		return "The mail server refused the message: read its answer and the transcript from Test sending."
	}
}
