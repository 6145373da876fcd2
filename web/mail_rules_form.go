package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/ruletext"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// ---- the rule form: parse, then re-render or save ----

// ruleFormInput is what the rule form posted, and which button.
type ruleFormInput struct {
	Text ruletext.Rule
	// Op is the button: "save", "refresh", "add-criterion",
	// "remove-criterion", "add-action", "remove-action".
	Op  string
	Row int // the row of a remove
	// TestRaw and TestReceiver (a name, "" for none) are the mail the
	// rule is tested on as typed, and the receiver it is tested as.
	TestRaw, TestReceiver string
}

// parseRuleForm reads the rule form as typed.
func parseRuleForm(r *http.Request) ruleFormInput {
	f := r.PostForm
	in := ruleFormInput{Op: "save", TestRaw: f.Get("test_raw"), TestReceiver: f.Get("test_receiver")}
	t := &in.Text
	t.Name, t.Description = f.Get("name"), f.Get("description")
	t.Active, t.Match = f.Get("is_active") == "1", f.Get("match")
	for _, v := range f["receivers"] {
		if v = strings.TrimSpace(v); v != "" {
			t.Receivers = append(t.Receivers, v)
		}
	}
	for i := 0; i < ruletext.MaxRows+1; i++ {
		p := fmt.Sprintf("criteria[%d].", i)
		if _, ok := f[p+"field"]; !ok {
			break
		}
		t.Criteria = append(t.Criteria, ruletext.Criterion{Field: f.Get(p + "field"), Header: f.Get(p + "header"),
			Condition: f.Get(p + "condition"), Pattern: f.Get(p + "pattern")})
	}
	for i := 0; i < ruletext.MaxRows+1; i++ {
		p := fmt.Sprintf("actions[%d].", i)
		if _, ok := f[p+"kind"]; !ok {
			break
		}
		t.Actions = append(t.Actions, ruletext.Action{Kind: f.Get(p + "kind"), Value: f.Get(p + "value"), FromRegex: f.Get(p+"from_regex") == "1"})
	}
	op := f.Get("op")
	if f.Get("_refresh") != "" {
		op = "refresh"
	}
	if name, row, ok := strings.Cut(op, ":"); ok {
		n, err := strconv.Atoi(row)
		if err == nil {
			op, in.Row = name, n
		}
	}
	switch op {
	case "refresh", "add-criterion", "remove-criterion", "add-action", "remove-action", "test":
		in.Op = op
	}
	return in
}

// applyRowOp adds or removes a row; it reports whether the form is only
// to be shown again.
func (in *ruleFormInput) applyRowOp() bool {
	t := &in.Text
	switch in.Op {
	case "add-criterion":
		if len(t.Criteria) < ruletext.MaxRows {
			t.Criteria = append(t.Criteria, ruletext.Criterion{Field: string(rules.FieldSubject), Condition: string(rules.CondContains)})
		}
	case "remove-criterion":
		if in.Row >= 0 && in.Row < len(t.Criteria) {
			t.Criteria = slices.Delete(t.Criteria, in.Row, in.Row+1)
		}
	case "add-action":
		if len(t.Actions) < ruletext.MaxRows {
			t.Actions = append(t.Actions, ruletext.Action{Kind: string(rules.ActAssignGroup)})
		}
	case "remove-action":
		if in.Row >= 0 && in.Row < len(t.Actions) {
			t.Actions = slices.Delete(t.Actions, in.Row, in.Row+1)
		}
	case "refresh":
	default:
		return false
	}
	return true
}

// view is the page's view of the rule as typed, the test mail kept.
func (in *ruleFormInput) view(n *ruletext.Names, id int64, problems map[string]string) views.RuleForm {
	f := ruleFormView(n, id, in.Text, problems)
	f.TestRaw, f.TestReceiver = in.TestRaw, in.TestReceiver
	return f
}

// ruleFormView builds the page's view of a rule as typed.
func ruleFormView(n *ruletext.Names, id int64, t ruletext.Rule, problems map[string]string) views.RuleForm {
	f := views.RuleForm{ID: id, Name: t.Name, Description: t.Description, Active: t.Active, Match: t.Match, Errors: problems,
		Groups: n.List(ruletext.ValueGroup), Categories: n.List(ruletext.ValueCategory), ReceiverNames: n.List(ruletext.ValueReceiver)}
	if f.Match == "" {
		f.Match = string(rules.MatchAll)
	}
	for _, login := range n.List(ruletext.ValueUser) {
		f.Users = append(f.Users, views.Choice{Value: login, Label: n.Person(login)})
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	for _, m := range []rules.Match{rules.MatchAll, rules.MatchAny} {
		f.Matches = append(f.Matches, views.Choice{Value: string(m), Label: m.Label()})
	}
	for _, name := range n.List(ruletext.ValueReceiver) {
		f.Receivers = append(f.Receivers, views.RuleReceiver{Name: name, Checked: slices.ContainsFunc(t.Receivers, func(s string) bool { return strings.EqualFold(s, name) })})
	}
	for _, name := range t.Receivers { // a receiver typed in an import that does not exist stays visible
		if !n.Has(ruletext.ValueReceiver, name) {
			f.Receivers = append(f.Receivers, views.RuleReceiver{Name: name, Checked: true, Unknown: true})
		}
	}
	f.TestReceivers = []views.Choice{{Value: "", Label: "None (no receiver)"}}
	for _, name := range n.List(ruletext.ValueReceiver) {
		f.TestReceivers = append(f.TestReceivers, views.Choice{Value: name, Label: name})
	}
	for _, fl := range rules.Fields {
		f.Fields = append(f.Fields, views.Choice{Value: string(fl), Label: fl.Label()})
	}
	for _, c := range rules.Conditions {
		f.Conditions = append(f.Conditions, views.Choice{Value: string(c), Label: c.Label()})
	}
	for _, k := range rules.ActionKinds {
		f.Kinds = append(f.Kinds, views.Choice{Value: string(k), Label: k.Label()})
	}
	for i, c := range t.Criteria {
		row := views.RuleCriterionRow{Index: i, Field: c.Field, Header: c.Header, Condition: c.Condition, Pattern: c.Pattern,
			HasHeader: rules.Field(c.Field) == rules.FieldHeader}
		row.Widget, row.Choices = valueWidget(ruletext.PatternKind(rules.Field(c.Field)))
		if ruletext.IsRegex(rules.Condition(c.Condition)) || ruletext.NeedsNoPattern(rules.Condition(c.Condition)) {
			row.Widget, row.Choices = "text", nil
		}
		f.Criteria = append(f.Criteria, row)
	}
	for i, a := range t.Actions {
		k := rules.ActionKind(a.Kind)
		row := views.RuleActionRow{Index: i, Kind: a.Kind, Value: a.Value, FromRegex: a.FromRegex, CanRegex: ruletext.ActionValueKind(k, false) != ruletext.ValueNone}
		row.Widget, row.Choices = valueWidget(ruletext.ActionValueKind(k, a.FromRegex))
		f.Actions = append(f.Actions, row)
	}
	return f
}

// valueWidget says how a value is typed: a list of words, a name from a
// list (a datalist's id), free text, or nothing.
func valueWidget(kind string) (string, []views.Choice) {
	switch kind {
	case ruletext.ValueNone:
		return "none", nil
	case ruletext.ValueYesNo:
		return "select", []views.Choice{{Value: "Yes", Label: "Yes"}, {Value: "No", Label: "No"}}
	case ruletext.ValueType:
		return "select", []views.Choice{{Value: store.TypeLabel(store.TypeIncident), Label: store.TypeLabel(store.TypeIncident)},
			{Value: store.TypeLabel(store.TypeRequest), Label: store.TypeLabel(store.TypeRequest)}}
	case ruletext.ValueLevel:
		var out []views.Choice
		for l := store.LevelVeryLow; l <= store.LevelVeryHigh; l++ {
			out = append(out, views.Choice{Value: store.LevelLabel(l), Label: store.LevelLabel(l)})
		}
		return "select", out
	case ruletext.ValueReceiver, ruletext.ValueUser, ruletext.ValueGroup, ruletext.ValueCategory:
		return "list-" + kind, nil
	}
	return "text", nil
}
