package oauthtest

import "net/http"

// introspect answers RFC 7662 token introspection the way Dovecot's oauth2
// passdb asks: POST token=..., or the token as a bearer (introspection_mode
// = auth). Dovecot then compares "username" with the SASL user.
func (p *IdP) introspect(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	if !ok {
		r.ParseForm()
		tok = r.Form.Get("token")
	}
	p.mu.Lock()
	g := p.access[tok]
	live := g != nil && p.now().Before(g.expires) && (g.user == nil || !g.user.Revoked)
	resp := map[string]any{"active": false}
	if live {
		resp = map[string]any{"active": true, "client_id": g.clientID, "scope": g.scope, "exp": g.expires.Unix(), "token_type": "Bearer"}
		if g.user != nil {
			resp["username"] = g.user.Email
			resp["email"] = g.user.Email
			resp["sub"] = g.user.ObjectID
		}
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}
