package web

import (
	"flag"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/config"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestSafeNext feeds the usual open-redirect bypasses to safeNext: each
// must become "/", and our own paths must pass unchanged.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct {
		name, next, want string
	}{
		{"empty", "", "/"},
		{"own path", "/tickets/12", "/tickets/12"},
		{"own path with query", "/setup/oauthimap/3?forcetab=Authorizations&page=2", "/setup/oauthimap/3?forcetab=Authorizations&page=2"},
		{"escaped query", "/login?next=%2Ftickets", "/login?next=%2Ftickets"},
		{"tab then slash", "/\t/evil.example", "/"},
		{"tab then backslash", "/\t\\evil.example", "/"},
		{"newline", "/\n/evil.example", "/"},
		{"carriage return", "/\r/evil.example", "/"},
		{"nul", "/\x00/evil.example", "/"},
		{"delete byte", "/\x7f/evil.example", "/"},
		{"double slash", "//evil.example", "/"},
		{"slash backslash", "/\\evil.example", "/"},
		{"backslash later", "/a\\b", "/"},
		{"slash backslash slash", "/\\/evil.example", "/"},
		{"encoded slashes", "/%2f%2fevil.example", "/"},
		{"encoded slashes upper", "/%2F%2Fevil.example", "/"},
		{"encoded backslash", "/%5cevil.example", "/%5cevil.example"},
		{"dot segment", "/.//evil.example", "/"},
		{"dot dot", "/../evil.example", "/"},
		{"encoded dot dot", "/%2e%2e/evil.example", "/"},
		{"https scheme", "https://evil.example", "/"},
		{"scheme relative path", "https:/evil.example", "/"},
		{"scheme only", "https:evil.example", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"javascript upper", "JavaScript:alert(1)", "/"},
		{"data", "data:text/html,<script>", "/"},
		{"user info", "//user@evil.example", "/"},
		{"relative", "evil.example", "/"},
		{"fullwidth solidus", "/\uff0f\uff0fevil.example", "/"},
		{"division slash", "/\u2215\u2215evil.example", "/"},
		{"fraction slash", "\u2044\u2044evil.example", "/"},
		{"triple slash", "///evil.example", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeNext(tc.next); got != tc.want {
				t.Errorf("safeNext(%q): got %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}

// TestLoginNextControlCharacter is the reported redirect: a tab in next
// reached the Location header, and browsers drop it.
func TestLoginNextControlCharacter(t *testing.T) {
	a := newTestApp(t)
	for _, next := range []string{"/\t/evil.example", "/\t\\evil.example", "/\n/evil.example"} {
		c := a.client()
		// Through the login form.
		r := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {c.token("/login")}, "next": {next}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("login with next=%q: got %d Location %q, want 303 to /", next, r.status, r.header.Get("Location"))
		}
		// Logged in already.
		r = c.get("/login?next=" + url.QueryEscape(next))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("GET /login?next=%q logged in: got %d Location %q, want 303 to /", next, r.status, r.header.Get("Location"))
		}
	}
}

// slowLoginWaits makes every login slow-down wait an hour from the first
// one, so that no test outwaits it however slow the machine (with -race,
// one bcrypt can take longer than the real first wait).
func (a *testApp) slowLoginWaits() {
	for _, r := range []*store.ThrottleRule{&a.h.loginRules.account, &a.h.loginRules.address, &a.h.loginRules.device} {
		r.Base, r.Max = time.Hour, time.Hour
	}
}

// postFromGoroutine posts a form as c.post does, from a goroutine other
// than the test's: a failure is reported with t.Error, and ok is false.
func (c *client) postFromGoroutine(t *testing.T, path string, form url.Values) (status int, ok bool) {
	req, _ := http.NewRequest("POST", c.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.a.srv.URL)
	res, err := c.http.Do(req)
	if err != nil {
		t.Error(err)
		return 0, false
	}
	res.Body.Close()
	return res.StatusCode, true
}

// TestLoginThrottleConcurrent sends 100 wrong passwords for one account at
// once: the attempts are counted before bcrypt, so no more than the
// account's limit are checked (the log says "login failed" once per check).
func TestLoginThrottleConcurrent(t *testing.T) {
	a := newTestApp(t)
	a.slowLoginWaits()
	c := a.client()
	tok := c.token("/login")
	var wg sync.WaitGroup
	statuses := make(chan int, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, ok := c.postFromGoroutine(t, "/login", url.Values{"login": {"admin"}, "password": {"a wrong guess"}, "csrf_token": {tok}}); ok {
				statuses <- status
			}
		}()
	}
	wg.Wait()
	close(statuses)
	checked := strings.Count(a.log.String(), "login failed")
	if free := a.h.loginRules.account.Free; checked > free {
		t.Fatalf("%d of 100 simultaneous wrong logins reached the password check, want at most %d", checked, free)
	}
	n := 0
	for s := range statuses {
		if s != http.StatusUnauthorized && s != http.StatusTooManyRequests {
			t.Errorf("got status %d, want 401 or 429", s)
		}
		n++
	}
	if n != 100 {
		t.Fatalf("got %d answers, want 100", n)
	}
}

// TestSetupLinkConcurrent posts the setup form 8 times at once with one
// link: exactly one administrator is made (three were).
func TestSetupLinkConcurrent(t *testing.T) {
	a := newTestApp(t)
	db, _ := a.store.SQLDB()
	db.Exec("DELETE FROM users")
	link, err := SetupLink(t.Context(), a.store, a.srv.URL)
	if err != nil || link == "" {
		t.Fatalf("got %q %v", link, err)
	}
	u, _ := url.Parse(link)
	var wg sync.WaitGroup
	created := make(chan int, 8)
	clients, toks := make([]*client, 8), make([]string, 8)
	for i := range 8 {
		clients[i] = a.client()
		toks[i] = clients[i].token(u.RequestURI())
	}
	for i := range 8 {
		c, tok := clients[i], toks[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"csrf_token": {tok}, "token": {u.Query().Get("token")}, "login": {fmt.Sprintf("root%d", i)}, "password": {"first admin password"}}
			status, ok := c.postFromGoroutine(t, "/setup", form)
			if ok && status == http.StatusSeeOther {
				created <- i
			} else if ok && status != http.StatusNotFound {
				t.Errorf("setup post %d: got %d, want 303 or 404", i, status)
			}
		}()
	}
	wg.Wait()
	close(created)
	var n int
	db.QueryRow("SELECT COUNT(*) FROM users").Scan(&n)
	if n != 1 || len(created) != 1 {
		t.Fatalf("8 simultaneous uses of one setup link made %d users (%d answers of success), want exactly 1", n, len(created))
	}
}

// TestOversizedBody: a body over OAUTHIMAP_MAX_BODY answers 413 with the
// limit, before and after login (it said "The form has expired", 403).
func TestOversizedBody(t *testing.T) {
	a := newTestApp(t)
	big := strings.Repeat("x", int(a.h.cfg.MaxBodyBytes)+1)
	anon := a.client()
	r := anon.post("/login", url.Values{"login": {"admin"}, "password": {big}, "csrf_token": {anon.token("/login")}})
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "larger than this console accepts (1.0 MB)") {
		t.Fatalf("login with a huge body: got %d, want 413 with the limit\n%s", r.status, r.body)
	}
	c := a.client()
	c.login("admin")
	r = c.post("/setup/blacklist", url.Values{"csrf_token": {c.token("/")}, "value": {big}})
	if r.status != http.StatusRequestEntityTooLarge || strings.Contains(r.body, "The form has expired") {
		t.Fatalf("logged-in post with a huge body: got %d, want 413", r.status)
	}
}

// TestPreLoginTokenSigned: a pre-login form token the client chose itself
// (the same value in cookie and field) is refused; one the server issued
// passes, and a tampered or expired one does not.
func TestPreLoginTokenSigned(t *testing.T) {
	a := newTestApp(t)
	u, _ := url.Parse(a.srv.URL)
	for _, tc := range []struct {
		name  string
		value string
	}{
		{"chosen by the client", strings.Repeat("A", 43)},
		{"well-formed, unsigned", "cmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9t.1700000000.c2lnbmF0dXJl"},
		{"issued long ago", func() string {
			msg := "cmFuZG9tcmFuZG9tcmFuZG9tcmFuZG9t." + strconv.FormatInt(time.Now().Add(-formTokenLife-time.Minute).Unix(), 10)
			return msg + "." + a.store.Keys().Sign(formTokenPurpose, msg)
		}()},
		{"tampered time", func() string {
			tok := a.client().token("/login")
			parts := strings.Split(tok, ".")
			parts[1] = strconv.FormatInt(time.Now().Unix()+1, 10)
			return strings.Join(parts, ".")
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := a.client()
			c.http.Jar.SetCookies(u, []*http.Cookie{{Name: formCookie, Value: tc.value}})
			r := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {tc.value}})
			if r.status != http.StatusForbidden {
				t.Fatalf("got %d, want 403", r.status)
			}
		})
	}
	c := a.client()
	r := c.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {c.token("/login")}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("a token the server issued: got %d, want 303", r.status)
	}
}

// TestFreeTextRefused: text that is not UTF-8, or longer than its column,
// is refused with a message at the field and the page keeps what was
// typed; nothing is saved. (Invalid UTF-8 was stored as sent, and a 900 KB
// comment was saved.)
func TestFreeTextRefused(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	bad := "Support \xff desk"
	for _, tc := range []struct {
		name, path, page string
		form             url.Values
		want             string
	}{
		{"receiver name not UTF-8", "/setup/receivers", "/setup/receivers/new", func() url.Values {
			f := rcvForm("x", nil)
			f.Set("name", bad)
			return f
		}(), "Name contains bytes that are not valid text (UTF-8). Type it again."},
		{"receiver comment of 900 KB", "/setup/receivers", "/setup/receivers/new", func() url.Values {
			f := rcvForm("Support desk", nil)
			f.Set("comment", strings.Repeat("x", 900<<10))
			return f
		}(), "Comments is too long: at most 64 KB."},
		{"receiver folder too long", "/setup/receivers", "/setup/receivers/new", func() url.Values {
			f := rcvForm("Support desk", nil)
			f.Set("folder", strings.Repeat("é", 256))
			return f
		}(), "Incoming mail folder is too long: at most 255 characters."},
		{"blacklist value not UTF-8", "/setup/blacklist", "/setup/blacklist",
			url.Values{"kind": {"email"}, "value": {"spam\xff@example.com"}}, "The value contains bytes that are not valid text (UTF-8)."},
		{"blacklist comment of 900 KB", "/setup/blacklist", "/setup/blacklist",
			url.Values{"kind": {"email"}, "value": {"spam@example.com"}, "comment": {strings.Repeat("x", 900<<10)}}, "The comment is too long: at most 64 KB."},
		{"user name not UTF-8", "/admin/users", "/admin/users/new",
			url.Values{"login": {"newbie"}, "name": {bad}, "role": {"technician"}, "password": {"a long enough password"}, "is_active": {"1"}},
			"Name contains bytes that are not valid text (UTF-8)."},
		{"application comment not UTF-8", "/setup/oauthimap", "/setup/oauthimap/new",
			url.Values{"name": {"Contoso"}, "is_active": {"1"}, "provider": {"google"}, "client_id": {"id"}, "client_secret": {"secret"}, "comment": {bad}},
			"Comments contains bytes that are not valid text (UTF-8)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf_token", c.token(tc.page))
			r := c.post(tc.path, tc.form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), tc.want) {
				t.Fatalf("got %d, want 422 with %q", r.status, tc.want)
			}
		})
	}
	db, _ := a.store.SQLDB()
	for _, table := range []string{"receivers", "blacklist", "oauth_applications"} {
		var n int
		db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n)
		if n != 0 {
			t.Errorf("got %d rows in %s after refused forms, want 0", n, table)
		}
	}
	if _, err := a.store.UserByLogin(t.Context(), "newbie"); err == nil {
		t.Error("a refused user form created the user")
	}
	// A staff follow-up that is not UTF-8.
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	tok := c.token(ticketURL(s.TicketID))
	r := c.post(ticketURL(s.TicketID)+"/followups", url.Values{"csrf_token": {tok}, "content": {"Reboot \xff it"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.body), "The follow-up contains bytes that are not valid text (UTF-8).") {
		t.Fatalf("follow-up not UTF-8: got %d, want 422 with the message", r.status)
	}
}

// TestSomeoneElsesFailuresNeverKeepAUserOut: an anonymous client guessing
// an account's password from the same address (behind a proxy, everyone's)
// is slowed down, and the user, in the browser they logged in with
// before, still gets in with the right password at once. (Five wrong
// passwords locked the account, and 20 the address, for 15 minutes.)
func TestSomeoneElsesFailuresNeverKeepAUserOut(t *testing.T) {
	a := newTestApp(t)
	a.slowLoginWaits()
	a.h.loginRules.account.Free, a.h.loginRules.address.Free = 2, 6 // fewer bcrypt calls, same logic
	user := a.client()
	user.login("admin")
	if r := user.post("/logout", url.Values{"csrf_token": {user.token("/")}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	attacker := a.client()
	tok := attacker.token("/login")
	refused := 0
	for i := 0; i < a.h.loginRules.address.Free+4; i++ {
		login := "admin" // guessing one account, and spraying others from the same address
		if i%2 == 1 {
			login = fmt.Sprintf("someone%d", i)
		}
		r := attacker.post("/login", url.Values{"login": {login}, "password": {fmt.Sprintf("guess %d", i)}, "csrf_token": {tok}})
		if r.status == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("fast guessing was never slowed down")
	}
	// The user's own browser: in at once.
	r := user.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {user.token("/login")}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("the right password in the user's own browser: got %d, want 303\n%s", r.status, r.body)
	}
	// A browser that never logged in as admin waits, whatever the password.
	fresh := a.client()
	r = fresh.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {fresh.token("/login")}})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("a new browser while the account is being guessed: got %d, want 429 with Retry-After", r.status)
	}
	// The known-device cookie vouches for its own account only.
	r = user.post("/login", url.Values{"login": {"tech"}, "password": {testPassword}, "csrf_token": {user.token("/")}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("another account from the user's browser while the address is slowed down: got %d, want 429", r.status)
	}
	// A forged device cookie is worth nothing.
	forged := a.client()
	u, _ := url.Parse(a.srv.URL)
	forged.http.Jar.SetCookies(u, []*http.Cookie{{Name: deviceCookie, Value: "abc." + strconv.FormatInt(time.Now().Unix(), 10) + ".c2ln"}})
	r = forged.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {forged.token("/login")}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("a forged known-device cookie: got %d, want 429", r.status)
	}
}

// TestTrustedProxies: X-Forwarded-For is believed only from a trusted
// proxy, and then only the address that proxy added.
func TestTrustedProxies(t *testing.T) {
	a := newTestApp(t)
	a.slowLoginWaits()
	a.h.loginRules.address.Free = 3 // fewer bcrypt calls, same logic
	h := a.h
	req := func(peer string, xff ...string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		for _, v := range xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		return r
	}
	for _, tc := range []struct {
		name    string
		trusted string
		r       *http.Request
		want    string
	}{
		{"no proxy configured: the header is ignored", "", req("10.0.0.2:5555", "203.0.113.9"), "10.0.0.2"},
		{"untrusted peer: the header is ignored", "10.0.0.0/8", req("192.0.2.1:5555", "203.0.113.9"), "192.0.2.1"},
		{"trusted proxy: the address it added", "10.0.0.0/8", req("10.0.0.2:5555", "203.0.113.9"), "203.0.113.9"},
		{"a client's own entry is not believed", "10.0.0.0/8", req("10.0.0.2:5555", "198.51.100.1, 203.0.113.9"), "203.0.113.9"},
		{"two trusted proxies in a row", "10.0.0.0/8", req("10.0.0.2:5555", "198.51.100.1, 203.0.113.9, 10.0.0.7"), "203.0.113.9"},
		{"several header lines", "10.0.0.0/8", req("10.0.0.2:5555", "198.51.100.1", "203.0.113.9"), "203.0.113.9"},
		{"garbage hop", "10.0.0.0/8", req("10.0.0.2:5555", "203.0.113.9, nonsense"), "10.0.0.2"},
		{"single address, IPv6", "2001:db8::1", req("[2001:db8::1]:443", "2001:db8:ffff::5"), "2001:db8:ffff::5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(flag.NewFlagSet("t", flag.ContinueOnError), nil, func(k string) string {
				if k == "OAUTHIMAP_TRUSTED_PROXIES" {
					return tc.trusted
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			h.cfg.TrustedProxies = cfg.TrustedProxies
			if got := h.clientIP(tc.r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Behind a trusted proxy, one client's guessing slows that client's
	// address down, not everyone's.
	h.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	post := func(c *client, xff, login, password string) response {
		req, _ := http.NewRequest("POST", a.srv.URL+"/login", strings.NewReader(url.Values{"login": {login}, "password": {password}, "csrf_token": {c.token("/login")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.srv.URL)
		req.Header.Set("X-Forwarded-For", xff)
		return c.do(req)
	}
	attacker := a.client()
	for i := 0; i < a.h.loginRules.address.Free+2; i++ {
		post(attacker, "203.0.113.9", fmt.Sprintf("ghost%d", i), "a wrong guess")
	}
	if r := post(attacker, "203.0.113.9", "tech", testPassword); r.status != http.StatusTooManyRequests {
		t.Fatalf("the guessing address: got %d, want 429", r.status)
	}
	if r := post(a.client(), "198.51.100.7", "tech", testPassword); r.status != http.StatusSeeOther {
		t.Fatalf("another client behind the same proxy: got %d, want 303", r.status)
	}
}
