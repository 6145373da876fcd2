package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserCreateAuthorization clicks "Create an authorization" in a
// real Chromium, signs in on the fake provider's page and lands back on the
// application with the authorization listed: the CSP lets the form lead to
// the provider, and the SameSite=Lax session survives the cross-site
// round trip.
func TestBrowserCreateAuthorization(t *testing.T) {
	a := newTestApp(t)
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	app := &store.Application{Name: "Contoso mail", IsActive: true, Provider: "azure", Cloud: "custom", AuthorityURL: idp.AzureAuthority(),
		TenantID: idp.TenantID, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
	if err := a.store.CreateApplication(context.Background(), app, nil); err != nil {
		t.Fatal(err)
	}
	// The console answers as localhost and the provider as 127.0.0.1: two
	// sites, so the way back from the provider is a cross-site navigation
	// that only a SameSite=Lax session cookie survives.
	console := strings.Replace(a.srv.URL, "127.0.0.1", "localhost", 1)
	a.h.cfg.PublicURL = console
	tab := console + "/setup/oauthimap/" + strconv.FormatInt(app.ID, 10) + "/authorizations"

	ctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	problems := ourConsoleProblems(step, idp.URL())
	err := chromedp.Do(step,
		chromedp.Navigate(tab),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("no-authorizations")),
	)
	if err != nil {
		t.Fatalf("log in and open the tab: %v", err)
	}
	testpeer.Screenshot(t, step, "oauth-authorizations-empty")
	// The provider's sign-in page has a #signin button too: wait for its
	// prefilled e-mail field before pressing it.
	err = chromedp.Do(step,
		chromedp.Click(chromedp.ID("create-authorization")),
		chromedp.WaitVisible(`input#login[type="email"]`),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("authorizations-table")),
	)
	if err != nil {
		t.Fatalf("create an authorization: %v", err)
	}
	url, err := chromedp.Run(step, chromedp.Location())
	if err != nil || url != tab {
		t.Fatalf("landed on %q (%v), want the application's tab", url, err)
	}
	text, err := chromedp.Run(step, chromedp.Text(chromedp.ID("authorizations-table")))
	if err != nil || !strings.Contains(text, alice) || !strings.Contains(text, "Valid") {
		t.Fatalf("table shows %q (%v), want alice's valid authorization", text, err)
	}
	page, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(".page-body")))
	if err != nil || !strings.Contains(page, "Authorization for "+alice+" has been created.") {
		t.Fatalf("no success message (%v)", err)
	}
	testpeer.Screenshot(t, step, "oauth-authorizations")
	// The application form: the copy button and the provider select work
	// without inline script.
	err = chromedp.Do(step,
		chromedp.Navigate(console+"/setup/oauthimap/"+strconv.FormatInt(app.ID, 10)),
		chromedp.WaitVisible(chromedp.ID("callback-url")),
		chromedp.SetValue(chromedp.ID("provider"), "google"),
	)
	if err == nil {
		// SetValue fires the change event; app.js then submits the form,
		// and the server answers with Google's fields.
		err = chromedp.Do(step, chromedp.WaitReady(`#provider option[value="google"][selected]`), chromedp.WaitNotPresent(chromedp.ID("tenant_id")))
	}
	if err != nil {
		t.Fatalf("provider select did not re-render the form: %v", err)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
	if auths, _ := a.store.Authorizations(context.Background(), app.ID); len(auths) != 1 {
		t.Fatalf("got %d authorizations, want 1 (the provider change was only a refresh)", len(auths))
	}
}

// ourConsoleProblems is consoleProblems minus what the fake provider's own
// pages cause (its missing favicon): only the console's pages are judged.
func ourConsoleProblems(ctx context.Context, providerOrigin string) (stop func() []string) {
	cctx, cancel := context.WithCancel(ctx)
	msgs := chromedp.Console(cctx)
	return func() []string {
		time.AfterFunc(300*time.Millisecond, cancel)
		var out []string
		for m, err := range msgs {
			if err != nil {
				break
			}
			if strings.HasPrefix(m.URL, providerOrigin) {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Source == "security" ||
				strings.Contains(m.Text, "Content Security Policy") {
				out = append(out, m.String()+" ("+m.URL+")")
			}
		}
		return out
	}
}
