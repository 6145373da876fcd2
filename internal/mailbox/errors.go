package mailbox

import (
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/oauthimap/oauthimap/internal/mailconn"
)

// ErrorClass sorts failures by what the administrator has to do about them.
type ErrorClass string

// The error classes, stored on receivers and collect runs.
const (
	ClassNone              ErrorClass = ""
	ClassNetwork           ErrorClass = "network"
	ClassTLS               ErrorClass = "tls"
	ClassAuthentication    ErrorClass = "authentication"
	ClassMailboxPermission ErrorClass = "mailbox_permission"
	ClassFolderMissing     ErrorClass = "folder_missing"
	ClassServerLimit       ErrorClass = "server_limit"
	ClassConfig            ErrorClass = "config"
	ClassOther             ErrorClass = "other"
)

// classWords is every class but ClassNone with its label and remedy: the
// one table Label, Remedy and Classes read.
var classWords = map[ErrorClass]struct{ label, remedy string }{
	ClassNetwork: {
		"Server unreachable",
		"The server could not be reached or dropped the connection: check the host name and port, the firewall, and that the server is up; collection retries by itself.",
	},
	ClassTLS: {
		"Secure connection failed",
		"The secure connection failed: check that the security mode matches the port (SSL for 993, STARTTLS for 143) and that the server's certificate is valid for this host name, or turn certificate validation off only for a server you trust.",
	},
	ClassAuthentication: {
		"Login refused",
		"The server refused the login: for OAuth, re-authorize the mailbox and check that the application has the IMAP permission and that IMAP is enabled for the account; for a password, check the login and password.",
	},
	ClassMailboxPermission: {
		"No access to the mailbox",
		"The login worked but the mailbox cannot be opened: give the signed-in account Full Access to this mailbox (Exchange: Add-MailboxPermission) and check that IMAP is enabled for it (Set-CASMailbox -ImapEnabled $true).",
	},
	ClassFolderMissing: {
		"Folder not found",
		"A folder set on this receiver does not exist on the server: create it in the mailbox or pick an existing one with the folder browser.",
	},
	ClassServerLimit: {
		"Server limit reached",
		"The server is limiting this account (too many connections, throttling or quota): reduce the number of receivers or workers using this mailbox, or wait; collection retries with backoff.",
	},
	ClassConfig: {
		"Settings incomplete",
		"The receiver's settings are incomplete or invalid: fix them in the receiver form.",
	},
	ClassOther: {
		"Unexpected error",
		"An unexpected error occurred: read the message and the connection transcript from Test connection.",
	},
}

// Classes is every error class but ClassNone, in a stable order.
func Classes() []ErrorClass {
	out := make([]ErrorClass, 0, len(classWords))
	for c := range classWords {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Label names a class in a few words, for a badge or a column; a class
// this package does not know is an unexpected error.
func (c ErrorClass) Label() string {
	if c == ClassNone {
		return ""
	}
	if w, ok := classWords[c]; ok {
		return w.label
	}
	return classWords[ClassOther].label
}

// Classify returns the class of an error from this package (nil: ClassNone).
// Order matters: a TLS failure is also a network read error, and Exchange's
// throttling text arrives as an ordinary NO.
func Classify(err error) ErrorClass {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, ErrConfig) {
		return ClassConfig
	}
	if mailconn.IsTLS(err) || errors.Is(err, ErrSTARTTLSRefused) {
		return ClassTLS
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		if c := classifyIMAP(ie); c != ClassOther {
			return c
		}
	}
	switch {
	case errors.Is(err, ErrFolderMissing):
		return ClassFolderMissing
	case errors.Is(err, ErrMechanismNotOffered), errors.Is(err, ErrToken):
		return ClassAuthentication
	}
	if mailconn.IsNetwork(err) {
		return ClassNetwork
	}
	return ClassOther
}

func classifyIMAP(ie *imap.Error) ErrorClass {
	text := strings.ToLower(ie.Text)
	switch {
	// Exchange Online accepted the token but cannot open the mailbox:
	// missing FullAccess, IMAP disabled for it, or not provisioned.
	case strings.Contains(text, "authenticated but not connected"):
		return ClassMailboxPermission
	case ie.Code == imap.ResponseCodeLimit, ie.Code == imap.ResponseCodeOverQuota,
		ie.Code == imap.ResponseCodeUnavailable, ie.Code == imap.ResponseCodeInUse,
		mailconn.ContainsAny(text, "too many simultaneous", "too many connections", "throttl",
			"bandwidth limits", "server unavailable", "try again later", "too many login"):
		return ClassServerLimit
	case ie.Code == imap.ResponseCodeNoPerm:
		return ClassMailboxPermission
	case ie.Code == imap.ResponseCodeAuthenticationFailed, ie.Code == imap.ResponseCodeAuthorizationFailed,
		ie.Code == imap.ResponseCodeExpired, ie.Code == imap.ResponseCodePrivacyRequired,
		mailconn.ContainsAny(text, "authenticate failed", "authentication failed", "invalid credentials", "login failed"):
		return ClassAuthentication
	case folderMissing(ie):
		return ClassFolderMissing
	}
	return ClassOther
}

// Remedy says, in one sentence for an administrator, what to do about a class.
func Remedy(c ErrorClass) string {
	if c == ClassNone {
		return ""
	}
	if w, ok := classWords[c]; ok {
		return w.remedy
	}
	return classWords[ClassOther].remedy
}
