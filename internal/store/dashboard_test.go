package store

import (
	"context"
	"testing"
	"time"
)

func TestDashboard(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		for _, st := range []int{StatusNew, StatusSolved} {
			if err := s.CreateTicket(ctx, &Ticket{Title: "x", Status: st, Urgency: 3, OpenedAt: now, UpdatedAt: now}, nil); err != nil {
				t.Fatal(err)
			}
		}
		soon := now.Add(10 * 24 * time.Hour)
		app := Application{Name: "app", Provider: "azure", IsActive: true, ClientSecretExpiresAt: &soon, CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&app).Error; err != nil {
			t.Fatal(err)
		}
		auth := Authorization{ApplicationID: app.ID, Email: "a@example.com", Kind: "delegated", State: "reauth_required", CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&auth).Error; err != nil {
			t.Fatal(err)
		}
		d, err := s.Dashboard(ctx, true, now)
		if err != nil {
			t.Fatal(err)
		}
		want := Dashboard{AuthorizationsAttention: 1, SecretsExpiring: 1}
		if d != want {
			t.Fatalf("got %+v, want %+v", d, want)
		}
		if d, _ := s.Dashboard(ctx, false, now); d != (Dashboard{}) {
			t.Fatalf("technician's figures: got %+v", d)
		}
	})
}
