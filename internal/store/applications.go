package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oauthimap/oauthimap/internal/oauth"
)

// ErrAuthorizationsWouldBeDeleted refuses an application change (provider,
// client ID or secret) that invalidates its authorizations, unless the
// caller says the administrator confirmed it.
var ErrAuthorizationsWouldBeDeleted = errors.New("store: changing the provider, client ID or secret deletes the authorizations: confirmation needed")

// ApplicationRow is one line of Setup > OAuth IMAP.
type ApplicationRow struct {
	Application
	Authorizations int64
	// WorstState is the worst state of its authorizations; "" when none.
	WorstState string
}

// stateRank orders authorization states from best to worst.
var stateRank = map[string]int{
	string(oauth.StateValid):          1,
	string(oauth.StateRefreshFailing): 2,
	string(oauth.StateConfigError):    3,
	string(oauth.StateReauthRequired): 4,
}

// WorseState returns the worse of two authorization states.
func WorseState(a, b string) string {
	if stateRank[b] > stateRank[a] {
		return b
	}
	return a
}

// OAuth returns the application as the oauth package uses it.
func (a *Application) OAuth() oauth.Application {
	o := oauth.Application{
		Provider:     oauth.Provider(a.Provider),
		Cloud:        oauth.Cloud(a.Cloud),
		AuthorityURL: a.AuthorityURL,
		TenantID:     a.TenantID,
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		IssuerURL:    a.IssuerURL,
		ExtraScopes:  strings.Fields(a.ExtraScopes),
	}
	if o.Provider != oauth.ProviderAzure {
		o.Cloud, o.AuthorityURL, o.TenantID = "", "", ""
	}
	return o
}

// ListApplications returns a page of applications with their
// authorization count and worst state. The client secret is left out.
func (s *Store) ListApplications(ctx context.Context, q ListQuery) ([]ApplicationRow, int64, error) {
	db := s.db.WithContext(ctx).Model(&Application{})
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("name LIKE ? ESCAPE '!' OR client_id LIKE ? ESCAPE '!' OR comment LIKE ? ESCAPE '!'", like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	order := q.Order(map[string]string{"name": "name", "provider": "provider", "active": "is_active", "updated": "updated_at",
		"authorizations": "(SELECT COUNT(*) FROM oauth_authorizations z WHERE z.application_id = oauth_applications.id)"}, "name")
	var apps []Application
	if err := db.Order(order).Order("id").Limit(q.Limit()).Offset(q.Offset()).Find(&apps).Error; err != nil {
		return nil, 0, translate(err)
	}
	rows := make([]ApplicationRow, len(apps))
	ids := make([]int64, len(apps))
	at := map[int64]int{}
	for i, a := range apps {
		a.ClientSecret = ""
		rows[i].Application = a
		ids[i] = a.ID
		at[a.ID] = i
	}
	if len(ids) == 0 {
		return rows, total, nil
	}
	var counts []struct {
		ApplicationID int64
		State         string
		N             int64
	}
	err := s.db.WithContext(ctx).Model(&Authorization{}).Select("application_id, state, COUNT(*) AS n").
		Where("application_id IN ?", ids).Group("application_id, state").Scan(&counts).Error
	if err != nil {
		return nil, 0, translate(err)
	}
	for _, c := range counts {
		r := &rows[at[c.ApplicationID]]
		r.Authorizations += c.N
		r.WorstState = WorseState(r.WorstState, c.State)
	}
	return rows, total, nil
}

// Application returns one application with its client secret decrypted.
func (s *Store) Application(ctx context.Context, id int64) (*Application, error) {
	var a Application
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return nil, translate(err)
	}
	if a.ClientSecret != "" {
		sec, err := s.open(a.ClientSecret)
		if err != nil {
			return nil, err
		}
		a.ClientSecret = sec
	}
	return &a, nil
}

// ActiveApplications lists the active applications (for the receiver form).
func (s *Store) ActiveApplications(ctx context.Context) ([]Application, error) {
	var out []Application
	err := s.db.WithContext(ctx).Where("is_active = ?", true).Order("name").Find(&out).Error
	for i := range out {
		out[i].ClientSecret = ""
	}
	return out, translate(err)
}

// checkApplicationText bounds an application's free text.
func checkApplicationText(a *Application) error {
	return checkText(Text{Field: "application name", Value: a.Name}, Text{Field: "application comment", Value: a.Comment, Long: true},
		Text{Field: "application client ID", Value: a.ClientID}, Text{Field: "application tenant ID", Value: a.TenantID},
		Text{Field: "application client secret", Value: a.ClientSecret, Long: true, Max: MaxSecretText},
		Text{Field: "application authority URL", Value: a.AuthorityURL, Long: true}, Text{Field: "application issuer URL", Value: a.IssuerURL, Long: true},
		Text{Field: "application scopes", Value: a.ExtraScopes, Long: true})
}

// CreateApplication adds an application, sealing its client secret.
func (s *Store) CreateApplication(ctx context.Context, a *Application, actor *User) error {
	if err := checkApplicationText(a); err != nil {
		return err
	}
	plain := a.ClientSecret
	sealed, err := s.seal(plain)
	if err != nil {
		return err
	}
	now := s.now()
	row := *a
	row.ClientSecret, row.CreatedAt, row.UpdatedAt = sealed, now, now
	if row.Cloud == "" {
		row.Cloud = string(oauth.CloudGlobal)
	}
	if row.CallbackPath == "" {
		row.CallbackPath = CallbackPaths[0]
	}
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.Create(&row).Error; err != nil {
			return translate(err)
		}
		a.ID, a.CreatedAt, a.UpdatedAt, a.Cloud, a.CallbackPath = row.ID, now, now, row.Cloud, row.CallbackPath
		return s.auditBy(ctx, actor, "application.create", "application", a.ID, fmt.Sprintf("application %s created (%s)", a.Name, a.Provider))
	})
}

// ApplicationUpdate tells what saving an application did besides the save.
type ApplicationUpdate struct {
	// DeletedAuthorizations are the e-mails of the authorizations deleted
	// because the provider, client ID or secret changed.
	DeletedAuthorizations []string
	// DeactivatedReceivers are the names of receivers deactivated with it.
	DeactivatedReceivers []string
}

// CredentialsChange reports whether saving next over old invalidates the
// authorizations, as GLPI decides it: the provider, the client ID or the
// secret changed. An empty next secret means "keep".
func CredentialsChange(old, next *Application) bool {
	return old.Provider != next.Provider || old.ClientID != next.ClientID ||
		(next.ClientSecret != "" && next.ClientSecret != old.ClientSecret)
}

// UpdateApplication saves an application. An empty ClientSecret keeps the
// stored one. When the credentials change, its authorizations are deleted,
// only if confirmed (else ErrAuthorizationsWouldBeDeleted); when it is
// deactivated, the receivers using it are deactivated too.
func (s *Store) UpdateApplication(ctx context.Context, a *Application, confirmed bool, actor *User) (ApplicationUpdate, error) {
	var res ApplicationUpdate
	if err := checkApplicationText(a); err != nil {
		return res, err
	}
	err := s.tx(ctx, func(s *Store) error {
		old, err := s.Application(ctx, a.ID)
		if err != nil {
			return err
		}
		if CredentialsChange(old, a) {
			emails, err := s.authorizationEmails(ctx, a.ID)
			if err != nil {
				return err
			}
			if len(emails) > 0 && !confirmed {
				return ErrAuthorizationsWouldBeDeleted
			}
			if err := s.db.Where("application_id = ?", a.ID).Delete(&Authorization{}).Error; err != nil {
				return translate(err)
			}
			res.DeletedAuthorizations = emails
		}
		secret := a.ClientSecret
		if secret == "" {
			secret = old.ClientSecret
		}
		sealed, err := s.seal(secret)
		if err != nil {
			return err
		}
		if a.Cloud == "" {
			a.Cloud = string(oauth.CloudGlobal)
		}
		if a.CallbackPath == "" {
			a.CallbackPath = old.CallbackPath
		}
		err = s.db.Model(&Application{}).Where("id = ?", a.ID).Updates(map[string]any{
			"name": a.Name, "comment": a.Comment, "is_active": a.IsActive, "provider": a.Provider, "cloud": a.Cloud,
			"authority_url": a.AuthorityURL, "client_id": a.ClientID, "client_secret": sealed,
			"client_secret_expires_at": a.ClientSecretExpiresAt, "tenant_id": a.TenantID, "issuer_url": a.IssuerURL,
			"extra_scopes": a.ExtraScopes, "callback_path": a.CallbackPath, "updated_at": s.now(),
		}).Error
		if err != nil {
			return translate(err)
		}
		if old.IsActive && !a.IsActive {
			if res.DeactivatedReceivers, err = s.deactivateReceivers(ctx, "application_id = ?", a.ID); err != nil {
				return err
			}
		}
		msg := fmt.Sprintf("application %s updated", a.Name)
		if len(res.DeletedAuthorizations) > 0 {
			msg += fmt.Sprintf("; credentials changed, authorizations deleted: %s", strings.Join(res.DeletedAuthorizations, ", "))
		}
		if len(res.DeactivatedReceivers) > 0 {
			msg += fmt.Sprintf("; receivers deactivated: %s", strings.Join(res.DeactivatedReceivers, ", "))
		}
		return s.auditBy(ctx, actor, "application.update", "application", a.ID, msg)
	})
	return res, err
}

// DeleteApplication deletes an application and, with it, its
// authorizations; the receivers that used it are deactivated.
func (s *Store) DeleteApplication(ctx context.Context, id int64, actor *User) (ApplicationUpdate, error) {
	var res ApplicationUpdate
	err := s.tx(ctx, func(s *Store) error {
		var a Application
		if err := s.db.Take(&a, id).Error; err != nil {
			return translate(err)
		}
		var err error
		if res.DeletedAuthorizations, err = s.authorizationEmails(ctx, id); err != nil {
			return err
		}
		if res.DeactivatedReceivers, err = s.deactivateReceivers(ctx, "application_id = ?", id); err != nil {
			return err
		}
		if err := s.db.Where("application_id = ?", id).Delete(&Authorization{}).Error; err != nil {
			return translate(err)
		}
		if err := s.db.Delete(&Application{}, id).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "application.delete", "application", id, fmt.Sprintf("application %s deleted", a.Name))
	})
	return res, err
}

// deactivateReceivers deactivates the active receivers matching the
// condition and returns their names.
func (s *Store) deactivateReceivers(ctx context.Context, cond string, args ...any) ([]string, error) {
	var names []string
	db := s.db.WithContext(ctx).Model(&Receiver{}).Where("is_active = ?", true).Where(cond, args...)
	if err := db.Order("name").Pluck("name", &names).Error; err != nil {
		return nil, translate(err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	err := s.db.WithContext(ctx).Model(&Receiver{}).Where("is_active = ?", true).Where(cond, args...).
		Updates(map[string]any{"is_active": false, "updated_at": s.now()}).Error
	return names, translate(err)
}

// auditBy records an event done by actor (nil: the system).
func (s *Store) auditBy(ctx context.Context, actor *User, kind, objectType string, objectID int64, msg string) error {
	if actor == nil {
		return s.Audit(ctx, 0, "", kind, objectType, objectID, msg)
	}
	return s.Audit(ctx, actor.ID, actor.Login, kind, objectType, objectID, msg)
}

// ApplicationReceivers lists the receivers that log in with an
// application, active or not, passwords left out.
func (s *Store) ApplicationReceivers(ctx context.Context, applicationID int64) ([]Receiver, error) {
	var out []Receiver
	if err := s.db.WithContext(ctx).Where("application_id = ?", applicationID).Order("name").Order("id").Find(&out).Error; err != nil {
		return nil, translate(err)
	}
	for i := range out {
		out[i].Password = ""
	}
	return out, nil
}
