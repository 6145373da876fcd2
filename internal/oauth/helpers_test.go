package oauth

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

const callbackURL = "https://helpdesk.example.com/front/authorization.callback.php"

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newIdP starts a fake IdP with alice in the home tenant.
func newIdP(t *testing.T) *oauthtest.IdP {
	t.Helper()
	idp := oauthtest.New(t)
	idp.AddUser("alice@contoso.example", "Alice")
	return idp
}

func azureApp(idp *oauthtest.IdP, tenant string) Application {
	return Application{
		Provider: ProviderAzure, Cloud: CloudCustom, AuthorityURL: idp.AzureAuthority(),
		TenantID: tenant, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
	}
}

func googleApp(idp *oauthtest.IdP) Application {
	return Application{
		Provider: ProviderGoogle, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		Endpoints: &Endpoints{AuthURL: idp.GoogleAuthURL(), TokenURL: idp.GoogleTokenURL(),
			UserInfoURL: idp.GoogleUserInfoURL(), Issuer: idp.GoogleIssuer()},
	}
}

func oidcApp(idp *oauthtest.IdP) Application {
	return Application{Provider: ProviderOIDC, IssuerURL: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
}

// callback runs Begin and the browser, and returns what came back to the
// redirect URI with the pending values.
func callback(t *testing.T, idp *oauthtest.IdP, app Application, email string) (url.Values, Pending) {
	t.Helper()
	authURL, p, err := Begin(testContext(t), app, callbackURL)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	back, err := idp.SignIn(authURL, email)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	return back.Query(), p
}

// authorize runs the whole flow as the callback handler will.
func authorize(t *testing.T, idp *oauthtest.IdP, app Application, email string) (*Grant, error) {
	t.Helper()
	q, p := callback(t, idp, app, email)
	if err := CallbackError(q); err != nil {
		return nil, err
	}
	if err := VerifyState(p, q.Get("state")); err != nil {
		return nil, err
	}
	return Complete(testContext(t), app, callbackURL, q.Get("code"), p)
}

func mustAuthorize(t *testing.T, idp *oauthtest.IdP, app Application, email string) *Grant {
	t.Helper()
	g, err := authorize(t, idp, app, email)
	if err != nil {
		t.Fatalf("authorize %s: %v", email, err)
	}
	return g
}
