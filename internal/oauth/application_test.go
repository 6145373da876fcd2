package oauth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Application{Provider: ProviderAzure, ClientID: "11111111-2222-3333-4444-555555555555", ClientSecret: "s"}
	tests := []struct {
		name   string
		change func(a *Application)
		fields []string
	}{
		{"valid Azure", func(a *Application) {}, nil},
		{"no provider", func(a *Application) { a.Provider = "" }, []string{"provider"}},
		{"unknown provider", func(a *Application) { a.Provider = "yahoo" }, []string{"provider"}},
		{"empty client id and secret", func(a *Application) { a.ClientID, a.ClientSecret = "", "" }, []string{"client_id", "client_secret"}},
		{"client id not a GUID", func(a *Application) { a.ClientID = "my-app" }, []string{"client_id"}},
		{"tenant with a slash", func(a *Application) { a.TenantID = "contoso/../x" }, []string{"tenant_id"}},
		{"tenant domain", func(a *Application) { a.TenantID = "contoso.onmicrosoft.com" }, nil},
		{"custom authority https", func(a *Application) { a.Cloud, a.AuthorityURL = CloudCustom, "https://login.example.com/" }, nil},
		{"custom authority loopback http", func(a *Application) { a.Cloud, a.AuthorityURL = CloudCustom, "http://127.0.0.1:8080" }, nil},
		{"custom authority localhost http", func(a *Application) { a.Cloud, a.AuthorityURL = CloudCustom, "http://localhost:8080" }, nil},
		{"custom authority remote http", func(a *Application) { a.Cloud, a.AuthorityURL = CloudCustom, "http://login.example.com" }, []string{"authority_url"}},
		{"custom authority missing", func(a *Application) { a.Cloud = CloudCustom }, []string{"authority_url"}},
		{"authority without custom cloud", func(a *Application) { a.AuthorityURL = "https://login.example.com" }, []string{"authority_url"}},
		{"unknown cloud", func(a *Application) { a.Cloud = "mars" }, []string{"cloud"}},
		{"oidc without issuer", func(a *Application) { a.Provider = ProviderOIDC }, []string{"issuer_url"}},
		{"oidc with ftp issuer", func(a *Application) { a.Provider, a.IssuerURL = ProviderOIDC, "ftp://idp.example" }, []string{"issuer_url"}},
		{"scope with a space", func(a *Application) { a.ExtraScopes = []string{"a b"} }, []string{"extra_scopes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.change(&a)
			err := a.Validate()
			var ve ValidationError
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			var got []string
			for _, f := range ve {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields: got %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestProvidersPerCloud(t *testing.T) {
	tests := []struct {
		name                          string
		app                           Application
		authHost, imapScope, appScope string
		imapHost                      string
	}{
		{"global", Application{Provider: ProviderAzure}, "login.microsoftonline.com", "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office365.com/.default", "outlook.office365.com"},
		{"US government", Application{Provider: ProviderAzure, Cloud: CloudUSGov}, "login.microsoftonline.us", "https://outlook.office365.us/IMAP.AccessAsUser.All", "https://outlook.office365.us/.default", "outlook.office365.us"},
		{"China", Application{Provider: ProviderAzure, Cloud: CloudChina}, "login.partner.microsoftonline.cn", "https://partner.outlook.cn/IMAP.AccessAsUser.All", "https://partner.outlook.cn/.default", "partner.outlook.cn"},
		{"Google", Application{Provider: ProviderGoogle}, "accounts.google.com", "https://mail.google.com/", "", "imap.gmail.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.app
			a.ClientID, a.ClientSecret, a.TenantID = "11111111-2222-3333-4444-555555555555", "s", ""
			authURL, _, err := Begin(testContext(t), a, callbackURL)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(authURL)
			if u.Host != tt.authHost {
				t.Errorf("authorize host: got %q, want %q", u.Host, tt.authHost)
			}
			if a.Provider == ProviderAzure && u.Path != "/common/oauth2/v2.0/authorize" {
				t.Errorf("authorize path: got %q, want /common/oauth2/v2.0/authorize", u.Path)
			}
			scopes := a.Scopes()
			if scopes[len(scopes)-1] != tt.imapScope {
				t.Errorf("mail scope: got %q, want %q", scopes[len(scopes)-1], tt.imapScope)
			}
			if tt.appScope != "" && a.AppOnlyScope() != tt.appScope {
				t.Errorf("app-only scope: got %q, want %q", a.AppOnlyScope(), tt.appScope)
			}
			s, ok := a.DefaultIMAPServer()
			if !ok || s != (IMAPServer{Host: tt.imapHost, Port: 993, Security: "ssl"}) {
				t.Errorf("IMAP server: got %+v, want %s:993 ssl", s, tt.imapHost)
			}
		})
	}
	if _, ok := (Application{Provider: ProviderOIDC}).DefaultIMAPServer(); ok {
		t.Error("generic OIDC: got a default IMAP server, want none")
	}
}
