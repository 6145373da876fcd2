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

func TestSaveGrantUpsertAndPinning(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mkApp(t, s, "Contoso", "secret")
		first, created, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("alice@contoso.example", "oid-a")})
		if err != nil || !created {
			t.Fatalf("first grant: created %v (%v), want a new authorization", created, err)
		}
		if first.AccessToken != "" || first.RefreshToken != "" {
			t.Fatal("SaveGrant returned tokens to its caller")
		}
		var raw Authorization
		s.db.Take(&raw, first.ID)
		for _, col := range []string{raw.AccessToken, raw.RefreshToken, raw.IDToken} {
			if col == "" || strings.Contains(col, "oid-a") {
				t.Fatalf("got stored token %q, want it sealed", col)
			}
		}
		// The same account again (another case of the address) renews the row.
		again, created, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("Alice@Contoso.example", "oid-a")})
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("same account: got id %d created %v (%v), want row %d renewed", again.ID, created, err, first.ID)
		}
		// Re-authorizing as someone else is refused and changes nothing.
		s.db.Model(&Authorization{}).Where("id = ?", first.ID).Update("state", string(oauth.StateReauthRequired))
		_, _, err = s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, AuthorizationID: first.ID, Grant: fakeGrant("mallory@contoso.example", "oid-m")})
		var im *oauth.IdentityMismatchError
		if !errors.As(err, &im) {
			t.Fatalf("other account: got %v, want IdentityMismatchError", err)
		}
		_, rec, _ := s.Load(ctx, first.ID)
		if rec.AccessToken != "at-oid-a" {
			t.Fatalf("got access token %q after a refused re-authorization, want the old one", rec.AccessToken)
		}
		// The pinned account re-authorizes; the row keeps its (shared) e-mail.
		if _, err := s.UpdateAuthorizationEmail(ctx, first.ID, "shared@contoso.example", nil); err != nil {
			t.Fatal(err)
		}
		g := fakeGrant("alice@contoso.example", "oid-a")
		g.AccessToken = "at-renewed"
		renewed, _, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, AuthorizationID: first.ID, Grant: g})
		if err != nil || renewed.Email != "shared@contoso.example" || renewed.State != string(oauth.StateValid) {
			t.Fatalf("re-authorize: got %+v (%v), want the shared address kept and the state valid", renewed, err)
		}
		if _, rec, _ := s.Load(ctx, first.ID); rec.AccessToken != "at-renewed" {
			t.Fatalf("got access token %q, want the renewed one", rec.AccessToken)
		}
	})
}

func TestAuthorizationEmailAndDeleteTouchReceivers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mkApp(t, s, "Contoso", "secret")
		auth, _, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("delegate@contoso.example", "oid-d")})
		if err != nil {
			t.Fatal(err)
		}
		s.SaveGrant(ctx, GrantToSave{ApplicationID: a.ID, Grant: fakeGrant("other@contoso.example", "oid-o")})
		mkReceiver(t, s, "Helpdesk", a.ID, "delegate@contoso.example")
		mkReceiver(t, s, "Other", a.ID, "other@contoso.example")

		if _, err := s.UpdateAuthorizationEmail(ctx, auth.ID, "other@contoso.example", nil); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("taken address: got %v, want ErrDuplicate", err)
		}
		names, err := s.UpdateAuthorizationEmail(ctx, auth.ID, "helpdesk@contoso.example", nil)
		if err != nil || !slices.Equal(names, []string{"Helpdesk"}) {
			t.Fatalf("got re-pointed %v (%v), want [Helpdesk]", names, err)
		}
		var login string
		s.db.Model(&Receiver{}).Where("name = ?", "Helpdesk").Pluck("login", &login)
		if login != "helpdesk@contoso.example" {
			t.Fatalf("receiver login %q, want the new address", login)
		}
		names, err = s.DeleteAuthorization(ctx, auth.ID, nil)
		if err != nil || !slices.Equal(names, []string{"Helpdesk"}) {
			t.Fatalf("got deactivated %v (%v), want [Helpdesk]", names, err)
		}
		var active []string
		s.db.Model(&Receiver{}).Where("is_active = ?", true).Pluck("name", &active)
		if !slices.Equal(active, []string{"Other"}) {
			t.Fatalf("active receivers %v, want [Other]", active)
		}
		if _, err := s.Authorization(ctx, auth.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want the authorization gone", err)
		}
	})
}

func TestPendingIsSingleUseAndExpires(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := mkApp(t, s, "Contoso", "secret")
		p := &PendingAuthorization{ApplicationID: a.ID, UserID: 7, Verifier: "the-verifier", Nonce: "n", ReturnTo: "/setup/oauthimap/1"}
		if err := s.CreatePending(ctx, "state-1", p); err != nil {
			t.Fatal(err)
		}
		var raw PendingAuthorization
		s.db.Take(&raw)
		if raw.StateHash == "state-1" || strings.Contains(raw.Verifier, "the-verifier") {
			t.Fatal("the state or the verifier is stored in clear")
		}
		if _, err := s.TakePending(ctx, "state-2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown state: got %v, want ErrNotFound", err)
		}
		got, err := s.TakePending(ctx, "state-1")
		if err != nil || got.Verifier != "the-verifier" || got.ReturnTo != "/setup/oauthimap/1" || got.UserID != 7 {
			t.Fatalf("got %+v (%v)", got, err)
		}
		if _, err := s.TakePending(ctx, "state-1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second use: got %v, want ErrNotFound", err)
		}
		s.CreatePending(ctx, "state-old", &PendingAuthorization{ApplicationID: a.ID, Verifier: "v", Nonce: "n"})
		s.db.Model(&PendingAuthorization{}).Where("1 = 1").Update("expires_at", s.now().Add(-time.Second))
		if got, err := s.TakePending(ctx, "state-old"); !errors.Is(err, ErrPendingExpired) || got == nil || got.ApplicationID != a.ID {
			t.Fatalf("expired: got %v, want ErrPendingExpired with the row", err)
		}
		var n int64
		s.db.Model(&PendingAuthorization{}).Count(&n)
		if n != 0 {
			t.Fatalf("got %d pending rows, want the expired one deleted too", n)
		}
	})
}
