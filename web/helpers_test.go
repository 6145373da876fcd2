package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/config"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
	"github.com/oauthimap/oauthimap/static"
	"golang.org/x/crypto/bcrypt"
)

const testPassword = "correct horse battery"

// testApp is the console on a fresh SQLite database with an administrator
// ("admin") and a technician ("tech").
type testApp struct {
	t     *testing.T
	h     *Handler
	srv   *httptest.Server
	store *store.Store
	log   *testpeer.LogBuffer
	admin *store.User
	tech  *store.User
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(t.TempDir(), "t.db"), Keyring: keys, PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := &testApp{t: t, store: st, log: &testpeer.LogBuffer{}}
	a.srv = httptest.NewUnstartedServer(nil)
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	cfg := &config.Config{PublicURL: a.srv.URL, SessionIdle: time.Hour, SessionMax: 8 * time.Hour, MaxBodyBytes: 1 << 20}
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	a.h, err = New(Options{Store: st, Config: cfg, Assets: assets, Logger: slog.New(slog.NewTextHandler(a.log, nil)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	a.srv.Config.Handler = a.h
	a.admin = &store.User{Login: "admin", Name: "Ada Admin", Role: store.RoleAdmin, IsActive: true}
	a.tech = &store.User{Login: "tech", Name: "Tim Tech", Role: store.RoleTechnician, IsActive: true}
	for _, u := range []*store.User{a.admin, a.tech} {
		if err := st.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// client is a browser-like client: cookies, no redirect following, and
// the Origin header a same-origin form post carries.
type client struct {
	a    *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{a: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) response {
	c.a.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	// Long addresses carry <wbr> break points (views.Breakable); tests
	// read the text as a person does, without them.
	return response{status: res.StatusCode, body: strings.ReplaceAll(string(b), "<wbr>", ""), header: res.Header}
}

func (c *client) get(path string) response {
	req, _ := http.NewRequest("GET", c.a.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form as the browser would from one of our pages.
func (c *client) post(path string, form url.Values) response {
	req, _ := http.NewRequest("POST", c.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token reads the form token of a page.
func (c *client) token(path string) string {
	c.a.t.Helper()
	r := c.get(path)
	m := tokenRE.FindStringSubmatch(r.body)
	if m == nil {
		c.a.t.Fatalf("no form token on %s (status %d)", path, r.status)
	}
	return m[1]
}

// login signs in through the form and fails the test if it does not work.
func (c *client) login(login string) {
	c.a.t.Helper()
	page := "/login"
	if c.sessionCookie() != "" {
		page = "/" // logged in already: the session's token
	}
	r := c.post("/login", url.Values{"login": {login}, "password": {testPassword}, "csrf_token": {c.token(page)}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		c.a.t.Fatalf("login %s: got status %d, want 303\n%s", login, r.status, r.body)
	}
}

func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.a.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}
