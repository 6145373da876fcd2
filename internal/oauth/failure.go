package oauth

import (
	"errors"
	"fmt"
)

// GLPI's messages for a failed sign-in, word for word (inventory A.6).
const (
	MsgAuthorizationFailed = "Authorization failed with error: %s"
	MsgStateMismatch       = "Unable to verify authorization code"
	MsgNoCode              = "Unable to get authorization code"
	MsgTokenFailed         = "Unable to obtain access token from provider: %s"
	MsgNoEmail             = "The authenticated account does not expose an email address"
)

// Kind names the specific cause of a failed sign-in, for the page to pick
// its help.
type Kind string

// The kinds of sign-in failure.
const (
	KindConsentRequired Kind = "consent_required"
	KindRedirectURI     Kind = "redirect_uri_not_registered"
	KindClientSecret    Kind = "client_secret"
	KindNotFound        Kind = "tenant_or_app_not_found"
	KindWrongAccount    Kind = "wrong_account"
	KindCancelled       Kind = "cancelled"
	KindState           Kind = "state"
	KindNoCode          Kind = "no_code"
	KindNoEmail         Kind = "no_email"
	KindIDToken         Kind = "id_token"
	KindProvider        Kind = "provider" // any other answer of the provider
	KindNetwork         Kind = "network"
)

// Failure explains a failed sign-in: GLPI's message, then what it means and
// what to do, with the links that help.
type Failure struct {
	GLPIMessage string
	Kind        Kind
	Class       Class
	Meaning     string
	Remedy      string
	// AdminConsentURL is set when a tenant administrator's consent would fix it.
	AdminConsentURL string
	// RedirectURIToRegister is set when the callback URL must be registered.
	RedirectURIToRegister string
	// Codes are the provider's AADSTS numbers, for support.
	Codes []int
	Err   error
}

func (f *Failure) Error() string { return "oauth: " + f.GLPIMessage }
func (f *Failure) Unwrap() error { return f.Err }

var kindByError = map[string]Kind{
	"consent_required":     KindConsentRequired,
	"interaction_required": KindConsentRequired,
	"invalid_client":       KindClientSecret,
	"access_denied":        KindCancelled,
}

// Explain turns any error of the sign-in (the callback's error parameters
// through CallbackError, VerifyState, Complete, CheckSameIdentity) into a
// Failure. redirectURI is the callback URL, shown when it must be registered.
func Explain(app Application, redirectURI string, err error) *Failure {
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	adv := advise(err)
	f = &Failure{Class: adv.class, Meaning: adv.meaning, Remedy: adv.remedy, Err: err}
	var im *IdentityMismatchError
	var ie *IDTokenError
	pe, isProvider := asProviderError(err)
	switch {
	case errors.Is(err, ErrStateMismatch):
		f.GLPIMessage, f.Kind = MsgStateMismatch, KindState
	case errors.Is(err, ErrNoCode):
		f.GLPIMessage, f.Kind = MsgNoCode, KindNoCode
	case errors.Is(err, ErrNoEmail):
		f.GLPIMessage, f.Kind = MsgNoEmail, KindNoEmail
	case errors.As(err, &im):
		f.GLPIMessage = fmt.Sprintf(MsgAuthorizationFailed, im.Error()[len("oauth: "):])
		f.Kind = KindWrongAccount
	case isProvider && pe.Status == 0:
		// Sent to the callback: GLPI prefers the description.
		f.GLPIMessage = fmt.Sprintf(MsgAuthorizationFailed, pe.Message())
		f.Kind, f.Codes = providerKind(pe), pe.Codes
	case isProvider:
		f.GLPIMessage = fmt.Sprintf(MsgTokenFailed, pe.Message())
		f.Kind, f.Codes = providerKind(pe), pe.Codes
	case errors.As(err, &ie):
		f.GLPIMessage = fmt.Sprintf(MsgTokenFailed, ie.Error()[len("oauth: "):])
		f.Kind = KindIDToken
		f.Meaning = "The provider's id_token did not pass the checks (signature, audience, issuer, nonce, expiry)."
		f.Remedy = "Check Tenant ID, the cloud and this server's clock, then authorize again."
	default:
		f.GLPIMessage = fmt.Sprintf(MsgTokenFailed, "the provider could not be reached or answered an error")
		f.Kind = KindNetwork
		if adv.class == ConfigError {
			f.Kind = KindProvider
		}
	}
	switch f.Kind {
	case KindConsentRequired:
		f.AdminConsentURL = app.AdminConsentURL(redirectURI)
	case KindRedirectURI:
		f.RedirectURIToRegister = redirectURI
	}
	return f
}

func providerKind(pe *ProviderError) Kind {
	for _, c := range pe.Codes {
		if a, ok := aadsts[c]; ok && a.kind != "" {
			return a.kind
		}
	}
	if k, ok := kindByError[pe.Suberror]; ok {
		return k
	}
	if k, ok := kindByError[pe.Code]; ok {
		return k
	}
	return KindProvider
}
