package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

func TestRefreshRotates(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, "")
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	r, err := Refresh(testContext(t), app, g.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Rotated || r.RefreshToken == "" || r.RefreshToken == g.RefreshToken {
		t.Errorf("got rotated %t, new token %t; want a new refresh token", r.Rotated, r.RefreshToken != g.RefreshToken)
	}
	if r.AccessToken == "" || r.AccessToken == g.AccessToken || r.Expiry.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("got a stale access token or expiry %v", r.Expiry)
	}
	if r.Scope != strings.Join(app.Scopes(), " ") {
		t.Errorf("scope re-sent on refresh: got %q, want %q", r.Scope, strings.Join(app.Scopes(), " "))
	}
	if got := idp.Count("refresh_token"); got != 1 {
		t.Errorf("refresh requests: got %d, want 1", got)
	}
	// The fake IdP kills a used refresh token: using the old one again is what
	// a client that forgets the rotated token would do.
	_, err = Refresh(testContext(t), app, g.RefreshToken)
	if Classify(err) != ReauthRequired {
		t.Errorf("old refresh token: got %v (%s), want reauth_required", err, Classify(err))
	}
}

func TestRefreshGoogleKeepsTheRefreshToken(t *testing.T) {
	idp := newIdP(t)
	app := googleApp(idp)
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	for i := range 2 {
		r, err := Refresh(testContext(t), app, g.RefreshToken)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if r.Rotated || r.RefreshToken != g.RefreshToken {
			t.Errorf("refresh %d: got rotated %t, same token %t; want the old token kept", i, r.Rotated, r.RefreshToken == g.RefreshToken)
		}
		if r.AccessToken == "" || r.AccessToken == g.AccessToken {
			t.Errorf("refresh %d: got no new access token", i)
		}
	}
}

func TestRefreshAfterRevoke(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	if !introspect(t, idp, g.AccessToken) {
		t.Fatal("introspection: got inactive, want a fresh token active")
	}
	idp.Revoke("alice@contoso.example")
	if introspect(t, idp, g.AccessToken) {
		t.Error("introspection after revoke: got active, want inactive")
	}
	_, err := Refresh(testContext(t), app, g.RefreshToken)
	pe, ok := asProviderError(err)
	if !ok || !pe.HasCode(50173) || Classify(err) != ReauthRequired {
		t.Errorf("got %v, want AADSTS50173 classed reauth_required", err)
	}
}

// introspect asks the IdP as Dovecot does.
func introspect(t *testing.T, idp *oauthtest.IdP, token string) bool {
	t.Helper()
	resp, err := http.PostForm(idp.IntrospectionURL(), url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Active   bool   `json:"active"`
		Username string `json:"username"`
	}
	if err := unmarshalBody(resp, &body); err != nil {
		t.Fatal(err)
	}
	return body.Active && body.Username != ""
}

func TestClientCredentials(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	g, err := ClientCredentials(testContext(t), app, "helpdesk@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if g.AccessToken == "" || g.RefreshToken != "" || g.Email != "helpdesk@contoso.example" {
		t.Errorf("got access %t refresh %t email %q, want an access token only, for the mailbox", g.AccessToken != "", g.RefreshToken != "", g.Email)
	}
	if g.Scope != "https://outlook.office365.com/.default" {
		t.Errorf("scope: got %q, want https://outlook.office365.com/.default", g.Scope)
	}
	if got := idp.Count("client_credentials"); got != 1 {
		t.Errorf("client credentials requests: got %d, want 1", got)
	}

	for _, tenant := range []string{"", "common", "organizations"} {
		_, err := ClientCredentials(testContext(t), azureApp(idp, tenant), "helpdesk@contoso.example")
		if !errors.Is(err, errAppOnlyTenant) || Classify(err) != ConfigError {
			t.Errorf("tenant %q: got %v, want the tenant required as a config error", tenant, err)
		}
	}
	if _, err := ClientCredentials(testContext(t), googleApp(idp), "a@b.example"); !errors.Is(err, errNotAzure) {
		t.Errorf("Google: got %v, want errNotAzure", err)
	}

	cmds := ExchangeCommands(app, "helpdesk@contoso.example")
	for _, want := range []string{
		"New-ServicePrincipal -AppId '" + idp.ClientID + "' -ObjectId <OBJECT_ID>",
		"Add-MailboxPermission -Identity 'helpdesk@contoso.example' -User <SERVICE_PRINCIPAL_ID> -AccessRights FullAccess",
		"IMAP.AccessAsApp",
		"Enterprise applications",
		"SMTP.SendAsApp",
		"Set-CASMailbox -Identity 'helpdesk@contoso.example' -SmtpClientAuthenticationDisabled $false",
	} {
		if !strings.Contains(cmds, want) {
			t.Errorf("Exchange commands lack %q:\n%s", want, cmds)
		}
	}
}
