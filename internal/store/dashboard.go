package store

import (
	"context"
	"time"
)

// Dashboard is what the home page counts for administrators: what needs
// someone's attention in Setup. (Home's ticket cards are counted by the
// ticket list itself, the list each card opens.)
type Dashboard struct {
	ActiveReceivers         int64
	ReceiversInError        int64
	AuthorizationsAttention int64 // not valid: refresh failing, re-authorization needed, configuration error
	SecretsExpiring         int64 // client secrets lapsing within 30 days (or lapsed)
	Quarantined             int64
}

// Dashboard counts the home page's figures; admin adds the Setup ones.
func (s *Store) Dashboard(ctx context.Context, admin bool, now time.Time) (Dashboard, error) {
	var d Dashboard
	db := s.db.WithContext(ctx)
	counts := []struct {
		dst   *int64
		model any
		where string
		args  []any
		admin bool
	}{
		{&d.ActiveReceivers, &Receiver{}, "is_active = ?", []any{true}, true},
		{&d.ReceiversInError, &Receiver{}, "is_active = ? AND (errors > 0 OR state <> ?)", []any{true, "ok"}, true},
		{&d.AuthorizationsAttention, &Authorization{}, "state <> ?", []any{"valid"}, true},
		{&d.SecretsExpiring, &Application{}, "is_active = ? AND client_secret_expires_at IS NOT NULL AND client_secret_expires_at < ?", []any{true, now.Add(30 * 24 * time.Hour)}, true},
		{&d.Quarantined, &QuarantinedMail{}, "1 = 1", nil, true},
	}
	for _, c := range counts {
		if c.admin && !admin {
			continue
		}
		if err := db.Model(c.model).Where(c.where, c.args...).Count(c.dst).Error; err != nil {
			return Dashboard{}, translate(err)
		}
	}
	return d, nil
}
