package rules

import (
	"context"
	"strconv"
	"strings"
)

// view is one mail as the criteria read it: values computed once per mail,
// when a rule first needs them, and store answers asked once.
type view struct {
	m          Mail
	receiverID int64
	env        Env
	ctx        context.Context
	err        error

	vals  map[string][]string // field key -> values
	seen  map[string]string   // field key -> the values as the trace shows them
	lower map[string][]string // field key -> values lower-cased

	known, domain   *bool
	groups          []int64
	groupsRead      bool
	groupNames      map[string]groupAnswer
	categoryAnswers map[string]groupAnswer
}

type groupAnswer struct {
	id int64
	ok bool
}

// headerNames are the header criteria's headers.
var headerNames = map[Field]string{
	FieldMessageID:             "Message-ID",
	FieldInReplyTo:             "In-Reply-To",
	FieldReferences:            "References",
	FieldXPriority:             "X-Priority",
	FieldAutoSubmitted:         "Auto-Submitted",
	FieldXAutoResponseSuppress: "X-Auto-Response-Suppress",
	FieldXUCEStatus:            "X-UCE-Status",
	FieldReceived:              "Received",
}

func key(c *compiledCrit) string {
	if c.Field == FieldHeader {
		return "h:" + strings.ToLower(c.Header)
	}
	if h, ok := headerNames[c.Field]; ok {
		return "h:" + strings.ToLower(h)
	}
	return string(c.Field)
}

func yesNo(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// values are the values a criterion compares: one for most fields, one per
// recipient, per header occurrence or per group.
func (v *view) values(c *compiledCrit) []string {
	k := key(c)
	if vs, ok := v.vals[k]; ok {
		return vs
	}
	var vs []string
	switch {
	case strings.HasPrefix(k, "h:"):
		name := k[2:]
		for _, h := range v.m.Headers {
			if strings.EqualFold(h.Key, name) {
				vs = append(vs, h.Value)
			}
		}
	default:
		switch c.Field {
		case FieldReceiver:
			vs = []string{strconv.FormatInt(v.receiverID, 10)}
		case FieldFrom:
			vs = nonEmpty(v.m.From)
		case FieldTo:
			vs = v.m.To
		case FieldCc:
			vs = v.m.Cc
		case FieldSubject:
			vs = nonEmpty(v.m.Subject)
		case FieldBody:
			vs = nonEmpty(v.m.Body)
		case FieldHeaders:
			var b strings.Builder
			for _, h := range v.m.Headers {
				b.WriteString(h.Key)
				b.WriteString(": ")
				b.WriteString(h.Value)
				b.WriteByte('\n')
			}
			vs = nonEmpty(b.String())
		case FieldHasAttachments:
			vs = []string{yesNo(v.m.HasAttachments)}
		case FieldSize:
			vs = []string{strconv.FormatInt(v.m.Size, 10)}
		case FieldRequesterKnown:
			if v.known == nil {
				b := false
				if v.env != nil && v.m.From != "" {
					b, v.err = v.env.RequesterKnown(v.ctx, v.m.From)
				}
				v.known = &b
			}
			vs = []string{yesNo(*v.known)}
		case FieldKnownDomain:
			if v.domain == nil {
				b := false
				if _, d, ok := strings.Cut(v.m.From, "@"); ok && v.env != nil {
					b, v.err = v.env.KnownDomain(v.ctx, d)
				}
				v.domain = &b
			}
			vs = []string{yesNo(*v.domain)}
		case FieldRequesterGroups:
			if !v.groupsRead {
				v.groupsRead = true
				if v.env != nil && v.m.From != "" {
					v.groups, v.err = v.env.RequesterGroups(v.ctx, v.m.From)
				}
			}
			for _, g := range v.groups {
				vs = append(vs, strconv.FormatInt(g, 10))
			}
		}
	}
	if v.vals == nil {
		v.vals = map[string][]string{}
	}
	v.vals[k] = vs
	return vs
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (v *view) lowered(c *compiledCrit, vs []string) []string {
	k := key(c)
	if ls, ok := v.lower[k]; ok {
		return ls
	}
	ls := make([]string, len(vs))
	for i, s := range vs {
		ls[i] = strings.ToLower(s)
	}
	if v.lower == nil {
		v.lower = map[string][]string{}
	}
	v.lower[k] = ls
	return ls
}

// eval compares; seen is what the trace shows of the value.
func (c *compiledCrit) eval(v *view) (ok bool, seen string, caps []string) {
	vs := v.values(c)
	if v.err != nil {
		return false, "", nil
	}
	seen = v.seenOf(c, vs)
	switch c.Condition {
	case CondExists, CondNotExists:
		present := false
		for _, s := range vs {
			if strings.TrimSpace(s) != "" {
				present = true
				break
			}
		}
		return present == (c.Condition == CondExists), seen, nil
	case CondUnder, CondNotUnder:
		n, _ := strconv.ParseInt(firstOr(vs, "0"), 10, 64)
		return (n < c.num) == (c.Condition == CondUnder), seen, nil
	}
	switch fieldKind(c.Field) {
	case kindNumber, kindID, kindYesNo:
		hit := false
		for _, s := range vs {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && c.numeric && n == c.num {
				hit = true
				break
			}
		}
		return hit == (c.Condition == CondIs), seen, nil
	}
	switch c.Condition {
	case CondRegexMatch, CondRegexNotMatch:
		hit := false
		var ls []string
		for _, l := range c.lits {
			if l.fold && ls == nil {
				ls = v.lowered(c, vs)
			}
		}
		for i, s := range vs {
			if !c.mayMatch(s, ls, i) {
				continue
			}
			if c.Condition == CondRegexNotMatch {
				if c.re.MatchString(s) {
					hit = true
					break
				}
				continue
			}
			if !c.re.MatchString(s) {
				continue
			}
			hit = true
			if c.re.NumSubexp() > 0 {
				caps = c.re.FindStringSubmatch(s)[1:]
			}
			break
		}
		if c.Condition == CondRegexNotMatch {
			return !hit, seen, nil
		}
		return hit, seen, caps
	}
	ls := v.lowered(c, vs)
	hit := false
	for _, s := range ls {
		switch c.Condition {
		case CondIs, CondIsNot:
			hit = s == c.lower
		case CondContains, CondNotContains:
			hit = strings.Contains(s, c.lower)
		case CondStartsWith:
			hit = strings.HasPrefix(s, c.lower)
		case CondEndsWith:
			hit = strings.HasSuffix(s, c.lower)
		}
		if hit {
			break
		}
	}
	switch c.Condition {
	case CondIsNot, CondNotContains:
		return !hit, seen, nil
	}
	return hit, seen, nil
}

// seenOf is the values as the trace shows them, shortened, once per mail.
func (v *view) seenOf(c *compiledCrit, vs []string) string {
	k := key(c)
	if s, ok := v.seen[k]; ok {
		return s
	}
	s := "(none)"
	switch {
	case len(vs) == 0:
	case fieldKind(c.Field) == kindYesNo:
		s = map[string]string{"1": "Yes", "0": "No"}[vs[0]]
	case len(vs) == 1:
		s = shorten(vs[0], 120)
	default:
		s = shorten(strings.Join(vs, ", "), 120)
	}
	if v.seen == nil {
		v.seen = map[string]string{}
	}
	v.seen[k] = s
	return s
}

// mayMatch tests the required literals: false means the expression cannot
// match this value.
func (c *compiledCrit) mayMatch(s string, lowered []string, i int) bool {
	for _, l := range c.lits {
		if l.fold {
			if !strings.Contains(lowered[i], l.text) {
				return false
			}
		} else if !strings.Contains(s, l.text) {
			return false
		}
	}
	return true
}

func firstOr(vs []string, def string) string {
	if len(vs) == 0 {
		return def
	}
	return vs[0]
}

// group resolves an action's group: an ID, or a name from a capture.
func (v *view) group(val string, byName bool) (int64, bool) {
	if v.groupNames == nil {
		v.groupNames = map[string]groupAnswer{}
	}
	return v.resolve(val, byName, v.groupNames, func() func(context.Context, string) (int64, bool, error) { return v.env.GroupByName })
}

// category resolves an action's category: an ID, or a name or path from a
// capture.
func (v *view) category(val string, byName bool) (int64, bool) {
	if v.categoryAnswers == nil {
		v.categoryAnswers = map[string]groupAnswer{}
	}
	return v.resolve(val, byName, v.categoryAnswers, func() func(context.Context, string) (int64, bool, error) { return v.env.CategoryByName })
}

// resolve reads an ID, or asks the store for a name once per mail.
func (v *view) resolve(val string, byName bool, cache map[string]groupAnswer, lookup func() func(context.Context, string) (int64, bool, error)) (int64, bool) {
	if !byName {
		id, err := strconv.ParseInt(val, 10, 64)
		return id, err == nil && id > 0
	}
	if val == "" || v.env == nil {
		return 0, false
	}
	k := strings.ToLower(val)
	if a, ok := cache[k]; ok {
		return a.id, a.ok
	}
	id, ok, err := lookup()(v.ctx, val)
	if err != nil {
		v.err = err
		return 0, false
	}
	cache[k] = groupAnswer{id, ok}
	return id, ok
}
