package oauth

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestNoSecretInErrors makes a hostile provider echo every secret it was
// sent, and checks that no error text, explanation, outcome or printed grant
// carries one.
func TestNoSecretInErrors(t *testing.T) {
	idp := newIdP(t)
	app := azureApp(idp, idp.TenantID)
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	secrets := map[string]string{
		"client secret": app.ClientSecret, "access token": g.AccessToken,
		"refresh token": g.RefreshToken, "id token": g.IDToken,
	}
	echo := func(extra ...string) string {
		all := []string{app.ClientSecret, g.AccessToken, g.RefreshToken}
		all = append(all, extra...)
		joined := strings.Join(all, " ")
		return fmt.Sprintf(`{"error":"invalid_grant %s","error_description":"AADSTS70000: bad grant %s","error_uri":"https://x.example/?t=%s","suberror":"%s","error_codes":[70000]}`,
			joined, joined, g.RefreshToken, g.RefreshToken)
	}
	var texts []string
	collect := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("got nil, want an error")
		}
		f := Explain(app, callbackURL, err)
		texts = append(texts, err.Error(), f.Error(), f.GLPIMessage, f.Meaning, f.Remedy, fmt.Sprintf("%v %+v", err, f))
		if pe, ok := asProviderError(err); ok {
			texts = append(texts, pe.Message(), pe.URI, pe.Suberror)
		}
	}

	idp.FailNext("refresh_token", 400, echo())
	_, err := Refresh(testContext(t), app, g.RefreshToken)
	collect(err)

	q, p := callback(t, idp, app, "alice@contoso.example")
	secrets["code"], secrets["verifier"] = q.Get("code"), p.Verifier
	idp.FailNext("authorization_code", 400, echo(q.Get("code"), p.Verifier))
	_, err = Complete(testContext(t), app, callbackURL, q.Get("code"), p)
	collect(err)

	idp.FailNext("client_credentials", 401, echo())
	_, err = ClientCredentials(testContext(t), app, "helpdesk@contoso.example")
	collect(err)

	idp.FailNext("refresh_token", 500, "Internal error, request was: "+echo())
	_, err = Refresh(testContext(t), app, g.RefreshToken)
	collect(err)

	s := storeWithGrant(t, idp)
	secrets["stored refresh token"] = s.rec.RefreshToken
	idp.FailNext("refresh_token", http.StatusBadRequest, strings.ReplaceAll(echo(), g.RefreshToken, s.rec.RefreshToken))
	_, err = NewManager(s).AccessToken(testContext(t), 1)
	collect(err)
	_, outcomes := s.snapshot()
	for _, o := range outcomes {
		texts = append(texts, o.Message, o.Remedy, fmt.Sprintf("%+v", o))
	}

	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("grant", "grant", g)
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s", g, g, g, *g), logged.String())

	for _, text := range texts {
		for name, secret := range secrets {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("the %s leaks into %q", name, text)
			}
		}
	}
	if len(texts) < 20 {
		t.Fatalf("checked %d texts, want every error path covered", len(texts))
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"GUID kept", "Application with identifier '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' was not found", "Application with identifier '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' was not found"},
		{"URL kept", "The redirect URI 'https://helpdesk.example.com/plugins/oauthimap/front/authorization.callback.php' does not match", "The redirect URI 'https://helpdesk.example.com/plugins/oauthimap/front/authorization.callback.php' does not match"},
		{"known secret", "secret abc~DEF.123 refused", "secret [redacted] refused"},
		{"token-shaped word", "grant 0.AVYAxyzKLMNOP1234567890abcdefGHIJ_klmn-opq expired", "grant [redacted] expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.in, []string{"abc~DEF.123"}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
