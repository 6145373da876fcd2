// Package oauthtest is an in-process fake identity provider for tests: it
// answers with Microsoft Entra ID v2.0 shapes (per-tenant discovery, JWKS,
// authorize with a sign-in page, token for code+PKCE, refresh with rotation
// and client credentials, error bodies with error_codes), Google's shapes
// (authorize, token, userinfo) and RFC 7662 introspection, so a real Dovecot
// can validate the tokens it issued. It listens on 127.0.0.1 only.
package oauthtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// User is an account that can sign in at the IdP.
type User struct {
	Email    string
	Name     string
	TenantID string // Microsoft tenant the account belongs to
	ObjectID string // Microsoft oid
	// GoogleSubject is the account's "sub" at Google.
	GoogleSubject string
	// Revoked accounts' tokens are inactive and their refresh tokens fail.
	Revoked bool
}

// IdP is the fake identity provider. Its exported fields are fixed at New;
// change its behaviour with its methods, which are safe to call while it serves.
type IdP struct {
	// TenantID is the home tenant of the registered application.
	TenantID     string
	ClientID     string
	ClientSecret string

	srv *httptest.Server

	mu           sync.Mutex
	users        []*User
	prefill      string
	redirectURIs []string
	codes        map[string]*codeGrant
	access       map[string]*accessGrant
	refresh      map[string]*refreshGrant
	fails        map[string][]failure
	authFail     *authFailure
	counts       map[string]int
	offset       time.Duration
	accessTTL    time.Duration
	idTokenTTL   time.Duration
	tamper       func(claims map[string]any)
	rogue        bool
	strict       bool
	brand        string
	consented    []string // granted beforehand, see Consent
}

type codeGrant struct {
	user                         *User
	tenant                       string // path segment used at authorize
	google, offline              bool
	clientID, redirectURI, scope string
	challenge, method, nonce     string
	issued                       time.Time
	used                         bool
}

type accessGrant struct {
	user     *User // nil for client credentials
	clientID string
	scope    string
	expires  time.Time
}

type refreshGrant struct {
	user     *User
	google   bool
	tenant   string
	clientID string
	scope    string
	used     bool
}

type failure struct {
	status int
	body   string
}

type authFailure struct{ code, description string }

// New starts a fake IdP on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB) *IdP {
	t.Helper()
	p := Start()
	t.Cleanup(p.Close)
	return p
}

// Start starts a fake IdP on 127.0.0.1 outside a test (the demo's
// stand-in for Microsoft); Close stops it.
func Start() *IdP {
	p := &IdP{
		TenantID:     newGUID(),
		ClientID:     newGUID(),
		ClientSecret: "fake~secret." + randomToken(12),
		codes:        map[string]*codeGrant{},
		access:       map[string]*accessGrant{},
		refresh:      map[string]*refreshGrant{},
		fails:        map[string][]failure{},
		counts:       map[string]int{},
		accessTTL:    time.Hour,
		idTokenTTL:   time.Hour,
		strict:       true,
	}
	p.srv = httptest.NewServer(p.routes())
	return p
}

// Close stops the IdP.
func (p *IdP) Close() { p.srv.Close() }

// SetBrand names the sign-in page (its title and heading), e.g. to say
// plainly that it is not the real provider.
func (p *IdP) SetBrand(brand string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.brand = brand
}

// Consent grants the application scopes beforehand, as an administrator's
// consent in Microsoft Entra ID does: Microsoft's tokens then carry every
// consented permission of the resource, also those a sign-in did not ask
// for. Google's tokens are unchanged.
func (p *IdP) Consent(scopes ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.consented = append(p.consented, scopes...)
}

// ActiveUser returns the account a live access token was issued to, as
// introspection would.
func (p *IdP) ActiveUser(token string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.access[token]
	if g == nil || g.user == nil || g.user.Revoked || !p.now().Before(g.expires) {
		return "", false
	}
	return g.user.Email, true
}

// URL returns the IdP's base URL, e.g. "http://127.0.0.1:40123".
func (p *IdP) URL() string { return p.srv.URL }

// AzureAuthority returns the base URL to use as an application's custom
// authority: tenant paths hang below it as at login.microsoftonline.com.
func (p *IdP) AzureAuthority() string { return p.srv.URL }

// Issuer returns the OpenID issuer of the home tenant, usable as a generic
// OIDC provider's issuer URL.
func (p *IdP) Issuer() string { return p.srv.URL + "/" + p.TenantID + "/v2.0" }

// IntrospectionURL returns the RFC 7662 endpoint, for Dovecot's oauth2 passdb.
func (p *IdP) IntrospectionURL() string { return p.srv.URL + "/introspect" }

// Google's endpoints at the fake IdP.
func (p *IdP) GoogleAuthURL() string     { return p.srv.URL + "/google/o/oauth2/v2/auth" }
func (p *IdP) GoogleTokenURL() string    { return p.srv.URL + "/google/token" }
func (p *IdP) GoogleUserInfoURL() string { return p.srv.URL + "/google/userinfo" }
func (p *IdP) GoogleIssuer() string      { return p.srv.URL + "/google" }

// AddUser adds an account of the home tenant and returns it; the first one
// added is prefilled on the sign-in page.
func (p *IdP) AddUser(email, name string) User {
	return p.AddUserInTenant(email, name, p.TenantID)
}

// AddUserInTenant adds an account of another tenant (a guest, a wrong account).
func (p *IdP) AddUserInTenant(email, name, tenantID string) User {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := &User{Email: email, Name: name, TenantID: tenantID, ObjectID: newGUID(), GoogleSubject: randomDigits(21)}
	p.users = append(p.users, u)
	if p.prefill == "" {
		p.prefill = email
	}
	return *u
}

// SetSignInAs sets the e-mail prefilled on the sign-in page.
func (p *IdP) SetSignInAs(email string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prefill = email
}

// RegisterRedirectURI restricts the app's redirect URIs, as the app
// registration does; with none registered any is accepted.
func (p *IdP) RegisterRedirectURI(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirectURIs = append(p.redirectURIs, uri)
}

// FailNext makes the next token request of grantType ("authorization_code",
// "refresh_token", "client_credentials") answer status with body. Calls queue.
func (p *IdP) FailNext(grantType string, status int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fails[grantType] = append(p.fails[grantType], failure{status, body})
}

// FailAuthorize makes the next authorization request redirect back with
// error and error_description instead of showing the sign-in page.
func (p *IdP) FailAuthorize(code, description string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authFail = &authFailure{code, description}
}

// Revoke makes the account's access tokens inactive and its refresh tokens
// fail with invalid_grant (AADSTS50173), as "revoke sessions" does.
func (p *IdP) Revoke(email string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.user(email); u != nil {
		u.Revoked = true
	}
}

// Count returns how many token requests of grantType were received.
func (p *IdP) Count(grantType string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[grantType]
}

// SetAccessTokenLifetime sets expires_in of the next access tokens (default 1h).
func (p *IdP) SetAccessTokenLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accessTTL = d
}

// SetIDTokenLifetime sets the exp of the next id_tokens (default 1h); a
// negative value issues expired ones.
func (p *IdP) SetIDTokenLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idTokenTTL = d
}

// Advance moves the IdP's clock, which dates tokens and decides expiry.
func (p *IdP) Advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offset += d
}

// Now returns the IdP's clock.
func (p *IdP) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now()
}

func (p *IdP) now() time.Time { return time.Now().Add(p.offset) }

// TamperIDToken changes the claims of the next id_tokens before signing
// (wrong audience, nonce, issuer...); nil stops it.
func (p *IdP) TamperIDToken(fn func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = fn
}

// SignWithRogueKey signs the next id_tokens with a key absent from the JWKS.
func (p *IdP) SignWithRogueKey(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rogue = on
}

// SetStrictRotation decides whether a refresh token dies once used. It is on
// by default, stricter than Microsoft (which leaves the old one valid), so a
// client that forgets to store the rotated token is caught at once.
func (p *IdP) SetStrictRotation(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.strict = on
}

// user finds an account by e-mail; p.mu is held.
func (p *IdP) user(email string) *User {
	i := slices.IndexFunc(p.users, func(u *User) bool { return strings.EqualFold(u.Email, email) })
	if i < 0 {
		return nil
	}
	return p.users[i]
}

func (p *IdP) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", p.msDiscovery)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", p.jwks)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/authorize", p.msAuthorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", p.msToken)
	mux.HandleFunc("GET /oidc/userinfo", p.userInfo)
	mux.HandleFunc("GET /google/.well-known/openid-configuration", p.googleDiscovery)
	mux.HandleFunc("GET /google/certs", p.jwks)
	mux.HandleFunc("/google/o/oauth2/v2/auth", p.googleAuthorize)
	mux.HandleFunc("POST /google/token", p.googleToken)
	mux.HandleFunc("GET /google/userinfo", p.userInfo)
	mux.HandleFunc("/introspect", p.introspect)
	return mux
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newGUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	b[0] = '1'
	return string(b)
}

// IssueOffline hands out, without a sign-in, the tokens an earlier
// delegated sign-in of email at the home tenant would have left with a
// client (another installation's stored grant): an access token valid for
// the access lifetime and a refresh token, for the given scope.
func (p *IdP) IssueOffline(email, scope string) (accessToken, refreshToken string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if u.Email == email {
			resp := p.issue(u, p.ClientID, scope, false, p.TenantID, "", true, false)
			return resp["access_token"].(string), resp["refresh_token"].(string), nil
		}
	}
	return "", "", fmt.Errorf("oauthtest: no user %s", email)
}

// AccessToken issues an access token for a known account without a
// sign-in, as if the console had refreshed one, padded to at least size
// bytes (an Entra access token is 2-3 KB). It returns "" for an unknown
// e-mail.
func (p *IdP) AccessToken(email, scope string, size int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.user(email)
	if u == nil {
		return ""
	}
	at := "at." + randomToken(32)
	if pad := size - len(at); pad > 0 {
		at += "." + strings.Repeat("x", pad-1)
	}
	p.access[at] = &accessGrant{user: u, clientID: p.ClientID, scope: scope, expires: p.now().Add(p.accessTTL)}
	return at
}
