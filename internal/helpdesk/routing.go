package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// AuditRules is the audit kind of the changes mail rules make to a new
// ticket.
const AuditRules = "ticket.rules"

// routeFields sets on tk, before it is created, what the mail rules set:
// category, type, urgency and impact (the priority then comes from the
// matrix). They override the receiver's defaults. A category deleted since
// the rule was written is left out (the audit says so).
func routeFields(ctx context.Context, t *store.Store, tk *store.Ticket, r *rules.Result) error {
	if r.CategoryID != nil {
		c, err := t.Category(ctx, *r.CategoryID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case c.IsActive:
			id := c.ID
			tk.CategoryID = &id
		}
	}
	if store.ValidType(r.Type) {
		tk.Type = r.Type
	}
	if store.ValidLevel(r.Urgency) {
		tk.Urgency = r.Urgency
	}
	if store.ValidLevel(r.Impact) {
		tk.Impact = r.Impact
	}
	if len(r.AssignUsers)+len(r.AssignGroups) > 0 {
		tk.Status = settleStatus(tk.Status, 1)
	}
	return nil
}

// routeActors adds to the new ticket the actors the mail rules name
// (technicians and groups assigned, observers, the requester's group) and
// writes one audit row per matching rule, by that rule, as a manual change
// would be audited. Users and groups deleted since the rule was written are
// skipped.
func routeActors(ctx context.Context, t *store.Store, ticketID int64, r *rules.Result) error {
	addUser := func(id int64, role string) error {
		if _, err := t.User(ctx, id); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		_, err := t.AddTicketUser(ctx, ticketID, id, role)
		return err
	}
	addGroup := func(id int64, role string) error {
		if _, err := t.Group(ctx, id); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		_, err := t.AddTicketGroup(ctx, ticketID, id, role)
		return err
	}
	for _, id := range r.AssignUsers {
		if err := addUser(id, store.ActorAssigned); err != nil {
			return err
		}
	}
	for _, id := range r.AssignGroups {
		if err := addGroup(id, store.ActorAssigned); err != nil {
			return err
		}
	}
	for _, id := range r.ObserverUsers {
		if err := addUser(id, store.ActorObserver); err != nil {
			return err
		}
	}
	for _, id := range r.ObserverGroups {
		if err := addGroup(id, store.ActorObserver); err != nil {
			return err
		}
	}
	if r.RequesterGroupID != nil {
		if err := addGroup(*r.RequesterGroupID, store.ActorRequester); err != nil {
			return err
		}
	}
	n := namer{st: t}
	for _, tr := range r.Trace {
		if !tr.Matched || len(tr.Actions) == 0 {
			continue
		}
		var words []string
		for _, a := range tr.Actions {
			if a.Kind == rules.ActStop || a.Kind == rules.ActExternalID {
				continue
			}
			w, err := n.action(ctx, a)
			if err != nil {
				return err
			}
			words = append(words, w)
		}
		if len(words) == 0 {
			continue
		}
		actor := fmt.Sprintf("rule %q", tr.Name)
		if err := t.Audit(ctx, 0, actor, AuditRules, "ticket", ticketID, "By rule "+fmt.Sprintf("%q", tr.Name)+": "+strings.Join(words, "; ")); err != nil {
			return err
		}
	}
	return nil
}

// Refusal answer: GLPI's text (sendMailRefusedResponse).
const refusalText = "Your email could not be processed.\nIf the problem persists, contact the administrator"

// answerRefusal queues, in tx, the answer to a mail a rule refused "with an
// answer", when the receiver sends mail and the mail may be answered
// automatically (never a machine's mail, never over the hourly cap). It
// returns why nothing was queued ("" when queued).
func (s *Service) answerRefusal(ctx context.Context, tx *store.Store, rid *int64, raw []byte, d *ingest.Decision) (string, error) {
	if rid == nil || d.Rules == nil || !d.Rules.RefuseWithAnswer || d.Reason.Code != ingest.ReasonRule {
		return "no answer asked", nil
	}
	snd, err := tx.MailSender(ctx, *rid)
	if err != nil || !snd.On() {
		return "outgoing mail is off", nil
	}
	to := strings.ToLower(strings.TrimSpace(d.Requester.Email))
	if to == "" {
		to = d.From.Email
	}
	in := notify.Inbound{From: to, Header: headerOf(raw), Automatic: d.Automatic,
		OwnAddresses: []string{snd.Login, snd.FromAddress, snd.ReplyTo}}
	if v := notify.MayAutoReply(in); !v.OK {
		return v.Reason, nil
	}
	limit, err := autoMailsPerHour(ctx, tx)
	if err != nil {
		return "", err
	}
	sent, err := tx.AutomaticMailsTo(ctx, to, tx.Now().Add(-time.Hour))
	if err != nil {
		return "", err
	}
	if sent >= int64(limit) {
		return "the address already had " + strconv.Itoa(limit) + " automatic mails this hour", nil
	}
	instance, err := instanceUUID(ctx, tx)
	if err != nil {
		return "", err
	}
	from := snd.FromAddress
	if from == "" {
		from = snd.Login
	}
	subject := "Re: " + notify.OneLine(d.Subject)
	if strings.TrimSpace(d.Subject) == "" {
		subject = "Re: (No subject)"
	}
	now := tx.Now()
	msgID := notify.MessageID(instance, 0, "refusal", now, random32(), notify.Domain(from))
	th := notify.Thread(d.MessageID, nil)
	out, err := submission.Compose(submission.Mail{
		From: submission.Address{Name: snd.FromName, Address: from}, To: []submission.Address{{Name: d.Requester.Name, Address: to}},
		ReplyTo: snd.ReplyTo, Subject: subject, MessageID: msgID, InReplyTo: th.InReplyTo, References: th.References, Date: now,
		Header: [][2]string{{"Auto-Submitted", "auto-replied"}, {"X-Auto-Response-Suppress", "All"}},
		Text:   refusalText,
	})
	if err != nil {
		return "", err
	}
	return "", tx.EnqueueMail(ctx, &store.OutboxMail{Kind: store.MailRefusal, ReceiverID: rid, FromAddress: from,
		Recipients: to, Subject: subject, MessageID: msgID, Raw: out})
}
