package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// ruleText is a mail rule written with names where the stored rule has
// IDs (receivers, users, groups, categories) and with words for types and
// levels: what the rule form shows and posts back, and the export format.
type ruleText struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Active      bool            `json:"active"`
	Match       string          `json:"match"`
	Receivers   []string        `json:"receivers,omitempty"` // none: every receiver
	Criteria    []criterionText `json:"criteria"`
	Actions     []actionText    `json:"actions"`
}

type criterionText struct {
	Field     string `json:"field"`
	Header    string `json:"header,omitempty"`
	Condition string `json:"condition"`
	Pattern   string `json:"pattern,omitempty"`
}

type actionText struct {
	Kind      string `json:"kind"`
	Value     string `json:"value,omitempty"`
	FromRegex bool   `json:"from_regex,omitempty"`
}

// maxRuleRows bounds the criteria and the actions of one rule.
const maxRuleRows = 50

// What a criterion's pattern or an action's value names.
const (
	valueText     = ""
	valueNone     = "none"
	valueReceiver = "receiver"
	valueUser     = "user"
	valueGroup    = "group"
	valueCategory = "category"
	valueYesNo    = "yesno"
	valueType     = "type"
	valueLevel    = "level"
)

func patternKind(f rules.Field) string {
	switch f {
	case rules.FieldReceiver:
		return valueReceiver
	case rules.FieldRequesterGroups:
		return valueGroup
	case rules.FieldRequesterKnown, rules.FieldKnownDomain, rules.FieldHasAttachments:
		return valueYesNo
	}
	return valueText
}

func actionValueKind(a rules.ActionKind, fromRegex bool) string {
	switch a {
	case rules.ActRefuse, rules.ActRefuseWithAnswer, rules.ActStop:
		return valueNone
	}
	if fromRegex {
		return valueText
	}
	switch a {
	case rules.ActAssignUser, rules.ActObserverUser:
		return valueUser
	case rules.ActAssignGroup, rules.ActObserverGroup, rules.ActRequesterGroup:
		return valueGroup
	case rules.ActCategory:
		return valueCategory
	case rules.ActType:
		return valueType
	case rules.ActUrgency, rules.ActImpact:
		return valueLevel
	}
	return valueText
}

// ruleNames turns the IDs of a rule into names and back.
type ruleNames struct {
	byID   map[string]map[int64]string // kind -> id -> name
	byName map[string]map[string]int64 // kind -> lower-case name -> id
	lists  map[string][]string         // kind -> names, for the pickers
	// people are the users' names by login, shown beside the logins.
	people map[string]string
}

func (h *Handler) ruleNames(ctx context.Context) (*ruleNames, error) {
	n := &ruleNames{byID: map[string]map[int64]string{}, byName: map[string]map[string]int64{}, lists: map[string][]string{}, people: map[string]string{}}
	add := func(kind string, id int64, name string) {
		if n.byID[kind] == nil {
			n.byID[kind], n.byName[kind] = map[int64]string{}, map[string]int64{}
		}
		n.byID[kind][id] = name
		n.byName[kind][strings.ToLower(name)] = id
		n.lists[kind] = append(n.lists[kind], name)
	}
	rcv, err := h.store.ReceiverNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rcv {
		add(valueReceiver, r.ID, r.Name)
	}
	users, err := h.store.AllUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		add(valueUser, u.ID, u.Login) // the login: two users may share a name
		n.people[u.Login] = u.Label()
	}
	groups, err := h.store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		add(valueGroup, g.ID, g.Name)
	}
	cats, err := h.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		add(valueCategory, c.ID, c.FullName)
	}
	return n, nil
}

var kindWords = map[string]string{valueReceiver: "receiver", valueUser: "user with the login", valueGroup: "group", valueCategory: "category"}

// name writes a stored value by name; a deleted object says so.
func (n *ruleNames) name(kind, v string) string {
	switch kind {
	case valueYesNo:
		return map[string]string{"1": "Yes", "0": "No"}[v]
	case valueType:
		if t, err := strconv.Atoi(v); err == nil && store.ValidType(t) {
			return store.TypeLabel(t)
		}
		return v
	case valueLevel:
		if l, err := strconv.Atoi(v); err == nil && l >= store.LevelVeryLow && l <= store.LevelVeryHigh {
			return store.LevelLabel(l)
		}
		return v
	case valueReceiver, valueUser, valueGroup, valueCategory:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return v
		}
		if name, ok := n.byID[kind][id]; ok {
			return name
		}
		return "(deleted " + kind + ")"
	}
	return v
}

// value reads a name back into the stored value; "" and a sentence when
// nothing has that name.
func (n *ruleNames) value(kind, name string) (string, string) {
	name = strings.TrimSpace(name)
	switch kind {
	case valueNone:
		return "", ""
	case valueText:
		return name, ""
	case valueYesNo:
		switch strings.ToLower(name) {
		case "yes", "1":
			return "1", ""
		case "no", "0":
			return "0", ""
		}
		return "", "Choose Yes or No."
	case valueType:
		for _, t := range []int{store.TypeIncident, store.TypeRequest} {
			if strings.EqualFold(name, store.TypeLabel(t)) || name == strconv.Itoa(t) {
				return strconv.Itoa(t), ""
			}
		}
		return "", "Choose Incident or Request."
	case valueLevel:
		for l := store.LevelVeryLow; l <= store.LevelVeryHigh; l++ {
			if strings.EqualFold(name, store.LevelLabel(l)) || name == strconv.Itoa(l) {
				return strconv.Itoa(l), ""
			}
		}
		return "", "Choose a level from Very low to Very high."
	}
	if name == "" {
		return "", "Choose a " + strings.TrimSuffix(kindWords[kind], " with the login") + "."
	}
	if id, ok := n.byName[kind][strings.ToLower(name)]; ok {
		return strconv.FormatInt(id, 10), ""
	}
	return "", fmt.Sprintf("There is no %s %q.", kindWords[kind], name)
}

// text writes a stored rule with names.
func (n *ruleNames) text(r rules.Rule) ruleText {
	t := ruleText{Name: r.Name, Description: r.Description, Active: r.Active, Match: string(r.Match),
		Criteria: []criterionText{}, Actions: []actionText{}}
	if t.Match == "" {
		t.Match = string(rules.MatchAll)
	}
	for _, id := range r.ReceiverIDs {
		t.Receivers = append(t.Receivers, n.name(valueReceiver, strconv.FormatInt(id, 10)))
	}
	for _, c := range r.Criteria {
		t.Criteria = append(t.Criteria, criterionText{Field: string(c.Field), Header: c.Header, Condition: string(c.Condition),
			Pattern: n.name(patternKind(c.Field), c.Pattern)})
	}
	for _, a := range r.Actions {
		t.Actions = append(t.Actions, actionText{Kind: string(a.Kind), Value: n.name(actionValueKind(a.Kind, a.FromRegex), a.Value), FromRegex: a.FromRegex})
	}
	return t
}

// rule reads a rule written with names; the problems are keyed by the
// field they are about, as rules.Validate keys them ("name",
// "criteria[2].pattern", "actions[0].value").
func (n *ruleNames) rule(t ruleText) (rules.Rule, map[string]string) {
	problems := map[string]string{}
	r := rules.Rule{Name: strings.TrimSpace(t.Name), Description: t.Description, Active: t.Active, Match: rules.Match(t.Match)}
	for _, name := range t.Receivers {
		v, msg := n.value(valueReceiver, name)
		if msg != "" {
			problems["receivers"] = msg
			continue
		}
		id, _ := strconv.ParseInt(v, 10, 64)
		if !slices.Contains(r.ReceiverIDs, id) {
			r.ReceiverIDs = append(r.ReceiverIDs, id)
		}
	}
	if len(t.Criteria) > maxRuleRows || len(t.Actions) > maxRuleRows {
		problems["form"] = fmt.Sprintf("A rule has at most %d criteria and %d actions.", maxRuleRows, maxRuleRows)
	}
	for i, c := range t.Criteria {
		key := fmt.Sprintf("criteria[%d].", i)
		f := rules.Field(c.Field)
		crit := rules.Criterion{Field: f, Header: strings.TrimSpace(c.Header), Condition: rules.Condition(c.Condition), Pattern: c.Pattern}
		if kind := patternKind(f); kind != valueText && !conditionNeedsNoPattern(crit.Condition) && !isRegexCondition(crit.Condition) {
			v, msg := n.value(kind, c.Pattern)
			if msg != "" {
				problems[key+"pattern"] = msg
			}
			crit.Pattern = v
		}
		r.Criteria = append(r.Criteria, crit)
	}
	for i, a := range t.Actions {
		key := fmt.Sprintf("actions[%d].", i)
		k := rules.ActionKind(a.Kind)
		act := rules.Action{Kind: k, FromRegex: a.FromRegex && actionValueKind(k, false) != valueNone}
		v, msg := n.value(actionValueKind(k, act.FromRegex), a.Value)
		if msg != "" {
			problems[key+"value"] = msg
		}
		act.Value = v
		r.Actions = append(r.Actions, act)
	}
	for _, p := range rules.Validate(r) {
		if _, taken := problems[p.Field]; !taken {
			problems[p.Field] = p.Message
		}
	}
	return r, problems
}

func conditionNeedsNoPattern(c rules.Condition) bool {
	return c == rules.CondExists || c == rules.CondNotExists
}

func isRegexCondition(c rules.Condition) bool {
	return c == rules.CondRegexMatch || c == rules.CondRegexNotMatch
}

// ---- the rule form: parse, then re-render or save ----

// ruleFormInput is what the rule form posted, and which button.
type ruleFormInput struct {
	Text ruleText
	// Op is the button: "save", "refresh", "add-criterion",
	// "remove-criterion", "add-action", "remove-action".
	Op  string
	Row int // the row of a remove
}

// parseRuleForm reads the rule form as typed.
func parseRuleForm(r *http.Request) ruleFormInput {
	f := r.PostForm
	in := ruleFormInput{Op: "save"}
	t := &in.Text
	t.Name, t.Description = f.Get("name"), f.Get("description")
	t.Active, t.Match = f.Get("is_active") == "1", f.Get("match")
	for _, v := range f["receivers"] {
		if v = strings.TrimSpace(v); v != "" {
			t.Receivers = append(t.Receivers, v)
		}
	}
	for i := 0; i < maxRuleRows+1; i++ {
		p := fmt.Sprintf("criteria[%d].", i)
		if _, ok := f[p+"field"]; !ok {
			break
		}
		t.Criteria = append(t.Criteria, criterionText{Field: f.Get(p + "field"), Header: f.Get(p + "header"),
			Condition: f.Get(p + "condition"), Pattern: f.Get(p + "pattern")})
	}
	for i := 0; i < maxRuleRows+1; i++ {
		p := fmt.Sprintf("actions[%d].", i)
		if _, ok := f[p+"kind"]; !ok {
			break
		}
		t.Actions = append(t.Actions, actionText{Kind: f.Get(p + "kind"), Value: f.Get(p + "value"), FromRegex: f.Get(p+"from_regex") == "1"})
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
	case "refresh", "add-criterion", "remove-criterion", "add-action", "remove-action":
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
		if len(t.Criteria) < maxRuleRows {
			t.Criteria = append(t.Criteria, criterionText{Field: string(rules.FieldSubject), Condition: string(rules.CondContains)})
		}
	case "remove-criterion":
		if in.Row >= 0 && in.Row < len(t.Criteria) {
			t.Criteria = slices.Delete(t.Criteria, in.Row, in.Row+1)
		}
	case "add-action":
		if len(t.Actions) < maxRuleRows {
			t.Actions = append(t.Actions, actionText{Kind: string(rules.ActAssignGroup)})
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

// ruleFormView builds the page's view of a rule as typed.
func (n *ruleNames) ruleFormView(id int64, t ruleText, problems map[string]string) views.RuleForm {
	f := views.RuleForm{ID: id, Name: t.Name, Description: t.Description, Active: t.Active, Match: t.Match, Errors: problems,
		Groups: n.lists[valueGroup], Categories: n.lists[valueCategory], ReceiverNames: n.lists[valueReceiver]}
	if f.Match == "" {
		f.Match = string(rules.MatchAll)
	}
	for _, login := range n.lists[valueUser] {
		f.Users = append(f.Users, views.Choice{Value: login, Label: n.people[login]})
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	for _, m := range []rules.Match{rules.MatchAll, rules.MatchAny} {
		f.Matches = append(f.Matches, views.Choice{Value: string(m), Label: m.Label()})
	}
	for _, name := range n.lists[valueReceiver] {
		f.Receivers = append(f.Receivers, views.RuleReceiver{Name: name, Checked: slices.ContainsFunc(t.Receivers, func(s string) bool { return strings.EqualFold(s, name) })})
	}
	for _, name := range t.Receivers { // a receiver typed in an import that does not exist stays visible
		if _, ok := n.byName[valueReceiver][strings.ToLower(name)]; !ok {
			f.Receivers = append(f.Receivers, views.RuleReceiver{Name: name, Checked: true, Unknown: true})
		}
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
		row.Widget, row.Choices = valueWidget(patternKind(rules.Field(c.Field)))
		if isRegexCondition(rules.Condition(c.Condition)) || conditionNeedsNoPattern(rules.Condition(c.Condition)) {
			row.Widget, row.Choices = "text", nil
		}
		f.Criteria = append(f.Criteria, row)
	}
	for i, a := range t.Actions {
		k := rules.ActionKind(a.Kind)
		row := views.RuleActionRow{Index: i, Kind: a.Kind, Value: a.Value, FromRegex: a.FromRegex, CanRegex: actionValueKind(k, false) != valueNone}
		row.Widget, row.Choices = valueWidget(actionValueKind(k, a.FromRegex))
		f.Actions = append(f.Actions, row)
	}
	return f
}

// valueWidget says how a value is typed: a list of words, a name from a
// list (a datalist's id), free text, or nothing.
func valueWidget(kind string) (string, []views.Choice) {
	switch kind {
	case valueNone:
		return "none", nil
	case valueYesNo:
		return "select", []views.Choice{{Value: "Yes", Label: "Yes"}, {Value: "No", Label: "No"}}
	case valueType:
		return "select", []views.Choice{{Value: store.TypeLabel(store.TypeIncident), Label: store.TypeLabel(store.TypeIncident)},
			{Value: store.TypeLabel(store.TypeRequest), Label: store.TypeLabel(store.TypeRequest)}}
	case valueLevel:
		var out []views.Choice
		for l := store.LevelVeryLow; l <= store.LevelVeryHigh; l++ {
			out = append(out, views.Choice{Value: store.LevelLabel(l), Label: store.LevelLabel(l)})
		}
		return "select", out
	case valueReceiver, valueUser, valueGroup, valueCategory:
		return "list-" + kind, nil
	}
	return "text", nil
}
