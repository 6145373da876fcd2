package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

func TestExplainCallbackErrors(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	tests := []struct {
		name, error, description string
		kind                     Kind
		class                    Class
		consentLink, copyURI     bool
	}{
		{"consent needed", "invalid_client", "AADSTS65001: The user or administrator has not consented to use the application.", KindConsentRequired, ReauthRequired, true, false},
		{"consent_required", "consent_required", "", KindConsentRequired, ReauthRequired, true, false},
		{"interaction_required", "interaction_required", "AADSTS50076: Due to a configuration change", KindConsentRequired, ReauthRequired, true, false},
		{"admin consent required", "access_denied", "AADSTS90094: The grant requires admin permission.", KindConsentRequired, ReauthRequired, true, false},
		{"redirect URI", "invalid_request", "AADSTS50011: The redirect URI specified in the request does not match.", KindRedirectURI, ConfigError, false, true},
		{"secret expired", "invalid_client", "AADSTS7000222: The provided client secret keys are expired.", KindClientSecret, ConfigError, false, false},
		{"tenant not found", "invalid_request", "AADSTS90002: Tenant 'x' not found.", KindNotFound, ConfigError, false, false},
		{"app not found", "unauthorized_client", "AADSTS700016: Application not found in the directory.", KindNotFound, ConfigError, false, false},
		{"client id not a GUID", "invalid_request", "AADSTS90112: Application identifier is expected to be a GUID.", KindNotFound, ConfigError, false, false},
		{"wrong account", "invalid_request", "AADSTS50020: User account from identity provider does not exist in tenant.", KindWrongAccount, ReauthRequired, false, false},
		{"cancelled", "access_denied", "AADSTS65004: User declined to consent to access the app.", KindCancelled, ReauthRequired, false, false},
		{"cancelled without code", "access_denied", "", KindCancelled, ReauthRequired, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"error": {tt.error}, "state": {"s"}}
			if tt.description != "" {
				q.Set("error_description", tt.description+"\r\nTrace ID: 1234")
			}
			err := CallbackError(q)
			if err == nil {
				t.Fatal("CallbackError: got nil, want an error")
			}
			f := Explain(app, callbackURL, err)
			want := tt.description
			if want == "" {
				want = tt.error
			}
			if got := f.GLPIMessage; got != "Authorization failed with error: "+want {
				t.Errorf("GLPI message: got %q, want %q", got, "Authorization failed with error: "+want)
			}
			if f.Kind != tt.kind || f.Class != tt.class {
				t.Errorf("got kind %q class %q, want %q %q", f.Kind, f.Class, tt.kind, tt.class)
			}
			if f.Meaning == "" || f.Remedy == "" {
				t.Errorf("got meaning %q remedy %q, want both", f.Meaning, f.Remedy)
			}
			wantLink := ""
			if tt.consentLink {
				wantLink = idp.AzureAuthority() + "/" + idp.TenantID + "/adminconsent?client_id=" + idp.ClientID + "&redirect_uri=" + url.QueryEscape(callbackURL)
			}
			if f.AdminConsentURL != wantLink {
				t.Errorf("admin consent URL: got %q, want %q", f.AdminConsentURL, wantLink)
			}
			if got := f.RedirectURIToRegister != ""; got != tt.copyURI || (got && f.RedirectURIToRegister != callbackURL) {
				t.Errorf("redirect URI to register: got %q, want it %t", f.RedirectURIToRegister, tt.copyURI)
			}
		})
	}
	if err := CallbackError(url.Values{"code": {"c"}, "state": {"s"}}); err != nil {
		t.Errorf("CallbackError without error: got %v, want nil", err)
	}
}

func TestCallbackFailuresThroughTheIdP(t *testing.T) {
	tests := []struct {
		name    string
		run     func(t *testing.T, idp *oauthtest.IdP, app Application) error
		kind    Kind
		message string
	}{
		{"consent needed", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			idp.FailAuthorize("consent_required", "AADSTS65001: The user or administrator has not consented to use the application.")
			_, err := authorize(t, idp, app, "alice@contoso.example")
			return err
		}, KindConsentRequired, "Authorization failed with error: AADSTS65001: The user or administrator has not consented to use the application."},
		{"user cancelled", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			_, err := authorize(t, idp, app, "")
			return err
		}, KindCancelled, "Authorization failed with error: AADSTS65004: User declined to consent to access the app."},
		{"state mismatch", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			q, p := callback(t, idp, app, "alice@contoso.example")
			p.State = "another sign-in"
			return VerifyState(p, q.Get("state"))
		}, KindState, "Unable to verify authorization code"},
		{"no pending sign-in", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			q, _ := callback(t, idp, app, "alice@contoso.example")
			return VerifyState(Pending{}, q.Get("state"))
		}, KindState, "Unable to verify authorization code"},
		{"no code", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			_, p := callback(t, idp, app, "alice@contoso.example")
			_, err := Complete(testContext(t), app, callbackURL, "", p)
			return err
		}, KindNoCode, "Unable to get authorization code"},
		{"secret expired at the exchange", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			idp.FailNext("authorization_code", http.StatusUnauthorized, oauthtest.ErrorBody("invalid_client", 7000222, "The provided client secret keys for app are expired."))
			_, err := authorize(t, idp, app, "alice@contoso.example")
			return err
		}, KindClientSecret, "Unable to obtain access token from provider: AADSTS7000222: The provided client secret keys for app are expired."},
		{"wrong secret", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			app.ClientSecret = "the-secret-id-not-its-value"
			_, err := authorize(t, idp, app, "alice@contoso.example")
			return err
		}, KindClientSecret, "Unable to obtain access token from provider: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."},
		{"redirect URI mismatch at the exchange", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			q, p := callback(t, idp, app, "alice@contoso.example")
			_, err := Complete(testContext(t), app, "https://elsewhere.example/cb", q.Get("code"), p)
			return err
		}, KindRedirectURI, "Unable to obtain access token from provider: AADSTS500112: The reply address does not match the reply address provided when requesting Authorization code."},
		{"wrong account", func(t *testing.T, idp *oauthtest.IdP, app Application) error {
			pinned := mustAuthorize(t, idp, app, "alice@contoso.example").Identity
			idp.AddUser("bob@contoso.example", "Bob")
			got := mustAuthorize(t, idp, app, "bob@contoso.example").Identity
			return CheckSameIdentity(pinned, got)
		}, KindWrongAccount, "Authorization failed with error: signed in as bob@contoso.example, but this authorization belongs to alice@contoso.example; sign in as alice@contoso.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newIdP(t)
			app := azureApp(idp, idp.TenantID)
			err := tt.run(t, idp, app)
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			f := Explain(app, callbackURL, err)
			if f.Kind != tt.kind {
				t.Errorf("kind: got %q, want %q (error %v)", f.Kind, tt.kind, err)
			}
			if f.GLPIMessage != tt.message {
				t.Errorf("GLPI message:\n got %q\nwant %q", f.GLPIMessage, tt.message)
			}
			if !errors.Is(f, err) && !errors.Is(err, f.Err) {
				t.Error("the Failure does not wrap the error")
			}
		})
	}
}

func TestCheckSameIdentity(t *testing.T) {
	alice := Identity{TenantID: "t1", ObjectID: "o1", Subject: "s1", Email: "alice@contoso.example"}
	tests := []struct {
		name   string
		pinned Identity
		got    Identity
		ok     bool
	}{
		{"same Microsoft account", alice, Identity{TenantID: "T1", ObjectID: "O1", Subject: "other", Email: "alice.renamed@contoso.example"}, true},
		{"other object", alice, Identity{TenantID: "t1", ObjectID: "o2", Email: "bob@contoso.example"}, false},
		{"same object id in another tenant", alice, Identity{TenantID: "t2", ObjectID: "o1", Email: "alice@fabrikam.example"}, false},
		{"same Google subject", Identity{Subject: "123", Email: "a@gmail.example"}, Identity{Subject: "123", Email: "a@gmail.example"}, true},
		{"other Google subject", Identity{Subject: "123", Email: "a@gmail.example"}, Identity{Subject: "456", Email: "b@gmail.example"}, false},
		{"nothing pinned", Identity{}, Identity{Subject: "456"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSameIdentity(tt.pinned, tt.got)
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok=%t", err, tt.ok)
			}
			if err != nil && (!strings.Contains(err.Error(), tt.pinned.Email) || !strings.Contains(err.Error(), tt.got.Email)) {
				t.Errorf("got %q, want both e-mails named", err)
			}
		})
	}
}
