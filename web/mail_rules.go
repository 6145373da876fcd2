package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/ruletext"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// Setup > Rules for mails: the ordered list, the rule form, moves and the
// rule set's "stop at the first matching rule". Administrators only (see
// the route table); every change is audited.

const rulesPath = "/setup/mailrules"

func rulePath(id int64) string { return rulesPath + "/" + strconv.FormatInt(id, 10) }

// builtInRules are the checks no rule can switch off, shown in the list.
func builtInRules() []views.BuiltInRule {
	var out []views.BuiltInRule
	for _, b := range rules.BuiltIn() {
		out = append(out, views.BuiltInRule{Name: b.Name, Description: b.Description})
	}
	return out
}

// savedRules reads the rules in their order, the names their IDs stand
// for, and "stop at the first matching rule".
func (h *Handler) savedRules(ctx context.Context) ([]rules.Rule, *ruletext.Names, bool, error) {
	rs, err := h.store.MailRules(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	names, err := ruletext.Load(ctx, h.store)
	if err != nil {
		return nil, nil, false, err
	}
	stop, err := h.store.MailRulesStopOnFirstMatch(ctx)
	return rs, names, stop, err
}

func (h *Handler) mailRulesList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rs, names, stop, err := h.savedRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// After a move the moved rule's button keeps the focus, so a keyboard
	// user can move it again (or the other button at either end).
	moved, _ := strconv.ParseInt(r.URL.Query().Get("moved"), 10, 64)
	dir := r.URL.Query().Get("dir")
	rows := make([]views.RuleRow, 0, len(rs))
	for i, rule := range rs {
		t := names.Text(rule)
		row := views.RuleRow{ID: rule.ID, Position: i + 1, Name: rule.Name, Description: rule.Description, Active: rule.Active,
			First: i == 0, Last: i == len(rs)-1, Receivers: t.Receivers}
		if rule.ID == moved {
			row.Focus = "down"
			if (dir == "up" && !row.First) || row.Last {
				row.Focus = "up"
			}
		}
		for _, c := range t.Criteria {
			row.Criteria = append(row.Criteria, criterionWords(c))
		}
		for _, a := range t.Actions {
			row.Actions = append(row.Actions, actionWords(a))
		}
		rows = append(rows, row)
	}
	// The list's History: every change to the rules, the settings and
	// imports (which are about no one rule) and deleted rules included.
	ev, err := h.store.AuditEventsOfType(ctx, "mail_rule", 200)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.RulesPage(views.RulesList{Rows: rows, BuiltIn: builtInRules(), StopOnFirstMatch: stop, History: historyOf(r.Context(), ev)}))
}

// criterionWords says a criterion in the console's words.
func criterionWords(c ruletext.Criterion) string {
	f := rules.Field(c.Field).Label()
	if rules.Field(c.Field) == rules.FieldHeader {
		f = "Email header " + c.Header
	}
	s := f + " " + rules.Condition(c.Condition).Label()
	if !ruletext.NeedsNoPattern(rules.Condition(c.Condition)) {
		s += " " + strconv.Quote(c.Pattern)
	}
	return s
}

// actionWords says an action in the console's words.
func actionWords(a ruletext.Action) string {
	k := rules.ActionKind(a.Kind)
	if ruletext.ActionValueKind(k, false) == ruletext.ValueNone {
		return k.Label()
	}
	if a.FromRegex {
		return k.Label() + " from the regular expression result " + strconv.Quote(a.Value)
	}
	return k.Label() + ": " + a.Value
}

func (h *Handler) mailRuleNew(w http.ResponseWriter, r *http.Request) {
	names, err := ruletext.Load(r.Context(), h.store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	t := ruletext.Rule{Active: true, Match: string(rules.MatchAll),
		Criteria: []ruletext.Criterion{{Field: string(rules.FieldSubject), Condition: string(rules.CondContains)}},
		Actions:  []ruletext.Action{{Kind: string(rules.ActAssignGroup)}}}
	h.render(w, r, http.StatusOK, views.RulePage(ruleFormView(names, 0, t, nil), nil))
}

func (h *Handler) mailRuleEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	rule, err := h.store.MailRule(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	names, err := ruletext.Load(r.Context(), h.store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	hist, err := h.historyRows(r.Context(), "mail_rule", id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.RulePage(ruleFormView(names, id, names.Text(rule), nil), hist))
}

// mailRuleSave creates (no id in the path) or updates a rule, or, for a
// row button, shows the form again with the row added or removed and
// everything typed kept.
func (h *Handler) mailRuleSave(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = idParam(r, "id"); !ok {
			h.notFound(w, r)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	ctx := r.Context()
	names, err := ruletext.Load(ctx, h.store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	in := parseRuleForm(r)
	if in.applyRowOp() {
		h.render(w, r, http.StatusOK, views.RulePage(in.view(names, id, nil), nil))
		return
	}
	rule, problems := names.Rule(in.Text)
	if len(problems) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.RulePage(in.view(names, id, problems), nil))
		return
	}
	rule.ID = id
	if in.Op == "test" {
		h.mailRuleTestAsTyped(w, r, names, rule, &in)
		return
	}
	kind := "mail_rule.update"
	if id == 0 {
		kind = "mail_rule.create"
	}
	err = h.audited(ctx, userOf(r), kind, "mail_rule", func(s *store.Store) (int64, string, error) {
		if err := s.SaveMailRule(ctx, &rule); err != nil {
			return 0, "", err
		}
		return rule.ID, fmt.Sprintf("mail rule %s saved (%s, %d criteria, %d actions)", rule.Name, activeWord(rule.Active), len(rule.Criteria), len(rule.Actions)), nil
	})
	if msg := ruleRefusal(err); msg != "" {
		h.render(w, r, http.StatusUnprocessableEntity, views.RulePage(in.view(names, id, map[string]string{"form": msg}), nil))
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Rule "+rule.Name+" saved.")
	redirect(w, r, rulePath(rule.ID))
}

// ruleRefusal is the form's message for a rule the store refused for its
// content; "" for anything else.
func ruleRefusal(err error) string {
	var m store.Message
	switch {
	case errors.As(err, &m):
		return string(m)
	case errors.Is(err, store.ErrInvalid):
		return "The rule cannot be kept: " + strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": ") + "."
	}
	return ""
}

func activeWord(b bool) string {
	if b {
		return "active"
	}
	return "inactive"
}

func (h *Handler) mailRuleDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	var name string
	err := h.audited(ctx, userOf(r), "mail_rule.delete", "mail_rule", func(s *store.Store) (int64, string, error) {
		rule, err := s.MailRule(ctx, id)
		if err != nil {
			return 0, "", err
		}
		name = rule.Name
		return id, "mail rule " + rule.Name + " deleted", s.DeleteMailRule(ctx, id)
	})
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Rule "+name+" deleted.")
	redirect(w, r, rulesPath)
}

// mailRuleMove moves a rule one place up or down (GLPI's ranking arrows).
func (h *Handler) mailRuleMove(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	delta, word := 1, "down"
	if r.PostFormValue("direction") == "up" {
		delta, word = -1, "up"
	}
	ctx := r.Context()
	err := h.audited(ctx, userOf(r), "mail_rule.move", "mail_rule", func(s *store.Store) (int64, string, error) {
		rule, err := s.MailRule(ctx, id)
		if err != nil {
			return 0, "", err
		}
		return id, "mail rule " + rule.Name + " moved " + word, s.MoveMailRule(ctx, id, delta)
	})
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// Back to the list, at the moved rule's buttons, so a keyboard user
	// can move it again.
	redirect(w, r, rulesPath+"?moved="+strconv.FormatInt(id, 10)+"&dir="+word+"#rule-"+strconv.FormatInt(id, 10))
}

// mailRulesSettings saves "stop at the first matching rule".
func (h *Handler) mailRulesSettings(w http.ResponseWriter, r *http.Request) {
	stop := r.PostFormValue("stop_on_first_match") == "1"
	ctx := r.Context()
	err := h.audited(ctx, userOf(r), "mail_rule.settings", "mail_rule", func(s *store.Store) (int64, string, error) {
		msg := "mail rules: stop at the first matching rule"
		if !stop {
			msg = "mail rules: play every matching rule"
		}
		return 0, msg, s.SetMailRulesStopOnFirstMatch(ctx, stop)
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Settings saved.")
	redirect(w, r, rulesPath)
}
