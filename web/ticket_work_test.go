package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// mustContain fails for each of want the body lacks.
func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestTicketWorkThroughThePage(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	cat := &store.Category{Name: "Printer", IsActive: true}
	hw := &store.Category{Name: "Hardware", IsActive: true}
	if err := a.store.SaveCategory(ctx, hw, nil); err != nil {
		t.Fatal(err)
	}
	cat.ParentID = &hw.ID
	if err := a.store.SaveCategory(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	g := &store.Group{Name: "Desk", IsAssign: true, IsRequester: true}
	if err := a.store.SaveGroup(ctx, g, []int64{a.tech.ID}, nil); err != nil {
		t.Fatal(err)
	}
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	page := ticketURL(s.TicketID)
	c := a.client()
	c.login("tech")
	r := c.get(page)
	mustContain(t, "the ticket page", r.body, `id="assign-me"`, "Assign to me", `<label class="form-label" for="ticket-category">Category</label>`,
		"Hardware &gt; Printer", `for="ticket-urgency"`, `for="ticket-impact"`, `for="ticket-priority"`, `for="actor-q"`, `for="solution"`,
		"Assigned to", "Requester", "Observer", `class="badge priority-badge priority-3"`, `/history" role="tab"`)
	tok := c.token(page)
	post := func(path string, v url.Values) response {
		t.Helper()
		v.Set("csrf_token", tok)
		return c.post(page+path, v)
	}
	if r := post("/assign-me", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("assign to me: %d", r.status)
	}
	r = c.get(page)
	mustContain(t, "after Assign to me", r.body, "Processing (assigned)", "The ticket is assigned to you.", "Tim Tech")
	if strings.Contains(r.body, `id="assign-me"`) {
		t.Error("Assign to me is still offered to the assignee")
	}
	r = post("/fields", url.Values{"type": {"2"}, "urgency": {"5"}, "impact": {"5"}, "priority": {""}, "category": {strconv.FormatInt(cat.ID, 10)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("fields: %d %s", r.status, r.body)
	}
	r = c.get(page)
	mustContain(t, "after the classification", r.body, `class="badge priority-badge priority-5"`, "Very high", `id="ticket-category-shown">Hardware &gt; Printer`)
	// Out-of-range values are refused with words, nothing changed.
	r = post("/fields", url.Values{"type": {"7"}, "urgency": {"5"}, "impact": {"5"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Type, urgency, impact or priority out of range.") {
		t.Fatalf("type 7: %d", r.status)
	}
	r = post("/actors", url.Values{"role": {store.ActorObserver}, "actor": {""}, "q": {"boss@example.com"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add an e-mail observer: %d", r.status)
	}
	r = post("/actors", url.Values{"role": {store.ActorAssigned}, "actor": {""}, "q": {"x@example.com"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "An e-mail address cannot be assigned.") {
		t.Fatalf("an e-mail assignee: %d", r.status)
	}
	r = post("/actors", url.Values{"role": {store.ActorAssigned}, "actor": {"group:" + strconv.FormatInt(g.ID, 10)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("assign a group: %d", r.status)
	}
	r = c.post(page+"/followups", url.Values{"csrf_token": {tok}, "kind": {"note"}, "content": {"Cartridge ordered."}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("private note: %d", r.status)
	}
	r = c.get(page)
	mustContain(t, "after the note", r.body, "Cartridge ordered.", "private-mark", "boss@example.com", "Group Desk")
	if r := post("/solve", url.Values{"solution": {"  "}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Write the solution first.") {
		t.Fatalf("empty solution: %d", r.status)
	}
	if r := post("/solve", url.Values{"solution": {"Replaced the cartridge."}}); r.status != http.StatusSeeOther {
		t.Fatalf("solve: %d", r.status)
	}
	r = c.get(page)
	mustContain(t, "after solving", r.body, ">Solved<", "Replaced the cartridge.", ">Solution<")
	if strings.Contains(r.body, `id="solve-form"`) {
		t.Error("a solved ticket still offers Solve")
	}
	h := c.get(page + "/history")
	if h.status != http.StatusOK {
		t.Fatalf("history: %d", h.status)
	}
	mustContain(t, "the History tab", h.body, "added Assigned to: Tim Tech; status New → Processing (assigned)",
		"Type Incident → Request", "Priority Medium → Very high", "Category (none) → Hardware &gt; Printer",
		"added Observer: boss@example.com", "private follow-up added", "solved (status Processing (assigned) → Solved)", ">tech<")
	// A form without the token changes nothing.
	if r := c.post(page+"/assign-me", url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d, want 403", r.status)
	}
	if r := post("/../99999/assign-me", url.Values{}); r.status == http.StatusSeeOther {
		t.Fatal("a missing ticket was assigned")
	}
}

// TestActorPickerWithoutScript: the actor search works as a plain form
// (Search shows the page again with the matches to choose from), its
// script's JSON gives the same matches, groups are offered only for the
// roles they may take, and a refused group is named.
func TestActorPickerWithoutScript(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	desk := &store.Group{Name: "Service desk", IsAssign: true, IsRequester: false}
	if err := a.store.SaveGroup(ctx, desk, nil, nil); err != nil {
		t.Fatal(err)
	}
	staff := &store.Group{Name: "Service staff", IsAssign: false, IsRequester: true}
	if err := a.store.SaveGroup(ctx, staff, nil, nil); err != nil {
		t.Fatal(err)
	}
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	page := ticketURL(s.TicketID)
	c := a.client()
	c.login("tech")
	tok := c.token(page)
	post := func(v url.Values) response {
		t.Helper()
		v.Set("csrf_token", tok)
		return c.post(page+"/actors", v)
	}
	// Search: back to the page with the words and the role kept.
	r := post(url.Values{"role": {store.ActorAssigned}, "q": {"serv"}, "do": {"search"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "actor_q=serv") {
		t.Fatalf("search: %d %q", r.status, r.header.Get("Location"))
	}
	r = c.get(page + "?role=assigned&actor_q=serv")
	mustContain(t, "the matches for Assigned to", r.body, `id="actor-matches"`, `Matches for &#34;serv&#34;`, "Service desk",
		`value="group:`+strconv.FormatInt(desk.ID, 10)+`"`, `value="serv"`)
	if strings.Contains(r.body, "Service staff") {
		t.Error("a group that cannot be assigned is offered as Assigned to")
	}
	r = c.get(page + "?role=observer&actor_q=serv")
	if !strings.Contains(r.body, "Service staff") || strings.Contains(r.body, "Service desk") {
		t.Error("Observer offers the groups that can be requester, and only those")
	}
	r = c.get(page + "?role=assigned&actor_q=tim")
	mustContain(t, "a user found by name", r.body, "Tim Tech", `value="user:`+strconv.FormatInt(a.tech.ID, 10)+`" id="actor-match-0" checked`)
	r = c.get(page + "?role=requester&actor_q=nobody")
	mustContain(t, "no match", r.body, `id="actor-no-match"`, "No user or group matches.")
	r = c.get(page + "?role=observer&actor_q=boss@example.com")
	mustContain(t, "an address typed", r.body, `value="boss@example.com"`, "E-mail address")
	// The script's JSON: the same matches.
	r = c.get(page + "/actors/search?role=assigned&q=serv")
	if r.status != http.StatusOK || !strings.Contains(r.body, `"label": "Service desk"`) || strings.Contains(r.body, "Service staff") ||
		!strings.Contains(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("JSON search: %d %s", r.status, r.body)
	}
	// Words typed but nothing chosen: refused with the matches shown.
	r = post(url.Values{"role": {store.ActorAssigned}, "q": {"serv"}, "do": {"add"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose a user or a group among the matches") || !strings.Contains(r.body, `id="actor-matches"`) {
		t.Fatalf("add without a choice: %d", r.status)
	}
	// A group without "Can be requester" is refused as observer, named.
	r = post(url.Values{"role": {store.ActorObserver}, "actor": {"group:" + strconv.FormatInt(desk.ID, 10)}, "do": {"add"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The group Service desk cannot be observer") {
		t.Fatalf("observer group that cannot be requester: %d", r.status)
	}
	// Chosen among the matches: added.
	r = post(url.Values{"role": {store.ActorAssigned}, "q": {"serv"}, "actor": {"group:" + strconv.FormatInt(desk.ID, 10)}, "do": {"add"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add the chosen group: %d", r.status)
	}
	mustContain(t, "after adding", c.get(page).body, "Group Service desk", "Processing (assigned)")
}

func TestRemovingTheLastAssigneeReturnsToNew(t *testing.T) {
	a := newDeskApp(t)
	s := a.importMail(plainMail("bob@example.com", "VPN down", "v1@b", "No tunnel."))
	page := ticketURL(s.TicketID)
	c := a.client()
	c.login("tech")
	tok := c.token(page)
	c.post(page+"/assign-me", url.Values{"csrf_token": {tok}})
	r := c.post(page+"/actors/remove", url.Values{"csrf_token": {tok}, "role": {store.ActorAssigned}, "actor": {"user:" + strconv.FormatInt(a.tech.ID, 10)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.status)
	}
	tk, _ := a.store.Ticket(context.Background(), s.TicketID)
	if tk.Status != store.StatusNew {
		t.Fatalf("status %s, want New", store.StatusLabel(tk.Status))
	}
	// The status form goes through the same rules: Processing without anyone assigned stays New.
	c.post(page+"/status", url.Values{"csrf_token": {tok}, "status": {strconv.Itoa(store.StatusAssigned)}})
	if tk, _ := a.store.Ticket(context.Background(), s.TicketID); tk.Status != store.StatusNew {
		t.Fatalf("status form: %s, want New", store.StatusLabel(tk.Status))
	}
}

func TestTicketListViewsColumnsAndBulk(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	cat := &store.Category{Name: "Network", IsActive: true}
	if err := a.store.SaveCategory(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	g := &store.Group{Name: "Desk", IsAssign: true}
	if err := a.store.SaveGroup(ctx, g, []int64{a.tech.ID}, nil); err != nil {
		t.Fatal(err)
	}
	one := a.importMail(plainMail("alice@example.com", "Printer jammed", "p1@a", "Tray."))
	two := a.importMail(plainMail("bob@example.com", "VPN down", "v1@b", "Tunnel."))
	three := a.importMail(plainMail("carol@example.com", "Mail quota", "q1@c", "Full."))
	c := a.client()
	c.login("tech")
	tok := c.token("/tickets")
	home := c.get("/")
	mustContain(t, "Home", home.body, "My open tickets", "Unassigned open tickets")
	ids := func(v ...int64) []string {
		var out []string
		for _, id := range v {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return out
	}
	r := c.post("/tickets/bulk", url.Values{"csrf_token": {tok}, "action": {"assign"}, "assignee": {"user:" + strconv.FormatInt(a.tech.ID, 10)},
		"ids": ids(one.TicketID, two.TicketID)})
	if r.status != http.StatusSeeOther {
		t.Fatalf("bulk assign: %d %s", r.status, r.body)
	}
	c.post("/tickets/bulk", url.Values{"csrf_token": {tok}, "action": {"category"}, "category": {strconv.FormatInt(cat.ID, 10)}, "ids": ids(two.TicketID)})
	c.post("/tickets/bulk", url.Values{"csrf_token": {tok}, "action": {"status"}, "status": {strconv.Itoa(store.StatusPending)}, "ids": ids(one.TicketID)})
	mine := c.get("/tickets?view=mine")
	mustContain(t, "My tickets", mine.body, "2 tickets updated.", "Printer jammed", "VPN down", "Tim Tech", "Pending", "Network",
		`class="badge priority-badge priority-3"`, `for="select-`+strconv.FormatInt(one.TicketID, 10)+`"`, `for="filter-category"`, `aria-current="page"`)
	if strings.Contains(mine.body, "Mail quota") {
		t.Error("My tickets shows a ticket nobody is assigned to")
	}
	un := c.get("/tickets?view=unassigned")
	if !strings.Contains(un.body, "Mail quota") || strings.Contains(un.body, "VPN down") {
		t.Error("Unassigned view wrong")
	}
	if grp := c.get("/tickets?view=groups"); strings.Contains(grp.body, "VPN down") {
		t.Error("My groups' tickets shows a ticket assigned to a user only")
	}
	if byCat := c.get("/tickets?view=mine&category=" + strconv.FormatInt(cat.ID, 10) + "&q=vpn"); !strings.Contains(byCat.body, "VPN down") || strings.Contains(byCat.body, "Printer jammed") {
		t.Error("view + category + search wrong")
	}
	for _, id := range []int64{one.TicketID, two.TicketID} {
		ev, _ := a.store.TicketHistory(ctx, id, 10)
		found := false
		for _, e := range ev {
			found = found || (e.Kind == "ticket.actor_add" && e.Actor == "tech")
		}
		if !found {
			t.Errorf("ticket %d: the bulk assignment is not in its history", id)
		}
	}
	// Without the token nothing happens; unknown actions are refused.
	if r := c.post("/tickets/bulk", url.Values{"action": {"status"}, "status": {"6"}, "ids": ids(three.TicketID)}); r.status != http.StatusForbidden {
		t.Fatalf("bulk without CSRF: %d", r.status)
	}
	if r := c.post("/tickets/bulk", url.Values{"csrf_token": {tok}, "action": {"delete"}, "ids": ids(three.TicketID)}); r.status != http.StatusBadRequest {
		t.Fatalf("unknown bulk action: %d", r.status)
	}
	if tk, _ := a.store.Ticket(ctx, three.TicketID); tk.Status != store.StatusNew {
		t.Fatalf("a refused bulk changed ticket three: %s", store.StatusLabel(tk.Status))
	}
	home = c.get("/")
	mustContain(t, "Home after", home.body, `href="/tickets?status=notold&amp;view=mine"`, `href="/tickets?status=notold&amp;view=unassigned"`)
}

func TestGroupsCategoriesAndMatrixPages(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	c := a.client()
	c.login("admin")
	tok := c.token("/admin/groups/new")
	mustContain(t, "the new group form", c.get("/admin/groups/new").body, `for="group-name"`, `for="group-assign"`, "Can be assigned",
		"Can be requester", `for="member-`+strconv.FormatInt(a.tech.ID, 10)+`"`)
	r := c.post("/admin/groups", url.Values{"csrf_token": {tok}, "name": {"Network"}, "comment": {"switches"}, "is_assign": {"1"},
		"members": {strconv.FormatInt(a.tech.ID, 10)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create group: %d %s", r.status, r.body)
	}
	gs, _ := a.store.Groups(ctx)
	if len(gs) != 1 || gs[0].Members != 1 || !gs[0].IsAssign || gs[0].IsRequester {
		t.Fatalf("groups %+v", gs)
	}
	gpath := "/admin/groups/" + strconv.FormatInt(gs[0].ID, 10)
	mustContain(t, "the group page", c.get(gpath).body, "group Network saved with 1 members", "Tim Tech")
	if r := c.post("/admin/groups", url.Values{"csrf_token": {tok}, "name": {"Network"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "A group of this name exists already.") {
		t.Fatalf("duplicate group: %d", r.status)
	}
	mustContain(t, "the groups list", c.get("/admin/groups").body, "Network", "switches")

	r = c.post("/setup/dropdowns/itilcategories", url.Values{"csrf_token": {tok}, "name": {"Hardware"}, "is_active": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create category: %d %s", r.status, r.body)
	}
	cats, _ := a.store.Categories(ctx)
	r = c.post("/setup/dropdowns/itilcategories", url.Values{"csrf_token": {tok}, "name": {"Printer"}, "parent": {strconv.FormatInt(cats[0].ID, 10)}, "is_active": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create child: %d", r.status)
	}
	mustContain(t, "the categories list", c.get("/setup/dropdowns/itilcategories").body, "Hardware &gt; Printer")
	if r := c.post("/setup/dropdowns/itilcategories", url.Values{"csrf_token": {tok}, "name": {" "}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "The name is empty.") {
		t.Fatalf("empty category name: %d", r.status)
	}
	r = c.post("/setup/dropdowns/itilcategories/"+strconv.FormatInt(cats[0].ID, 10)+"/delete", url.Values{"csrf_token": {tok}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("delete parent: %d", r.status)
	}
	if cs, _ := a.store.Categories(ctx); len(cs) != 2 {
		t.Fatal("a category with children was deleted")
	}

	mp := c.get("/setup/priority-matrix")
	mustContain(t, "the matrix", mp.body, `for="m-5-5"`, "Priority for urgency Very high and impact Very high", "Major")
	form := url.Values{"csrf_token": {tok}}
	for u := 1; u <= 5; u++ {
		for i := 1; i <= 5; i++ {
			form.Set("m-"+strconv.Itoa(u)+"-"+strconv.Itoa(i), strconv.Itoa(store.DefaultPriorityMatrix[u][i]))
		}
	}
	form.Set("m-5-5", "6")
	if r := c.post("/setup/priority-matrix", form); r.status != http.StatusSeeOther {
		t.Fatalf("save matrix: %d", r.status)
	}
	if m, _ := a.store.LoadPriorityMatrix(ctx); m[5][5] != store.PriorityMajor {
		t.Fatalf("matrix not saved: %v", m)
	}
	form.Set("m-1-1", "9")
	if r := c.post("/setup/priority-matrix", form); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad matrix cell: %d", r.status)
	}
	// Technicians work tickets but may not edit these.
	tc := a.client()
	tc.login("tech")
	for _, p := range []string{"/admin/groups", "/setup/dropdowns/itilcategories", "/setup/priority-matrix"} {
		if r := tc.get(p); r.status != http.StatusForbidden {
			t.Errorf("technician on %s: %d, want 403", p, r.status)
		}
	}
}

func TestReceiverTicketDefaultsPage(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	rec := &store.Receiver{Name: "printers@example.com", Host: "imap.example.com", Port: 993, Security: "ssl", Login: "printers@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	g := &store.Group{Name: "Printers", IsAssign: true}
	if err := a.store.SaveGroup(ctx, g, nil, nil); err != nil {
		t.Fatal(err)
	}
	path := "/setup/receivers/" + strconv.FormatInt(rec.ID, 10) + "/defaults"
	c := a.client()
	c.login("admin")
	mustContain(t, "the receiver form", c.get("/setup/receivers/"+strconv.FormatInt(rec.ID, 10)).body, `href="`+path+`"`, "Ticket defaults")
	mustContain(t, "the defaults page", c.get(path).body, `for="default-group"`, `for="default-category"`, `for="default-type"`, "Printers")
	tok := c.token(path)
	if r := c.post(path, url.Values{"csrf_token": {tok}, "group": {strconv.FormatInt(g.ID, 10)}, "category": {""}, "type": {"2"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	d, _ := a.store.LoadReceiverDefaults(ctx, rec.ID)
	if d.GroupID == nil || *d.GroupID != g.ID || d.Type != store.TypeRequest || d.CategoryID != nil {
		t.Fatalf("defaults %+v", d)
	}
	if r := c.post(path, url.Values{"csrf_token": {tok}, "type": {"9"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Unknown ticket type.") {
		t.Fatalf("type 9: %d", r.status)
	}
	mustContain(t, "the receiver history", strings.Join(func() []string {
		ev, _ := a.store.AuditEvents(ctx, "receiver", rec.ID, 5)
		var out []string
		for _, e := range ev {
			out = append(out, e.Message)
		}
		return out
	}(), "\n"), "ticket defaults of printers@example.com: group Printers, type Request")
}

func TestPriorityChosenByHandStaysChosen(t *testing.T) {
	a := newDeskApp(t)
	s := a.importMail(plainMail("bob@example.com", "Server room hot", "h1@b", "35 degrees."))
	page := ticketURL(s.TicketID)
	c := a.client()
	c.login("tech")
	tok := c.token(page)
	c.post(page+"/fields", url.Values{"csrf_token": {tok}, "type": {"1"}, "urgency": {"3"}, "impact": {"3"}, "priority": {"6"}})
	r := c.get(page)
	mustContain(t, "the page after Major", r.body, `<option value="6" selected>Major</option>`, `priority-6`)
	c.post(page+"/fields", url.Values{"csrf_token": {tok}, "type": {"1"}, "urgency": {"4"}, "impact": {"3"}, "priority": {""}})
	if r := c.get(page); strings.Contains(r.body, `<option value="6" selected>`) || !strings.Contains(r.body, "priority-4") {
		t.Fatal("back to the matrix, the priority is still the hand-chosen one")
	}
}

func TestHistoryOfApplicationsAuthorizationsReceivers(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	app := &store.Application{Name: "Contoso", Provider: "azure", Cloud: "global", TenantID: "t", ClientID: "c", ClientSecret: "s", IsActive: true}
	if err := a.store.CreateApplication(ctx, app, a.admin); err != nil {
		t.Fatal(err)
	}
	g := &oauth.Grant{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour), Email: "box@contoso.com",
		Identity: oauth.Identity{TenantID: "t", ObjectID: "oid", PreferredUsername: "box@contoso.com", Email: "box@contoso.com"}}
	auth, _, err := a.store.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g})
	if err != nil {
		t.Fatal(err)
	}
	rec := &store.Receiver{Name: "box@contoso.com", Host: "imap.example.com", Port: 993, Security: "ssl", Login: "box@contoso.com"}
	if err := a.store.CreateReceiver(ctx, rec, a.admin); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("admin")
	for _, p := range []struct{ link, path string }{
		{"/setup/oauthimap/" + itoa64(app.ID), "/setup/oauthimap/" + itoa64(app.ID) + "/history"},
		{"/setup/oauthimap/authorizations/" + itoa64(auth.ID), "/setup/oauthimap/authorizations/" + itoa64(auth.ID) + "/history"},
		{"/setup/receivers/" + itoa64(rec.ID), "/setup/receivers/" + itoa64(rec.ID) + "/history"},
	} {
		if from := c.get(p.link); !strings.Contains(from.body, `href="`+p.path+`"`) {
			t.Errorf("%s does not link to its history", p.link)
		}
		r := c.get(p.path)
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="history-table"`) || strings.Contains(r.body, "No change recorded.") {
			t.Errorf("%s: %d, or no row", p.path, r.status)
		}
	}
}

// TestHomeCountsAreTheirViews: each ticket card of Home counts exactly the
// rows of the list it links to (solved and closed tickets included in the
// data, mine and others', assigned and not), and the list shows the
// "Not solved" filter it applies.
func TestHomeCountsAreTheirViews(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	var ids []int64
	for i, subj := range []string{"Printer jammed", "VPN down", "Mail quota", "Badge lost", "Screen dark"} {
		s := a.importMail(plainMail("user@example.com", subj, "m"+strconv.Itoa(i)+"@u", "Help."))
		ids = append(ids, s.TicketID)
	}
	c := a.client()
	c.login("tech")
	for _, id := range ids[:3] {
		if _, err := a.h.desk.AssignToMe(ctx, id, a.tech); err != nil {
			t.Fatal(err)
		}
	}
	// One of mine solved, one unassigned closed: neither is open.
	if _, err := a.h.desk.Solve(ctx, ids[0], "Done.", a.tech); err != nil {
		t.Fatal(err)
	}
	if _, err := a.h.desk.SetStatus(ctx, ids[4], store.StatusClosed, a.tech); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"New tickets": 1, "Open tickets": 3, "My open tickets": 2, "Unassigned open tickets": 1}
	doc, err := html.Parse(strings.NewReader(c.get("/").body))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, card := range findAll(doc, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "card-link") }) {
		label := text(findAll(card, func(n *html.Node) bool { return hasClass(n, "text-secondary") })[0])
		n, ok := want[label]
		if !ok {
			continue
		}
		seen++
		value := text(findAll(card, func(n *html.Node) bool { return hasClass(n, "h2") })[0])
		href := attr(card, "href")
		list := c.get(href)
		rows := strings.Count(list.body[strings.Index(list.body, "<tbody"):], "<tr>")
		if value != strconv.Itoa(n) || rows != n {
			t.Errorf("%s: the card shows %s, its list %s has %d rows; want %d", label, value, href, rows, n)
		}
		if strings.Contains(label, "open") && !strings.Contains(list.body, `<option value="notold" selected>Not solved</option>`) {
			t.Errorf("%s: the list %s does not show its Not solved filter", label, href)
		}
	}
	if seen != len(want) {
		t.Errorf("Home has %d of the %d ticket cards", seen, len(want))
	}
}
