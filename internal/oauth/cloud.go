package oauth

import (
	"net/url"
	"strings"
)

// microsoftCloud holds the hosts of one Microsoft cloud (peers.md §3.1).
type microsoftCloud struct {
	authority string // login host, with scheme
	outlook   string // resource of delegated IMAP scopes
	exchange  string // resource of app-only scopes
	imapHost  string
}

var microsoftClouds = map[Cloud]microsoftCloud{
	CloudGlobal: {"https://login.microsoftonline.com", "https://outlook.office.com", "https://outlook.office365.com", "outlook.office365.com"},
	CloudUSGov:  {"https://login.microsoftonline.us", "https://outlook.office365.us", "https://outlook.office365.us", "outlook.office365.us"},
	// Microsoft's current documentation names login.partner.microsoftonline.cn;
	// login.chinacloudapi.cn is the older alias of the same authority.
	CloudChina: {"https://login.partner.microsoftonline.cn", "https://partner.outlook.cn", "https://partner.outlook.cn", "partner.outlook.cn"},
}

// cloud returns the application's Microsoft cloud; a custom authority keeps
// the global Outlook hosts.
func (a Application) cloud() microsoftCloud {
	if a.Cloud == CloudCustom {
		c := microsoftClouds[CloudGlobal]
		c.authority = strings.TrimRight(a.AuthorityURL, "/")
		return c
	}
	if c, ok := microsoftClouds[a.Cloud]; ok {
		return c
	}
	return microsoftClouds[CloudGlobal]
}

// Tenant returns the tenant segment of Microsoft URLs: TenantID, or "common".
func (a Application) Tenant() string {
	if a.TenantID == "" {
		return "common"
	}
	return a.TenantID
}

// Authority returns the Microsoft login authority URL, e.g.
// "https://login.microsoftonline.com"; "" for other providers.
func (a Application) Authority() string {
	if a.Provider != ProviderAzure {
		return ""
	}
	return a.cloud().authority
}

// tenantURL joins the authority, the tenant and a path.
func (a Application) tenantURL(path string) string {
	return a.cloud().authority + "/" + url.PathEscape(a.Tenant()) + path
}

// multiTenant reports whether the tenant segment accepts accounts of many
// tenants, so that the issuer must be checked against the token's tid.
func (a Application) multiTenant() bool {
	switch strings.ToLower(a.Tenant()) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

// AdminConsentURL returns the page where a tenant administrator grants the
// application's permissions for the whole tenant; "" for other providers.
func (a Application) AdminConsentURL(redirectURI string) string {
	if a.Provider != ProviderAzure {
		return ""
	}
	q := url.Values{"client_id": {a.ClientID}}
	if redirectURI != "" {
		q.Set("redirect_uri", redirectURI)
	}
	return a.tenantURL("/adminconsent") + "?" + q.Encode()
}

// IMAPServer is a mailbox server's address as the receiver form asks it.
type IMAPServer struct {
	Host     string
	Port     int
	Security string // "ssl" (implicit TLS), "starttls" or "none", as on the receiver form
}

// DefaultIMAPServer returns the provider's IMAP server, to prefill the
// receiver form; ok is false when the provider has no well-known one.
func (a Application) DefaultIMAPServer() (s IMAPServer, ok bool) {
	switch a.Provider {
	case ProviderAzure:
		return IMAPServer{Host: a.cloud().imapHost, Port: 993, Security: "ssl"}, true
	case ProviderGoogle:
		return IMAPServer{Host: "imap.gmail.com", Port: 993, Security: "ssl"}, true
	}
	return IMAPServer{}, false
}

// DocumentationURL returns the provider's developer help, as GLPI's "?" link.
func (a Application) DocumentationURL() string {
	switch a.Provider {
	case ProviderAzure:
		return "https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"
	case ProviderGoogle:
		return "https://developers.google.com/gmail/imap/xoauth2-protocol"
	}
	return ""
}
