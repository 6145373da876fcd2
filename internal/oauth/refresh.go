package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrNoRefreshToken: the authorization has no refresh token to use (the
// provider gave none, or it was lost).
var ErrNoRefreshToken = errors.New("oauth: no refresh token stored for this authorization")

// Refresh uses a refresh token. When the provider sends a new refresh token
// (Microsoft rotates it on every use) the grant has it and Rotated is set;
// when it sends none (Google) the grant keeps the one given.
func Refresh(ctx context.Context, app Application, refreshToken string) (*Grant, error) {
	if refreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	r, err := app.resolve(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	if r.scopeOnToken {
		form.Set("scope", strings.Join(app.Scopes(), " "))
	}
	g, err := tokenRequest(ctx, app, r, form, refreshToken)
	if err != nil {
		return nil, fmt.Errorf("oauth: refresh: %w", err)
	}
	if g.RefreshToken == "" {
		g.RefreshToken = refreshToken
	} else {
		g.Rotated = g.RefreshToken != refreshToken
	}
	return g, nil
}

// tokenResponse is RFC 6749 §5.1's answer.
type tokenResponse struct {
	AccessToken  string      `json:"access_token"`
	TokenType    string      `json:"token_type"`
	RefreshToken string      `json:"refresh_token"`
	ExpiresIn    json.Number `json:"expires_in"` // a string at some providers
	Scope        string      `json:"scope"`
	IDToken      string      `json:"id_token"`
}

// tokenRequest posts to the token endpoint. x/oauth2 offers no way to add the
// scope to a refresh, which Microsoft documents, hence this small client.
func tokenRequest(ctx context.Context, app Application, r resolved, form url.Values, secrets ...string) (*Grant, error) {
	secrets = append(secrets, app.ClientSecret)
	ctx = withClient(ctx)
	basic := r.endpoint.AuthStyle == oauth2.AuthStyleInHeader
	if !basic {
		form.Set("client_id", app.ClientID)
		form.Set("client_secret", app.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic {
		// RFC 6749 §2.3.1: form-encode before basic auth.
		req.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(app.ClientSecret))
	}
	start := time.Now()
	resp, err := httpClient(ctx).Do(req)
	if err != nil {
		return nil, err // *url.Error: method and token URL only, never the form
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, parseErrorBody(resp.StatusCode, body, secrets...)
	}
	var t tokenResponse
	if err := unmarshalJSON("token", body, &t); err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		// Some providers answer 200 with an error object.
		if pe := parseErrorBody(resp.StatusCode, body, secrets...); pe.Code != "" {
			return nil, pe
		}
		return nil, errors.New("oauth: the provider sent no access token")
	}
	g := &Grant{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		IDToken:      t.IDToken,
		TokenType:    t.TokenType,
		Scope:        t.Scope,
	}
	if n, err := t.ExpiresIn.Int64(); err == nil && n > 0 {
		g.Expiry = start.Add(time.Duration(n) * time.Second)
	}
	return g, nil
}
