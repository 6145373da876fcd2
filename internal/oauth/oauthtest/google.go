package oauthtest

import (
	"net/http"
)

func (p *IdP) googleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.GoogleIssuer(),
		"authorization_endpoint":                p.GoogleAuthURL(),
		"token_endpoint":                        p.GoogleTokenURL(),
		"userinfo_endpoint":                     p.GoogleUserInfoURL(),
		"jwks_uri":                              p.srv.URL + "/google/certs",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
	})
}

func (p *IdP) googleAuthorize(w http.ResponseWriter, r *http.Request) {
	p.authorize(w, r, true, "")
}

func (p *IdP) googleToken(w http.ResponseWriter, r *http.Request) {
	p.token(w, r, true, "")
}

// userInfo answers the OpenID userinfo request (Google's, and the one of
// Microsoft's discovery) for a live access token.
func (p *IdP) userInfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	p.mu.Lock()
	g := p.access[tok]
	live := ok && g != nil && g.user != nil && !g.user.Revoked && p.now().Before(g.expires)
	var u User
	if live {
		u = *g.user
	}
	p.mu.Unlock()
	if !live {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "Invalid Credentials"})
		return
	}
	sub := u.GoogleSubject
	if r.URL.Path == "/oidc/userinfo" {
		sub = pairwiseSub(u.ObjectID, g.clientID)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": sub, "email": u.Email, "email_verified": true, "name": u.Name})
}
