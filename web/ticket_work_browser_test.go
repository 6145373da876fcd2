package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// waitTrue polls a script until it answers true (generously: the machine
// running the tests may be busy).
// chooseAndWait picks value in a select that re-renders its form when it
// changes (data-autosubmit), as a person does, and waits for the page the
// form came back as: the next step must not act on the page being left.
func chooseAndWait(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){window.__leaving = true; return true})()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(id), value)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, ctx, "the form re-rendered with "+id+" = "+value, `!window.__leaving && document.readyState === "complete" && !!document.getElementById(`+strconv.Quote(id)+`) && document.getElementById(`+strconv.Quote(id)+`).value === `+strconv.Quote(value))
}

func waitTrue(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " (" + document.readyState + ")\n" + (document.body ? document.body.innerText.slice(0, 2000) : "")`))
			t.Fatalf("%s: not reached (%v); the page shows:\n%s", what, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserTechnicianWorksATicket: a technician assigns a ticket to
// themself, adds an observer group through the actor search by keyboard, sets its category and priority, adds a private note and
// solves it; "My tickets" shows it; the pages fit 1440 and 390 px; no
// console error, no CSP report.
func TestBrowserTechnicianWorksATicket(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	cat := &store.Category{Name: "Printer", IsActive: true}
	if err := a.store.SaveCategory(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	network := &store.Group{Name: "Network", IsRequester: true}
	if err := a.store.SaveGroup(ctx, network, nil, nil); err != nil {
		t.Fatal(err)
	}
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	a.importMail(plainMail("bob@example.com", "VPN down", "v1@b", "No tunnel."))
	page := a.srv.URL + ticketURL(s.TicketID)

	bctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()
	problems := consoleProblems(step)
	if err := chromedp.Do(step,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "tech"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.ID("assign-me")),
		chromedp.Click(chromedp.ID("assign-me")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "assigned", `!!document.querySelector("#ticket-status") && document.querySelector("#ticket-status").innerText.includes("Processing (assigned)") && !document.querySelector("#assign-me")`)
	// The actor search by keyboard, on a phone's width: type, arrow down to
	// the match, Enter chooses it, Enter again adds it.
	if err := chromedp.Do(step,
		chromedp.EmulateViewport(390, 900),
		chromedp.SetValue(chromedp.ID("actor-role"), store.ActorObserver),
		chromedp.SendKeys(chromedp.ID("actor-q"), "netw"),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "matches listed", `document.querySelector("#actor-q").getAttribute("aria-expanded") === "true" && document.querySelector("#actor-listbox [role=option]").textContent.includes("Network")`)
	if over, err := chromedp.Run(step, chromedp.Evaluate[[]string](overflowJS)); err != nil || len(over) > 0 {
		t.Errorf("the actor search's matches at 390 px: %v (%v)", over, err)
	}
	testpeer.Screenshot(t, step, "actor-search-390")
	if err := chromedp.Do(step, chromedp.SendKeys(chromedp.ID("actor-q"), kb.ArrowDown)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "match highlighted", `document.querySelector("#actor-q").getAttribute("aria-activedescendant") === "actor-option-0" && document.querySelector("#actor-option-0").getAttribute("aria-selected") === "true"`)
	if err := chromedp.Do(step, chromedp.SendKeys(chromedp.ID("actor-q"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "match chosen", `document.querySelector("#actor-chosen") && document.querySelector("#actor-chosen").value === "group:`+itoa64(network.ID)+`" && document.querySelector("#actor-status").textContent.includes("Chosen: Network")`)
	if err := chromedp.Do(step, chromedp.SendKeys(chromedp.ID("actor-q"), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "observer group added", `!!document.querySelector("[data-role=observer]") && document.querySelector("[data-role=observer]").innerText.includes("Group Network")`)
	if err := chromedp.Do(step, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(step,
		chromedp.SetValue(chromedp.ID("ticket-category"), itoa64(cat.ID)),
		chromedp.SetValue(chromedp.ID("ticket-urgency"), "5"),
		chromedp.SetValue(chromedp.ID("ticket-impact"), "4"),
		chromedp.Click(chromedp.ID("save-fields")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "classified", `!!document.querySelector("#ticket-priority-shown .priority-5") && document.querySelector("#ticket-category-shown").innerText === "Printer"`)
	color, err := chromedp.Run(step, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#ticket-priority-shown .priority-badge")).backgroundColor`))
	if err != nil || color != "rgb(255, 173, 173)" {
		t.Errorf("the Very high priority is drawn in %q (%v), want GLPI's #ffadad", color, err)
	}
	if err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.ID("followup-content"), "Cartridge ordered, staff only."),
		chromedp.Click(chromedp.ID("kind-note")),
		chromedp.Click(chromedp.ID("add-followup")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "private note shown", `Array.from(document.querySelectorAll("#timeline .card")).some(function(c){return c.innerText.includes("Cartridge ordered") && !!c.querySelector(".private-mark")})`)
	// Once in CI the click on Solve sent nothing (the page still showed the
	// note's flash): wait for the button, and set the value rather than
	// typing it while the page after the note settles.
	if err := chromedp.Do(step,
		chromedp.WaitVisible(chromedp.ID("solve")),
		chromedp.SetValue(chromedp.ID("solution"), "Replaced the cartridge."),
		chromedp.Click(chromedp.ID("solve")),
	); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "solved", `document.querySelector("#ticket-status").innerText.includes("Solved") && !document.querySelector("#solve-form") && document.querySelector("#timeline").innerText.includes("Replaced the cartridge.")`)
	testpeer.Screenshot(t, step, "ticket-worked-1440")
	for _, w := range []int64{1440, 390} {
		for _, p := range []struct{ path, ready string }{
			{ticketURL(s.TicketID), "#ticket-actors"},
			{"/tickets?view=mine", "#tickets-table"},
			{ticketURL(s.TicketID) + "/history", "#history-table"},
		} {
			if err := chromedp.Do(step, chromedp.EmulateViewport(w, 900), chromedp.Navigate(a.srv.URL+p.path), chromedp.WaitReady(p.ready)); err != nil {
				t.Fatal(err)
			}
			over, err := chromedp.Run(step, chromedp.Evaluate[[]string](overflowJS))
			if err != nil {
				t.Fatal(err)
			}
			if len(over) > 0 {
				t.Errorf("%s at %d px: %s", p.path, w, strings.Join(over, "; "))
			}
		}
	}
	testpeer.Screenshot(t, step, "tickets-mine-390")
	if err := chromedp.Do(step, chromedp.EmulateViewport(1440, 900), chromedp.Navigate(a.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("home-cards"))); err != nil {
		t.Fatal(err)
	}
	// From Home's "My open tickets" card (0: the solved ticket is no longer
	// open) to its list, My tickets not solved: empty; then the My tickets
	// tab, every status: the worked ticket.
	card, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector('#home-cards a[href="/tickets?status=notold&view=mine"] .h2').textContent`))
	if err != nil || card != "0" {
		t.Errorf("My open tickets card shows %q (%v), want 0", card, err)
	}
	if err := chromedp.Do(step, chromedp.Click(`#home-cards a[href="/tickets?status=notold&view=mine"]`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "My open tickets", `location.search === "?status=notold&view=mine" && !!document.querySelector("#tickets-table") && document.querySelector("#filter-status").value === "notold"`)
	if n, err := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll("#tickets-table tbody tr").length`)); err != nil || n != 0 {
		t.Errorf("My open tickets lists %d rows (%v), want as many as the card: 0", n, err)
	}
	if err := chromedp.Do(step, chromedp.Click(`#ticket-views a[data-view="mine"]`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, step, "My tickets", `location.search === "?view=mine" && !!document.querySelector("#tickets-table")`)
	list, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("#tickets-table").innerText`))
	if err != nil || !strings.Contains(list, "Printer jammed") || strings.Contains(list, "VPN down") || !strings.Contains(list, "Tim Tech") {
		t.Errorf("My tickets shows %q (%v), want the worked ticket only", list, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
