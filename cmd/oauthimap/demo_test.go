package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/demo"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// The README's "See it work" steps, as the evaluator reads them.
var readmeSteps = []string{
	"go run ./cmd/oauthimap demo",
	"Setup > OAuth IMAP > Demo application > Oauth authorization > Create an authorization",
	"Sign in",
	"Assistance > Tickets",
	"Mails sent (the link in the demo banner)",
}

// TestDemoFollowsTheREADME starts the demo and follows the README in
// Chromium, from the printed login to the first ticket.
func TestDemoFollowsTheREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	see := string(readme)
	if i := strings.Index(see, "## See it work"); i < 0 || i > strings.Index(see, "## Run it for real") {
		t.Fatal("the README does not show the demo first")
	}
	for _, s := range append(readmeSteps, demo.Brand) {
		if !strings.Contains(see, s) {
			t.Fatalf("the README lacks the step %q", s)
		}
	}
	ctx0 := testpeer.Browser(t)

	addr := testpeer.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs testpeer.LogBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"demo", "-listen", addr, "-every", "2s"}, strings.NewReader(""), &out, &logs, env(nil))
	}()
	pw := regexp.MustCompile(`log in as admin with the password (\S+)`)
	dirRe := regexp.MustCompile(`its data lives in (\S+) and`)
	var password, dir string
	for deadline := time.Now().Add(20 * time.Second); ; {
		if m := pw.FindStringSubmatch(out.String()); m != nil {
			password, dir = m[1], dirRe.FindStringSubmatch(out.String())[1]
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("demo stopped: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no login printed:\n%s\n%s", out.String(), logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Count(out.String()+logs.String(), password) != 1 {
		t.Fatal("the password is printed more than once")
	}
	console := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; {
		if res, err := http.Get(console + "/readyz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("demo console not ready")
		}
		time.Sleep(50 * time.Millisecond)
	}

	link := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(`//a[normalize-space()="` + text + `"]`)
	}
	step, stop := context.WithTimeout(ctx0, 90*time.Second)
	defer stop()
	err = chromedp.Do(step, chromedp.Navigate(console), chromedp.WaitVisible(chromedp.ID("password")))
	if err != nil {
		t.Fatalf("open the console: %v", err)
	}
	banner, err := chromedp.Run(step, chromedp.Text(chromedp.ID("demo-banner")))
	if err != nil || !strings.Contains(banner, dir) || !strings.Contains(banner, "Demo") {
		t.Fatalf("the banner says %q (%v), want the demo and its data dir %s", banner, err, dir)
	}
	err = chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("login"), demo.AdminLogin),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
		// Setup > OAuth IMAP > Demo application > Oauth authorization > Create an authorization
		link("OAuth IMAP"),
		link(demo.ApplicationName),
		chromedp.Click(`//a[starts-with(normalize-space(),"Oauth authorization")]`),
		chromedp.Click(chromedp.ID("create-authorization")),
		chromedp.WaitVisible(chromedp.CSS(`input#login[type="email"]`)),
	)
	if err != nil {
		t.Fatalf("following the README to the sign-in: %v\n%s", err, logs.String())
	}
	if heading, err := chromedp.Run(step, chromedp.Text(chromedp.CSS("h1"))); err != nil || heading != demo.Brand {
		t.Fatalf("the sign-in page says %q (%v), want %q", heading, err, demo.Brand)
	}
	err = chromedp.Do(step,
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("authorizations-table")),
	)
	if err != nil {
		t.Fatalf("signing in at the demo provider: %v\n%s", err, logs.String())
	}
	// The receiver sends with the authorization just made: the application
	// page has nothing to warn about (the demo's application was granted
	// the permission to send beforehand).
	if err := chromedp.Do(step, chromedp.Navigate(console+"/setup/oauthimap"), link(demo.ApplicationName), chromedp.WaitVisible(chromedp.ID("application-form"))); err != nil {
		t.Fatal(err)
	}
	if warning, err := chromedp.Run(step, chromedp.Evaluate[string](`(document.getElementById("smtp-scope") || {innerText: ""}).innerText`)); err != nil || warning != "" {
		t.Fatalf("the application page warns about sending (%v): %s", err, warning)
	}
	// Assistance > Tickets
	if err := chromedp.Do(step, link("Tickets")); err != nil {
		t.Fatal(err)
	}
	// The first ticket, then the rest of the first round: the hostile mail
	// is the round's last.
	first, hostile := "VPN drops every ten minutes", "Your password expires today"
	var body string
	for _, subject := range []string{first, hostile} {
		for deadline := time.Now().Add(40 * time.Second); !strings.Contains(body, subject); {
			if time.Now().After(deadline) {
				t.Fatalf("no ticket %q on the ticket list:\n%s\n%s", subject, body, logs.String())
			}
			time.Sleep(time.Second)
			if err := chromedp.Do(step, chromedp.Reload()); err != nil {
				t.Fatal(err)
			}
			if body, err = chromedp.Run(step, chromedp.Text(chromedp.CSS(".page-body"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	testpeer.Screenshot(t, step, "demo-tickets")
	for _, s := range []string{"Invoice 2026-114 does not match the order", "Printer shows error E-203"} {
		if !strings.Contains(body, s) {
			t.Errorf("no ticket %q", s)
		}
	}
	if strings.Contains(body, "Automatic reply") || strings.Count(body, first+"\t") != 1 {
		t.Errorf("the out-of-office became a ticket or the reply did not thread:\n%s", body)
	}
	if err := chromedp.Do(step, link(hostile), chromedp.WaitVisible(chromedp.ID("demo-banner"))); err != nil {
		t.Fatalf("open the hostile ticket: %v", err)
	}
	if n, err := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll(".page-body script:not([src^='/static/']), .page-body iframe, .page-body form[action*='lookalike'], .page-body [onerror], .page-body a[href^='javascript']").length`)); err != nil || n != 0 {
		t.Fatalf("the hostile mail kept %d dangerous elements (%v)", n, err)
	}
	err = chromedp.Do(step, chromedp.Navigate(console+"/tickets"), link(first), chromedp.WaitVisible(chromedp.ID("demo-banner")))
	if err != nil {
		t.Fatal(err)
	}
	if page, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(".page-body"))); err != nil || !strings.Contains(page, "It also happens on the wired network") {
		t.Fatalf("the reply is not a follow-up of the first ticket (%v)", err)
	}
	// The inline image shows in its ticket; the out-of-office waits in
	// Setup > Not imported emails.
	err = chromedp.Do(step, chromedp.Navigate(console+"/tickets"), link("Printer shows error E-203 (screenshot inside)"),
		chromedp.WaitVisible(chromedp.CSS(`.page-body img[alt="the printer's screen"]`)))
	if err != nil {
		t.Fatalf("open the inline image's ticket: %v", err)
	}
	if w, err := chromedp.Run(step, chromedp.Evaluate[int](`(function(){var i=document.querySelector(".page-body img[alt=\"the printer's screen\"]");return i.complete?i.naturalWidth:0})()`)); err != nil || w != 160 {
		t.Fatalf("the inline image is %d px wide (%v), want it shown (160)", w, err)
	}
	if err := chromedp.Do(step, link("Not imported emails"), chromedp.WaitVisible(chromedp.ID("demo-banner"))); err != nil {
		t.Fatal(err)
	}
	if page, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(".page-body"))); err != nil || !strings.Contains(page, "Automatic reply: Planned maintenance on Saturday") {
		t.Fatalf("the out-of-office is not among the not imported emails (%v):\n%s", err, page)
	}
	// On a console page, with the menu fixed to the left edge (the window
	// is 1,366 px wide), nothing covers the banner: its first words and
	// its last are its own.
	covered, err := chromedp.Run(step, chromedp.Evaluate[string](`(function(){
		var b = document.getElementById("demo-banner"), r = b.getBoundingClientRect(), out = [];
		[r.left + 2, r.right - 2].forEach(function(x){
			var e = document.elementFromPoint(x, r.top + r.height / 2);
			if (!e || !b.contains(e)) out.push((e ? e.tagName + "." + e.className : "nothing") + " at x=" + Math.round(x));
		});
		return out.join("; ");
	})()`))
	if err != nil || covered != "" {
		t.Fatalf("the demo banner is covered: %s (%v)", covered, err)
	}

	// The acknowledgments went out through the demo mail server: the
	// banner's "Mails sent" lists them and one opens with its text.
	var sent string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(sent, first); {
		if time.Now().After(deadline) {
			t.Fatalf("no acknowledgment of %q among the mails sent:\n%s\n%s", first, sent, logs.String())
		}
		if err := chromedp.Do(step, chromedp.Navigate(console+"/tickets"), chromedp.Click(`//div[@id="demo-banner"]//a[normalize-space()="Mails sent"]`),
			chromedp.WaitVisible(chromedp.ID("demo-mail-table"))); err != nil {
			t.Fatalf("open Mails sent from the banner: %v", err)
		}
		if sent, err = chromedp.Run(step, chromedp.Text(chromedp.ID("demo-mail-table"))); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sent, first) {
			time.Sleep(time.Second)
		}
	}
	if !strings.Contains(sent, "camille.martin@customer.example") {
		t.Errorf("the acknowledgment was not sent to the requester:\n%s", sent)
	}
	err = chromedp.Do(step, chromedp.Click(`//table[@id="demo-mail-table"]//a[contains(normalize-space(), "`+first+`")]`),
		chromedp.WaitVisible(chromedp.ID("demo-mail-text")))
	if err != nil {
		t.Fatalf("open the acknowledgment: %v", err)
	}
	testpeer.Screenshot(t, step, "demo-mail-sent")
	if page, err := chromedp.Run(step, chromedp.Text(chromedp.ID("demo-mail"))); err != nil ||
		!strings.Contains(page, "Your request has been received and registered as ticket") || !strings.Contains(page, "logged in as "+demo.Mailbox) ||
		!strings.Contains(page, "In-Reply-To") {
		t.Fatalf("the acknowledgment's page (%v):\n%s", err, page)
	}
	if res, err := http.Get(console + "/demo/mail"); err != nil || res.StatusCode != http.StatusOK || res.Request.URL.Path != "/login" {
		t.Fatalf("an anonymous visitor of /demo/mail is not sent to the login: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	if !strings.Contains(logs.String(), "trigger=idle") {
		t.Errorf("no collect was triggered by IDLE:\n%s", logs.String())
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("demo returned %v after a clean stop", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the demo's data dir %s outlived it (%v)", dir, err)
	}
}

func TestDemoRefusesNonLoopbackAndServeHasNoDemo(t *testing.T) {
	ctx := context.Background()
	for _, listen := range []string{"0.0.0.0:8080", "192.0.2.1:8080", "[::]:8080"} {
		err := run(ctx, []string{"demo", "-listen", listen}, strings.NewReader(""), io.Discard, io.Discard, env(nil))
		if err == nil || !strings.Contains(err.Error(), "loopback only") {
			t.Fatalf("demo on %s: %v", listen, err)
		}
	}
	err := run(ctx, []string{"demo", "-data-dir", t.TempDir()}, strings.NewReader(""), io.Discard, io.Discard, env(nil))
	if err == nil || !strings.Contains(err.Error(), "use serve") {
		t.Fatalf("demo with a data dir: %v", err)
	}

	// serve: no banner, no demo page, no demo user.
	addr := testpeer.FreeAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- run(sctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard,
			env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_LISTEN": addr}))
	}()
	defer func() { cancel(); <-errc }()
	var page string
	for deadline := time.Now().Add(20 * time.Second); ; {
		res, err := http.Get("http://" + addr + "/login")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				page = string(b)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(page, "demo-banner") || strings.Contains(page, demo.Brand) {
		t.Fatal("serve's login page shows the demo banner")
	}
	for _, path := range []string{"/demo", "/authorize", "/common/oauth2/v2.0/authorize"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
			t.Fatalf("serve answers %s with %d", path, res.StatusCode)
		}
	}
	// The demo's "Mails sent" pages do not exist in serve: not found, where
	// the demo sends an anonymous visitor to the login.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/demo/mail", "/demo/mail/1"} {
		res, err := noRedirect.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("serve answers %s with %d, want 404", path, res.StatusCode)
		}
	}
}
