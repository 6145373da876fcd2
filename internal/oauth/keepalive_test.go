package oauth

import (
	"testing"
	"time"
)

func TestKeepAliveDue(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		c    KeepAliveCandidate
		want bool
	}{
		{"fresh", KeepAliveCandidate{State: StateValid, RefreshedAt: now.Add(-24 * time.Hour)}, false},
		{"15 days idle", KeepAliveCandidate{State: StateValid, RefreshedAt: now.Add(-15 * 24 * time.Hour)}, true},
		{"never refreshed", KeepAliveCandidate{State: StateValid}, true},
		{"failing, backoff passed", KeepAliveCandidate{State: StateRefreshFailing, RefreshedAt: now, NextAttemptAt: now.Add(-time.Second)}, true},
		{"failing, in backoff", KeepAliveCandidate{State: StateRefreshFailing, RefreshedAt: now, NextAttemptAt: now.Add(time.Minute)}, false},
		{"needs re-authorization", KeepAliveCandidate{State: StateReauthRequired}, false},
		{"configuration error", KeepAliveCandidate{State: StateConfigError}, false},
		{"app-only", KeepAliveCandidate{State: StateValid, AppOnly: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeepAliveDue(tt.c, now, 0); got != tt.want {
				t.Errorf("got %t, want %t", got, tt.want)
			}
		})
	}
}

func TestNextAttempt(t *testing.T) {
	tests := []struct {
		failures int
		max      time.Duration
	}{
		{0, time.Minute}, {1, time.Minute}, {2, 2 * time.Minute}, {5, 16 * time.Minute}, {10, 6 * time.Hour}, {1000, 6 * time.Hour},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := NextAttempt(tt.failures)
			if d < tt.max/2 || d > tt.max {
				t.Fatalf("NextAttempt(%d): got %v, want within [%v, %v]", tt.failures, d, tt.max/2, tt.max)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("NextAttempt(%d): got one value 50 times, want jitter", tt.failures)
		}
	}
}

func TestManagerKeepAlive(t *testing.T) {
	idp := newIdP(t)
	s := storeWithGrant(t, idp)
	s.rec.Expiry = time.Now().Add(time.Hour) // the access token is fine: only age triggers
	m := NewManager(s)
	out, err := m.KeepAlive(testContext(t), 1, 0)
	if err != nil || out.Kind != OutcomeRefreshed {
		t.Fatalf("old refresh token: got %+v %v, want refreshed", out, err)
	}
	out, err = m.KeepAlive(testContext(t), 1, 0)
	if err != nil || out.Kind != OutcomeUnchanged {
		t.Fatalf("just refreshed: got %+v %v, want unchanged", out, err)
	}
	if got := idp.Count("refresh_token"); got != 1 {
		t.Errorf("refresh requests: got %d, want 1", got)
	}
}
