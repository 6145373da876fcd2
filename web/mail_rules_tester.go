package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// Setup > Rules for mails > Test rules engine (GLPI's words): a mail
// pasted, uploaded, or taken from a ticket or a not-imported email is
// decided as the collector would decide it, with the saved rules, and
// nothing is saved.

var errNoDesk = errors.New("web: the rule tester needs the helpdesk service")

// ruleTest is a mail decided with the rules, nothing saved.
type ruleTest struct {
	Decision *ingest.Decision
}

// testRules decides raw as receiver rcv (nil: none) would, with rs: the
// collector's own Decide with the same settings and knowledge, in a
// read-only way.
func (h *Handler) testRules(ctx context.Context, raw []byte, rcv *store.Receiver, rs []rules.Rule, stop bool) (ruleTest, error) {
	set, err := h.desk.Settings(ctx, rcv)
	if err != nil {
		return ruleTest{}, err
	}
	compiled, err := rules.Compile(rs)
	if err != nil {
		return ruleTest{}, err
	}
	compiled.StopOnFirstMatch = stop
	set.Rules = compiled
	if rcv != nil {
		set.ReceiverID = rcv.ID
	}
	d, err := ingest.Decide(ctx, raw, set, helpdesk.Knowledge(h.store), time.Now())
	if err != nil {
		return ruleTest{}, err
	}
	return ruleTest{Decision: d}, nil
}

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
		// A pasted mail has the browser's line ends; a mail has CRLF.
		return []byte(strings.ReplaceAll(strings.ReplaceAll(f.Raw, "\r\n", "\n"), "\n", "\r\n")), nil, "the pasted mail", nil
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
	rs, err := h.store.MailRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	stop, err := h.store.MailRulesStopOnFirstMatch(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	names, err := h.ruleNames(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	res, err := h.testRules(ctx, raw, rcv, rs, stop)
	if err != nil {
		f.Errors["form"] = "The rules could not be evaluated: " + err.Error()
		h.render(w, r, http.StatusUnprocessableEntity, views.RuleTesterPage(f, nil))
		return
	}
	out := testResultView(res, rs, names, source)
	h.render(w, r, http.StatusOK, views.RuleTesterPage(f, &out))
}

// testResultView says the decision and the trace with names.
func testResultView(t ruleTest, rs []rules.Rule, names *ruleNames, source string) views.RuleTestResult {
	d := t.Decision
	out := views.RuleTestResult{Source: source, Subject: d.Title, From: d.From.Email}
	switch d.Kind {
	case ingest.KindTicket:
		out.Decision = "New ticket"
	case ingest.KindFollowup:
		out.Decision = fmt.Sprintf("Follow-up of ticket %d", d.TicketID)
	case ingest.KindRefused:
		out.Decision, out.Refused = "Refused: "+ingest.ReasonLabel(d.Reason.Code), true
	case ingest.KindDuplicate:
		out.Decision = fmt.Sprintf("Already imported (ticket %d)", d.TicketID)
	default:
		out.Decision = d.Kind
	}
	out.Reason = d.Reason.Text
	texts := map[int64]ruleText{}
	for _, r := range rs {
		texts[r.ID] = names.text(r)
	}
	if res := d.Rules; res != nil {
		out.Routing = routingWords(res, names)
		for _, tr := range res.Trace {
			rv := views.RuleTraceView{Name: tr.Name, Matched: tr.Matched}
			switch tr.Skipped {
			case "":
				rv.Status = "Not matched"
				if tr.Matched {
					rv.Status = "Matched"
				}
			case "inactive":
				rv.Status = "Skipped: inactive"
			case "other receiver":
				rv.Status = "Skipped: for other receivers"
			case "stopped":
				rv.Status = "Not played: an earlier rule stopped the evaluation"
			default:
				rv.Status = "Skipped: " + tr.Skipped
			}
			text, known := texts[tr.RuleID]
			for i, c := range tr.Criteria {
				words := c.Words
				if known && i < len(text.Criteria) {
					words = criterionWords(text.Criteria[i])
				}
				rv.Criteria = append(rv.Criteria, views.CriterionTraceView{Words: words, Seen: c.Seen, Matched: c.Matched})
			}
			for _, a := range tr.Actions {
				s := a.Kind.Label()
				if a.Value != "" {
					s += ": " + names.name(actionValueKind(a.Kind, false), a.Value)
				}
				if a.Note != "" {
					s += " (" + a.Note + ")"
				}
				rv.Actions = append(rv.Actions, s)
			}
			out.Trace = append(out.Trace, rv)
		}
	}
	return out
}

// routingWords lists what a new ticket gets from the rules, with names.
func routingWords(res *rules.Result, n *ruleNames) []string {
	var out []string
	ids := func(label, kind string, v []int64) {
		if len(v) == 0 {
			return
		}
		var ns []string
		for _, id := range v {
			ns = append(ns, n.name(kind, strconv.FormatInt(id, 10)))
		}
		out = append(out, label+": "+strings.Join(ns, ", "))
	}
	ids(rules.ActAssignUser.Label(), valueUser, res.AssignUsers)
	ids(rules.ActAssignGroup.Label(), valueGroup, res.AssignGroups)
	ids(rules.ActObserverUser.Label(), valueUser, res.ObserverUsers)
	ids(rules.ActObserverGroup.Label(), valueGroup, res.ObserverGroups)
	if len(res.ObserverEmails) > 0 {
		out = append(out, rules.ActObserverEmail.Label()+": "+strings.Join(res.ObserverEmails, ", "))
	}
	if res.CategoryID != nil {
		ids(rules.ActCategory.Label(), valueCategory, []int64{*res.CategoryID})
	}
	if res.Type != 0 {
		out = append(out, rules.ActType.Label()+": "+store.TypeLabel(res.Type))
	}
	if res.Urgency != 0 {
		out = append(out, rules.ActUrgency.Label()+": "+store.LevelLabel(res.Urgency))
	}
	if res.Impact != 0 {
		out = append(out, rules.ActImpact.Label()+": "+store.LevelLabel(res.Impact))
	}
	if res.RequesterGroupID != nil {
		ids(rules.ActRequesterGroup.Label(), valueGroup, []int64{*res.RequesterGroupID})
	}
	if res.FollowupOf != 0 {
		out = append(out, fmt.Sprintf("Follow-up of ticket %d (External ID)", res.FollowupOf))
	}
	return out
}
