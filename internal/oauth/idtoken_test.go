package oauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

func TestIDTokenChecks(t *testing.T) {
	tests := []struct {
		name   string
		tenant string // "" = common (templated issuer)
		setup  func(idp *oauthtest.IdP)
		want   string // part of the reason; "" = accepted
	}{
		{"valid", "", func(*oauthtest.IdP) {}, ""},
		{"wrong audience", "", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) { c["aud"] = "00000000-0000-0000-0000-000000000001" })
		}, "expected audience"},
		{"wrong nonce", "", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) { c["nonce"] = "replayed" })
		}, "nonce"},
		{"no nonce", "", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) { delete(c, "nonce") })
		}, "nonce"},
		{"issuer of another tenant (common)", "", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) {
				c["iss"] = strings.Replace(c["iss"].(string), idp.TenantID, "11111111-2222-3333-4444-555555555555", 1)
			})
		}, "issuer"},
		{"tid of another tenant (common)", "", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) { c["tid"] = "11111111-2222-3333-4444-555555555555" })
		}, "issuer"},
		{"issuer of another tenant (single tenant)", "home", func(idp *oauthtest.IdP) {
			idp.TamperIDToken(func(c map[string]any) {
				c["iss"] = strings.Replace(c["iss"].(string), idp.TenantID, "11111111-2222-3333-4444-555555555555", 1)
			})
		}, "issued by a different provider"},
		{"expired", "", func(idp *oauthtest.IdP) { idp.SetIDTokenLifetime(-10 * time.Minute) }, "expired"},
		{"expired within the clock skew", "", func(idp *oauthtest.IdP) { idp.SetIDTokenLifetime(-time.Minute) }, ""},
		{"bad signature", "", func(idp *oauthtest.IdP) { idp.SignWithRogueKey(true) }, "verification failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newIdP(t)
			tenant := tt.tenant
			if tenant == "home" {
				tenant = idp.TenantID
			}
			tt.setup(idp)
			g, err := authorize(t, idp, azureApp(idp, tenant), "alice@contoso.example")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want the id_token accepted", err)
				}
				return
			}
			var ie *IDTokenError
			if !errors.As(err, &ie) {
				t.Fatalf("got grant %v, error %v; want an IDTokenError", g, err)
			}
			if !strings.Contains(ie.Error(), tt.want) {
				t.Errorf("got %q, want it to mention %q", ie.Error(), tt.want)
			}
			f := Explain(azureApp(idp, tenant), callbackURL, err)
			if f.Kind != KindIDToken || !strings.HasPrefix(f.GLPIMessage, "Unable to obtain access token from provider: ") {
				t.Errorf("Explain: got kind %q message %q, want id_token with GLPI's token message", f.Kind, f.GLPIMessage)
			}
		})
	}
}

func TestEmailClaims(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(c map[string]any)
		want   string
	}{
		{"email", func(c map[string]any) { c["preferred_username"] = "other@contoso.example" }, "alice@contoso.example"},
		{"preferred_username", func(c map[string]any) { delete(c, "email") }, "alice@contoso.example"},
		{"upn", func(c map[string]any) {
			delete(c, "email")
			c["preferred_username"] = "+33 1 23 45 67 89"
			c["upn"] = "alice.upn@contoso.example"
		}, "alice.upn@contoso.example"},
		{"none", func(c map[string]any) {
			delete(c, "email")
			delete(c, "preferred_username")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newIdP(t)
			idp.TamperIDToken(tt.tamper)
			app := azureApp(idp, idp.TenantID)
			g, err := authorize(t, idp, app, "alice@contoso.example")
			if tt.want == "" {
				if !errors.Is(err, ErrNoEmail) {
					t.Fatalf("got %v, want ErrNoEmail", err)
				}
				if f := Explain(app, callbackURL, err); f.GLPIMessage != "The authenticated account does not expose an email address" {
					t.Errorf("GLPI message: got %q", f.GLPIMessage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Email != tt.want {
				t.Errorf("email: got %q, want %q", g.Email, tt.want)
			}
		})
	}
}

func TestDiscoveryIsCached(t *testing.T) {
	idp := newIdP(t)
	app := oidcApp(idp)
	mustAuthorize(t, idp, app, "alice@contoso.example")
	providers.Lock()
	before := providers.m["false "+idp.Issuer()]
	providers.Unlock()
	if before == nil {
		t.Fatal("no cached discovery after a sign-in")
	}
	mustAuthorize(t, idp, app, "alice@contoso.example")
	providers.Lock()
	after := providers.m["false "+idp.Issuer()]
	providers.Unlock()
	if after != before {
		t.Error("discovery was fetched again for the second sign-in, want the cached provider")
	}
}
