package rules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// fakeEnv answers like a small helpdesk.
type fakeEnv struct {
	users      map[string][]int64 // e-mail -> groups
	domains    map[string]bool
	categories map[string]int64 // lower-case name or path -> id
	groups     map[string]int64
	fail       error
	asked      int
}

func (e *fakeEnv) RequesterKnown(_ context.Context, email string) (bool, error) {
	e.asked++
	_, ok := e.users[email]
	return ok, e.fail
}
func (e *fakeEnv) RequesterGroups(_ context.Context, email string) ([]int64, error) {
	e.asked++
	return e.users[email], e.fail
}
func (e *fakeEnv) KnownDomain(_ context.Context, d string) (bool, error) {
	e.asked++
	return e.domains[d], e.fail
}
func (e *fakeEnv) CategoryByName(_ context.Context, n string) (int64, bool, error) {
	e.asked++
	id, ok := e.categories[strings.ToLower(n)]
	return id, ok, e.fail
}
func (e *fakeEnv) GroupByName(_ context.Context, n string) (int64, bool, error) {
	e.asked++
	id, ok := e.groups[strings.ToLower(n)]
	return id, ok, e.fail
}

func newEnv() *fakeEnv {
	return &fakeEnv{
		users:      map[string][]int64{"alice@example.com": {7, 9}},
		domains:    map[string]bool{"example.com": true},
		categories: map[string]int64{"printer": 31, "hardware > printer": 31, "network": 32},
		groups:     map[string]int64{"support fr": 12},
	}
}

func sampleMail() Mail {
	return Mail{
		ReceiverID: 3,
		From:       "alice@example.com",
		To:         []string{"support-fr@example.com", "other@example.com"},
		Cc:         []string{"boss@example.com"},
		Subject:    "Printer jammed [CAT:Network]",
		Body:       "Hello,\nthe printer on floor 2 is jammed again.\n",
		Headers: []Header{
			{"From", "Alice <alice@example.com>"}, {"To", "support-fr@example.com, other@example.com"},
			{"Subject", "Printer jammed [CAT:Network]"}, {"Message-ID", "<abc@example.com>"},
			{"Received", "from a.example.com"}, {"Received", "from b.example.net"}, {"X-Mailer", "Thunderbird 128"},
			{"X-Priority", "1 (Highest)"},
		},
		Size:           4096,
		HasAttachments: true,
	}
}

func mustCompile(t testing.TB, rs ...Rule) *Set {
	t.Helper()
	s, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rule(name string, c Criterion, acts ...Action) Rule {
	if len(acts) == 0 {
		acts = []Action{{Kind: ActType, Value: "1"}}
	}
	return Rule{Name: name, Active: true, Match: MatchAll, Criteria: []Criterion{c}, Actions: acts}
}

func TestConditions(t *testing.T) {
	cases := []struct {
		c    Criterion
		want bool
	}{
		{Criterion{Field: FieldFrom, Condition: CondIs, Pattern: "ALICE@example.com"}, true},
		{Criterion{Field: FieldFrom, Condition: CondIs, Pattern: "bob@example.com"}, false},
		{Criterion{Field: FieldFrom, Condition: CondIsNot, Pattern: "bob@example.com"}, true},
		{Criterion{Field: FieldFrom, Condition: CondIsNot, Pattern: "alice@example.com"}, false},
		{Criterion{Field: FieldTo, Condition: CondIs, Pattern: "other@example.com"}, true},   // any recipient
		{Criterion{Field: FieldTo, Condition: CondStartsWith, Pattern: "support-fr@"}, true}, // any recipient
		{Criterion{Field: FieldTo, Condition: CondIsNot, Pattern: "other@example.com"}, false},
		{Criterion{Field: FieldCc, Condition: CondEndsWith, Pattern: "@example.com"}, true},
		{Criterion{Field: FieldCc, Condition: CondEndsWith, Pattern: "@example.org"}, false},
		{Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "JAMMED"}, true},
		{Criterion{Field: FieldSubject, Condition: CondNotContains, Pattern: "jammed"}, false},
		{Criterion{Field: FieldSubject, Condition: CondNotContains, Pattern: "toner"}, true},
		{Criterion{Field: FieldSubject, Condition: CondStartsWith, Pattern: "printer"}, true},
		{Criterion{Field: FieldSubject, Condition: CondEndsWith, Pattern: "]"}, true},
		{Criterion{Field: FieldBody, Condition: CondContains, Pattern: "floor 2"}, true},
		{Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: `floor \d+`}, true},
		{Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: `/FLOOR/`}, false},
		{Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: `/FLOOR/i`}, true},
		{Criterion{Field: FieldBody, Condition: CondRegexNotMatch, Pattern: `/toner/i`}, true},
		{Criterion{Field: FieldBody, Condition: CondRegexNotMatch, Pattern: `jammed`}, false},
		{Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: `/^the printer/m`}, true},
		{Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: `/^the printer/`}, false},
		{Criterion{Field: FieldMessageID, Condition: CondContains, Pattern: "abc@"}, true},
		{Criterion{Field: FieldInReplyTo, Condition: CondNotExists}, true},
		{Criterion{Field: FieldInReplyTo, Condition: CondExists}, false},
		{Criterion{Field: FieldReferences, Condition: CondIsNot, Pattern: "x"}, true},
		{Criterion{Field: FieldXPriority, Condition: CondStartsWith, Pattern: "1"}, true},
		{Criterion{Field: FieldAutoSubmitted, Condition: CondExists}, false},
		{Criterion{Field: FieldXAutoResponseSuppress, Condition: CondNotExists}, true},
		{Criterion{Field: FieldXUCEStatus, Condition: CondContains, Pattern: "spam"}, false},
		{Criterion{Field: FieldReceived, Condition: CondContains, Pattern: "b.example.net"}, true}, // each one
		{Criterion{Field: FieldHeader, Header: "x-mailer", Condition: CondStartsWith, Pattern: "thunderbird"}, true},
		{Criterion{Field: FieldHeader, Header: "X-Spam", Condition: CondExists}, false},
		{Criterion{Field: FieldHeaders, Condition: CondRegexMatch, Pattern: `(?m)^X-Mailer: Thunderbird`}, true},
		{Criterion{Field: FieldRequesterKnown, Condition: CondIs, Pattern: "1"}, true},
		{Criterion{Field: FieldRequesterKnown, Condition: CondIsNot, Pattern: "1"}, false},
		{Criterion{Field: FieldRequesterGroups, Condition: CondIs, Pattern: "9"}, true},
		{Criterion{Field: FieldRequesterGroups, Condition: CondIs, Pattern: "8"}, false},
		{Criterion{Field: FieldRequesterGroups, Condition: CondIsNot, Pattern: "8"}, true},
		{Criterion{Field: FieldKnownDomain, Condition: CondIs, Pattern: "1"}, true},
		{Criterion{Field: FieldHasAttachments, Condition: CondIs, Pattern: "0"}, false},
		{Criterion{Field: FieldSize, Condition: CondUnder, Pattern: "5000"}, true},
		{Criterion{Field: FieldSize, Condition: CondNotUnder, Pattern: "5000"}, false},
		{Criterion{Field: FieldSize, Condition: CondIs, Pattern: "4096"}, true},
		{Criterion{Field: FieldReceiver, Condition: CondIs, Pattern: "3"}, true},
		{Criterion{Field: FieldReceiver, Condition: CondIsNot, Pattern: "3"}, false},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d_%s_%s", i, tc.c.Field, tc.c.Condition), func(t *testing.T) {
			s := mustCompile(t, rule("r", tc.c))
			res := s.Evaluate(context.Background(), sampleMail(), 3, newEnv())
			if got := len(res.Applied) == 1; got != tc.want {
				t.Errorf("%s: matched %v, want %v (trace %+v)", tc.c.Words(), got, tc.want, res.Trace)
			}
			if len(res.Trace) != 1 || len(res.Trace[0].Criteria) != 1 || res.Trace[0].Criteria[0].Matched != tc.want {
				t.Errorf("trace does not say the criterion matched=%v: %+v", tc.want, res.Trace)
			}
		})
	}
}

func TestActions(t *testing.T) {
	match := Criterion{Field: FieldTo, Condition: CondIs, Pattern: "support-fr@example.com"}
	cat := int64(31)
	grp := int64(12)
	cases := []struct {
		a    Action
		want Result
	}{
		{Action{Kind: ActRefuse}, Result{Refuse: true, RefusedBy: "r"}},
		{Action{Kind: ActRefuseWithAnswer}, Result{Refuse: true, RefuseWithAnswer: true, RefusedBy: "r"}},
		{Action{Kind: ActAssignUser, Value: "5"}, Result{AssignUsers: []int64{5}}},
		{Action{Kind: ActAssignGroup, Value: "12"}, Result{AssignGroups: []int64{12}}},
		{Action{Kind: ActObserverUser, Value: "6"}, Result{ObserverUsers: []int64{6}}},
		{Action{Kind: ActObserverGroup, Value: "12"}, Result{ObserverGroups: []int64{12}}},
		{Action{Kind: ActObserverEmail, Value: "Boss@Example.com"}, Result{ObserverEmails: []string{"boss@example.com"}}},
		{Action{Kind: ActCategory, Value: "31"}, Result{CategoryID: &cat}},
		{Action{Kind: ActType, Value: "2"}, Result{Type: 2}},
		{Action{Kind: ActUrgency, Value: "5"}, Result{Urgency: 5}},
		{Action{Kind: ActImpact, Value: "1"}, Result{Impact: 1}},
		{Action{Kind: ActRequesterGroup, Value: "12"}, Result{RequesterGroupID: &grp}},
		{Action{Kind: ActExternalID, Value: "42"}, Result{FollowupOf: 42}},
		{Action{Kind: ActStop}, Result{}},
	}
	for _, tc := range cases {
		t.Run(string(tc.a.Kind), func(t *testing.T) {
			s := mustCompile(t, rule("r", match, tc.a))
			res := s.Evaluate(context.Background(), sampleMail(), 3, newEnv())
			res.Trace, res.Applied = nil, nil
			if !reflect.DeepEqual(res, tc.want) {
				t.Errorf("got %+v, want %+v", res, tc.want)
			}
		})
	}
}

func TestCaptureDrivenCategoryAndGroup(t *testing.T) {
	r := Rule{Name: "category from the subject", Active: true, Match: MatchAll,
		Criteria: []Criterion{{Field: FieldSubject, Condition: CondRegexMatch, Pattern: `/\[CAT:(\w+)\]/i`}},
		Actions: []Action{
			{Kind: ActCategory, Value: "#0", FromRegex: true},
			{Kind: ActAssignGroup, Value: "Support #0", FromRegex: true},
		}}
	env := newEnv()
	env.groups["support network"] = 44
	res := mustCompile(t, r).Evaluate(context.Background(), sampleMail(), 3, env)
	if res.CategoryID == nil || *res.CategoryID != 32 {
		t.Errorf("category %v, want 32 (Network from [CAT:Network])", res.CategoryID)
	}
	if !reflect.DeepEqual(res.AssignGroups, []int64{44}) {
		t.Errorf("groups %v, want [44] (Support Network)", res.AssignGroups)
	}
	// A capture naming no category leaves it unset and says so.
	m := sampleMail()
	m.Subject = "[CAT:Coffee] machine"
	res = mustCompile(t, r).Evaluate(context.Background(), m, 3, env)
	if res.CategoryID != nil {
		t.Errorf("category %v for an unknown name, want none", *res.CategoryID)
	}
	if got := res.Trace[0].Actions[0]; got.Note == "" || got.Value != "Coffee" {
		t.Errorf("trace %+v, want the unknown name with a note", got)
	}
}

func TestExternalIDFromCapture(t *testing.T) {
	r := Rule{Name: "vendor ticket", Active: true, Match: MatchAll,
		Criteria: []Criterion{{Field: FieldHeader, Header: "X-Ticket", Condition: CondRegexMatch, Pattern: `^#?0*(\d+)$`}},
		Actions:  []Action{{Kind: ActExternalID, Value: "#0", FromRegex: true}}}
	m := sampleMail()
	m.Headers = append(m.Headers, Header{"X-Ticket", "#000123"})
	res := mustCompile(t, r).Evaluate(context.Background(), m, 3, nil)
	if res.FollowupOf != 123 {
		t.Errorf("follow-up of %d, want 123", res.FollowupOf)
	}
}

func TestStopOnFirstMatchVersusAll(t *testing.T) {
	to := Criterion{Field: FieldTo, Condition: CondContains, Pattern: "support-fr"}
	subj := Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "printer"}
	rs := []Rule{
		{Ranking: 2, Name: "printer", Active: true, Match: MatchAll, Criteria: []Criterion{subj},
			Actions: []Action{{Kind: ActCategory, Value: "31"}, {Kind: ActUrgency, Value: "4"}}},
		{Ranking: 1, Name: "support fr", Active: true, Match: MatchAll, Criteria: []Criterion{to},
			Actions: []Action{{Kind: ActAssignGroup, Value: "12"}, {Kind: ActUrgency, Value: "2"}}},
	}
	s := mustCompile(t, rs...)
	res := s.Evaluate(context.Background(), sampleMail(), 3, nil)
	if !reflect.DeepEqual(res.Applied, []string{"support fr"}) || res.CategoryID != nil || res.Urgency != 2 {
		t.Errorf("stop on first match: applied %v, category %v, urgency %d", res.Applied, res.CategoryID, res.Urgency)
	}
	if res.Trace[1].Skipped != "stopped" {
		t.Errorf("second rule trace %+v, want skipped: stopped", res.Trace[1])
	}
	s.StopOnFirstMatch = false
	res = s.Evaluate(context.Background(), sampleMail(), 3, nil)
	if !reflect.DeepEqual(res.Applied, []string{"support fr", "printer"}) || res.CategoryID == nil || res.Urgency != 4 ||
		!reflect.DeepEqual(res.AssignGroups, []int64{12}) {
		t.Errorf("all rules: applied %v, category %v, urgency %d (the later rule wins), groups %v", res.Applied, res.CategoryID, res.Urgency, res.AssignGroups)
	}
	// A stop action stops even when every rule is evaluated.
	rs[1].Actions = append(rs[1].Actions, Action{Kind: ActStop})
	s = mustCompile(t, rs...)
	s.StopOnFirstMatch = false
	if res = s.Evaluate(context.Background(), sampleMail(), 3, nil); len(res.Applied) != 1 {
		t.Errorf("stop action: applied %v, want the first rule only", res.Applied)
	}
}

func TestSkippedRulesAndMatchAny(t *testing.T) {
	miss := Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "toner"}
	hit := Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "printer"}
	rs := []Rule{
		{Ranking: 1, Name: "inactive", Active: false, Match: MatchAll, Criteria: []Criterion{hit}, Actions: []Action{{Kind: ActRefuse}}},
		{Ranking: 2, Name: "other receiver", Active: true, ReceiverIDs: []int64{8}, Match: MatchAll, Criteria: []Criterion{hit}, Actions: []Action{{Kind: ActRefuse}}},
		{Ranking: 3, Name: "all", Active: true, Match: MatchAll, Criteria: []Criterion{miss, hit}, Actions: []Action{{Kind: ActRefuse}}},
		{Ranking: 4, Name: "any", Active: true, ReceiverIDs: []int64{3}, Match: MatchAny, Criteria: []Criterion{miss, hit}, Actions: []Action{{Kind: ActUrgency, Value: "5"}}},
	}
	res := mustCompile(t, rs...).Evaluate(context.Background(), sampleMail(), 3, nil)
	if res.Refuse || !reflect.DeepEqual(res.Applied, []string{"any"}) {
		t.Fatalf("applied %v refuse %v, want only \"any\"", res.Applied, res.Refuse)
	}
	want := []string{"inactive", "other receiver", "", ""}
	for i, tr := range res.Trace {
		if tr.Skipped != want[i] {
			t.Errorf("rule %q skipped %q, want %q", tr.Name, tr.Skipped, want[i])
		}
	}
	if c := res.Trace[2].Criteria; len(c) != 2 || c[0].Matched || c[1].Seen == "" || c[1].Matched {
		t.Errorf("all: the second criterion is shown as not evaluated: %+v", c)
	}
	if c := res.Trace[3].Criteria; len(c) != 2 || c[0].Matched || !c[1].Matched || c[1].Seen != sampleMail().Subject {
		t.Errorf("any: %+v", c)
	}
}

func TestEnvAskedLazilyAndErrors(t *testing.T) {
	env := newEnv()
	s := mustCompile(t, rule("known", Criterion{Field: FieldRequesterKnown, Condition: CondIs, Pattern: "1"}),
		rule("not known", Criterion{Field: FieldRequesterKnown, Condition: CondIs, Pattern: "0"}),
		rule("subject", Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "x"}))
	s.StopOnFirstMatch = false
	s.Evaluate(context.Background(), sampleMail(), 3, env)
	if env.asked != 1 {
		t.Errorf("the store was asked %d times, want once per mail", env.asked)
	}
	none := &fakeEnv{}
	mustCompile(t, rule("subject", Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "x"})).Evaluate(context.Background(), sampleMail(), 3, none)
	if none.asked != 0 {
		t.Errorf("the store was asked %d times for a rule that does not need it", none.asked)
	}
	env.fail = errors.New("database down")
	res := s.Evaluate(context.Background(), sampleMail(), 3, env)
	if res.Err == nil || len(res.Applied) != 0 {
		t.Errorf("failing store: err %v applied %v, want the error and nothing applied", res.Err, res.Applied)
	}
}

func TestValidate(t *testing.T) {
	ok := rule("ok", Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "x"})
	if ps := Validate(ok); ps != nil {
		t.Fatalf("valid rule: %v", ps)
	}
	cases := []struct {
		edit  func(r *Rule)
		field string
		words string
	}{
		{func(r *Rule) { r.Name = " " }, "name", "required"},
		{func(r *Rule) { r.Match = "XOR" }, "match", "all the criteria"},
		{func(r *Rule) { r.Criteria = nil }, "criteria", "at least one criterion"},
		{func(r *Rule) { r.Actions = nil }, "actions", "at least one action"},
		{func(r *Rule) { r.Criteria[0].Field = "nope" }, "criteria[0].field", "Choose"},
		{func(r *Rule) { r.Criteria[0].Condition = "nope" }, "criteria[0].condition", "Choose"},
		{func(r *Rule) { r.Criteria[0].Condition = CondUnder }, "criteria[0].condition", "cannot be compared"},
		{func(r *Rule) { r.Criteria[0].Pattern = "" }, "criteria[0].pattern", "Type the value"},
		{func(r *Rule) { r.Criteria[0].Field = FieldHeader }, "criteria[0].header", "header's name"},
		{func(r *Rule) { r.Criteria[0] = Criterion{Field: FieldSize, Condition: CondUnder, Pattern: "big"} }, "criteria[0].pattern", "size in bytes"},
		{func(r *Rule) {
			r.Criteria[0] = Criterion{Field: FieldHasAttachments, Condition: CondIs, Pattern: "yes"}
		}, "criteria[0].pattern", "Yes or No"},
		{func(r *Rule) { r.Criteria[0] = Criterion{Field: FieldReceiver, Condition: CondContains, Pattern: "1"} }, "criteria[0].condition", "cannot be compared"},
		{func(r *Rule) {
			r.Criteria[0] = Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: "(abc"}
		}, "criteria[0].pattern", `Invalid regular expression at position 1: missing ")"`},
		{func(r *Rule) {
			r.Criteria[0] = Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: "/^(?!.*no).+$/i"}
		}, "criteria[0].pattern", "position 3"},
		{func(r *Rule) {
			r.Criteria[0] = Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: "/a/x"}
		}, "criteria[0].pattern", `flag "x"`},
		{func(r *Rule) {
			r.Criteria[0] = Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: `(a)\1`}
		}, "criteria[0].pattern", "back-references"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: "nope"} }, "actions[0].kind", "Choose an action"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActAssignUser, Value: "bob"} }, "actions[0].value", "Choose a user"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActUrgency, Value: "9"} }, "actions[0].value", "Very low to Very high"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActType, Value: "3"} }, "actions[0].value", "Incident or Request"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActObserverEmail, Value: "bob"} }, "actions[0].value", "e-mail address"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActCategory, Value: "#0", FromRegex: true} }, "actions[0].value", "needs a criterion"},
		{func(r *Rule) { r.Actions[0] = Action{Kind: ActUrgency, Value: "#0", FromRegex: true} }, "actions[0].value", "cannot take its value"},
	}
	for _, tc := range cases {
		r := ok
		r.Criteria = append([]Criterion(nil), ok.Criteria...)
		r.Actions = append([]Action(nil), ok.Actions...)
		tc.edit(&r)
		ps := Validate(r)
		found := false
		for _, p := range ps {
			if p.Field == tc.field && strings.Contains(p.Message, tc.words) {
				found = true
			}
		}
		if !found {
			t.Errorf("want a problem on %s saying %q, got %+v", tc.field, tc.words, ps)
		}
	}
}

func TestCompileKeepsValidRules(t *testing.T) {
	good := rule("good", Criterion{Field: FieldSubject, Condition: CondContains, Pattern: "printer"})
	bad := rule("bad", Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: "(?=x)"})
	s, err := Compile([]Rule{bad, good})
	if err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("error %v, want one naming the bad rule", err)
	}
	if s.Len() != 1 {
		t.Errorf("set has %d rules, want the good one", s.Len())
	}
}

func TestDefaults(t *testing.T) {
	s := mustCompile(t, Defaults()...)
	if s.Len() != 3 {
		t.Fatalf("%d default rules", s.Len())
	}
	cases := []struct {
		headers []Header
		refuse  bool
		by      string
	}{
		{[]Header{{"Message-ID", "<GLPI_4f8a2c-ticket-123/new.1700000000.12345@glpi.example.com>"}}, true, DefaultGLPINotifications},
		{[]Header{{"Message-ID", "<GLPI-ticket-5@glpi.example.com>"}}, true, DefaultGLPINotifications},
		{[]Header{{"Message-ID", "<abc@example.com>"}}, false, ""},
		{[]Header{{"Auto-Submitted", "auto-replied"}}, true, DefaultAutoReplyAutoSubmitted},
		{[]Header{{"Auto-Submitted", "auto-generated"}}, true, DefaultAutoReplyAutoSubmitted},
		{[]Header{{"Auto-Submitted", "no"}}, false, ""},
		{[]Header{{"Auto-Submitted", "No"}}, false, ""},
		{[]Header{{"X-Auto-Response-Suppress", "All"}}, false, ""}, // that rule is inactive
	}
	for _, tc := range cases {
		m := Mail{From: "x@example.com", Subject: "s", Headers: tc.headers}
		res := s.Evaluate(context.Background(), m, 1, nil)
		if res.Refuse != tc.refuse || res.RefusedBy != tc.by {
			t.Errorf("%v: refuse %v by %q, want %v by %q", tc.headers, res.Refuse, res.RefusedBy, tc.refuse, tc.by)
		}
	}
	for _, c := range BuiltIn() {
		if c.Name == "" || c.Description == "" {
			t.Errorf("built-in check without words: %+v", c)
		}
	}
}

func TestFillCaptures(t *testing.T) {
	if got := fillCaptures("a #0 b #1 #12 #", []string{"x", "y"}); got != "a x b y  #" {
		t.Errorf("got %q", got)
	}
}

func TestRequiredLiteralsNeverHideAMatch(t *testing.T) {
	cases := []struct {
		pattern, value string
		want           bool
	}{
		{`/order\s+#?1234\b/i`, "Your ORDER #1234 shipped", true},
		{`/order\s+#?1234\b/i`, "Your order 1235 shipped", false},
		{`/Printer/i`, "PRINTER", true},
		{`/parks/i`, "PARſ\u212A", false}, // s and k are not prefiltered...
		{`/pars/i`, "PARſ", true},         // ...so their Unicode folds still match
		{`Invoice-(\d+)`, "re: Invoice-77", true},
		{`Invoice-(\d+)`, "re: invoice-77", false},
	}
	for _, tc := range cases {
		s := mustCompile(t, rule("r", Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: tc.pattern}))
		m := Mail{Subject: tc.value}
		if got := len(s.Evaluate(context.Background(), m, 1, nil).Applied) == 1; got != tc.want {
			t.Errorf("%s on %q: %v, want %v", tc.pattern, tc.value, got, tc.want)
		}
	}
}
