package ingest

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// ruleKnowledge is the fake store that also answers the rules.
type ruleKnowledge struct {
	*fakeKnowledge
	groups map[string]int64
}

func (k ruleKnowledge) RequesterKnown(_ context.Context, email string) (bool, error) {
	return email == "alice@example.com", nil
}
func (k ruleKnowledge) RequesterGroups(context.Context, string) ([]int64, error) { return nil, nil }
func (k ruleKnowledge) KnownDomain(_ context.Context, d string) (bool, error) {
	return d == "example.com", nil
}
func (k ruleKnowledge) CategoryByName(_ context.Context, n string) (int64, bool, error) {
	if strings.EqualFold(n, "printer") {
		return 31, true, nil
	}
	return 0, false, nil
}
func (k ruleKnowledge) GroupByName(_ context.Context, n string) (int64, bool, error) {
	id, ok := k.groups[strings.ToLower(n)]
	if k.fail {
		return 0, false, errStoreDown
	}
	return id, ok, nil
}

func withRules(t *testing.T, rs ...rules.Rule) Settings {
	t.Helper()
	set, err := rules.Compile(append(rules.Defaults(), rs...))
	if err != nil {
		t.Fatal(err)
	}
	s := testSettings()
	s.Rules, s.ReceiverID = set, 5
	return s
}

func decideWith(t *testing.T, raw []byte, s Settings, k Knowledge) *Decision {
	t.Helper()
	d, err := Decide(context.Background(), raw, s, k, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultAutoSubmittedRuleDecides(t *testing.T) {
	raw := buildMail(map[string]string{"From": "monitor@example.com", "Subject": "Disk full", "Auto-Submitted": "auto-generated"}, "Disk /var is full.")
	d := decideWith(t, raw, withRules(t), newFakeKnowledge())
	if d.Kind != KindRefused || d.Reason.Code != ReasonAutoNotification || d.Rules == nil || d.Rules.RefusedBy != rules.DefaultAutoReplyAutoSubmitted {
		t.Fatalf("got %s %s by %+v, want refused by the default rule", d.Kind, d.Reason.Code, d.Rules)
	}
	// The admin switches the rule off: the mail is imported, as GLPI would,
	// and still never answered automatically.
	rs := rules.Defaults()
	for i := range rs {
		rs[i].Active = rs[i].Name != rules.DefaultAutoReplyAutoSubmitted
	}
	set, _ := rules.Compile(rs)
	s := testSettings()
	s.Rules = set
	d = decideWith(t, raw, s, newFakeKnowledge())
	if d.Kind != KindTicket || !d.Automatic || !strings.Contains(d.Reason.Text, "no mail rule refuses it") {
		t.Errorf("rule off: got %s automatic=%v %q, want an automatic ticket saying why", d.Kind, d.Automatic, d.Reason.Text)
	}
	// No rule at all (a database not seeded yet): the fixed check refuses.
	empty, _ := rules.Compile(nil)
	s.Rules = empty
	if d = decideWith(t, raw, s, newFakeKnowledge()); d.Kind != KindRefused || d.Reason.Code != ReasonAutoNotification {
		t.Errorf("no rules: got %s %s", d.Kind, d.Reason.Code)
	}
}

func TestRuleRefusal(t *testing.T) {
	r := rules.Rule{Name: "No newsletters", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: "newsletter"}},
		Actions:  []rules.Action{{Kind: rules.ActRefuseWithAnswer}}}
	raw := buildMail(map[string]string{"From": "alice@example.com", "Subject": "Our November newsletter"}, "News.")
	d := decideWith(t, raw, withRules(t, r), newFakeKnowledge())
	if d.Kind != KindRefused || d.Reason.Code != ReasonRule || !strings.Contains(d.Reason.Text, `"No newsletters"`) || !d.Rules.RefuseWithAnswer {
		t.Fatalf("got %s %s %q, want refused by the rule, with an answer", d.Kind, d.Reason.Code, d.Reason.Text)
	}
	if ReasonLabel(ReasonRule) != "Mail rule" {
		t.Errorf("label %q", ReasonLabel(ReasonRule))
	}
	s := withRules(t, r)
	s.ImportAnyway = true
	if d = decideWith(t, raw, s, newFakeKnowledge()); d.Kind != KindTicket || !strings.Contains(d.Reason.Text, "Imported anyway") {
		t.Errorf("import anyway: got %s %q", d.Kind, d.Reason.Text)
	}
}

func TestRuleRouting(t *testing.T) {
	r := rules.Rule{Name: "Support FR", Active: true, Match: rules.MatchAll, ReceiverIDs: []int64{5},
		Criteria: []rules.Criterion{
			{Field: rules.FieldTo, Condition: rules.CondIs, Pattern: "support-fr@example.com"},
			{Field: rules.FieldBody, Condition: rules.CondRegexMatch, Pattern: `/imprimante (\w+)/i`},
			{Field: rules.FieldRequesterKnown, Condition: rules.CondIs, Pattern: "1"},
		},
		Actions: []rules.Action{{Kind: rules.ActAssignGroup, Value: "Support #0", FromRegex: true}, {Kind: rules.ActCategory, Value: "31"}, {Kind: rules.ActUrgency, Value: "4"}}}
	raw := buildMail(map[string]string{"From": "Alice <alice@example.com>", "To": "support-fr@example.com", "Subject": "Panne",
		"Content-Type": "text/html; charset=utf-8"}, "<p>L'<b>imprimante</b> <i>FR</i> est en panne.</p>")
	k := ruleKnowledge{newFakeKnowledge(), map[string]int64{"support fr": 12}}
	d := decideWith(t, raw, withRules(t, r), k)
	if d.Kind != KindTicket || d.Rules == nil {
		t.Fatalf("got %s, rules %+v", d.Kind, d.Rules)
	}
	if !reflect.DeepEqual(d.Rules.AssignGroups, []int64{12}) || d.Rules.CategoryID == nil || *d.Rules.CategoryID != 31 || d.Rules.Urgency != 4 {
		t.Errorf("routing %+v", d.Rules)
	}
	if !strings.Contains(d.Reason.Text, `Mail rule applied: "Support FR".`) {
		t.Errorf("reason %q does not name the rule", d.Reason.Text)
	}
	// Another receiver: the rule does not apply.
	s := withRules(t, r)
	s.ReceiverID = 6
	if d = decideWith(t, raw, s, k); d.Rules.Routes() {
		t.Errorf("other receiver routed: %+v", d.Rules)
	}
	// A failing store is an error (the mail is decided again later), not a
	// decision without the rule.
	if _, err := Decide(context.Background(), raw, withRules(t, r), ruleKnowledge{&fakeKnowledge{fail: true, tickets: map[int64]TicketRef{}}, nil}, testNow); err == nil {
		t.Error("failing store: no error")
	}
}

func TestRuleExternalID(t *testing.T) {
	r := rules.Rule{Name: "Vendor case", Active: true, Match: rules.MatchAll,
		Criteria: []rules.Criterion{{Field: rules.FieldSubject, Condition: rules.CondRegexMatch, Pattern: `\[HD-(\d+)\]`}},
		Actions:  []rules.Action{{Kind: rules.ActExternalID, Value: "#0", FromRegex: true}}}
	for _, tc := range []struct {
		subject string
		kind    string
		ticket  int64
		words   string
	}{
		{"Update on [HD-303]", KindFollowup, 303, "Follow-up of ticket 303"},
		{"Update on [HD-202]", KindTicket, 0, "which is closed"},
		{"Update on [HD-999]", KindTicket, 0, "which does not exist"},
	} {
		raw := buildMail(map[string]string{"From": "vendor@example.org", "Subject": tc.subject}, "Status changed.")
		d := decideWith(t, raw, withRules(t, r), newFakeKnowledge())
		if d.Kind != tc.kind || d.TicketID != tc.ticket || !strings.Contains(d.Reason.Text, tc.words) {
			t.Errorf("%s: got %s %d %q", tc.subject, d.Kind, d.TicketID, d.Reason.Text)
		}
	}
}
