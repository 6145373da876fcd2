package rules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Header is one header of the mail, decoded, with its name as sent.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Mail is what criteria read. ingest builds it from the parsed message.
type Mail struct {
	ReceiverID     int64
	From           string   // the requester's address, lower-case
	To, Cc         []string // addresses, lower-case
	Subject        string
	Body           string // the body as text
	Headers        []Header
	Size           int64
	HasAttachments bool
}

// Env is what criteria and actions ask the store, read-only and only when a
// rule needs it. A failing store returns an error: the evaluation stops and
// Result.Err carries it (the mail is decided again later).
type Env interface {
	// RequesterKnown: a user with this e-mail exists.
	RequesterKnown(ctx context.Context, email string) (bool, error)
	// RequesterGroups: the groups of the user with this e-mail.
	RequesterGroups(ctx context.Context, email string) ([]int64, error)
	// KnownDomain: the domain is one of the helpdesk's mail domains.
	KnownDomain(ctx context.Context, domain string) (bool, error)
	// CategoryByName finds a category by its name or full path ("A > B").
	CategoryByName(ctx context.Context, nameOrPath string) (int64, bool, error)
	// GroupByName finds a group by its name.
	GroupByName(ctx context.Context, name string) (int64, bool, error)
}

// Problem is one thing wrong with a rule, for the console to show next to
// the field: Field is "name", "criteria[2].pattern", "actions[0].value"…
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Set is a compiled list of rules, ready to evaluate many mails; it is
// read-only and safe for concurrent use.
type Set struct {
	// StopOnFirstMatch stops at the first matching rule (GLPI's default
	// for this rule set).
	StopOnFirstMatch bool
	rules            []compiledRule
}

type compiledRule struct {
	Rule
	crits []compiledCrit
}

type compiledCrit struct {
	Criterion
	re      *regexp.Regexp
	lits    []literal // what every match contains, tested first
	words   string    // Criterion.Words, for the trace
	lower   string    // the pattern lower-cased, for the string conditions
	num     int64     // the pattern as a number, for sizes, receivers, groups
	numeric bool
}

// Len is the number of rules in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Compile validates and compiles the rules, active or not, sorted by
// Ranking (stable). An invalid rule is left out of the set and named in the
// error; the set holds the valid ones, so one bad rule does not stop the
// others. StopOnFirstMatch is on: set it from the setting.
func Compile(rs []Rule) (*Set, error) {
	s := &Set{StopOnFirstMatch: true}
	var errs []error
	order := make([]Rule, len(rs))
	copy(order, rs)
	sortByRanking(order)
	for _, r := range order {
		if ps := Validate(r); len(ps) > 0 {
			errs = append(errs, fmt.Errorf("rules: rule %q: %s: %s", r.Name, ps[0].Field, ps[0].Message))
			continue
		}
		cr := compiledRule{Rule: r}
		for _, c := range r.Criteria {
			cc := compiledCrit{Criterion: c, lower: strings.ToLower(c.Pattern), words: c.Words()}
			if c.Condition == CondRegexMatch || c.Condition == CondRegexNotMatch {
				cc.re, _ = compilePattern(c.Pattern)
				cc.lits = requiredLiterals(cc.re)
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(c.Pattern), 10, 64); err == nil {
				cc.num, cc.numeric = n, true
			}
			cr.crits = append(cr.crits, cc)
		}
		s.rules = append(s.rules, cr)
	}
	return s, errors.Join(errs...)
}

func sortByRanking(rs []Rule) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Ranking < rs[j-1].Ranking; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// kindOf groups the fields by the kind of value they hold.
type valueKind int

const (
	kindText valueKind = iota
	kindYesNo
	kindNumber // sizes
	kindID     // receiver, groups
)

func fieldKind(f Field) valueKind {
	switch f {
	case FieldRequesterKnown, FieldKnownDomain, FieldHasAttachments:
		return kindYesNo
	case FieldSize:
		return kindNumber
	case FieldReceiver, FieldRequesterGroups:
		return kindID
	}
	return kindText
}

func conditionAllowed(f Field, c Condition) bool {
	switch fieldKind(f) {
	case kindYesNo, kindID:
		return c == CondIs || c == CondIsNot
	case kindNumber:
		return c == CondIs || c == CondIsNot || c == CondUnder || c == CondNotUnder
	}
	return c != CondUnder && c != CondNotUnder && c.Label() != ""
}

// fromRegexKinds are the actions whose value may come from a capture.
var fromRegexKinds = map[ActionKind]bool{
	ActCategory: true, ActAssignGroup: true, ActObserverGroup: true, ActRequesterGroup: true,
	ActExternalID: true, ActObserverEmail: true,
}

// Validate checks one rule and says what is wrong, field by field, in the
// admin's words. No problem: nil.
func Validate(r Rule) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(r.Name) == "" {
		add("name", "The name is required.")
	} else if utf8.RuneCountInString(r.Name) > 255 {
		add("name", "The name is too long (at most 255 characters).")
	}
	if r.Match != MatchAll && r.Match != MatchAny {
		add("match", "Choose whether all the criteria or any of them must match.")
	}
	for i, id := range r.ReceiverIDs {
		if id <= 0 {
			add(fmt.Sprintf("receivers[%d]", i), "Choose a mails receiver.")
		}
	}
	if len(r.Criteria) == 0 {
		add("criteria", "Add at least one criterion.")
	}
	hasRegex := false
	for i, c := range r.Criteria {
		at := func(part string) string { return fmt.Sprintf("criteria[%d].%s", i, part) }
		if c.Field.Label() == "" {
			add(at("field"), "Choose what the criterion looks at.")
			continue
		}
		if c.Field == FieldHeader && !validHeaderName(c.Header) {
			add(at("header"), "Type the header's name, such as X-Mailer (letters, digits and dashes).")
		}
		if c.Condition.Label() == "" {
			add(at("condition"), "Choose a condition.")
			continue
		}
		if !conditionAllowed(c.Field, c.Condition) {
			add(at("condition"), "%q cannot be compared with %q.", c.Field.Label(), c.Condition.Label())
			continue
		}
		if c.Condition == CondExists || c.Condition == CondNotExists {
			continue
		}
		switch fieldKind(c.Field) {
		case kindYesNo:
			if c.Pattern != "1" && c.Pattern != "0" {
				add(at("pattern"), "Choose Yes or No.")
			}
		case kindNumber:
			if n, err := strconv.ParseInt(strings.TrimSpace(c.Pattern), 10, 64); err != nil || n < 0 {
				add(at("pattern"), "Type a size in bytes (a whole number).")
			}
		case kindID:
			if n, err := strconv.ParseInt(strings.TrimSpace(c.Pattern), 10, 64); err != nil || n <= 0 {
				if c.Field == FieldReceiver {
					add(at("pattern"), "Choose a mails receiver.")
				} else {
					add(at("pattern"), "Choose a group.")
				}
			}
		default:
			if c.Pattern == "" {
				add(at("pattern"), "Type the value to compare with.")
			} else if c.Condition == CondRegexMatch || c.Condition == CondRegexNotMatch {
				if _, msg := compilePattern(c.Pattern); msg != "" {
					add(at("pattern"), "%s", msg)
				} else if c.Condition == CondRegexMatch {
					hasRegex = true
				}
			}
		}
	}
	if len(r.Actions) == 0 {
		add("actions", "Add at least one action.")
	}
	for i, a := range r.Actions {
		at := fmt.Sprintf("actions[%d].value", i)
		if a.Kind.Label() == "" {
			add(fmt.Sprintf("actions[%d].kind", i), "Choose an action.")
			continue
		}
		if a.FromRegex {
			switch {
			case !fromRegexKinds[a.Kind]:
				add(at, "%q cannot take its value from a regular expression's result.", a.Kind.Label())
			case !hasRegex:
				add(at, "A value from the regular expression's result needs a criterion with \"regular expression matches\" and a group in parentheses.")
			case !strings.Contains(a.Value, "#"):
				add(at, "Write where the result goes with #0 (the first group in parentheses), #1…")
			}
			continue
		}
		switch a.Kind {
		case ActRefuse, ActRefuseWithAnswer, ActStop:
		case ActAssignUser, ActObserverUser:
			if !positive(a.Value) {
				add(at, "Choose a user.")
			}
		case ActAssignGroup, ActObserverGroup, ActRequesterGroup:
			if !positive(a.Value) {
				add(at, "Choose a group.")
			}
		case ActCategory:
			if !positive(a.Value) {
				add(at, "Choose a category.")
			}
		case ActType:
			if a.Value != "1" && a.Value != "2" {
				add(at, "Choose Incident or Request.")
			}
		case ActUrgency, ActImpact:
			if n, err := strconv.Atoi(a.Value); err != nil || n < 1 || n > 5 {
				add(at, "Choose a level from Very low to Very high.")
			}
		case ActObserverEmail:
			if !plausibleEmail(a.Value) {
				add(at, "Type an e-mail address, such as someone@example.com.")
			}
		case ActExternalID:
			if !positive(a.Value) {
				add(at, "Type a ticket number, or take it from the regular expression's result.")
			}
		}
	}
	return ps
}

func positive(s string) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil && n > 0
}

func plausibleEmail(s string) bool {
	local, domain, ok := strings.Cut(strings.TrimSpace(s), "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " <>,;\"")
}

func validHeaderName(h string) bool {
	if h == "" || len(h) > 100 {
		return false
	}
	for _, r := range h {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// Reads says whether an active rule of the set looks at the field, so the
// caller builds costly values (the body text) only when needed.
func (s *Set) Reads(f Field) bool {
	if s == nil {
		return false
	}
	for _, r := range s.rules {
		if !r.Active {
			continue
		}
		for _, c := range r.Criteria {
			if c.Field == f {
				return true
			}
		}
	}
	return false
}
