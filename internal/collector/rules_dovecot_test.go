package collector

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestDovecotMailRulesRouteAndRefuse: with GLPI's default rules seeded and
// "mail to support-fr@ → group Support FR, category Printer" stored, real
// mail through Dovecot lands assigned and classified that way (audited by
// the rule, the ticket's why naming it), an automatic mail is refused by
// the default rule, and a rule switched off in the store applies to the
// next run of the same collector, without restart.
func TestDovecotMailRulesRouteAndRefuse(t *testing.T) {
	de := newDovecotEnv(t)
	ctx := context.Background()
	g := &store.Group{Name: "Support FR", IsAssign: true}
	if err := de.st.SaveGroup(ctx, g, nil, nil); err != nil {
		t.Fatal(err)
	}
	cat := &store.Category{Name: "Printer", IsActive: true}
	if err := de.st.SaveCategory(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	if err := de.st.SeedMailRulesOnce(ctx, rules.Defaults()); err != nil {
		t.Fatal(err)
	}
	rule := rules.Rule{Name: "Support FR", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldTo, Condition: rules.CondStartsWith, Pattern: "support-fr@"}},
		Actions:  []rules.Action{{Kind: rules.ActAssignGroup, Value: strconv.FormatInt(g.ID, 10)}, {Kind: rules.ActCategory, Value: strconv.FormatInt(cat.ID, 10)}}}
	if err := de.st.SaveMailRule(ctx, &rule); err != nil {
		t.Fatal(err)
	}
	toSupportFR := func(subject string, extra string) []byte {
		return []byte(fmt.Sprintf("From: Marie <marie@example.fr>\r\nTo: support-fr@example.com\r\nSubject: %s\r\nMessage-ID: <%s@example.fr>\r\n"+
			"Date: Mon, 2 Jun 2025 10:00:00 +0000\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\nElle ne marche plus.\r\n",
			subject, strings.ReplaceAll(subject, " ", "-"), extra))
	}
	de.d.Deliver(t, alice, "INBOX", toSupportFR("Imprimante en panne", ""))
	de.d.Deliver(t, alice, "INBOX", mail("", "Not for Support FR"))
	de.d.Deliver(t, alice, "INBOX", toSupportFR("Monitoring alert", "Auto-Submitted: auto-generated\r\n"))
	r := de.receiver("dovecot rules", "ssl", nil)
	c := de.collector(nil)
	run := de.mustCollect(c, r.ID)
	if run.Retrieved != 3 || run.Refused != 1 || de.tickets() != 2 {
		t.Fatalf("run %+v with %d tickets; want 3 retrieved, 1 refused, 2 tickets", run, de.tickets())
	}
	routed := de.ticketBySubject("Imprimante en panne")
	if routed.CategoryID == nil || *routed.CategoryID != cat.ID || routed.Status != store.StatusAssigned {
		t.Errorf("routed ticket: category %v status %d", routed.CategoryID, routed.Status)
	}
	if !strings.Contains(routed.DecisionReason, `Mail rule applied: "Support FR".`) {
		t.Errorf("the ticket's why does not name the rule: %q", routed.DecisionReason)
	}
	if got := de.groupsOf(routed.ID); got != "assigned Support FR" {
		t.Errorf("routed ticket groups %q", got)
	}
	hist, err := de.st.TicketHistory(ctx, routed.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range hist {
		audited = audited || e.Kind == "ticket.rules" && strings.Contains(e.Message, `By rule "Support FR": Technician group: Support FR; Category: Printer`)
	}
	if !audited {
		t.Errorf("no audit row by the rule: %+v", hist)
	}
	if other := de.ticketBySubject("Not for Support FR"); other.CategoryID != nil || de.groupsOf(other.ID) != "" {
		t.Errorf("a mail to another address was routed: category %v groups %q", other.CategoryID, de.groupsOf(other.ID))
	}
	if n := de.count("SELECT COUNT(*) FROM quarantine WHERE subject = 'Monitoring alert' AND reason = 'auto_notification'"); n != 1 {
		t.Errorf("the automatic mail is not refused by the default rule (%d rows)", n)
	}

	// The admin switches the rule off: the next run applies it, same
	// collector, no restart.
	rule.Active = false
	if err := de.st.SaveMailRule(ctx, &rule); err != nil {
		t.Fatal(err)
	}
	de.d.Deliver(t, alice, "INBOX", toSupportFR("Imprimante encore", ""))
	de.mustCollect(c, r.ID)
	if again := de.ticketBySubject("Imprimante encore"); again.CategoryID != nil || de.groupsOf(again.ID) != "" {
		t.Errorf("the switched-off rule still routed: category %v groups %q", again.CategoryID, de.groupsOf(again.ID))
	}
}

func (e *env) ticketBySubject(title string) *store.Ticket {
	e.t.Helper()
	var id int64
	if err := e.sqlDB().QueryRow("SELECT id FROM tickets WHERE title = ?", title).Scan(&id); err != nil {
		e.t.Fatalf("ticket %q: %v", title, err)
	}
	tk, err := e.st.Ticket(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) groupsOf(ticketID int64) string {
	e.t.Helper()
	es, err := e.st.TicketActorEntries(context.Background(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range es {
		if a.Kind == store.ActorKindGroup {
			out = append(out, a.Role+" "+a.Name)
		}
	}
	return strings.Join(out, ", ")
}

// TestDovecotRulesAskTheStoreForMailsDecidedAhead: the mails of a batch are
// decided ahead, in parallel, through a probe of the store; rules that ask
// the store (a known requester, a category named by a capture) route them
// as they would a mail decided inside the transaction.
func TestDovecotRulesAskTheStoreForMailsDecidedAhead(t *testing.T) {
	de := newDovecotEnv(t)
	ctx := context.Background()
	g := &store.Group{Name: "Known customers", IsAssign: true}
	if err := de.st.SaveGroup(ctx, g, nil, nil); err != nil {
		t.Fatal(err)
	}
	cat := &store.Category{Name: "Printer", IsActive: true}
	if err := de.st.SaveCategory(ctx, cat, nil); err != nil {
		t.Fatal(err)
	}
	if err := de.st.CreateUser(ctx, &store.User{Login: "marie", Name: "Marie", Email: "marie@example.fr", Role: store.RoleTechnician, IsActive: true}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []rules.Rule{
		{Name: "Known requesters", Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldRequesterKnown, Condition: rules.CondIs, Pattern: "1"}},
			Actions:  []rules.Action{{Kind: rules.ActAssignGroup, Value: strconv.FormatInt(g.ID, 10)}}},
		{Name: "Category from the subject", Active: true, Match: rules.MatchAll,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondRegexMatch, Pattern: `/\[CAT:(\w+)\]/`}},
			Actions:  []rules.Action{{Kind: rules.ActCategory, Value: "#0", FromRegex: true}}},
	} {
		if err := de.st.SaveMailRule(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := de.st.SetMailRulesStopOnFirstMatch(ctx, false); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		from := "Marie <marie@example.fr>"
		if i%2 == 1 {
			from = "Paul <paul@elsewhere.example>"
		}
		de.d.Deliver(t, alice, "INBOX", mail(from, fmt.Sprintf("[CAT:printer] jam %d", i)))
	}
	r := de.receiver("dovecot rules ahead", "ssl", nil)
	if run := de.mustCollect(de.collector(nil), r.ID); run.Retrieved != 6 || de.tickets() != 6 {
		t.Fatalf("run %+v with %d tickets; want 6 and 6", run, de.tickets())
	}
	for i := range 6 {
		tk := de.ticketBySubject(fmt.Sprintf("[CAT:printer] jam %d", i))
		if tk.CategoryID == nil || *tk.CategoryID != cat.ID {
			t.Errorf("mail %d: category %v, want Printer from the subject", i, tk.CategoryID)
		}
		want := ""
		if i%2 == 0 {
			want = "assigned Known customers"
		}
		if got := de.groupsOf(tk.ID); got != want {
			t.Errorf("mail %d from a %s: groups %q, want %q", i, map[bool]string{true: "known user", false: "stranger"}[i%2 == 0], got, want)
		}
	}
}
