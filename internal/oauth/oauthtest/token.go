package oauthtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// codeLifetime is how long an authorization code can be redeemed.
const codeLifetime = 10 * time.Minute

type tokenError struct {
	status int
	body   map[string]any
}

// token serves the token endpoint of both shapes.
func (p *IdP) token(w http.ResponseWriter, r *http.Request, google bool, tenant string) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	grant := r.PostForm.Get("grant_type")
	p.mu.Lock()
	p.counts[grant]++
	var f *failure
	if q := p.fails[grant]; len(q) > 0 {
		f, p.fails[grant] = &q[0], q[1:]
	}
	p.mu.Unlock()
	if f != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.status)
		w.Write([]byte(f.body))
		return
	}
	if te := p.checkClient(r); te != nil {
		writeJSON(w, te.status, te.body)
		return
	}
	var resp map[string]any
	var te *tokenError
	switch grant {
	case "authorization_code":
		resp, te = p.redeemCode(r.PostForm, google, tenant)
	case "refresh_token":
		resp, te = p.useRefreshToken(r.PostForm, google, tenant)
	case "client_credentials":
		resp, te = p.clientCredentials(r.PostForm, google, tenant)
	default:
		te = &tokenError{http.StatusBadRequest, msError("unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+grant+"'.")}
	}
	if te != nil {
		writeJSON(w, te.status, te.body)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkClient authenticates the client by client_secret_post or
// client_secret_basic.
func (p *IdP) checkClient(r *http.Request) *tokenError {
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(bid)
		secret, _ = url.QueryUnescape(bsecret)
	}
	switch {
	case id != p.ClientID:
		return &tokenError{http.StatusBadRequest, msError("unauthorized_client", 700016, "Application with identifier '"+id+"' was not found in the directory.")}
	case secret == "":
		return &tokenError{http.StatusUnauthorized, msError("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")}
	case subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1:
		return &tokenError{http.StatusUnauthorized, msError("invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")}
	}
	return nil
}

func invalidGrant(aadsts int, msg string) *tokenError {
	return &tokenError{http.StatusBadRequest, msError("invalid_grant", aadsts, msg)}
}

func (p *IdP) redeemCode(f url.Values, google bool, tenant string) (map[string]any, *tokenError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.codes[f.Get("code")]
	switch {
	case c == nil || c.google != google || c.tenant != tenant:
		return nil, invalidGrant(70000, "The provided authorization code is invalid or malformed.")
	case c.used:
		return nil, invalidGrant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case p.now().Sub(c.issued) > codeLifetime:
		return nil, invalidGrant(70008, "The provided authorization code or refresh token has expired due to inactivity.")
	case c.clientID != f.Get("client_id") && f.Get("client_id") != "":
		return nil, invalidGrant(70000, "The authorization code was issued to another application.")
	case c.redirectURI != f.Get("redirect_uri"):
		return nil, invalidGrant(500112, "The reply address does not match the reply address provided when requesting Authorization code.")
	case !pkceMatches(c.challenge, c.method, f.Get("code_verifier")):
		return nil, invalidGrant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	c.used = true
	scopes := strings.Fields(c.scope)
	withRefresh := slices.Contains(scopes, "offline_access") || (google && c.offline)
	return p.issue(c.user, c.clientID, c.scope, google, c.tenant, c.nonce, withRefresh, slices.Contains(scopes, "openid")), nil
}

// pkceMatches checks RFC 7636 §4.6; a code asked without a challenge needs no verifier.
func pkceMatches(challenge, method, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if method != "S256" {
		return false // plain is accepted by Microsoft, but no client of ours should send it
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func (p *IdP) useRefreshToken(f url.Values, google bool, tenant string) (map[string]any, *tokenError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rt := p.refresh[f.Get("refresh_token")]
	switch {
	case rt == nil || rt.google != google:
		return nil, invalidGrant(9002313, "Invalid request. Request is malformed or invalid.")
	case rt.user.Revoked:
		return nil, invalidGrant(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
	case rt.used:
		return nil, invalidGrant(70008, "The refresh token was already used (the fake IdP rotates strictly).")
	case rt.clientID != f.Get("client_id") && f.Get("client_id") != "":
		return nil, invalidGrant(70000, "The refresh token was issued to another application.")
	}
	scope := rt.scope
	if s := f.Get("scope"); s != "" {
		scope = s
	}
	if google {
		// Google keeps the refresh token and sends none back.
		return p.issue(rt.user, rt.clientID, scope, true, "", "", false, strings.Contains(scope, "openid")), nil
	}
	if p.strict {
		rt.used = true
	}
	return p.issue(rt.user, rt.clientID, scope, false, rt.tenant, "", true, strings.Contains(scope, "openid")), nil
}

func (p *IdP) clientCredentials(f url.Values, google bool, tenant string) (map[string]any, *tokenError) {
	scope := f.Get("scope")
	switch {
	case google:
		return nil, &tokenError{http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type", "error_description": "Invalid grant_type: client_credentials"}}
	case multiTenant(tenant):
		return nil, &tokenError{http.StatusBadRequest, msError("invalid_request", 9001023, "The grant type 'client_credentials' is not supported over the /common or /consumers endpoints.")}
	case !strings.HasSuffix(scope, "/.default") || strings.Contains(scope, " "):
		return nil, &tokenError{http.StatusBadRequest, msError("invalid_scope", 1002012, "The provided value for scope "+scope+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issue(nil, f.Get("client_id"), scope, false, tenant, "", false, false), nil
}

// issue creates the tokens; p.mu is held.
func (p *IdP) issue(u *User, clientID, scope string, google bool, tenant, nonce string, withRefresh, withID bool) map[string]any {
	now := p.now()
	if !google && u != nil {
		scope = withConsented(scope, p.consented)
	}
	at := "at." + randomToken(32)
	p.access[at] = &accessGrant{user: u, clientID: clientID, scope: scope, expires: now.Add(p.accessTTL)}
	secs := int(p.accessTTL / time.Second)
	resp := map[string]any{"token_type": "Bearer", "scope": scope, "expires_in": secs, "access_token": at}
	if !google {
		resp["ext_expires_in"] = secs
	}
	if withRefresh {
		rt := "rt." + randomToken(48)
		p.refresh[rt] = &refreshGrant{user: u, google: google, tenant: tenant, clientID: clientID, scope: scope}
		resp["refresh_token"] = rt
	}
	if withID && u != nil {
		resp["id_token"] = p.idToken(u, clientID, google, nonce, now)
	}
	return resp
}

// withConsented adds to a granted scope string the consented scopes it
// lacks.
func withConsented(scope string, consented []string) string {
	have := strings.Fields(scope)
	for _, c := range consented {
		if !slices.Contains(have, c) {
			have = append(have, c)
		}
	}
	return strings.Join(have, " ")
}

// idToken builds the claims of Microsoft's v2.0 or Google's id_token; p.mu is held.
func (p *IdP) idToken(u *User, clientID string, google bool, nonce string, now time.Time) string {
	c := map[string]any{
		"aud": clientID,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(p.idTokenTTL).Unix(),
	}
	if google {
		c["iss"] = p.GoogleIssuer()
		c["azp"] = clientID
		c["sub"] = u.GoogleSubject
		c["email"] = u.Email
		c["email_verified"] = true
		c["name"] = u.Name
	} else {
		c["ver"] = "2.0"
		c["iss"] = p.msIssuer(u.TenantID)
		c["tid"] = u.TenantID
		c["oid"] = u.ObjectID
		c["sub"] = pairwiseSub(u.ObjectID, clientID)
		c["email"] = u.Email
		c["preferred_username"] = u.Email
		c["name"] = u.Name
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	if p.tamper != nil {
		p.tamper(c)
	}
	return p.sign(c, p.rogue)
}

// pairwiseSub is Microsoft's per-application subject.
func pairwiseSub(oid, clientID string) string {
	sum := sha256.Sum256([]byte(oid + "|" + clientID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return h[7:], true
	}
	return "", false
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
