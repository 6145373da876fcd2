package oauth

import (
	"context"
	"math/rand/v2"
	"time"
)

// DefaultKeepAliveAge is how old a refresh token may grow before the
// background refresher uses it: well inside Microsoft's 90-day inactivity
// limit, so a few weeks of failures still leave time to notice.
const DefaultKeepAliveAge = 14 * 24 * time.Hour

// KeepAliveCandidate is what the background refresher knows of one
// authorization, from the store.
type KeepAliveCandidate struct {
	AuthorizationID int64
	State           State
	RefreshedAt     time.Time
	// NextAttemptAt is set after a transient failure (now + NextAttempt).
	NextAttemptAt time.Time
	AppOnly       bool
}

// KeepAliveDue reports whether c needs a proactive refresh now: its refresh
// token is older than maxAge (DefaultKeepAliveAge when 0), or an earlier
// attempt failed transiently and its backoff has passed. Authorizations that
// need a person (re-authorization, configuration) are left alone: retrying
// would only add noise and, at Microsoft, throttling.
func KeepAliveDue(c KeepAliveCandidate, now time.Time, maxAge time.Duration) bool {
	if maxAge <= 0 {
		maxAge = DefaultKeepAliveAge
	}
	if c.AppOnly || now.Before(c.NextAttemptAt) {
		return false
	}
	switch c.State {
	case StateReauthRequired, StateConfigError:
		return false
	case StateRefreshFailing:
		return true
	}
	return now.Sub(c.RefreshedAt) >= maxAge
}

// KeepAlive refreshes the authorization when its refresh token is still
// older than maxAge inside the lock (another instance may have refreshed it
// meanwhile). The outcome says what was recorded.
func (m *Manager) KeepAlive(ctx context.Context, authorizationID int64, maxAge time.Duration) (Outcome, error) {
	if maxAge <= 0 {
		maxAge = DefaultKeepAliveAge
	}
	need := func(rec TokenRecord) bool {
		return !rec.AppOnly && m.now().Sub(rec.RefreshedAt) >= maxAge
	}
	_, out, err := m.refresh(ctx, authorizationID, "keepalive", need)
	return out, err
}

// Backoff bounds of NextAttempt.
const (
	backoffBase = time.Minute
	backoffMax  = 6 * time.Hour
)

// NextAttempt returns how long to wait after the given number of consecutive
// transient failures: doubling from one minute up to six hours, with jitter
// (between half and all of it) so that many authorizations failing together
// at one provider outage do not come back in step.
func NextAttempt(failures int) time.Duration {
	if failures < 1 {
		failures = 1
	}
	d := backoffMax
	if failures <= 20 {
		d = min(backoffBase<<(failures-1), backoffMax)
	}
	half := d / 2
	return half + rand.N(half+1)
}
