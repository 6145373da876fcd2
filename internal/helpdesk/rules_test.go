package helpdesk

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// supportFR is the example: mail to support-fr@ goes to the group
// Support FR with the category Printer.
func supportFR(groupID, categoryID int64) rules.Rule {
	return rules.Rule{Ranking: 10, Name: "Support FR", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldTo, Condition: rules.CondStartsWith, Pattern: "support-fr@"}},
		Actions: []rules.Action{{Kind: rules.ActAssignGroup, Value: strconv.FormatInt(groupID, 10)}, {Kind: rules.ActCategory, Value: strconv.FormatInt(categoryID, 10)},
			{Kind: rules.ActUrgency, Value: "4"}}}
}

func (d *desk) supportFRFixtures() (*store.Group, *store.Category) {
	d.t.Helper()
	ctx := context.Background()
	g := &store.Group{Name: "Support FR", IsAssign: true}
	if err := d.st.SaveGroup(ctx, g, nil, nil); err != nil {
		d.t.Fatal(err)
	}
	c := &store.Category{Name: "Printer", IsActive: true}
	if err := d.st.SaveCategory(ctx, c, nil); err != nil {
		d.t.Fatal(err)
	}
	return g, c
}

func TestTestRulesSavesNothingAndSpeaksNames(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		g, c := d.supportFRFixtures()
		r := d.receiver("Support", "support@example.com", true)
		raw := mail("Alice <alice@example.com>", "support-fr@example.com", "Imprimante en panne", "t1@example.com", "Elle ne marche plus.")
		rs := append(rules.Defaults(), supportFR(g.ID, c.ID))
		res, err := d.svc.TestRules(ctx, raw, r.ID, rs)
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != "New ticket" || len(res.Problems) != 0 {
			t.Errorf("kind %q problems %v", res.Kind, res.Problems)
		}
		want := []string{"Technician group: Support FR", "Category: Printer", "Urgency: High"}
		if strings.Join(res.Routing, "|") != strings.Join(want, "|") {
			t.Errorf("routing %q, want %q", res.Routing, want)
		}
		if len(res.Rules) != 4 || res.Rules[1].Skipped != "Inactive" || !res.Rules[3].Matched || res.Rules[0].Matched {
			t.Fatalf("trace %+v", res.Rules)
		}
		if got := res.Rules[3].Actions; len(got) != 3 || got[0] != "Technician group: Support FR" || got[1] != "Category: Printer" {
			t.Errorf("actions %q", got)
		}
		if c := res.Rules[3].Criteria; len(c) != 1 || !c[0].Matched || !strings.Contains(c[0].Seen, "support-fr@example.com") {
			t.Errorf("criteria %+v", c)
		}
		// Nothing saved: no ticket, no quarantine.
		var n int64
		db, _ := d.st.SQLDB()
		for _, table := range []string{"tickets", "quarantine"} {
			if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s has %d rows after a test", table, n)
			}
		}
		// A refusing rule, and an invalid one reported, not fatal.
		refuse := rules.Rule{Name: "No printers", Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "imprimante"}},
			Actions:  []rules.Action{{Kind: rules.ActRefuse}}}
		bad := rules.Rule{Name: "Broken", Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondRegexMatch, Pattern: "(x"}},
			Actions:  []rules.Action{{Kind: rules.ActRefuse}}}
		res, err = d.svc.TestRules(ctx, raw, 0, []rules.Rule{bad, refuse})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Kind, "Refused") || res.Reason != "Mail rule" || !strings.Contains(res.Text, `"No printers"`) {
			t.Errorf("refusal: %q %q %q", res.Kind, res.Reason, res.Text)
		}
		if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "Broken") {
			t.Errorf("problems %q", res.Problems)
		}
	})
}

func (d *desk) actors(ticketID int64) []string {
	d.t.Helper()
	es, err := d.st.TicketActorEntries(context.Background(), ticketID)
	if err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		name := e.Name
		if e.Kind == store.ActorKindEmail {
			name = e.Email
		}
		out = append(out, e.Role+" "+e.Kind+" "+name)
	}
	as, err := d.st.TicketActors(context.Background(), ticketID)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, a := range as {
		out = append(out, a.Role+" email "+a.Email)
	}
	return out
}

func TestRulesRouteTheNewTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		g, c := d.supportFRFixtures()
		ann := d.tech("ann")
		other := &store.Group{Name: "Default group", IsAssign: true}
		if err := d.st.SaveGroup(ctx, other, nil, nil); err != nil {
			t.Fatal(err)
		}
		r := d.receiver("Support", "support@example.com", true)
		if err := d.st.SaveReceiverDefaults(ctx, r.ID, store.ReceiverDefaults{GroupID: &other.ID, Type: store.TypeRequest}, nil); err != nil {
			t.Fatal(err)
		}
		rule := supportFR(g.ID, c.ID)
		rule.Actions = append(rule.Actions, rules.Action{Kind: rules.ActObserverUser, Value: strconv.FormatInt(ann.ID, 10)},
			rules.Action{Kind: rules.ActObserverEmail, Value: "manager@example.com"}, rules.Action{Kind: rules.ActType, Value: "1"})
		if err := d.st.SaveMailRule(ctx, &rule); err != nil {
			t.Fatal(err)
		}
		dec, saved := d.deliver(r, mail("Alice <alice@example.com>", "support-fr@example.com", "Imprimante", "r1@example.com", "En panne."))
		if dec.Kind != "ticket" || saved.TicketID == 0 || !strings.Contains(dec.Reason.Text, `Mail rule applied: "Support FR".`) {
			t.Fatalf("decision %s %q", dec.Kind, dec.Reason.Text)
		}
		tk, err := d.st.Ticket(ctx, saved.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.CategoryID == nil || *tk.CategoryID != c.ID || tk.Urgency != 4 || tk.Type != store.TypeIncident || tk.Status != store.StatusAssigned {
			t.Errorf("ticket category %v urgency %d type %d status %d", tk.CategoryID, tk.Urgency, tk.Type, tk.Status)
		}
		m, err := d.st.LoadPriorityMatrix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := m.Priority(4, tk.Impact); tk.Priority != want {
			t.Errorf("priority %d, want %d from the matrix", tk.Priority, want)
		}
		got := strings.Join(d.actors(tk.ID), "|")
		for _, want := range []string{"assigned group Support FR", "observer user Ann", "observer email manager@example.com"} {
			if !strings.Contains(got, want) {
				t.Errorf("actors %s lack %q", got, want)
			}
		}
		if strings.Contains(got, "Default group") {
			t.Errorf("the rule's group must replace the receiver's default group: %s", got)
		}
		hist := strings.Join(d.history(tk.ID), "\n")
		if !strings.Contains(hist, `ticket.rules: By rule "Support FR": Technician group: Support FR; Category: Printer; Urgency: High; Observer: Ann; Observer e-mail: manager@example.com; Type: Incident`) {
			t.Errorf("history lacks the rule's audit:\n%s", hist)
		}
		// A group deleted since the rule was written is skipped, not fatal.
		if err := d.st.DeleteGroup(ctx, g.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, saved = d.deliver(r, mail("Bob <bob@example.com>", "support-fr@example.com", "Encore", "r2@example.com", "Toujours.")); saved.TicketID == 0 {
			t.Fatal("no ticket once the rule's group is gone")
		}
		if got := strings.Join(d.actors(saved.TicketID), "|"); strings.Contains(got, "assigned group") {
			t.Errorf("actors %s", got)
		}
	})
}

func TestRuleRefusalAnswersWhenAsked(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("Support", "support@example.com", true)
		d.sending(r)
		rule := rules.Rule{Name: "No sales pitches", Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "offer"}},
			Actions:  []rules.Action{{Kind: rules.ActRefuseWithAnswer}}}
		if err := d.st.SaveMailRule(ctx, &rule); err != nil {
			t.Fatal(err)
		}
		dec, saved := d.deliver(r, mail("Seller <seller@example.org>", "support@example.com", "Special offer", "s1@example.org", "Buy."))
		if dec.Kind != "refused" || saved.QuarantineID == 0 {
			t.Fatalf("decision %s", dec.Kind)
		}
		out := d.outbox(store.MailRefusal)
		if len(out) != 1 || out[0].Recipients != "seller@example.org" || out[0].Subject != "Re: Special offer" ||
			!strings.Contains(string(out[0].Raw), "Your email could not be processed.") || !strings.Contains(string(out[0].Raw), "Auto-Submitted: auto-replied") {
			t.Fatalf("outbox %+v", out)
		}
		// A machine's mail is never answered, even when the rule asks.
		d.deliver(r, mail("Robot <robot@example.org>", "support@example.com", "Offer of the day", "s2@example.org", "Buy.", "Precedence: bulk"))
		if n := len(d.outbox(store.MailRefusal)); n != 1 {
			t.Errorf("%d refusal answers, want the first only", n)
		}
	})
}
