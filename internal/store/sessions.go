package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"
)

// SessionPolicy bounds a session's life.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without a request
	Absolute time.Duration // ends this long after login
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("store: crypto/rand failed: " + err.Error()) // the OS has no randomness left; nothing is safe
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how a cookie value is kept: a database leak gives no session.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateSession starts a session for a user and returns the cookie value.
// replaces, when set, is the cookie of the session it rotates out.
func (s *Store) CreateSession(ctx context.Context, userID int64, ip, userAgent string, p SessionPolicy, replaces string) (string, *Session, error) {
	tok := randomToken()
	now := s.now()
	if len(userAgent) > 500 {
		userAgent = userAgent[:500]
	}
	sess := &Session{ID: hashToken(tok), UserID: userID, CSRFToken: randomToken(), IP: ip, UserAgent: userAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.Absolute)}
	err := s.tx(ctx, func(s *Store) error {
		if replaces != "" {
			if err := s.db.Where("id = ?", hashToken(replaces)).Delete(&Session{}).Error; err != nil {
				return translate(err)
			}
		}
		return translate(s.db.Create(sess).Error)
	})
	if err != nil {
		return "", nil, err
	}
	return tok, sess, nil
}

// ErrSessionExpired is returned for an unknown, idle or expired session.
var ErrSessionExpired = errors.New("store: session expired")

// LookupSession returns the live session and its user, and marks it seen.
func (s *Store) LookupSession(ctx context.Context, tok string, p SessionPolicy) (*Session, *User, error) {
	if tok == "" {
		return nil, nil, ErrSessionExpired
	}
	var sess Session
	if err := s.db.WithContext(ctx).Where("id = ?", hashToken(tok)).Take(&sess).Error; err != nil {
		if errors.Is(err, errRecordNotFound) {
			return nil, nil, ErrSessionExpired
		}
		return nil, nil, translate(err)
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > p.Idle {
		s.db.WithContext(ctx).Delete(&sess)
		return nil, nil, ErrSessionExpired
	}
	var u User
	if err := s.db.WithContext(ctx).Take(&u, sess.UserID).Error; err != nil || !u.IsActive {
		return nil, nil, ErrSessionExpired
	}
	// Writing on every request would serialise reads behind SQLite's single
	// writer; a minute of precision is plenty for an idle timeout.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		sess.LastSeenAt = now
		if err := s.db.WithContext(ctx).Model(&sess).UpdateColumn("last_seen_at", now).Error; err != nil {
			return nil, nil, translate(err)
		}
	}
	return &sess, &u, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, tok string) error {
	return translate(s.db.WithContext(ctx).Where("id = ?", hashToken(tok)).Delete(&Session{}).Error)
}

// SetFlash stores a message shown on the session's next page.
func (s *Store) SetFlash(ctx context.Context, sessionID, flash string) error {
	return translate(s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", sessionID).UpdateColumn("flash", flash).Error)
}

// PurgeExpired removes dead sessions, throttles and pending sign-ins.
func (s *Store) PurgeExpired(ctx context.Context, p SessionPolicy) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-p.Idle)).Delete(&Session{}).Error; err != nil {
		return translate(err)
	}
	if err := db.Where("window_start < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-24*time.Hour), now).Delete(&LoginThrottle{}).Error; err != nil {
		return translate(err)
	}
	return translate(db.Where("expires_at < ?", now).Delete(&PendingAuthorization{}).Error)
}
