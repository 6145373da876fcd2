package oauthsvc

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
)

const callback = "http://127.0.0.1:1/front/authorization.callback.php"

// setup returns a store with one application at a fake IdP and an
// authorization per e-mail, made by real sign-ins.
func setup(t *testing.T, emails ...string) (*store.Store, *oauthtest.IdP, *store.Application, []int64) {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{3}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(t.TempDir(), "t.db"), Keyring: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	idp := oauthtest.New(t)
	app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "custom", AuthorityURL: idp.AzureAuthority(),
		TenantID: idp.TenantID, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
	if err := st.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, email := range emails {
		idp.AddUser(email, email)
		authURL, p, err := oauth.Begin(ctx, app.OAuth(), callback)
		if err != nil {
			t.Fatal(err)
		}
		back, err := idp.SignIn(authURL, email)
		if err != nil {
			t.Fatal(err)
		}
		g, err := oauth.Complete(ctx, app.OAuth(), callback, back.Query().Get("code"), p)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := st.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	return st, idp, app, ids
}

func exec(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	db, _ := st.SQLDB()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshDueKeepsIdleAuthorizationsAlive(t *testing.T) {
	ctx := context.Background()
	st, idp, _, ids := setup(t, "idle@contoso.example", "fresh@contoso.example", "broken@contoso.example")
	old := time.Now().UTC().Add(-20 * 24 * time.Hour)
	exec(t, st, "UPDATE oauth_authorizations SET refresh_token_at = ? WHERE id IN (?, ?)", old, ids[0], ids[2])
	exec(t, st, "UPDATE oauth_authorizations SET state = 'reauth_required' WHERE id = ?", ids[2])
	s := New(st, nil)
	refreshed, failed, err := s.RefreshDue(ctx)
	if err != nil || refreshed != 1 || failed != 0 {
		t.Fatalf("got %d refreshed, %d failed (%v), want only the idle one refreshed", refreshed, failed, err)
	}
	if n := idp.Count("refresh_token"); n != 1 {
		t.Fatalf("got %d refresh requests, want 1: the fresh one and the one needing a person stay untouched", n)
	}
	a, _ := st.Authorization(ctx, ids[0])
	if a.RefreshTokenAt == nil || time.Since(*a.RefreshTokenAt) > time.Minute {
		t.Fatalf("got refresh token date %v, want now", a.RefreshTokenAt)
	}
	// Nothing is due any more.
	if refreshed, _, _ := s.RefreshDue(ctx); refreshed != 0 {
		t.Fatalf("second pass refreshed %d, want 0", refreshed)
	}
	// A transient failure is retried once its backoff has passed.
	exec(t, st, "UPDATE oauth_authorizations SET refresh_token_at = ? WHERE id = ?", old, ids[1])
	idp.FailNext("refresh_token", 503, `{"error":"temporarily_unavailable"}`)
	if _, failed, _ := s.RefreshDue(ctx); failed != 1 {
		t.Fatalf("got %d failed, want the outage counted", failed)
	}
	if a, _ := st.Authorization(ctx, ids[1]); a.State != string(oauth.StateRefreshFailing) || a.NextRefreshAt == nil {
		t.Fatalf("got state %q next %v, want refresh_failing with a next attempt", a.State, a.NextRefreshAt)
	}
	if refreshed, _, _ := s.RefreshDue(ctx); refreshed != 0 {
		t.Fatal("retried before the backoff passed")
	}
	exec(t, st, "UPDATE oauth_authorizations SET next_refresh_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Second), ids[1])
	if refreshed, _, _ := s.RefreshDue(ctx); refreshed != 1 {
		t.Fatal("not retried after the backoff")
	}
}

func TestTokenSourceFor(t *testing.T) {
	ctx := context.Background()
	st, _, app, ids := setup(t, "alice@contoso.example")
	s := New(st, nil)
	src, err := s.TokenSourceFor(ctx, app.ID, " Alice@Contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src(ctx)
	_, rec, _ := st.Load(ctx, ids[0])
	if err != nil || tok == "" || tok != rec.AccessToken {
		t.Fatalf("got a token equal to the stored one: %v (%v)", tok == rec.AccessToken, err)
	}
	if _, err := s.TokenSourceFor(ctx, app.ID, "nobody@contoso.example"); err != store.ErrNotFound {
		t.Fatalf("got %v, want store.ErrNotFound", err)
	}
}

func TestRunRefresherStops(t *testing.T) {
	st, _, _, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- New(st, nil).RunRefresher(ctx, time.Millisecond) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("got %v, want nil on shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunRefresher did not stop with its context")
	}
}
