package oauth

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
)

// memStore is a TokenStore in memory: Locked holds a mutex, as the row lock.
type memStore struct {
	mu       sync.Mutex // the "row lock"
	app      Application
	rec      TokenRecord
	outcomes []Outcome
	loads    int
}

func (s *memStore) Load(ctx context.Context, id int64) (Application, TokenRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads++
	return s.app, s.rec, nil
}

func (s *memStore) Locked(ctx context.Context, id int64, fn func(Application, TokenRecord) (TokenRecord, Outcome, error)) (TokenRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, out, err := fn(s.app, s.rec)
	if err != nil {
		return s.rec, err
	}
	s.outcomes = append(s.outcomes, out)
	if out.Kind == OutcomeRefreshed {
		s.rec = rec
	}
	return s.rec, nil
}

func (s *memStore) snapshot() (TokenRecord, []Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec, append([]Outcome(nil), s.outcomes...)
}

// storeWithGrant authorizes alice and stores her tokens, expiring in a minute
// (inside the default five-minute margin).
func storeWithGrant(t *testing.T, idp *oauthtest.IdP) *memStore {
	t.Helper()
	app := azureApp(idp, idp.TenantID)
	g := mustAuthorize(t, idp, app, "alice@contoso.example")
	return &memStore{app: app, rec: TokenRecord{
		AccessToken: g.AccessToken, RefreshToken: g.RefreshToken, Expiry: time.Now().Add(time.Minute),
		RefreshedAt: time.Now().Add(-20 * 24 * time.Hour), Email: g.Email,
	}}
}

func TestAccessTokenFreshIsNotRefreshed(t *testing.T) {
	idp := newIdP(t)
	s := storeWithGrant(t, idp)
	s.rec.Expiry = time.Now().Add(30 * time.Minute)
	got, err := NewManager(s).AccessToken(testContext(t), 1)
	if err != nil || got != s.rec.AccessToken {
		t.Fatalf("got %v, want the stored token", err)
	}
	if n := idp.Count("refresh_token"); n != 0 {
		t.Errorf("refresh requests: got %d, want 0", n)
	}
}

func TestAccessTokenSingleFlight(t *testing.T) {
	idp := newIdP(t)
	s := storeWithGrant(t, idp)
	old := s.rec
	// Two managers over one store stand for two instances of the product.
	managers := []*Manager{NewManager(s), NewManager(s)}
	const n = 50
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tokens[i], errs[i] = managers[i%2].AccessToken(testContext(t), 1)
		})
	}
	wg.Wait()
	if got := idp.Count("refresh_token"); got != 1 {
		t.Errorf("refresh requests at the IdP: got %d, want exactly 1", got)
	}
	rec, outcomes := s.snapshot()
	for i := range n {
		if errs[i] != nil || tokens[i] != rec.AccessToken {
			t.Fatalf("caller %d: got %v, want the refreshed token", i, errs[i])
		}
	}
	if rec.AccessToken == old.AccessToken || rec.RefreshToken == old.RefreshToken {
		t.Error("the store kept the old tokens, want the refreshed and rotated ones")
	}
	if time.Since(rec.RefreshedAt) > time.Minute {
		t.Errorf("RefreshedAt: got %v, want now", rec.RefreshedAt)
	}
	refreshed := 0
	for _, o := range outcomes {
		if o.Kind == OutcomeRefreshed {
			refreshed++
			if !o.Rotated || o.State() != StateValid {
				t.Errorf("outcome: got %+v, want rotated and valid", o)
			}
		}
	}
	if refreshed != 1 {
		t.Errorf("refreshed outcomes recorded: got %d, want 1", refreshed)
	}
	// In process, callers share one flight: at most one locked call per
	// manager, where the second finds the row already fresh.
	if len(outcomes) > len(managers) {
		t.Errorf("locked calls: got %d, want at most %d", len(outcomes), len(managers))
	}
	// The rotated refresh token was persisted: the next refresh (strict
	// rotation at the fake IdP) succeeds with it.
	s.mu.Lock()
	s.rec.Expiry = time.Now()
	s.mu.Unlock()
	if _, err := managers[0].AccessToken(testContext(t), 1); err != nil {
		t.Fatalf("second refresh with the persisted rotated token: %v", err)
	}
}

func TestAccessTokenFailureOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  Class
		state  State
	}{
		{"inactivity", 400, oauthtest.ErrorBody("invalid_grant", 700082, "The refresh token has expired due to inactivity."), ReauthRequired, StateReauthRequired},
		{"secret expired", 401, oauthtest.ErrorBody("invalid_client", 7000222, "The provided client secret keys are expired."), ConfigError, StateConfigError},
		{"outage", http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`, Transient, StateRefreshFailing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newIdP(t)
			s := storeWithGrant(t, idp)
			old := s.rec
			idp.FailNext("refresh_token", tt.status, tt.body)
			var seen []string
			_, err := NewManager(s, WithObserver(func(purpose string, o Outcome) {
				seen = append(seen, purpose+" "+string(o.Kind)+" "+string(o.Class))
			})).AccessToken(testContext(t), 1)
			if want := "access failed " + string(tt.class); len(seen) != 1 || seen[0] != want {
				t.Errorf("observer saw %q, want [%s]", seen, want)
			}
			if Classify(err) != tt.class {
				t.Fatalf("got %v (%s), want %s", err, Classify(err), tt.class)
			}
			rec, outcomes := s.snapshot()
			if rec != old {
				t.Error("the tokens changed after a failed refresh")
			}
			if len(outcomes) != 1 || outcomes[0].Kind != OutcomeFailed || outcomes[0].State() != tt.state || outcomes[0].Remedy == "" {
				t.Errorf("outcomes: got %+v, want one failure with state %s and a remedy", outcomes, tt.state)
			}
		})
	}
}

func TestAccessTokenAppOnly(t *testing.T) {
	idp := newIdP(t)
	s := &memStore{app: azureApp(idp, idp.TenantID), rec: TokenRecord{AppOnly: true, Email: "helpdesk@contoso.example"}}
	tok, err := NewManager(s).AccessToken(testContext(t), 1)
	if err != nil || tok == "" {
		t.Fatalf("got %v, want an app-only token", err)
	}
	if got := idp.Count("client_credentials"); got != 1 {
		t.Errorf("client credentials requests: got %d, want 1", got)
	}
}

func TestAccessTokenCallerCancelDoesNotFailOthers(t *testing.T) {
	idp := newIdP(t)
	s := storeWithGrant(t, idp)
	m := NewManager(s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.AccessToken(ctx, 1); err == nil {
		t.Fatal("cancelled caller: got nil, want its context error")
	}
	if _, err := m.AccessToken(testContext(t), 1); err != nil {
		t.Fatalf("next caller: got %v, want a token", err)
	}
}
