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
