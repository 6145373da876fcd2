package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

const testCallback = "http://127.0.0.1:1/front/authorization.callback.php"

// idpAuthorization registers an application at the fake IdP and creates an
// authorization for alice through a real sign-in.
func idpAuthorization(t *testing.T, s *Store) (*oauthtest.IdP, int64) {
	t.Helper()
	ctx := context.Background()
	idp := oauthtest.New(t)
	idp.AddUser("alice@contoso.example", "Alice")
	app := &Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "custom", AuthorityURL: idp.AzureAuthority(),
		TenantID: idp.TenantID, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret}
	if err := s.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	authURL, p, err := oauth.Begin(ctx, app.OAuth(), testCallback)
	if err != nil {
		t.Fatal(err)
	}
	back, err := idp.SignIn(authURL, "alice@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	g, err := oauth.Complete(ctx, app.OAuth(), testCallback, back.Query().Get("code"), p)
	if err != nil {
		t.Fatal(err)
	}
	auth, _, err := s.SaveGrant(ctx, GrantToSave{ApplicationID: app.ID, Grant: g})
	if err != nil {
		t.Fatal(err)
	}
	return idp, auth.ID
}

// expireSoon makes the stored access token due for refresh.
func expireSoon(t *testing.T, s *Store, id int64) {
	t.Helper()
	if err := s.db.Model(&Authorization{}).Where("id = ?", id).Update("expires_at", s.now().Add(time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
}

// TestLockedOneRefreshAcrossInstances runs N managers, as N instances
// would, each asking at once for a token about to expire: the row lock lets
// exactly one refresh reach the IdP, and every caller gets its token.
func TestLockedOneRefreshAcrossInstances(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		idp, id := idpAuthorization(t, s)
		expireSoon(t, s, id)
		_, before, _ := s.Load(context.Background(), id)
		const n = 8
		tokens := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				m := oauth.NewManager(s) // one per "instance": no shared singleflight
				tokens[i], errs[i] = m.AccessToken(context.Background(), id)
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			if tokens[i] != tokens[0] || tokens[i] == before.AccessToken {
				t.Fatalf("caller %d got another token than caller 0, or the stale one", i)
			}
		}
		if got := idp.Count("refresh_token"); got != 1 {
			t.Fatalf("got %d refresh requests at the IdP, want exactly 1", got)
		}
		_, after, _ := s.Load(context.Background(), id)
		if after.RefreshToken == before.RefreshToken || after.RefreshToken == "" {
			t.Fatal("the rotated refresh token was not stored")
		}
		// The IdP kills a used refresh token: a second refresh works only
		// with the rotated one, so it proves the rotation was persisted.
		expireSoon(t, s, id)
		if _, err := oauth.NewManager(s).AccessToken(context.Background(), id); err != nil {
			t.Fatalf("refresh with the rotated token: %v", err)
		}
		if got := idp.Count("refresh_token"); got != 2 {
			t.Fatalf("got %d refresh requests, want 2", got)
		}
	})
}

// TestRefreshOutcomesRecorded checks each error class becomes the
// authorization's state with an audit event, and that success restores it.
func TestRefreshOutcomesRecorded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		idp, id := idpAuthorization(t, s)
		for _, tc := range []struct {
			name      string
			status    int
			body      string
			wantState oauth.State
			wantClass oauth.Class
			wantRetry bool
		}{
			{"inactivity expiry", 400, `{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity.","error_codes":[700082]}`, oauth.StateReauthRequired, oauth.ReauthRequired, false},
			{"secret expired", 401, `{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys are expired.","error_codes":[7000222]}`, oauth.StateConfigError, oauth.ConfigError, false},
			{"provider down", 503, `{"error":"temporarily_unavailable","error_description":"try later"}`, oauth.StateRefreshFailing, oauth.Transient, true},
		} {
			expireSoon(t, s, id)
			idp.FailNext("refresh_token", tc.status, tc.body)
			if _, err := oauth.NewManager(s).AccessToken(ctx, id); err == nil {
				t.Fatalf("%s: got no error", tc.name)
			}
			a, err := s.Authorization(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.State != string(tc.wantState) || a.ErrorClass != string(tc.wantClass) || a.LastError == "" {
				t.Errorf("%s: got state %q class %q error %q, want %q %q", tc.name, a.State, a.ErrorClass, a.LastError, tc.wantState, tc.wantClass)
			}
			if (a.NextRefreshAt != nil) != tc.wantRetry {
				t.Errorf("%s: got next attempt %v, want scheduled=%v", tc.name, a.NextRefreshAt, tc.wantRetry)
			}
			ev, _ := s.AuditEvents(ctx, "authorization", id, 1)
			if len(ev) != 1 || ev[0].Kind != "authorization."+string(tc.wantState) {
				t.Errorf("%s: got audit %+v, want kind authorization.%s", tc.name, ev, tc.wantState)
			}
			if strings.Contains(ev[0].Message, idp.ClientSecret) {
				t.Errorf("%s: the audit message holds the client secret", tc.name)
			}
		}
		// The candidates exclude what needs a person; after success it is valid.
		expireSoon(t, s, id)
		if _, err := oauth.NewManager(s).AccessToken(ctx, id); err != nil {
			t.Fatal(err)
		}
		a, _ := s.Authorization(ctx, id)
		if a.State != string(oauth.StateValid) || a.Failures != 0 || a.LastError != "" {
			t.Fatalf("after success: got state %q failures %d error %q", a.State, a.Failures, a.LastError)
		}
		ev, _ := s.AuditEvents(ctx, "authorization", id, 1)
		if len(ev) != 1 || ev[0].Kind != "authorization.valid" {
			t.Fatalf("got audit %+v, want the recovery recorded", ev)
		}
		c, err := s.KeepAliveCandidates(ctx)
		if err != nil || len(c) != 1 || c[0].AuthorizationID != id || c[0].RefreshedAt.IsZero() {
			t.Fatalf("got candidates %+v (%v)", c, err)
		}
	})
}
