package oauthtest

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{if .Brand}}{{.Brand}}{{else}}Sign in to your account{{end}}</title></head>
<body>
<main>
<h1>{{if .Brand}}{{.Brand}}{{else}}Sign in{{end}}</h1>
<p>Fake identity provider: the application <code>{{.ClientID}}</code> asks for <code>{{.Scope}}</code>.</p>
{{if .Error}}<p id="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="login">Email</label>
<input id="login" name="login" type="email" value="{{.Prefill}}" list="accounts" required>
<datalist id="accounts">{{range .Users}}<option value="{{.}}">{{end}}</datalist>
<button type="submit" id="signin">Sign in</button>
<button type="submit" id="cancel" name="cancel" value="1" formnovalidate>Cancel</button>
</form>
</main>
</body></html>
`))

type pageData struct {
	ClientID, Scope, Action, Prefill, Error, Brand string
	Params                                         map[string]string
	Users                                          []string
}

// errorPage answers as Microsoft does when it cannot trust the redirect URI
// or the app: a page, no redirect.
func errorPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	template.Must(template.New("e").Parse(`<!doctype html><title>Sign in error</title><p id="error">{{.}}</p>`)).Execute(w, msg)
}

// authorize serves the sign-in page (GET) and its submission (POST).
func (p *IdP) authorize(w http.ResponseWriter, r *http.Request, google bool, tenant string) {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "malformed request")
		return
	}
	q := r.Form
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	if !google && !p.knownTenant(tenant) {
		errorPage(w, http.StatusBadRequest, "AADSTS90002: Tenant '"+tenant+"' not found.")
		return
	}
	if clientID != p.ClientID {
		errorPage(w, http.StatusBadRequest, "AADSTS700016: Application with identifier '"+clientID+"' was not found in the directory.")
		return
	}
	p.mu.Lock()
	registered := len(p.redirectURIs) == 0 || slices.Contains(p.redirectURIs, redirectURI)
	fail := p.authFail
	p.authFail = nil
	p.mu.Unlock()
	if redirectURI == "" || !registered {
		errorPage(w, http.StatusBadRequest, "AADSTS50011: The redirect URI '"+redirectURI+"' specified in the request does not match the redirect URIs configured for the application '"+clientID+"'.")
		return
	}
	if q.Get("response_type") != "code" {
		redirectError(w, r, redirectURI, q.Get("state"), "unsupported_response_type", "AADSTS700054: response_type 'code' is required.")
		return
	}
	if fail != nil {
		redirectError(w, r, redirectURI, q.Get("state"), fail.code, fail.description)
		return
	}
	if r.Method != http.MethodPost {
		p.renderSignIn(w, r, q, "")
		return
	}
	if q.Get("cancel") != "" {
		redirectError(w, r, redirectURI, q.Get("state"), "access_denied", "AADSTS65004: User declined to consent to access the app.")
		return
	}
	p.mu.Lock()
	u := p.user(q.Get("login"))
	p.mu.Unlock()
	switch {
	case u == nil:
		p.renderSignIn(w, r, q, "AADSTS50034: The user account "+q.Get("login")+" does not exist in the directory.")
		return
	case !google && !multiTenant(tenant) && !strings.EqualFold(u.TenantID, tenant):
		p.renderSignIn(w, r, q, "AADSTS50020: User account '"+u.Email+"' from identity provider does not exist in tenant '"+tenant+"'.")
		return
	}
	code := "code." + randomToken(24)
	p.mu.Lock()
	p.codes[code] = &codeGrant{
		user: u, tenant: tenant, google: google, offline: q.Get("access_type") == "offline",
		clientID: clientID, redirectURI: redirectURI, scope: q.Get("scope"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		nonce: q.Get("nonce"), issued: p.now(),
	}
	p.mu.Unlock()
	back := url.Values{"code": {code}}
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	http.Redirect(w, r, withQuery(redirectURI, back), http.StatusFound)
}

func (p *IdP) renderSignIn(w http.ResponseWriter, r *http.Request, q url.Values, msg string) {
	params := map[string]string{}
	for k := range q {
		if k != "login" && k != "cancel" {
			params[k] = q.Get(k)
		}
	}
	p.mu.Lock()
	d := pageData{ClientID: q.Get("client_id"), Scope: q.Get("scope"), Action: r.URL.Path, Prefill: p.prefill, Error: msg, Params: params, Brand: p.brand}
	for _, u := range p.users {
		d.Users = append(d.Users, u.Email)
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if msg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	signInPage.Execute(w, d)
}

// redirectError sends the browser back with an OAuth error (RFC 6749 §4.1.2.1).
func redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, description string) {
	v := url.Values{"error": {code}, "error_description": {description}}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, withQuery(redirectURI, v), http.StatusFound)
}

func withQuery(uri string, v url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}
