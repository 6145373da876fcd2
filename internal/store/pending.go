package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
