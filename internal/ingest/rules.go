package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-message"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// autoVerdict is what the automatic-mail check found: code and words as
// autoMessage says them; byRules when only the Auto-Submitted header marks
// the mail, which the mail rules then decide on; imported when the
// receiver imports automatic notifications.
type autoVerdict struct {
	code, words       string
	byRules, imported bool
}

// applyRules evaluates the mail rules (Settings.Rules) and records what
// they did in d.Rules. It returns true when a rule refused the mail (d is
// then the refusal). The store is asked through k when it also answers
// rules.Env.
func (c *compiled) applyRules(ctx context.Context, k Knowledge, ent *message.Entity, e envelope, d *Decision, w *walker, b body, av autoVerdict, why *[]string) (bool, error) {
	if c.Rules.Len() == 0 {
		return false, nil
	}
	env, _ := k.(rules.Env)
	res := c.Rules.Evaluate(ctx, c.ruleMail(ent, e, d, w, b), c.ReceiverID, env)
	if res.Err != nil {
		return false, fmt.Errorf("ingest: mail rules: %w", res.Err)
	}
	d.Rules = &res
	switch {
	case res.Refuse && c.ImportAnyway:
		*why = append(*why, fmt.Sprintf("Imported anyway, although the mail rule %q refuses it.", res.RefusedBy))
		return false, nil
	case res.Refuse && av.imported && av.code == ReasonAutoNotification:
		// The receiver imports automatic notifications: its choice wins
		// over a rule refusing them (GLPI's Auto-Submitted rule does).
		return false, nil
	case res.Refuse && av.byRules:
		// The rule refuses what the Auto-Submitted header says: the
		// reason keeps the words for it; the trace names the rule.
		if av.code == ReasonAutoReply {
			refuse(d, ReasonAutoReply, "Automatic reply, not written by a person: "+av.words+".")
		} else {
			refuse(d, ReasonAutoNotification, "Automatic notification, not written by a person: "+av.words+".")
		}
		return true, nil
	case res.Refuse:
		text := fmt.Sprintf("Refused by the mail rule %q.", res.RefusedBy)
		if res.RefuseWithAnswer {
			text = fmt.Sprintf("Refused by the mail rule %q, which answers the sender.", res.RefusedBy)
		}
		refuse(d, ReasonRule, text)
		return true, nil
	}
	if av.byRules {
		*why = append(*why, "Imported although a machine sent it ("+av.words+"): no mail rule refuses it. It is never answered automatically.")
	}
	if res.Routes() {
		names := make([]string, len(res.Applied))
		for i, n := range res.Applied {
			names[i] = fmt.Sprintf("%q", n)
		}
		label := "Mail rule applied: "
		if len(names) > 1 {
			label = "Mail rules applied: "
		}
		*why = append(*why, label+strings.Join(names, ", ")+".")
	}
	return false, nil
}

// ruleMail is the mail as the rules read it. The body text is built only
// when a rule reads it.
func (c *compiled) ruleMail(ent *message.Entity, e envelope, d *Decision, w *walker, b body) rules.Mail {
	m := rules.Mail{ReceiverID: c.ReceiverID, From: e.From.Email, Subject: e.Subject, Size: d.Size, HasAttachments: len(w.docs) > 0}
	for _, a := range e.To {
		m.To = append(m.To, a.Email)
	}
	for _, a := range e.Cc {
		m.Cc = append(m.Cc, a.Email)
	}
	if c.Rules.Reads(rules.FieldBody) {
		var sb strings.Builder
		for _, s := range b {
			if s.html {
				sb.WriteString(htmlText(s.s))
			} else {
				sb.WriteString(s.s)
			}
			sb.WriteByte('\n')
		}
		m.Body = sb.String()
	}
	fs := ent.Header.Fields()
	for fs.Next() {
		v, err := fs.Text()
		if err != nil {
			v = fs.Value()
		}
		m.Headers = append(m.Headers, rules.Header{Key: fs.Key(), Value: v})
	}
	return m
}

// externalID turns a new ticket into a follow-up of the ticket a rule
// names (GLPI's "External ID"), when that ticket exists and is open.
func (c *compiled) externalID(ctx context.Context, k Knowledge, d *Decision, why *[]string) error {
	if d.Rules == nil || d.Rules.FollowupOf == 0 || d.Kind != KindTicket {
		return nil
	}
	id, name := d.Rules.FollowupOf, ""
	for _, t := range d.Rules.Trace {
		for _, a := range t.Actions {
			if a.Kind == rules.ActExternalID && a.Note == "" {
				name = t.Name
			}
		}
	}
	t, found, err := k.Ticket(ctx, id)
	if err != nil {
		return fmt.Errorf("ingest: look up ticket %d named by a mail rule: %w", id, err)
	}
	switch {
	case !found:
		*why = append(*why, fmt.Sprintf("The mail rule %q names ticket %d, which does not exist: a new ticket is opened.", name, id))
	case t.Closed:
		*why = append(*why, fmt.Sprintf("The mail rule %q names ticket %d, which is closed: a new ticket is opened.", name, id))
	default:
		d.Kind, d.TicketID, d.Reopen = KindFollowup, t.ID, t.Solved
		d.Reason = Reason{ReasonRule, fmt.Sprintf("Follow-up of ticket %d, which the mail rule %q names (External ID).", t.ID, name)}
	}
	return nil
}
