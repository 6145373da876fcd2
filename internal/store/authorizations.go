package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

// The kinds of authorization.
const (
	KindDelegated = "delegated" // a person signed in (authorization code)
	KindAppOnly   = "app_only"  // client credentials for one mailbox (Microsoft)
)

// withoutTokens blanks the sealed columns: lists and forms never need them.
func withoutTokens(a *Authorization) {
	a.AccessToken, a.RefreshToken, a.IDToken = "", "", ""
}

// Authorizations lists an application's authorizations by e-mail, tokens
// left out.
func (s *Store) Authorizations(ctx context.Context, applicationID int64) ([]Authorization, error) {
	var out []Authorization
	if err := s.db.WithContext(ctx).Where("application_id = ?", applicationID).Order("email").Order("id").Find(&out).Error; err != nil {
		return nil, translate(err)
	}
	for i := range out {
		withoutTokens(&out[i])
	}
	return out, nil
}

// Authorization returns one authorization, tokens left out.
func (s *Store) Authorization(ctx context.Context, id int64) (*Authorization, error) {
	var a Authorization
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return nil, translate(err)
	}
	withoutTokens(&a)
	return &a, nil
}

func (s *Store) authorizationEmails(ctx context.Context, applicationID int64) ([]string, error) {
	var emails []string
	err := s.db.WithContext(ctx).Model(&Authorization{}).Where("application_id = ?", applicationID).Order("email").Pluck("email", &emails).Error
	return emails, translate(err)
}

// UpdateAuthorizationEmail changes the SASL user of an authorization (how
// a delegate's token serves a shared mailbox) and re-points the active
// receivers that logged in with the old address, as GLPI does. It returns
// the names of those receivers; ErrDuplicate when the application already
// has an authorization for that address.
func (s *Store) UpdateAuthorizationEmail(ctx context.Context, id int64, email string, actor *User) ([]string, error) {
	email = strings.TrimSpace(email)
	if err := checkText(Text{Field: "authorization e-mail", Value: email}); err != nil {
		return nil, err
	}
	var names []string
	err := s.tx(ctx, func(s *Store) error {
		var a Authorization
		if err := s.db.Take(&a, id).Error; err != nil {
			return translate(err)
		}
		if a.Email == email {
			return nil
		}
		if err := s.db.Model(&Authorization{}).Where("id = ?", id).Updates(map[string]any{"email": email, "updated_at": s.now()}).Error; err != nil {
			return translate(err)
		}
		q := s.db.Model(&Receiver{}).Where("is_active = ? AND application_id = ? AND login = ?", true, a.ApplicationID, a.Email)
		if err := q.Order("name").Pluck("name", &names).Error; err != nil {
			return translate(err)
		}
		if len(names) > 0 {
			err := s.db.Model(&Receiver{}).Where("is_active = ? AND application_id = ? AND login = ?", true, a.ApplicationID, a.Email).
				Updates(map[string]any{"login": email, "updated_at": s.now()}).Error
			if err != nil {
				return translate(err)
			}
		}
		return s.auditBy(ctx, actor, "authorization.update", "authorization", id, fmt.Sprintf("email changed from %s to %s", a.Email, email))
	})
	return names, err
}

// DeleteAuthorization deletes an authorization and deactivates the active
// receivers that logged in with it, returning their names.
func (s *Store) DeleteAuthorization(ctx context.Context, id int64, actor *User) ([]string, error) {
	var names []string
	err := s.tx(ctx, func(s *Store) error {
		var a Authorization
		if err := s.db.Take(&a, id).Error; err != nil {
			return translate(err)
		}
		var err error
		if names, err = s.deactivateReceivers(ctx, "application_id = ? AND login = ?", a.ApplicationID, a.Email); err != nil {
			return err
		}
		if err := s.db.Delete(&Authorization{}, id).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "authorization.delete", "application", a.ApplicationID, fmt.Sprintf("authorization %s deleted", a.Email))
	})
	return names, err
}

// GrantToSave is a sign-in's (or a client-credentials request's) result to
// record.
type GrantToSave struct {
	ApplicationID int64
	// AuthorizationID is set for a re-authorization: that row is renewed,
	// keeping its e-mail, and only by the identity pinned on it.
	AuthorizationID int64
	// ReceiverID is set when the sign-in started from a receiver's form:
	// that receiver then logs in with this authorization, as in GLPI.
	ReceiverID int64
	Grant      *oauth.Grant
	AppOnly    bool
	Actor      *User
}

// pinned is the identity recorded on an authorization.
func pinned(a *Authorization) oauth.Identity {
	id := oauth.Identity{TenantID: a.TenantID, ObjectID: a.ObjectID, Subject: a.Subject, PreferredUsername: a.UPN}
	if a.UPN == "" {
		id.Email = a.Email
	}
	return id
}

// SaveGrant records a grant: it renews the authorization being
// re-authorized, else upserts on (application, e-mail), sealing the
// tokens. An existing row keeps the identity pinned at its first consent:
// a grant of another account is refused with *oauth.IdentityMismatchError.
// created tells whether a new authorization was made.
func (s *Store) SaveGrant(ctx context.Context, in GrantToSave) (auth *Authorization, created bool, err error) {
	g := in.Grant
	if g == nil || g.AccessToken == "" {
		return nil, false, errors.New("store: save grant: no access token")
	}
	err = s.tx(ctx, func(s *Store) error {
		var row Authorization
		var q error
		if in.AuthorizationID != 0 {
			q = s.db.Where("id = ? AND application_id = ?", in.AuthorizationID, in.ApplicationID).Take(&row).Error
		} else {
			q = s.db.Where("application_id = ? AND LOWER(email) = ?", in.ApplicationID, strings.ToLower(g.Email)).Take(&row).Error
		}
		switch {
		case q == nil:
			if err := oauth.CheckSameIdentity(pinned(&row), g.Identity); err != nil {
				return err
			}
		case errors.Is(q, errRecordNotFound) && in.AuthorizationID == 0:
			created = true
			row = Authorization{ApplicationID: in.ApplicationID, Email: g.Email, CreatedAt: s.now()}
		default:
			return translate(q)
		}
		if err := s.fillGrant(&row, g, in.AppOnly); err != nil {
			return err
		}
		if err := s.db.Save(&row).Error; err != nil {
			return translate(err)
		}
		if in.ReceiverID != 0 {
			err := s.db.Model(&Receiver{}).Where("id = ?", in.ReceiverID).
				Updates(map[string]any{"application_id": row.ApplicationID, "login": row.Email, "updated_at": s.now()}).Error
			if err != nil {
				return translate(err)
			}
		}
		verb := "renewed"
		if created {
			verb = "created"
		}
		how := "by sign-in as " + firstNonEmpty(g.Identity.PreferredUsername, g.Email)
		if in.AppOnly {
			how = "by client credentials (app-only)"
		}
		withoutTokens(&row)
		auth = &row
		return s.auditBy(ctx, in.Actor, "authorization.grant", "authorization", row.ID, fmt.Sprintf("authorization %s %s %s", row.Email, verb, how))
	})
	if err != nil {
		return nil, false, err
	}
	return auth, created, nil
}

// fillGrant writes the grant's tokens (sealed) and identity on row, and
// resets its health.
func (s *Store) fillGrant(row *Authorization, g *oauth.Grant, appOnly bool) error {
	now := s.now()
	var err error
	if row.AccessToken, err = s.seal(g.AccessToken); err != nil {
		return err
	}
	if row.RefreshToken, err = s.sealOptional(g.RefreshToken); err != nil {
		return err
	}
	if row.IDToken, err = s.sealOptional(g.IDToken); err != nil {
		return err
	}
	row.Kind = KindDelegated
	if appOnly {
		row.Kind = KindAppOnly
	}
	// An identity is pinned once; a row made before pinning takes this one.
	if row.ObjectID == "" && row.Subject == "" {
		row.TenantID, row.ObjectID, row.Subject = g.Identity.TenantID, g.Identity.ObjectID, g.Identity.Subject
	}
	if g.Identity.PreferredUsername != "" {
		row.UPN = g.Identity.PreferredUsername
	}
	row.Scope = g.Scope
	exp := g.Expiry.UTC()
	if g.Expiry.IsZero() {
		exp = now.Add(time.Hour)
	}
	row.ExpiresAt = &exp
	row.LastRefreshAt = &now
	if !appOnly {
		row.RefreshTokenAt = &now
	}
	row.State, row.ErrorClass, row.LastError, row.Failures, row.NextRefreshAt = string(oauth.StateValid), "", "", 0, nil
	row.UpdatedAt = now
	return nil
}

func (s *Store) sealOptional(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return s.seal(v)
}

func (s *Store) openOptional(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return s.open(v)
}

func firstNonEmpty(v ...string) string {
	for _, x := range v {
		if x != "" {
			return x
		}
	}
	return ""
}

// AuthorizationByEmail finds an application's authorization for a SASL
// user (a receiver's login), tokens left out.
func (s *Store) AuthorizationByEmail(ctx context.Context, applicationID int64, email string) (*Authorization, error) {
	var a Authorization
	err := s.db.WithContext(ctx).Where("application_id = ? AND LOWER(email) = ?", applicationID, strings.ToLower(strings.TrimSpace(email))).Take(&a).Error
	if err != nil {
		return nil, translate(err)
	}
	withoutTokens(&a)
	return &a, nil
}

// AuthStateMailboxRefused is the state of an app-only authorization whose
// token is good but whose IMAP login to its mailbox was refused: the
// application has not been given access to that mailbox in Exchange.
const AuthStateMailboxRefused = string(oauth.StateMailboxRefused)

// AuthorizationRef is what a collector needs of a receiver's authorization.
type AuthorizationRef struct {
	ID      int64
	AppOnly bool
}

// AuthorizationFor is AuthorizationIDFor with the authorization's kind.
func (s *Store) AuthorizationFor(ctx context.Context, applicationID int64, login string) (AuthorizationRef, error) {
	var a Authorization
	err := s.db.WithContext(ctx).Select("id", "kind").
		Where("application_id = ? AND LOWER(email) = ?", applicationID, strings.ToLower(strings.TrimSpace(login))).
		Order("id").Take(&a).Error
	if err != nil {
		return AuthorizationRef{}, translate(err)
	}
	return AuthorizationRef{ID: a.ID, AppOnly: a.Kind == KindAppOnly}, nil
}

// RecordMailboxLogin records how an IMAP login with an app-only
// authorization went: refused (the token was accepted by nobody: the
// application may not open the mailbox) makes it AuthStateMailboxRefused
// with message, so it never reads "Valid" while no login works; a login
// that works clears that state. Delegated authorizations are left alone:
// their state is their token's. Each change is an audit event.
func (s *Store) RecordMailboxLogin(ctx context.Context, authorizationID int64, ok bool, message string) error {
	return s.tx(ctx, func(s *Store) error {
		var a Authorization
		if err := s.db.WithContext(ctx).Select("id", "email", "kind", "state", "last_error").Take(&a, authorizationID).Error; err != nil {
			return translate(err)
		}
		if a.Kind != KindAppOnly {
			return nil
		}
		message = truncate(message, 1000)
		var set map[string]any
		var event, text string
		switch {
		case ok && a.State == AuthStateMailboxRefused:
			set = map[string]any{"state": string(oauth.StateValid), "error_class": "", "last_error": ""}
			event, text = "authorization.valid", fmt.Sprintf("app-only login to %s works again", a.Email)
		case !ok && (a.State == string(oauth.StateValid) || a.State == AuthStateMailboxRefused) && (a.State != AuthStateMailboxRefused || a.LastError != message):
			set = map[string]any{"state": AuthStateMailboxRefused, "error_class": "mailbox_permission", "last_error": message}
			event, text = "authorization."+AuthStateMailboxRefused, fmt.Sprintf("app-only login to %s refused: %s", a.Email, message)
		default:
			return nil
		}
		set["updated_at"] = s.now()
		if err := s.db.WithContext(ctx).Model(&Authorization{}).Where("id = ?", a.ID).Updates(set).Error; err != nil {
			return translate(err)
		}
		return s.Audit(ctx, 0, "", event, "authorization", a.ID, text)
	})
}
