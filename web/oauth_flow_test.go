package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const (
	alice = "alice@contoso.example"
	bob   = "bob@contoso.example"
)

// oauthEnv is the console with an administrator logged in and an Azure
// application registered at a fake identity provider.
type oauthEnv struct {
	a     *testApp
	c     *client
	idp   *oauthtest.IdP
	appID int64
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	idp.AddUser(bob, "Bob")
	e := &oauthEnv{a: a, c: c, idp: idp}
	e.appID = e.createApp(t, e.appForm("Contoso mail"))
	return e
}

// appForm is the application form as an administrator fills it for the fake IdP.
func (e *oauthEnv) appForm(name string) url.Values {
	return url.Values{
		"name": {name}, "is_active": {"1"}, "provider": {"azure"}, "cloud": {"custom"},
		"authority_url": {e.idp.AzureAuthority()}, "tenant_id": {e.idp.TenantID},
		"client_id": {e.idp.ClientID}, "client_secret": {e.idp.ClientSecret},
	}
}

func (e *oauthEnv) createApp(t *testing.T, f url.Values) int64 {
	t.Helper()
	f.Set("csrf_token", e.c.token("/setup/oauthimap/new"))
	r := e.c.post("/setup/oauthimap", f)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/setup/oauthimap/") {
		t.Fatalf("create application: got %d %q\n%s", r.status, loc, r.body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/setup/oauthimap/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *oauthEnv) tab() string {
	return "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10) + "/authorizations"
}

// start presses "Create an authorization" (or posts to action) and returns
// the provider URL the browser is sent to.
func (e *oauthEnv) start(t *testing.T, action string) string {
	t.Helper()
	if action == "" {
		action = "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10) + "/authorize"
	}
	r := e.c.post(action, url.Values{"csrf_token": {e.c.token(e.tab())}})
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, e.idp.URL()) {
		t.Fatalf("start sign-in: got %d %q, want a redirect to the IdP\n%s", r.status, loc, r.body)
	}
	return loc
}

// back signs in at the IdP and returns the callback path and query the
// provider sends the browser to.
func (e *oauthEnv) back(t *testing.T, authURL, email string) string {
	t.Helper()
	u, err := e.idp.SignIn(authURL, email)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.String(), e.a.srv.URL+callbackPath) {
		t.Fatalf("the IdP sent the browser to %s, want our callback", u)
	}
	return u.RequestURI()
}

// authorize runs the whole flow as email and returns the callback's answer.
func (e *oauthEnv) authorize(t *testing.T, action, email string) response {
	t.Helper()
	return e.c.get(e.back(t, e.start(t, action), email))
}

func (e *oauthEnv) authorizationID(t *testing.T, email string) int64 {
	t.Helper()
	auths, err := e.a.store.Authorizations(context.Background(), e.appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		if a.Email == email {
			return a.ID
		}
	}
	t.Fatalf("no authorization for %s", email)
	return 0
}

func (e *oauthEnv) pendingCount(t *testing.T) int {
	t.Helper()
	db, _ := e.a.store.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM oauth_pending").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOAuthFlowThroughRouter(t *testing.T) {
	e := newOAuthEnv(t)
	page := e.c.get(e.tab())
	if page.status != http.StatusOK || !strings.Contains(page.body, "No authorizations.") {
		t.Fatalf("empty tab: got %d", page.status)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+e.idp.URL()) {
		t.Fatalf("got CSP %q, want form-action to allow the IdP the form redirects to", csp)
	}
	authURL := e.start(t, "")
	if e.pendingCount(t) != 1 {
		t.Fatal("the sign-in was not kept server-side")
	}
	for _, p := range []string{"code_challenge_method=S256", "nonce=", "prompt=login", "IMAP.AccessAsUser.All", "redirect_uri=" + url.QueryEscape(e.a.srv.URL+callbackPath)} {
		if !strings.Contains(authURL, p) {
			t.Errorf("authorization URL lacks %s", p)
		}
	}
	r := e.c.get(e.back(t, authURL, alice))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != e.tab() {
		t.Fatalf("callback: got %d %q, want 303 to the tab\n%s", r.status, r.header.Get("Location"), r.body)
	}
	if e.pendingCount(t) != 0 {
		t.Fatal("the pending sign-in outlived its use")
	}
	page = e.c.get(e.tab())
	for _, want := range []string{"Authorization for " + alice + " has been created.", `data-authorization="` + alice + `"`, `data-state="valid"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("tab lacks %q", want)
		}
	}
	id := e.authorizationID(t, alice)
	_, rec, err := e.a.store.Load(context.Background(), id)
	if err != nil || rec.AccessToken == "" || rec.RefreshToken == "" {
		t.Fatalf("stored tokens: %v", err)
	}
	// The list counts it with its state.
	list := e.c.get("/setup/oauthimap")
	if !strings.Contains(list.body, "Contoso mail") || !strings.Contains(list.body, `data-state="valid"`) {
		t.Fatal("the list does not show the application with its state")
	}
	// Signing in again as the same account renews the same row.
	r = e.authorize(t, "", alice)
	if r.status != http.StatusSeeOther || !strings.Contains(e.c.get(e.tab()).body, "has been renewed") {
		t.Fatalf("second sign-in: got %d", r.status)
	}
	if e.authorizationID(t, alice) != id {
		t.Fatal("the second sign-in made another row")
	}
	// GLPI's old redirect paths are the callback too. The code was issued
	// for the canonical redirect URI and the exchange names the path the
	// browser came back to, so the IdP refuses it: proof that the route ran
	// the callback, and that the exchange repeats the URI really used.
	for _, prefix := range []string{"/marketplace/oauthimap", "/plugins/oauthimap"} {
		back := e.back(t, e.start(t, ""), alice)
		r := e.c.get(prefix + back)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Unable to obtain access token from provider") {
			t.Fatalf("%s: got %d, want the callback's exchange error\n%s", prefix, r.status, r.body)
		}
	}
}

var stateRE = regexp.MustCompile(`[?&]state=([^&]+)`)

func TestCallbackFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *oauthEnv)
		// path builds the callback request from the provider URL.
		path func(t *testing.T, e *oauthEnv, authURL string) string
		want []string
	}{
		{
			name: "provider error",
			setup: func(e *oauthEnv) {
				e.idp.FailAuthorize("access_denied", "AADSTS65004: User declined to consent to access the app.")
			},
			want: []string{"Authorization failed with error: AADSTS65004: User declined to consent to access the app.", "What to do:"},
		},
		{
			name: "consent needed",
			setup: func(e *oauthEnv) {
				e.idp.FailAuthorize("consent_required", "AADSTS65001: The user or administrator has not consented to use the application.")
			},
			want: []string{"Authorization failed with error: AADSTS65001", "Request admin consent", "/adminconsent?client_id="},
		},
		{
			name: "forged state",
			path: func(t *testing.T, e *oauthEnv, authURL string) string { return callbackPath + "?code=abc&state=forged" },
			// "Start the authorization again from this page" has its button.
			want: []string{"Unable to verify authorization code", "Start the authorization again from this page.",
				`action="/setup/oauthimap/1/authorize"`, "Create an authorization for Contoso"},
		},
		{
			name: "forged state, no active application",
			path: func(t *testing.T, e *oauthEnv, authURL string) string {
				db, _ := e.a.store.SQLDB()
				if _, err := db.Exec("UPDATE oauth_applications SET is_active = ?", false); err != nil {
					t.Fatal(err)
				}
				return callbackPath + "?code=abc&state=forged"
			},
			// No button to offer: the page says where to start instead.
			want: []string{"Unable to verify authorization code", "Activate an application in Setup > OAuth IMAP"},
		},
		{
			name: "expired state",
			path: func(t *testing.T, e *oauthEnv, authURL string) string {
				db, _ := e.a.store.SQLDB()
				if _, err := db.Exec("UPDATE oauth_pending SET expires_at = '2000-01-01 00:00:00'"); err != nil {
					t.Fatal(err)
				}
				return e.back(t, authURL, alice)
			},
			want: []string{"Unable to verify authorization code"},
		},
		{
			name: "no code",
			path: func(t *testing.T, e *oauthEnv, authURL string) string {
				return callbackPath + "?state=" + stateRE.FindStringSubmatch(authURL)[1]
			},
			want: []string{"Unable to get authorization code"},
		},
		{
			name: "secret refused at the exchange",
			setup: func(e *oauthEnv) {
				e.idp.FailNext("authorization_code", 401, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`)
			},
			want: []string{"Unable to obtain access token from provider: AADSTS7000215: Invalid client secret provided.", "AADSTS7000215"},
		},
		{
			name: "redirect URI not registered",
			setup: func(e *oauthEnv) {
				e.idp.FailNext("authorization_code", 400, `{"error":"invalid_request","error_description":"AADSTS50011: The redirect URI specified in the request does not match.","error_codes":[50011]}`)
			},
			want: []string{"Unable to obtain access token from provider: AADSTS50011", "Redirect URI to register", `id="redirect-uri"`},
		},
		{
			name: "no e-mail",
			setup: func(e *oauthEnv) {
				e.idp.TamperIDToken(func(c map[string]any) { delete(c, "email"); delete(c, "preferred_username"); delete(c, "upn") })
			},
			want: []string{"The authenticated account does not expose an email address"},
		},
		{
			name:  "forged id_token",
			setup: func(e *oauthEnv) { e.idp.SignWithRogueKey(true) },
			want:  []string{"Unable to obtain access token from provider:"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newOAuthEnv(t)
			if tc.setup != nil {
				tc.setup(e)
			}
			authURL := e.start(t, "")
			var path string
			if tc.path != nil {
				path = tc.path(t, e, authURL)
			} else {
				u, err := e.idp.SignIn(authURL, alice)
				if err != nil {
					t.Fatal(err)
				}
				path = u.RequestURI()
			}
			r := e.c.get(path)
			body := html.UnescapeString(r.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("got status %d, want 400\n%s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if !strings.Contains(body, "What it means:") {
				t.Error("the page does not explain the failure")
			}
			// Try again needs to know the application: not for a forged state.
			forged := strings.HasPrefix(tc.name, "forged state")
			if strings.Contains(body, `id="retry"`) == forged {
				t.Error("Try again is offered when the application is unknown, or missing when it is known")
			}
			if n := e.pendingCount(t); n != 0 && !forged {
				t.Errorf("got %d pending sign-ins after the callback, want the state used up", n)
			}
			auths, _ := e.a.store.Authorizations(context.Background(), e.appID)
			if len(auths) != 0 {
				t.Errorf("got %d authorizations after a failure, want none", len(auths))
			}
			ev, _ := e.a.store.AuditEvents(context.Background(), "application", e.appID, 1)
			if !forged && (len(ev) == 0 || ev[0].Kind != "authorization.failed") {
				t.Errorf("got audit %+v, want the failure recorded", ev)
			}
		})
	}
}

// TestCallbackNeedsTheStartingSession: a callback in another session, or
// in none, is refused and reveals nothing of the application.
func TestCallbackNeedsTheStartingSession(t *testing.T) {
	e := newOAuthEnv(t)
	other := &store.User{Login: "admin2", Role: store.RoleAdmin, IsActive: true}
	if err := e.a.store.CreateUser(context.Background(), other, testPassword); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"anonymous", "another administrator", "another session of the same administrator"} {
		c := e.a.client()
		switch who {
		case "another administrator":
			c.login("admin2")
		case "another session of the same administrator":
			c.login("admin")
		}
		back := e.back(t, e.start(t, ""), alice)
		r := c.get(back)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Unable to verify authorization code") {
			t.Fatalf("%s: got %d, want 400 with GLPI's message\n%s", who, r.status, r.body)
		}
		// The same administrator may read about their own application.
		if sameUser := who == "another session of the same administrator"; !sameUser && (strings.Contains(r.body, "Contoso mail") || strings.Contains(r.body, e.idp.ClientID)) {
			t.Errorf("%s: the page reveals the application", who)
		}
		if who == "anonymous" && !strings.Contains(r.body, `href="/login"`) {
			t.Error("anonymous: no link to log in")
		}
		// The state was used up: the right session cannot replay it either.
		if r := e.c.get(back); r.status != http.StatusBadRequest {
			t.Fatalf("%s: replay in the starting session got %d, want 400", who, r.status)
		}
	}
	if auths, _ := e.a.store.Authorizations(context.Background(), e.appID); len(auths) != 0 {
		t.Fatalf("got %d authorizations, want none", len(auths))
	}
}

func TestReauthorizePinsIdentity(t *testing.T) {
	e := newOAuthEnv(t)
	if r := e.authorize(t, "", alice); r.status != http.StatusSeeOther {
		t.Fatalf("first sign-in: got %d", r.status)
	}
	id := e.authorizationID(t, alice)
	_, before, _ := e.a.store.Load(context.Background(), id)
	reauth := "/setup/oauthimap/authorizations/" + strconv.FormatInt(id, 10) + "/reauthorize"

	r := e.authorize(t, reauth, bob)
	body := html.UnescapeString(r.body)
	if r.status != http.StatusBadRequest || !strings.Contains(body, "signed in as "+bob+", but this authorization belongs to "+alice) {
		t.Fatalf("wrong account: got %d, want the mismatch explained\n%s", r.status, body)
	}
	if !strings.Contains(body, `action="`+reauth+`"`) {
		t.Error("Try again does not re-authorize the same authorization")
	}
	_, after, _ := e.a.store.Load(context.Background(), id)
	if after.AccessToken != before.AccessToken {
		t.Fatal("a refused re-authorization replaced the tokens")
	}
	if auths, _ := e.a.store.Authorizations(context.Background(), e.appID); len(auths) != 1 {
		t.Fatalf("got %d authorizations, want bob's sign-in to add none", len(auths))
	}
	r = e.authorize(t, reauth, alice)
	if r.status != http.StatusSeeOther {
		t.Fatalf("right account: got %d\n%s", r.status, r.body)
	}
	_, after, _ = e.a.store.Load(context.Background(), id)
	if after.AccessToken == before.AccessToken {
		t.Fatal("re-authorization did not store new tokens")
	}
}

// TestNoSecretOrTokenLeaks walks every OAuth page and failure, with a
// provider that echoes the client secret in an error, and searches every
// response, the log and the audit trail for the client secret, the
// authorization codes and every token the flow handled.
func TestNoSecretOrTokenLeaks(t *testing.T) {
	e := newOAuthEnv(t)
	var bodies []string
	secrets := map[string]string{"client secret": e.idp.ClientSecret}
	get := func(path string) response {
		r := e.c.get(path)
		bodies = append(bodies, r.body, r.header.Get("Location"))
		return r
	}
	post := func(path, from string, f url.Values) response {
		f.Set("csrf_token", e.c.token(from))
		r := e.c.post(path, f)
		bodies = append(bodies, r.body, r.header.Get("Location"))
		return r
	}
	collect := func(id int64) {
		_, rec, err := e.a.store.Load(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		secrets["access token "+rec.AccessToken[:6]] = rec.AccessToken
		secrets["refresh token "+rec.RefreshToken[:6]] = rec.RefreshToken
		secrets["id token "+rec.IDToken[:6]] = rec.IDToken
	}
	signIn := func(action, email string) {
		back := e.back(t, e.start(t, action), email)
		u, _ := url.Parse(back)
		secrets["code "+email] = u.Query().Get("code")
		get(back)
	}
	app := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10)
	signIn("", alice)
	id := e.authorizationID(t, alice)
	collect(id)
	auth := "/setup/oauthimap/authorizations/" + strconv.FormatInt(id, 10)
	for _, p := range []string{"/setup/oauthimap", "/setup/oauthimap/new", app, e.tab(), auth, auth + "/diagnose", app + "/apponly"} {
		get(p)
	}
	// A provider echoing the secret in its error, at the exchange.
	e.idp.FailNext("authorization_code", 401, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: `+e.idp.ClientSecret+`","error_codes":[7000215]}`)
	signIn("", alice)
	// A refused re-authorization, then a good one (new tokens).
	signIn(auth+"/reauthorize", bob)
	signIn(auth+"/reauthorize", alice)
	collect(id)
	// A diagnostic that refreshes the token first, then fails to connect.
	db, _ := e.a.store.SQLDB()
	db.Exec("UPDATE oauth_authorizations SET expires_at = ? WHERE id = ?", time.Now().UTC().Add(time.Minute), id)
	host, port, _ := strings.Cut(testpeer.FreeAddr(t), ":")
	post(auth+"/diagnose", auth+"/diagnose", url.Values{"host": {host}, "port": {port}, "security": {"none"}, "mechanism": {"XOAUTH2"}, "timeout": {"2"}})
	collect(id)
	// A refresh the provider refuses, echoing the refresh token.
	_, rec, _ := e.a.store.Load(context.Background(), id)
	db.Exec("UPDATE oauth_authorizations SET expires_at = ? WHERE id = ?", time.Now().UTC().Add(time.Minute), id)
	e.idp.FailNext("refresh_token", 400, `{"error":"invalid_grant","error_description":"AADSTS700082: refresh token `+rec.RefreshToken+` expired.","error_codes":[700082]}`)
	post(auth+"/diagnose", auth+"/diagnose", url.Values{"host": {host}, "port": {port}, "security": {"none"}, "mechanism": {"XOAUTH2"}, "timeout": {"2"}})
	get(e.tab())
	// Saving the application form.
	f := e.appForm("Contoso mail")
	f.Set("client_secret", "")
	post(app, app, f)
	get(app)

	events, _ := e.a.store.AuditEvents(context.Background(), "", 0, 1000)
	var audit []string
	for _, ev := range events {
		audit = append(audit, ev.Message)
	}
	if len(secrets) < 8 {
		t.Fatalf("only %d secrets collected: the test lost track", len(secrets))
	}
	for what, v := range secrets {
		if len(v) < 8 {
			t.Fatalf("%s is too short to search for", what)
		}
		for i, b := range bodies {
			if strings.Contains(b, v) {
				t.Errorf("response %d contains the %s", i, what)
			}
		}
		if strings.Contains(e.a.log.String(), v) {
			t.Errorf("the log contains the %s", what)
		}
		if strings.Contains(strings.Join(audit, "\n"), v) {
			t.Errorf("the audit trail contains the %s", what)
		}
	}
	if !strings.Contains(strings.Join(bodies, ""), "AADSTS7000215") || !strings.Contains(strings.Join(bodies, ""), "Re-authorization needed") {
		t.Fatal("the failures did not show: the test did not exercise them")
	}
}
