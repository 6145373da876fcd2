package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/ruletext"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// Setup > Rules for mails > Test rules engine (GLPI's words): a mail
// pasted, uploaded, or taken from a ticket or a not-imported email is
// decided as the collector would decide it, with the saved rules, and
// nothing is saved.

var errNoDesk = errors.New("web: the rule tester needs the helpdesk service")

func (h *Handler) mailRulesTesterChoices(ctx context.Context, f *views.RuleTesterForm) error {
	rcv, err := h.store.ReceiverNames(ctx)
	if err != nil {
		return err
	}
	f.Receivers = []views.Choice{{Value: "0", Label: "None (no receiver)"}}
	for _, r := range rcv {
		f.Receivers = append(f.Receivers, views.Choice{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
	}
	q, _, err := h.store.ListQuarantine(ctx, store.ListQuery{Page: 1, PerPage: 50})
	if err != nil {
		return err
	}
	f.Quarantined = []views.Choice{{Value: "", Label: "—"}}
	for _, m := range q {
		label := m.Subject
		if label == "" {
			label = "(No subject)"
		}
		f.Quarantined = append(f.Quarantined, views.Choice{Value: strconv.FormatInt(m.ID, 10), Label: label + " — " + m.FromAddress})
	}
	return nil
}

func (h *Handler) mailRulesTester(w http.ResponseWriter, r *http.Request) {
	f := views.RuleTesterForm{Receiver: "0"}
	if err := h.mailRulesTesterChoices(r.Context(), &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.RuleTesterPage(f, nil))
}

// testerSource reads the mail to test: an uploaded file first, then the
// pasted text, then a ticket's original, then a not-imported email's.
func (h *Handler) testerSource(r *http.Request, f *views.RuleTesterForm) ([]byte, *store.Receiver, string, error) {
	ctx := r.Context()
	if file, hdr, err := r.FormFile("file"); err == nil {
		b, rerr := io.ReadAll(file)
		file.Close()
		if rerr != nil {
			return nil, nil, "", rerr
		}
		if len(b) > 0 {
			return b, nil, "the file " + hdr.Filename, nil
		}
	}
	if strings.TrimSpace(f.Raw) != "" {
		return pastedMail(f.Raw), nil, "the pasted mail", nil
	}
	if (strings.TrimSpace(f.Ticket) != "" || f.Quarantine != "") && h.desk == nil {
		return nil, nil, "", errNoDesk
	}
	if t := strings.TrimPrefix(strings.TrimSpace(f.Ticket), "#"); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["ticket"] = "Type a ticket number, such as 42."
			return nil, nil, "", nil
		}
		_, rc, err := h.desk.OpenOriginal(ctx, id, 0)
		if errors.Is(err, store.ErrNotFound) {
			f.Errors["ticket"] = fmt.Sprintf("There is no ticket %d.", id)
			return nil, nil, "", nil
		}
		if errors.Is(err, helpdesk.ErrNoOriginal) {
			f.Errors["ticket"] = fmt.Sprintf("Ticket %d was not made from a mail: it has no original to test.", id)
			return nil, nil, "", nil
		}
		if err != nil {
			return nil, nil, "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		return b, nil, fmt.Sprintf("the original mail of ticket %d", id), err
	}
	if q := f.Quarantine; q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			f.Errors["quarantine"] = "Choose a not-imported email."
			return nil, nil, "", nil
		}
		raw, rcv, err := h.desk.QuarantinedOriginal(ctx, id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, helpdesk.ErrNoOriginal) {
			f.Errors["quarantine"] = "This not-imported email is gone (deleted or purged)."
			return nil, nil, "", nil
		}
		return raw, rcv, "a not-imported email", err
	}
	f.Errors["raw"] = "Paste a mail, choose an .eml file, type a ticket number or choose a not-imported email."
	return nil, nil, "", nil
}

func (h *Handler) mailRulesTest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := views.RuleTesterForm{Raw: r.PostFormValue("raw"), Ticket: r.PostFormValue("ticket"), Quarantine: r.PostFormValue("quarantine"),
		Receiver: r.PostFormValue("receiver"), Errors: map[string]string{}}
	if err := h.mailRulesTesterChoices(ctx, &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	raw, fromRcv, source, err := h.testerSource(r, &f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if raw == nil {
		h.render(w, r, http.StatusUnprocessableEntity, views.RuleTesterPage(f, nil))
		return
	}
	if h.desk == nil {
		h.serverError(w, r, errNoDesk)
		return
	}
	var rcv *store.Receiver
	if id, _ := strconv.ParseInt(f.Receiver, 10, 64); id > 0 {
		if rcv, err = h.store.Receiver(ctx, id); errors.Is(err, store.ErrNotFound) {
			f.Errors["receiver"] = "This receiver no longer exists."
			h.render(w, r, http.StatusUnprocessableEntity, views.RuleTesterPage(f, nil))
			return
		} else if err != nil {
			h.serverError(w, r, err)
			return
		}
	} else if fromRcv != nil {
		rcv = fromRcv
		f.Receiver = strconv.FormatInt(rcv.ID, 10)
	}
	rs, names, _, err := h.savedRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var rcvID int64
	if rcv != nil {
		rcvID = rcv.ID
	}
	res, err := h.desk.TestRules(ctx, raw, rcvID, rs)
	if err != nil {
		f.Errors["form"] = "The rules could not be evaluated: " + err.Error()
		h.render(w, r, http.StatusUnprocessableEntity, views.RuleTesterPage(f, nil))
		return
	}
	subject, from := mailSummary(raw)
	out := testResultView(res, rs, names, source, subject, from)
	h.render(w, r, http.StatusOK, views.RuleTesterPage(f, &out))
}

// pastedMail is a mail pasted in a form: it has the browser's line ends,
// a mail has CRLF.
func pastedMail(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// mailSummary is a mail's subject and sender, for the result's heading.
func mailSummary(raw []byte) (subject, from string) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "(unreadable mail)", ""
	}
	dec := new(mime.WordDecoder)
	subject, err = dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject == "" {
		subject = m.Header.Get("Subject")
	}
	if subject == "" {
		subject = "(No subject)"
	}
	if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
		from = a.Address
	} else {
		from = m.Header.Get("From")
	}
	return subject, from
}

// testResultView shows the tester's answer; each criterion is said with
// names (the trace has the stored IDs) when the rule is the saved one.
func testResultView(t helpdesk.RuleTest, rs []rules.Rule, names *ruletext.Names, source, subject, from string) views.RuleTestResult {
	out := views.RuleTestResult{Source: source, Subject: subject, From: from, Decision: t.Kind, Reason: t.Text, Routing: t.Routing,
		Refused: strings.HasPrefix(t.Kind, "Refused"), Problems: t.Problems}
	if t.Text == "" {
		out.Reason = t.Reason
	}
	for i, tr := range t.Rules {
		rv := views.RuleTraceView{Name: tr.Name, Matched: tr.Matched, Actions: tr.Actions}
		switch {
		case tr.Skipped != "":
			rv.Status = tr.Skipped
		case tr.Matched:
			rv.Status = "Matched"
		default:
			rv.Status = "Not matched"
		}
		var text *ruletext.Rule
		if i < len(rs) && rs[i].Name == tr.Name {
			rt := names.Text(rs[i])
			text = &rt
		}
		for j, c := range tr.Criteria {
			words := c.Words
			if text != nil && j < len(text.Criteria) {
				words = criterionWords(text.Criteria[j])
			}
			rv.Criteria = append(rv.Criteria, views.CriterionTraceView{Words: words, Seen: c.Seen, Matched: c.Matched})
		}
		out.Trace = append(out.Trace, rv)
	}
	return out
}

// mailRuleTestAsTyped tests the rule of the edit page as typed, not
// saved: in its place among the saved rules (a new rule last, where
// saving puts it), on a pasted mail, as a chosen receiver. Nothing is
// saved; the form comes back as typed with the result under it.
func (h *Handler) mailRuleTestAsTyped(w http.ResponseWriter, r *http.Request, names *ruletext.Names, rule rules.Rule, in *ruleFormInput) {
	ctx := r.Context()
	f := in.view(names, rule.ID, map[string]string{})
	if strings.TrimSpace(in.TestRaw) == "" {
		f.Errors["test_raw"] = "Paste a mail to test the rule on."
		h.render(w, r, http.StatusUnprocessableEntity, views.RulePage(f, nil))
		return
	}
	var rcvID int64
	if in.TestReceiver != "" {
		v, msg := names.Value(ruletext.ValueReceiver, in.TestReceiver)
		if msg != "" {
			f.Errors["form"] = msg
			h.render(w, r, http.StatusUnprocessableEntity, views.RulePage(f, nil))
			return
		}
		rcvID, _ = strconv.ParseInt(v, 10, 64)
	}
	if h.desk == nil {
		h.serverError(w, r, errNoDesk)
		return
	}
	saved, err := h.store.MailRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// The rules are played by ranking: the rule as typed takes its saved
	// rule's, a new rule the one after the last.
	rs, placed, last := make([]rules.Rule, 0, len(saved)+1), false, 0
	for _, s := range saved {
		last = max(last, s.Ranking)
		if rule.ID != 0 && s.ID == rule.ID {
			rule.Ranking = s.Ranking
			s, placed = rule, true
		}
		rs = append(rs, s)
	}
	if !placed {
		rule.Ranking = last + 1
		rs = append(rs, rule)
	}
	raw := pastedMail(in.TestRaw)
	res, err := h.desk.TestRules(ctx, raw, rcvID, rs)
	if err != nil {
		f.Errors["form"] = "The rules could not be evaluated: " + err.Error()
		h.render(w, r, http.StatusUnprocessableEntity, views.RulePage(f, nil))
		return
	}
	subject, from := mailSummary(raw)
	out := testResultView(res, rs, names, "the pasted mail, with this rule as typed (not saved)", subject, from)
	f.Test = &out
	h.render(w, r, http.StatusOK, views.RulePage(f, nil))
}
