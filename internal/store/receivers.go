package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

// ReceiverHealth is what the receivers list says about a receiver at a
// glance. The first three are also the values of the receiver's state
// column, written by FinishCollect; HealthReauth is the authorization
// state of the same name, which is also the collector's error class.
type ReceiverHealth string

// The health of a receiver, worst last.
const (
	HealthOK       ReceiverHealth = "ok"
	HealthFailing  ReceiverHealth = "failing"
	HealthReauth                  = ReceiverHealth(oauth.StateReauthRequired)
	HealthDisabled ReceiverHealth = "disabled"
)

// Label is a receiver's health as the receivers list says it.
func (h ReceiverHealth) Label() string {
	switch h {
	case HealthOK:
		return "OK"
	case HealthFailing:
		return "Failing"
	case HealthReauth:
		return oauth.StateReauthRequired.Label()
	case HealthDisabled:
		return "Disabled"
	}
	return string(h)
}

// Defaults of a new receiver, GLPI's where GLPI has one.
const (
	DefaultReceiverPort     = 993
	DefaultFilesizeMax      = 2 << 20 // GLPI's default_mailcollector_filesize_max
	DefaultReceiverBudget   = 100
	DefaultPollInterval     = 60
	MinPollIntervalSeconds  = 10    // below this a server sees a login storm
	MaxPollIntervalSeconds  = 86400 // a day: longer is "inactive", not a schedule
	MaxReceiverBudget       = 10000
	MaxFilesizeMaxMio       = 99 // GLPI's dropdown stops at 99 Mio
	MaxReceiverPort         = 65535
	DefaultFirstCollectDays = 7
	MaxFirstCollectDays     = 3650
)

// ErrInvalid is a value outside what the store accepts; the wrapped text
// names the field and its bounds.
var ErrInvalid = errors.New("store: invalid value")

// validateReceiver refuses text that is not UTF-8 or too long and numeric
// settings out of bounds, whatever wrote them (the form checks the same
// bounds with its own words).
func validateReceiver(r *Receiver) error {
	if err := checkText(Text{Field: "receiver name", Value: r.Name}, Text{Field: "receiver server", Value: r.Host},
		Text{Field: "receiver login", Value: r.Login}, Text{Field: "receiver password", Value: r.Password, Long: true, Max: MaxSecretText},
		Text{Field: "receiver folder", Value: r.Folder}, Text{Field: "receiver accepted folder", Value: r.AcceptedFolder},
		Text{Field: "receiver refused folder", Value: r.RefusedFolder}, Text{Field: "receiver comment", Value: r.Comment, Long: true}); err != nil {
		return err
	}
	switch {
	case r.Port < 1 || r.Port > MaxReceiverPort:
		return fmt.Errorf("%w: receiver port %d (want 1 to %d)", ErrInvalid, r.Port, MaxReceiverPort)
	case r.PollIntervalSeconds < MinPollIntervalSeconds || r.PollIntervalSeconds > MaxPollIntervalSeconds:
		return fmt.Errorf("%w: receiver poll interval %d s (want %d to %d)", ErrInvalid, r.PollIntervalSeconds, MinPollIntervalSeconds, MaxPollIntervalSeconds)
	case r.Budget < 1 || r.Budget > MaxReceiverBudget:
		return fmt.Errorf("%w: receiver budget %d (want 1 to %d)", ErrInvalid, r.Budget, MaxReceiverBudget)
	case r.FilesizeMax < 0 || r.FilesizeMax > MaxFilesizeMaxMio<<20:
		return fmt.Errorf("%w: receiver file size limit %d bytes (want 0 to %d Mio)", ErrInvalid, r.FilesizeMax, MaxFilesizeMaxMio)
	}
	return CheckFirstCollect(r.FirstCollect, r.FirstCollectDays)
}

// PollInterval is the receiver's poll interval, whatever the row holds:
// nothing or less than nothing is the default, more than a day is a day. A
// row written behind the store's back must not make the collector spin or
// overflow. (Between one and MinPollIntervalSeconds seconds is kept: only
// a hand-written row has it, and tests need it.)
func (r *Receiver) PollInterval() time.Duration {
	n := r.PollIntervalSeconds
	if n <= 0 {
		n = DefaultPollInterval
	}
	return time.Duration(min(n, MaxPollIntervalSeconds)) * time.Second
}

// What a receiver's first collection takes from a mailbox that already
// holds mail (Receiver.FirstCollect).
const (
	FirstCollectAll    = "all"    // every mail in the folder (GLPI's way)
	FirstCollectRecent = "recent" // mail of the last FirstCollectDays days
	FirstCollectNone   = "none"   // nothing already there: start from now
)

// CheckFirstCollect explains what is wrong with a first-collection choice.
func CheckFirstCollect(choice string, days int) error {
	switch choice {
	case FirstCollectAll, FirstCollectNone:
		return nil
	case FirstCollectRecent:
		if days < 1 || days > MaxFirstCollectDays {
			return Message(fmt.Sprintf("The number of days must be between 1 and %d.", MaxFirstCollectDays))
		}
		return nil
	}
	return Message("Choose what the first collection imports.")
}

// Health derives the receiver's health from its columns and, for an OAuth
// receiver, the state of its authorization ("" when unknown).
func (r *Receiver) Health(authorizationState string) ReceiverHealth {
	switch {
	case !r.IsActive:
		return HealthDisabled
	case r.State == string(HealthReauth) || r.ErrorClass == string(HealthReauth) || authorizationState == string(oauth.StateReauthRequired):
		return HealthReauth
	case r.Errors > 0 || (r.State != "" && r.State != string(HealthOK)):
		return HealthFailing
	}
	return HealthOK
}

// FolderFor is the folder a mail of this decision is moved to; "" means
// it stays in the incoming folder, marked seen (no folder set, or the one
// set is the incoming folder itself; mail is never deleted).
func (r *Receiver) FolderFor(decision string) string {
	f := r.AcceptedFolder
	switch decision {
	case "":
		return ""
	case DecisionRefused:
		f = r.RefusedFolder
	}
	if SameFolder(f, r.Folder) {
		return ""
	}
	return f
}

// SameFolder reports whether two folder settings name one folder ("" is
// INBOX, and INBOX is case-insensitive).
func SameFolder(a, b string) bool {
	if a == "" || b == "" {
		return a == b || strings.EqualFold(a+b, "INBOX")
	}
	if strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX") {
		return true
	}
	return a == b
}

// UsesOAuth reports whether the receiver logs in with an OAuth application.
func (r *Receiver) UsesOAuth() bool { return r.ApplicationID != nil && *r.ApplicationID > 0 }

// ReceiverRow is one line of Setup > Receivers.
type ReceiverRow struct {
	Receiver
	ApplicationName    string
	AuthorizationState string
	Health             ReceiverHealth
}

// ListReceivers returns a page of receivers, passwords left out, with the
// name of their application and the state of their authorization.
func (s *Store) ListReceivers(ctx context.Context, q ListQuery) ([]ReceiverRow, int64, error) {
	db := s.db.WithContext(ctx).Model(&Receiver{})
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("receivers.name LIKE ? ESCAPE '!' OR receivers.host LIKE ? ESCAPE '!' OR receivers.login LIKE ? ESCAPE '!' OR receivers.comment LIKE ? ESCAPE '!'", like, like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	order := q.Order(map[string]string{
		"name": "receivers.name", "active": "receivers.is_active", "server": "receivers.host", "login": "receivers.login",
		"type": "receivers.application_id", "last_collect": "receivers.last_collect_at", "errors": "receivers.errors",
	}, "name")
	var recs []Receiver
	if err := db.Order(order).Order("receivers.id").Limit(q.Limit()).Offset(q.Offset()).Find(&recs).Error; err != nil {
		return nil, 0, translate(err)
	}
	rows, err := s.receiverRows(ctx, recs)
	return rows, total, err
}

// receiverRows adds the application name and authorization state to receivers.
func (s *Store) receiverRows(ctx context.Context, recs []Receiver) ([]ReceiverRow, error) {
	rows := make([]ReceiverRow, len(recs))
	var appIDs []int64
	for i, r := range recs {
		r.Password = ""
		rows[i].Receiver = r
		if r.UsesOAuth() {
			appIDs = append(appIDs, *r.ApplicationID)
		}
	}
	if len(appIDs) > 0 {
		var apps []Application
		if err := s.db.WithContext(ctx).Select("id, name").Where("id IN ?", appIDs).Find(&apps).Error; err != nil {
			return nil, translate(err)
		}
		names := map[int64]string{}
		for _, a := range apps {
			names[a.ID] = a.Name
		}
		var auths []Authorization
		if err := s.db.WithContext(ctx).Select("application_id, email, state").Where("application_id IN ?", appIDs).Find(&auths).Error; err != nil {
			return nil, translate(err)
		}
		states := map[string]string{}
		for _, a := range auths {
			states[authKey(a.ApplicationID, a.Email)] = a.State
		}
		for i := range rows {
			if r := &rows[i]; r.UsesOAuth() {
				r.ApplicationName = names[*r.ApplicationID]
				r.AuthorizationState = states[authKey(*r.ApplicationID, r.Login)]
			}
		}
	}
	for i := range rows {
		rows[i].Health = rows[i].Receiver.Health(rows[i].AuthorizationState)
	}
	return rows, nil
}

func authKey(appID int64, email string) string {
	return fmt.Sprintf("%d/%s", appID, strings.ToLower(strings.TrimSpace(email)))
}

// Receiver returns one receiver with its password decrypted.
func (s *Store) Receiver(ctx context.Context, id int64) (*Receiver, error) {
	var r Receiver
	if err := s.db.WithContext(ctx).Take(&r, id).Error; err != nil {
		return nil, translate(err)
	}
	if r.Password != "" {
		pw, err := s.open(r.Password)
		if err != nil {
			return nil, err
		}
		r.Password = pw
	}
	return &r, nil
}

// ReceiverHasPassword reports whether a password is stored, without
// decrypting it.
func (s *Store) ReceiverHasPassword(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Receiver{}).Where("id = ? AND password <> ''", id).Count(&n).Error
	return n > 0, translate(err)
}

// normalizeReceiver trims the text fields and fills the defaults.
func normalizeReceiver(r *Receiver) {
	r.Name = strings.TrimSpace(r.Name)
	r.Host = strings.TrimSpace(r.Host)
	r.Login = strings.TrimSpace(r.Login)
	r.Folder = strings.TrimSpace(r.Folder)
	r.AcceptedFolder = strings.TrimSpace(r.AcceptedFolder)
	r.RefusedFolder = strings.TrimSpace(r.RefusedFolder)
	if r.ApplicationID != nil && *r.ApplicationID <= 0 {
		r.ApplicationID = nil
	}
	if r.Security == "" {
		r.Security = "ssl"
	}
	if r.RequesterField == "" {
		r.RequesterField = "from"
	}
	if r.FirstCollect == "" {
		r.FirstCollect = FirstCollectAll
	}
	if r.FirstCollectDays == 0 {
		r.FirstCollectDays = DefaultFirstCollectDays
	}
	if r.Port == 0 {
		r.Port = DefaultReceiverPort
	}
	if r.Budget <= 0 {
		r.Budget = DefaultReceiverBudget
	}
	if r.PollIntervalSeconds <= 0 {
		r.PollIntervalSeconds = DefaultPollInterval
	}
	if r.State == "" {
		r.State = string(HealthOK)
	}
}

// CreateReceiver adds a receiver, sealing its password; it is due at once.
// ErrDuplicate when the name is taken, ErrInvalid when a value is out of
// bounds.
func (s *Store) CreateReceiver(ctx context.Context, r *Receiver, actor *User) error {
	normalizeReceiver(r)
	if err := validateReceiver(r); err != nil {
		return err
	}
	row := *r
	if row.UsesOAuth() {
		row.Password = ""
	}
	if row.Password != "" {
		sealed, err := s.seal(row.Password)
		if err != nil {
			return err
		}
		row.Password = sealed
	}
	now := s.now()
	row.CreatedAt, row.UpdatedAt, row.NextCollectAt = now, now, &now
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.Create(&row).Error; err != nil {
			return translate(err)
		}
		r.ID, r.CreatedAt, r.UpdatedAt, r.NextCollectAt = row.ID, now, now, &now
		return s.auditBy(ctx, actor, "receiver.create", "receiver", r.ID, fmt.Sprintf("receiver %s created (%s)", r.Name, connectionLabel(r)))
	})
}

// connectionLabel says, for the audit log, where a receiver connects.
func connectionLabel(r *Receiver) string {
	kind := "IMAP"
	if r.UsesOAuth() {
		kind = fmt.Sprintf("OAuth application %d", *r.ApplicationID)
	}
	return fmt.Sprintf("%s %s:%d %s, login %s", kind, r.Host, r.Port, r.Security, r.Login)
}

// UpdateReceiver saves a receiver's settings; the collector's columns
// (errors, state, lease, UIDs, dates) are left alone. An empty Password
// keeps the stored one unless clearPassword; an OAuth receiver keeps none.
// When the mailbox itself changes (server, account or folder), the UID
// position is forgotten so the new mailbox is read from its start (the
// ledger still stops a message from being imported twice).
func (s *Store) UpdateReceiver(ctx context.Context, r *Receiver, clearPassword bool, actor *User) error {
	normalizeReceiver(r)
	if err := validateReceiver(r); err != nil {
		return err
	}
	return s.tx(ctx, func(s *Store) error {
		var old Receiver
		if err := s.db.Take(&old, r.ID).Error; err != nil {
			return translate(err)
		}
		now := s.now()
		cols := map[string]any{
			"name": r.Name, "is_active": r.IsActive, "host": r.Host, "port": r.Port, "security": r.Security,
			"validate_cert": r.ValidateCert, "application_id": r.ApplicationID, "login": r.Login,
			"folder": r.Folder, "accepted_folder": r.AcceptedFolder, "refused_folder": r.RefusedFolder,
			"filesize_max": r.FilesizeMax, "use_mail_date": r.UseMailDate, "requester_field": r.RequesterField,
			"add_to_to_observer": r.AddToToObserver, "add_cc_to_observer": r.AddCcToObserver,
			"collect_only_unread": r.CollectOnlyUnread, "create_user_from_email": r.CreateUserFromEmail,
			"import_auto_notifications": r.ImportAutoNotifications, "first_collect": r.FirstCollect,
			"first_collect_days": r.FirstCollectDays, "budget": r.Budget, "poll_interval_seconds": r.PollIntervalSeconds, "idle_enabled": r.IdleEnabled,
			"comment": r.Comment, "updated_at": now, "next_collect_at": now,
		}
		switch {
		case r.UsesOAuth() || clearPassword:
			cols["password"] = ""
		case r.Password != "":
			sealed, err := s.seal(r.Password)
			if err != nil {
				return err
			}
			cols["password"] = sealed
		}
		if mailboxChanged(&old, r) {
			cols["uidvalidity"], cols["last_uid"], cols["uid_floor"] = 0, 0, 0
		}
		if err := s.db.Model(&Receiver{}).Where("id = ?", r.ID).Updates(cols).Error; err != nil {
			return translate(err)
		}
		msg := fmt.Sprintf("receiver %s updated (%s)", r.Name, connectionLabel(r))
		if _, ok := cols["password"]; ok && !r.UsesOAuth() {
			msg += "; password changed"
		}
		return s.auditBy(ctx, actor, "receiver.update", "receiver", r.ID, msg)
	})
}

// mailboxChanged reports whether next reads another mailbox or folder than old.
func mailboxChanged(old, next *Receiver) bool {
	appID := func(r *Receiver) int64 {
		if r.UsesOAuth() {
			return *r.ApplicationID
		}
		return 0
	}
	return !strings.EqualFold(old.Host, next.Host) || old.Port != next.Port || !strings.EqualFold(old.Login, next.Login) ||
		appID(old) != appID(next) || old.Folder != next.Folder
}

// SetReceiverFolder sets one folder field ("folder", "accepted_folder" or
// "refused_folder") of a receiver, as the folder browser does.
func (s *Store) SetReceiverFolder(ctx context.Context, id int64, column, folder string, actor *User) error {
	switch column {
	case "folder", "accepted_folder", "refused_folder":
	default:
		return fmt.Errorf("store: %q is not a folder field of a receiver", column)
	}
	if err := checkText(Text{Field: "receiver " + column, Value: folder}); err != nil {
		return err
	}
	return s.tx(ctx, func(s *Store) error {
		var old Receiver
		if err := s.db.Take(&old, id).Error; err != nil {
			return translate(err)
		}
		cols := map[string]any{column: folder, "updated_at": s.now()}
		if column == "folder" && old.Folder != folder {
			cols["uidvalidity"], cols["last_uid"] = 0, 0
		}
		if err := s.db.Model(&Receiver{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "receiver.update", "receiver", id, fmt.Sprintf("receiver %s: %s set to %q", old.Name, column, folder))
	})
}

// SetReceiverAuthorization points a receiver at an authorization (its
// application and e-mail), as the end of "Create authorization for
// another user" does.
func (s *Store) SetReceiverAuthorization(ctx context.Context, receiverID int64, a *Authorization, actor *User) error {
	return s.tx(ctx, func(s *Store) error {
		var old Receiver
		if err := s.db.Take(&old, receiverID).Error; err != nil {
			return translate(err)
		}
		next := old
		next.ApplicationID, next.Login = &a.ApplicationID, a.Email
		cols := map[string]any{"application_id": a.ApplicationID, "login": a.Email, "password": "", "updated_at": s.now(), "next_collect_at": s.now()}
		if mailboxChanged(&old, &next) {
			cols["uidvalidity"], cols["last_uid"] = 0, 0
		}
		if err := s.db.Model(&Receiver{}).Where("id = ?", receiverID).Updates(cols).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "receiver.update", "receiver", receiverID, fmt.Sprintf("receiver %s now logs in as %s", old.Name, a.Email))
	})
}

// DeleteReceiver deletes a receiver; its runs and ledger go with it, its
// tickets stay.
func (s *Store) DeleteReceiver(ctx context.Context, id int64, actor *User) error {
	return s.tx(ctx, func(s *Store) error {
		var r Receiver
		if err := s.db.Select("id, name").Take(&r, id).Error; err != nil {
			return translate(err)
		}
		if err := s.db.Delete(&Receiver{}, id).Error; err != nil {
			return translate(err)
		}
		n, err := s.forgetReceiverInMailRules(ctx, id, r.Name, actor)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("receiver %s deleted", r.Name)
		if n > 0 {
			msg += fmt.Sprintf("; taken out of %d mail rules", n)
		}
		return s.auditBy(ctx, actor, "receiver.delete", "receiver", id, msg)
	})
}

// ReceiversByApplication lists the receivers, active or not, that log in
// with an application (its "Receivers" tab), passwords left out.
func (s *Store) ReceiversByApplication(ctx context.Context, appID int64) ([]Receiver, error) {
	var out []Receiver
	if err := s.db.WithContext(ctx).Where("application_id = ?", appID).Order("name").Order("id").Find(&out).Error; err != nil {
		return nil, translate(err)
	}
	for i := range out {
		out[i].Password = ""
	}
	return out, nil
}

// ReceiversInError lists the active receivers whose last connections
// failed (GLPI's "Receivers in error" banner), passwords left out.
func (s *Store) ReceiversInError(ctx context.Context) ([]Receiver, error) {
	var out []Receiver
	err := s.db.WithContext(ctx).Select("id, name, errors, state, error_class, last_error").
		Where("is_active = ? AND (errors > 0 OR state <> ?)", true, string(HealthOK)).Order("name").Find(&out).Error
	return out, translate(err)
}

// ReceiverAuthorization returns the authorization an OAuth receiver logs
// in with (same application, e-mail equal to its login), tokens left out.
func (s *Store) ReceiverAuthorization(ctx context.Context, r *Receiver) (*Authorization, error) {
	if !r.UsesOAuth() {
		return nil, ErrNotFound
	}
	var a Authorization
	err := s.db.WithContext(ctx).Where("application_id = ? AND LOWER(email) = ?", *r.ApplicationID, strings.ToLower(strings.TrimSpace(r.Login))).
		Order("id").Take(&a).Error
	if err != nil {
		return nil, translate(err)
	}
	withoutTokens(&a)
	return &a, nil
}

// CollectRunRow is one line of an automatic actions log.
type CollectRunRow struct {
	CollectRun
	ReceiverName string
}

// ListCollectRuns returns a page of collect runs, newest first by default:
// one receiver's (receiverID > 0) or every receiver's. The search matches
// the receiver's name, the trigger, the error class and text.
func (s *Store) ListCollectRuns(ctx context.Context, receiverID int64, q ListQuery) ([]CollectRunRow, int64, error) {
	db := s.db.WithContext(ctx).Table("collect_runs").Joins("JOIN receivers ON receivers.id = collect_runs.receiver_id")
	if receiverID > 0 {
		db = db.Where("collect_runs.receiver_id = ?", receiverID)
	}
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("receivers.name LIKE ? ESCAPE '!' OR collect_runs.trigger_kind LIKE ? ESCAPE '!' OR collect_runs.error_class LIKE ? ESCAPE '!' OR collect_runs.error_text LIKE ? ESCAPE '!'", like, like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	if q.Sort == "" {
		q.Sort, q.Desc = "started", true
	}
	order := q.Order(map[string]string{
		"started": "collect_runs.started_at", "receiver": "receivers.name", "trigger": "collect_runs.trigger_kind",
		"retrieved": "collect_runs.retrieved", "errors": "collect_runs.errors", "error_class": "collect_runs.error_class",
	}, "started")
	var out []CollectRunRow
	err := db.Select("collect_runs.*, receivers.name AS receiver_name").Order(order).Order("collect_runs.id DESC").
		Limit(q.Limit()).Offset(q.Offset()).Scan(&out).Error
	return out, total, translate(err)
}
