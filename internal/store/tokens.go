package store

import (
	"context"
	"fmt"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm/clause"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

// Store implements oauth.TokenStore.
var _ oauth.TokenStore = (*Store)(nil)

// Load returns an authorization's application and its tokens, decrypted.
func (s *Store) Load(ctx context.Context, authorizationID int64) (oauth.Application, oauth.TokenRecord, error) {
	var a Authorization
	if err := s.db.WithContext(ctx).Take(&a, authorizationID).Error; err != nil {
		return oauth.Application{}, oauth.TokenRecord{}, translate(err)
	}
	return s.loadRecord(ctx, &a)
}

func (s *Store) loadRecord(ctx context.Context, a *Authorization) (oauth.Application, oauth.TokenRecord, error) {
	app, err := s.Application(ctx, a.ApplicationID)
	if err != nil {
		return oauth.Application{}, oauth.TokenRecord{}, err
	}
	rec := oauth.TokenRecord{Email: a.Email, AppOnly: a.Kind == KindAppOnly, Scope: a.Scope}
	if rec.AccessToken, err = s.openOptional(a.AccessToken); err != nil {
		return oauth.Application{}, oauth.TokenRecord{}, err
	}
	if rec.RefreshToken, err = s.openOptional(a.RefreshToken); err != nil {
		return oauth.Application{}, oauth.TokenRecord{}, err
	}
	if rec.IDToken, err = s.openOptional(a.IDToken); err != nil {
		return oauth.Application{}, oauth.TokenRecord{}, err
	}
	if a.ExpiresAt != nil {
		rec.Expiry = *a.ExpiresAt
	}
	if a.RefreshTokenAt != nil {
		rec.RefreshedAt = *a.RefreshTokenAt
	}
	return app.OAuth(), rec, nil
}

// Locked runs fn holding the authorization's lock and records its outcome:
// the tokens (the rotated refresh token with the new access token), the
// state, and an audit event for a failure or a change of state.
//
// On MySQL the lock is SELECT ... FOR UPDATE and the outcome is written in
// that same transaction, so instances sharing the database refresh one at
// a time. SQLite has a single writer for the whole file: holding a write
// transaction across the provider's HTTP call would stall every other write
// (tickets, sessions) for as long as the provider takes. An SQLite database
// belongs to one process, so there a per-authorization mutex is the lock,
// and only the short write of the outcome is a transaction.
func (s *Store) Locked(ctx context.Context, authorizationID int64, fn func(oauth.Application, oauth.TokenRecord) (oauth.TokenRecord, oauth.Outcome, error)) (oauth.TokenRecord, error) {
	if s.dialect == SQLite {
		return s.lockedSQLite(ctx, authorizationID, fn)
	}
	var out oauth.TokenRecord
	err := s.tx(ctx, func(s *Store) error {
		var a Authorization
		if err := s.db.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Take(&a, authorizationID).Error; err != nil {
			return translate(err)
		}
		app, rec, err := s.loadRecord(ctx, &a)
		if err != nil {
			return err
		}
		next, o, err := fn(app, rec)
		if err != nil {
			return err
		}
		out = next
		return s.recordOutcome(ctx, &a, next, o)
	})
	if err != nil {
		return oauth.TokenRecord{}, err
	}
	return out, nil
}

// sqliteLocks holds one mutex per (database file, authorization).
var sqliteLocks sync.Map

func (s *Store) lockedSQLite(ctx context.Context, authorizationID int64, fn func(oauth.Application, oauth.TokenRecord) (oauth.TokenRecord, oauth.Outcome, error)) (oauth.TokenRecord, error) {
	mu, _ := sqliteLocks.LoadOrStore(fmt.Sprintf("%s#%d", s.path, authorizationID), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	var a Authorization
	if err := s.db.WithContext(ctx).Take(&a, authorizationID).Error; err != nil {
		return oauth.TokenRecord{}, translate(err)
	}
	app, rec, err := s.loadRecord(ctx, &a)
	if err != nil {
		return oauth.TokenRecord{}, err
	}
	next, o, err := fn(app, rec)
	if err != nil {
		return oauth.TokenRecord{}, err
	}
	if err := s.tx(ctx, func(s *Store) error { return s.recordOutcome(ctx, &a, next, o) }); err != nil {
		return oauth.TokenRecord{}, err
	}
	if o.Kind == oauth.OutcomeRefreshed && o.Rotated {
		// The provider may have retired the refresh token this one
		// replaces: a commit lost to a power cut would leave only that one,
		// and some providers revoke the whole grant when a retired refresh
		// token is used again. Made durable at once (Sync); on failure the
		// commit stands and is durable at the next checkpoint.
		if err := s.Sync(ctx); err != nil && s.log != nil {
			s.log.Warn("store: a rotated refresh token is saved but not synced to disk yet", "authorization", authorizationID, "err", err)
		}
	}
	return next, nil
}

// recordOutcome writes what a refresh did on the locked row.
func (s *Store) recordOutcome(ctx context.Context, a *Authorization, next oauth.TokenRecord, o oauth.Outcome) error {
	at := o.At.UTC()
	if o.At.IsZero() {
		at = s.now()
	}
	prev := a.State
	set := map[string]any{"updated_at": s.now()}
	switch o.Kind {
	case oauth.OutcomeUnchanged:
		return nil
	case oauth.OutcomeRefreshed:
		access, err := s.seal(next.AccessToken)
		if err != nil {
			return err
		}
		refresh, err := s.sealOptional(next.RefreshToken)
		if err != nil {
			return err
		}
		idt, err := s.sealOptional(next.IDToken)
		if err != nil {
			return err
		}
		exp := next.Expiry.UTC()
		set["access_token"], set["refresh_token"], set["id_token"], set["expires_at"] = access, refresh, idt, exp
		set["last_refresh_at"] = at
		if !next.RefreshedAt.IsZero() {
			set["refresh_token_at"] = next.RefreshedAt.UTC()
		}
		set["state"], set["error_class"], set["last_error"], set["failures"], set["next_refresh_at"] = string(oauth.StateValid), "", "", 0, nil
		if prev == AuthStateMailboxRefused {
			// A new token changes nothing to the mailbox refusing it: only
			// a login that works clears that (RecordMailboxLogin).
			delete(set, "state")
			delete(set, "error_class")
			delete(set, "last_error")
		}
	case oauth.OutcomeFailed:
		failures := a.Failures + 1
		set["state"], set["error_class"], set["last_error"], set["failures"] = string(o.State()), string(o.Class), truncate(o.Message, 1000), failures
		if o.Class == oauth.Transient {
			set["next_refresh_at"] = at.Add(oauth.NextAttempt(failures))
		} else {
			set["next_refresh_at"] = nil
		}
	default:
		return fmt.Errorf("store: unknown refresh outcome %q", o.Kind)
	}
	if err := s.db.Model(&Authorization{}).Where("id = ?", a.ID).Updates(set).Error; err != nil {
		return translate(err)
	}
	state := string(o.State())
	switch {
	case o.Kind == oauth.OutcomeFailed:
		msg := fmt.Sprintf("refresh of %s failed (%s): %s", a.Email, o.Class, truncate(o.Message, 500))
		if o.Remedy != "" {
			msg += " Remedy: " + o.Remedy
		}
		return s.Audit(ctx, 0, "", "authorization."+state, "authorization", a.ID, msg)
	case prev != state && prev != AuthStateMailboxRefused:
		return s.Audit(ctx, 0, "", "authorization.valid", "authorization", a.ID, fmt.Sprintf("refresh of %s succeeded again (was %s)", a.Email, prev))
	}
	return nil
}

// KeepAliveCandidates lists the authorizations the background refresher
// considers, for oauth.KeepAliveDue to pick from.
func (s *Store) KeepAliveCandidates(ctx context.Context) ([]oauth.KeepAliveCandidate, error) {
	var rows []Authorization
	err := s.db.WithContext(ctx).Select("id, kind, state, refresh_token_at, next_refresh_at, created_at").
		Where("state NOT IN ?", []string{string(oauth.StateReauthRequired), string(oauth.StateConfigError)}).
		Where("kind <> ?", KindAppOnly).Order("id").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]oauth.KeepAliveCandidate, len(rows))
	for i, r := range rows {
		c := oauth.KeepAliveCandidate{AuthorizationID: r.ID, State: oauth.State(r.State), RefreshedAt: r.CreatedAt, AppOnly: r.Kind == KindAppOnly}
		if r.RefreshTokenAt != nil {
			c.RefreshedAt = *r.RefreshTokenAt
		}
		if r.NextRefreshAt != nil {
			c.NextAttemptAt = *r.NextRefreshAt
		}
		out[i] = c
	}
	return out, nil
}

// truncate bounds a provider's text, cutting on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
