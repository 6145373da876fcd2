package web

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// realCollector wires a collector on the test app's store into its handler.
func realCollector(t *testing.T, a *testApp) *collector.Collector {
	t.Helper()
	desk := a.h.desk
	if desk == nil {
		docs, err := docstore.New(filepath.Join(t.TempDir(), "docs"))
		if err != nil {
			t.Fatal(err)
		}
		desk = helpdesk.New(a.store, docs)
	}
	coll := collector.New(collector.Options{Store: a.store, Helpdesk: desk, Tokens: a.h.tokens,
		NoIdle: true, DialTimeout: 5 * time.Second, Logger: slog.New(slog.NewTextHandler(a.log, nil))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = coll.Shutdown(ctx)
	})
	a.h.collect = coll
	return coll
}

// An app-only authorization whose mailbox does not let the application
// in: "Get email tickets now" gives the class, the text and the remedy
// the run log and Test connection give, the remedy is Exchange's mailbox
// permission (no one can re-authorize app-only), and the authorizations
// tab stops saying "Valid".
func TestCollectNowShowsTheRunsClassAndAppOnlyRemedy(t *testing.T) {
	a, c := rcvAdmin(t)
	ctx := context.Background()
	srv := imaptest.Start(t) // knows no token: every XOAUTH2 login is refused
	app := &store.Application{Name: "Contoso 365", Provider: "azure", IsActive: true, ClientID: "client", ClientSecret: "app-secret", TenantID: "contoso.example"}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	db, _ := a.store.SQLDB()
	now := time.Now().UTC()
	if _, err := db.ExecContext(ctx, "INSERT INTO oauth_authorizations (application_id, email, kind, state, created_at, updated_at) VALUES (?, ?, ?, 'valid', ?, ?)",
		app.ID, rcvUser, store.KindAppOnly, now, now); err != nil {
		t.Fatal(err)
	}
	rec := &store.Receiver{Name: "Shared mailbox", IsActive: true, Host: srv.Host(), Port: srv.Port(), Security: "none",
		Login: rcvUser, ApplicationID: &app.ID, FilesizeMax: 2 << 20, RequesterField: "from", Budget: 100, PollIntervalSeconds: 60}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	a.h.tokens = &fakeTokens{token: "app-only-token"}
	realCollector(t, a)
	id := rec.ID
	tok := c.token(rcvPath(id, ""))

	c.post(rcvPath(id, "/collect"), url.Values{"csrf_token": {tok}})
	page := c.get(rcvPath(id, ""))
	runs, _, err := a.store.ListCollectRuns(ctx, id, store.ListQuery{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	run := runs[0]
	if run.ErrorClass != "authentication" || run.ErrorText == "" {
		t.Fatalf("the run recorded class %q text %q, want an authentication failure", run.ErrorClass, run.ErrorText)
	}
	remedy := html.EscapeString(collector.AppOnlyMailboxRemedy)
	for _, want := range []string{"An error occurred trying to connect to collector.", collector.ClassLabel(run.ErrorClass), html.EscapeString(run.ErrorText), remedy} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the collect message lacks %q", want)
		}
	}
	for _, bad := range []string{"unexpected error", "re-authorize", "Re-authorize the mailbox"} {
		if strings.Contains(strings.ToLower(page.body), strings.ToLower(bad)) {
			t.Errorf("the collect message says %q", bad)
		}
	}
	if log := c.get(rcvPath(id, "/runs")); !strings.Contains(log.body, html.EscapeString(run.ErrorText)) || !strings.Contains(log.body, run.ErrorClass) {
		t.Error("the run log does not show the class and text the collect message shows")
	}
	test := c.post(rcvPath(id, "/test"), url.Values{"csrf_token": {tok}})
	if !strings.Contains(test.body, remedy) {
		t.Errorf("Test connection does not give the same remedy:\n%s", test.body)
	}
	tab := c.get("/setup/oauthimap/" + strconv.FormatInt(app.ID, 10) + "/authorizations")
	if strings.Contains(tab.body, `data-state="valid"`) || !strings.Contains(tab.body, "Mailbox access refused") || !strings.Contains(tab.body, remedy) {
		t.Errorf("the authorizations tab after a refused app-only login:\n%s", tab.body)
	}
}

// "Get email tickets now" on an inactive receiver collects it.
func TestCollectNowOnAnInactiveReceiverPage(t *testing.T) {
	a, c := rcvAdmin(t)
	srv := imaptest.Start(t)
	srv.SetPassword(rcvUser, rcvPassword)
	srv.Deliver(rcvUser, "INBOX", []byte("From: carol@example.org\r\nSubject: printer\r\nMessage-ID: <p1@example.org>\r\n\r\nIt is broken.\r\n"))
	form := rcvForm("Paused", srv)
	form.Del("is_active")
	id := rcvCreate(t, c, form)
	realCollector(t, a)
	c.post(rcvPath(id, "/collect"), url.Values{"csrf_token": {c.token(rcvPath(id, ""))}})
	page := c.get(rcvPath(id, ""))
	if !strings.Contains(page.body, "retrieved=1") || strings.Contains(page.body, "An error occurred") {
		t.Fatalf("collect now on an inactive receiver:\n%s", page.body)
	}
}

// "Import anyway" moves the mail from the refused folder to the accepted
// one and says so.
func TestImportAnywayMovesTheMailAndSaysWhere(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	ctx := context.Background()
	srv := imaptest.Start(t)
	srv.SetPassword(rcvUser, rcvPassword)
	srv.CreateFolder(rcvUser, "Refused")
	srv.CreateFolder(rcvUser, "Accepted")
	raw := []byte("From: carol@example.org\r\nSubject: Out of office\r\nMessage-ID: <ooo1@example.org>\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n")
	srv.Deliver(rcvUser, "INBOX", raw)
	srv.Deliver(rcvUser, "INBOX", []byte("From: dave@example.org\r\nSubject: Vacation\r\nMessage-ID: <ooo2@example.org>\r\nAuto-Submitted: auto-replied\r\n\r\nAway too.\r\n"))
	form := rcvForm("Support", srv)
	form.Set("accepted_folder", "Accepted")
	form.Set("refused_folder", "Refused")
	id := rcvCreate(t, c, form)
	if rec, _ := a.store.Receiver(ctx, id); rec.AcceptedFolder != "Accepted" || rec.RefusedFolder != "Refused" {
		t.Fatalf("receiver folders %q %q", rec.AcceptedFolder, rec.RefusedFolder)
	}
	coll := realCollector(t, a)
	if run, err := coll.CollectNow(ctx, id); err != nil || run.Refused != 2 {
		t.Fatalf("collect: %+v %v", run, err)
	}
	list := c.get("/setup/quarantine")
	m := importFormRE.FindStringSubmatch(list.body)
	if m == nil {
		t.Fatalf("no Import anyway form:\n%s", list.body)
	}
	r := c.post("/setup/quarantine/"+m[1]+"/import", url.Values{"csrf_token": {c.token("/setup/quarantine")}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/tickets/") {
		t.Fatalf("import: got %d to %q\n%s", r.status, r.header.Get("Location"), a.log.String())
	}
	page := c.get(r.header.Get("Location"))
	if want := html.EscapeString(`The email was moved from the folder "Refused" to "Accepted" of the mailbox of receiver "Support".`); !strings.Contains(page.body, want) {
		t.Errorf("the page does not say where the mail went (%q):\n%s", want, page.body)
	}
	if got := srv.Messages(rcvUser, "Accepted"); len(got) != 1 || len(srv.Messages(rcvUser, "Refused")) != 1 {
		t.Fatalf("Accepted %d, Refused %d; want one mail moved", len(got), len(srv.Messages(rcvUser, "Refused")))
	}

	// The server refuses the move: the page says the mail will be moved
	// at the next collect, and the next collect does it.
	srv.FailNext("MOVE", &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox is locked, try again later"})
	m = importFormRE.FindStringSubmatch(c.get("/setup/quarantine").body)
	if m == nil {
		t.Fatal("no Import anyway form for the second mail")
	}
	r = c.post("/setup/quarantine/"+m[1]+"/import", url.Values{"csrf_token": {c.token("/setup/quarantine")}})
	page = c.get(r.header.Get("Location"))
	if want := html.EscapeString(`The email will be moved from the folder "Refused" to "Accepted" of the mailbox of receiver "Support" at the receiver's next collect`); !strings.Contains(page.body, want) {
		t.Errorf("the page does not say the move is pending (%q)", want)
	}
	if len(srv.Messages(rcvUser, "Refused")) != 1 {
		t.Fatal("the mail left Refused although the move failed")
	}
	if _, err := coll.CollectNow(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(rcvUser, "Accepted"); len(got) != 2 || len(srv.Messages(rcvUser, "Refused")) != 0 {
		t.Fatalf("after the next collect: Accepted %d, Refused %d; want 2 and 0", len(got), len(srv.Messages(rcvUser, "Refused")))
	}
}

// An app-only authorization has nobody to sign in again: its remedies
// never say "Re-authorize".
func TestAppOnlyRemediesNeverSayReauthorize(t *testing.T) {
	for _, state := range []string{string(oauth.StateReauthRequired), store.AuthStateMailboxRefused} {
		a := &store.Authorization{Email: "shared@contoso.example", Kind: store.KindAppOnly, State: state}
		if got := stateRemedy(a); got == "" || strings.Contains(strings.ToLower(got), "re-authorize") {
			t.Errorf("app-only %s: remedy %q", state, got)
		}
	}
	for _, class := range []string{"authentication", "mailbox_permission", collector.ClassReauth} {
		if got := collector.RemedyFor(class, true); strings.Contains(strings.ToLower(got), "re-authorize") || strings.Contains(got, "sign in") {
			t.Errorf("app-only %s: remedy %q", class, got)
		}
	}
}

// "Run Diagnose once the Exchange commands are done": the first login of
// an app-only authorization, refused by the mailbox, is explained with the
// mailbox permission and the tab stops saying "Valid"; once the mailbox
// lets the application in, it is Valid again.
func TestAppOnlyDiagnoseRefusedIsNotValid(t *testing.T) {
	a, c := rcvAdmin(t)
	ctx := context.Background()
	srv := imaptest.Start(t)
	app := &store.Application{Name: "Contoso 365", Provider: "azure", IsActive: true, ClientID: "client", ClientSecret: "app-secret", TenantID: "contoso.example"}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	db, _ := a.store.SQLDB()
	now := time.Now().UTC()
	res, err := db.ExecContext(ctx, "INSERT INTO oauth_authorizations (application_id, email, kind, state, created_at, updated_at) VALUES (?, ?, ?, 'valid', ?, ?)",
		app.ID, rcvUser, store.KindAppOnly, now, now)
	if err != nil {
		t.Fatal(err)
	}
	authID, _ := res.LastInsertId()
	a.h.tokens = &fakeTokens{token: "app-only-token"}
	page := "/setup/oauthimap/authorizations/" + strconv.FormatInt(authID, 10) + "/diagnose"
	tab := "/setup/oauthimap/" + strconv.FormatInt(app.ID, 10) + "/authorizations"
	diagnose := func() string {
		r := c.post(page, url.Values{"host": {srv.Host()}, "port": {strconv.Itoa(srv.Port())}, "security": {"none"},
			"mechanism": {"XOAUTH2"}, "timeout": {"10"}, "csrf_token": {c.token(page)}})
		return html.UnescapeString(r.body)
	}
	body := diagnose()
	if !strings.Contains(body, `data-ok="false"`) || !strings.Contains(body, collector.AppOnlyMailboxRemedy) || strings.Contains(body, "Re-authorization needed") {
		t.Fatalf("a refused app-only login is not explained as the mailbox permission:\n%s", body)
	}
	if got := c.get(tab).body; strings.Contains(got, `data-state="valid"`) || !strings.Contains(got, "Mailbox access refused") {
		t.Fatalf("the tab after a refused first login:\n%s", got)
	}
	srv.AddToken("app-only-token", rcvUser) // the Exchange commands were run
	if body := diagnose(); !strings.Contains(body, `data-ok="true"`) {
		t.Fatalf("diagnose after access was given:\n%s", body)
	}
	if got := c.get(tab).body; !strings.Contains(got, `data-state="valid"`) {
		t.Fatal("the tab does not say Valid once a login works")
	}
}
