package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ruleFixtures adds a receiver, a group and a category that rules name.
type ruleFixtures struct {
	receiver, group, category int64
}

func newRuleFixtures(t *testing.T, a *testApp, c *client) ruleFixtures {
	t.Helper()
	ctx := context.Background()
	var f ruleFixtures
	f.receiver = rcvCreate(t, c, rcvForm("Support France", nil))
	g := &store.Group{Name: "Support FR", IsAssign: true, IsRequester: true}
	if err := a.store.SaveGroup(ctx, g, nil, a.admin); err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	hw := &store.Category{Name: "Hardware", IsActive: true}
	if err := a.store.SaveCategory(ctx, hw, a.admin); err != nil {
		t.Fatal(err)
	}
	cat := &store.Category{Name: "Printer", ParentID: &hw.ID, IsActive: true}
	if err := a.store.SaveCategory(ctx, cat, a.admin); err != nil {
		t.Fatal(err)
	}
	f.category = cat.ID
	return f
}

// supportFRForm is the rule form as a person fills it in.
func supportFRForm(tok string) url.Values {
	return url.Values{"csrf_token": {tok}, "name": {"Support FR printers"}, "description": {"mail to support-fr@"},
		"is_active": {"1"}, "match": {"AND"}, "receivers": {"Support France"},
		"criteria[0].field": {"to"}, "criteria[0].condition": {"contains"}, "criteria[0].pattern": {"support-fr@"},
		"actions[0].kind": {"assign_group"}, "actions[0].value": {"Support FR"},
		"actions[1].kind": {"category"}, "actions[1].value": {"Hardware > Printer"}}
}

func TestMailRuleFormRowsKeepWhatWasTyped(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	newRuleFixtures(t, a, c)
	tok := c.token("/setup/mailrules/new")
	form := supportFRForm(tok)

	form.Set("op", "add-criterion")
	r := c.post("/setup/mailrules", form)
	if r.status != http.StatusOK {
		t.Fatalf("add a criterion: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{`name="criteria[1].field"`, `value="support-fr@"`, `value="Support FR printers"`, `value="Hardware &gt; Printer"`, "Add a new criterion", `<option value="tech" label="Tim Tech">`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("after adding a row the form lacks %s", want)
		}
	}
	if rs, _ := a.store.MailRules(context.Background()); len(rs) != 0 {
		t.Fatal("a row button saved the rule")
	}

	form.Set("criteria[1].field", "subject")
	form.Set("criteria[1].condition", "starts_with")
	form.Set("criteria[1].pattern", "[printer]")
	form.Set("op", "remove-criterion:0")
	r = c.post("/setup/mailrules", form)
	if r.status != http.StatusOK || strings.Contains(r.body, "support-fr@\"") || !strings.Contains(r.body, `value="[printer]"`) ||
		strings.Contains(r.body, `name="criteria[1].field"`) {
		t.Fatalf("removing the first criterion: %d, the second should now be the only one\n%s", r.status, r.body)
	}

	form.Set("op", "remove-action:1")
	r = c.post("/setup/mailrules", form)
	if r.status != http.StatusOK || strings.Contains(r.body, `id="action-1-value"`) || !strings.Contains(r.body, `value="Support FR"`) {
		t.Fatalf("removing the second action: %d\n%s", r.status, r.body)
	}

	// A changed criterion without script: Refresh shows the fields that go with it.
	form = supportFRForm(tok)
	form.Set("criteria[0].field", "header")
	form.Set("_refresh", "1")
	r = c.post("/setup/mailrules", form)
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="criteria[0].header"`) {
		t.Fatalf("refresh after choosing a named header: %d, want its name field\n%s", r.status, r.body)
	}
}

func TestMailRuleSaveShowsEachProblemByItsField(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	newRuleFixtures(t, a, c)
	form := supportFRForm(c.token("/setup/mailrules/new"))
	form.Set("name", " ")
	form.Set("criteria[0].condition", "regex_match")
	form.Set("criteria[0].pattern", "/support-(fr/i")
	form.Set("actions[0].value", "Support DE")
	form.Set("actions[1].value", "Printers")
	r := c.post("/setup/mailrules", form)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad rule: %d, want 422\n%s", r.status, r.body)
	}
	// Each message comes right after its own field.
	for _, want := range []struct{ field, msg string }{
		{`id="name"`, "The name is required."},
		{`id="criterion-0-pattern"`, `Invalid regular expression: missing &#34;)&#34;.`},
		{`id="action-0-value"`, `There is no group &#34;Support DE&#34;.`},
		{`id="action-1-value"`, `There is no category &#34;Printers&#34;.`},
	} {
		i := strings.Index(r.body, want.field)
		if i < 0 {
			t.Errorf("no field %s", want.field)
			continue
		}
		rest := r.body[i:]
		next := strings.Index(rest[1:], "<input")
		if j := strings.Index(rest, want.msg); j < 0 || (next >= 0 && j > next+1) {
			t.Errorf("%s: message %q is not next to it", want.field, want.msg)
		}
	}
	for _, kept := range []string{`value="/support-(fr/i"`, `value="Support DE"`, `value="Printers"`, `>mail to support-fr@</textarea>`} {
		if !strings.Contains(html.UnescapeString(r.body), html.UnescapeString(kept)) {
			t.Errorf("what was typed is lost: %s", kept)
		}
	}
	if rs, _ := a.store.MailRules(context.Background()); len(rs) != 0 {
		t.Fatal("a refused rule was saved")
	}
}

func TestMailRuleSavedWithIDsShownWithNames(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	fx := newRuleFixtures(t, a, c)
	r := c.post("/setup/mailrules", supportFRForm(c.token("/setup/mailrules/new")))
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	rs, err := a.store.MailRules(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("saved rules: %v %v", rs, err)
	}
	got := rs[0]
	if got.Name != "Support FR printers" || !got.Active || len(got.ReceiverIDs) != 1 || got.ReceiverIDs[0] != fx.receiver ||
		got.Actions[0] != (rules.Action{Kind: rules.ActAssignGroup, Value: strconv.FormatInt(fx.group, 10)}) ||
		got.Actions[1] != (rules.Action{Kind: rules.ActCategory, Value: strconv.FormatInt(fx.category, 10)}) {
		t.Fatalf("stored rule: %+v", got)
	}
	if loc := r.header.Get("Location"); loc != "/setup/mailrules/"+strconv.FormatInt(got.ID, 10) {
		t.Fatalf("redirect to %s", loc)
	}
	edit := c.get("/setup/mailrules/" + strconv.FormatInt(got.ID, 10)).body
	for _, want := range []string{`value="Support FR"`, `value="Hardware &gt; Printer"`, "mail rule Support FR printers saved"} {
		if !strings.Contains(edit, want) {
			t.Errorf("the edit page lacks %s", want)
		}
	}
	list := c.get("/setup/mailrules").body
	for _, want := range []string{"Support FR printers", "Technician group: Support FR", "Category: Hardware &gt; Printer", "Support France", "Built-in", "Our own notifications"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
	for _, id := range []int64{fx.group, fx.category} {
		if strings.Contains(list, "group: "+strconv.FormatInt(id, 10)) || strings.Contains(list, "Category: "+strconv.FormatInt(id, 10)) {
			t.Errorf("the list shows the ID %d", id)
		}
	}
}

func TestMailRuleMoveDeleteAndSettingsAreAudited(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	ctx := context.Background()
	var ids []int64
	for _, n := range []string{"first", "second", "third"} {
		r := rules.Rule{Name: n, Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: n}},
			Actions:  []rules.Action{{Kind: rules.ActRefuse}}}
		if err := a.store.SaveMailRule(ctx, &r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	tok := c.token("/setup/mailrules")
	path := func(id int64, tail string) string { return "/setup/mailrules/" + strconv.FormatInt(id, 10) + tail }
	if r := c.post(path(ids[2], "/move"), url.Values{"csrf_token": {tok}, "direction": {"up"}}); r.status != http.StatusSeeOther ||
		r.header.Get("Location") != "/setup/mailrules?moved="+strconv.FormatInt(ids[2], 10)+"&dir=up#rule-"+strconv.FormatInt(ids[2], 10) {
		t.Fatalf("move up: %d %s", r.status, r.header.Get("Location"))
	}
	list := c.get("/setup/mailrules?moved=" + strconv.FormatInt(ids[2], 10) + "&dir=up").body
	if !strings.Contains(list, `aria-label="Move third up" title="Move up" autofocus`) {
		t.Error("after the move the moved rule's up button does not keep the focus")
	}
	if a, b := strings.Index(list, ">third<"), strings.Index(list, ">second<"); a < 0 || b < 0 || a > b {
		t.Fatal("after moving third up it is not above second")
	}
	if !strings.Contains(list, `aria-label="Move first up" title="Move up" disabled`) {
		t.Error("the first rule's up button is not disabled")
	}
	if r := c.post(path(ids[0], "/delete"), url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if r := c.post(path(ids[0], "/delete"), url.Values{"csrf_token": {tok}}); r.status != http.StatusNotFound {
		t.Fatalf("delete twice: %d", r.status)
	}
	if r := c.post("/setup/mailrules/settings", url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.status)
	}
	if stop, _ := a.store.MailRulesStopOnFirstMatch(ctx); stop {
		t.Fatal("stop at the first matching rule is still on")
	}
	var got []string
	for _, id := range []int64{0, ids[0], ids[2]} {
		ev, err := a.store.AuditEvents(ctx, "mail_rule", id, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev {
			got = append(got, e.Kind+" by "+e.Actor+": "+e.Message)
		}
	}
	want := "mail_rule.settings by admin: mail rules: play every matching rule|mail_rule.delete by admin: mail rule first deleted|mail_rule.move by admin: mail rule third moved up"
	if strings.Join(got, "|") != want {
		t.Fatalf("audit:\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	// The list's History shows them, the setting change (about no one
	// rule) and the deleted rule's included, newest first.
	list = c.get("/setup/mailrules").body
	_, hist, ok := strings.Cut(list, `id="rules-history"`)
	if !ok {
		t.Fatal("the rules list has no History")
	}
	at := func(s string) int { return strings.Index(hist, s) }
	settings, deleted, moved := at("mail rules: play every matching rule"), at("mail rule first deleted"), at("mail rule third moved up")
	if settings < 0 || deleted < 0 || moved < 0 || !(settings < deleted && deleted < moved) {
		t.Fatalf("the History does not list the setting change, the delete and the move, newest first: %d %d %d", settings, deleted, moved)
	}
}

func postMultipart(t *testing.T, c *client, path string, fields map[string]string, file []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "mail-rules.json")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", c.a.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestMailRulesExportImportByName(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.login("admin")
	fx := newRuleFixtures(t, a, c)
	if r := c.post("/setup/mailrules", supportFRForm(c.token("/setup/mailrules/new"))); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	exp := c.get("/setup/mailrules/export")
	if exp.status != http.StatusOK || !strings.Contains(exp.header.Get("Content-Disposition"), "mail-rules.json") {
		t.Fatalf("export: %d %v", exp.status, exp.header)
	}
	var file rulesFile
	if err := json.Unmarshal([]byte(exp.body), &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Rules) != 1 || file.Rules[0].Receivers[0] != "Support France" || file.Rules[0].Actions[0].Value != "Support FR" ||
		file.Rules[0].Actions[1].Value != "Hardware > Printer" || !file.StopOnFirstMatch {
		t.Fatalf("exported: %s", exp.body)
	}
	for _, id := range []int64{fx.receiver, fx.group, fx.category} {
		if strings.Contains(exp.body, `"`+strconv.FormatInt(id, 10)+`"`) {
			t.Errorf("the export holds the ID %d", id)
		}
	}

	// The same file elsewhere: unknown names are refused, each said where.
	other := strings.ReplaceAll(strings.ReplaceAll(exp.body, `"Support FR"`, `"Support BE"`), `"Support France"`, `"Support Belgique"`)
	tok := c.token("/setup/mailrules/import")
	r := postMultipart(t, c, "/setup/mailrules/import", map[string]string{"csrf_token": tok}, []byte(other))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "1 of 1 rules cannot be imported") ||
		!strings.Contains(r.body, "Action 1, value: There is no group &#34;Support BE&#34;.") ||
		!strings.Contains(r.body, "Mails receivers: There is no receiver &#34;Support Belgique&#34;.") || strings.Contains(r.body, `id="import-apply"`) {
		t.Fatalf("import with unknown names: %d\n%s", r.status, r.body)
	}
	for _, bad := range []struct{ body, msg string }{
		{`{"format":"oauthimap-mail-rules","version":1,"rules":[}`, "not valid JSON (line 1)"},
		{`{"format":"something-else","version":1,"rules":[]}`, "not a rules export"},
		{`{"format":"oauthimap-mail-rules","version":1,"rulez":[]}`, "unknown field"},
	} {
		r := c.post("/setup/mailrules/import", url.Values{"csrf_token": {tok}, "json": {bad.body}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, bad.msg) || !strings.Contains(r.body, html.EscapeString(bad.body)) {
			t.Errorf("import %s: %d, want %q and the text kept\n%s", bad.body, r.status, bad.msg, r.body)
		}
	}

	// A good file: preview first (nothing changes), then confirm.
	good := strings.ReplaceAll(exp.body, `"stop_on_first_match": true`, `"stop_on_first_match": false`)
	good = strings.Replace(good, `"rules": [`, `"rules": [{"name":"Spam","active":true,"match":"OR","criteria":[{"field":"x-uce-status","condition":"is","pattern":"Yes"}],"actions":[{"kind":"refuse"}]},`, 1)
	r = c.post("/setup/mailrules/import", url.Values{"csrf_token": {tok}, "json": {good}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "2 rules will replace the 1 current rules") || !strings.Contains(r.body, `id="import-apply"`) {
		t.Fatalf("preview: %d\n%s", r.status, r.body)
	}
	if rs, _ := a.store.MailRules(context.Background()); len(rs) != 1 {
		t.Fatal("the preview changed the list")
	}
	r = c.post("/setup/mailrules/import", url.Values{"csrf_token": {tok}, "json": {good}, "op": {"confirm"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.status, r.body)
	}
	rs, _ := a.store.MailRules(context.Background())
	if len(rs) != 2 || rs[0].Name != "Spam" || rs[1].Actions[0].Value != strconv.FormatInt(fx.group, 10) {
		t.Fatalf("imported: %+v", rs)
	}
	if stop, _ := a.store.MailRulesStopOnFirstMatch(context.Background()); stop {
		t.Fatal("the file's stop-at-first-match was not imported")
	}
	if ev, _ := a.store.AuditEvents(context.Background(), "mail_rule", 0, 5); len(ev) == 0 || !strings.Contains(ev[0].Message, "2 rules replaced the 1 before") {
		t.Fatalf("import audit: %+v", ev)
	}
}

func countTickets(t *testing.T, a *testApp) int {
	t.Helper()
	db, _ := a.store.SQLDB()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM tickets").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRuleTesterShowsEachRuleAndSavesNothing(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	newRuleFixtures(t, a, c)
	ctx := context.Background()
	// An inactive rule first, then the routing rule, then one the first match stops.
	if err := a.store.SaveMailRule(ctx, &rules.Rule{Name: "Old spam rule", Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "viagra"}},
		Actions:  []rules.Action{{Kind: rules.ActRefuse}}}); err != nil {
		t.Fatal(err)
	}
	if r := c.post("/setup/mailrules", supportFRForm(c.token("/setup/mailrules/new"))); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	if err := a.store.SaveMailRule(ctx, &rules.Rule{Name: "Everything urgent", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondRegexMatch, Pattern: `/.*/`}},
		Actions:  []rules.Action{{Kind: rules.ActUrgency, Value: "5"}}}); err != nil {
		t.Fatal(err)
	}
	before := countTickets(t, a)
	mail := "From: Marie Curie <marie@example.fr>\nTo: support-fr@example.com\nSubject: L'imprimante du 3e est en panne\n" +
		"Message-ID: <t1@example.fr>\nDate: Tue, 03 Mar 2026 09:15:00 +0100\nContent-Type: text/plain; charset=utf-8\n\nElle ne marche plus.\n"
	tok := c.token("/setup/mailrules/test")
	rcvID := ""
	for _, n := range mustNames(t, a) {
		if n.Name == "Support France" {
			rcvID = strconv.FormatInt(n.ID, 10)
		}
	}
	r := c.post("/setup/mailrules/test", url.Values{"csrf_token": {tok}, "raw": {mail}, "receiver": {rcvID}})
	if r.status != http.StatusOK {
		t.Fatalf("test: %d\n%s", r.status, r.body)
	}
	body := html.UnescapeString(r.body)
	for _, want := range []string{"New ticket", "Technician group: Support FR", "Category: Hardware > Printer",
		"Old spam rule", "Inactive", "Support FR printers", "Matched", `To email address contains "support-fr@"`, "support-fr@example.com",
		"Everything urgent", "Not evaluated: an earlier rule stopped the evaluation"} {
		if !strings.Contains(body, want) {
			t.Errorf("the result lacks %q", want)
		}
	}
	if strings.Contains(body, "Urgency: Very high") {
		t.Error("a rule after the first match was applied although stop at the first match is on")
	}
	if n := countTickets(t, a); n != before {
		t.Fatalf("the tester saved a ticket: %d -> %d", before, n)
	}

	// The same mail as an .eml file.
	r = postMultipart(t, c, "/setup/mailrules/test", map[string]string{"csrf_token": tok, "receiver": rcvID}, []byte(strings.ReplaceAll(mail, "\n", "\r\n")))
	if body := html.UnescapeString(r.body); r.status != http.StatusOK || !strings.Contains(body, "the file mail-rules.json") || !strings.Contains(body, "Technician group: Support FR") {
		t.Errorf("testing an uploaded file: %d\n%s", r.status, body)
	}

	// As no receiver, the rule limited to Support France does not apply.
	r = c.post("/setup/mailrules/test", url.Values{"csrf_token": {tok}, "raw": {mail}, "receiver": {"0"}})
	if body := html.UnescapeString(r.body); !strings.Contains(body, "Other mails receiver") || strings.Contains(body, "Technician group: Support FR") {
		t.Errorf("tested as no receiver, the receiver's rule still applied\n%s", body)
	}

	// The same mail as a ticket's original, then a refusing rule and a not-imported email.
	saved := a.importMail([]byte(strings.ReplaceAll(mail, "\n", "\r\n")))
	r = c.post("/setup/mailrules/test", url.Values{"csrf_token": {tok}, "ticket": {strconv.FormatInt(saved.TicketID, 10)}, "receiver": {rcvID}})
	if body := html.UnescapeString(r.body); r.status != http.StatusOK || !strings.Contains(body, "the original mail of ticket") || !strings.Contains(body, "Support FR printers") {
		t.Errorf("testing a ticket's original: %d\n%s", r.status, body)
	}
	if err := a.store.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "address", Value: "spam@example.net"}); err != nil {
		t.Fatal(err)
	}
	q := a.importMail(plainMail("spam@example.net", "Cheap printers", "q1@example.net", "Buy now."))
	if q.QuarantineID == 0 {
		t.Fatal("the blacklisted mail was not refused")
	}
	if page := c.get("/setup/mailrules/test").body; !strings.Contains(page, "Cheap printers — spam@example.net") {
		t.Error("the tester does not offer the not-imported email by its subject and sender")
	}
	r = c.post("/setup/mailrules/test", url.Values{"csrf_token": {tok}, "quarantine": {strconv.FormatInt(q.QuarantineID, 10)}, "receiver": {"0"}})
	if body := html.UnescapeString(r.body); r.status != http.StatusOK || !strings.Contains(body, "a not-imported email") || !strings.Contains(body, "Refused") {
		t.Errorf("testing a not-imported email: %d\n%s", r.status, body)
	}
	for _, bad := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"ticket": {"99999"}}, "There is no ticket 99999."},
		{url.Values{"quarantine": {"99999"}}, "This not-imported email is gone"},
		{url.Values{"ticket": {"abc"}}, "Type a ticket number"},
		{url.Values{}, "Paste a mail, choose an .eml file"},
	} {
		bad.form.Set("csrf_token", tok)
		r := c.post("/setup/mailrules/test", bad.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, bad.msg) {
			t.Errorf("%v: %d, want 422 and %q", bad.form, r.status, bad.msg)
		}
	}
}

func mustNames(t *testing.T, a *testApp) []store.IDName {
	t.Helper()
	n, err := a.store.ReceiverNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRuleTestedAsTypedFromTheEditPage: the edit page tests the rule as
// typed, in its place among the saved rules (a new rule last), and saves
// nothing: neither the rule nor a ticket.
func TestRuleTestedAsTypedFromTheEditPage(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	newRuleFixtures(t, a, c)
	ctx := context.Background()
	r := c.post("/setup/mailrules", supportFRForm(c.token("/setup/mailrules/new")))
	if r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	editPath := r.header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(editPath, "/setup/mailrules/"), 10, 64)
	if err != nil {
		t.Fatalf("saved rule at %q", editPath)
	}
	if err := a.store.SaveMailRule(ctx, &rules.Rule{Name: "Everything urgent", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondRegexMatch, Pattern: `/.*/`}},
		Actions:  []rules.Action{{Kind: rules.ActUrgency, Value: "5"}}}); err != nil {
		t.Fatal(err)
	}
	before := countTickets(t, a)
	// Sent to another address: the saved rule (To contains support-fr@)
	// would not match it; the rule as typed (Subject contains imprimante) does.
	mail := "From: Marie Curie <marie@example.fr>\nTo: accueil@example.com\nSubject: L'imprimante du 3e est en panne\n" +
		"Message-ID: <t2@example.fr>\nDate: Tue, 03 Mar 2026 09:15:00 +0100\nContent-Type: text/plain; charset=utf-8\n\nElle ne marche plus.\n"
	form := supportFRForm(c.token(editPath))
	form.Set("criteria[0].field", "subject")
	form.Set("criteria[0].pattern", "imprimante")
	form.Set("test_raw", mail)
	form.Set("test_receiver", "Support France")
	form.Set("op", "test")
	r = c.post(editPath, form)
	if r.status != http.StatusOK {
		t.Fatalf("test as typed: %d\n%s", r.status, r.body)
	}
	body := html.UnescapeString(r.body)
	for _, want := range []string{`id="rule-test-result"`, "New ticket", "Technician group: Support FR", "Category: Hardware > Printer",
		`contains "imprimante"`, "Everything urgent", "Not evaluated: an earlier rule stopped the evaluation", "Elle ne marche plus."} {
		if !strings.Contains(body, want) {
			t.Errorf("the result lacks %q", want)
		}
	}
	saved, err := a.store.MailRule(ctx, id)
	if err != nil || saved.Criteria[0].Pattern != "support-fr@" {
		t.Fatalf("testing changed the saved rule: %+v %v", saved.Criteria, err)
	}
	if n := countTickets(t, a); n != before {
		t.Fatalf("the test saved a ticket: %d -> %d", before, n)
	}
	// A new rule is tested last, where saving puts it: after "Everything
	// urgent", which matches every mail and stops.
	form = url.Values{"csrf_token": {c.token("/setup/mailrules/new")}, "name": {"Brand new"}, "is_active": {"1"}, "match": {"AND"},
		"criteria[0].field": {"subject"}, "criteria[0].condition": {"contains"}, "criteria[0].pattern": {"imprimante"},
		"actions[0].kind": {"refuse"}, "test_raw": {mail}, "op": {"test"}}
	r = c.post("/setup/mailrules", form)
	body = html.UnescapeString(r.body)
	if r.status != http.StatusOK || strings.Index(body, "Brand new</h4>") < strings.Index(body, "Everything urgent</h4>") ||
		strings.Contains(body, "Refused") {
		t.Fatalf("a new rule tested: %d, it is not last or it refused the mail %d %d %v", r.status, strings.Index(body, "Brand new</h4>"), strings.Index(body, "Everything urgent</h4>"), strings.Contains(body, "Refused"))
	}
	if rs, _ := a.store.MailRules(ctx); len(rs) != 2 {
		t.Fatalf("testing a new rule saved it: %d rules", len(rs))
	}
	form.Set("test_raw", " ")
	if r = c.post("/setup/mailrules", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Paste a mail to test the rule on.") {
		t.Fatalf("no mail: %d", r.status)
	}
}
