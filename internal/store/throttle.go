package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ThrottleRule limits login attempts for one kind of key.
type ThrottleRule struct {
	Max    int           // attempts allowed in Window
	Window time.Duration // counting window
	Lock   time.Duration // how long the key is refused once over
}

// ThrottleKey names what is counted: "login:<login>" or "ip:<address>".
func ThrottleKey(kind, value string) string { return hashToken(kind + ":" + value) }

// Attempt counts a login attempt against key BEFORE the password is
// checked, and reports whether the attempt may go on. The count is a
// compare-and-swap on the row (an UPDATE conditioned on the failures it
// read), so concurrent attempts cannot all read "under the limit" and all
// pass: of N simultaneous attempts on a fresh key, exactly r.Max do.
func (s *Store) Attempt(ctx context.Context, key string, r ThrottleRule) (bool, error) {
	db := s.db.WithContext(ctx)
	for range 64 {
		now := s.now()
		var t LoginThrottle
		err := db.Where("id = ?", key).Take(&t).Error
		if errors.Is(err, errRecordNotFound) {
			t = LoginThrottle{ID: key, Failures: 1, WindowStart: now}
			if r.Max <= 1 {
				until := now.Add(r.Lock)
				t.LockedUntil = &until
			}
			err = translate(db.Create(&t).Error)
			if errors.Is(err, ErrDuplicate) {
				continue // another attempt created it first: count on its row
			}
			return err == nil, err
		}
		if err != nil {
			return false, translate(err)
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			return false, nil
		}
		failures, start := t.Failures+1, t.WindowStart
		if t.LockedUntil != nil || now.Sub(t.WindowStart) > r.Window {
			failures, start = 1, now // the lock or the window is over: count afresh
		}
		var until *time.Time
		if failures >= r.Max {
			u := now.Add(r.Lock)
			until = &u
		}
		res := db.Model(&LoginThrottle{}).Where("id = ? AND failures = ?", key, t.Failures).
			Updates(map[string]any{"failures": failures, "window_start": start, "locked_until": until})
		if res.Error != nil {
			return false, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			return true, nil
		}
		// Another attempt counted in between: read again.
	}
	return false, nil // contended beyond reason: refuse rather than let it through
}

// ClearFailures forgets a key's attempts after a good login.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Where("id = ?", key).Delete(&LoginThrottle{}).Error)
}

// Refund gives back an attempt counted against key that turned out good
// (an address's count keeps only failures), unless the key is locked.
func (s *Store) Refund(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Model(&LoginThrottle{}).Where("id = ? AND failures > 0 AND locked_until IS NULL", key).
		UpdateColumn("failures", gorm.Expr("failures - 1")).Error)
}
