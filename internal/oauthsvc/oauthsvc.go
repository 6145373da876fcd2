// Package oauthsvc joins the token store and the oauth package for the
// console and the collector: fresh access tokens for mailbox logins, and
// the background refresher that keeps idle authorizations alive so that
// Microsoft's 90-day inactivity expiry never hits.
package oauthsvc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// DefaultRefreshEvery is how often RunRefresher looks for due authorizations.
const DefaultRefreshEvery = 10 * time.Minute

// Service hands out access tokens and keeps authorizations alive. One per
// process: its Manager lets one refresh per authorization run at a time in
// process, and the store's row lock does it across instances.
type Service struct {
	store  *store.Store
	mgr    *oauth.Manager
	log    *slog.Logger
	maxAge time.Duration
	now    func() time.Time
}

// New returns the service over st; opts tune its oauth.Manager.
func New(st *store.Store, log *slog.Logger, opts ...oauth.Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, mgr: oauth.NewManager(st, opts...), log: log, maxAge: oauth.DefaultKeepAliveAge, now: time.Now}
}

// AccessToken returns a valid access token for the authorization,
// refreshing it when it expires within five minutes.
func (s *Service) AccessToken(ctx context.Context, authorizationID int64) (string, error) {
	return s.mgr.AccessToken(ctx, authorizationID)
}

// TokenSource is the Token callback of mailbox.XOAUTH2 / OAUTHBEARER for
// one authorization.
func (s *Service) TokenSource(authorizationID int64) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return s.mgr.AccessToken(ctx, authorizationID) }
}

// TokenSourceFor finds the authorization of an application for a receiver's
// login and returns its TokenSource; store.ErrNotFound when there is none.
func (s *Service) TokenSourceFor(ctx context.Context, applicationID int64, login string) (func(context.Context) (string, error), error) {
	a, err := s.store.AuthorizationByEmail(ctx, applicationID, login)
	if err != nil {
		return nil, err
	}
	return s.TokenSource(a.ID), nil
}

// RefreshDue runs one pass of the background refresher: every
// authorization whose refresh token has aged past the keep-alive age, or
// whose transient failure's backoff has passed, is refreshed. Outcomes are
// recorded by the store (state, error, audit event); it returns how many
// were refreshed and how many failed.
func (s *Service) RefreshDue(ctx context.Context) (refreshed, failed int, err error) {
	cands, err := s.store.KeepAliveCandidates(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, c := range cands {
		if ctx.Err() != nil {
			return refreshed, failed, ctx.Err()
		}
		if !oauth.KeepAliveDue(c, s.now(), s.maxAge) {
			continue
		}
		out, err := s.mgr.KeepAlive(ctx, c.AuthorizationID, s.maxAge)
		switch {
		case err != nil && errors.Is(err, store.ErrNotFound):
			// Deleted since the candidates were listed.
		case err != nil:
			failed++
			s.log.Warn("authorization refresh failed", "authorization_id", c.AuthorizationID, "class", string(oauth.Classify(err)))
		case out.Kind == oauth.OutcomeRefreshed:
			refreshed++
			s.log.Info("authorization kept alive", "authorization_id", c.AuthorizationID, "rotated", out.Rotated)
		}
	}
	return refreshed, failed, nil
}

// RunRefresher runs RefreshDue every interval (DefaultRefreshEvery when 0)
// until ctx ends, then returns nil.
func (s *Service) RunRefresher(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultRefreshEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, _, err := s.RefreshDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("background refresher pass failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
