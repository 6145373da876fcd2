package helpdesk

import (
	"bytes"
	"context"
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// SettingAutoMailsPerHour caps the automatic mails (acknowledgments,
// solved notices) to one address per hour; past it they are skipped.
const SettingAutoMailsPerHour = "outgoing.auto_mails_per_hour"

// DefaultAutoMailsPerHour is the cap when none is set.
const DefaultAutoMailsPerHour = 10

// Notification is a receiver's notification as the form shows it: the
// saved one, or the default text.
type Notification struct {
	Event   string
	Enabled bool
	notify.Template
	Custom bool // a template was saved
}

// Notifications returns a receiver's notifications, defaults filled in.
// A notification never saved is on: it only sends once the receiver's
// outgoing mail is on.
func (s *Service) Notifications(ctx context.Context, receiverID int64) ([]Notification, error) {
	saved, err := s.st.MailNotifications(ctx, receiverID)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(notify.Events))
	for _, e := range notify.Events {
		n := Notification{Event: e, Enabled: true, Template: notify.DefaultTemplate(e)}
		if row, ok := saved[e]; ok {
			n.Enabled = row.Enabled
			if row.Subject != "" || row.Body != "" {
				n.Custom = true
				n.Subject, n.Body = row.Subject, row.Body
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// notification is one event's settings for a receiver.
func notification(ctx context.Context, tx *store.Store, receiverID int64, event string) (bool, notify.Template, error) {
	saved, err := tx.MailNotifications(ctx, receiverID)
	if err != nil {
		return false, notify.Template{}, err
	}
	tpl := notify.DefaultTemplate(event)
	row, ok := saved[event]
	if !ok {
		return true, tpl, nil
	}
	if row.Subject != "" {
		tpl.Subject = row.Subject
	}
	if row.Body != "" {
		tpl.Body = row.Body
	}
	return row.Enabled, tpl, nil
}

// TicketValues are a template's values for a ticket.
func TicketValues(t *store.Ticket, tag, url, solution string) map[string]string {
	who := t.RequesterName
	if who == "" {
		who = t.RequesterEmail
	}
	if solution = strings.TrimSpace(solution); solution != "" {
		solution = "Solution:\n" + solution + "\n\n"
	}
	return map[string]string{"ticket.id": strconv.FormatInt(t.ID, 10), "ticket.title": t.Title, "ticket.tag": tag,
		"ticket.status": store.StatusLabel(t.Status), "ticket.requester": who, "ticket.url": url, "ticket.solution": solution}
}

// afterSave does, in the transaction of a saved mail, what outgoing mail
// owes it: a new ticket is acknowledged; a delivery failure report about
// one of our mails marks that mail not delivered.
func (s *Service) afterSave(ctx context.Context, tx *store.Store, rid *int64, raw []byte, d *ingest.Decision, out Saved, lk lookups) error {
	switch {
	case d.Kind == ingest.KindTicket:
		if _, err := s.acknowledge(ctx, tx, rid, raw, d, out.TicketID, lk); err != nil {
			return fmt.Errorf("helpdesk: acknowledgment: %w", err)
		}
	case d.Kind == ingest.KindFollowup && d.Reason.Code == ingest.ReasonBounce:
		rows, err := tx.OutboxForTicket(ctx, out.TicketID)
		if err != nil {
			return err
		}
		for _, m := range rows {
			// The report quotes the bounced mail's header, Message-ID included.
			if m.State == store.OutboxSent && bytes.Contains(raw, []byte(m.MessageID)) {
				if err := tx.MarkMailBounced(ctx, m.ID, "A delivery failure report came back for this mail (see the ticket's follow-up)."); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// acknowledge queues, in tx, the acknowledgment of a ticket just made
// from raw, when the receiver sends mail, the notification is on, the mail
// may be answered automatically (notify.MayAutoReply) and the address is
// under its hourly cap. It returns why nothing was queued ("" when queued),
// which the ticket's timeline also shows.
func (s *Service) acknowledge(ctx context.Context, tx *store.Store, rid *int64, raw []byte, d *ingest.Decision, ticketID int64, lk lookups) (string, error) {
	why, err := s.acknowledgment(ctx, tx, rid, raw, d, ticketID, lk)
	return why, recordSkipped(ctx, tx, ticketID, notify.EventAcknowledgment, why, err)
}

// Reasons that are a standing setting rather than something that happened
// to this mail. The receiver's Outgoing mail page already says them; a
// "Not mailed" line on every ticket of a console that does not send mail
// would bury the timeline, so they are not recorded.
const (
	whyOutgoingOff = "outgoing mail is off for the receiver (Setup > Receivers > Outgoing mail)"
	whyNoReceiver  = "the ticket came from no receiver, so no mailbox can send it"
)

// recordSkipped records on the ticket that its automatic mail of event was
// not sent, and why: an automatic mail the console would have sent never
// vanishes without a word.
func recordSkipped(ctx context.Context, tx *store.Store, ticketID int64, event, why string, err error) error {
	if err != nil || why == "" || ticketID == 0 || why == whyOutgoingOff || why == whyNoReceiver {
		return err
	}
	return tx.RecordMailSkipped(ctx, ticketID, event, why)
}

func (s *Service) acknowledgment(ctx context.Context, tx *store.Store, rid *int64, raw []byte, d *ingest.Decision, ticketID int64, lk lookups) (string, error) {
	if rid == nil || ticketID == 0 {
		return whyNoReceiver, nil
	}
	snd, err := lk.sender(ctx, *rid)
	if err != nil || !snd.On() {
		return whyOutgoingOff, nil
	}
	on, tpl, err := notification(ctx, tx, *rid, notify.EventAcknowledgment)
	if err != nil || !on {
		return "the receiver's acknowledgment is turned off", err
	}
	in := notify.Inbound{From: d.Requester.Email, Header: headerOf(raw), Automatic: d.Automatic,
		OwnAddresses: []string{snd.Login, snd.FromAddress, snd.ReplyTo}}
	r, err := tx.Receiver(ctx, *rid)
	if err == nil {
		in.OwnAddresses = append(in.OwnAddresses, r.Login, r.Name)
	}
	for _, id := range append(append([]string(nil), d.InReplyTo...), d.References...) {
		if strings.HasPrefix(id, "GLPI_") && (strings.Contains(id, "/"+notify.EventAcknowledgment+".") || strings.Contains(id, "/"+notify.EventSolved+".")) {
			in.OwnMessage = true
		}
	}
	if v := notify.MayAutoReply(in); !v.OK {
		return v.Reason, nil
	}
	t, err := tx.Ticket(ctx, ticketID)
	if err != nil {
		return "", err
	}
	th := notify.Thread(d.MessageID, nil)
	return s.queueNotice(ctx, tx, t, *rid, snd, notify.EventAcknowledgment, tpl, th, "auto-replied", "")
}

// notifySolved queues, in tx, the "ticket solved" notice; why it did not
// is recorded on the ticket.
func (s *Service) notifySolved(ctx context.Context, tx *store.Store, ticketID int64, solution string) (string, error) {
	why, err := s.solvedMail(ctx, tx, ticketID, solution)
	return why, recordSkipped(ctx, tx, ticketID, notify.EventSolved, why, err)
}

func (s *Service) solvedMail(ctx context.Context, tx *store.Store, ticketID int64, solution string) (string, error) {
	t, err := tx.Ticket(ctx, ticketID)
	if err != nil {
		return "", err
	}
	if !strings.Contains(t.RequesterEmail, "@") {
		return "the requester has no e-mail address", nil
	}
	if t.ReceiverID == nil {
		return whyNoReceiver, nil
	}
	snd, err := tx.MailSender(ctx, *t.ReceiverID)
	if err != nil || !snd.On() {
		return whyOutgoingOff, nil
	}
	on, tpl, err := notification(ctx, tx, *t.ReceiverID, notify.EventSolved)
	if err != nil || !on {
		return "the receiver's \"ticket solved\" notice is turned off", err
	}
	earlier, err := threadIDs(ctx, tx, t.ID)
	if err != nil {
		return "", err
	}
	return s.queueNotice(ctx, tx, t, *t.ReceiverID, snd, notify.EventSolved, tpl, notify.Thread(t.MessageID, earlier), "auto-generated", solution)
}

// queueNotice renders and queues an automatic mail to the requester,
// unless the address had its hourly share.
func (s *Service) queueNotice(ctx context.Context, tx *store.Store, t *store.Ticket, rid int64, snd *store.MailSender,
	event string, tpl notify.Template, th notify.Threading, auto, solution string) (string, error) {
	to := strings.ToLower(strings.TrimSpace(t.RequesterEmail))
	limit, err := autoMailsPerHour(ctx, tx)
	if err != nil {
		return "", err
	}
	now := tx.Now()
	sent, err := tx.AutomaticMailsTo(ctx, to, now.Add(-time.Hour))
	if err != nil {
		return "", err
	}
	if sent >= int64(limit) {
		return "the address already had " + strconv.Itoa(limit) + " automatic mails this hour", nil
	}
	prefix, err := tx.Setting(ctx, SettingSubjectTagPrefix, "GLPI")
	if err != nil {
		return "", err
	}
	instance, err := instanceUUID(ctx, tx)
	if err != nil {
		return "", err
	}
	from := snd.FromAddress
	if from == "" {
		from = snd.Login
	}
	tag := notify.SubjectTag(prefix, t.ID)
	values := TicketValues(t, tag, "", solution)
	subject := notify.Subject(prefix, t.ID, notify.OneLine(notify.Render(tpl.Subject, values)))
	msgID := notify.MessageID(instance, t.ID, event, now, random32(), notify.Domain(from))
	raw, err := submission.Compose(submission.Mail{
		From: submission.Address{Name: snd.FromName, Address: from}, To: []submission.Address{{Name: t.RequesterName, Address: to}},
		ReplyTo: snd.ReplyTo, Subject: subject, MessageID: msgID, InReplyTo: th.InReplyTo, References: th.References, Date: now,
		Header: [][2]string{{"Auto-Submitted", auto}, {"X-Auto-Response-Suppress", "All"}},
		Text:   notify.Render(tpl.Body, values),
	})
	if err != nil {
		return "", err
	}
	return "", tx.EnqueueMail(ctx, &store.OutboxMail{Kind: event, TicketID: &t.ID, ReceiverID: &rid, FromAddress: from,
		Recipients: to, Subject: subject, MessageID: msgID, Raw: raw})
}

// autoMailsPerHour is the cap of automatic mails to one address an hour.
func autoMailsPerHour(ctx context.Context, tx *store.Store) (int, error) {
	v, err := tx.Setting(ctx, SettingAutoMailsPerHour, "")
	if err != nil {
		return 0, err
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	return DefaultAutoMailsPerHour, nil
}

// headerOf reads the header of a raw mail; an unreadable one is empty.
func headerOf(raw []byte) textproto.MIMEHeader {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return textproto.MIMEHeader{}
	}
	return textproto.MIMEHeader(m.Header)
}
