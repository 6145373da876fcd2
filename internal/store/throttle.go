package store

import (
	"context"
	"errors"
	"time"
)

// ThrottleRule limits failures for one kind of key.
type ThrottleRule struct {
	Max    int           // failures allowed in Window
	Window time.Duration // counting window
	Lock   time.Duration // how long the key is refused once over
}

// ThrottleKey names what is counted: "login:<login>" or "ip:<address>".
func ThrottleKey(kind, value string) string { return hashToken(kind + ":" + value) }

// Throttled reports whether any key is locked right now.
func (s *Store) Throttled(ctx context.Context, keys ...string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&LoginThrottle{}).Where("id IN ? AND locked_until > ?", keys, s.now()).Count(&n).Error
	return n > 0, translate(err)
}

// RecordFailure counts a failed login against a key and locks it when the
// rule's limit is reached.
func (s *Store) RecordFailure(ctx context.Context, key string, r ThrottleRule) error {
	return s.tx(ctx, func(s *Store) error {
		now := s.now()
		var t LoginThrottle
		err := s.db.Where("id = ?", key).Take(&t).Error
		switch {
		case errors.Is(err, errRecordNotFound):
			t = LoginThrottle{ID: key, WindowStart: now}
		case err != nil:
			return translate(err)
		}
		if now.Sub(t.WindowStart) > r.Window {
			t.Failures, t.WindowStart = 0, now
		}
		t.Failures++
		if t.Failures >= r.Max {
			until := now.Add(r.Lock)
			t.LockedUntil = &until
			t.Failures, t.WindowStart = 0, now
		}
		return translate(s.db.Save(&t).Error)
	})
}

// ClearFailures forgets a key's failures after a good login.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Where("id = ?", key).Delete(&LoginThrottle{}).Error)
}
