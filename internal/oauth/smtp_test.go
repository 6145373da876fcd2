package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestSMTPServerAndScope(t *testing.T) {
	ms := Application{Provider: ProviderAzure, Cloud: CloudGlobal}
	gov := Application{Provider: ProviderAzure, Cloud: CloudUSGov}
	g := Application{Provider: ProviderGoogle}
	for _, tc := range []struct {
		app     Application
		host    string
		scope   string
		granted string
		has     bool
	}{
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send", true},
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "IMAP.AccessAsUser.All SMTP.Send openid", true},
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", false},
		{gov, "smtp.office365.us", "https://outlook.office365.us/SMTP.Send", "https://outlook.office365.us/SMTP.Send", true},
		{g, "smtp.gmail.com", "https://mail.google.com/", "openid email https://mail.google.com/", true},
		{g, "smtp.gmail.com", "https://mail.google.com/", "openid email", false},
	} {
		host, port := tc.app.SMTPServer()
		if host != tc.host || port != 587 || tc.app.SMTPScope() != tc.scope || tc.app.HasSMTPScope(tc.granted) != tc.has {
			t.Errorf("%s/%s: %s:%d %q has(%q)=%v", tc.app.Provider, tc.app.Cloud, host, port, tc.app.SMTPScope(), tc.granted, tc.app.HasSMTPScope(tc.granted))
		}
	}
	if ms.RequestsSMTPScope() {
		t.Error("GLPI's scopes alone do not ask for SMTP.Send")
	}
	ms.ExtraScopes = []string{"https://outlook.office.com/SMTP.Send"}
	if !ms.RequestsSMTPScope() || !g.RequestsSMTPScope() {
		t.Error("with the extra scope, or for Google, sign-in asks for SMTP")
	}
}

func TestWithSMTPScopeAddsItOnce(t *testing.T) {
	ms := Application{Provider: ProviderAzure, Cloud: CloudGlobal, ExtraScopes: []string{"https://outlook.office.com/POP.AccessAsUser.All"}}
	with := ms.WithSMTPScope()
	if !with.RequestsSMTPScope() || !slices.Contains(with.Scopes(), "https://outlook.office.com/SMTP.Send") {
		t.Fatalf("got %v, want SMTP.Send asked for", with.Scopes())
	}
	if len(ms.ExtraScopes) != 1 || ms.RequestsSMTPScope() {
		t.Fatal("WithSMTPScope changed the application it was called on")
	}
	if got := with.WithSMTPScope().Scopes(); len(got) != len(with.Scopes()) {
		t.Fatalf("asked twice: %v", got)
	}
	g := Application{Provider: ProviderGoogle}
	if !slices.Equal(g.WithSMTPScope().Scopes(), g.Scopes()) {
		t.Fatal("Google's mail scope already sends: nothing to add")
	}
}

// A refresh asks again for the SMTP permission when the authorization was
// granted it (the fake provider, like a strict one, issues exactly the
// scopes asked for), and never when it was not.
func TestRefreshKeepsTheSMTPScopeItWasGranted(t *testing.T) {
	idp := newIdP(t)
	for _, granted := range []bool{true, false} {
		s := storeWithGrant(t, idp)
		s.rec.Scope = strings.Join(s.app.Scopes(), " ")
		if granted {
			s.rec.Scope += " " + s.app.SMTPScope()
		}
		tok, err := NewManager(s).AccessToken(testContext(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.PostForm(idp.IntrospectionURL(), url.Values{"token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		var in struct {
			Active bool
			Scope  string
		}
		err = json.NewDecoder(resp.Body).Decode(&in)
		resp.Body.Close()
		if err != nil || !in.Active {
			t.Fatalf("introspection: %v %+v", err, in)
		}
		if has := s.app.HasSMTPScope(in.Scope); has != granted {
			t.Errorf("granted SMTP.Send %t: the refreshed token has it %t (%q)", granted, has, in.Scope)
		}
	}
}
