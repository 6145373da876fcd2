package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserReceiverWithOAuth creates a receiver through the form in
// Chromium: the connection type select re-renders the form (app.js
// autosubmit), "Create authorization for another user" signs in at the
// fake provider and comes back with the authorization selected, then Test
// connection logs in with XOAUTH2 and "Get email tickets now" shows GLPI's
// summary.
func TestBrowserReceiverWithOAuth(t *testing.T) {
	a := newTestApp(t)
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	ctx := context.Background()
	app := &store.Application{Name: "Contoso mail", Provider: "azure", Cloud: "custom", AuthorityURL: idp.AzureAuthority(),
		TenantID: idp.TenantID, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, IsActive: true}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	srv := imaptest.Start(t)
	srv.AddToken(rcvToken, alice)
	a.h.tokens = &fakeTokens{token: rcvToken}
	fc := &fakeCollector{run: &store.CollectRun{Available: 3, Retrieved: 2, Refused: 1}}
	a.h.collect = fc

	b := testpeer.Browser(t)
	if err := chromedp.Do(b, chromedp.Navigate(a.srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	step, cancel := context.WithTimeout(b, 60*time.Second)
	defer cancel()
	problems := ourConsoleProblems(step, idp.URL())
	appType := "imap-oauth-" + strconv.FormatInt(app.ID, 10)
	err := chromedp.Do(step,
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
		chromedp.Navigate(a.srv.URL+"/setup/receivers"),
		chromedp.Click(chromedp.ID("add-receiver")),
		chromedp.WaitVisible(chromedp.ID("receiver-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Alice's mailbox"),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Choosing the application re-renders the form with its Login choice.
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`(function(){var s=document.getElementById("type");s.value=`+strconv.Quote(appType)+`;s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(step,
		chromedp.WaitVisible(chromedp.ID("authorization")),
		chromedp.SetValue(chromedp.ID("host"), srv.Host()),
		chromedp.SetValue(chromedp.ID("port"), strconv.Itoa(srv.Port())),
		chromedp.SetValue(chromedp.ID("security"), "none"),
	)
	if err != nil {
		t.Fatal(err)
	}
	name, _ := chromedp.Run(step, chromedp.Value(chromedp.ID("name")))
	choice, _ := chromedp.Run(step, chromedp.Value(chromedp.ID("authorization")))
	if name != "Alice's mailbox" || choice != "-1" {
		t.Fatalf("after the re-render: name %q, login choice %q, want the typed name kept and %q", name, choice, "-1")
	}
	if n, _ := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll("#password").length`)); n != 0 {
		t.Fatal("an OAuth receiver form must not ask for a password")
	}
	testpeer.Screenshot(t, step, "receiver-form-oauth")
	// Saving with "Create authorization for another user" goes to the
	// provider's sign-in and comes back here.
	err = chromedp.Do(step,
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("test-connection")),
	)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := chromedp.Run(step, chromedp.Text(chromedp.CSS("body")))
	if !strings.Contains(page, "Authorization for "+alice+" has been created.") {
		t.Fatalf("back on the receiver without the authorization message:\n%s", page)
	}
	selected, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("#authorization option:checked").textContent`))
	if selected != alice {
		t.Fatalf("got %q selected, want %s", selected, alice)
	}
	err = chromedp.Do(step,
		chromedp.Click(chromedp.ID("test-connection")),
		chromedp.WaitVisible(chromedp.ID("diagnose-outcome")),
	)
	if err != nil {
		t.Fatal(err)
	}
	outcome, _ := chromedp.Run(step, chromedp.Text(chromedp.ID("diagnose-outcome")))
	transcript, _ := chromedp.Run(step, chromedp.Text(chromedp.ID("transcript")))
	if !strings.Contains(outcome, "works") || !strings.Contains(transcript, "AUTHENTICATE XOAUTH2") || strings.Contains(transcript, rcvToken) {
		t.Fatalf("test connection: %q\n%s", outcome, transcript)
	}
	testpeer.Screenshot(t, step, "receiver-diagnose")
	err = chromedp.Do(step,
		chromedp.Click(chromedp.ID("back")),
		chromedp.WaitVisible(chromedp.ID("collect-now")),
		chromedp.Click(chromedp.ID("collect-now")),
		// The flash exists only on the page the collect redirects to.
		chromedp.WaitVisible(chromedp.CSS(".page-body .alert-success")),
	)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = chromedp.Run(step, chromedp.Text(chromedp.CSS(".page-body")))
	if !strings.Contains(page, "Number of messages: available=3, already imported=0, retrieved=2, refused=1, errors=0, blacklisted=0") {
		t.Fatalf("no summary after Get email tickets now:\n%s", page)
	}
	testpeer.Screenshot(t, step, "receiver-collected")
	rows, _, err := a.store.ListReceivers(ctx, store.ListQuery{})
	if err != nil || len(rows) != 1 || rows[0].Login != alice || !rows[0].UsesOAuth() || len(fc.got) != 1 || fc.got[0] != rows[0].ID {
		t.Fatalf("got receivers %+v, collector calls %v (%v)", rows, fc.got, err)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
