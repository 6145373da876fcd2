package store

import (
	"context"
	"testing"
	"time"
)

func TestOperatorView(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		soon := now.Add(10 * 24 * time.Hour)
		app := Application{Name: "app", Provider: "google", IsActive: true, ClientSecret: "sealed-secret", ClientSecretExpiresAt: &soon, CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&app).Error; err != nil {
			t.Fatal(err)
		}
		auth := Authorization{ApplicationID: app.ID, Email: "a@example.com", Kind: "delegated", State: "valid", RefreshTokenAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&auth).Error; err != nil {
			t.Fatal(err)
		}
		r := &Receiver{Name: "Support", IsActive: true, Host: "imap.example.com", Port: 993, Security: "ssl", Login: "a@example.com", ApplicationID: &app.ID,
			Folder: "INBOX", RequesterField: "from", Budget: 10, PollIntervalSeconds: 60, FilesizeMax: 1 << 20, IdleEnabled: true}
		if err := s.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		v, err := s.Operator(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Receivers) != 1 || v.Receivers[0].Name != "Support" || !v.Receivers[0].IdleEnabled || v.Receivers[0].ApplicationID == nil || *v.Receivers[0].ApplicationID != app.ID {
			t.Errorf("receivers: %+v", v.Receivers)
		}
		if len(v.Authorizations) != 1 || v.Authorizations[0].RefreshTokenAt == nil || v.Authorizations[0].State != "valid" {
			t.Errorf("authorizations: %+v", v.Authorizations)
		}
		if len(v.Applications) != 1 || v.Applications[0].Provider != "google" || v.Applications[0].ClientSecretExpiresAt == nil ||
			v.Applications[0].ClientSecretExpiresAt.Sub(soon).Abs() > time.Second {
			t.Errorf("applications: %+v", v.Applications)
		}
	})
}

func TestNextDueAfter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now().Truncate(time.Second)
		if got, err := s.NextDueAfter(ctx, now); err != nil || !got.IsZero() {
			t.Fatalf("no receiver: got %v %v, want zero", got, err)
		}
		for i, in := range []time.Duration{-time.Minute, 40 * time.Second, 10 * time.Second, 5 * time.Second} {
			r := &Receiver{Name: "r" + string(rune('a'+i)), IsActive: i != 3, Host: "imap.example.com", Port: 993, Security: "ssl", Login: "x",
				Folder: "INBOX", RequesterField: "from", Budget: 10, PollIntervalSeconds: 60, FilesizeMax: 1 << 20}
			if err := s.CreateReceiver(ctx, r, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.db.Model(&Receiver{}).Where("id = ?", r.ID).UpdateColumn("next_collect_at", now.Add(in)).Error; err != nil {
				t.Fatal(err)
			}
		}
		// The overdue one is the scheduler's now; the inactive one never.
		got, err := s.NextDueAfter(ctx, now)
		if err != nil || !got.Equal(now.Add(10*time.Second)) {
			t.Fatalf("got %v %v, want %v", got, err, now.Add(10*time.Second))
		}
	})
}
