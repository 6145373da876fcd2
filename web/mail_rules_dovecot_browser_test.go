package web

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserMailRuleRoutesRealMail is the mail rules end to end: an
// administrator creates "mail to support-fr@ → group Support FR, category
// Printer" in Setup > Rules for mails, tests it in Test rules engine with a
// pasted mail, then a real mail through Dovecot, collected by the
// receiver, opens a ticket assigned to Support FR in the category Printer,
// whose page says why (the rule's name) and whose history shows the change
// by the rule.
func TestBrowserMailRuleRoutesRealMail(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	if err := a.store.SaveGroup(ctx, &store.Group{Name: "Support FR", IsAssign: true}, nil, a.admin); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SaveCategory(ctx, &store.Category{Name: "Printer", IsActive: true}, a.admin); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SeedMailRulesOnce(ctx, rules.Defaults()); err != nil {
		t.Fatal(err)
	}
	d := testpeer.StartDovecot(t, testpeer.NewIntrospector(t).URL())
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
		chromedp.Navigate(a.srv.URL+"/setup/mailrules"),
		chromedp.WaitVisible(chromedp.ID("rules-table")),
		chromedp.Click(chromedp.ID("add-rule")),
		chromedp.WaitVisible(chromedp.ID("rule-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Support FR"),
	); err != nil {
		t.Fatal(err)
	}
	// Each choice re-renders the form (app.js submits it): wait for it.
	chooseAndWait(t, step, "criterion-0-field", string(rules.FieldTo))
	chooseAndWait(t, step, "criterion-0-condition", string(rules.CondStartsWith))
	if err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("criterion-0-pattern"), "support-fr@"),
		chromedp.SendKeys(chromedp.ID("action-0-value"), "Support FR"),
		chromedp.Click(chromedp.ID("add-action")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "a second action row", `!!document.getElementById("action-1-kind")`)
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`(function(){var s=document.getElementById("action-1-kind");s.value="category";setTimeout(function(){s.dispatchEvent(new Event("change",{bubbles:true}))},0);return true})()`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "the category action", `!!document.getElementById("action-1-value") && document.getElementById("action-1-value").getAttribute("list") === "list-category"`)
	if err := chromedp.Do(step, chromedp.SendKeys(chromedp.ID("action-1-value"), "Printer"), chromedp.Click(chromedp.ID("save"))); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "saved", `!!document.querySelector(".alert-success")`)

	mail := "From: Marie Curie <marie@example.fr>\r\nTo: support-fr@example.com\r\nSubject: Imprimante en panne\r\nMessage-ID: <e2e1@example.fr>\r\n" +
		"Date: Tue, 03 Mar 2026 09:15:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nElle ne marche plus.\r\n"
	if err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+"/setup/mailrules/test"),
		chromedp.WaitVisible(chromedp.ID("tester-form")),
	); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(mail)
	waitTrue(t, step, "the mail pasted", `(function(){var r=document.getElementById("tester-raw");if(!r){return false};r.value=`+string(js)+`;return true})()`)
	if err := chromedp.Do(step, chromedp.Click(chromedp.ID("run-test"))); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "the test result", `!!document.getElementById("test-result")`)
	result, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector(".page-body").innerText`))
	for _, want := range []string{"New ticket", "Technician group: Support FR", "Category: Printer"} {
		if !strings.Contains(result, want) {
			t.Errorf("the tester lacks %q:\n%s", want, result)
		}
	}
	if n := countTickets(t, a); n != 0 {
		t.Fatalf("the tester saved %d tickets", n)
	}

	// The same mail, for real, through Dovecot and the receiver.
	d.Deliver(t, "support@example.com", "INBOX", []byte(mail))
	host, port, _ := net.SplitHostPort(d.Addr())
	c := a.client()
	c.login("admin")
	form := rcvForm("Support", nil)
	form.Set("host", host)
	form.Set("port", port)
	form.Set("password", d.Password)
	id := rcvCreate(t, c, form)
	coll := realCollector(t, a)
	run, err := coll.CollectNow(ctx, id)
	if err != nil || run.Retrieved != 1 {
		t.Fatalf("collect: %+v %v\n%s", run, err, a.log.String())
	}
	var tid int64
	db, _ := a.store.SQLDB()
	if err := db.QueryRow("SELECT id FROM tickets WHERE title = 'Imprimante en panne'").Scan(&tid); err != nil {
		t.Fatalf("no ticket from the real mail: %v", err)
	}
	if err := chromedp.Do(step, chromedp.Navigate(a.srv.URL+"/tickets/"+strconv.FormatInt(tid, 10)), chromedp.WaitVisible(`.why`)); err != nil {
		t.Fatal(err)
	}
	page, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector(".page-body").innerText`))
	for _, want := range []string{"Support FR", "Printer", `Why: New ticket`, `Mail rule applied: "Support FR".`} {
		if !strings.Contains(page, want) {
			t.Errorf("the ticket page lacks %q:\n%s", want, page)
		}
	}
	tk, err := a.store.Ticket(ctx, tid)
	if err != nil || tk.CategoryID == nil {
		t.Fatalf("ticket %+v %v", tk, err)
	}
	entries, err := a.store.TicketActorEntries(ctx, tid)
	if err != nil {
		t.Fatal(err)
	}
	assigned := false
	for _, e := range entries {
		assigned = assigned || e.Kind == store.ActorKindGroup && e.Role == store.ActorAssigned && e.Name == "Support FR"
	}
	if !assigned {
		t.Errorf("the ticket is not assigned to Support FR: %+v", entries)
	}
	testpeer.Screenshot(t, step, "mail-rule-routed-ticket-1440")
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
