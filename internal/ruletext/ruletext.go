// Package ruletext writes mail rules with names where the store keeps
// IDs (receivers, users, groups, categories) and with words for types and
// levels, and reads them back: the rule form, the rules export of Setup >
// Rules for mails and the console's export file all speak it.
package ruletext

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Rule is a mail rule written with names where the stored rule has
// IDs (receivers, users, groups, categories) and with words for types and
// levels: what the rule form shows and posts back, and the export format.
type Rule struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Active      bool        `json:"active"`
	Match       string      `json:"match"`
	Receivers   []string    `json:"receivers,omitempty"` // none: every receiver
	Criteria    []Criterion `json:"criteria"`
	Actions     []Action    `json:"actions"`
}

type Criterion struct {
	Field     string `json:"field"`
	Header    string `json:"header,omitempty"`
	Condition string `json:"condition"`
	Pattern   string `json:"pattern,omitempty"`
}

type Action struct {
	Kind      string `json:"kind"`
	Value     string `json:"value,omitempty"`
	FromRegex bool   `json:"from_regex,omitempty"`
}

// MaxRows bounds the criteria and the actions of one rule.
const MaxRows = 50

// What a criterion's pattern or an action's value names.
const (
	ValueText     = ""
	ValueNone     = "none"
	ValueReceiver = "receiver"
	ValueUser     = "user"
	ValueGroup    = "group"
	ValueCategory = "category"
	ValueYesNo    = "yesno"
	ValueType     = "type"
	ValueLevel    = "level"
)

func PatternKind(f rules.Field) string {
	switch f {
	case rules.FieldReceiver:
		return ValueReceiver
	case rules.FieldRequesterGroups:
		return ValueGroup
	case rules.FieldRequesterKnown, rules.FieldKnownDomain, rules.FieldHasAttachments:
		return ValueYesNo
	}
	return ValueText
}

func ActionValueKind(a rules.ActionKind, fromRegex bool) string {
	switch a {
	case rules.ActRefuse, rules.ActRefuseWithAnswer, rules.ActStop:
		return ValueNone
	}
	if fromRegex {
		return ValueText
	}
	switch a {
	case rules.ActAssignUser, rules.ActObserverUser:
		return ValueUser
	case rules.ActAssignGroup, rules.ActObserverGroup, rules.ActRequesterGroup:
		return ValueGroup
	case rules.ActCategory:
		return ValueCategory
	case rules.ActType:
		return ValueType
	case rules.ActUrgency, rules.ActImpact:
		return ValueLevel
	}
	return ValueText
}

// Names turns the IDs of a rule into names and back.
type Names struct {
	byID   map[string]map[int64]string // kind -> id -> name
	byName map[string]map[string]int64 // kind -> lower-case name -> id
	lists  map[string][]string         // kind -> names, for the pickers
	// people are the users' names by login, shown beside the logins.
	people map[string]string
}

// Load reads the names of every receiver, user, group and category.
func Load(ctx context.Context, st *store.Store) (*Names, error) {
	n := &Names{byID: map[string]map[int64]string{}, byName: map[string]map[string]int64{}, lists: map[string][]string{}, people: map[string]string{}}
	add := func(kind string, id int64, name string) {
		if n.byID[kind] == nil {
			n.byID[kind], n.byName[kind] = map[int64]string{}, map[string]int64{}
		}
		n.byID[kind][id] = name
		n.byName[kind][strings.ToLower(name)] = id
		n.lists[kind] = append(n.lists[kind], name)
	}
	rcv, err := st.ReceiverNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rcv {
		add(ValueReceiver, r.ID, r.Name)
	}
	users, err := st.AllUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		add(ValueUser, u.ID, u.Login) // the login: two users may share a name
		n.people[u.Login] = u.Label()
	}
	groups, err := st.Groups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		add(ValueGroup, g.ID, g.Name)
	}
	cats, err := st.Categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		add(ValueCategory, c.ID, c.FullName)
	}
	return n, nil
}

// List is the names of a kind, for the pickers.
func (n *Names) List(kind string) []string { return n.lists[kind] }

// Person is the name of the user of a login.
func (n *Names) Person(login string) string { return n.people[login] }

// Has tells whether a name of a kind is known.
func (n *Names) Has(kind, name string) bool {
	_, ok := n.byName[kind][strings.ToLower(strings.TrimSpace(name))]
	return ok
}

// Alias makes name read as id too: the name an imported file gave an
// object this console holds under another name (a receiver renamed on
// import because its name was taken).
func (n *Names) Alias(kind, name string, id int64) {
	if n.byName[kind] == nil {
		n.byName[kind] = map[string]int64{}
	}
	n.byName[kind][strings.ToLower(strings.TrimSpace(name))] = id
}

var kindWords = map[string]string{ValueReceiver: "receiver", ValueUser: "user with the login", ValueGroup: "group", ValueCategory: "category"}

// name writes a stored value by name; a deleted object says so.
func (n *Names) Name(kind, v string) string {
	switch kind {
	case ValueYesNo:
		return map[string]string{"1": "Yes", "0": "No"}[v]
	case ValueType:
		if t, err := strconv.Atoi(v); err == nil && store.ValidType(t) {
			return store.TypeLabel(t)
		}
		return v
	case ValueLevel:
		if l, err := strconv.Atoi(v); err == nil && l >= store.LevelVeryLow && l <= store.LevelVeryHigh {
			return store.LevelLabel(l)
		}
		return v
	case ValueReceiver, ValueUser, ValueGroup, ValueCategory:
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
func (n *Names) Value(kind, name string) (string, string) {
	name = strings.TrimSpace(name)
	switch kind {
	case ValueNone:
		return "", ""
	case ValueText:
		return name, ""
	case ValueYesNo:
		switch strings.ToLower(name) {
		case "yes", "1":
			return "1", ""
		case "no", "0":
			return "0", ""
		}
		return "", "Choose Yes or No."
	case ValueType:
		for _, t := range []int{store.TypeIncident, store.TypeRequest} {
			if strings.EqualFold(name, store.TypeLabel(t)) || name == strconv.Itoa(t) {
				return strconv.Itoa(t), ""
			}
		}
		return "", "Choose Incident or Request."
	case ValueLevel:
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
func (n *Names) Text(r rules.Rule) Rule {
	t := Rule{Name: r.Name, Description: r.Description, Active: r.Active, Match: string(r.Match),
		Criteria: []Criterion{}, Actions: []Action{}}
	if t.Match == "" {
		t.Match = string(rules.MatchAll)
	}
	for _, id := range r.ReceiverIDs {
		t.Receivers = append(t.Receivers, n.Name(ValueReceiver, strconv.FormatInt(id, 10)))
	}
	for _, c := range r.Criteria {
		t.Criteria = append(t.Criteria, Criterion{Field: string(c.Field), Header: c.Header, Condition: string(c.Condition),
			Pattern: n.Name(PatternKind(c.Field), c.Pattern)})
	}
	for _, a := range r.Actions {
		t.Actions = append(t.Actions, Action{Kind: string(a.Kind), Value: n.Name(ActionValueKind(a.Kind, a.FromRegex), a.Value), FromRegex: a.FromRegex})
	}
	return t
}

// rule reads a rule written with names; the problems are keyed by the
// field they are about, as rules.Validate keys them ("name",
// "criteria[2].pattern", "actions[0].value").
func (n *Names) Rule(t Rule) (rules.Rule, map[string]string) {
	problems := map[string]string{}
	r := rules.Rule{Name: strings.TrimSpace(t.Name), Description: t.Description, Active: t.Active, Match: rules.Match(t.Match)}
	for _, name := range t.Receivers {
		v, msg := n.Value(ValueReceiver, name)
		if msg != "" {
			problems["receivers"] = msg
			continue
		}
		id, _ := strconv.ParseInt(v, 10, 64)
		if !slices.Contains(r.ReceiverIDs, id) {
			r.ReceiverIDs = append(r.ReceiverIDs, id)
		}
	}
	if len(t.Criteria) > MaxRows || len(t.Actions) > MaxRows {
		problems["form"] = fmt.Sprintf("A rule has at most %d criteria and %d actions.", MaxRows, MaxRows)
	}
	for i, c := range t.Criteria {
		key := fmt.Sprintf("criteria[%d].", i)
		f := rules.Field(c.Field)
		crit := rules.Criterion{Field: f, Header: strings.TrimSpace(c.Header), Condition: rules.Condition(c.Condition), Pattern: c.Pattern}
		if kind := PatternKind(f); kind != ValueText && !NeedsNoPattern(crit.Condition) && !IsRegex(crit.Condition) {
			v, msg := n.Value(kind, c.Pattern)
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
		act := rules.Action{Kind: k, FromRegex: a.FromRegex && ActionValueKind(k, false) != ValueNone}
		v, msg := n.Value(ActionValueKind(k, act.FromRegex), a.Value)
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

func NeedsNoPattern(c rules.Condition) bool {
	return c == rules.CondExists || c == rules.CondNotExists
}

func IsRegex(c rules.Condition) bool {
	return c == rules.CondRegexMatch || c == rules.CondRegexNotMatch
}

// Problems writes the problems of Rule in the order of their keys, each
// saying where it is: "Criterion 2, value: There is no group "Support".".
func Problems(problems map[string]string) []string {
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, where(k)+": "+problems[k])
	}
	return out
}

// where says where a problem is: "Criterion 2, value".
func where(key string) string {
	switch key {
	case "name":
		return "Name"
	case "match":
		return "Logical operator"
	case "receivers":
		return "Mails receivers"
	case "form":
		return "Rule"
	case "criteria":
		return "Criteria"
	case "actions":
		return "Actions"
	}
	if strings.HasPrefix(key, "receivers[") {
		return "Mails receivers"
	}
	row, field, ok := strings.Cut(key, "].")
	if !ok {
		return key
	}
	list, n, _ := strings.Cut(row, "[")
	i, _ := strconv.Atoi(n)
	what := map[string]string{"criteria": "Criterion", "actions": "Action"}[list]
	fieldWord := map[string]string{"field": "criterion", "header": "header name", "condition": "condition", "pattern": "value",
		"kind": "action", "value": "value"}[field]
	return fmt.Sprintf("%s %d, %s", what, i+1, fieldWord)
}
