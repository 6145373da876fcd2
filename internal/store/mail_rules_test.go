package store

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
)

func mailRuleNames(t *testing.T, s *Store) string {
	t.Helper()
	rs, err := s.MailRules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i, r := range rs {
		if r.Ranking != i+1 {
			t.Errorf("rule %s has ranking %d at place %d", r.Name, r.Ranking, i+1)
		}
		names = append(names, r.Name)
	}
	return strings.Join(names, ",")
}

func TestMailRulesRoundTripAndOrder(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if rs, err := s.MailRules(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("empty store: %v %v", rs, err)
		}
		full := rules.Rule{
			Name: "  Support FR  ", Description: "mail to support-fr@ → Support FR, Printer", Active: true, Match: rules.MatchAny,
			ReceiverIDs: []int64{7, 9},
			Criteria: []rules.Criterion{
				{Field: rules.FieldTo, Condition: rules.CondContains, Pattern: "support-fr@"},
				{Field: rules.FieldHeader, Header: "X-Ticket", Condition: rules.CondRegexMatch, Pattern: `/\[CAT:(\w+)\]/i`},
			},
			Actions: []rules.Action{
				{Kind: rules.ActAssignGroup, Value: "3"},
				{Kind: rules.ActCategory, Value: "#0", FromRegex: true},
				{Kind: rules.ActStop},
			},
		}
		if err := s.SaveMailRule(ctx, &full); err != nil {
			t.Fatal(err)
		}
		if full.ID == 0 || full.Ranking != 1 || full.Name != "Support FR" {
			t.Fatalf("after insert: id %d ranking %d name %q", full.ID, full.Ranking, full.Name)
		}
		got, err := s.MailRule(ctx, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, full) {
			t.Fatalf("read back\n got %+v\nwant %+v", got, full)
		}

		// A bare rule: match defaults to AND, empty lists come back empty, not nil.
		bare := rules.Rule{Name: "bare"}
		if err := s.SaveMailRule(ctx, &bare); err != nil {
			t.Fatal(err)
		}
		got, err = s.MailRule(ctx, bare.ID)
		if err != nil || got.Match != rules.MatchAll || got.Active || got.Ranking != 2 ||
			got.ReceiverIDs == nil || len(got.ReceiverIDs) != 0 || len(got.Criteria) != 0 || len(got.Actions) != 0 {
			t.Fatalf("bare rule: %+v %v", got, err)
		}

		// An update keeps the ranking and replaces the rest.
		third := rules.Rule{Name: "third", Active: true}
		if err := s.SaveMailRule(ctx, &third); err != nil {
			t.Fatal(err)
		}
		upd := rules.Rule{ID: full.ID, Name: "Support FR (printers)", Active: false, Ranking: 99,
			Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondStartsWith, Pattern: "[printer]"}}}
		if err := s.SaveMailRule(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		got, _ = s.MailRule(ctx, full.ID)
		if upd.Ranking != 1 || got.Ranking != 1 || got.Name != "Support FR (printers)" || got.Active ||
			len(got.ReceiverIDs) != 0 || len(got.Actions) != 0 || got.Criteria[0].Pattern != "[printer]" {
			t.Fatalf("after update: %+v (ranking given back %d)", got, upd.Ranking)
		}
		if n := mailRuleNames(t, s); n != "Support FR (printers),bare,third" {
			t.Fatalf("order %s", n)
		}

		// Moves stop at either end and renumber.
		for _, step := range []struct {
			id    int64
			delta int
			want  string
		}{
			{third.ID, -1, "Support FR (printers),third,bare"},
			{third.ID, -5, "third,Support FR (printers),bare"},
			{third.ID, -1, "third,Support FR (printers),bare"},
			{bare.ID, 1, "third,Support FR (printers),bare"},
			{third.ID, 2, "Support FR (printers),bare,third"},
			{full.ID, 1, "bare,Support FR (printers),third"},
		} {
			if err := s.MoveMailRule(ctx, step.id, step.delta); err != nil {
				t.Fatal(err)
			}
			if n := mailRuleNames(t, s); n != step.want {
				t.Fatalf("move %d by %d: %s, want %s", step.id, step.delta, n, step.want)
			}
		}
		if err := s.MoveMailRule(ctx, 999999, 1); !errors.Is(err, ErrNotFound) {
			t.Fatalf("moving a missing rule: %v", err)
		}

		// A rule added after moves and a delete goes to the end.
		if err := s.DeleteMailRule(ctx, full.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMailRule(ctx, full.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		if _, err := s.MailRule(ctx, full.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("reading a deleted rule: %v", err)
		}
		last := rules.Rule{Name: "last"}
		if err := s.SaveMailRule(ctx, &last); err != nil {
			t.Fatal(err)
		}
		if last.Ranking != 3 {
			t.Fatalf("new rule ranking %d, want after the highest (2: a delete renumbers)", last.Ranking)
		}
		if err := s.MoveMailRule(ctx, bare.ID, 1); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "third,bare,last" {
			t.Fatalf("after a move the rankings are 1..n again: %s", n)
		}
	})
}

func TestMailRuleRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var msg Message
		if err := s.SaveMailRule(ctx, &rules.Rule{Name: "   "}); !errors.As(err, &msg) || !strings.Contains(string(msg), "name") {
			t.Fatalf("empty name: %v", err)
		}
		if err := s.SaveMailRule(ctx, &rules.Rule{Name: "x", Match: "XOR"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown match: %v", err)
		}
		if err := s.SaveMailRule(ctx, &rules.Rule{Name: strings.Repeat("é", 256)}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("long name: %v", err)
		}
		if err := s.SaveMailRule(ctx, &rules.Rule{Name: "x", Criteria: []rules.Criterion{{Field: rules.FieldBody, Condition: rules.CondContains, Pattern: strings.Repeat("a", MaxLongText)}}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("criteria too long: %v", err)
		}
		if err := s.SaveMailRule(ctx, &rules.Rule{ID: 424242, Name: "ghost"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("updating a missing rule: %v", err)
		}
		if rs, _ := s.MailRules(ctx); len(rs) != 0 {
			t.Fatalf("refused rules were kept: %+v", rs)
		}
	})
}

func TestReplaceMailRulesIsAllOrNothing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, n := range []string{"a", "b"} {
			if err := s.SaveMailRule(ctx, &rules.Rule{Name: n}); err != nil {
				t.Fatal(err)
			}
		}
		bad := []rules.Rule{{Name: "x"}, {Name: ""}}
		if err := s.ReplaceMailRules(ctx, bad); err == nil || !strings.Contains(err.Error(), "rule 2") {
			t.Fatalf("a bad rule in an import: %v", err)
		}
		if n := mailRuleNames(t, s); n != "a,b" {
			t.Fatalf("a refused import changed the list: %s", n)
		}
		in := []rules.Rule{{Name: "y", Ranking: 10, Active: true}, {Name: "x", Ranking: 3}, {Name: "z"}}
		if err := s.ReplaceMailRules(ctx, in); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "y,x,z" {
			t.Fatalf("imported order: %s", n)
		}
		if in[0].ID == 0 || in[2].Ranking != 3 {
			t.Fatalf("IDs and rankings not given back: %+v", in)
		}
		if err := s.ReplaceMailRules(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "" {
			t.Fatalf("an empty import leaves %s", n)
		}
	})
}

func TestSeedMailRulesOnceAndStopSetting(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		defaults := []rules.Rule{
			{Name: "GLPI notifications", Active: true, Criteria: []rules.Criterion{{Field: rules.FieldMessageID, Condition: rules.CondRegexMatch, Pattern: `^<GLPI-`}}, Actions: []rules.Action{{Kind: rules.ActRefuse}}},
			{Name: "X-Auto-Response-Suppress", Active: false},
		}
		if err := s.SaveMailRule(ctx, &rules.Rule{Name: "own"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SeedMailRulesOnce(ctx, defaults); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "own,GLPI notifications,X-Auto-Response-Suppress" {
			t.Fatalf("seeded: %s", n)
		}
		if defaults[0].ID != 0 {
			t.Fatal("seeding wrote into the caller's rules")
		}
		rs, _ := s.MailRules(ctx)
		if err := s.DeleteMailRule(ctx, rs[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SeedMailRulesOnce(ctx, defaults); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "own,X-Auto-Response-Suppress" {
			t.Fatalf("a second seeding brought back a deleted default: %s", n)
		}

		if stop, err := s.MailRulesStopOnFirstMatch(ctx); err != nil || !stop {
			t.Fatalf("default stop-at-first-match: %v %v", stop, err)
		}
		if err := s.SetMailRulesStopOnFirstMatch(ctx, false); err != nil {
			t.Fatal(err)
		}
		if stop, err := s.MailRulesStopOnFirstMatch(ctx); err != nil || stop {
			t.Fatalf("after switching off: %v %v", stop, err)
		}
		if err := s.SetMailRulesStopOnFirstMatch(ctx, true); err != nil {
			t.Fatal(err)
		}
		if stop, _ := s.MailRulesStopOnFirstMatch(ctx); !stop {
			t.Fatal("after switching on again: off")
		}
	})
}

func TestSeedMailRulesOnceRefusesABadDefaultWholly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.SeedMailRulesOnce(ctx, []rules.Rule{{Name: "ok"}, {Name: ""}}); err == nil {
			t.Fatal("a nameless default was seeded")
		}
		if n := mailRuleNames(t, s); n != "" {
			t.Fatalf("half a seeding was kept: %s", n)
		}
		if err := s.SeedMailRulesOnce(ctx, []rules.Rule{{Name: "ok"}}); err != nil {
			t.Fatal(err)
		}
		if n := mailRuleNames(t, s); n != "ok" {
			t.Fatalf("a failed seeding was remembered as done: %s", n)
		}
	})
}

// TestDeleteReceiverTakesItOutOfMailRules: deleting a receiver removes it
// from the rules' receivers and removes the criteria naming it, in the
// delete's transaction; a rule whose reach would widen is switched off,
// its history saying why; other rules are left as they are.
func TestDeleteReceiverTakesItOutOfMailRules(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var ids []int64
		for _, name := range []string{"Legacy", "Support"} {
			r := &Receiver{Name: name, Host: "imap.example.com", Port: 993, Security: "ssl", Login: name, Password: "pw"}
			if err := s.CreateReceiver(ctx, r, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		legacy, support := ids[0], ids[1]
		is := func(id int64) rules.Criterion {
			return rules.Criterion{Field: rules.FieldReceiver, Condition: rules.CondIs, Pattern: strconv.FormatInt(id, 10)}
		}
		subject := rules.Criterion{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "printer"}
		refuse := []rules.Action{{Kind: rules.ActRefuse}}
		rs := []rules.Rule{
			{Name: "only legacy", Active: true, ReceiverIDs: []int64{legacy}, Criteria: []rules.Criterion{subject}, Actions: refuse},
			{Name: "both", Active: true, ReceiverIDs: []int64{legacy, support}, Criteria: []rules.Criterion{subject}, Actions: refuse},
			{Name: "requires legacy", Active: true, Match: rules.MatchAll, Criteria: []rules.Criterion{subject, is(legacy)}, Actions: refuse},
			{Name: "any of", Active: true, Match: rules.MatchAny, Criteria: []rules.Criterion{is(legacy), is(support)}, Actions: refuse},
			{Name: "untouched", Active: true, ReceiverIDs: []int64{support}, Criteria: []rules.Criterion{is(support)}, Actions: refuse},
		}
		for i := range rs {
			if err := s.SaveMailRule(ctx, &rs[i]); err != nil {
				t.Fatal(err)
			}
		}
		naming := func(id int64) string {
			t.Helper()
			names, err := s.MailRulesNaming(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(names, ", ")
		}
		if got := naming(legacy); got != "only legacy, both, requires legacy, any of" {
			t.Errorf("rules naming Legacy before its deletion: %q", got)
		}
		if got := naming(support); got != "both, any of, untouched" {
			t.Errorf("rules naming Support: %q", got)
		}
		admin := &User{ID: 0, Login: "admin"}
		if err := s.DeleteReceiver(ctx, legacy, admin); err != nil {
			t.Fatal(err)
		}
		if got := naming(legacy); got != "" {
			t.Errorf("rules still naming the deleted receiver: %q", got)
		}
		got, err := s.MailRules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			active    bool
			receivers []int64
			criteria  []rules.Criterion
		}{
			{false, []int64{}, []rules.Criterion{subject}},
			{true, []int64{support}, []rules.Criterion{subject}},
			{false, nil, []rules.Criterion{subject}},
			{true, nil, []rules.Criterion{is(support)}},
			{true, []int64{support}, []rules.Criterion{is(support)}},
		}
		for i, w := range want {
			g := got[i]
			if g.Active != w.active || len(g.ReceiverIDs) != len(w.receivers) || (len(w.receivers) > 0 && g.ReceiverIDs[0] != w.receivers[0]) ||
				!reflect.DeepEqual(g.Criteria, w.criteria) {
				t.Errorf("rule %q after the delete: active %v, receivers %v, criteria %+v; want %v, %v, %+v",
					g.Name, g.Active, g.ReceiverIDs, g.Criteria, w.active, w.receivers, w.criteria)
			}
		}
		says := func(id int64) string {
			evs, err := s.AuditEvents(ctx, "mail_rule", id, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				out = append(out, e.Actor+": "+e.Message)
			}
			return strings.Join(out, "\n")
		}
		if h := says(got[0].ID); !strings.Contains(h, "admin: mail rule only legacy: receiver Legacy deleted") ||
			!strings.Contains(h, "switched off: the rule was limited to this receiver only") {
			t.Errorf("the switched-off rule's history does not say why: %q", h)
		}
		if h := says(got[2].ID); !strings.Contains(h, "switched off: the rule required this receiver") {
			t.Errorf("the rule requiring the receiver: history %q", h)
		}
		if h := says(got[1].ID); !strings.Contains(h, "no longer one of the rule's receivers") || strings.Contains(h, "switched off") {
			t.Errorf("the rule on both receivers: history %q", h)
		}
		if h := says(got[4].ID); h != "" {
			t.Errorf("a rule not naming the receiver got history: %q", h)
		}
		evs, err := s.AuditEvents(ctx, "receiver", legacy, 5)
		if err != nil || len(evs) == 0 || !strings.Contains(evs[0].Message, "taken out of 4 mail rules") {
			t.Fatalf("the receiver's delete audit: %+v %v", evs, err)
		}
	})
}
