package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Outgoing mail: the senders (how mail goes out as a receiver's mailbox)
// and the outbox, whose rows are written in the transaction of what causes
// them and delivered by the sender pool (internal/sender) under leases like
// the collector's. Sealed columns: mail_senders.password.

// Modes of a MailSender.
const (
	SenderOff      = "off"
	SenderOAuth    = "oauth"    // SMTP with the receiver's application and an authorization for Login
	SenderPassword = "password" // SMTP with Login and Password
)

// States of an outbox row.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// Kinds of outgoing mail.
const (
	MailReply          = "reply"
	MailAcknowledgment = "acknowledgment"
	MailSolved         = "solved"
	MailAlarm          = "alarm"
	MailTest           = "test"
	MailRefusal        = "refusal" // the answer to a mail a rule refused "with an answer"
)

// SentMailKeepDays is how long sent mail stays on the queue page before
// housekeeping deletes it.
const SentMailKeepDays = 30

// SettingDefaultSender names the receiver whose sender carries mail that
// belongs to no receiver (a ticket typed in by hand, an alarm).
const SettingDefaultSender = "outgoing.default_receiver_id"

// MailSender is how a receiver's mailbox sends mail.
type MailSender struct {
	ID           int64
	ReceiverID   int64
	Mode         string
	Host         string
	Port         int
	Security     string
	ValidateCert bool
	Login        string
	Password     string // sealed
	FromAddress  string
	FromName     string
	ReplyTo      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// On reports whether the sender sends at all.
func (m *MailSender) On() bool {
	return m != nil && (m.Mode == SenderOAuth || m.Mode == SenderPassword)
}

// OutboxMail is one mail to send, its bytes fixed when it was queued so
// that every attempt sends the same message with the same Message-ID.
type OutboxMail struct {
	ID            int64
	Kind          string
	TicketID      *int64
	FollowupID    *int64
	ReceiverID    *int64 // whose sender carries it; nil: the default sender
	FromAddress   string // envelope sender
	Recipients    string // comma-separated envelope recipients
	Subject       string
	MessageID     string
	Raw           []byte
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    *time.Time
	ErrorClass    string
	LastError     string
	Refused       string // recipients the server refused, with its answer
	CreatedAt     time.Time
	UpdatedAt     time.Time
	SentAt        *time.Time
}

// TableName keeps GORM on the migrated name.
func (OutboxMail) TableName() string { return "outbox" }

// RecipientList splits Recipients.
func (m *OutboxMail) RecipientList() []string {
	var out []string
	for _, r := range strings.Split(m.Recipients, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// MailSender returns a receiver's sender with its password opened;
// ErrNotFound when none was ever saved.
func (s *Store) MailSender(ctx context.Context, receiverID int64) (*MailSender, error) {
	var m MailSender
	if err := s.db.WithContext(ctx).Where("receiver_id = ?", receiverID).Take(&m).Error; err != nil {
		return nil, translate(err)
	}
	if m.Password != "" {
		pw, err := s.open(m.Password)
		if err != nil {
			return nil, err
		}
		m.Password = pw
	}
	return &m, nil
}

// SaveMailSender writes a receiver's sender (one per receiver), sealing
// the password. An empty Password keeps the stored one, as the receiver
// form does.
func (s *Store) SaveMailSender(ctx context.Context, m *MailSender) error {
	now := s.now()
	row := *m
	row.UpdatedAt = now
	for _, f := range []*string{&row.Host, &row.Login, &row.FromAddress, &row.FromName, &row.ReplyTo} {
		*f = fitVarchar(strings.TrimSpace(*f))
	}
	cols := []string{"mode", "host", "port", "security", "validate_cert", "login", "from_address", "from_name", "reply_to", "updated_at"}
	if row.Password != "" {
		sealed, err := s.seal(row.Password)
		if err != nil {
			return err
		}
		row.Password = sealed
		cols = append(cols, "password")
	}
	row.ID, row.CreatedAt = 0, now
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "receiver_id"}},
		DoUpdates: clause.AssignmentColumns(cols),
	}).Create(&row).Error
	return translate(err)
}

// ErrNoMessageID refuses an outbox row without its Message-ID: that ID is
// what makes a resend recognisable.
var ErrNoMessageID = errors.New("store: an outgoing mail needs a Message-ID")

// EnqueueMail adds m to the outbox, due now. Call it on the Store of the
// transaction that makes the follow-up, ticket or alarm the mail is about:
// the mail exists exactly when that commits.
func (s *Store) EnqueueMail(ctx context.Context, m *OutboxMail) error {
	m.MessageID = NormalMessageID(m.MessageID)
	if m.MessageID == "" {
		return ErrNoMessageID
	}
	if len(m.RecipientList()) == 0 {
		return fmt.Errorf("store: outgoing mail %s has no recipient", m.MessageID)
	}
	now := s.now()
	m.ID, m.State, m.Attempts, m.LeaseOwner, m.LeaseUntil, m.SentAt = 0, OutboxPending, 0, "", nil, nil
	m.Subject, m.FromAddress = fitText(m.Subject), fitVarchar(m.FromAddress)
	m.CreatedAt, m.UpdatedAt, m.NextAttemptAt = now, now, now
	return translate(s.db.WithContext(ctx).Create(m).Error)
}

// fitText bounds a free text column shown in lists.
func fitText(s string) string {
	if len(s) <= 2000 {
		return s
	}
	return fitVarchar(s)
}

// ClaimMail leases up to limit due pending rows to owner until until and
// returns them, oldest first, with attempts already counted. A row whose
// lease is live elsewhere is never returned: the conditional UPDATE is
// what keeps two instances from sending one mail.
func (s *Store) ClaimMail(ctx context.Context, owner string, now, until time.Time, limit int) ([]OutboxMail, error) {
	now, until = now.UTC().Truncate(time.Microsecond), until.UTC().Truncate(time.Microsecond)
	var ids []int64
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("state = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", OutboxPending, now, now).
		Order("next_attempt_at").Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, translate(err)
	}
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("id IN ? AND state = ? AND (lease_until IS NULL OR lease_until < ?)", ids, OutboxPending, now).
		UpdateColumns(map[string]any{"lease_owner": owner, "lease_until": until, "attempts": gorm.Expr("attempts + 1"), "updated_at": now})
	if res.Error != nil {
		return nil, translate(res.Error)
	}
	var out []OutboxMail
	err = s.db.WithContext(ctx).Where("id IN ? AND lease_owner = ? AND lease_until = ? AND state = ?", ids, owner, until, OutboxPending).
		Order("next_attempt_at").Order("id").Find(&out).Error
	return out, translate(err)
}

// RenewMailLease extends owner's lease on a row just before it is sent;
// false means the lease was lost and the row must not be sent.
func (s *Store) RenewMailLease(ctx context.Context, id int64, owner string, until time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("id = ? AND lease_owner = ? AND state = ?", id, owner, OutboxPending).
		UpdateColumn("lease_until", until.UTC().Truncate(time.Microsecond))
	if res.Error != nil {
		return false, translate(res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	// MySQL counts a row whose value did not change as unaffected: the
	// same until twice (a coarse clock) must still read as "ours".
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("id = ? AND lease_owner = ? AND state = ?", id, owner, OutboxPending).Count(&n).Error
	return n == 1, translate(err)
}

// MarkMailSent records that the server accepted the row's mail; refused
// lists recipients it refused while taking the others.
func (s *Store) MarkMailSent(ctx context.Context, id int64, owner, refused string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND lease_owner = ?", id, owner).
		UpdateColumns(map[string]any{"state": OutboxSent, "sent_at": at, "lease_owner": "", "lease_until": nil,
			"error_class": "", "last_error": "", "refused": refused, "updated_at": at})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrLeaseLost
	}
	return nil
}

// MarkMailFailed records a failed attempt. With retryAt set the row stays
// pending until then (a transient failure, or one an administrator can fix
// without losing the mail); without, it is failed for good until Retry.
func (s *Store) MarkMailFailed(ctx context.Context, id int64, owner, class, text string, retryAt *time.Time) error {
	cols := map[string]any{"lease_owner": "", "lease_until": nil, "error_class": class,
		"last_error": fitText(text), "updated_at": s.now()}
	if retryAt != nil {
		cols["next_attempt_at"] = retryAt.UTC().Truncate(time.Microsecond)
	} else {
		cols["state"] = OutboxFailed
	}
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND lease_owner = ?", id, owner).UpdateColumns(cols)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrLeaseLost
	}
	return nil
}

// ReleaseMail gives a claimed row back unsent, due at next, without
// counting the claim as an attempt: the sender failed before reaching it
// (throttled, unreachable, login refused), and class and text say why.
func (s *Store) ReleaseMail(ctx context.Context, id int64, owner string, next time.Time, class, text string) error {
	return translate(s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND lease_owner = ?", id, owner).
		UpdateColumns(map[string]any{"lease_owner": "", "lease_until": nil, "attempts": gorm.Expr("attempts - 1"),
			"next_attempt_at": next.UTC().Truncate(time.Microsecond), "error_class": class, "last_error": fitText(text),
			"updated_at": s.now()}).Error)
}

// RetryMail puts a failed row (or a pending one waiting for its next
// attempt) back in line now: the queue page's Retry.
func (s *Store) RetryMail(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND state IN ?", id, []string{OutboxFailed, OutboxPending}).
		UpdateColumns(map[string]any{"state": OutboxPending, "next_attempt_at": s.now(), "updated_at": s.now()})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	return nil
}

// outboxListColumns are all but the message bytes.
var outboxListColumns = []string{"id", "kind", "ticket_id", "followup_id", "receiver_id", "from_address", "recipients",
	"subject", "message_id", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "error_class",
	"last_error", "refused", "created_at", "updated_at", "sent_at"}

// OutboxByState lists rows of a state without their bytes, the most
// recent first.
func (s *Store) OutboxByState(ctx context.Context, state string, limit int) ([]OutboxMail, error) {
	var out []OutboxMail
	err := s.db.WithContext(ctx).Select(outboxListColumns).Where("state = ?", state).
		Order("updated_at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// OutboxForTicket lists a ticket's mail without bytes, oldest first.
func (s *Store) OutboxForTicket(ctx context.Context, ticketID int64) ([]OutboxMail, error) {
	var out []OutboxMail
	err := s.db.WithContext(ctx).Select(outboxListColumns).Where("ticket_id = ?", ticketID).Order("id").Find(&out).Error
	return out, translate(err)
}

// OutboxCounts counts rows per state.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		State string
		N     int64
	}
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error
	out := map[string]int64{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, translate(err)
}

// OutboxMailByID returns one row with its bytes.
func (s *Store) OutboxMailByID(ctx context.Context, id int64) (*OutboxMail, error) {
	var m OutboxMail
	if err := s.db.WithContext(ctx).Take(&m, id).Error; err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

// PurgeSentMail deletes sent rows older than before; it returns how many.
func (s *Store) PurgeSentMail(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("state = ? AND sent_at < ?", OutboxSent, before.UTC()).Delete(&OutboxMail{})
	return res.RowsAffected, translate(res.Error)
}

// MailNotification is one ticket notification of a receiver: on or off,
// and its templates ("" means the default text).
type MailNotification struct {
	ID         int64
	ReceiverID int64
	Event      string
	Enabled    bool
	Subject    string
	Body       string
	UpdatedAt  time.Time
}

// MailNotifications returns a receiver's saved notifications by event.
func (s *Store) MailNotifications(ctx context.Context, receiverID int64) (map[string]MailNotification, error) {
	var rows []MailNotification
	if err := s.db.WithContext(ctx).Where("receiver_id = ?", receiverID).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string]MailNotification, len(rows))
	for _, r := range rows {
		out[r.Event] = r
	}
	return out, nil
}

// SaveMailNotification writes one notification of a receiver.
func (s *Store) SaveMailNotification(ctx context.Context, n *MailNotification) error {
	row := *n
	row.ID, row.UpdatedAt = 0, s.now()
	row.Subject = fitVarchar(row.Subject)
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "receiver_id"}, {Name: "event"}},
		DoUpdates: clause.AssignmentColumns([]string{"enabled", "subject", "body", "updated_at"}),
	}).Create(&row).Error)
}

// EventMailSkipped is a ticket event: an automatic mail (OldValue: its
// event, "acknowledgment" or "solved") was not sent, NewValue saying why.
const EventMailSkipped = "mail_skipped"

// RecordMailSkipped records on the ticket's timeline that an automatic mail
// was not sent, and why.
func (s *Store) RecordMailSkipped(ctx context.Context, ticketID int64, event, why string) error {
	ev := TicketEvent{TicketID: ticketID, Kind: EventMailSkipped, OldValue: event, NewValue: why, CreatedAt: s.now()}
	return translate(s.db.WithContext(ctx).Create(&ev).Error)
}

// SkippedMails returns the latest automatic mails not sent (ticket events
// EventMailSkipped), newest first.
func (s *Store) SkippedMails(ctx context.Context, limit int) ([]TicketEvent, error) {
	var out []TicketEvent
	err := s.db.WithContext(ctx).Where("kind = ?", EventMailSkipped).Order("id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// AutomaticMailsTo counts the automatic mails (acknowledgments, solved
// notices) queued for addr since since: the per-address rate limit.
func (s *Store) AutomaticMailsTo(ctx context.Context, addr string, since time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboxMail{}).
		Where("recipients = ? AND created_at >= ? AND kind IN ?", strings.ToLower(addr), since.UTC(), []string{MailAcknowledgment, MailSolved, MailRefusal}).
		Count(&n).Error
	return n, translate(err)
}

// Alarm is a condition administrators are told about by mail.
type Alarm struct {
	Key        string // stable: "receiver:12", "authorization:3", "secret:5"
	State      string // what it is now; a change sends at once
	Subject    string
	Text       string
	ReceiverID int64 // the failing receiver, whose mailbox must not carry the alarm (0: none)
}

// Alarms lists what is wrong now: active receivers in error, delegated
// authorizations that need re-authorization, client secrets that expire
// within 30 days of now (or have expired).
func (s *Store) Alarms(ctx context.Context, now time.Time) ([]Alarm, error) {
	var out []Alarm
	var recs []Receiver
	if err := s.db.WithContext(ctx).Select("id", "name", "state", "error_class", "last_error").
		Where("is_active = ? AND state IN ?", true, []string{string(HealthFailing), string(HealthReauth)}).Order("id").Find(&recs).Error; err != nil {
		return nil, translate(err)
	}
	for _, r := range recs {
		out = append(out, Alarm{Key: fmt.Sprintf("receiver:%d", r.ID), State: r.State + ":" + r.ErrorClass, ReceiverID: r.ID,
			Subject: "Receiver " + r.Name + " is in error",
			Text:    fmt.Sprintf("The receiver %s cannot collect mail: %s", r.Name, r.LastError)})
	}
	var auths []Authorization
	if err := s.db.WithContext(ctx).Select("id", "application_id", "email", "state", "last_error").
		Where("state = ?", "reauth_required").Order("id").Find(&auths).Error; err != nil {
		return nil, translate(err)
	}
	for _, a := range auths {
		out = append(out, Alarm{Key: fmt.Sprintf("authorization:%d", a.ID), State: a.State,
			Subject: "The authorization of " + a.Email + " must be renewed",
			Text:    fmt.Sprintf("The OAuth authorization of %s needs someone to sign in again (Setup > OAuth IMAP > its application > Authorizations > Re-authorize). %s", a.Email, a.LastError)})
	}
	var apps []Application
	if err := s.db.WithContext(ctx).Select("id", "name", "client_secret_expires_at").
		Where("is_active = ? AND client_secret_expires_at IS NOT NULL AND client_secret_expires_at < ?", true, now.Add(30*24*time.Hour).UTC()).
		Order("id").Find(&apps).Error; err != nil {
		return nil, translate(err)
	}
	for _, a := range apps {
		state, what := "expiring", "expires on "+a.ClientSecretExpiresAt.Format("2006-01-02")
		if a.ClientSecretExpiresAt.Before(now) {
			state, what = "expired", "expired on "+a.ClientSecretExpiresAt.Format("2006-01-02")
		}
		out = append(out, Alarm{Key: fmt.Sprintf("secret:%d", a.ID), State: state,
			Subject: "The client secret of " + a.Name + " " + what,
			Text:    fmt.Sprintf("The client secret of the OAuth application %s %s: create a new secret at the provider and enter it in Setup > OAuth IMAP > %s.", a.Name, what, a.Name)})
	}
	return out, nil
}

// AdminEmails are the e-mail addresses of the active administrators.
func (s *Store) AdminEmails(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&User{}).Where("role = ? AND is_active = ? AND email <> ''", RoleAdmin, true).
		Order("id").Pluck("email", &out).Error
	return out, translate(err)
}

// SendersOn lists the receivers whose outgoing mail is on.
func (s *Store) SendersOn(ctx context.Context) ([]int64, error) {
	var out []int64
	err := s.db.WithContext(ctx).Model(&MailSender{}).Where("mode IN ?", []string{SenderOAuth, SenderPassword}).
		Order("receiver_id").Pluck("receiver_id", &out).Error
	return out, translate(err)
}

// SettingsWithPrefix returns the settings whose name starts with prefix.
func (s *Store) SettingsWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	var rows []Setting
	if err := s.db.WithContext(ctx).Where("name LIKE ?", strings.NewReplacer("%", "\\%", "_", "\\_").Replace(prefix)+"%").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if strings.HasPrefix(r.Name, prefix) {
			out[r.Name] = r.Value
		}
	}
	return out, nil
}

// MarkMailBounced records that a mail the server took came back as a
// delivery failure: it shows as not delivered, recipient refused.
func (s *Store) MarkMailBounced(ctx context.Context, id int64, text string) error {
	return translate(s.db.WithContext(ctx).Model(&OutboxMail{}).Where("id = ? AND state = ?", id, OutboxSent).
		UpdateColumns(map[string]any{"state": OutboxFailed, "error_class": "recipient_refused", "last_error": fitText(text), "updated_at": s.now()}).Error)
}
