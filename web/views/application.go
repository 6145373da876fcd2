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
	ProviderName   string // as GLPI's select names it
	Active         bool
	Authorizations int64
	State          AuthorizationState // the worst of its authorizations
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

// Providers are the identity providers as GLPI's select names them.
var Providers = []Choice{
	{Value: string(oauth.ProviderAzure), Label: "Azure"},
	{Value: string(oauth.ProviderGoogle), Label: "Google"},
	{Value: string(oauth.ProviderOIDC), Label: "Generic OpenID Connect"},
}

// Clouds are the Microsoft clouds an Azure application may be in.
var Clouds = []Choice{
	{Value: string(oauth.CloudGlobal), Label: "Global"},
	{Value: string(oauth.CloudUSGov), Label: "US Government"},
	{Value: string(oauth.CloudChina), Label: "China operated by 21Vianet"},
	{Value: string(oauth.CloudCustom), Label: "Custom authority URL"},
}

// ProviderLabel names a provider as GLPI's select does.
func ProviderLabel(p string) string { return labelOf(Providers, p) }

// ShowsAzure says the form shows Azure's own fields (tenant, cloud).
func (f ApplicationForm) ShowsAzure() bool { return oauth.Provider(f.Provider) == oauth.ProviderAzure }

// ShowsOIDC says the form shows OpenID Connect's own fields (issuer, scopes).
func (f ApplicationForm) ShowsOIDC() bool { return oauth.Provider(f.Provider) == oauth.ProviderOIDC }

// CloudChoice is the chosen Microsoft cloud, the global one by default.
func (f ApplicationForm) CloudChoice() string {
	if f.Cloud == "" {
		return string(oauth.CloudGlobal)
	}
	return f.Cloud
}

// AuthorizationState is an authorization state as its badge shows it;
// the zero value is no state (an application without authorizations).
type AuthorizationState struct {
	Code   string // the stored state, on the badge as data-state
	Label  string
	Colour string // the badge's class
}

// StateOf is the badge of a stored authorization state; "" is none.
func StateOf(s string) AuthorizationState {
	if s == "" {
		return AuthorizationState{}
	}
	st := AuthorizationState{Code: s, Label: oauth.State(s).Label(), Colour: "bg-red-lt"}
	switch oauth.State(s) {
	case oauth.StateValid:
		st.Colour = "bg-green-lt"
	case oauth.StateRefreshFailing:
		st.Colour = "bg-yellow-lt"
	}
	return st
}

// None says that there is no state to show.
func (s AuthorizationState) None() bool { return s.Code == "" }
