package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The collector's side of the receivers table: which receivers are due,
// leases that keep one instance on a mailbox at a time, the cursor
// (UIDVALIDITY, last UID), the health columns, the runs, and the ledger of
// messages (table messages) that makes ingest exactly-once. Its writes
// leave receivers.updated_at alone: that column says when an administrator
// changed the settings, and IDLE watchers reconnect when it moves.

// Trigger kinds of a CollectRun.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerIdle     = "idle"
)

// TriggerLabel is a trigger kind as the automatic actions log says it.
func TriggerLabel(kind string) string {
	switch kind {
	case TriggerSchedule:
		return "Scheduled"
	case TriggerManual:
		return "Collected by hand"
	case TriggerIdle:
		return "New mail pushed (IMAP IDLE)"
	}
	return kind
}

// DueReceivers returns up to limit active receivers whose next collect is
// due at now (or was never set) and whose lease is free or expired, the
// longest waiting first, so no receiver starves behind busy ones.
func (s *Store) DueReceivers(ctx context.Context, now time.Time, limit int) ([]Receiver, error) {
	var out []Receiver
	err := s.db.WithContext(ctx).
		Select("id", "name", "host", "next_collect_at", "idle_enabled", "poll_interval_seconds").
		Where("is_active = ? AND (next_collect_at IS NULL OR next_collect_at <= ?) AND (lease_until IS NULL OR lease_until < ?)", true, now, now).
		Order("next_collect_at").Order("id").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// NextDueAfter is the earliest time after now an active receiver falls
// due, or zero when none is scheduled; the scheduler sleeps until then.
func (s *Store) NextDueAfter(ctx context.Context, now time.Time) (time.Time, error) {
	var r Receiver
	err := s.db.WithContext(ctx).Select("id", "next_collect_at").
		Where("is_active = ? AND next_collect_at > ?", true, now).
		Order("next_collect_at").Limit(1).Find(&r).Error
	if err != nil || r.NextCollectAt == nil {
		return time.Time{}, translate(err)
	}
	return *r.NextCollectAt, nil
}

// IdleReceivers returns the active receivers with push (IMAP IDLE) on.
func (s *Store) IdleReceivers(ctx context.Context) ([]Receiver, error) {
	var out []Receiver
	err := s.db.WithContext(ctx).Where("is_active = ? AND idle_enabled = ?", true, true).Order("id").Find(&out).Error
	if err != nil {
		return nil, translate(err)
	}
	for i := range out {
		if err := s.openPassword(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// openPassword decrypts a receiver's password in place.
func (s *Store) openPassword(r *Receiver) error {
	if r.Password == "" {
		return nil
	}
	pw, err := s.open(r.Password)
	if err != nil {
		return err
	}
	r.Password = pw
	return nil
}

// AcquireLease takes receiverID for owner until until, when its lease is
// free or expired at now. It reports whether owner got it: the single
// conditional UPDATE is what makes two instances never collect one
// receiver at once.
//
// While the lease is held, next_collect_at holds the lease's end as a
// placeholder: a ScheduleCollect during the job (IDLE saw new mail) moves
// it earlier, and FinishCollect then keeps that request instead of
// overwriting it with the next poll; and if the instance dies, the
// receiver is due again as soon as the lease expires.
func (s *Store) AcquireLease(ctx context.Context, receiverID int64, owner string, now, until time.Time) (bool, error) {
	return s.acquireLease(ctx, receiverID, owner, now, until, true)
}

// AcquireLeaseByHand is AcquireLease for "Get email tickets now", which
// collects a receiver whatever its Active says (as GLPI does): the same
// lease, so a hand collect and a scheduled one never overlap.
func (s *Store) AcquireLeaseByHand(ctx context.Context, receiverID int64, owner string, now, until time.Time) (bool, error) {
	return s.acquireLease(ctx, receiverID, owner, now, until, false)
}

func (s *Store) acquireLease(ctx context.Context, receiverID int64, owner string, now, until time.Time, activeOnly bool) (bool, error) {
	q := s.db.WithContext(ctx).Model(&Receiver{}).
		Where("id = ? AND (lease_until IS NULL OR lease_until < ?)", receiverID, now)
	if activeOnly {
		q = q.Where("is_active = ?", true)
	}
	res := q.UpdateColumns(map[string]any{"lease_owner": owner, "lease_until": until, "next_collect_at": until})
	if res.Error != nil {
		return false, translate(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReclaimLeases frees the leases owner still holds, making their
// receivers due at now. A collector calls it once at start, before it
// runs any job: leases under its own (stable) name were left by a previous
// life of this instance that was killed, and need not wait for their TTL.
// It returns how many there were.
func (s *Store) ReclaimLeases(ctx context.Context, owner string, now time.Time) (int64, error) {
	if owner == "" {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Model(&Receiver{}).
		Where("lease_owner = ? AND lease_until IS NOT NULL", owner).
		UpdateColumns(map[string]any{"lease_owner": "", "lease_until": nil, "next_collect_at": now})
	return res.RowsAffected, translate(res.Error)
}

// RenewLease extends owner's lease; false means it was lost (expired and
// taken by another instance), and the job must stop before its next write.
func (s *Store) RenewLease(ctx context.Context, receiverID int64, owner string, until time.Time) (bool, error) {
	// Keep the placeholder in step with the lease, unless a collect was
	// requested meanwhile. Two statements: MySQL evaluates SET clauses left
	// to right, so one statement could not compare with the old lease end.
	if err := s.db.WithContext(ctx).Model(&Receiver{}).
		Where("id = ? AND lease_owner = ? AND next_collect_at = lease_until", receiverID, owner).
		UpdateColumn("next_collect_at", until).Error; err != nil {
		return false, translate(err)
	}
	res := s.db.WithContext(ctx).Model(&Receiver{}).
		Where("id = ? AND lease_owner = ?", receiverID, owner).
		UpdateColumn("lease_until", until)
	if res.Error != nil {
		return false, translate(res.Error)
	}
	// MySQL counts matched-but-unchanged rows as unaffected when the value
	// is the same; a renewal always moves until forward, so 0 means lost.
	return res.RowsAffected == 1, nil
}

// ReleaseLease frees owner's lease on receiverID; someone else's is left alone.
func (s *Store) ReleaseLease(ctx context.Context, receiverID int64, owner string) error {
	return translate(s.db.WithContext(ctx).Model(&Receiver{}).
		Where("id = ? AND lease_owner = ?", receiverID, owner).
		UpdateColumns(map[string]any{"lease_owner": "", "lease_until": nil}).Error)
}

// ReleaseLeaseKeeping frees owner's lease after work that was not a
// collect (FileNow) and puts back the receiver's next collect as it was
// before the lease (next), unless a collect was asked for meanwhile.
func (s *Store) ReleaseLeaseKeeping(ctx context.Context, receiverID int64, owner string, next *time.Time) error {
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.WithContext(ctx).Model(&Receiver{}).
			Where("id = ? AND lease_owner = ? AND next_collect_at = lease_until", receiverID, owner).
			UpdateColumn("next_collect_at", next).Error; err != nil {
			return translate(err)
		}
		return translate(s.db.WithContext(ctx).Model(&Receiver{}).
			Where("id = ? AND lease_owner = ?", receiverID, owner).
			UpdateColumns(map[string]any{"lease_owner": "", "lease_until": nil}).Error)
	})
}

// ErrLeaseLost means the receiver's lease is not (or no longer) owner's.
var ErrLeaseLost = errors.New("store: the receiver's lease is held by another collector")

// LeasedReceiver returns the receiver, password decrypted, when owner
// holds its lease; ErrLeaseLost otherwise.
func (s *Store) LeasedReceiver(ctx context.Context, receiverID int64, owner string) (*Receiver, error) {
	var r Receiver
	if err := s.db.WithContext(ctx).Take(&r, receiverID).Error; err != nil {
		return nil, translate(err)
	}
	if r.LeaseOwner != owner {
		return nil, ErrLeaseLost
	}
	if err := s.openPassword(&r); err != nil {
		return nil, err
	}
	return &r, nil
}

// AuthorizationIDFor finds the authorization an OAuth receiver logs in
// with: same application, e-mail equal to the receiver's login (case
// aside). ErrNotFound when there is none.
func (s *Store) AuthorizationIDFor(ctx context.Context, applicationID int64, login string) (int64, error) {
	var a Authorization
	err := s.db.WithContext(ctx).Select("id").
		Where("application_id = ? AND LOWER(email) = ?", applicationID, strings.ToLower(strings.TrimSpace(login))).
		Order("id").Take(&a).Error
	if err != nil {
		return 0, translate(err)
	}
	return a.ID, nil
}

// ScheduleCollect makes the receiver due at at (e.g. now, when IDLE saw new
// mail), unless it is already due sooner.
func (s *Store) ScheduleCollect(ctx context.Context, receiverID int64, at time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&Receiver{}).
		Where("id = ? AND (next_collect_at IS NULL OR next_collect_at > ?)", receiverID, at).
		UpdateColumn("next_collect_at", at).Error)
}

// CollectOutcome is what a finished job writes on its receiver.
type CollectOutcome struct {
	// ErrorClass is empty on success; then the errors counter is reset,
	// as GLPI does after a good connection.
	ErrorClass string
	ErrorText  string
	// Reauth marks a receiver whose authorization needs signing in again.
	Reauth bool
	Next   time.Time
}

// FinishCollect records a job's outcome on the receiver: last collect,
// next collect, state, error class and text, and the errors counter
// (reset on success, one more on failure). It is written only while owner
// holds the lease, and releases it.
func (s *Store) FinishCollect(ctx context.Context, receiverID int64, owner string, o CollectOutcome) error {
	return s.tx(ctx, func(s *Store) error { return s.finishCollect(ctx, receiverID, owner, o) })
}

func (s *Store) finishCollect(ctx context.Context, receiverID int64, owner string, o CollectOutcome) error {
	now := s.now()
	var cur Receiver
	q := s.db.WithContext(ctx).Select("id", "next_collect_at", "lease_until", "lease_owner")
	if s.dialect == MySQL {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	if err := q.Take(&cur, receiverID).Error; err != nil {
		return translate(err)
	}
	if cur.LeaseOwner != owner {
		return ErrLeaseLost
	}
	next := o.Next
	// A collect requested during the job (the placeholder moved earlier
	// than the lease end) wins over the computed next poll.
	if cur.NextCollectAt != nil && cur.LeaseUntil != nil && cur.NextCollectAt.Before(*cur.LeaseUntil) && cur.NextCollectAt.Before(next) {
		next = *cur.NextCollectAt
	}
	set := map[string]any{
		"last_collect_at": now, "next_collect_at": next,
		"error_class": o.ErrorClass, "last_error": clip(o.ErrorText, 2000),
		"lease_owner": "", "lease_until": nil,
	}
	switch {
	case o.ErrorClass == "":
		set["state"], set["errors"] = string(HealthOK), 0
	case o.Reauth:
		set["state"], set["errors"] = string(HealthReauth), gorm.Expr("errors + 1")
	default:
		set["state"], set["errors"] = string(HealthFailing), gorm.Expr("errors + 1")
	}
	res := s.db.WithContext(ctx).Model(&Receiver{}).Where("id = ? AND lease_owner = ?", receiverID, owner).UpdateColumns(set)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrLeaseLost
	}
	return nil
}

// SetCursor records the folder's UIDVALIDITY and the highest UID taken
// care of. Called inside the batch transaction, so the cursor never runs
// ahead of the ledger rows that justify it.
func (s *Store) SetCursor(ctx context.Context, receiverID int64, uidValidity, lastUID uint32) error {
	return translate(s.db.WithContext(ctx).Model(&Receiver{}).Where("id = ?", receiverID).
		UpdateColumns(map[string]any{"uidvalidity": uidValidity, "last_uid": lastUID}).Error)
}

// SetFirstContact places the cursor of a receiver's first collection of a
// folder: UIDs up to lastUID are left out for good (they were there before
// and the receiver's first-collection choice excludes them).
func (s *Store) SetFirstContact(ctx context.Context, receiverID int64, uidValidity, lastUID uint32) error {
	return translate(s.db.WithContext(ctx).Model(&Receiver{}).Where("id = ?", receiverID).
		UpdateColumns(map[string]any{"uidvalidity": uidValidity, "last_uid": lastUID, "uid_floor": lastUID}).Error)
}

// StartRun inserts a run that has begun.
func (s *Store) StartRun(ctx context.Context, run *CollectRun) error {
	if run.StartedAt.IsZero() {
		run.StartedAt = s.now()
	}
	if run.TriggerKind == "" {
		run.TriggerKind = TriggerSchedule
	}
	return translate(s.db.WithContext(ctx).Create(run).Error)
}

// FinishRun writes a run's counts, error and end time.
func (s *Store) FinishRun(ctx context.Context, run *CollectRun) error {
	if run.EndedAt == nil {
		now := s.now()
		run.EndedAt = &now
	}
	run.ErrorText = clip(run.ErrorText, 2000)
	run.Note = clip(run.Note, 1000)
	return translate(s.db.WithContext(ctx).Model(run).Select(
		"ended_at", "available", "already_imported", "retrieved", "refused", "errors", "blacklisted", "error_class", "error_text", "note",
	).Updates(run).Error)
}

// CollectRun returns one run.
func (s *Store) CollectRun(ctx context.Context, id int64) (*CollectRun, error) {
	var r CollectRun
	if err := s.db.WithContext(ctx).Take(&r, id).Error; err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// AddLedgerEntry records what became of one message; ErrDuplicate when
// this (UIDVALIDITY, UID) of the receiver is already recorded.
func (s *Store) AddLedgerEntry(ctx context.Context, e *LedgerEntry) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	e.Reason = clip(e.Reason, 255)
	return translate(s.db.WithContext(ctx).Create(e).Error)
}

// LedgerUIDs returns which of uids are already recorded for the receiver
// under uidValidity.
func (s *Store) LedgerUIDs(ctx context.Context, receiverID int64, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	for chunk := range slices.Chunk(uids, 500) {
		var got []uint32
		err := s.db.WithContext(ctx).Model(&LedgerEntry{}).
			Where("receiver_id = ? AND uidvalidity = ? AND uid IN ?", receiverID, uidValidity, chunk).
			Pluck("uid", &got).Error
		if err != nil {
			return nil, translate(err)
		}
		for _, u := range got {
			out[u] = true
		}
	}
	return out, nil
}

// LedgerMatch is an earlier record of the same message content.
type LedgerMatch struct {
	MessageID string
	Decision  string
}

// LedgerByHash returns, for each content hash already recorded for the
// receiver, the Message-ID and decision of its first record. It is how a
// rescan (after UIDVALIDITY changed, or of unread mail) skips what was
// imported.
func (s *Store) LedgerByHash(ctx context.Context, receiverID int64, hashes []string) (map[string]LedgerMatch, error) {
	out := map[string]LedgerMatch{}
	for chunk := range slices.Chunk(hashes, 500) {
		var rows []LedgerEntry
		err := s.db.WithContext(ctx).Select("content_hash", "message_id", "decision").
			Where("receiver_id = ? AND content_hash IN ?", receiverID, chunk).Order("id").Find(&rows).Error
		if err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			if _, seen := out[r.ContentHash]; !seen {
				out[r.ContentHash] = LedgerMatch{MessageID: r.MessageID, Decision: r.Decision}
			}
		}
	}
	return out, nil
}

// PendingActions returns the receiver's ledger rows whose IMAP action
// (move or flag) is not done yet, oldest first.
func (s *Store) PendingActions(ctx context.Context, receiverID int64) ([]LedgerEntry, error) {
	var out []LedgerEntry
	err := s.db.WithContext(ctx).Where("receiver_id = ? AND action_done = ?", receiverID, false).Order("id").Find(&out).Error
	return out, translate(err)
}

// RefileImported records, in the transaction of "Import anyway", that the
// quarantined mail quarantineID became decision (a ticket or a follow-up)
// and that its IMAP action is to be done again: its ledger row takes the
// new decision and is pending again, taking the mail from the folder from
// (the refused folder it was filed in; "" when it stayed in the incoming
// folder, where its UID still finds it). It returns the ledger row's ID,
// 0 when no ledger row knows the mail (it came from no receiver's run).
func (s *Store) RefileImported(ctx context.Context, quarantineID int64, decision string, ticketID, followupID int64, from string) (int64, error) {
	var row LedgerEntry
	err := s.db.WithContext(ctx).Select("id").Where("quarantine_id = ?", quarantineID).Order("id").Take(&row).Error
	if errors.Is(err, errRecordNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err)
	}
	set := map[string]any{"decision": decision, "quarantine_id": nil, "action_done": false, "refile_from": from,
		"ticket_id": nil, "followup_id": nil}
	if ticketID != 0 {
		set["ticket_id"] = ticketID
	}
	if followupID != 0 {
		set["followup_id"] = followupID
	}
	if err := s.db.WithContext(ctx).Model(&LedgerEntry{}).Where("id = ?", row.ID).UpdateColumns(set).Error; err != nil {
		return 0, translate(err)
	}
	return row.ID, nil
}

// ActionDone tells whether a ledger row's IMAP action is done.
func (s *Store) ActionDone(ctx context.Context, ledgerID int64) (bool, error) {
	var row LedgerEntry
	if err := s.db.WithContext(ctx).Select("id", "action_done").Take(&row, ledgerID).Error; err != nil {
		return false, translate(err)
	}
	return row.ActionDone, nil
}

// MarkActionsDone records that the IMAP action of these ledger rows is done.
func (s *Store) MarkActionsDone(ctx context.Context, ids []int64) error {
	for chunk := range slices.Chunk(ids, 500) {
		err := s.db.WithContext(ctx).Model(&LedgerEntry{}).Where("id IN ?", chunk).Update("action_done", true).Error
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// LedgerEntries returns the receiver's ledger rows, oldest first, for
// tools and tests that audit exactly-once.
func (s *Store) LedgerEntries(ctx context.Context, receiverID int64) ([]LedgerEntry, error) {
	var out []LedgerEntry
	err := s.db.WithContext(ctx).Where("receiver_id = ?", receiverID).Order("id").Find(&out).Error
	return out, translate(err)
}

// clip keeps error texts within their column.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
