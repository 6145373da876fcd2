package store

import (
	"context"
	"time"
)

// OperatorView is what monitoring reads at each scrape or health check:
// the state of every receiver, authorization and application, and the
// outbox by state. It carries no secret (sealed columns are not read).
type OperatorView struct {
	Receivers      []OperatorReceiver
	Authorizations []OperatorAuthorization
	Applications   []OperatorApplication
	Outbox         map[string]int64
}

// OperatorReceiver is one receiver as monitoring sees it.
type OperatorReceiver struct {
	ID            int64
	Name          string
	IsActive      bool
	IdleEnabled   bool
	ApplicationID *int64
	Login         string // for the health answer only, never a metric label
	Errors        int
	State         string
	ErrorClass    string
	LastError     string
	LastCollectAt *time.Time
}

// OperatorAuthorization is one authorization as monitoring sees it; Email
// is for the health answer only, never a metric label.
type OperatorAuthorization struct {
	ID             int64
	ApplicationID  int64
	Email          string
	UPN            string `gorm:"column:upn"`
	Kind           string
	State          string
	LastError      string
	RefreshTokenAt *time.Time
	CreatedAt      time.Time
}

// OperatorApplication is one application as monitoring sees it.
type OperatorApplication struct {
	ID                    int64
	Name                  string
	IsActive              bool
	Provider              string
	ClientSecretExpiresAt *time.Time
}

// Operator reads the OperatorView.
func (s *Store) Operator(ctx context.Context) (*OperatorView, error) {
	db := s.db.WithContext(ctx)
	v := &OperatorView{}
	if err := db.Model(&Receiver{}).Select("id", "name", "is_active", "idle_enabled", "application_id", "login", "errors", "state",
		"error_class", "last_error", "last_collect_at").Order("id").Scan(&v.Receivers).Error; err != nil {
		return nil, translate(err)
	}
	if err := db.Model(&Authorization{}).Select("id", "application_id", "email", "upn", "kind", "state", "last_error",
		"refresh_token_at", "created_at").Order("id").Scan(&v.Authorizations).Error; err != nil {
		return nil, translate(err)
	}
	if err := db.Model(&Application{}).Select("id", "name", "is_active", "provider", "client_secret_expires_at").
		Order("id").Scan(&v.Applications).Error; err != nil {
		return nil, translate(err)
	}
	out, err := s.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	v.Outbox = out
	return v, nil
}
