package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

// Kinds of ImportLink.
const (
	ImportedApplication   = "application"
	ImportedAuthorization = "authorization"
	ImportedReceiver      = "receiver"
)

// ImportAction is what an import did, or would do, with one object.
type ImportAction string

// The import actions.
const (
	ImportCreate ImportAction = "create"
	ImportUpdate ImportAction = "update"
	ImportKeep   ImportAction = "keep" // exists here already; left as it is
)

// ImportResult is the outcome of importing one object.
type ImportResult struct {
	Action ImportAction
	ID     int64
	// Name is the object's name here (an application or receiver whose
	// name was taken is renamed).
	Name string
	Note string
}

// ImportSource names where an import comes from, e.g. "glpi:<key hash>",
// and who is recorded as the actor of its audit events.
type ImportSource struct {
	Source string
	Actor  string // e.g. "GLPI import"
	// Label says in audit messages what a source row was, e.g. "GLPI".
	Label string
	// Full sources (this console's own export) carry every field: an
	// update takes them all. Others (GLPI) lack the cloud, authority,
	// issuer, scopes and the collector's settings, which an update keeps.
	Full bool
}

func (src ImportSource) actor() *User { return &User{Login: src.Actor} }

// ImportedObject returns the object made earlier from a source row.
func (s *Store) ImportedObject(ctx context.Context, source, kind string, sourceID int64) (int64, bool, error) {
	var l ImportLink
	err := s.db.WithContext(ctx).Where("source = ? AND kind = ? AND source_id = ?", source, kind, sourceID).Take(&l).Error
	if errors.Is(err, errRecordNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, translate(err)
	}
	return l.ObjectID, true, nil
}

// linkImport records (or moves) the link from a source row to an object.
func (s *Store) linkImport(ctx context.Context, source, kind string, sourceID, objectID int64) error {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&ImportLink{}).Where("source = ? AND kind = ? AND source_id = ?", source, kind, sourceID).
		Updates(map[string]any{"object_id": objectID, "updated_at": now})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	return translate(s.db.WithContext(ctx).Create(&ImportLink{Source: source, Kind: kind, SourceID: sourceID, ObjectID: objectID, CreatedAt: now, UpdatedAt: now}).Error)
}

// linked finds the object linked to a source row, forgetting a link whose
// object was deleted here since.
func (s *Store) linked(ctx context.Context, src ImportSource, kind string, sourceID int64, model any) (bool, error) {
	id, ok, err := s.ImportedObject(ctx, src.Source, kind, sourceID)
	if err != nil || !ok {
		return false, err
	}
	err = s.db.WithContext(ctx).Take(model, id).Error
	if errors.Is(err, errRecordNotFound) {
		return false, nil
	}
	return err == nil, translate(err)
}

// ImportApplication creates or updates the application made from a source
// row, client secret sealed. An application of the same name, provider
// and client ID made here is taken over; a same-named other one keeps its
// name and the import is renamed. On update the name, cloud, authority,
// issuer and scopes set here are kept (the source has none of them).
func (s *Store) ImportApplication(ctx context.Context, src ImportSource, sourceID int64, a *Application) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		var old Application
		found, err := s.linked(ctx, src, ImportedApplication, sourceID, &old)
		if err != nil {
			return err
		}
		if !found {
			err := s.db.Where("name = ?", a.Name).Take(&old).Error
			switch {
			case err == nil && old.Provider == a.Provider && old.ClientID == a.ClientID:
				found = true
			case err == nil:
				a.Name = fmt.Sprintf("%s (%s %d)", a.Name, src.Label, sourceID)
			case !errors.Is(err, errRecordNotFound):
				return translate(err)
			}
		}
		if !found {
			if err := s.CreateApplication(ctx, a, src.actor()); err != nil {
				return err
			}
			res = ImportResult{Action: ImportCreate, ID: a.ID, Name: a.Name}
		} else {
			cur, err := s.Application(ctx, old.ID)
			if err != nil {
				return err
			}
			next := *cur
			next.Comment, next.IsActive, next.Provider, next.ClientID, next.ClientSecret = a.Comment, a.IsActive, a.Provider, a.ClientID, a.ClientSecret
			next.TenantID, next.CallbackPath = a.TenantID, a.CallbackPath
			if src.Full {
				next.Cloud, next.AuthorityURL, next.IssuerURL, next.ExtraScopes = a.Cloud, a.AuthorityURL, a.IssuerURL, a.ExtraScopes
				next.ClientSecretExpiresAt = a.ClientSecretExpiresAt
			}
			// GLPI deletes an application's authorizations when its
			// credentials change, as we do: the import brings GLPI's new ones.
			if _, err := s.UpdateApplication(ctx, &next, true, src.actor()); err != nil {
				return err
			}
			res = ImportResult{Action: ImportUpdate, ID: old.ID, Name: old.Name}
		}
		if err := s.linkImport(ctx, src.Source, ImportedApplication, sourceID, res.ID); err != nil {
			return err
		}
		return s.auditBy(ctx, src.actor(), "import."+ImportedApplication, "application", res.ID,
			fmt.Sprintf("application %s imported from %s application %d (%s)", res.Name, src.Label, sourceID, res.Action))
	})
	return res, err
}

// AuthorizationToImport is an authorization read from another
// installation, tokens in clear (sealed here on the way in).
type AuthorizationToImport struct {
	ApplicationID int64
	Email         string
	AccessToken   string
	RefreshToken  string
	IDToken       string
	Scope         string
	ExpiresAt     *time.Time
	// Modified is when the source last wrote the tokens: tokens refreshed
	// here later than that are newer and kept.
	Modified *time.Time
	// Kind and the identity pinned at consent, when the source knows them.
	Kind                             string
	TenantID, ObjectID, Subject, UPN string
}

// ImportAuthorization creates or updates the authorization made from a
// source row, tokens sealed. An authorization of the same application and
// e-mail made here by a sign-in is linked and keeps its own tokens. Its
// identity is pinned at the first sign-in here.
func (s *Store) ImportAuthorization(ctx context.Context, src ImportSource, sourceID int64, in AuthorizationToImport) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		var row Authorization
		found, err := s.linked(ctx, src, ImportedAuthorization, sourceID, &row)
		if err != nil {
			return err
		}
		res.Action = ImportUpdate
		if !found {
			err := s.db.Where("application_id = ? AND LOWER(email) = ?", in.ApplicationID, strings.ToLower(in.Email)).Take(&row).Error
			switch {
			case err == nil:
				res.Action, res.Note = ImportKeep, "already authorized here: its own tokens are kept"
			case errors.Is(err, errRecordNotFound):
				res.Action = ImportCreate
				row = Authorization{ApplicationID: in.ApplicationID, Email: strings.TrimSpace(in.Email), Kind: KindDelegated, CreatedAt: s.now(),
					TenantID: in.TenantID, ObjectID: in.ObjectID, Subject: in.Subject, UPN: in.UPN}
				if in.Kind != "" {
					row.Kind = in.Kind
				}
			default:
				return translate(err)
			}
		}
		if res.Action == ImportUpdate && row.RefreshTokenAt != nil && in.Modified != nil && row.RefreshTokenAt.After(*in.Modified) {
			res.Action, res.Note = ImportKeep, "refreshed here since: the newer tokens are kept"
		}
		if res.Action != ImportKeep {
			if row.AccessToken, err = s.sealOptional(in.AccessToken); err != nil {
				return err
			}
			if row.RefreshToken, err = s.sealOptional(in.RefreshToken); err != nil {
				return err
			}
			if row.IDToken, err = s.sealOptional(in.IDToken); err != nil {
				return err
			}
			now := s.now()
			row.Scope, row.ExpiresAt, row.RefreshTokenAt = in.Scope, in.ExpiresAt, in.Modified
			if row.ExpiresAt == nil {
				row.ExpiresAt = &now // unknown: refreshed at first use
			}
			row.State, row.ErrorClass, row.LastError, row.Failures, row.NextRefreshAt = string(oauth.StateValid), "", "", 0, nil
			if in.RefreshToken == "" {
				res.Note = "no refresh token: sign in again once the access token expires"
			}
			row.UpdatedAt = now
			if err := s.db.Save(&row).Error; err != nil {
				return translate(err)
			}
		}
		res.ID, res.Name = row.ID, row.Email
		if err := s.linkImport(ctx, src.Source, ImportedAuthorization, sourceID, row.ID); err != nil {
			return err
		}
		return s.auditBy(ctx, src.actor(), "import."+ImportedAuthorization, "authorization", row.ID,
			fmt.Sprintf("authorization %s imported from %s authorization %d (%s)", row.Email, src.Label, sourceID, res.Action))
	})
	return res, err
}

// ImportReceiver creates or updates the receiver made from a source row,
// password sealed. A new receiver is active only when activate is set; an
// updated one stays as active as it is here (or becomes active with
// activate). A receiver of the same name here is never taken over: the
// import is renamed. The collector's state is left as it is, and so are
// its budget, interval and IDLE unless the source is Full.
func (s *Store) ImportReceiver(ctx context.Context, src ImportSource, sourceID int64, r *Receiver, activate bool) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		var old Receiver
		found, err := s.linked(ctx, src, ImportedReceiver, sourceID, &old)
		if err != nil {
			return err
		}
		if !found {
			var n int64
			if err := s.db.Model(&Receiver{}).Where("name = ?", r.Name).Count(&n).Error; err != nil {
				return translate(err)
			}
			if n > 0 {
				r.Name = fmt.Sprintf("%s (%s %d)", r.Name, src.Label, sourceID)
			}
			r.IsActive = activate
			if err := s.CreateReceiver(ctx, r, src.actor()); err != nil {
				return err
			}
			res = ImportResult{Action: ImportCreate, ID: r.ID, Name: r.Name}
		} else {
			r.ID, r.Name, r.IsActive = old.ID, old.Name, old.IsActive || activate
			if !src.Full {
				r.Budget, r.PollIntervalSeconds, r.IdleEnabled = old.Budget, old.PollIntervalSeconds, old.IdleEnabled
			}
			if err := s.UpdateReceiver(ctx, r, false, src.actor()); err != nil {
				return err
			}
			res = ImportResult{Action: ImportUpdate, ID: old.ID, Name: old.Name}
		}
		if err := s.linkImport(ctx, src.Source, ImportedReceiver, sourceID, res.ID); err != nil {
			return err
		}
		state := "inactive"
		if r.IsActive {
			state = "active"
		}
		return s.auditBy(ctx, src.actor(), "import."+ImportedReceiver, "receiver", res.ID,
			fmt.Sprintf("receiver %s imported from %s mail receiver %d (%s, %s)", res.Name, src.Label, sourceID, res.Action, state))
	})
	return res, err
}

// ImportBlacklistEntry adds a blacklist entry unless the same one exists.
func (s *Store) ImportBlacklistEntry(ctx context.Context, src ImportSource, sourceID int64, e *BlacklistEntry) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		var old BlacklistEntry
		err := s.db.Where("kind = ? AND LOWER(value) = ?", e.Kind, strings.ToLower(e.Value)).Take(&old).Error
		switch {
		case err == nil:
			res = ImportResult{Action: ImportKeep, ID: old.ID, Name: old.Value}
			return nil
		case !errors.Is(err, errRecordNotFound):
			return translate(err)
		}
		if err := s.AddBlacklistEntry(ctx, e); err != nil {
			return err
		}
		res = ImportResult{Action: ImportCreate, ID: e.ID, Name: e.Value}
		return s.auditBy(ctx, src.actor(), "import.blacklist", "blacklist", e.ID,
			fmt.Sprintf("blacklisted %s %s imported from %s blacklist %d", e.Kind, e.Value, src.Label, sourceID))
	})
	return res, err
}
