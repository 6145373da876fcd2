package web

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

const (
	rcvUser     = "support@example.com"
	rcvPassword = "S3cret-Pw-7731"
	rcvToken    = "ya29.tok-SECRET-5521"
)

// fakeTokens is the OAuth token source of the tests.
type fakeTokens struct {
	mu    sync.Mutex
	token string
	err   error
	asked []int64
}

func (f *fakeTokens) AccessToken(_ context.Context, id int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, id)
	return f.token, f.err
}

// fakeCollector records "Get email tickets now" and answers with run or err.
type fakeCollector struct {
	mu   sync.Mutex
	run  *store.CollectRun
	err  error
	got  []int64
	wait time.Duration
	// changed counts ReceiversChanged calls.
	changed int
}

func (f *fakeCollector) ReceiversChanged() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changed++
}

func (f *fakeCollector) FileNow(context.Context, int64) error { return f.err }

func (f *fakeCollector) CollectNow(_ context.Context, id int64) (*store.CollectRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, id)
	time.Sleep(f.wait)
	return f.run, f.err
}

// rcvForm is a valid IMAP receiver form for srv (nil: a made-up server).
func rcvForm(name string, srv *imaptest.Server) url.Values {
	host, port := "imap.example.com", "993"
	if srv != nil {
		host, port = srv.Host(), strconv.Itoa(srv.Port())
	}
	return url.Values{
		"name": {name}, "is_active": {"1"}, "type": {"imap"}, "host": {host}, "port": {port}, "security": {"none"},
		"login": {rcvUser}, "password": {rcvPassword}, "filesize_max": {"2"}, "poll_interval": {"60"}, "budget": {"100"},
		"add_to": {"1"}, "idle": {"1"},
	}
}

// rcvCreate posts the form and returns the new receiver's id.
func rcvCreate(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	form.Set("csrf_token", c.token("/setup/receivers/new"))
	r := c.post("/setup/receivers", form)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/setup/receivers/") {
		t.Fatalf("create receiver: got %d %q, want 303 to the receiver\n%s", r.status, loc, r.body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/setup/receivers/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func rcvPath(id int64, rest string) string {
	return "/setup/receivers/" + strconv.FormatInt(id, 10) + rest
}

// rcvAdmin is a test app with an administrator's client.
func rcvAdmin(t *testing.T) (*testApp, *client) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	return a, c
}

const msgPollBounds = "The poll interval must be a whole number of seconds between 10 and 86400 (one day)."

func TestReceiverFormValidation(t *testing.T) {
	a, c := rcvAdmin(t)
	_ = a
	for _, tc := range []struct {
		name    string
		edit    func(url.Values)
		want    []string
		wantVal string // a typed value the page must keep
	}{
		{"mandatory fields", func(f url.Values) { f.Set("name", ""); f.Set("host", ""); f.Set("login", "") },
			[]string{"Mandatory fields are not filled. Please correct: Name, Server, Login"}, `value="993"`},
		{"bad port", func(f url.Values) { f.Set("port", "99999") }, []string{"The port must be a number between 1 and 65535."}, `value="99999"`},
		{"poll interval too short", func(f url.Values) { f.Set("poll_interval", "5") }, []string{msgPollBounds}, `value="5"`},
		{"poll interval whose nanoseconds overflow", func(f url.Values) { f.Set("poll_interval", "17446744073") }, []string{msgPollBounds}, `value="17446744073"`},
		{"poll interval past a day", func(f url.Values) { f.Set("poll_interval", "86401") }, []string{msgPollBounds}, `value="86401"`},
		{"budget too large", func(f url.Values) { f.Set("budget", "10001") }, []string{"The messages per run must be between 1 and 10000."}, `value="10001"`},
		{"file size not a number", func(f url.Values) { f.Set("filesize_max", "2x") }, []string{"Choose a size in the list."}, `value="Support desk"`},
		{"budget out of range", func(f url.Values) { f.Set("budget", "0") }, []string{"The messages per run must be between 1 and 10000."}, `value="imap.example.com"`},
		{"unknown security", func(f url.Values) { f.Set("security", "tls13") }, []string{"Choose SSL, STARTTLS or None (no encryption)."}, `value="Support desk"`},
		{"file size off the list", func(f url.Values) { f.Set("filesize_max", "500") }, []string{"Choose a size in the list."}, `value="Support desk"`},
		{"first collection days out of range", func(f url.Values) { f.Set("first_collect", "recent"); f.Set("first_collect_days", "0") },
			[]string{"The number of days must be between 1 and 3650."}, `value="0"`},
		{"unknown first collection", func(f url.Values) { f.Set("first_collect", "everything") }, []string{"Choose what the first collection imports."}, `value="Support desk"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := rcvForm("Support desk", nil)
			tc.edit(f)
			f.Set("csrf_token", c.token("/setup/receivers/new"))
			r := c.post("/setup/receivers", f)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got status %d, want 422", r.status)
			}
			body := html.UnescapeString(r.body)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if !strings.Contains(r.body, tc.wantVal) {
				t.Errorf("page lost the typed input %s", tc.wantVal)
			}
			if strings.Contains(r.body, rcvPassword) {
				t.Error("the re-rendered form echoes the password")
			}
		})
	}
	if _, total, _ := a.store.ListReceivers(context.Background(), store.ListQuery{}); total != 0 {
		t.Fatalf("got %d receivers after refused forms, want 0", total)
	}
	// A second receiver with the same name is refused by name.
	rcvCreate(t, c, rcvForm("Support desk", nil))
	f := rcvForm("Support desk", nil)
	f.Set("csrf_token", c.token("/setup/receivers/new"))
	if r := c.post("/setup/receivers", f); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "A receiver with this name already exists.") {
		t.Fatalf("duplicate name: got %d, want 422 with the message", r.status)
	}
}

func TestReceiverSaveEditDelete(t *testing.T) {
	a, c := rcvAdmin(t)
	ctx := context.Background()
	f := rcvForm("Support desk", nil)
	f.Set("filesize_max", "0")
	f.Set("use_reply_to", "1")
	f.Set("only_unread", "1")
	f.Set("auto_notifications", "1")
	f.Set("first_collect", "recent")
	f.Set("first_collect_days", "30")
	f.Set("accepted_folder", "Done")
	id := rcvCreate(t, c, f)
	rec, err := a.store.Receiver(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Password != rcvPassword || rec.FilesizeMax != 0 || rec.RequesterField != "reply-to" || !rec.CollectOnlyUnread ||
		rec.AcceptedFolder != "Done" || rec.AddCcToObserver || !rec.AddToToObserver || rec.Port != 993 || rec.Security != "none" ||
		!rec.ImportAutoNotifications || rec.FirstCollect != "recent" || rec.FirstCollectDays != 30 {
		t.Fatalf("got %+v, want the form's values", rec)
	}
	page := c.get(rcvPath(id, ""))
	for _, want := range []string{`value="Done"`, `<option value="0" selected>No import</option>`, "A password is stored.",
		`for="auto_notifications">Import automatic notifications</label>`,
		`id="auto_notifications" value="1" checked`, `<option value="recent" selected>`, `for="first_collect">On the first collection</label>`,
		`for="first_collect_days">Days of mail imported on the first collection</label>`, `value="30"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}
	for _, tc := range []struct {
		name     string
		edit     func(url.Values)
		wantPass string
		wantSize int64
	}{
		{"blank password keeps it", func(f url.Values) { f.Set("password", ""); f.Set("filesize_max", "5") }, rcvPassword, 5 << 20},
		{"a new password replaces it", func(f url.Values) { f.Set("password", "another-pw") }, "another-pw", 2 << 20},
		{"clear empties it", func(f url.Values) { f.Set("password", ""); f.Set("clear_password", "1") }, "", 2 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := rcvForm("Support desk", nil)
			tc.edit(f)
			f.Set("csrf_token", c.token(rcvPath(id, "")))
			if r := c.post(rcvPath(id, ""), f); r.status != http.StatusSeeOther {
				t.Fatalf("save: got %d\n%s", r.status, r.body)
			}
			rec, _ := a.store.Receiver(ctx, id)
			if rec.Password != tc.wantPass || rec.FilesizeMax != tc.wantSize {
				t.Errorf("got password %q size %d, want %q %d", rec.Password, rec.FilesizeMax, tc.wantPass, tc.wantSize)
			}
		})
	}
	if !strings.Contains(c.get(rcvPath(id, "")).body, "Item successfully updated.") {
		t.Error("no flash after save")
	}
	r := c.post(rcvPath(id, "/delete"), url.Values{"csrf_token": {c.token(rcvPath(id, ""))}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/setup/receivers" {
		t.Fatalf("delete: got %d %q", r.status, r.header.Get("Location"))
	}
	if _, err := a.store.Receiver(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: got %v, want ErrNotFound", err)
	}
	if r := c.get(rcvPath(id, "")); r.status != http.StatusNotFound {
		t.Fatalf("deleted receiver page: got %d, want 404", r.status)
	}
}

func TestReceiverPasswordNeverShown(t *testing.T) {
	a, c := rcvAdmin(t)
	srv := imaptest.Start(t)
	srv.SetPassword(rcvUser, rcvPassword)
	id := rcvCreate(t, c, rcvForm("Support desk", srv))
	a.h.collect = &fakeCollector{run: &store.CollectRun{}}
	refresh := rcvForm("Support desk", srv)
	refresh.Set("_refresh", "1")
	refresh.Set("csrf_token", c.token(rcvPath(id, "")))
	bad := rcvForm("", srv)
	bad.Set("csrf_token", refresh.Get("csrf_token"))
	pages := map[string]response{
		"list":            c.get("/setup/receivers"),
		"edit":            c.get(rcvPath(id, "")),
		"refresh":         c.post(rcvPath(id, ""), refresh),
		"422":             c.post(rcvPath(id, ""), bad),
		"folders":         c.get(rcvPath(id, "/folders?field=folder")),
		"test connection": c.post(rcvPath(id, "/test"), url.Values{"csrf_token": {refresh.Get("csrf_token")}}),
		"runs":            c.get(rcvPath(id, "/runs")),
	}
	for name, p := range pages {
		if p.status >= 500 {
			t.Errorf("%s: status %d", name, p.status)
		}
		if strings.Contains(p.body, rcvPassword) {
			t.Errorf("%s: the page contains the password", name)
		}
	}
	if !strings.Contains(pages["test connection"].body, "[redacted]") {
		t.Error("the transcript should show the redacted login")
	}
	if strings.Contains(a.log.String(), rcvPassword) {
		t.Error("the log contains the password")
	}
}

func TestReceiverListStateAndBanner(t *testing.T) {
	a, c := rcvAdmin(t)
	ctx := context.Background()
	var ids []int64
	for i := 1; i <= 23; i++ {
		ids = append(ids, rcvCreate(t, c, rcvForm("rcv-"+strconv.Itoa(100+i), nil)))
	}
	db, _ := a.store.SQLDB()
	if _, err := db.ExecContext(ctx, "UPDATE receivers SET errors = 4, state = 'failing', last_error = 'mailbox: dial: refused' WHERE id = ?", ids[4]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE receivers SET is_active = 0 WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	r := c.get("/setup/receivers")
	if r.status != http.StatusOK || !strings.Contains(r.body, "Receivers in error:") || !strings.Contains(r.body, `href="`+rcvPath(ids[4], "")+`">rcv-105</a>`) {
		t.Fatalf("list: got %d, want the banner naming rcv-105", r.status)
	}
	if !strings.Contains(r.body, "Showing 1 to 20 of 23 rows") || strings.Contains(r.body, ">rcv-123<") {
		t.Error("page 1 should show 20 of 23 rows")
	}
	for _, tc := range []struct {
		name, query, want string
	}{
		{"failing state", "?q=rcv-105", `data-health="failing">Failing`},
		{"disabled state", "?q=rcv-101", `data-health="disabled">Disabled`},
		{"ok state", "?q=rcv-102", `data-health="ok">OK`},
		{"sorted by errors first", "?sort=errors&order=desc", `rcv-105</a></td><td data-label="Active">Yes</td>`},
		{"page 2", "?page=2", ">rcv-123</a>"},
	} {
		r := c.get("/setup/receivers" + tc.query)
		if !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: page lacks %s", tc.name, tc.want)
		}
	}
	first := c.get("/setup/receivers?sort=errors&order=desc").body
	if i, j := strings.Index(first, ">rcv-105<"), strings.Index(first, ">rcv-101<"); i < 0 || j >= 0 && i > j {
		t.Error("sorted by errors descending, rcv-105 must come first")
	}
	if r := c.get("/"); !strings.Contains(r.body, `href="/setup/receivers"`) {
		t.Error("the menu should offer Setup > Receivers")
	}
}

func TestReceiverFolderBrowser(t *testing.T) {
	a, c := rcvAdmin(t)
	srv := imaptest.Start(t)
	srv.SetPassword(rcvUser, rcvPassword)
	srv.CreateFolder(rcvUser, "Archive")
	srv.CreateFolder(rcvUser, "Archive/2024")
	srv.CreateFolder(rcvUser, "Refusés")

	// Not saved yet: browsing waits for the save, and an untouched form
	// does not claim that anything has changed.
	if r := c.get("/setup/receivers/new"); !strings.Contains(r.body, "Folders can be browsed once the receiver is saved.") ||
		strings.Contains(r.body, "Server configuration has changed") || strings.Contains(r.body, "/folders?field=") {
		t.Fatal("a new receiver must say that folders can be browsed once saved, and offer no browser")
	}
	// A new receiver proposes to take only the last week of a full mailbox.
	if r := c.get("/setup/receivers/new"); !strings.Contains(r.body, `<option value="recent" selected>`) || !strings.Contains(r.body, `name="first_collect_days" value="7"`) {
		t.Fatal("a new receiver does not propose the last 7 days for its first collection")
	}
	id := rcvCreate(t, c, rcvForm("Support desk", srv))
	edit := c.get(rcvPath(id, ""))
	if !strings.Contains(edit.body, `href="`+rcvPath(id, "/folders?field=accepted")+`"`) {
		t.Fatal("a saved receiver must offer the folder browser")
	}
	page := c.get(rcvPath(id, "/folders?field=accepted"))
	for _, want := range []string{"Accepted mail archive folder (optional)", `value="INBOX"`, `value="Archive/2024"`, `value="Refusés"`} {
		if !strings.Contains(html.UnescapeString(page.body), want) {
			t.Errorf("folder list lacks %s", want)
		}
	}
	r := c.post(rcvPath(id, "/folders"), url.Values{"csrf_token": {c.token(rcvPath(id, ""))}, "field": {"accepted"}, "folder": {"Archive/2024"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != rcvPath(id, "") {
		t.Fatalf("choose folder: got %d %q", r.status, r.header.Get("Location"))
	}
	rec, _ := a.store.Receiver(context.Background(), id)
	if rec.AcceptedFolder != "Archive/2024" || rec.Folder != "" || rec.RefusedFolder != "" {
		t.Fatalf("got folders %q %q %q, want only accepted set", rec.Folder, rec.AcceptedFolder, rec.RefusedFolder)
	}
	if r := c.get(rcvPath(id, "/folders?field=password")); r.status != http.StatusNotFound {
		t.Fatalf("unknown field: got %d, want 404", r.status)
	}
	// Unsaved changes (a refresh re-render) disable the browser again.
	f := rcvForm("Support desk", srv)
	f.Set("_refresh", "1")
	f.Set("csrf_token", c.token(rcvPath(id, "")))
	if r := c.post(rcvPath(id, ""), f); !strings.Contains(r.body, "Server configuration has changed. Please save the collector before browsing folders.") {
		t.Fatal("a form with unsaved input must refuse to browse folders")
	}
	// A wrong password is explained, not crashed on.
	srv.SetPassword(rcvUser, "changed-on-the-server")
	r = c.get(rcvPath(id, "/folders?field=folder"))
	if r.status != http.StatusOK || !strings.Contains(r.body, "The connection failed (Login refused)") || !strings.Contains(r.body, "check the login and password") {
		t.Fatalf("wrong password: got %d, want the authentication problem and its remedy", r.status)
	}
}

// rcvOAuth adds an active Azure application with an authorization for
// rcvUser, and returns their ids.
func rcvOAuth(t *testing.T, a *testApp, name, provider string) (appID, authID int64) {
	t.Helper()
	ctx := context.Background()
	app := &store.Application{Name: name, Provider: provider, IsActive: true, ClientID: "client", ClientSecret: "app-secret"}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	db, _ := a.store.SQLDB()
	now := time.Now().UTC()
	res, err := db.ExecContext(ctx, "INSERT INTO oauth_authorizations (application_id, email, created_at, updated_at) VALUES (?, ?, ?, ?)", app.ID, rcvUser, now, now)
	if err != nil {
		t.Fatal(err)
	}
	authID, _ = res.LastInsertId()
	return app.ID, authID
}

func TestReceiverConnectionTypeSwitch(t *testing.T) {
	a, c := rcvAdmin(t)
	azure, azureAuth := rcvOAuth(t, a, "Contoso 365", "azure")
	google, _ := rcvOAuth(t, a, "Gmail", "google")
	for _, tc := range []struct {
		name     string
		typ      string
		host     string
		want     []string
		wantNot  []string
		wantHost string
	}{
		{"azure fills Microsoft's server", "imap-oauth-" + strconv.FormatInt(azure, 10), "",
			[]string{`id="authorization"`, ">" + rcvUser + "</option>", "Create authorization for another user", `value="993"`},
			[]string{`id="password"`, `name="login"`}, `value="outlook.office365.com"`},
		{"google fills Gmail's server", "imap-oauth-" + strconv.FormatInt(google, 10), "",
			[]string{`id="authorization"`}, []string{`id="password"`}, `value="imap.gmail.com"`},
		{"a typed server is kept", "imap-oauth-" + strconv.FormatInt(azure, 10), "mail.contoso.example",
			[]string{`id="authorization"`}, nil, `value="mail.contoso.example"`},
		{"back to IMAP asks for login and password", "imap", "imap.example.com",
			[]string{`id="password"`, `name="login"`}, []string{`id="authorization"`}, `value="imap.example.com"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := rcvForm("Switching", nil)
			f.Set("type", tc.typ)
			f.Set("host", tc.host)
			f.Set("_refresh", "1")
			f.Set("csrf_token", c.token("/setup/receivers/new"))
			r := c.post("/setup/receivers", f)
			if r.status != http.StatusOK {
				t.Fatalf("refresh: got %d, want 200", r.status)
			}
			for _, w := range append(tc.want, tc.wantHost) {
				if !strings.Contains(r.body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(r.body, w) {
					t.Errorf("page has %s", w)
				}
			}
		})
	}
	if _, total, _ := a.store.ListReceivers(context.Background(), store.ListQuery{}); total != 0 {
		t.Fatalf("a refresh saved %d receivers, want none", total)
	}
	// Saving with the authorization makes an OAuth receiver logging in as its e-mail.
	f := rcvForm("Contoso box", nil)
	f.Set("type", "imap-oauth-"+strconv.FormatInt(azure, 10))
	f.Set("authorization", strconv.FormatInt(azureAuth, 10))
	f.Set("login", "ignored")
	id := rcvCreate(t, c, f)
	rec, _ := a.store.Receiver(context.Background(), id)
	if !rec.UsesOAuth() || *rec.ApplicationID != azure || rec.Login != rcvUser || rec.Password != "" {
		t.Fatalf("got %+v, want application %d, login %s, no password", rec, azure, rcvUser)
	}
	// The application's list of receivers shows it.
	byApp, _ := a.store.ReceiversByApplication(context.Background(), azure)
	if len(byApp) != 1 || byApp[0].ID != id {
		t.Fatalf("got %v, want the receiver under its application", byApp)
	}
	list := c.get("/setup/receivers")
	if !strings.Contains(list.body, `<td data-label="Connection type">Contoso 365</td>`) {
		t.Error("the list should name the application as connection type")
	}
	// An authorization of another application is refused.
	f.Set("authorization", "999")
	f.Set("name", "Other")
	f.Set("csrf_token", c.token("/setup/receivers/new"))
	if r := c.post("/setup/receivers", f); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("foreign authorization: got %d, want 422", r.status)
	}
	// A type naming no application is refused, not a database error.
	f.Set("type", "imap-oauth-999")
	f.Set("csrf_token", c.token("/setup/receivers/new"))
	if r := c.post("/setup/receivers", f); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "does not exist any more") {
		t.Fatalf("unknown application: got %d, want 422 with the message", r.status)
	}
}

func TestReceiverCreateAuthorizationForAnotherUser(t *testing.T) {
	e := newOAuthEnv(t)
	f := rcvForm("Alice's box", nil)
	f.Set("type", "imap-oauth-"+strconv.FormatInt(e.appID, 10))
	f.Set("authorization", "-1")
	f.Set("csrf_token", e.c.token("/setup/receivers/new"))
	r := e.c.post("/setup/receivers", f)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, e.idp.URL()) {
		t.Fatalf("save with %q: got %d %q, want a redirect to the provider", "Create authorization for another user", r.status, loc)
	}
	rows, _, _ := e.a.store.ListReceivers(context.Background(), store.ListQuery{})
	if len(rows) != 1 || rows[0].Login != "" {
		t.Fatalf("got %v, want the receiver saved without a login yet", rows)
	}
	id := rows[0].ID
	back := e.c.get(e.back(t, loc, alice))
	if back.status != http.StatusSeeOther || back.header.Get("Location") != rcvPath(id, "") {
		t.Fatalf("callback: got %d %q, want back to the receiver", back.status, back.header.Get("Location"))
	}
	rec, _ := e.a.store.Receiver(context.Background(), id)
	if rec.Login != alice {
		t.Fatalf("got login %q, want %s", rec.Login, alice)
	}
	page := e.c.get(rcvPath(id, ""))
	authID := strconv.FormatInt(e.authorizationID(t, alice), 10)
	if !strings.Contains(page.body, `<option value="`+authID+`" selected>`+alice+`</option>`) {
		t.Fatal("the receiver form should show the new authorization selected")
	}
	const missing = "The application has no authorization for the login this receiver uses"
	if strings.Contains(page.body, missing) {
		t.Fatal("the form says the authorization is missing while it is selected")
	}
	// A login the application holds no authorization for (one never made,
	// as a receiver brought over from GLPI has): the form says so.
	db, _ := e.a.store.SQLDB()
	if _, err := db.ExecContext(context.Background(), "UPDATE receivers SET login = ? WHERE id = ?", "carol@example.com", id); err != nil {
		t.Fatal(err)
	}
	if page := e.c.get(rcvPath(id, "")); !strings.Contains(page.body, missing+" (carol@example.com): choose another, or create one.") {
		t.Fatal("the form should say the application has no authorization for carol@example.com")
	}
}

func TestReceiverTestConnection(t *testing.T) {
	a, c := rcvAdmin(t)
	srv := imaptest.Start(t)
	srv.SetPassword(rcvUser, rcvPassword)
	srv.AddToken(rcvToken, rcvUser)
	tokens := &fakeTokens{token: rcvToken}
	a.h.tokens = tokens
	pwID := rcvCreate(t, c, rcvForm("Password box", srv))
	appID, authID := rcvOAuth(t, a, "Contoso 365", "azure")
	f := rcvForm("OAuth box", srv)
	f.Set("type", "imap-oauth-"+strconv.FormatInt(appID, 10))
	f.Set("authorization", strconv.FormatInt(authID, 10))
	oauthID := rcvCreate(t, c, f)
	tok := c.token("/setup/receivers")
	test := func(id int64) string {
		t.Helper()
		r := c.post(rcvPath(id, "/test"), url.Values{"csrf_token": {tok}})
		if r.status != http.StatusOK {
			t.Fatalf("test connection: got %d", r.status)
		}
		return html.UnescapeString(r.body)
	}
	for _, tc := range []struct {
		name    string
		id      int64
		setup   func()
		want    []string
		wantNot []string
	}{
		{"password works", pwID, func() {}, []string{"The connection to 127.0.0.1", "works", "LOGIN"}, []string{rcvPassword}},
		{"wrong password", pwID, func() { srv.SetPassword(rcvUser, "rotated") }, []string{"What to do:", "check the login and password"}, []string{rcvPassword}},
		{"XOAUTH2 works", oauthID, func() {}, []string{"works", "AUTHENTICATE XOAUTH2", "[redacted]"}, []string{rcvToken}},
		{"token refused by the server", oauthID, func() { tokens.token = "expired-token" }, []string{"re-authorize the mailbox"}, []string{"expired-token"}},
		{"no token at all", oauthID, func() { tokens.err = errors.New("oauth: invalid_grant: AADSTS70008 expired") }, []string{"No access token could be obtained"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			body := test(tc.id)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
		})
	}
	if len(tokens.asked) == 0 || tokens.asked[0] != authID {
		t.Fatalf("tokens asked for %v, want authorization %d", tokens.asked, authID)
	}
	// The folder browser logs in with the token too.
	tokens.token, tokens.err = rcvToken, nil
	srv.CreateFolder(rcvUser, "Tickets")
	if r := c.get(rcvPath(oauthID, "/folders?field=folder")); !strings.Contains(r.body, `value="Tickets"`) {
		t.Fatalf("XOAUTH2 folder browser: got %d without the folder", r.status)
	}
	for _, secret := range []string{rcvToken, rcvPassword} {
		if strings.Contains(a.log.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

func TestReceiverCollectNow(t *testing.T) {
	a, c := rcvAdmin(t)
	id := rcvCreate(t, c, rcvForm("Support desk", nil))
	tok := c.token(rcvPath(id, ""))
	if r := c.get(rcvPath(id, "")); !strings.Contains(r.body, `id="collect-now" disabled`) {
		t.Fatal("without a collector the button must be disabled")
	}
	fc := &fakeCollector{run: &store.CollectRun{Available: 7, AlreadyImported: 2, Retrieved: 4, Refused: 1, Errors: 0, Blacklisted: 1}}
	a.h.collect = fc
	r := c.post(rcvPath(id, "/collect"), url.Values{"csrf_token": {tok}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != rcvPath(id, "") {
		t.Fatalf("collect: got %d %q", r.status, r.header.Get("Location"))
	}
	page := c.get(rcvPath(id, ""))
	if !strings.Contains(page.body, "Number of messages: available=7, already imported=2, retrieved=4, refused=1, errors=0, blacklisted=1") {
		t.Fatal("the page lacks GLPI's summary")
	}
	if len(fc.got) != 1 || fc.got[0] != id {
		t.Fatalf("collector called for %v, want [%d]", fc.got, id)
	}
	fc.run, fc.err = nil, errors.New("mailbox: dial: connection refused")
	c.post(rcvPath(id, "/collect"), url.Values{"csrf_token": {tok}})
	page = c.get(rcvPath(id, ""))
	if !strings.Contains(page.body, "An error occurred trying to connect to collector.") {
		t.Fatal("a failed collect must show GLPI's error")
	}
	if r := c.post(rcvPath(999, "/collect"), url.Values{"csrf_token": {tok}}); r.status != http.StatusNotFound {
		t.Fatalf("unknown receiver: got %d, want 404", r.status)
	}
}

func TestReceiverRunsPages(t *testing.T) {
	a, c := rcvAdmin(t)
	ctx := context.Background()
	one := rcvCreate(t, c, rcvForm("Alpha", nil))
	two := rcvCreate(t, c, rcvForm("Beta", nil))
	start := time.Now().UTC().Add(-time.Hour)
	for i, id := range []int64{one, one, two} {
		run := &store.CollectRun{ReceiverID: id, TriggerKind: store.TriggerManual, StartedAt: start.Add(time.Duration(i) * time.Minute)}
		if err := a.store.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		end := run.StartedAt.Add(1500 * time.Millisecond)
		run.EndedAt, run.Retrieved = &end, 10+i
		if i == 1 {
			run.ErrorClass, run.ErrorText = "authentication", "AUTHENTICATE failed"
		}
		if i == 0 {
			run.Note = "First collection of this folder: the 40000 messages already in it are left there."
		}
		if err := a.store.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, path string
		want       []string
		wantNot    []string
	}{
		{"one receiver", rcvPath(one, "/runs"), []string{"Alpha - Automatic actions", "1.5s", ">11<", "AUTHENTICATE failed",
			">Login refused<", `title="authentication"`, ">Collected by hand<", `title="manual"`, "the 40000 messages already in it are left there"}, []string{">12<", ">authentication<", ">manual<"}},
		{"every receiver", "/setup/receivers/runs", []string{">Alpha<", ">Beta<", ">12<", ">10<"}, nil},
		{"search", "/setup/receivers/runs?q=AUTHENTICATE", []string{">11<"}, []string{">12<", ">10<"}},
	} {
		r := c.get(tc.path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: got %d", tc.name, r.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s: page lacks %s", tc.name, w)
			}
		}
		for _, w := range tc.wantNot {
			if strings.Contains(r.body, w) {
				t.Errorf("%s: page has %s", tc.name, w)
			}
		}
	}
	all := c.get("/setup/receivers/runs").body
	if strings.Index(all, ">12<") > strings.Index(all, ">10<") {
		t.Error("the log should list the newest run first")
	}
}

// The receiver page says which mail rules name the receiver before it is
// deleted (deleting it takes it out of them), in the text and in the
// question asked; a receiver no rule names says nothing of rules.
func TestReceiverPageNamesTheRulesDeletingChanges(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	named := &store.Receiver{Name: "Legacy", Host: "imap.example.com", Port: 993, Security: "ssl", Login: "legacy@example.com"}
	other := &store.Receiver{Name: "Support", Host: "imap.example.com", Port: 993, Security: "ssl", Login: "support@example.com"}
	for _, r := range []*store.Receiver{named, other} {
		if err := a.store.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []rules.Rule{
		{Name: "Route FR", Active: true, ReceiverIDs: []int64{named.ID}, Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "fr"}}, Actions: []rules.Action{{Kind: rules.ActRefuse}}},
		{Name: "Old mailbox", Active: true, Criteria: []rules.Criterion{{Field: rules.FieldReceiver, Condition: rules.CondIs, Pattern: itoa64(named.ID)}}, Actions: []rules.Action{{Kind: rules.ActRefuse}}},
	} {
		if err := a.store.SaveMailRule(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	c := a.client()
	c.login("admin")
	page := c.get("/setup/receivers/" + itoa64(named.ID)).body
	want := "2 mail rules name this receiver (\u201cRoute FR\u201d, \u201cOld mailbox\u201d): deleting it takes it out of them, and a rule that would then apply to more mail is switched off."
	if !strings.Contains(page, `id="delete-rules"`) || !strings.Contains(html.UnescapeString(page), want) {
		t.Fatalf("the receiver page does not say which rules deleting it changes")
	}
	if !strings.Contains(html.UnescapeString(page), `data-confirm="Delete this receiver? The tickets it created stay. `+want) {
		t.Fatal("the delete question does not name the rules")
	}
	if page := c.get("/setup/receivers/" + itoa64(other.ID)).body; strings.Contains(page, `id="delete-rules"`) {
		t.Fatal("a receiver no rule names speaks of rules")
	}
}
