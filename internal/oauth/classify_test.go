package oauth

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

func unmarshalBody(resp *http.Response, v any) error {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func TestClassifyRefreshErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   Class
		code   int
	}{
		{"inactivity (90 days)", 400, oauthtest.ErrorBody("invalid_grant", 700082, "The refresh token has expired due to inactivity."), ReauthRequired, 700082},
		{"sessions revoked", 400, oauthtest.ErrorBody("invalid_grant", 50173, "The provided grant has expired due to it being revoked."), ReauthRequired, 50173},
		{"sign-in frequency", 400, oauthtest.ErrorBody("invalid_grant", 70043, "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access."), ReauthRequired, 70043},
		{"MFA required", 400, oauthtest.ErrorBody("invalid_grant", 50076, "Due to a configuration change made by your administrator, you must use multi-factor authentication."), ReauthRequired, 50076},
		{"MFA expired", 400, oauthtest.ErrorBody("invalid_grant", 50078, "Presented multi-factor authentication has expired."), ReauthRequired, 50078},
		{"MFA registration", 400, oauthtest.ErrorBody("interaction_required", 50079, "The user is required to use multi-factor authentication."), ReauthRequired, 50079},
		{"expired grant", 400, oauthtest.ErrorBody("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity."), ReauthRequired, 70008},
		{"code redeemed", 400, oauthtest.ErrorBody("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed."), ReauthRequired, 54005},
		{"plain invalid_grant (Google)", 400, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, ReauthRequired, 0},
		{"secret expired", 401, oauthtest.ErrorBody("invalid_client", 7000222, "The provided client secret keys for app are expired."), ConfigError, 7000222},
		{"secret wrong", 401, oauthtest.ErrorBody("invalid_client", 7000215, "Invalid client secret provided."), ConfigError, 7000215},
		{"app not found", 400, oauthtest.ErrorBody("unauthorized_client", 700016, "Application with identifier was not found in the directory."), ConfigError, 700016},
		{"tenant not found", 400, oauthtest.ErrorBody("invalid_request", 90002, "Tenant not found."), ConfigError, 90002},
		{"redirect URI", 400, oauthtest.ErrorBody("invalid_request", 50011, "The redirect URI does not match."), ConfigError, 50011},
		{"unauthorized_client (Google)", 401, `{"error":"unauthorized_client","error_description":"Unauthorized"}`, ConfigError, 0},
		{"invalid_client (Google)", 401, `{"error":"invalid_client","error_description":"The OAuth client was not found."}`, ConfigError, 0},
		{"temporarily unavailable", 503, oauthtest.ErrorBody("temporarily_unavailable", 90033, "A transient error has occurred. Please try again."), Transient, 90033},
		{"throttled", 429, oauthtest.ErrorBody("invalid_request", 50196, "The server terminated an operation because it encountered a client request loop."), Transient, 50196},
		{"429 without body", 429, ``, Transient, 0},
		{"502 from a proxy", 502, `<html><body>Bad gateway</body></html>`, Transient, 0},
		{"500 server_error", 500, `{"error":"server_error"}`, Transient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newIdP(t)
			app := azureApp(idp, idp.TenantID)
			g := mustAuthorize(t, idp, app, "alice@contoso.example")
			idp.FailNext("refresh_token", tt.status, tt.body)
			_, err := Refresh(testContext(t), app, g.RefreshToken)
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("class: got %q, want %q (%v)", got, tt.want, err)
			}
			if Remedy(err) == "" || Meaning(err) == "" {
				t.Errorf("got remedy %q meaning %q, want both", Remedy(err), Meaning(err))
			}
			pe, ok := asProviderError(err)
			if !ok {
				t.Fatalf("got %T, want a ProviderError in the chain", err)
			}
			if pe.Status != tt.status {
				t.Errorf("status: got %d, want %d", pe.Status, tt.status)
			}
			if tt.code != 0 && (len(pe.Codes) != 1 || pe.Codes[0] != tt.code) {
				t.Errorf("error_codes: got %v, want [%d]", pe.Codes, tt.code)
			}
		})
	}
}

func TestClassifyNetworkAndNil(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	app.AuthorityURL = "http://127.0.0.1:1" // nothing listens on port 1
	_, err := Refresh(testContext(t), app, "rt")
	if got := Classify(err); got != Transient {
		t.Errorf("connection refused: got %q (%v), want transient", got, err)
	}
	if got := Classify(nil); got != "" {
		t.Errorf("nil: got %q, want empty", got)
	}
	if got := Classify(ErrNoRefreshToken); got != ReauthRequired {
		t.Errorf("no refresh token: got %q, want reauth_required", got)
	}
	if got := Classify(Application{}.Validate()); got != ConfigError {
		t.Errorf("invalid application: got %q, want config_error", got)
	}
}
