package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
)

func workUser(t *testing.T, s *Store, login string) *User {
	t.Helper()
	u := &User{Login: login, Name: login + " name", Role: RoleTechnician, IsActive: true}
	if err := s.CreateUser(context.Background(), u, "a long password"); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPriorityMatrixDefaultAndEdit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		m, err := s.LoadPriorityMatrix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m != DefaultPriorityMatrix {
			t.Fatalf("migrated matrix %v, want GLPI's default %v", m, DefaultPriorityMatrix)
		}
		// GLPI's default: Very high urgency and Very high impact is Very high;
		// Very low both is Very low; Medium both is Medium.
		if m.Priority(5, 5) != 5 || m.Priority(1, 1) != 1 || m.Priority(3, 3) != 3 || m.Priority(3, 4) != 4 {
			t.Fatalf("matrix cells wrong: %v", m)
		}
		tk := &Ticket{Title: "default"}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Ticket(ctx, tk.ID); got.Priority != 3 || got.Type != TypeIncident || got.Impact != 3 || got.Urgency != 3 {
			t.Fatalf("new ticket: type %d urgency %d impact %d priority %d, want Incident, Medium x3", got.Type, got.Urgency, got.Impact, got.Priority)
		}
		m[3][3] = PriorityMajor
		if err := s.SavePriorityMatrix(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		m2, _ := s.LoadPriorityMatrix(ctx)
		if m2[3][3] != PriorityMajor || m2[5][5] != 5 {
			t.Fatalf("saved matrix reads %v", m2)
		}
		tk2 := &Ticket{Title: "after edit"}
		if err := s.CreateTicket(ctx, tk2, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Ticket(ctx, tk2.ID); got.Priority != PriorityMajor {
			t.Fatalf("new ticket after the edit has priority %d, want Major", got.Priority)
		}
		bad := m
		bad[2][2] = 9
		if err := s.SavePriorityMatrix(ctx, bad, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("priority 9 saved (%v), want ErrInvalid", err)
		}
		ev, _ := s.AuditEvents(ctx, "setting", 0, 5)
		if len(ev) == 0 || ev[0].Kind != "priority_matrix.update" {
			t.Fatalf("matrix change not audited: %+v", ev)
		}
	})
}

func TestGroupsAndMembers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b := workUser(t, s, "ann"), workUser(t, s, "bob")
		g := &Group{Name: "Network", Comment: "switches", IsAssign: true, IsRequester: false}
		if err := s.SaveGroup(ctx, g, []int64{a.ID, b.ID, a.ID}, a); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.GroupMemberIDs(ctx, g.ID); !slices.Equal(ids, []int64{a.ID, b.ID}) {
			t.Fatalf("members %v", ids)
		}
		g.Name = "Network team"
		if err := s.SaveGroup(ctx, g, []int64{b.ID}, a); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Groups(ctx)
		if err != nil || len(rows) != 1 || rows[0].Name != "Network team" || rows[0].Members != 1 || !rows[0].IsAssign || rows[0].IsRequester {
			t.Fatalf("groups %+v (%v)", rows, err)
		}
		if ids, _ := s.UserGroupIDs(ctx, a.ID); len(ids) != 0 {
			t.Fatalf("ann still in %v", ids)
		}
		if err := s.SaveGroup(ctx, &Group{Name: "Network team"}, nil, a); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("second group of one name: %v, want ErrDuplicate", err)
		}
		if err := s.SaveGroup(ctx, &Group{Name: "  "}, nil, a); !errors.Is(err, ErrInvalid) {
			t.Fatalf("empty name: %v", err)
		}
		tk := &Ticket{Title: "x"}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTicketGroup(ctx, tk.ID, g.ID, ActorAssigned); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Ticket(ctx, tk.ID); got.AssigneeCount != 1 {
			t.Fatalf("assignee count %d, want 1", got.AssigneeCount)
		}
		if err := s.DeleteGroup(ctx, g.ID, a); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountAssigned(ctx, tk.ID); n != 0 {
			t.Fatalf("deleted group still assigned (%d)", n)
		}
		if rows, _, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewUnassigned}); len(rows) != 1 {
			t.Fatalf("the ticket of a deleted group is not Unassigned (%d rows)", len(rows))
		}
		ev, _ := s.AuditEvents(ctx, "group", g.ID, 10)
		if len(ev) != 3 || ev[0].Kind != "group.delete" {
			t.Fatalf("group audit %+v", ev)
		}
	})
}

func TestCategoryTree(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		hw := &Category{Name: "Hardware", IsActive: true}
		if err := s.SaveCategory(ctx, hw, nil); err != nil {
			t.Fatal(err)
		}
		pr := &Category{Name: "Printer", ParentID: &hw.ID, IsActive: true}
		if err := s.SaveCategory(ctx, pr, nil); err != nil {
			t.Fatal(err)
		}
		ink := &Category{Name: "Ink", ParentID: &pr.ID, IsActive: true}
		if err := s.SaveCategory(ctx, ink, nil); err != nil {
			t.Fatal(err)
		}
		if ink.FullName != "Hardware > Printer > Ink" {
			t.Fatalf("full name %q", ink.FullName)
		}
		hw.Name = "Devices"
		if err := s.SaveCategory(ctx, hw, nil); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Category(ctx, ink.ID)
		if got.FullName != "Devices > Printer > Ink" {
			t.Fatalf("renaming the root left %q", got.FullName)
		}
		hw.ParentID = &ink.ID
		if err := s.SaveCategory(ctx, hw, nil); !errors.Is(err, ErrInvalid) {
			t.Fatalf("a cycle was accepted: %v", err)
		}
		if err := s.DeleteCategory(ctx, pr.ID, nil); !errors.Is(err, ErrCategoryHasChildren) {
			t.Fatalf("deleting a parent: %v", err)
		}
		all, _ := s.Categories(ctx)
		var names []string
		for _, c := range all {
			names = append(names, c.FullName)
		}
		if !slices.Equal(names, []string{"Devices", "Devices > Printer", "Devices > Printer > Ink"}) {
			t.Fatalf("tree order %v", names)
		}
		tk := &Ticket{Title: "ink", CategoryID: &ink.ID}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCategory(ctx, ink.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Ticket(ctx, tk.ID); got.CategoryID != nil {
			t.Fatalf("ticket kept a deleted category %d", *got.CategoryID)
		}
	})
}

func TestTicketActorsAndViews(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ann, bob := workUser(t, s, "ann"), workUser(t, s, "bob")
		g := &Group{Name: "Desk", IsAssign: true, IsRequester: true}
		if err := s.SaveGroup(ctx, g, []int64{bob.ID}, nil); err != nil {
			t.Fatal(err)
		}
		cat := &Category{Name: "Mail", IsActive: true}
		if err := s.SaveCategory(ctx, cat, nil); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, title := range []string{"mine", "group", "nobody", "both"} {
			tk := &Ticket{Title: title}
			if err := s.CreateTicket(ctx, tk, []TicketActor{{Role: ActorRequester, Email: "Req@Example.com"}}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		mustAdd := func(added bool, err error) {
			t.Helper()
			if err != nil || !added {
				t.Fatalf("add: %v %v", added, err)
			}
		}
		mustAdd(s.AddTicketUser(ctx, ids[0], ann.ID, ActorAssigned))
		mustAdd(s.AddTicketGroup(ctx, ids[1], g.ID, ActorAssigned))
		mustAdd(s.AddTicketUser(ctx, ids[3], ann.ID, ActorAssigned))
		mustAdd(s.AddTicketGroup(ctx, ids[3], g.ID, ActorAssigned))
		mustAdd(s.AddTicketUser(ctx, ids[2], bob.ID, ActorObserver))
		mustAdd(s.AddTicketContact(ctx, ids[2], "cc@example.com", "", ActorObserver))
		if added, err := s.AddTicketUser(ctx, ids[0], ann.ID, ActorAssigned); err != nil || added {
			t.Fatalf("adding twice: added %v (%v)", added, err)
		}
		if _, err := s.AddTicketContact(ctx, ids[2], "x@example.com", "", ActorAssigned); !errors.Is(err, ErrInvalid) {
			t.Fatalf("an e-mail assignee was accepted: %v", err)
		}
		if n, _ := s.CountAssigned(ctx, ids[3]); n != 2 {
			t.Fatalf("assigned count %d, want 2", n)
		}
		view := func(v string, u *User, search string) []string {
			t.Helper()
			rows, total, _, err := s.ListTickets(ctx, TicketFilter{View: v, UserID: u.ID, ListQuery: ListQuery{Search: search, Sort: "id"}})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, r.Title)
			}
			if int(total) != len(out) {
				t.Fatalf("view %q: total %d for %d rows", v, total, len(out))
			}
			return out
		}
		if got := view(ViewMine, ann, ""); !slices.Equal(got, []string{"mine", "both"}) {
			t.Fatalf("ann's tickets %v", got)
		}
		if got := view(ViewMyGroups, bob, ""); !slices.Equal(got, []string{"group", "both"}) {
			t.Fatalf("bob's groups' tickets %v", got)
		}
		// In two groups both assigned to one ticket, bob sees it once.
		g2 := &Group{Name: "Second line", IsAssign: true}
		if err := s.SaveGroup(ctx, g2, []int64{bob.ID}, nil); err != nil {
			t.Fatal(err)
		}
		mustAdd(s.AddTicketGroup(ctx, ids[3], g2.ID, ActorAssigned))
		if got := view(ViewMyGroups, bob, ""); !slices.Equal(got, []string{"group", "both"}) {
			t.Fatalf("bob's groups' tickets with two groups %v", got)
		}
		if got := view(ViewMyGroups, bob, "both"); !slices.Equal(got, []string{"both"}) {
			t.Fatalf("two groups + search %v", got)
		}
		if _, err := s.RemoveTicketGroup(ctx, ids[3], g2.ID, ActorAssigned); err != nil {
			t.Fatal(err)
		}
		if got := view(ViewMyGroups, ann, ""); len(got) != 0 {
			t.Fatalf("ann has no group, got %v", got)
		}
		if got := view(ViewUnassigned, ann, ""); !slices.Equal(got, []string{"nobody"}) {
			t.Fatalf("unassigned %v (an observer does not assign)", got)
		}
		if got := view(ViewUnassigned, ann, "nobody"); !slices.Equal(got, []string{"nobody"}) {
			t.Fatalf("unassigned + search %v", got)
		}
		if got := view(ViewUnassigned, ann, "mine"); len(got) != 0 {
			t.Fatalf("unassigned + search of an assigned ticket %v", got)
		}
		if got := view(ViewMine, ann, "both"); !slices.Equal(got, []string{"both"}) {
			t.Fatalf("mine + search %v", got)
		}
		if got := view(ViewAll, ann, ""); len(got) != 4 {
			t.Fatalf("all %v", got)
		}
		if _, _, _, err := s.ListTickets(ctx, TicketFilter{View: "everything"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown view: %v", err)
		}
		rows, _, _, _ := s.ListTickets(ctx, TicketFilter{ListQuery: ListQuery{Sort: "id"}})
		if !slices.Equal(rows[3].AssignedTo, []string{"ann name", "Desk"}) {
			t.Fatalf("Assigned to column %v", rows[3].AssignedTo)
		}
		if err := s.SetTicketFields(ctx, ids[0], TicketFields{Type: TypeRequest, Urgency: 5, Impact: 4, Priority: 5, CategoryID: &cat.ID}); err != nil {
			t.Fatal(err)
		}
		rows, _, _, _ = s.ListTickets(ctx, TicketFilter{CategoryID: cat.ID})
		if len(rows) != 1 || rows[0].CategoryName != "Mail" || rows[0].Priority != 5 {
			t.Fatalf("category filter %+v", rows)
		}
		if rows, _, _, _ := s.ListTickets(ctx, TicketFilter{CategoryID: cat.ID, ListQuery: ListQuery{Search: "mine"}}); len(rows) != 1 {
			t.Fatalf("category + search: %d rows", len(rows))
		}
		if rows, _, _, _ := s.ListTickets(ctx, TicketFilter{CategoryID: cat.ID, ListQuery: ListQuery{Search: "nobody"}}); len(rows) != 0 {
			t.Fatalf("category + search of another ticket: %d rows", len(rows))
		}
		if err := s.SetTicketFields(ctx, ids[0], TicketFields{Type: 3, Urgency: 5, Impact: 4, Priority: 5}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("type 3 accepted: %v", err)
		}
		if _, n, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewMine, UserID: ann.ID, NotSolved: true}); n != 2 {
			t.Fatalf("open mine %d", n)
		}
		if _, n, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewUnassigned, UserID: ann.ID, NotSolved: true}); n != 1 {
			t.Fatalf("open unassigned %d", n)
		}
		// Solved, a ticket of mine leaves "Not solved" and stays in My tickets.
		mine, all, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewMine, UserID: ann.ID})
		if _, err := s.SetTicketStatus(ctx, mine[0].ID, StatusSolved, 0, EventStatus); err != nil {
			t.Fatal(err)
		}
		if _, n, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewMine, UserID: ann.ID, NotSolved: true}); n != 1 {
			t.Fatalf("open mine after solving one: %d", n)
		}
		if _, n, _, _ := s.ListTickets(ctx, TicketFilter{View: ViewMine, UserID: ann.ID}); n != all {
			t.Fatalf("mine after solving one: %d, want %d", n, all)
		}
		if _, err := s.SetTicketStatus(ctx, mine[0].ID, StatusAssigned, 0, EventStatus); err != nil {
			t.Fatal(err)
		}
		entries, err := s.TicketActorEntries(ctx, ids[3])
		if err != nil || len(entries) != 2 || entries[0].Kind != ActorKindUser || entries[1].Kind != ActorKindGroup {
			t.Fatalf("actor entries %+v (%v)", entries, err)
		}
		if ok, _ := s.RemoveTicketUser(ctx, ids[3], ann.ID, ActorAssigned); !ok {
			t.Fatal("remove reported nothing removed")
		}
		if ok, _ := s.RemoveTicketGroup(ctx, ids[3], g.ID, ActorAssigned); !ok {
			t.Fatal("group not removed")
		}
		if got := view(ViewUnassigned, ann, ""); !slices.Equal(got, []string{"nobody", "both"}) {
			t.Fatalf("after removing both assignees, unassigned %v", got)
		}
		if ok, _ := s.RemoveTicketContact(ctx, ids[2], "CC@example.com", ActorObserver); !ok {
			t.Fatal("contact not removed")
		}
		f := &Followup{TicketID: ids[0], Kind: FollowupStaff, Content: "note", IsPrivate: true}
		if err := s.CreateFollowup(ctx, f); err != nil {
			t.Fatal(err)
		}
		fs, _ := s.Followups(ctx, ids[0])
		if len(fs) != 1 || !fs[0].IsPrivate {
			t.Fatalf("private follow-up read back %+v", fs)
		}
	})
}

// TestSearchActors: the actor picker's search finds active users by name,
// login or e-mail and the groups that may take the role; LIKE wildcards
// typed are taken literally.
func TestSearchActors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ann := workUser(t, s, "ann")
		ann.Email = "a.smith@example.com"
		if err := s.db.Model(&User{}).Where("id = ?", ann.ID).Update("email", ann.Email).Error; err != nil {
			t.Fatal(err)
		}
		off := workUser(t, s, "annex")
		if err := s.db.Model(&User{}).Where("id = ?", off.ID).Update("is_active", false).Error; err != nil {
			t.Fatal(err)
		}
		assign := &Group{Name: "Annex desk", IsAssign: true}
		req := &Group{Name: "Annex staff", IsRequester: true}
		for _, g := range []*Group{assign, req} {
			if err := s.SaveGroup(ctx, g, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		names := func(role, q string) []string {
			t.Helper()
			ms, err := s.SearchActors(ctx, q, role, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Kind+":"+m.Name)
			}
			return out
		}
		if got, want := names(ActorAssigned, "ANN"), []string{"user:" + ann.Name, "group:Annex desk"}; !slices.Equal(got, want) {
			t.Errorf("Assigned to, \"ANN\": %v, want %v", got, want)
		}
		if got, want := names(ActorObserver, "ann"), []string{"user:" + ann.Name, "group:Annex staff"}; !slices.Equal(got, want) {
			t.Errorf("Observer, \"ann\": %v, want %v", got, want)
		}
		if got := names(ActorRequester, "smith@"); len(got) != 1 || got[0] != "user:"+ann.Name {
			t.Errorf("by e-mail %q: %v", ann.Email, got)
		}
		if got := names(ActorRequester, "%"); len(got) != 0 {
			t.Errorf("a %% typed matched %v", got)
		}
		if _, err := s.SearchActors(ctx, "ann", "boss", 10); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown role: %v", err)
		}
	})
}

// TestOldNotesBecomePrivate upgrades a database holding staff follow-ups
// written before follow-ups could be private: the notes (never mailed, no
// Message-ID) become private; an answer by mail, a mail from the
// requester and a public follow-up written after the upgrade do not.
func TestOldNotesBecomePrivate(t *testing.T) {
	for _, d := range []Dialect{SQLite, MySQL} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 10)
			past := time.Now().UTC().Add(-time.Hour)
			tk := Ticket{Title: "Legacy", Content: "<p>old</p>", Status: StatusNew, Urgency: 3, RequestSource: SourceEmail, OpenedAt: past, UpdatedAt: past}
			if err := s.db.Select(v3TicketColumns).Create(&tk).Error; err != nil {
				t.Fatal(err)
			}
			cols := []string{"ticket_id", "kind", "author_email", "author_name", "content", "message_id", "decision_reason", "created_at"}
			old := []*Followup{
				{TicketID: tk.ID, Kind: FollowupStaff, Content: "<p>note</p>", CreatedAt: past},
				{TicketID: tk.ID, Kind: FollowupStaff, Content: "<p>answer</p>", MessageID: "<a1@console>", CreatedAt: past},
				{TicketID: tk.ID, Kind: FollowupEmail, Content: "<p>thanks</p>", MessageID: "<r1@user>", CreatedAt: past},
			}
			for _, f := range old {
				if err := s.db.Select(cols).Create(f).Error; err != nil {
					t.Fatal(err)
				}
			}
			p, err := s.migrator()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 12); err != nil {
				t.Fatal(err)
			}
			// Written after the upgrade to 00012 (its time is kept to the second).
			public := &Followup{TicketID: tk.ID, Kind: FollowupStaff, Content: "<p>public</p>", CreatedAt: time.Now().UTC().Add(time.Minute)}
			if err := s.db.Create(public).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			fs, err := s.Followups(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range fs {
				got[f.Content] = f.IsPrivate
			}
			want := map[string]bool{"<p>note</p>": true, "<p>answer</p>": false, "<p>thanks</p>": false, "<p>public</p>": false}
			if !maps.Equal(got, want) {
				t.Fatalf("private after the upgrade: %v, want %v", got, want)
			}
		})
	}
}
