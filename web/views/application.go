package views

import (
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/web/paths"
)

// ApplicationRow is one line of Setup > OAuth IMAP.
type ApplicationRow struct {
	ID             int64
	Name           string
	Provider       string
	Active         bool
	Authorizations int64
	State          string // worst authorization state; "" when none
}

// ApplicationForm is the application form's values and messages. The client
// secret is never among them: only whether one is set.
type ApplicationForm struct {
	ID            int64
	Name          string
	Comment       string
	Active        bool
	Provider      string
	Cloud         string
	AuthorityURL  string
	ClientID      string
	SecretSet     bool
	SecretExpires string // YYYY-MM-DD or ""
	TenantID      string
	IssuerURL     string
	ExtraScopes   string
	CallbackPath  string
	CallbackPaths []string // the paths the application may send, ours first
	PublicURL     string
	DocURL        string
	Warning       Notice
	// SMTPWarning names the authorizations that receivers send with but
	// that lack the permission to send mail.
	SMTPWarning Notice
	Errors      FieldErrors
	// Authorizations and Receivers are counted on the tabs.
	Authorizations int
	Receivers      int
}

// Notice is a coloured message box; empty Text shows nothing.
type Notice struct {
	Kind string // warning | danger | info | success
	Text string
}

// ApplicationReceiverRow is one line of an application's "Receivers" tab.
type ApplicationReceiverRow struct {
	ID               int64
	Name             string
	ConnectionString string
	Login            string
	Active           bool
}

func applicationTitle(f ApplicationForm) string {
	if f.ID == 0 {
		return "New OAuth IMAP application"
	}
	return f.Name
}

func applicationAction(f ApplicationForm) string {
	if f.ID == 0 {
		return paths.Applications
	}
	return paths.Application(f.ID)
}

// ProviderLabel names a provider as GLPI's select does.
func ProviderLabel(p string) string {
	switch p {
	case "azure":
		return "Azure"
	case "google":
		return "Google"
	case "oidc":
		return "Generic OpenID Connect"
	}
	return p
}

// CloudLabel names a Microsoft cloud.
func CloudLabel(c string) string {
	switch c {
	case "usgov":
		return "US Government"
	case "china":
		return "China operated by 21Vianet"
	case "custom":
		return "Custom authority URL"
	}
	return "Global"
}

// StateLabel names an authorization state.
func StateLabel(s string) string { return oauth.State(s).Label() }

// stateColor is the badge colour of an authorization state.
func stateColor(s string) string {
	switch oauth.State(s) {
	case oauth.StateValid:
		return "bg-green-lt"
	case oauth.StateRefreshFailing:
		return "bg-yellow-lt"
	}
	return "bg-red-lt"
}
