package oauth

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"
)

// TokenRecord is what the store keeps for one authorization (decrypted).
type TokenRecord struct {
	AccessToken  string
	RefreshToken string
	IDToken      string
	Expiry       time.Time
	// RefreshedAt is when the refresh token was last obtained or used: at
	// consent or at the last successful refresh. Microsoft expires it after
	// 90 idle days, Google after 6 months.
	RefreshedAt time.Time
	// Email is the authorization's SASL user; the mailbox for AppOnly.
	Email string
	// AppOnly marks a client-credentials authorization: no refresh token, a
	// new token is requested for Email.
	AppOnly bool
	// Scope is what the provider said it granted at consent; a refresh
	// asks again for the SMTP permission when it is among them.
	Scope string
}

// State is an authorization's health, as the application page shows it.
type State string

// The states of an authorization.
const (
	StateValid          State = "valid"
	StateRefreshFailing State = "refresh_failing" // transient failures, retried
	StateReauthRequired State = "reauth_required"
	StateConfigError    State = "config_error"
	// StateMailboxRefused: an app-only authorization whose token is good
	// but whose mailbox refused the login (the application lacks access).
	StateMailboxRefused State = "mailbox_refused"
)

// Label is a state as the application page says it.
func (s State) Label() string {
	switch s {
	case StateValid:
		return "Valid"
	case StateRefreshFailing:
		return "The last refresh failed; retrying"
	case StateReauthRequired:
		return "Re-authorization needed"
	case StateConfigError:
		return "Configuration error"
	case StateMailboxRefused:
		return "Mailbox access refused"
	}
	return string(s)
}

// OutcomeKind says what a locked refresh did.
type OutcomeKind string

// The outcomes of a locked refresh.
const (
	// OutcomeUnchanged: the row was already fresh (another caller or
	// instance refreshed it): write nothing.
	OutcomeUnchanged OutcomeKind = "unchanged"
	// OutcomeRefreshed: new tokens, to write with the state valid.
	OutcomeRefreshed OutcomeKind = "refreshed"
	// OutcomeFailed: the tokens are kept; write the state, error and audit event.
	OutcomeFailed OutcomeKind = "failed"
)

// Outcome is the result of a refresh, for the store to record the state and
// an audit event in the same transaction as the tokens.
type Outcome struct {
	Kind    OutcomeKind
	Class   Class  // for OutcomeFailed
	Message string // the error, safe to store and show: no token or secret
	Remedy  string
	Rotated bool // a new refresh token came with OutcomeRefreshed
	At      time.Time
}

// State returns the authorization's state after this outcome; "" for
// OutcomeUnchanged.
func (o Outcome) State() State {
	switch o.Kind {
	case OutcomeRefreshed:
		return StateValid
	case OutcomeFailed:
		switch o.Class {
		case ReauthRequired:
			return StateReauthRequired
		case ConfigError:
			return StateConfigError
		}
		return StateRefreshFailing
	}
	return ""
}

// TokenStore is implemented by the database layer.
type TokenStore interface {
	// Load returns the authorization's application and current tokens.
	Load(ctx context.Context, authorizationID int64) (Application, TokenRecord, error)
	// Locked runs fn holding an exclusive lock on the authorization row
	// (SELECT ... FOR UPDATE on MySQL, a write transaction on SQLite) and
	// persists what fn returns in the same transaction; fn receives the row
	// as it is inside the lock (another instance may have refreshed already).
	// When fn returns an error nothing is written and Locked returns it.
	Locked(ctx context.Context, authorizationID int64, fn func(Application, TokenRecord) (TokenRecord, Outcome, error)) (TokenRecord, error)
}

// Manager hands out valid access tokens, refreshing them once per
// authorization at a time: in process by singleflight, across instances by
// the store's row lock.
type Manager struct {
	store   TokenStore
	margin  time.Duration
	timeout time.Duration
	now     func() time.Time
	flights singleflight.Group
	observe func(purpose string, out Outcome)
}

// Option configures a Manager.
type Option func(*Manager)

// WithMargin sets how long before expiry a token is refreshed (default 5 minutes).
func WithMargin(d time.Duration) Option { return func(m *Manager) { m.margin = d } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.now = now } }

// WithObserver has fn told of every refresh that reached the row lock
// (for metrics); purpose is "access" or "keepalive".
func WithObserver(fn func(purpose string, out Outcome)) Option {
	return func(m *Manager) { m.observe = fn }
}

// WithTimeout bounds one refresh, which outlives the caller that started it
// when others wait for it too (default 60 seconds).
func WithTimeout(d time.Duration) Option { return func(m *Manager) { m.timeout = d } }

// NewManager returns a Manager over store.
func NewManager(store TokenStore, opts ...Option) *Manager {
	m := &Manager{store: store, margin: 5 * time.Minute, timeout: time.Minute, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	return m
}

// AccessToken returns a valid access token, refreshing it when it expires
// within the margin: one refresh per authorization at a time in process
// (singleflight) and across instances (the store lock; the expiry is checked
// again inside the lock).
func (m *Manager) AccessToken(ctx context.Context, authorizationID int64) (string, error) {
	_, rec, err := m.store.Load(ctx, authorizationID)
	if err != nil {
		return "", fmt.Errorf("oauth: load authorization %d: %w", authorizationID, err)
	}
	if m.fresh(rec) {
		return rec.AccessToken, nil
	}
	rec, _, err = m.refresh(ctx, authorizationID, "access", m.stale)
	if err != nil {
		return "", err
	}
	return rec.AccessToken, nil
}

func (m *Manager) fresh(rec TokenRecord) bool {
	return rec.AccessToken != "" && rec.Expiry.After(m.now().Add(m.margin))
}

func (m *Manager) stale(rec TokenRecord) bool { return !m.fresh(rec) }

type flightResult struct {
	rec     TokenRecord
	outcome Outcome
}

// refresh refreshes inside the store lock when need(row) still holds there.
// Callers asking for the same authorization and purpose share one flight;
// the flight runs on a context that no single caller's cancellation ends.
func (m *Manager) refresh(ctx context.Context, id int64, purpose string, need func(TokenRecord) bool) (TokenRecord, Outcome, error) {
	key := purpose + ":" + strconv.FormatInt(id, 10)
	ch := m.flights.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.timeout)
		defer cancel()
		var out Outcome
		var refreshErr error
		rec, err := m.store.Locked(fctx, id, func(app Application, rec TokenRecord) (TokenRecord, Outcome, error) {
			if !need(rec) {
				out = Outcome{Kind: OutcomeUnchanged, At: m.now()}
				return rec, out, nil
			}
			var next TokenRecord
			next, out, refreshErr = m.renew(fctx, app, rec)
			return next, out, nil
		})
		if err != nil {
			return nil, fmt.Errorf("oauth: refresh authorization %d: %w", id, err)
		}
		if m.observe != nil && out.Kind != "" {
			m.observe(purpose, out)
		}
		if refreshErr != nil {
			return flightResult{rec, out}, fmt.Errorf("oauth: refresh authorization %d: %w", id, refreshErr)
		}
		return flightResult{rec, out}, nil
	})
	select {
	case <-ctx.Done():
		return TokenRecord{}, Outcome{}, fmt.Errorf("oauth: refresh authorization %d: %w", id, ctx.Err())
	case res := <-ch:
		if err := ctx.Err(); err != nil {
			// Both were ready (select picks at random): a cancelled
			// caller always gets its context's error.
			return TokenRecord{}, Outcome{}, fmt.Errorf("oauth: refresh authorization %d: %w", id, err)
		}
		fr, _ := res.Val.(flightResult)
		return fr.rec, fr.outcome, res.Err
	}
}

// renew asks the provider for new tokens and says what to record.
func (m *Manager) renew(ctx context.Context, app Application, rec TokenRecord) (TokenRecord, Outcome, error) {
	var g *Grant
	var err error
	if rec.AppOnly {
		g, err = ClientCredentials(ctx, app, rec.Email)
	} else {
		if app.HasSMTPScope(rec.Scope) {
			app = app.WithSMTPScope()
		}
		g, err = Refresh(ctx, app, rec.RefreshToken)
	}
	now := m.now()
	if err != nil {
		adv := advise(err)
		return rec, Outcome{Kind: OutcomeFailed, Class: adv.class, Message: err.Error(), Remedy: adv.remedy, At: now}, err
	}
	next := rec
	next.AccessToken = g.AccessToken
	next.Expiry = g.Expiry
	if next.Expiry.IsZero() {
		// expires_in is only RECOMMENDED (RFC 6749 §5.1); an hour is what
		// Microsoft and Google grant, and without a bound every call refreshes.
		next.Expiry = now.Add(time.Hour)
	}
	if g.IDToken != "" {
		next.IDToken = g.IDToken
	}
	if !rec.AppOnly {
		next.RefreshToken = g.RefreshToken
		next.RefreshedAt = now
	}
	return next, Outcome{Kind: OutcomeRefreshed, Rotated: g.Rotated, At: now}, nil
}
