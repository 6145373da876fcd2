package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ThrottleRule slows login attempts for one kind of key down rather than
// locking it: Free attempts pass at once, then each attempt makes the next
// one wait, Base after the first beyond Free, doubling up to Max. The
// count is forgotten after Quiet without an attempt.
type ThrottleRule struct {
	Free  int
	Base  time.Duration
	Max   time.Duration
	Quiet time.Duration
}

// Delay is the wait an attempt imposes on the next one, once n attempts
// (this one included) were counted.
func (r ThrottleRule) Delay(n int) time.Duration {
	if n < r.Free || r.Base <= 0 {
		return 0
	}
	d := r.Base
	for i := r.Free; i < n && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// ThrottleKey names what is counted: "login:<login>", "ip:<address>" or
// "device:<id>".
func ThrottleKey(kind, value string) string { return hashToken(kind + ":" + value) }

// Attempt counts a login attempt against key BEFORE the password is
// checked. It reports the wait left when the key is still slowed down (the
// attempt is then refused and not counted), or 0 when the attempt may go
// on. The count is a compare-and-swap on the row (an UPDATE conditioned on
// the count it read), so simultaneous attempts cannot all read "free" and
// all pass: of N at once on a fresh key, exactly r.Free do (or one, when
// r.Free is 0).
func (s *Store) Attempt(ctx context.Context, key string, r ThrottleRule) (time.Duration, error) {
	db := s.db.WithContext(ctx)
	for range 64 {
		now := s.now()
		var t LoginThrottle
		err := db.Where("id = ?", key).Take(&t).Error
		if errors.Is(err, errRecordNotFound) {
			t = LoginThrottle{ID: key, Failures: 1, WindowStart: now, LockedUntil: notBefore(now, r.Delay(1))}
			err = translate(db.Create(&t).Error)
			if errors.Is(err, ErrDuplicate) {
				continue // another attempt created it first: count on its row
			}
			return 0, err
		}
		if err != nil {
			return 0, translate(err)
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			return t.LockedUntil.Sub(now), nil
		}
		n := t.Failures + 1
		if now.Sub(t.WindowStart) > r.Quiet {
			n = 1 // quiet long enough: start afresh
		}
		res := db.Model(&LoginThrottle{}).Where("id = ? AND failures = ?", key, t.Failures).
			Updates(map[string]any{"failures": n, "window_start": now, "locked_until": notBefore(now, r.Delay(n))})
		if res.Error != nil {
			return 0, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			return 0, nil
		}
		// Another attempt counted in between: read again.
	}
	return r.Max, nil // contended beyond reason: refuse rather than let it through
}

func notBefore(now time.Time, d time.Duration) *time.Time {
	if d <= 0 {
		return nil
	}
	t := now.Add(d)
	return &t
}

// ClearFailures forgets a key's attempts after a good login.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Where("id = ?", key).Delete(&LoginThrottle{}).Error)
}

// Refund takes back an attempt counted against key that turned out good
// (an address's count keeps only failures); a wait already imposed stays.
func (s *Store) Refund(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Model(&LoginThrottle{}).Where("id = ? AND failures > 0", key).
		UpdateColumn("failures", gorm.Expr("failures - 1")).Error)
}
