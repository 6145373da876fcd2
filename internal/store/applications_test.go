package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

func mkApp(t *testing.T, s *Store, name, secret string) *Application {
	t.Helper()
	a := &Application{Name: name, IsActive: true, Provider: "azure", Cloud: "global", ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: secret}
	if err := s.CreateApplication(context.Background(), a, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

func mkReceiver(t *testing.T, s *Store, name string, appID int64, login string) {
	t.Helper()
	r := Receiver{Name: name, IsActive: true, Host: "imap.example.com", Port: 993, Security: "ssl", ApplicationID: &appID, Login: login, CreatedAt: s.now(), UpdatedAt: s.now()}
	if err := s.db.Create(&r).Error; err != nil {
		t.Fatal(err)
	}
}

// fakeGrant is a grant as a sign-in by email would bring it.
func fakeGrant(email, oid string) *oauth.Grant {
	return &oauth.Grant{AccessToken: "at-" + oid, RefreshToken: "rt-" + oid, IDToken: "id-" + oid, Expiry: time.Now().Add(time.Hour), Email: email,
		Identity: oauth.Identity{TenantID: "tenant-1", ObjectID: oid, PreferredUsername: email, Email: email}}
}

func TestApplicationsSecretListAndCredentialChange(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mkApp(t, s, "Contoso", "the-first-secret")
		mkApp(t, s, "Fabrikam 100%", "other-secret")
		var raw string
		s.db.Raw("SELECT client_secret FROM oauth_applications WHERE id = ?", a.ID).Scan(&raw)
		if raw == "" || strings.Contains(raw, "first-secret") {
			t.Fatalf("got stored secret %q, want it sealed", raw)
		}
		got, err := s.Application(ctx, a.ID)
		if err != nil || got.ClientSecret != "the-first-secret" {
			t.Fatalf("got secret %q (%v), want it opened", got.ClientSecret, err)
		}
		if _, _, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("alice@contoso.example", "oid-a")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("bob@contoso.example", "oid-b")}); err != nil {
			t.Fatal(err)
		}
		s.db.Model(&Authorization{}).Where("email = ?", "bob@contoso.example").Update("state", string(oauth.StateReauthRequired))

		for _, tc := range []struct {
			name      string
			q         ListQuery
			wantNames []string
		}{
			{"all by name", ListQuery{}, []string{"Contoso", "Fabrikam 100%"}},
			{"descending", ListQuery{Sort: "name", Desc: true}, []string{"Fabrikam 100%", "Contoso"}},
			{"search literal percent", ListQuery{Search: "100%"}, []string{"Fabrikam 100%"}},
			{"search nothing", ListQuery{Search: "zzz"}, nil},
			{"by authorization count", ListQuery{Sort: "authorizations", Desc: true}, []string{"Contoso", "Fabrikam 100%"}},
		} {
			rows, total, err := s.ListApplications(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
				if r.ClientSecret != "" {
					t.Errorf("%s: the list carries a client secret", tc.name)
				}
			}
			if !slices.Equal(names, tc.wantNames) || total != int64(len(tc.wantNames)) {
				t.Errorf("%s: got %v (total %d), want %v", tc.name, names, total, tc.wantNames)
			}
		}
		rows, _, _ := s.ListApplications(ctx, ListQuery{Search: "Contoso"})
		if rows[0].Authorizations != 2 || rows[0].WorstState != string(oauth.StateReauthRequired) {
			t.Fatalf("got %d authorizations, worst %q; want 2, reauth_required", rows[0].Authorizations, rows[0].WorstState)
		}

		// A blank secret keeps the stored one and keeps the authorizations.
		upd := *got
		upd.ClientSecret, upd.Comment = "", "new comment"
		if _, err := s.UpdateApplication(ctx, &upd, false, nil); err != nil {
			t.Fatalf("blank secret: %v", err)
		}
		if got, _ := s.Application(ctx, a.ID); got.ClientSecret != "the-first-secret" || got.Comment != "new comment" {
			t.Fatalf("got secret %q comment %q, want the secret kept", got.ClientSecret, got.Comment)
		}
		// The same secret typed again is no change (GLPI drops it too).
		upd.ClientSecret = "the-first-secret"
		if _, err := s.UpdateApplication(ctx, &upd, false, nil); err != nil {
			t.Fatalf("same secret: %v", err)
		}
		// A new secret needs the confirmation, then deletes the authorizations.
		upd.ClientSecret = "a-new-secret"
		if _, err := s.UpdateApplication(ctx, &upd, false, nil); !errors.Is(err, ErrAuthorizationsWouldBeDeleted) {
			t.Fatalf("got %v, want ErrAuthorizationsWouldBeDeleted", err)
		}
		if auths, _ := s.Authorizations(ctx, a.ID); len(auths) != 2 {
			t.Fatalf("an unconfirmed change deleted authorizations: %d left", len(auths))
		}
		res, err := s.UpdateApplication(ctx, &upd, true, nil)
		if err != nil || !slices.Equal(res.DeletedAuthorizations, []string{"alice@contoso.example", "bob@contoso.example"}) {
			t.Fatalf("got %v (%v), want both authorizations named", res.DeletedAuthorizations, err)
		}
		if auths, _ := s.Authorizations(ctx, a.ID); len(auths) != 0 {
			t.Fatalf("got %d authorizations after a confirmed change, want 0", len(auths))
		}
		if got, _ := s.Application(ctx, a.ID); got.ClientSecret != "a-new-secret" {
			t.Fatalf("got secret %q, want the new one", got.ClientSecret)
		}
	})
}

func TestApplicationDeactivationDeactivatesReceivers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mkApp(t, s, "Contoso", "secret")
		other := mkApp(t, s, "Other", "secret")
		mkReceiver(t, s, "Support inbox", a.ID, "support@contoso.example")
		mkReceiver(t, s, "Sales inbox", a.ID, "sales@contoso.example")
		mkReceiver(t, s, "Unrelated", other.ID, "x@contoso.example")
		upd, _ := s.Application(ctx, a.ID)
		upd.IsActive = false
		res, err := s.UpdateApplication(ctx, upd, false, &User{ID: 0, Login: "admin"})
		if err != nil || !slices.Equal(res.DeactivatedReceivers, []string{"Sales inbox", "Support inbox"}) {
			t.Fatalf("got %v (%v), want both receivers of the application", res.DeactivatedReceivers, err)
		}
		var active []string
		s.db.Model(&Receiver{}).Where("is_active = ?", true).Pluck("name", &active)
		if !slices.Equal(active, []string{"Unrelated"}) {
			t.Fatalf("active receivers %v, want only the other application's", active)
		}
		ev, _ := s.AuditEvents(ctx, "application", a.ID, 5)
		if len(ev) == 0 || !strings.Contains(ev[0].Message, "Support inbox") {
			t.Fatalf("got audit %v, want the deactivation recorded", ev)
		}
	})
}
