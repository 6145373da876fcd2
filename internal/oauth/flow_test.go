package oauth

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBeginAzureURL(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, "")
	authURL, p, err := Begin(testContext(t), app, callbackURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if got, want := u.Path, "/common/oauth2/v2.0/authorize"; got != want {
		t.Errorf("path: got %q, want %q", got, want)
	}
	for k, want := range map[string]string{
		"scope":                 "openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All",
		"prompt":                "login",
		"response_type":         "code",
		"client_id":             idp.ClientID,
		"redirect_uri":          callbackURL,
		"code_challenge_method": "S256",
		"state":                 p.State,
		"nonce":                 p.Nonce,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	if q.Get("code_challenge") == "" || q.Get("code_challenge") == p.Verifier {
		t.Errorf("code_challenge: got %q, want the S256 of the verifier", q.Get("code_challenge"))
	}
	if got := len(p.State); got != 43 { // 32 bytes, base64url without padding
		t.Errorf("state length: got %d, want 43", got)
	}
	_, p2, _ := Begin(testContext(t), app, callbackURL)
	if p2.State == p.State || p2.Nonce == p.Nonce || p2.Verifier == p.Verifier {
		t.Error("two Begin calls gave the same state, nonce or verifier")
	}
}

func TestCompleteAzure(t *testing.T) {
	idp := newIdP(t)
	tests := []struct {
		name, tenant string
	}{
		{"tenant GUID", idp.TenantID},
		{"common", ""},
		{"organizations", "organizations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			g := mustAuthorize(t, idp, azureApp(idp, tt.tenant), "alice@contoso.example")
			if g.Email != "alice@contoso.example" {
				t.Errorf("email: got %q, want alice@contoso.example", g.Email)
			}
			if g.Identity.TenantID != idp.TenantID || g.Identity.ObjectID == "" || g.Identity.Subject == "" {
				t.Errorf("identity: got %+v, want tenant %s with object id and subject", g.Identity, idp.TenantID)
			}
			if g.AccessToken == "" || g.RefreshToken == "" || g.IDToken == "" {
				t.Errorf("tokens: got access %t refresh %t id %t, want all", g.AccessToken != "", g.RefreshToken != "", g.IDToken != "")
			}
			if d := g.Expiry.Sub(start); d < 59*time.Minute || d > 61*time.Minute {
				t.Errorf("expiry: got %v from now, want about 1h", d)
			}
			if !strings.Contains(g.Scope, "IMAP.AccessAsUser.All") {
				t.Errorf("scope: got %q, want the IMAP scope", g.Scope)
			}
		})
	}
}

func TestCompleteGoogle(t *testing.T) {
	idp := newIdP(t)
	app := googleApp(idp)
	authURL, _, err := Begin(testContext(t), app, callbackURL)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(authURL)
	for k, want := range map[string]string{
		"scope":       "openid email profile https://mail.google.com/",
		"prompt":      "consent select_account",
		"access_type": "offline",
	} {
		if got := q.Query().Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	if g.Email != "alice@contoso.example" || g.RefreshToken == "" {
		t.Errorf("got email %q refresh token %t, want alice and a refresh token", g.Email, g.RefreshToken != "")
	}
	if g.Identity.Subject == "" || g.Identity.ObjectID != "" {
		t.Errorf("identity: got %+v, want a Google subject only", g.Identity)
	}
}

func TestCompleteGenericOIDC(t *testing.T) {
	idp := newIdP(t)
	app := oidcApp(idp)
	app.ExtraScopes = []string{"https://outlook.office.com/IMAP.AccessAsUser.All"}
	authURL, _, err := Begin(testContext(t), app, callbackURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if got, want := u.Path, "/"+idp.TenantID+"/oauth2/v2.0/authorize"; got != want {
		t.Errorf("discovered authorize path: got %q, want %q", got, want)
	}
	if got, want := u.Query().Get("scope"), "openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All"; got != want {
		t.Errorf("scope: got %q, want %q", got, want)
	}
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	if g.Email != "alice@contoso.example" {
		t.Errorf("email (from userinfo): got %q, want alice@contoso.example", g.Email)
	}
}

func TestCompleteRejectsReplayedCode(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	q, p := callback(t, idp, app, "alice@contoso.example")
	if _, err := Complete(testContext(t), app, callbackURL, q.Get("code"), p); err != nil {
		t.Fatal(err)
	}
	_, err := Complete(testContext(t), app, callbackURL, q.Get("code"), p)
	if pe, ok := asProviderError(err); !ok || !pe.HasCode(54005) {
		t.Fatalf("second redemption: got %v, want AADSTS54005", err)
	}
}

func TestCompleteNeedsTheVerifier(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	q, p := callback(t, idp, app, "alice@contoso.example")
	p.Verifier = "another-verifier-of-sufficient-length-0123456789"
	_, err := Complete(testContext(t), app, callbackURL, q.Get("code"), p)
	if pe, ok := asProviderError(err); !ok || pe.Code != "invalid_grant" {
		t.Fatalf("got %v, want invalid_grant for a wrong PKCE verifier", err)
	}
}
