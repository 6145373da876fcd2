package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserConsoleLayout opens the console filled with realistic data
// in one Chromium and checks what a person sees on every page: nothing
// scrolls sideways, the phone layout stacks, every control is named, and
// the keyboard reaches everything. One browser and one console serve all
// four, which keeps the package's tests inside their time.
func TestBrowserConsoleLayout(t *testing.T) {
	rc := newRealConsole(t)
	ctx := rc.browse(t)
	t.Run("no sideways scroll", func(t *testing.T) { rc.noSidewaysScroll(t, ctx) })
	t.Run("phone layout", func(t *testing.T) { rc.phoneLayout(t, ctx) })
	t.Run("every control named", func(t *testing.T) { rc.everyControlNamed(t, ctx) })
	// Last: it imports the not imported emails.
	t.Run("keyboard", func(t *testing.T) { rc.keyboard(t, ctx) })
}

// realConsole is a console filled the way a real one is: long names,
// long e-mail addresses and folder paths, failing authorizations with
// their remedies, refused mails and tickets from long-named requesters.
type realConsole struct {
	a                       *testApp
	appID, authID, receiver int64
	ticket, rule            int64
	pages                   []consolePage
}

// consolePage is a page the layout checks visit, with an element that
// says it has loaded.
type consolePage struct {
	path, ready string
}

const (
	longMailbox   = "helpdesk.europe-middle-east-africa.service-desk@subsidiary-of-contoso-international.onmicrosoft.com"
	longRequester = "Maximilian-Alexander Oberhofer-Wittgenstein <maximilian.alexander.oberhofer-wittgenstein@very-long-subsidiary-name.example.com>"
	longFolder    = "INBOX/Archives/2026/Accepted by the helpdesk collector/Europe, Middle East and Africa"
)

func newRealConsole(t *testing.T) *realConsole {
	t.Helper()
	a := newDeskApp(t)
	ctx := context.Background()
	rc := &realConsole{a: a}
	// GLPI's default mail rules, as a start seeds them (the auto-reply
	// below is refused by one of them).
	if err := a.store.SeedMailRulesOnce(ctx, rules.Defaults()); err != nil {
		t.Fatal(err)
	}
	app := &store.Application{Name: "Contoso International — Helpdesk mailboxes (production tenant)", Provider: "azure", Cloud: "global",
		TenantID: "2f8c1d9e-4b7a-4c3e-9f21-8d6b5a4c3e21", ClientID: "7d2e9c41-0b3f-4a8e-b6d5-1c9f8e7a6b54", ClientSecret: "a-secret", IsActive: true}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	rc.appID = app.ID
	for i, email := range []string{longMailbox, "it-support@contoso.com", "shared.mailbox.for.the.accounting.department@contoso-international.example"} {
		g := &oauth.Grant{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour), Email: email,
			Identity: oauth.Identity{TenantID: app.TenantID, ObjectID: "oid-" + strconv.Itoa(i), PreferredUsername: email, Email: email}}
		auth, _, err := a.store.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			rc.authID = auth.ID
		}
	}
	db, _ := a.store.SQLDB()
	if _, err := db.Exec("UPDATE oauth_authorizations SET state = 'refresh_failing', error_class = 'network', last_error = ? WHERE id = ?",
		"Post \"https://login.microsoftonline.com/2f8c1d9e-4b7a-4c3e-9f21-8d6b5a4c3e21/oauth2/v2.0/token\": dial tcp: lookup login.microsoftonline.com: i/o timeout", rc.authID); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("admin")
	f := rcvForm("Support — Europe, Middle East and Africa (shared mailbox of the service desk)", nil)
	f.Set("host", "outlook.office365.com")
	f.Set("login", longMailbox)
	f.Set("accepted_folder", longFolder)
	f.Set("refused_folder", "INBOX/Archives/2026/Refused by the helpdesk collector")
	rc.receiver = rcvCreate(t, c, f)
	rcvCreate(t, c, rcvForm("Billing", nil))
	start := time.Now().UTC().Add(-time.Hour)
	for i, kind := range []string{store.TriggerSchedule, store.TriggerManual, store.TriggerIdle} {
		run := &store.CollectRun{ReceiverID: rc.receiver, TriggerKind: kind, StartedAt: start.Add(time.Duration(i) * time.Minute)}
		if err := a.store.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		end := run.StartedAt.Add(1200 * time.Millisecond)
		run.EndedAt, run.Retrieved = &end, 3
		if i == 1 {
			run.ErrorClass, run.ErrorText = "authentication", "AUTHENTICATE failed: the server refused the XOAUTH2 login of "+longMailbox
		}
		if err := a.store.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	a.store.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "domain", Value: "very-long-subsidiary-name-of-a-spammer.example.com"})
	for i := range 3 {
		a.importMail(plainMail("newsletter.marketing.campaigns-"+strconv.Itoa(i)+"@very-long-subsidiary-name-of-a-spammer.example.com",
			"Your exclusive invitation to our annual partner conference and product roadmap presentation "+strconv.Itoa(i),
			"campaign-2026-"+strconv.Itoa(i)+".4f9a8b7c6d5e@mailer.very-long-subsidiary-name-of-a-spammer.example.com", "Hello"))
	}
	a.importMail([]byte("From: " + longRequester + "\r\nTo: " + longMailbox + "\r\nSubject: Automatic reply: Printer on the third floor\r\n" +
		"Auto-Submitted: auto-replied\r\nMessage-ID: <ooo-1@very-long-subsidiary-name.example.com>\r\nDate: Tue, 03 Mar 2026 09:15:00 +0100\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n"))
	for i := range 4 {
		s := a.importMail(plainMail(longRequester, "The label printer in building C, third floor, prints every label twice and then jams "+strconv.Itoa(i),
			"t"+strconv.Itoa(i)+"@very-long-subsidiary-name.example.com", "Since this morning."))
		rc.ticket = s.TicketID
	}
	// Mail rules with long names, a receiver limit, a named header and a
	// value from a regular expression's result.
	grp := &store.Group{Name: "Service desk — Europe, Middle East and Africa (second level, hardware)", IsAssign: true}
	if err := a.store.SaveGroup(ctx, grp, nil, a.admin); err != nil {
		t.Fatal(err)
	}
	for _, r := range []rules.Rule{
		{Name: "Mail to the French-speaking support mailbox goes to the second-level hardware team with the printer category",
			Description: "Asked by the service desk manager in March 2026 after the reorganisation of the EMEA teams", Active: true,
			Match: rules.MatchAny, ReceiverIDs: []int64{rc.receiver},
			Criteria: []rules.Criterion{{Field: rules.FieldTo, Condition: rules.CondContains, Pattern: "support-fr@subsidiary-of-contoso-international.example"},
				{Field: rules.FieldHeader, Header: "X-MS-Exchange-Organization-AuthSource", Condition: rules.CondRegexMatch, Pattern: `/^([A-Z0-9]+)\.EURPRD[0-9]+\.PROD\.OUTLOOK\.COM$/i`}},
			Actions: []rules.Action{{Kind: rules.ActAssignGroup, Value: strconv.FormatInt(grp.ID, 10)}, {Kind: rules.ActObserverEmail, Value: longMailbox}, {Kind: rules.ActStop}}},
		{Name: "Reject newsletters", Active: false, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldFrom, Condition: rules.CondEndsWith, Pattern: "@very-long-subsidiary-name-of-a-spammer.example.com"}},
			Actions:  []rules.Action{{Kind: rules.ActRefuse}}},
	} {
		if err := a.store.SaveMailRule(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if rc.rule == 0 {
			rc.rule = r.ID
		}
	}
	app2 := strconv.FormatInt(rc.appID, 10)
	auth := "/setup/oauthimap/authorizations/" + strconv.FormatInt(rc.authID, 10)
	rcv := rcvPath(rc.receiver, "")
	rc.pages = []consolePage{
		{"/", "#page-title"},
		{"/tickets", "#tickets-table"},
		{ticketURL(rc.ticket), "#followup-form"},
		{"/setup/oauthimap", "#applications-table"},
		{"/setup/oauthimap/new", "#application-form"},
		{"/setup/oauthimap/" + app2, "#application-form"},
		{"/setup/oauthimap/" + app2 + "/authorizations", "#authorizations-table"},
		{"/setup/oauthimap/" + app2 + "/receivers", "#page-title"},
		{"/setup/oauthimap/" + app2 + "/apponly", "#apponly-form"},
		{auth, "#authorization-form"},
		{auth + "/diagnose", "#diagnose-form"},
		{"/setup/receivers", "#receivers-table"},
		{"/setup/receivers/new", "#receiver-form"},
		{rcv, "#receiver-form"},
		{rcv + "/runs", "#runs-table"},
		{"/setup/receivers/runs", "#runs-table"},
		{"/setup/blacklist", "#blacklist-form"},
		{"/setup/quarantine", "#quarantine-table"},
		{"/admin/users", "#users-table"},
		{"/admin/users/new", "#save"},
		{"/front/preference.php", "#preferences-form"},
		{"/admin/users/" + strconv.FormatInt(a.tech.ID, 10), "#save"},
		{"/setup/blacklistedmailcontent", "#blacklisted-content-form"},
		{"/setup/documenttypes", "#document-type-form"},
		{"/setup/outbox", "#outbox-settings"},
		{rcv + "/outgoing", "#outgoing-form"},
		{rcv + "/defaults", "#defaults-form"},
		{"/admin/groups", "#groups-table"},
		{"/admin/groups/new", "#group-form"},
		{"/setup/dropdowns/itilcategories", "#categories-table"},
		{"/setup/dropdowns/itilcategories/new", "#category-form"},
		{"/setup/priority-matrix", "#matrix-form"},
		{"/setup/mailrules", "#rules-table"},
		{"/setup/mailrules/new", "#rule-form"},
		{"/setup/mailrules/" + strconv.FormatInt(rc.rule, 10), "#rule-form"},
		{"/setup/mailrules/import", "#import-form"},
		{"/setup/mailrules/test", "#tester-form"},
	}
	return rc
}

// browse signs in as the administrator in Chromium and returns a step
// context for the test.
func (rc *realConsole) browse(t *testing.T) context.Context {
	t.Helper()
	b := testpeer.Browser(t)
	if err := chromedp.Do(b, chromedp.Navigate(rc.a.srv.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	step, cancel := context.WithTimeout(b, 8*time.Minute)
	t.Cleanup(cancel)
	if err := chromedp.Do(step, chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	// The login form, the one form seen before any session.
	lctx, lcancel := context.WithTimeout(step, 20*time.Second)
	controls, err := formControls(lctx)
	lcancel()
	if err != nil {
		t.Fatal(err)
	}
	if len(controls) != 3 {
		t.Fatalf("the login form has %d controls in the accessibility tree, want login, password and Sign in: %+v", len(controls), controls)
	}
	for _, c := range controls {
		if c.name == "" {
			t.Errorf("on the login page the %s #%s has no accessible name", c.role, c.id)
		}
	}
	// formControls asked for a fresh DOM, which chromedp's own node cache
	// does not follow: load the page again before typing into it.
	err = chromedp.Do(step,
		chromedp.Navigate(rc.a.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return step
}

func (rc *realConsole) open(t *testing.T, ctx context.Context, p consolePage) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(rc.a.srv.URL+p.path), chromedp.WaitReady(p.ready)); err != nil {
		t.Fatalf("%s: %v", p.path, err)
	}
	// Tabler scrolls smoothly: a test measures where things end up, so
	// it scrolls at once.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.style.scrollBehavior = "auto"`)); err != nil {
		t.Fatal(err)
	}
}

// overflowJS lists what scrolls sideways: the page itself, any table's
// scroll box, and any menu entry cut short.
const overflowJS = `(function(){
	var out = [];
	if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push("the page is " + document.documentElement.scrollWidth + " px wide in " + window.innerWidth);
	document.querySelectorAll(".table-responsive").forEach(function(el){
		if (el.scrollWidth > el.clientWidth + 1) out.push("table " + (el.querySelector("table")||{}).id + " is " + el.scrollWidth + " px in " + el.clientWidth);
	});
	document.querySelectorAll(".nav-link-title").forEach(function(el){
		if (el.offsetParent && el.scrollWidth > el.clientWidth + 1) out.push("menu entry cut: " + el.textContent);
	});
	return out;
})()`

// noSidewaysScroll opens every page with realistic data at
// desktop widths and on a phone: no page and no table scrolls sideways,
// no menu entry is cut, and the side menu's background reaches the
// bottom of a page taller than the window.
func (rc *realConsole) noSidewaysScroll(t *testing.T, ctx context.Context) {
	// Each page is loaded once and laid out again at each width.
	for _, p := range rc.pages {
		rc.open(t, ctx, p)
		for _, w := range []int64{1280, 1440, 1920, 390} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
				t.Fatal(err)
			}
			bad, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				t.Errorf("%d px, %s: %s", w, p.path, b)
			}
		}
	}
	// The receiver form is taller than the window: the menu's dark
	// background must run to its end.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	rc.open(t, ctx, consolePage{rcvPath(rc.receiver, ""), "#receiver-form"})
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dy() < 1500 {
		t.Fatalf("the receiver form is %d px tall, want a page taller than the window", b.Dy())
	}
	// The menu's colour, #2f3f64, at the bottom left of the whole page.
	r, g, bl, _ := img.At(b.Min.X+5, b.Max.Y-5).RGBA()
	if r>>8 != 0x2f || g>>8 != 0x3f || bl>>8 != 0x64 {
		t.Errorf("the bottom left of a long page is #%02x%02x%02x, want the menu's #2f3f64", r>>8, g>>8, bl>>8)
	}
}

// TestBrowserPhoneLayout: at 390 px the receiver form puts each label
// above its field and its selects show their whole text, and the ticket
// list shows each ticket's requester and receiver without scrolling.
func (rc *realConsole) phoneLayout(t *testing.T, ctx context.Context) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	rc.open(t, ctx, consolePage{rcvPath(rc.receiver, ""), "#receiver-form"})
	stacked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function(){
		var out = [];
		document.querySelectorAll("#receiver-form .row > label.col-form-label").forEach(function(l){
			var field = document.getElementById(l.htmlFor);
			if (!field) return;
			if (l.getBoundingClientRect().bottom > field.getBoundingClientRect().top + 1) out.push("label beside its field: " + l.textContent);
		});
		document.querySelectorAll("#receiver-form select").forEach(function(s){
			var o = s.options[s.selectedIndex]; if (!o) return;
			var c = document.createElement("canvas").getContext("2d"); c.font = getComputedStyle(s).font;
			if (c.measureText(o.text).width > s.clientWidth - 30) out.push("select cuts its text: " + o.text);
		});
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stacked {
		t.Error(s)
	}
	testpeer.Screenshot(t, ctx, "receiver-form-390")
	rc.open(t, ctx, consolePage{"/tickets", "#tickets-table"})
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function(){
		var out = [];
		document.querySelectorAll("#tickets-table tbody td").forEach(function(td){
			var r = td.getBoundingClientRect();
			if (td.offsetParent && (r.right > window.innerWidth + 1 || r.left < -1)) out.push((td.dataset.label || "cell") + ": " + td.textContent.trim());
		});
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hidden {
		t.Errorf("off screen at 390 px: %s", h)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tickets-table tbody tr")))
	if !strings.Contains(text, "Maximilian-Alexander") {
		t.Errorf("the first ticket row does not show its requester: %q", text)
	}
	testpeer.Screenshot(t, ctx, "tickets-390")
	for _, p := range []consolePage{{"/setup/oauthimap/" + strconv.FormatInt(rc.appID, 10) + "/authorizations", "#authorizations-table"}, {"/setup/quarantine", "#quarantine-table"},
		{"/setup/mailrules", "#rules-table"}, {"/setup/mailrules/" + strconv.FormatInt(rc.rule, 10), "#rule-form"}} {
		rc.open(t, ctx, p)
		testpeer.Screenshot(t, ctx, screenName(p.path)+"-390")
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []consolePage{{rcvPath(rc.receiver, ""), "#receiver-form"}, {"/tickets", "#tickets-table"},
		{"/setup/oauthimap/" + strconv.FormatInt(rc.appID, 10) + "/authorizations", "#authorizations-table"}, {"/setup/quarantine", "#quarantine-table"}} {
		rc.open(t, ctx, p)
		testpeer.Screenshot(t, ctx, screenName(p.path)+"-1440")
	}
}

func screenName(path string) string {
	switch {
	case strings.HasSuffix(path, "/authorizations"):
		return "authorizations"
	case strings.HasPrefix(path, "/setup/receivers/"):
		return "receiver-form"
	}
	return strings.Trim(strings.ReplaceAll(path, "/", "-"), "-")
}

// axControl is a form control as Chromium's accessibility tree exposes it.
type axControl struct {
	form, role, name, value, id string
}

// controlRoles are the roles of things a person fills in or presses.
var controlRoles = map[string]bool{"textbox": true, "searchbox": true, "checkbox": true, "switch": true, "combobox": true,
	"spinbutton": true, "radio": true, "button": true, "listbox": true, "slider": true}

// formControls reads the page's DOM and its accessibility tree and
// returns every control that belongs to a form (by nesting or by its
// form attribute), with the name and value a screen reader announces.
func formControls(ctx context.Context) ([]axControl, error) {
	depth := int64(-1)
	doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: &depth})
	if err != nil {
		return nil, err
	}
	type domInfo struct{ form, id string }
	info := map[cdp.BackendNodeID]domInfo{}
	forms := 0
	var walk func(n *cdp.Node, form string)
	walk = func(n *cdp.Node, form string) {
		attr := map[string]string{}
		for i := 0; i+1 < len(n.Attributes); i += 2 {
			attr[n.Attributes[i]] = n.Attributes[i+1]
		}
		if n.LocalName == "form" {
			forms++
			form = "form " + strconv.Itoa(forms)
			if attr["id"] != "" {
				form = "#" + attr["id"]
			}
			if attr["action"] != "" {
				form += " (" + attr["action"] + ")"
			}
		}
		owner := form
		if f, ok := attr["form"]; ok && f != "" {
			owner = "#" + f
		}
		info[n.BackendNodeID] = domInfo{form: owner, id: attr["id"]}
		for _, c := range n.Children {
			walk(c, form)
		}
	}
	walk(doc.Root, "")
	// A control tied by form="x" and one nested in <form id="x"> are in
	// the same form: name both the same way.
	for k, v := range info {
		if i := strings.Index(v.form, " ("); i > 0 && strings.HasPrefix(v.form, "#") {
			v.form = v.form[:i]
			info[k] = v
		}
	}
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		return nil, err
	}
	var out []axControl
	for _, n := range tree.Nodes {
		if n.Ignored || n.Role == nil {
			continue
		}
		role := axString(n.Role)
		d, ok := info[n.BackendDOMNodeID]
		if !controlRoles[role] || !ok || d.form == "" {
			continue
		}
		out = append(out, axControl{form: d.form, role: role, name: strings.TrimSpace(axString(n.Name)), value: axString(n.Value), id: d.id})
	}
	return out, nil
}

func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return string(v.Value)
	}
	return s
}

// everyControlNamed walks every form of every page through
// Chromium's accessibility tree: each control has a name, no two
// controls of one form share one, and a switch is named by its row's
// label ("Active"), never by its Yes/No.
func (rc *realConsole) everyControlNamed(t *testing.T, ctx context.Context) {
	switches := 0
	for _, p := range rc.pages {
		rc.open(t, ctx, p)
		controls, err := formControls(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]axControl{}
		for _, c := range controls {
			where := fmt.Sprintf("%s, %s %s (#%s)", p.path, c.form, c.role, c.id)
			if c.name == "" {
				t.Errorf("%s has no accessible name", where)
				continue
			}
			if c.name == "Yes" || c.name == "No" {
				t.Errorf("%s is named by its state %q", where, c.name)
			}
			key := c.form + "\x00" + c.name
			if other, dup := seen[key]; dup {
				t.Errorf("%s: %s and #%s are both named %q", p.path, where, other.id, c.name)
			}
			seen[key] = c
			if c.role == "switch" || c.role == "checkbox" {
				switches++
			}
		}
	}
	if switches < 10 {
		t.Fatalf("found %d switches and checkboxes in the forms, want the receiver's, application's and users' ones", switches)
	}
	// The receiver's switches carry their row's words.
	rc.open(t, ctx, consolePage{rcvPath(rc.receiver, ""), "#receiver-form"})
	controls, _ := formControls(ctx)
	want := map[string]string{"is_active": "Active", "validate_cert": "Validate the certificate", "add_cc": "Add CC users as observer", "idle": "Push (IMAP IDLE)"}
	for _, c := range controls {
		if w, ok := want[c.id]; ok {
			if c.name != w || c.role != "switch" {
				t.Errorf("#%s is a %s named %q, want a switch named %q", c.id, c.role, c.name, w)
			}
			delete(want, c.id)
		}
	}
	for id := range want {
		t.Errorf("#%s not found in the accessibility tree", id)
	}
}

// focusJS describes the focused element and whether a person sees it:
// on screen, with a size, and with a focus ring.
const focusJS = `(function(){
	var el = document.activeElement;
	if (!el || el === document.body) return "";
	var r = el.getBoundingClientRect(), s = getComputedStyle(el);
	var ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
	var seen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
	var key = el.type === "radio" && el.name ? "radio:" + el.name : el.id || el.getAttribute("aria-label") || (el.textContent || "").trim().slice(0, 40) || el.name || el.tagName;
	return key + "|" + el.tagName + (el.getAttribute("href") || el.getAttribute("formaction") || (el.form && el.form.getAttribute("action")) || "") +
		"|" + (seen ? "seen" : "unseen") + "|" + (ring ? "ring" : "noring");
})()`

// actionsJS lists the page's actions a mouse user can reach: visible
// links, buttons and fields in the page's main part and header.
const actionsJS = `(function(){
	var out = [];
	document.querySelectorAll(".page-wrapper a[href], .page-wrapper button, .page-wrapper input:not([type=hidden]), .page-wrapper select, .page-wrapper textarea").forEach(function(el){
		if (el.disabled || !el.offsetParent) return;
		var key = el.type === "radio" && el.name ? "radio:" + el.name : el.id || el.getAttribute("aria-label") || (el.textContent || "").trim().slice(0, 40) || el.name || el.tagName;
		out.push(key + "|" + el.tagName + (el.getAttribute("href") || el.getAttribute("formaction") || (el.form && el.form.getAttribute("action")) || ""));
	});
	return out;
})()`

// keyboard tabs through every page: Tab reaches
// every action, each with a visible focus ring, and after a refused save
// (422) the focus is on the first field in error.
func (rc *realConsole) keyboard(t *testing.T, ctx context.Context) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	for _, p := range rc.pages {
		rc.open(t, ctx, p)
		actions, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](actionsJS))
		if err != nil {
			t.Fatal(err)
		}
		// A round of Tab visits every focusable element of the page: the
		// actions, the header's and the side menu's. (A radio group is one
		// stop, named by its group: arrows move inside it.)
		focusable, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea").length`))
		if err != nil {
			t.Fatal(err)
		}
		reached := map[string]bool{}
		for range focusable + 5 {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](focusJS))
			if err != nil {
				t.Fatal(err)
			}
			if got == "" {
				continue
			}
			parts := strings.Split(got, "|")
			if parts[2] != "seen" || parts[3] != "ring" {
				t.Errorf("%s: %s has the focus but is %s, %s", p.path, parts[0], parts[2], parts[3])
			}
			reached[parts[0]+"|"+parts[1]] = true
		}
		for _, a := range actions {
			if !reached[a] {
				t.Errorf("%s: Tab never reaches %s", p.path, a)
			}
		}
	}
	// A refused save puts the focus on the first field in error.
	rc.open(t, ctx, consolePage{rcvPath(rc.receiver, ""), "#receiver-form"})
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){document.getElementById("name").value="";document.getElementById("port").value="99999";return true})()`)); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.CSS(".invalid-feedback")),
	)
	if err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id + " " + document.activeElement.getAttribute("aria-invalid")`))
	if err != nil || focused != "name true" {
		t.Errorf("after a refused save the focus is on %q (%v), want the Name field marked invalid", focused, err)
	}
	// The copy button keeps its icon while it says Copied.
	rc.open(t, ctx, consolePage{"/setup/oauthimap/" + strconv.FormatInt(rc.appID, 10), "#copy-callback"})
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("copy-callback"))); err != nil {
		t.Fatal(err)
	}
	// The clipboard answers asynchronously: wait for the button to say so.
	pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
	_, perr := chromedp.Run(pctx, chromedp.Poll[bool](`document.getElementById("copy-callback").textContent.trim() === "Copied"`))
	pcancel()
	if perr != nil {
		t.Errorf("the copy button never said Copied: %v", perr)
	}
	btn, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function(){var b=document.getElementById("copy-callback");return (b.querySelector("i.ti-copy")?"icon ":"no icon ")+b.textContent.trim()})()`))
	if err != nil || btn != "icon Copied" {
		t.Errorf("after a click the copy button shows %q (%v), want its icon and Copied", btn, err)
	}
	// "Select all" ticks the rows (tied to the bulk form by their form
	// attribute) and the bulk import takes every one of them.
	rc.open(t, ctx, consolePage{"/setup/quarantine", "#quarantine-bulk"})
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("select-all")),
		chromedp.Click(chromedp.ID("bulk-import")),
		chromedp.WaitVisible(chromedp.CSS(".page-body .alert-success")),
	)
	if err != nil {
		t.Fatal(err)
	}
	flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".page-body .alert-success")))
	if !strings.Contains(flash, "4 emails were imported") {
		t.Errorf("after Select all and Import: %q, want the 4 emails imported", flash)
	}
}
