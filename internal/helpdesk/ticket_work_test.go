package helpdesk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

func (d *desk) tech(login string) *store.User {
	d.t.Helper()
	u := &store.User{Login: login, Name: strings.ToUpper(login[:1]) + login[1:], Role: store.RoleTechnician, IsActive: true}
	if err := d.st.CreateUser(context.Background(), u, "a long password"); err != nil {
		d.t.Fatal(err)
	}
	return u
}

func (d *desk) ticket(title string) *store.Ticket {
	d.t.Helper()
	tk := &store.Ticket{Title: title, RequesterEmail: "req@example.com"}
	if err := d.st.CreateTicket(context.Background(), tk, []store.TicketActor{{Role: store.ActorRequester, Email: "req@example.com"}}); err != nil {
		d.t.Fatal(err)
	}
	return tk
}

func (d *desk) status(id int64) int {
	d.t.Helper()
	tk, err := d.st.Ticket(context.Background(), id)
	if err != nil {
		d.t.Fatal(err)
	}
	return tk.Status
}

// history returns the ticket's audit kinds, oldest first, with their messages.
func (d *desk) history(id int64) []string {
	d.t.Helper()
	ev, err := d.st.TicketHistory(context.Background(), id, 100)
	if err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for i := len(ev) - 1; i >= 0; i-- {
		out = append(out, ev[i].Kind+": "+ev[i].Message)
	}
	return out
}

func TestAssignRulesOfStatus(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		ann, bob := d.tech("ann"), d.tech("bob")
		g := &store.Group{Name: "Network", IsAssign: true}
		if err := d.st.SaveGroup(ctx, g, []int64{bob.ID}, nil); err != nil {
			t.Fatal(err)
		}
		tk := d.ticket("printer")
		if d.status(tk.ID) != store.StatusNew {
			t.Fatal("a new ticket is not New")
		}
		if ok, err := d.svc.AssignToMe(ctx, tk.ID, ann); err != nil || !ok {
			t.Fatalf("assign to me: %v %v", ok, err)
		}
		if got := d.status(tk.ID); got != store.StatusAssigned {
			t.Fatalf("after assigning: %s, want Processing (assigned)", store.StatusLabel(got))
		}
		if ok, err := d.svc.AssignToMe(ctx, tk.ID, ann); err != nil || ok {
			t.Fatalf("assigning twice reported a change (%v, %v)", ok, err)
		}
		grp := Actor{Role: store.ActorAssigned, Kind: store.ActorKindGroup, ID: g.ID}
		if _, err := d.svc.AddActor(ctx, tk.ID, grp, bob); err != nil {
			t.Fatal(err)
		}
		me := Actor{Role: store.ActorAssigned, Kind: store.ActorKindUser, ID: ann.ID}
		if _, err := d.svc.RemoveActor(ctx, tk.ID, me, ann); err != nil {
			t.Fatal(err)
		}
		if got := d.status(tk.ID); got != store.StatusAssigned {
			t.Fatalf("a group is still assigned, got %s", store.StatusLabel(got))
		}
		if _, err := d.svc.RemoveActor(ctx, tk.ID, grp, bob); err != nil {
			t.Fatal(err)
		}
		if got := d.status(tk.ID); got != store.StatusNew {
			t.Fatalf("after removing the last assignee: %s, want New", store.StatusLabel(got))
		}
		// Setting Processing (assigned) by hand with nobody assigned settles to New.
		if _, err := d.svc.SetStatus(ctx, tk.ID, store.StatusAssigned, ann); err != nil {
			t.Fatal(err)
		}
		if got := d.status(tk.ID); got != store.StatusNew {
			t.Fatalf("Processing without an assignee stayed %s", store.StatusLabel(got))
		}
		h := d.history(tk.ID)
		want := []string{
			"ticket.actor_add: added Assigned to: Ann; status New → Processing (assigned)",
			"ticket.actor_add: added Assigned to: group Network",
			"ticket.actor_remove: removed Assigned to: Ann",
			"ticket.actor_remove: removed Assigned to: group Network; status Processing (assigned) → New",
			"ticket.status: status New → Processing (assigned); status Processing (assigned) → New",
		}
		if strings.Join(h, "\n") != strings.Join(want, "\n") {
			t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(h, "\n"), strings.Join(want, "\n"))
		}
		ev, _ := d.st.TicketHistory(ctx, tk.ID, 100)
		if *ev[len(ev)-1].UserID != ann.ID || ev[len(ev)-1].Actor != "ann" {
			t.Fatalf("history row not by ann: %+v", ev[len(ev)-1])
		}
	})
}

func TestActorKindsAndRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		ann := d.tech("ann")
		noAssign := &store.Group{Name: "Users", IsAssign: false, IsRequester: true}
		if err := d.st.SaveGroup(ctx, noAssign, nil, nil); err != nil {
			t.Fatal(err)
		}
		tk := d.ticket("vpn")
		if _, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorAssigned, Kind: store.ActorKindGroup, ID: noAssign.ID}, ann); !errors.Is(err, ErrNotAssignable) {
			t.Fatalf("a group that cannot be assigned: %v", err)
		}
		if _, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorRequester, Kind: store.ActorKindGroup, ID: noAssign.ID}, ann); err != nil {
			t.Fatalf("group as requester: %v", err)
		}
		// "Can be requester" is checked for requester and observer groups.
		noReq := &store.Group{Name: "Technicians", IsAssign: true, IsRequester: false}
		if err := d.st.SaveGroup(ctx, noReq, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, role := range []string{store.ActorRequester, store.ActorObserver} {
			_, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: role, Kind: store.ActorKindGroup, ID: noReq.ID}, ann)
			var m store.Message
			if !errors.Is(err, ErrNotRequester) || !errors.As(err, &m) || !strings.Contains(string(m), `The group Technicians cannot be `+strings.ToLower(store.ActorRoleLabel(role))) {
				t.Fatalf("a group that cannot be requester, as %s: %v", role, err)
			}
		}
		if _, err := d.svc.AddActor(ctx, d.ticket("printer").ID, Actor{Role: store.ActorAssigned, Kind: store.ActorKindGroup, ID: noReq.ID}, ann); err != nil {
			t.Fatalf("the same group assigned: %v", err)
		}
		if _, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorAssigned, Kind: store.ActorKindEmail, Email: "x@example.com"}, ann); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("an e-mail assignee: %v", err)
		}
		if _, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorObserver, Kind: store.ActorKindEmail, Email: "not an address"}, ann); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("a bad address: %v", err)
		}
		if ok, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorObserver, Kind: store.ActorKindEmail, Email: "boss@example.com"}, ann); err != nil || !ok {
			t.Fatalf("an e-mail observer: %v %v", ok, err)
		}
		if ok, err := d.svc.AddActor(ctx, tk.ID, Actor{Role: store.ActorObserver, Kind: store.ActorKindUser, ID: ann.ID}, ann); err != nil || !ok {
			t.Fatalf("a user observer: %v %v", ok, err)
		}
		if got := d.status(tk.ID); got != store.StatusNew {
			t.Fatalf("observers and requesters do not assign, got %s", store.StatusLabel(got))
		}
		th, _ := d.st.TicketThreads(ctx, []int64{tk.ID})
		found := false
		for _, p := range th[tk.ID].Participants {
			found = found || p == "boss@example.com"
		}
		if !found {
			t.Fatalf("the e-mail observer is no participant: %v", th[tk.ID].Participants)
		}
		if _, err := d.svc.AddActor(ctx, 999999, Actor{Role: store.ActorObserver, Kind: store.ActorKindUser, ID: ann.ID}, ann); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a missing ticket: %v", err)
		}
	})
}

func TestFieldsPriorityAndSolve(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		ann := d.tech("ann")
		cat := &store.Category{Name: "Printer", IsActive: true}
		if err := d.st.SaveCategory(ctx, cat, nil); err != nil {
			t.Fatal(err)
		}
		tk := d.ticket("ink")
		if _, err := d.svc.SetFields(ctx, tk.ID, Fields{Type: store.TypeRequest, Urgency: 5, Impact: 4, CategoryID: &cat.ID}, ann); err != nil {
			t.Fatal(err)
		}
		got, _ := d.st.Ticket(ctx, tk.ID)
		if got.Priority != 5 || got.Type != store.TypeRequest || got.CategoryID == nil || *got.CategoryID != cat.ID {
			t.Fatalf("fields %+v, want Request, priority Very high (matrix 5x4), Printer", got)
		}
		if _, err := d.svc.SetFields(ctx, tk.ID, Fields{Type: store.TypeRequest, Urgency: 5, Impact: 4, Priority: store.PriorityMajor, CategoryID: &cat.ID}, ann); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.st.Ticket(ctx, tk.ID); got.Priority != store.PriorityMajor {
			t.Fatalf("priority set by hand: %d", got.Priority)
		}
		if ok, _ := d.svc.SetFields(ctx, tk.ID, Fields{Type: store.TypeRequest, Urgency: 5, Impact: 4, Priority: store.PriorityMajor, CategoryID: &cat.ID}, ann); ok {
			t.Fatal("saving the same fields reported a change")
		}
		if _, err := d.svc.SetFields(ctx, tk.ID, Fields{Type: 1, Urgency: 9, Impact: 3}, ann); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("urgency 9: %v", err)
		}
		missing := int64(424242)
		if _, err := d.svc.SetFields(ctx, tk.ID, Fields{Type: 1, Urgency: 3, Impact: 3, CategoryID: &missing}, ann); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("a missing category: %v", err)
		}
		if _, err := d.svc.AddNote(ctx, tk.ID, ann, "checked the cartridge", true); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Solve(ctx, tk.ID, "  ", ann); !errors.Is(err, ErrNoSolution) {
			t.Fatalf("empty solution: %v", err)
		}
		if _, err := d.svc.Solve(ctx, tk.ID, "Replaced the <b>cartridge</b>.", ann); err != nil {
			t.Fatal(err)
		}
		if got := d.status(tk.ID); got != store.StatusSolved {
			t.Fatalf("after solving: %s", store.StatusLabel(got))
		}
		fs, _ := d.st.Followups(ctx, tk.ID)
		if len(fs) != 2 || !fs[0].IsPrivate || fs[1].Kind != store.FollowupSolution || fs[1].IsPrivate ||
			!strings.Contains(fs[1].Content, "&lt;b&gt;cartridge") {
			t.Fatalf("follow-ups %+v", fs)
		}
		h := strings.Join(d.history(tk.ID), "\n")
		for _, w := range []string{"Type Incident → Request", "Urgency Medium → Very high", "Priority Medium → Very high",
			"Category (none) → Printer", "Priority Very high → Major", "private follow-up added", "ticket.solve: solved (status New → Solved)"} {
			if !strings.Contains(h, w) {
				t.Fatalf("history lacks %q:\n%s", w, h)
			}
		}
	})
}

func TestReopenGoesBackToAssignedWhenSomeoneIs(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		ann := d.tech("ann")
		tk, other := d.ticket("one"), d.ticket("two")
		if _, err := d.svc.AssignToMe(ctx, tk.ID, ann); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{tk.ID, other.ID} {
			if _, err := d.svc.Solve(ctx, id, "done", ann); err != nil {
				t.Fatal(err)
			}
			if err := d.st.InTx(ctx, func(tx *store.Store) error { return reopen(ctx, tx, id) }); err != nil {
				t.Fatal(err)
			}
		}
		if got := d.status(tk.ID); got != store.StatusAssigned {
			t.Fatalf("reopened assigned ticket is %s", store.StatusLabel(got))
		}
		if got := d.status(other.ID); got != store.StatusNew {
			t.Fatalf("reopened unassigned ticket is %s", store.StatusLabel(got))
		}
	})
}

func TestBulkGoesThroughTheSingleActions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		ann, bob := d.tech("ann"), d.tech("bob")
		cat := &store.Category{Name: "Network", IsActive: true}
		if err := d.st.SaveCategory(ctx, cat, nil); err != nil {
			t.Fatal(err)
		}
		a, b := d.ticket("a"), d.ticket("b")
		if _, err := d.svc.AssignToMe(ctx, a.ID, bob); err != nil {
			t.Fatal(err)
		}
		ids := []int64{a.ID, b.ID, 987654}
		res, err := d.svc.BulkAct(ctx, ids, BulkAssign, Actor{Kind: store.ActorKindUser, ID: ann.ID}, 0, nil, ann)
		if err != nil || res.Changed != 2 || res.Failed != 1 {
			t.Fatalf("bulk assign %+v (%v)", res, err)
		}
		if d.status(b.ID) != store.StatusAssigned {
			t.Fatal("bulk assign did not apply the status rule")
		}
		res, err = d.svc.BulkAct(ctx, ids[:2], BulkCategory, Actor{}, 0, &cat.ID, ann)
		if err != nil || res.Changed != 2 {
			t.Fatalf("bulk category %+v (%v)", res, err)
		}
		res, err = d.svc.BulkAct(ctx, ids[:2], BulkStatus, Actor{}, store.StatusPending, nil, ann)
		if err != nil || res.Changed != 2 || d.status(a.ID) != store.StatusPending {
			t.Fatalf("bulk status %+v (%v)", res, err)
		}
		if _, err := d.svc.BulkAct(ctx, ids[:2], BulkStatus, Actor{}, 42, nil, ann); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bulk unknown status: %v", err)
		}
		for _, id := range ids[:2] {
			h := strings.Join(d.history(id), "\n")
			if !strings.Contains(h, "ticket.actor_add: added Assigned to: Ann") || !strings.Contains(h, "Category (none) → Network") ||
				!strings.Contains(h, "ticket.status: status Processing (assigned) → Pending") {
				t.Fatalf("ticket %d history:\n%s", id, h)
			}
		}
	})
}

func TestReceiverDefaultsAndReplyCCObservers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		g := &store.Group{Name: "Printers", IsAssign: true}
		if err := d.st.SaveGroup(ctx, g, nil, nil); err != nil {
			t.Fatal(err)
		}
		cat := &store.Category{Name: "Printer", IsActive: true}
		if err := d.st.SaveCategory(ctx, cat, nil); err != nil {
			t.Fatal(err)
		}
		r := d.receiver("printers", "printers@example.com", false)
		plain := d.receiver("support", "support@example.com", false)
		if err := d.st.SaveReceiverDefaults(ctx, r.ID, store.ReceiverDefaults{GroupID: &g.ID, CategoryID: &cat.ID, Type: store.TypeRequest}, nil); err != nil {
			t.Fatal(err)
		}
		if err := d.st.SaveReceiverDefaults(ctx, r.ID+plain.ID+100, store.ReceiverDefaults{}, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("defaults of a missing receiver: %v", err)
		}
		_, s := d.deliver(r, mail("Alice <alice@example.com>", "printers@example.com", "Toner", "t1@alice", "Empty."))
		tk, _ := d.st.Ticket(ctx, s.TicketID)
		if tk.Type != store.TypeRequest || tk.CategoryID == nil || *tk.CategoryID != cat.ID || tk.Status != store.StatusAssigned {
			t.Fatalf("ticket from the receiver with defaults: %+v", tk)
		}
		if n, _ := d.st.CountAssigned(ctx, tk.ID); n != 1 {
			t.Fatalf("default group not assigned (%d)", n)
		}
		// The assignment is in the History like a manual one, by the system.
		ev, err := d.st.TicketHistory(ctx, tk.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		const want = "added Assigned to: group Printers (the receiver's default group); status New → Processing (assigned)"
		if len(ev) != 1 || ev[0].Kind != "ticket.actor_add" || ev[0].Message != want || ev[0].UserID != nil {
			t.Fatalf("history of the ticket given the default group: %+v", ev)
		}
		_, s2 := d.deliver(plain, mail("bob@example.com", "support@example.com", "VPN", "v1@bob", "Down."))
		if tk2, _ := d.st.Ticket(ctx, s2.TicketID); tk2.Type != store.TypeIncident || tk2.CategoryID != nil || tk2.Status != store.StatusNew {
			t.Fatalf("ticket from a receiver without defaults: %+v", tk2)
		}
		// A reply that copies a colleague: the colleague becomes an observer;
		// the requester copied on it does not.
		dec, f := d.deliver(r, mail("alice@example.com", "printers@example.com", "Re: Toner", "t2@alice", "Any news?",
			"In-Reply-To: <t1@alice>", "Cc: Carol <carol@example.com>, alice@example.com"))
		if dec.Kind != ingest.KindFollowup || f.FollowupID == 0 {
			t.Fatalf("the reply is a %s", dec.Kind)
		}
		as, _ := d.st.TicketActors(ctx, tk.ID)
		var observers []string
		for _, a := range as {
			if a.Role == store.ActorObserver {
				observers = append(observers, a.Email)
			}
		}
		if len(observers) != 1 || observers[0] != "carol@example.com" {
			t.Fatalf("observers after the reply: %v", observers)
		}
		// Delivered twice, nothing doubles.
		if err := d.st.InTx(ctx, func(tx *store.Store) error { return d.svc.followupObservers(ctx, tx, dec, directLookups{tx}) }); err != nil {
			t.Fatal(err)
		}
		if as2, _ := d.st.TicketActors(ctx, tk.ID); len(as2) != len(as) {
			t.Fatalf("observers doubled: %d then %d", len(as), len(as2))
		}
	})
}

// TestPrivateNotesNeverMailed: a private note reaches no mail the ticket
// sends (answers by mail, the solved notice): its words are in none, and
// having no Message-ID it is not even referenced.
func TestPrivateNotesNeverMailed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		if err := d.st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderPassword, Host: "smtp.example.com", Port: 587,
			Security: "starttls", Login: "support@example.com", Password: "pw", FromName: "Support"}); err != nil {
			t.Fatal(err)
		}
		_, first := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "Printer broken", "orig@client.example", "It jams."))
		ann := d.tech("ann")
		nid, err := d.svc.AddNote(ctx, first.TicketID, ann, "Staffonly remark about Bob", true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.AnswerByMail(ctx, first.TicketID, ann, "Visible answer for Bob", false); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Solve(ctx, first.TicketID, "Visible solution", ann); err != nil {
			t.Fatal(err)
		}
		rows, _ := d.st.OutboxForTicket(ctx, first.TicketID)
		if len(rows) < 2 {
			t.Fatalf("want the answer and the solved notice queued, got %d mails", len(rows))
		}
		all := ""
		for _, row := range rows {
			m, err := d.st.OutboxMailByID(ctx, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			all += string(m.Raw)
			if m.FollowupID != nil && *m.FollowupID == nid {
				t.Error("a mail was queued for the private note")
			}
		}
		if !strings.Contains(all, "Visible answer for Bob") || !strings.Contains(all, "Visible solution") {
			t.Fatalf("the mails' words cannot be read in their raw form:\n%s", all)
		}
		if strings.Contains(all, "Staffonly") {
			t.Errorf("the private note's words were mailed:\n%s", all)
		}
		fs, _ := d.st.Followups(ctx, first.TicketID)
		for _, f := range fs {
			if f.ID == nid && (f.MessageID != "" || !f.IsPrivate) {
				t.Errorf("the private note %+v", f)
			}
		}
	})
}
