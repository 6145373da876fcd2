package rules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Result is what the matching rules say to do with a mail, and how they
// were evaluated.
type Result struct {
	Refuse           bool   `json:"refuse,omitempty"`
	RefuseWithAnswer bool   `json:"refuse_with_answer,omitempty"`
	RefusedBy        string `json:"refused_by,omitempty"` // the refusing rule's name

	AssignUsers      []int64  `json:"assign_users,omitempty"`
	AssignGroups     []int64  `json:"assign_groups,omitempty"`
	ObserverUsers    []int64  `json:"observer_users,omitempty"`
	ObserverGroups   []int64  `json:"observer_groups,omitempty"`
	ObserverEmails   []string `json:"observer_emails,omitempty"`
	CategoryID       *int64   `json:"category_id,omitempty"`
	Type             int      `json:"type,omitempty"` // 0 = unset
	Urgency          int      `json:"urgency,omitempty"`
	Impact           int      `json:"impact,omitempty"`
	RequesterGroupID *int64   `json:"requester_group_id,omitempty"`
	FollowupOf       int64    `json:"followup_of,omitempty"` // External ID: the ticket the mail follows up

	// Applied names the rules that matched, in order.
	Applied []string    `json:"applied,omitempty"`
	Trace   []RuleTrace `json:"trace,omitempty"`
	// Err is a failing store: the evaluation stopped there.
	Err error `json:"-"`
}

// Routes says whether the result changes anything on the ticket.
func (r *Result) Routes() bool {
	return len(r.AssignUsers)+len(r.AssignGroups)+len(r.ObserverUsers)+len(r.ObserverGroups)+len(r.ObserverEmails) > 0 ||
		r.CategoryID != nil || r.Type != 0 || r.Urgency != 0 || r.Impact != 0 || r.RequesterGroupID != nil || r.FollowupOf != 0
}

// RuleTrace is one rule as the evaluation saw it.
type RuleTrace struct {
	RuleID int64  `json:"rule_id,omitempty"`
	Name   string `json:"name"`
	// Skipped says why the rule was not evaluated ("inactive", "other
	// receiver", "stopped"), empty when it was.
	Skipped  string           `json:"skipped,omitempty"`
	Criteria []CriterionTrace `json:"criteria,omitempty"`
	Matched  bool             `json:"matched"`
	Actions  []ActionTrace    `json:"actions,omitempty"`
}

// CriterionTrace is one criterion: what it compared and whether it matched.
type CriterionTrace struct {
	Words   string `json:"words"` // "Subject email header contains "printer""
	Seen    string `json:"seen"`  // the value seen, shortened
	Matched bool   `json:"matched"`
}

// ActionTrace is one action a matching rule took.
type ActionTrace struct {
	Kind ActionKind `json:"kind"`
	// Value is the resolved value: an ID, a number or an e-mail; empty for
	// refuse and stop.
	Value string `json:"value,omitempty"`
	// Note says why the action did nothing (a capture naming no category).
	Note string `json:"note,omitempty"`
}

// Words is the action in the console's words, IDs as given (the console
// shows names in their place).
func (a ActionTrace) Words() string {
	s := a.Kind.Label()
	if a.Value != "" {
		s += ": " + a.Value
	}
	if a.Note != "" {
		s += " (" + a.Note + ")"
	}
	return s
}

// Words says the criterion as the console does.
func (c Criterion) Words() string {
	f := c.Field.Label()
	if c.Field == FieldHeader {
		f = c.Header + " email header"
	}
	if c.Condition == CondExists || c.Condition == CondNotExists {
		return f + " " + c.Condition.Label()
	}
	p := c.Pattern
	if fieldKind(c.Field) == kindYesNo {
		p = map[string]string{"1": "Yes", "0": "No"}[c.Pattern]
	}
	return fmt.Sprintf("%s %s %q", f, c.Condition.Label(), p)
}

// Evaluate runs the rules on a mail received by receiverID, in ranking
// order: inactive rules and rules of other receivers are skipped; the
// evaluation stops after the first matching rule when StopOnFirstMatch is
// on, after a "stop" action, and after a refusal. env may be nil: the
// criteria that need the store then do not match.
func (s *Set) Evaluate(ctx context.Context, m Mail, receiverID int64, env Env) Result {
	var res Result
	if s == nil {
		return res
	}
	v := &view{m: m, receiverID: receiverID, env: env, ctx: ctx}
	stopped := false
	for i := range s.rules {
		r := &s.rules[i]
		t := RuleTrace{RuleID: r.ID, Name: r.Name}
		switch {
		case stopped:
			t.Skipped = "stopped"
		case !r.Active:
			t.Skipped = "inactive"
		case !forReceiver(r.ReceiverIDs, receiverID):
			t.Skipped = "other receiver"
		}
		if t.Skipped != "" {
			res.Trace = append(res.Trace, t)
			continue
		}
		matched, captures := r.match(v, &t)
		if v.err != nil {
			res.Err = v.err
			res.Trace = append(res.Trace, t)
			return res
		}
		t.Matched = matched
		if matched {
			res.Applied = append(res.Applied, r.Name)
			stop := r.apply(v, captures, &res, &t)
			if v.err != nil {
				res.Err = v.err
				res.Trace = append(res.Trace, t)
				return res
			}
			stopped = stop || s.StopOnFirstMatch
		}
		res.Trace = append(res.Trace, t)
	}
	return res
}

func forReceiver(ids []int64, id int64) bool {
	if len(ids) == 0 {
		return true
	}
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// match evaluates the criteria; captures are the groups of the matching
// regular-expression criteria, in order (GLPI's regex results #0, #1…).
// With MatchAny, every criterion is still evaluated, so the trace shows
// them all.
func (r *compiledRule) match(v *view, t *RuleTrace) (bool, []string) {
	var captures []string
	all, any := true, false
	for i := range r.crits {
		c := &r.crits[i]
		if r.Match == MatchAll && !all {
			t.Criteria = append(t.Criteria, CriterionTrace{Words: c.words, Seen: "(not evaluated: an earlier criterion did not match)"})
			continue
		}
		ok, seen, caps := c.eval(v)
		if v.err != nil {
			return false, nil
		}
		t.Criteria = append(t.Criteria, CriterionTrace{Words: c.words, Seen: seen, Matched: ok})
		if ok {
			any = true
			captures = append(captures, caps...)
		} else {
			all = false
		}
	}
	if r.Match == MatchAny {
		return any, captures
	}
	return all && len(r.crits) > 0, captures
}

// apply takes the actions of a matching rule; it returns true when the
// evaluation must stop.
func (r *compiledRule) apply(v *view, captures []string, res *Result, t *RuleTrace) bool {
	stop := false
	for _, a := range r.Actions {
		at := ActionTrace{Kind: a.Kind}
		val := strings.TrimSpace(a.Value)
		if a.FromRegex {
			val = strings.TrimSpace(fillCaptures(a.Value, captures))
		}
		switch a.Kind {
		case ActRefuse, ActRefuseWithAnswer:
			res.Refuse = true
			res.RefuseWithAnswer = res.RefuseWithAnswer || a.Kind == ActRefuseWithAnswer
			if res.RefusedBy == "" {
				res.RefusedBy = r.Name
			}
			stop = true
		case ActStop:
			stop = true
		case ActAssignUser, ActObserverUser:
			id, _ := strconv.ParseInt(val, 10, 64)
			at.Value = strconv.FormatInt(id, 10)
			if a.Kind == ActAssignUser {
				res.AssignUsers = addID(res.AssignUsers, id)
			} else {
				res.ObserverUsers = addID(res.ObserverUsers, id)
			}
		case ActAssignGroup, ActObserverGroup, ActRequesterGroup:
			id, ok := v.group(val, a.FromRegex)
			if v.err != nil {
				return true
			}
			if !ok {
				at.Value, at.Note = val, "no group by this name"
				break
			}
			at.Value = strconv.FormatInt(id, 10)
			switch a.Kind {
			case ActAssignGroup:
				res.AssignGroups = addID(res.AssignGroups, id)
			case ActObserverGroup:
				res.ObserverGroups = addID(res.ObserverGroups, id)
			default:
				res.RequesterGroupID = &id
			}
		case ActCategory:
			id, ok := v.category(val, a.FromRegex)
			if v.err != nil {
				return true
			}
			if !ok {
				at.Value, at.Note = val, "no category by this name"
				break
			}
			at.Value = strconv.FormatInt(id, 10)
			res.CategoryID = &id
		case ActType, ActUrgency, ActImpact:
			n, _ := strconv.Atoi(val)
			at.Value = strconv.Itoa(n)
			switch a.Kind {
			case ActType:
				res.Type = n
			case ActUrgency:
				res.Urgency = n
			default:
				res.Impact = n
			}
		case ActObserverEmail:
			e := strings.ToLower(val)
			at.Value = e
			if !plausibleEmail(e) {
				at.Note = "not an e-mail address"
				break
			}
			if !containsString(res.ObserverEmails, e) {
				res.ObserverEmails = append(res.ObserverEmails, e)
			}
		case ActExternalID:
			at.Value = val
			id, err := strconv.ParseInt(strings.TrimLeft(val, "#0"), 10, 64)
			if err != nil || id <= 0 {
				at.Note = "not a ticket number"
				break
			}
			at.Value = strconv.FormatInt(id, 10)
			res.FollowupOf = id
		}
		t.Actions = append(t.Actions, at)
	}
	return stop
}

func addID(ids []int64, id int64) []int64 {
	if id <= 0 {
		return ids
	}
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fillCaptures replaces #0, #1… with the captures; a missing one is empty.
func fillCaptures(tmpl string, caps []string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '#' || i+1 >= len(tmpl) || tmpl[i+1] < '0' || tmpl[i+1] > '9' {
			b.WriteByte(tmpl[i])
			continue
		}
		j := i + 1
		for j < len(tmpl) && tmpl[j] >= '0' && tmpl[j] <= '9' && j-i <= 3 {
			j++
		}
		n, _ := strconv.Atoi(tmpl[i+1 : j])
		if n < len(caps) {
			b.WriteString(caps[n])
		}
		i = j - 1
	}
	return b.String()
}

func shorten(s string, n int) string {
	if len(s) > 4*n {
		s = s[:4*n]
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
