package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserAdminCreatesAndTestsAMailRule: an administrator creates
// "mail to support-fr@ → group Support FR, category Printer" in Setup >
// Rules for mails (adding an action row, choosing its kind, which
// re-renders the form with what was typed), then pastes a mail in Test
// rules engine and sees the rule match and the routing by name; nothing
// is saved by the test; the pages fit 1440 and 390 px; no console error.
func TestBrowserAdminCreatesAndTestsAMailRule(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	if err := a.store.SaveGroup(ctx, &store.Group{Name: "Support FR", IsAssign: true, IsRequester: true}, nil, a.admin); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SaveCategory(ctx, &store.Category{Name: "Printer", IsActive: true}, a.admin); err != nil {
		t.Fatal(err)
	}
	bctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()
	problems := consoleProblems(step)
	if err := chromedp.Do(step,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
		chromedp.Click(`a.nav-link[href="/setup/mailrules"]`),
		chromedp.WaitVisible(chromedp.ID("rules-table")),
		chromedp.Click(chromedp.ID("add-rule")),
		chromedp.WaitVisible(chromedp.ID("rule-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Support FR printers"),
	); err != nil {
		t.Fatal(err)
	}
	// The choice re-renders the form (app.js submits it): wait for it.
	chooseAndWait(t, step, "criterion-0-field", string(rules.FieldTo))
	if err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("criterion-0-pattern"), "support-fr@"),
		chromedp.SendKeys(chromedp.ID("action-0-value"), "Support FR"),
		chromedp.Click(chromedp.ID("add-action")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "a second action row, the first one kept", `!!document.getElementById("action-1-kind") && document.getElementById("action-0-value").value === "Support FR" && document.getElementById("criterion-0-pattern").value === "support-fr@" && document.getElementById("criterion-0-field").value === "to"`)
	// Choosing the kind re-renders the form (app.js submits it).
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`(function(){var s=document.getElementById("action-1-kind");s.value="category";s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "the category action offers the categories", `!!document.getElementById("action-1-value") && document.getElementById("action-1-value").getAttribute("list") === "list-category" && document.getElementById("name").value === "Support FR printers"`)
	if err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("action-1-value"), "Printer"),
		chromedp.Click(chromedp.ID("save")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "saved", `!!document.querySelector(".alert-success") && document.querySelector(".alert-success").innerText.includes("Rule Support FR printers saved.")`)
	rs, err := a.store.MailRules(ctx)
	if err != nil || len(rs) != 1 || len(rs[0].Actions) != 2 || rs[0].Criteria[0].Field != rules.FieldTo {
		t.Fatalf("stored: %+v %v", rs, err)
	}
	if err := chromedp.Do(step, chromedp.Navigate(a.srv.URL+"/setup/mailrules"), chromedp.WaitVisible(chromedp.ID("rules-table"))); err != nil {
		t.Fatal(err)
	}
	list, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.getElementById("rules-table").innerText`))
	for _, want := range []string{"Support FR printers", "Technician group: Support FR", "Category: Printer", "Built-in"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	testpeer.Screenshot(t, step, "mail-rules-1440")

	mail := "From: Marie Curie <marie@example.fr>\nTo: support-fr@example.com\nSubject: Imprimante en panne\nMessage-ID: <b1@example.fr>\n" +
		"Date: Tue, 03 Mar 2026 09:15:00 +0100\nContent-Type: text/plain; charset=utf-8\n\nElle ne marche plus.\n"
	if err := chromedp.Do(step,
		chromedp.Click(chromedp.ID("test-rules")),
		chromedp.WaitVisible(chromedp.ID("tester-form")),
		chromedp.SetValue(chromedp.ID("tester-raw"), mail),
		chromedp.Click(chromedp.ID("run-test")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "the test result", `!!document.getElementById("test-result")`)
	result, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector(".page-body").innerText`))
	for _, want := range []string{"New ticket", "Technician group: Support FR", "Category: Printer", "Support FR printers", "Matched", `To email address contains "support-fr@"`} {
		if !strings.Contains(result, want) {
			t.Errorf("the tester lacks %q:\n%s", want, result)
		}
	}
	if n := countTickets(t, a); n != 0 {
		t.Errorf("the tester saved %d tickets", n)
	}
	testpeer.Screenshot(t, step, "mail-rules-test-1440")
	for _, w := range []int64{1440, 390} {
		if err := chromedp.Do(step, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		over, err := chromedp.Run(step, chromedp.Evaluate[[]string](overflowJS))
		if err != nil {
			t.Fatal(err)
		}
		if len(over) > 0 {
			t.Errorf("the tester's result at %d px: %s", w, strings.Join(over, "; "))
		}
	}
	testpeer.Screenshot(t, step, "mail-rules-test-390")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
