package oauth

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
)

// Class sorts a failure by what has to happen next.
type Class string

// The classes of failure (peers.md §3.5).
const (
	// Transient failures pass by themselves: retry with backoff, keep the state.
	Transient Class = "transient"
	// ReauthRequired failures need someone to sign in again.
	ReauthRequired = Class(StateReauthRequired)
	// ConfigError failures need the application's settings or the tenant fixed.
	ConfigError Class = "config_error"
)

// advice is what we know of one provider error.
type advice struct {
	class   Class
	meaning string
	remedy  string
}

// codeAdvice is what we know of one AADSTS number: its advice and, for a
// failed sign-in, the kind of failure the page explains ("" for none).
type codeAdvice struct {
	class   Class
	kind    Kind
	meaning string
	remedy  string
}

func (c codeAdvice) advice() advice { return advice{c.class, c.meaning, c.remedy} }

// aadsts maps Microsoft's AADSTS numbers. Microsoft asks apps to react to the
// "error" field; the numbers refine the explanation and the class where the
// field alone would mislead (invalid_grant is also an expired secret).
var aadsts = map[int]codeAdvice{
	700082:  {ReauthRequired, "", "The refresh token expired after 90 days without use.", "Re-authorize the account. Keep the authorization in use (the background refresher does) so it does not lapse again."},
	70008:   {ReauthRequired, "", "The authorization code or refresh token has expired or was revoked.", "Re-authorize the account."},
	54005:   {ReauthRequired, "", "The authorization code was already redeemed.", "Start the authorization again."},
	50173:   {ReauthRequired, "", "The grant was revoked: the user's sessions were revoked or the password was changed or reset.", "Re-authorize the account with its current password."},
	70043:   {ReauthRequired, "", "A Conditional Access sign-in frequency policy expired the token.", "Re-authorize the account; to stop this recurring, exclude the mailbox from the sign-in frequency policy or use app-only access."},
	50076:   {ReauthRequired, "", "Multi-factor authentication is now required for this account.", "Re-authorize the account and complete multi-factor authentication; app-only access avoids this for service mailboxes."},
	50078:   {ReauthRequired, "", "The account's multi-factor authentication has expired.", "Re-authorize the account and complete multi-factor authentication."},
	50079:   {ReauthRequired, "", "The account must register for multi-factor authentication.", "Sign in once as that account to register, then re-authorize."},
	50132:   {ReauthRequired, "", "The session is no longer valid (password expired or changed).", "Re-authorize the account."},
	50133:   {ReauthRequired, "", "The session is no longer valid after a password change.", "Re-authorize the account."},
	65001:   {ReauthRequired, KindConsentRequired, "Consent for the application's permissions is missing.", "Grant consent: sign in again and accept, or ask a tenant administrator to use the admin consent link."},
	90094:   {ReauthRequired, KindConsentRequired, "The tenant requires an administrator to consent to the application.", "Send the admin consent link to a tenant administrator, then authorize again."},
	65004:   {ReauthRequired, KindCancelled, "The user declined to consent.", "Authorize again and accept the requested permissions."},
	50020:   {ReauthRequired, KindWrongAccount, "The account signed in does not belong to the application's tenant.", "Sign in with a work account of the tenant set on the application (or clear Tenant ID for a multi-tenant application)."},
	16000:   {ReauthRequired, KindWrongAccount, "The account signed in does not belong to the application's tenant.", "Sign in with a work account of the tenant set on the application."},
	53003:   {ConfigError, "", "Access was blocked by a Conditional Access policy.", "Ask the tenant administrator to allow this application or this location in Conditional Access."},
	7000222: {ConfigError, KindClientSecret, "The application's client secret has expired.", "Create a new client secret in Entra ID (Certificates & secrets) and enter its Value in Client secret."},
	7000215: {ConfigError, KindClientSecret, "The client secret is wrong.", "Enter the secret's Value in Client secret, not its Secret ID."},
	70002:   {ConfigError, KindClientSecret, "The client credentials are wrong.", "Check Client ID and enter the secret's Value in Client secret."},
	7000218: {ConfigError, KindClientSecret, "The request carried no client secret.", "Enter the client secret of the application."},
	700016:  {ConfigError, KindNotFound, "The application was not found in the tenant.", "Check Client ID (the Application (client) ID) and Tenant ID, and the cloud the app is registered in."},
	700011:  {ConfigError, KindNotFound, "The application was not found in the tenant.", "Check Client ID and Tenant ID."},
	90002:   {ConfigError, KindNotFound, "The tenant was not found.", "Check Tenant ID (the Directory (tenant) ID) and the cloud."},
	900023:  {ConfigError, KindNotFound, "The tenant identifier is not valid.", "Check Tenant ID: a GUID or a verified domain."},
	90112:   {ConfigError, KindNotFound, "The application identifier is not a GUID.", "Enter the Application (client) ID shown in Entra ID in Client ID."},
	90038:   {ConfigError, KindNotFound, "The tenant lives in another Microsoft cloud.", "Choose the cloud the tenant and the app registration belong to."},
	50011:   {ConfigError, KindRedirectURI, "The redirect URI is not registered for the application.", "Add the Callback url, exactly as shown, as a Web redirect URI of the app registration."},
	500112:  {ConfigError, KindRedirectURI, "The redirect URI does not match the one used at sign-in.", "Add the Callback url, exactly as shown, as a Web redirect URI of the app registration."},
	9001023: {ConfigError, "", "App-only access is not possible on the common endpoint.", "Enter the Tenant ID of the mailbox's tenant."},
	70011:   {ConfigError, "", "The requested scope is not valid.", "Remove the extra scopes that mix resources."},
	700024:  {ConfigError, "", "The client assertion is not valid.", "Check the application's credentials."},
	50196:   {Transient, "", "Microsoft throttled repeated sign-in requests.", "Nothing to do: the next attempt waits longer."},
	90033:   {Transient, "", "Microsoft had a transient error.", "Nothing to do: the next attempt will retry."},
}

// oauthErrors maps RFC 6749 / OpenID Connect error codes.
var oauthErrors = map[string]advice{
	"invalid_grant":           {ReauthRequired, "The refresh token is no longer valid.", "Re-authorize the account."},
	"interaction_required":    {ReauthRequired, "The provider needs the user to sign in interactively.", "Re-authorize the account."},
	"login_required":          {ReauthRequired, "The provider needs the user to sign in.", "Re-authorize the account."},
	"consent_required":        {ReauthRequired, "Consent for the application's permissions is missing.", "Grant consent: sign in again and accept, or ask a tenant administrator to use the admin consent link."},
	"access_denied":           {ReauthRequired, "The sign-in was cancelled or refused.", "Authorize again and accept the requested permissions."},
	"invalid_client":          {ConfigError, "The provider rejected the application's credentials.", "Check Client ID and Client secret (the secret's Value, not its ID)."},
	"unauthorized_client":     {ConfigError, "The application is not allowed to use this grant.", "Check the app registration's platform (Web) and its allowed grants."},
	"invalid_scope":           {ConfigError, "The requested scopes are not valid.", "Check the extra scopes."},
	"unsupported_grant_type":  {ConfigError, "The provider does not support this grant.", "Check the provider type of the application."},
	"invalid_request":         {ConfigError, "The provider rejected the request.", "Check the application's settings."},
	"invalid_client_metadata": {ConfigError, "The provider rejected the application's settings.", "Check the application's settings."},
	"temporarily_unavailable": {Transient, "The provider is temporarily unavailable.", "Nothing to do: the next attempt will retry."},
	"server_error":            {Transient, "The provider had an internal error.", "Nothing to do: the next attempt will retry."},
	"slow_down":               {Transient, "The provider asked to slow down.", "Nothing to do: the next attempt waits longer."},
}

var (
	transientNetwork = advice{Transient, "The provider could not be reached.", "Nothing to do if it passes; otherwise check the network, DNS and proxy towards the provider."}
	transientStatus  = advice{Transient, "The provider is overloaded or failing.", "Nothing to do: the next attempt waits longer."}
	unknownConfig    = advice{ConfigError, "The provider refused the request.", "Check the application's settings; the provider's message says more."}
)

// RemedyStartAgain is the remedy of a sign-in that cannot be matched with
// the one started here; the failure page puts the start buttons beside it.
const RemedyStartAgain = "Start the authorization again from this page."

// adviseProvider explains a provider's answer: AADSTS number first (most
// precise), then Microsoft's suberror, the OAuth error, then the status.
func adviseProvider(e *ProviderError) advice {
	for _, c := range e.Codes {
		if a, ok := aadsts[c]; ok {
			return a.advice()
		}
	}
	if a, ok := oauthErrors[e.Suberror]; ok {
		return a
	}
	if a, ok := oauthErrors[e.Code]; ok {
		return a
	}
	if e.Status == 429 || e.Status >= 500 {
		return transientStatus
	}
	return unknownConfig
}

// advise explains any error of this package.
func advise(err error) advice {
	var f *Failure
	if errors.As(err, &f) {
		return advice{f.Class, f.Meaning, f.Remedy}
	}
	if pe, ok := asProviderError(err); ok {
		return adviseProvider(pe)
	}
	var im *IdentityMismatchError
	if errors.As(err, &im) {
		return advice{ReauthRequired, "A different account signed in than the one this authorization belongs to.", "Sign in as " + im.Pinned.display() + "."}
	}
	switch {
	case errors.Is(err, ErrNoRefreshToken):
		return advice{ReauthRequired, "No refresh token is stored for this authorization.", "Re-authorize the account."}
	case errors.Is(err, ErrNoEmail):
		return advice{ConfigError, "The account has no e-mail address the application may read.", "Make sure the account has a mailbox address and that the email scope is granted."}
	case errors.Is(err, ErrStateMismatch), errors.Is(err, ErrNoCode):
		return advice{ReauthRequired, "The sign-in could not be matched with the one started here (expired, used twice or started in another browser).", RemedyStartAgain}
	}
	var ve ValidationError
	var ie *IDTokenError
	if errors.As(err, &ve) || errors.As(err, &ie) || errors.Is(err, errNotAzure) || errors.Is(err, errAppOnlyTenant) {
		return advice{ConfigError, "The application's settings do not fit the provider.", "Check the application's settings."}
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return transientNetwork
	}
	// Anything else (a proxy's HTML page, a malformed answer) is retried:
	// only the provider's own words justify asking people to act.
	return advice{Transient, "The provider's answer could not be understood.", "Nothing to do if it passes; otherwise check the proxy towards the provider."}
}

// Classify sorts err: Transient, ReauthRequired or ConfigError; "" for nil.
func Classify(err error) Class {
	if err == nil {
		return ""
	}
	return advise(err).class
}

// Remedy tells an administrator what to do about err; "" for nil.
func Remedy(err error) string {
	if err == nil {
		return ""
	}
	return advise(err).remedy
}

// Meaning tells in plain words what err means; "" for nil.
func Meaning(err error) string {
	if err == nil {
		return ""
	}
	return advise(err).meaning
}
