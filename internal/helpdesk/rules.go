package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// The knowledge answers the mail rules too (rules.Env), read-only.

func (k knowledge) RequesterKnown(ctx context.Context, email string) (bool, error) {
	ok, err := k.st.RequesterKnown(ctx, email)
	if err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return ok, nil
}

func (k knowledge) RequesterGroups(ctx context.Context, email string) ([]int64, error) {
	ids, err := k.st.UserIDsByEmail(ctx, []string{email})
	if err != nil {
		return nil, fmt.Errorf("helpdesk: %w", err)
	}
	id, ok := ids[strings.ToLower(email)]
	if !ok {
		return nil, nil
	}
	gs, err := k.st.UserGroupIDs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("helpdesk: %w", err)
	}
	return gs, nil
}

func (k knowledge) KnownDomain(ctx context.Context, domain string) (bool, error) {
	ok, err := k.st.MailDomainKnown(ctx, domain)
	if err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return ok, nil
}

// CategoryByName finds an active category by its name or its full path
// ("Hardware > Printer"), case-insensitive; a full path wins over a name
// that several categories share.
func (k knowledge) CategoryByName(ctx context.Context, name string) (int64, bool, error) {
	cs, err := k.st.Categories(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("helpdesk: %w", err)
	}
	name = strings.TrimSpace(name)
	var byName int64
	for _, c := range cs {
		if !c.IsActive {
			continue
		}
		if strings.EqualFold(c.FullName, name) {
			return c.ID, true, nil
		}
		if byName == 0 && strings.EqualFold(c.Name, name) {
			byName = c.ID
		}
	}
	return byName, byName != 0, nil
}

func (k knowledge) GroupByName(ctx context.Context, name string) (int64, bool, error) {
	gs, err := k.st.Groups(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("helpdesk: %w", err)
	}
	for _, g := range gs {
		if strings.EqualFold(g.Name, strings.TrimSpace(name)) {
			return g.ID, true, nil
		}
	}
	return 0, false, nil
}

// mailRules reads the rules and the "stop at the first matching rule"
// setting from the store and compiles them: read for each collect run, so
// a change applies to the next mail in every instance. A rule the store
// holds but that does not compile (written behind the console's back) is
// left out and logged; the others apply.
func mailRules(ctx context.Context, st *store.Store) (*rules.Set, error) {
	rs, err := st.MailRules(ctx)
	if err != nil {
		return nil, err
	}
	stop, err := st.MailRulesStopOnFirstMatch(ctx)
	if err != nil {
		return nil, err
	}
	set, err := rules.Compile(rs)
	if err != nil {
		slog.Warn("helpdesk: mail rules left out", "error", err)
	}
	set.StopOnFirstMatch = stop
	return set, nil
}

// RuleTest is what the rule tester shows: the decision in words and each
// rule as it was evaluated, values named (never IDs).
type RuleTest struct {
	Kind    string // "New ticket", "Follow-up of ticket 12", "Refused"…
	Reason  string // the reason's label
	Text    string // the reason's sentence
	Routing []string
	Rules   []RuleTestRule
	// Problems are the rules left out because they are invalid.
	Problems []string
}

// RuleTestRule is one rule as the tester shows it.
type RuleTestRule struct {
	Name     string
	Skipped  string // "Inactive", "Other mails receiver", "Not evaluated: an earlier rule stopped the evaluation"; empty when evaluated
	Matched  bool
	Criteria []rules.CriterionTrace
	Actions  []string
}

// TestRules decides the raw mail as receiverID would (0: no receiver)
// with the rules rs instead of the stored ones (the stored "stop at the
// first matching rule" setting applies), and says what would happen. It
// saves nothing: the same Decide, reading the store only.
func (s *Service) TestRules(ctx context.Context, raw []byte, receiverID int64, rs []rules.Rule) (RuleTest, error) {
	var r *store.Receiver
	if receiverID > 0 {
		got, err := s.st.Receiver(ctx, receiverID)
		if err != nil {
			return RuleTest{}, fmt.Errorf("helpdesk: rule test: %w", err)
		}
		r = got
	}
	set, err := settingsFrom(ctx, s.st, r)
	if err != nil {
		return RuleTest{}, err
	}
	var out RuleTest
	compiled, cerr := rules.Compile(rs)
	for _, e := range splitJoined(cerr) {
		out.Problems = append(out.Problems, e.Error())
	}
	stop, err := s.st.MailRulesStopOnFirstMatch(ctx)
	if err != nil {
		return RuleTest{}, fmt.Errorf("helpdesk: rule test: %w", err)
	}
	compiled.StopOnFirstMatch = stop
	set.Rules = compiled
	d, err := ingest.Decide(ctx, raw, set, Knowledge(s.st), time.Now())
	if err != nil {
		return RuleTest{}, fmt.Errorf("helpdesk: rule test: %w", err)
	}
	n := namer{st: s.st}
	switch d.Kind {
	case ingest.KindTicket:
		out.Kind = "New ticket"
	case ingest.KindFollowup:
		out.Kind = fmt.Sprintf("Follow-up of ticket %d", d.TicketID)
	case ingest.KindDuplicate:
		out.Kind = fmt.Sprintf("Copy of the mail that opened ticket %d", d.TicketID)
	default:
		out.Kind = "Refused (Not imported emails)"
	}
	out.Reason, out.Text = ingest.ReasonLabel(d.Reason.Code), d.Reason.Text
	if d.Rules == nil {
		return out, nil
	}
	if d.Kind == ingest.KindTicket {
		if out.Routing, err = n.routing(ctx, d.Rules); err != nil {
			return RuleTest{}, err
		}
	}
	for _, t := range d.Rules.Trace {
		tr := RuleTestRule{Name: t.Name, Matched: t.Matched, Criteria: t.Criteria}
		switch t.Skipped {
		case "inactive":
			tr.Skipped = "Inactive"
		case "other receiver":
			tr.Skipped = "Other mails receiver"
		case "stopped":
			tr.Skipped = "Not evaluated: an earlier rule stopped the evaluation"
		}
		for _, a := range t.Actions {
			w, err := n.action(ctx, a)
			if err != nil {
				return RuleTest{}, err
			}
			tr.Actions = append(tr.Actions, w)
		}
		out.Rules = append(out.Rules, tr)
	}
	return out, nil
}

func splitJoined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// namer says IDs as names.
type namer struct{ st *store.Store }

func (n namer) user(ctx context.Context, id int64) (string, error) {
	u, err := n.st.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("a deleted user (%d)", id), nil
	}
	if err != nil {
		return "", fmt.Errorf("helpdesk: %w", err)
	}
	if u.Name != "" {
		return u.Name, nil
	}
	return u.Login, nil
}

func (n namer) group(ctx context.Context, id int64) (string, error) {
	g, err := n.st.Group(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("a deleted group (%d)", id), nil
	}
	if err != nil {
		return "", fmt.Errorf("helpdesk: %w", err)
	}
	return g.Name, nil
}

func (n namer) category(ctx context.Context, id int64) (string, error) {
	c, err := n.st.Category(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Sprintf("a deleted category (%d)", id), nil
	}
	if err != nil {
		return "", fmt.Errorf("helpdesk: %w", err)
	}
	if c.FullName != "" {
		return c.FullName, nil
	}
	return c.Name, nil
}

// action says one action of the trace with names.
func (n namer) action(ctx context.Context, a rules.ActionTrace) (string, error) {
	id, _ := strconv.ParseInt(a.Value, 10, 64)
	val := a.Value
	var err error
	if a.Note == "" {
		switch a.Kind {
		case rules.ActAssignUser, rules.ActObserverUser:
			val, err = n.user(ctx, id)
		case rules.ActAssignGroup, rules.ActObserverGroup, rules.ActRequesterGroup:
			val, err = n.group(ctx, id)
		case rules.ActCategory:
			val, err = n.category(ctx, id)
		case rules.ActType:
			val = store.TypeLabel(int(id))
		case rules.ActUrgency, rules.ActImpact:
			val = store.LevelLabel(int(id))
		case rules.ActExternalID:
			val = fmt.Sprintf("ticket %d", id)
		}
	}
	if err != nil {
		return "", err
	}
	return rules.ActionTrace{Kind: a.Kind, Value: val, Note: a.Note}.Words(), nil
}

// routing says what a new ticket gets from the rules, with names.
func (n namer) routing(ctx context.Context, r *rules.Result) ([]string, error) {
	var out []string
	add := func(label string, ids []int64, name func(context.Context, int64) (string, error)) error {
		for _, id := range ids {
			s, err := name(ctx, id)
			if err != nil {
				return err
			}
			out = append(out, label+": "+s)
		}
		return nil
	}
	if err := add(rules.ActAssignUser.Label(), r.AssignUsers, n.user); err != nil {
		return nil, err
	}
	if err := add(rules.ActAssignGroup.Label(), r.AssignGroups, n.group); err != nil {
		return nil, err
	}
	if err := add(rules.ActObserverUser.Label(), r.ObserverUsers, n.user); err != nil {
		return nil, err
	}
	if err := add(rules.ActObserverGroup.Label(), r.ObserverGroups, n.group); err != nil {
		return nil, err
	}
	for _, e := range r.ObserverEmails {
		out = append(out, rules.ActObserverEmail.Label()+": "+e)
	}
	if r.CategoryID != nil {
		if err := add(rules.ActCategory.Label(), []int64{*r.CategoryID}, n.category); err != nil {
			return nil, err
		}
	}
	if r.Type != 0 {
		out = append(out, rules.ActType.Label()+": "+store.TypeLabel(r.Type))
	}
	if r.Urgency != 0 {
		out = append(out, rules.ActUrgency.Label()+": "+store.LevelLabel(r.Urgency))
	}
	if r.Impact != 0 {
		out = append(out, rules.ActImpact.Label()+": "+store.LevelLabel(r.Impact))
	}
	if r.RequesterGroupID != nil {
		if err := add(rules.ActRequesterGroup.Label(), []int64{*r.RequesterGroupID}, n.group); err != nil {
			return nil, err
		}
	}
	return out, nil
}
