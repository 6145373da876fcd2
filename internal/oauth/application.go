package oauth

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Provider names the kind of identity provider of an Application.
type Provider string

// The providers an Application can use.
const (
	ProviderAzure  Provider = "azure"  // Microsoft Entra ID (Office 365)
	ProviderGoogle Provider = "google" // Google (Gmail, Workspace)
	ProviderOIDC   Provider = "oidc"   // any OpenID Connect provider, by discovery
)

// Cloud names the Microsoft cloud an Azure application is registered in.
type Cloud string

// The Microsoft clouds. Each has its own login authority and Outlook host, and
// an app registered in one is unknown in the others.
const (
	CloudGlobal Cloud = "global" // login.microsoftonline.com (includes GCC)
	CloudUSGov  Cloud = "usgov"  // login.microsoftonline.us (GCC High, DoD)
	CloudChina  Cloud = "china"  // operated by 21Vianet
	CloudCustom Cloud = "custom" // AuthorityURL, for a sovereign or test authority
)

// Application is an OAuth client registered at a provider: GLPI's "OAuth IMAP
// application". The store keeps it with ClientSecret decrypted in memory only.
type Application struct {
	Provider Provider
	// Cloud applies to Azure only; empty means CloudGlobal.
	Cloud Cloud
	// AuthorityURL is the login authority for CloudCustom, for example
	// "https://login.microsoftonline.com". http is accepted for loopback only.
	AuthorityURL string
	// TenantID is a tenant GUID, a verified domain, or "organizations";
	// empty means "common" (GLPI's default).
	TenantID     string
	ClientID     string
	ClientSecret string
	// IssuerURL is the OpenID issuer of a generic OIDC provider.
	IssuerURL string
	// ExtraScopes are requested in addition to the provider's own scopes.
	ExtraScopes []string
	// Endpoints, when set, replaces the endpoints of a Google or generic OIDC
	// provider. It is meant for tests (a fake identity provider) and advanced
	// set-ups. Azure ignores it: CloudCustom and AuthorityURL do that job.
	Endpoints *Endpoints
}

// Endpoints are the URLs of a provider, as an override of the built-in ones.
type Endpoints struct {
	AuthURL     string
	TokenURL    string
	UserInfoURL string
	// Issuer is the OpenID issuer whose discovery document gives the keys that
	// sign id_tokens. When empty, an id_token is not verified and the e-mail
	// comes from UserInfoURL alone.
	Issuer string
}

// FieldError is one invalid field of an Application: Field names the
// application form's input the message belongs next to ("client_id"), ""
// for a setting the form does not show; Label is the field as GLPI's form
// labels it ("Client ID"), for a message read away from the form.
type FieldError struct {
	Field   string
	Label   string
	Message string
}

func (e FieldError) Error() string { return e.Label + ": " + e.Message }

// ValidationError lists every invalid field of an Application.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	msgs := make([]string, len(v))
	for i, f := range v {
		msgs[i] = f.Error()
	}
	return "oauth: invalid application: " + strings.Join(msgs, "; ")
}

var (
	guidPattern   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)
)

// Validate checks the application before it is saved or used. The error is a
// ValidationError whose messages name the form's fields.
func (a Application) Validate() error {
	var v ValidationError
	add := func(field, label, msg string) { v = append(v, FieldError{Field: field, Label: label, Message: msg}) }

	switch a.Provider {
	case ProviderAzure, ProviderGoogle, ProviderOIDC:
	case "":
		add("provider", "Oauth provider", "choose a provider")
	default:
		add("provider", "Oauth provider", "Invalid provider")
	}
	switch {
	case strings.TrimSpace(a.ClientID) == "":
		add("client_id", "Client ID", "cannot be empty")
	case a.Provider == ProviderAzure && !guidPattern.MatchString(a.ClientID):
		// Microsoft rejects anything else with AADSTS90112 after the redirect.
		add("client_id", "Client ID", "must be the Application (client) ID shown in Entra ID, a GUID such as 00000000-0000-0000-0000-000000000000")
	}
	if a.ClientSecret == "" {
		add("client_secret", "Client secret", "cannot be empty")
	}
	if a.Provider == ProviderAzure {
		if a.TenantID != "" && !tenantPattern.MatchString(a.TenantID) {
			add("tenant_id", "Tenant ID", "must be the Directory (tenant) ID (a GUID), a verified domain or \"organizations\"")
		}
		switch a.Cloud {
		case "", CloudGlobal, CloudUSGov, CloudChina:
			if a.AuthorityURL != "" {
				add("authority_url", "Authority URL", "is only used with the Custom cloud")
			}
		case CloudCustom:
			if msg := checkURL(a.AuthorityURL); msg != "" {
				add("authority_url", "Authority URL", msg)
			}
		default:
			add("cloud", "Cloud", "Invalid cloud")
		}
	}
	if a.Provider == ProviderOIDC && a.Endpoints == nil {
		if msg := checkURL(a.IssuerURL); msg != "" {
			add("issuer_url", "Issuer URL", msg)
		}
	}
	for _, s := range a.ExtraScopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			add("extra_scopes", "Scopes", "each scope is one word without spaces or quotes")
			break
		}
	}
	if e := a.Endpoints; e != nil {
		if msg := checkURL(e.AuthURL); msg != "" {
			add("", "Authorization endpoint", msg)
		}
		if msg := checkURL(e.TokenURL); msg != "" {
			add("", "Token endpoint", msg)
		}
	}
	if len(v) == 0 {
		return nil
	}
	return v
}

// checkURL returns why raw is not a usable provider URL, or "".
func checkURL(raw string) string {
	if raw == "" {
		return "cannot be empty"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "must be an absolute URL such as https://login.example.com, without query or credentials"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if isLoopback(u.Hostname()) {
			return ""
		}
		return "must use https (http is accepted only for a loopback host such as 127.0.0.1)"
	default:
		return "must use https"
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNotAzure is returned by the Microsoft-only operations.
var errNotAzure = errors.New("oauth: this operation needs a Microsoft Entra ID application")
