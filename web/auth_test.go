package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// routeAccess is who may reach each route. A route added to the table
// without a line here fails TestRouteAccessTable.
var routeAccess = map[string]access{
	"GET /healthz":                    public,
	"GET /readyz":                     public,
	"GET /api/health":                 monitor,
	"GET /login":                      public,
	"POST /login":                     public,
	"POST /logout":                    staff,
	"GET /setup":                      public,
	"POST /setup":                     public,
	"GET /":                           staff,
	"GET /front/preference.php":       staff,
	"POST /front/preference.php":      staff,
	"GET /admin/users":                admin,
	"GET /admin/users/new":            admin,
	"POST /admin/users":               admin,
	"GET /admin/users/{id}":           admin,
	"POST /admin/users/{id}":          admin,
	"POST /admin/users/{id}/password": admin,

	"GET /tickets":                                     staff,
	"GET /tickets/{id}":                                staff,
	"POST /tickets/{id}/status":                        staff,
	"POST /tickets/{id}/followups":                     staff,
	"GET /documents/{id}":                              staff,
	"GET /setup/blacklist":                             admin,
	"POST /setup/blacklist":                            admin,
	"POST /setup/blacklist/{id}/delete":                admin,
	"GET /setup/quarantine":                            admin,
	"POST /setup/quarantine/settings":                  admin,
	"POST /setup/quarantine/bulk":                      admin,
	"POST /setup/quarantine/{id}/import":               admin,
	"POST /setup/quarantine/{id}/delete":               admin,
	"GET /setup/outbox":                                admin,
	"POST /setup/outbox/{id}/retry":                    admin,
	"GET /tickets/{id}/original":                       admin,
	"GET /tickets/{id}/followups/{fid}/original":       admin,
	"GET /setup/blacklistedmailcontent":                admin,
	"POST /setup/blacklistedmailcontent":               admin,
	"POST /setup/blacklistedmailcontent/{id}/delete":   admin,
	"GET /setup/documenttypes":                         admin,
	"POST /setup/documenttypes":                        admin,
	"POST /setup/documenttypes/{id}/delete":            admin,
	"POST /setup/outbox/settings":                      admin,
	"GET /admin/groups":                                admin,
	"GET /admin/groups/new":                            admin,
	"POST /admin/groups":                               admin,
	"GET /admin/groups/{id}":                           admin,
	"POST /admin/groups/{id}":                          admin,
	"POST /admin/groups/{id}/delete":                   admin,
	"GET /setup/dropdowns/itilcategories":              admin,
	"GET /setup/dropdowns/itilcategories/new":          admin,
	"POST /setup/dropdowns/itilcategories":             admin,
	"GET /setup/dropdowns/itilcategories/{id}":         admin,
	"POST /setup/dropdowns/itilcategories/{id}":        admin,
	"POST /setup/dropdowns/itilcategories/{id}/delete": admin,
	"GET /setup/priority-matrix":                       admin,
	"POST /setup/priority-matrix":                      admin,

	"GET /setup/mailrules":              admin,
	"GET /setup/mailrules/new":          admin,
	"POST /setup/mailrules":             admin,
	"POST /setup/mailrules/settings":    admin,
	"GET /setup/mailrules/{id}":         admin,
	"POST /setup/mailrules/{id}":        admin,
	"POST /setup/mailrules/{id}/delete": admin,
	"POST /setup/mailrules/{id}/move":   admin,
	"GET /setup/mailrules/export":       admin,
	"GET /setup/mailrules/import":       admin,
	"POST /setup/mailrules/import":      admin,
	"GET /setup/mailrules/test":         admin,
	"POST /setup/mailrules/test":        admin,
	"GET /tickets/{id}/history":         staff,
	"POST /tickets/bulk":                staff,
	"POST /tickets/{id}/assign-me":      staff,
	"POST /tickets/{id}/actors":         staff,
	"GET /tickets/{id}/actors/search":   staff,
	"POST /tickets/{id}/actors/remove":  staff,
	"POST /tickets/{id}/fields":         staff,
	"POST /tickets/{id}/solve":          staff,

	"GET /setup/receivers":                     admin,
	"GET /setup/receivers/new":                 admin,
	"POST /setup/receivers":                    admin,
	"GET /setup/receivers/runs":                admin,
	"GET /setup/receivers/{id}":                admin,
	"POST /setup/receivers/{id}":               admin,
	"POST /setup/receivers/{id}/delete":        admin,
	"GET /setup/receivers/{id}/folders":        admin,
	"POST /setup/receivers/{id}/folders":       admin,
	"POST /setup/receivers/{id}/test":          admin,
	"POST /setup/receivers/{id}/collect":       admin,
	"GET /setup/receivers/{id}/runs":           admin,
	"GET /setup/receivers/{id}/outgoing":       admin,
	"POST /setup/receivers/{id}/outgoing":      admin,
	"POST /setup/receivers/{id}/outgoing/test": admin,
	"POST /setup/receivers/{id}/notifications": admin,
	"GET /setup/receivers/{id}/defaults":       admin,
	"GET /setup/receivers/{id}/history":        admin,
	"POST /setup/receivers/{id}/defaults":      admin,

	"GET /setup/oauthimap":                                        admin,
	"GET /setup/oauthimap/new":                                    admin,
	"POST /setup/oauthimap":                                       admin,
	"GET /setup/oauthimap/{id}":                                   admin,
	"POST /setup/oauthimap/{id}":                                  admin,
	"POST /setup/oauthimap/{id}/delete":                           admin,
	"GET /setup/oauthimap/{id}/authorizations":                    admin,
	"GET /setup/oauthimap/{id}/receivers":                         admin,
	"GET /setup/oauthimap/{id}/history":                           admin,
	"GET /setup/oauthimap/authorizations/{id}/history":            admin,
	"POST /setup/oauthimap/{id}/authorize":                        admin,
	"GET /setup/oauthimap/{id}/apponly":                           admin,
	"POST /setup/oauthimap/{id}/apponly":                          admin,
	"GET /setup/oauthimap/authorizations/{id}":                    admin,
	"POST /setup/oauthimap/authorizations/{id}":                   admin,
	"POST /setup/oauthimap/authorizations/{id}/reauthorize":       admin,
	"POST /setup/oauthimap/authorizations/{id}/delete":            admin,
	"GET /setup/oauthimap/authorizations/{id}/diagnose":           admin,
	"POST /setup/oauthimap/authorizations/{id}/diagnose":          admin,
	"GET /front/authorization.callback.php":                       public,
	"GET /marketplace/oauthimap/front/authorization.callback.php": public,
	"GET /plugins/oauthimap/front/authorization.callback.php":     public,
}

func TestRouteAccessTable(t *testing.T) {
	a := newTestApp(t)
	seen := map[string]bool{}
	for _, rt := range a.h.routes {
		key := rt.method + " " + rt.pattern
		seen[key] = true
		want, ok := routeAccess[key]
		if !ok {
			t.Errorf("route %s has no line in routeAccess: say who may reach it", key)
			continue
		}
		if rt.access != want {
			t.Errorf("route %s: got access %d, want %d", key, rt.access, want)
		}
	}
	for key := range routeAccess {
		if !seen[key] {
			t.Errorf("routeAccess names %s, which is not a route", key)
		}
	}
}

// TestRouteAccessEnforced calls every route as nobody, as a technician and
// as an administrator, and checks the guard's answer.
func TestRouteAccessEnforced(t *testing.T) {
	a := newTestApp(t)
	anon, tech, adm := a.client(), a.client(), a.client()
	tech.login("tech")
	adm.login("admin")
	for _, rt := range a.h.routes {
		path := strings.ReplaceAll(rt.pattern, "{id}", strconv.FormatInt(a.tech.ID, 10))
		for _, who := range []struct {
			name string
			c    *client
			ok   bool
		}{
			{"anonymous", anon, rt.access == public},
			{"technician", tech, rt.access == public || rt.access == staff},
			{"administrator", adm, true},
		} {
			var r response
			if rt.method == "GET" {
				r = who.c.get(path)
			} else {
				tok := ""
				if who.c != anon {
					tok = who.c.token("/")
				}
				r = who.c.post(path, url.Values{"csrf_token": {tok}})
			}
			denied := r.status == http.StatusForbidden || r.status == http.StatusUnauthorized || (r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/login?next="))
			if rt.pattern == "/logout" && who.c != anon {
				who.c.login(map[*client]string{tech: "tech", adm: "admin"}[who.c])
			}
			if rt.access == public && rt.method == "POST" {
				continue // a public form's answers are checked in its own test
			}
			if r.status >= http.StatusInternalServerError {
				t.Errorf("%s %s as %s: got status %d, want an answer of the guard or the page", rt.method, path, who.name, r.status)
				continue
			}
			if denied == who.ok {
				t.Errorf("%s %s as %s: got status %d (denied=%v), want allowed=%v", rt.method, path, who.name, r.status, denied, who.ok)
			}
		}
	}
}

func TestTechnicianRefusedOnAdminPage(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("tech")
	r := c.get("/admin/users")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "have permission to perform this action") {
		t.Fatalf("got %d, want 403 with GLPI's message", r.status)
	}
	if strings.Contains(c.get("/").body, `href="/admin/users"`) {
		t.Fatal("a technician's menu must not offer Administration > Users")
	}
	ad := a.client()
	ad.login("admin")
	if !strings.Contains(ad.get("/").body, `href="/admin/users"`) {
		t.Fatal("an administrator's menu must offer Administration > Users")
	}
}

func TestLoginLogoutAndRotation(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	if r := c.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("anonymous home: got %d %q", r.status, r.header.Get("Location"))
	}
	r := c.post("/login", url.Values{"login": {"admin"}, "password": {"wrong password"}, "csrf_token": {c.token("/login")}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, msgBadLogin) {
		t.Fatalf("wrong password: got %d", r.status)
	}
	if strings.Contains(a.log.String(), "wrong password") {
		t.Fatal("the log contains a password")
	}
	c.login("admin")
	first := c.sessionCookie()
	if r := c.get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "Ada Admin") {
		t.Fatalf("home after login: got %d", r.status)
	}
	// Logging in again rotates the session: the old cookie is dead.
	c.login("tech")
	second := c.sessionCookie()
	if second == "" || second == first {
		t.Fatal("login must issue a new session cookie")
	}
	old := a.client()
	u, _ := url.Parse(a.srv.URL)
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: first}})
	if r := old.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("the rotated-out session still works: %d", r.status)
	}
	// Logout ends the session server-side.
	if r := c.post("/logout", url.Values{"csrf_token": {c.token("/")}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	again := a.client()
	again.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: second}})
	if r := again.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("session alive after logout: %d", r.status)
	}
}

func TestLoginThrottle(t *testing.T) {
	a := newTestApp(t)
	a.slowLoginWaits()
	c := a.client()
	tok := c.token("/login")
	for i := 0; i < a.h.loginRules.account.Free; i++ {
		c.post("/login", url.Values{"login": {"admin"}, "password": {"nope nope nope"}, "csrf_token": {tok}})
	}
	// Fast guessing is refused, whatever the password, with the wait.
	r := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {tok}})
	// (An hour, less the time the attempts took on a slow machine.)
	if secs, _ := strconv.Atoi(r.header.Get("Retry-After")); r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed logins. Wait 60 minutes and try again.") || secs < 3000 || secs > 3600 {
		t.Fatalf("right password right after the free attempts: got %d Retry-After %q, want 429 with a wait of an hour", r.status, r.header.Get("Retry-After"))
	}
	// An unknown account is throttled the same way: nothing tells the two apart.
	for i := 0; i < a.h.loginRules.account.Free; i++ {
		c.post("/login", url.Values{"login": {"ghost"}, "password": {"nope nope nope"}, "csrf_token": {tok}})
	}
	r2 := c.post("/login", url.Values{"login": {"ghost"}, "password": {"nope nope nope"}, "csrf_token": {tok}})
	if r2.status != r.status || !strings.Contains(r2.body, "Too many failed logins.") {
		t.Fatalf("unknown account: got %d, want the same answer as a known one", r2.status)
	}
	// Another account from the same address is still allowed (under the address's free attempts).
	c2 := a.client()
	c2.login("tech")
}

func TestFormTokenAndCrossOrigin(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	form := url.Values{"login": {"newbie"}, "role": {"technician"}, "password": {"a long enough password"}, "is_active": {"1"}}
	if r := c.post("/admin/users", form); r.status != http.StatusForbidden {
		t.Fatalf("POST without the form token: got %d, want 403", r.status)
	}
	form.Set("csrf_token", "forged")
	if r := c.post("/admin/users", form); r.status != http.StatusForbidden {
		t.Fatalf("POST with a wrong token: got %d, want 403", r.status)
	}
	form.Set("csrf_token", c.token("/admin/users/new"))
	req, _ := http.NewRequest("POST", a.srv.URL+"/admin/users", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if r := c.do(req); r.status != http.StatusForbidden {
		t.Fatalf("cross-origin POST: got %d, want 403", r.status)
	}
	if _, err := a.store.UserByLogin(t.Context(), "newbie"); err == nil {
		t.Fatal("a refused request created the user")
	}
	if r := c.post("/admin/users", form); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin POST with the token: got %d, want 303\n%s", r.status, r.body)
	}
	// The login form has its own pre-session token.
	anon := a.client()
	if r := anon.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}}); r.status != http.StatusForbidden {
		t.Fatalf("login without the form token: got %d, want 403", r.status)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	r := c.get("/login")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Frame-Options") != "DENY" {
		t.Error("missing nosniff or frame options")
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
		t.Error("the page has inline script or style")
	}
	c.login("admin")
	if r := c.get("/no/such/page"); r.status != http.StatusNotFound || !strings.Contains(r.body, "does not exist") || !strings.Contains(r.body, "navbar-vertical") {
		t.Fatalf("404: got %d, want the console's 404 page", r.status)
	}
	if r := c.get("/admin/users/999999"); r.status != http.StatusNotFound {
		t.Fatalf("missing user: got %d, want 404", r.status)
	}
	// A panic becomes a plain 500 page and a log line, never a stack trace.
	rec := newRecorder()
	a.h.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom-secret-detail") })).ServeHTTP(rec, mustRequest("GET", "/x"))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "boom-secret-detail") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("panic page: got %d %q", rec.Code, rec.Body.String())
	}
	if !strings.Contains(a.log.String(), "boom-secret-detail") {
		t.Fatal("the panic was not logged")
	}
	// Oversized bodies are refused.
	big := strings.Repeat("x", 2<<20)
	if r := c.post("/admin/users", url.Values{"name": {big}}); r.status < 400 {
		t.Fatalf("a 2 MB form: got %d, want an error", r.status)
	}
}

func TestHealth(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	if r := c.get("/healthz"); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := c.get("/readyz"); r.status != 200 {
		t.Fatalf("readyz: %d", r.status)
	}
	a.store.Close()
	if r := c.get("/readyz"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: got %d, want 503", r.status)
	}
}

func TestUsersAdmin(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	tok := c.token("/admin/users/new")
	// A malformed form re-renders with the messages and keeps what was typed.
	r := c.post("/admin/users", url.Values{"csrf_token": {tok}, "login": {"bob"}, "name": {"Bob B"}, "email": {"not-an-email"}, "role": {"technician"}, "password": {"short"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "not a valid email") || !strings.Contains(r.body, "at least 10") || !strings.Contains(r.body, `value="Bob B"`) {
		t.Fatalf("bad form: got %d", r.status)
	}
	r = c.post("/admin/users", url.Values{"csrf_token": {tok}, "login": {"bob"}, "email": {"bob@example.com"}, "role": {"technician"}, "is_active": {"1"}, "password": {"a long password"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create: got %d", r.status)
	}
	page := c.get(r.header.Get("Location"))
	if !strings.Contains(page.body, "User bob has been added.") {
		t.Fatal("no flash after create")
	}
	if l := c.get("/admin/users?q=bob"); !strings.Contains(l.body, ">bob<") || strings.Contains(l.body, ">tech<") {
		t.Fatal("search does not filter the list")
	}
	bob, _ := a.store.UserByLogin(t.Context(), "bob")
	// Make bob an admin, deactivate the technician, reset a password.
	path := "/admin/users/" + strconv.FormatInt(bob.ID, 10)
	if r := c.post(path, url.Values{"csrf_token": {tok}, "role": {"admin"}, "is_active": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	if u, _ := a.store.User(t.Context(), bob.ID); u.Role != "admin" {
		t.Fatalf("got role %q, want admin", u.Role)
	}
	tc := a.client()
	tc.login("tech")
	techPath := "/admin/users/" + strconv.FormatInt(a.tech.ID, 10)
	c.post(techPath, url.Values{"csrf_token": {tok}, "role": {"technician"}})
	if r := tc.get("/"); r.status != http.StatusSeeOther {
		t.Fatal("a deactivated user's session must end")
	}
	if r := c.post(techPath+"/password", url.Values{"csrf_token": {tok}, "password": {"brand new password"}}); r.status != http.StatusSeeOther {
		t.Fatalf("password reset: %d", r.status)
	}
	if _, err := a.store.Authenticate(t.Context(), "bob", "a long password"); err != nil {
		t.Fatal(err)
	}
	// The last active administrator cannot demote themselves.
	c.post(path, url.Values{"csrf_token": {tok}, "role": {"technician"}})
	adminPath := "/admin/users/" + strconv.FormatInt(a.admin.ID, 10)
	if r := c.post(adminPath, url.Values{"csrf_token": {tok}, "role": {"technician"}, "is_active": {"1"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "last active administrator") {
		t.Fatalf("demote the last admin: got %d", r.status)
	}
}

func TestSetupLink(t *testing.T) {
	a := newTestApp(t)
	if link, err := SetupLink(t.Context(), a.store, a.srv.URL); err != nil || link != "" {
		t.Fatalf("with users: got %q %v, want no link", link, err)
	}
	// An empty database gets a one-time link.
	for _, u := range []int64{a.admin.ID, a.tech.ID} {
		db, _ := a.store.SQLDB()
		db.Exec("DELETE FROM users WHERE id = ?", u)
	}
	link, err := SetupLink(t.Context(), a.store, a.srv.URL)
	if err != nil || link == "" {
		t.Fatalf("got %q %v", link, err)
	}
	path := strings.TrimPrefix(link, a.srv.URL)
	c := a.client()
	if r := c.get("/setup?token=wrong"); r.status != http.StatusNotFound {
		t.Fatalf("wrong token: %d", r.status)
	}
	u, _ := url.Parse(path)
	tok := c.token(path)
	r := c.post("/setup", url.Values{"csrf_token": {tok}, "token": {u.Query().Get("token")}, "login": {"root"}, "password": {"first admin password"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("setup: %d\n%s", r.status, r.body)
	}
	if h := c.get("/admin/users"); h.status != http.StatusOK {
		t.Fatalf("the new admin is not logged in: %d", h.status)
	}
	if r := a.client().get(path); r.status != http.StatusNotFound {
		t.Fatal("the setup link works twice")
	}
}
