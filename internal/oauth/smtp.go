package oauth

import (
	"slices"
	"strings"
)

// SMTP facts per provider (peers.md §3.2 and §4): where a mailbox submits
// mail and which delegated scope lets a token do it.

// SMTPServer returns the submission host and port of the application's
// provider and cloud ("", 0 for a generic OpenID Connect provider). Both
// Microsoft and Google take STARTTLS on 587.
func (a Application) SMTPServer() (string, int) {
	switch a.Provider {
	case ProviderAzure:
		switch a.Cloud {
		case CloudUSGov:
			return "smtp.office365.us", 587
		case CloudChina:
			return "smtp.partner.outlook.cn", 587
		}
		return "smtp.office365.com", 587
	case ProviderGoogle:
		return "smtp.gmail.com", 587
	}
	return "", 0
}

// SMTPScope returns the delegated scope a token needs to send mail over
// SMTP: Microsoft's SMTP.Send on the Outlook resource of the cloud, or
// Google's full mail scope (which IMAP already asks for); "" for a generic
// provider.
func (a Application) SMTPScope() string {
	switch a.Provider {
	case ProviderAzure:
		return a.cloud().outlook + "/SMTP.Send"
	case ProviderGoogle:
		return "https://mail.google.com/"
	}
	return ""
}

// HasSMTPScope reports whether a granted scope string (space-separated, as
// the token endpoint returned it) includes the SMTP permission. Microsoft
// returns its scopes either as full URLs or, for the default resource,
// short ("SMTP.Send"), so the permission's last segment also counts.
func (a Application) HasSMTPScope(granted string) bool {
	want := a.SMTPScope()
	if want == "" {
		return true
	}
	short := want[strings.LastIndex(strings.TrimSuffix(want, "/"), "/")+1:]
	for _, s := range strings.Fields(granted) {
		if strings.EqualFold(s, want) || a.Provider == ProviderAzure && strings.EqualFold(s, short) {
			return true
		}
	}
	return false
}

// RequestsSMTPScope reports whether sign-ins and re-authorizations ask for
// the SMTP permission (for Microsoft, it must be among the extra scopes).
func (a Application) RequestsSMTPScope() bool {
	want := a.SMTPScope()
	for _, s := range a.Scopes() {
		if s == want {
			return true
		}
	}
	return want == ""
}

// WithSMTPScope returns the application asking also for the SMTP
// permission, for a re-authorization (incremental consent: the account
// consents to the one permission it lacks and stays the same) and for the
// refreshes of an authorization that was granted it. The application's own
// scopes are unchanged, so a new authorization and the refreshes of one
// that never consented ask for what they always did.
func (a Application) WithSMTPScope() Application {
	if a.RequestsSMTPScope() {
		return a
	}
	a.ExtraScopes = append(slices.Clone(a.ExtraScopes), a.SMTPScope())
	return a
}
