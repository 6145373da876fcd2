package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// PendingLifetime is how long a sign-in may take before its state expires.
const PendingLifetime = 10 * time.Minute

// ErrPendingExpired means the sign-in was started more than PendingLifetime ago.
var ErrPendingExpired = errors.New("store: the sign-in has expired")

// hashState keys a pending sign-in: the state itself is never stored, so
// the table gives nobody a state to replay, and the lookup compares hashes.
func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// SessionHash is how a pending sign-in names the session that started it
// (a hash of the session's id, itself a hash of the cookie).
func SessionHash(sessionID string) string { return hashToken("session:" + sessionID) }

// CreatePending keeps a sign-in in flight: the state (hashed), the PKCE
// verifier (sealed), the nonce, who started it and where to return.
// CreatedAt and ExpiresAt are set here.
func (s *Store) CreatePending(ctx context.Context, state string, p *PendingAuthorization) error {
	sealed, err := s.seal(p.Verifier)
	if err != nil {
		return err
	}
	row := *p
	row.StateHash, row.Verifier = hashState(state), sealed
	row.CreatedAt = s.now()
	row.ExpiresAt = row.CreatedAt.Add(PendingLifetime)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return translate(err)
	}
	p.StateHash, p.CreatedAt, p.ExpiresAt = row.StateHash, row.CreatedAt, row.ExpiresAt
	return nil
}

// TakePending removes the sign-in with this state and returns it, verifier
// decrypted: a state works once, whatever the outcome. ErrNotFound for an
// unknown or used state, ErrPendingExpired (with the row, so the caller
// still knows where to send the browser) after PendingLifetime.
func (s *Store) TakePending(ctx context.Context, state string) (*PendingAuthorization, error) {
	if state == "" {
		return nil, ErrNotFound
	}
	var p PendingAuthorization
	err := s.tx(ctx, func(s *Store) error {
		if err := s.db.Where("state_hash = ?", hashState(state)).Take(&p).Error; err != nil {
			return translate(err)
		}
		res := s.db.Where("state_hash = ?", p.StateHash).Delete(&PendingAuthorization{})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound // another request took it first
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !s.now().Before(p.ExpiresAt) {
		return &p, ErrPendingExpired
	}
	v, err := s.open(p.Verifier)
	if err != nil {
		return nil, err
	}
	p.Verifier = v
	return &p, nil
}

// ConsentLifetime is how long an administrator-consent link's state
// stays good: the link is often sent to a tenant administrator, who may
// open it days later.
const ConsentLifetime = 7 * 24 * time.Hour

// consentPlain prefixes the sealed text of a consent state.
const consentPlain = "admin-consent:"

// ConsentState is the state sent with an administrator-consent link of
// applicationID: sealed with the secret key, so it names the application
// and cannot be forged, and good for ConsentLifetime. Nothing is stored:
// whoever opens the link (often someone without a session here) brings
// it back.
func (s *Store) ConsentState(applicationID int64) (string, error) {
	exp := s.now().Add(ConsentLifetime).Unix()
	return s.seal(consentPlain + strconv.FormatInt(applicationID, 10) + ":" + strconv.FormatInt(exp, 10))
}

// ErrConsentState means a consent state is not one this instance made,
// or has expired.
var ErrConsentState = errors.New("store: not a valid administrator consent state")

// OpenConsentState returns the application a consent state names.
func (s *Store) OpenConsentState(state string) (int64, error) {
	plain, err := s.keys.Open(state)
	if err != nil {
		return 0, ErrConsentState
	}
	rest, ok := strings.CutPrefix(plain, consentPlain)
	if !ok {
		return 0, ErrConsentState
	}
	idText, expText, ok := strings.Cut(rest, ":")
	id, err1 := strconv.ParseInt(idText, 10, 64)
	exp, err2 := strconv.ParseInt(expText, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return 0, ErrConsentState
	}
	if s.now().After(time.Unix(exp, 0)) {
		return 0, ErrConsentState
	}
	return id, nil
}
