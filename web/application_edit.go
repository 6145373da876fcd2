package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// callbackPath is where the identity provider sends the browser back,
// unless an application chose another of store.CallbackPaths.
const callbackPath = store.CallbackPath

// secretWarningDays is how early a lapsing client secret is announced.
const secretWarningDays = 30

// callbackURL is the redirect URI an application sends, to register at
// the provider.
func (h *Handler) callbackURL(a *store.Application) string {
	p := callbackPath
	if a != nil && store.ValidCallbackPath(a.CallbackPath) {
		p = a.CallbackPath
	}
	return h.cfg.PublicURL + p
}

func (h *Handler) applicationNew(w http.ResponseWriter, r *http.Request) {
	f := views.ApplicationForm{Active: true, Cloud: string(oauth.CloudGlobal), CallbackPath: callbackPath, CallbackPaths: store.CallbackPaths, PublicURL: h.cfg.PublicURL, Errors: views.FieldErrors{}}
	h.render(w, r, http.StatusOK, views.ApplicationPage(f))
}

func (h *Handler) applicationEdit(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	auths, recs, err := h.applicationChildren(r.Context(), app.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f := h.savedApplicationForm(app)
	f.Authorizations, f.Receivers = len(auths), len(recs)
	if f.SMTPWarning, err = h.smtpWarning(r.Context(), app, auths, recs); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ApplicationPage(f))
}

// applicationChildren are what the application's tabs list and count.
func (h *Handler) applicationChildren(ctx context.Context, appID int64) ([]store.Authorization, []store.Receiver, error) {
	auths, err := h.store.Authorizations(ctx, appID)
	if err != nil {
		return nil, nil, err
	}
	recs, err := h.store.ApplicationReceivers(ctx, appID)
	return auths, recs, err
}

// applicationParam loads the application named by the URL, or answers 404.
func (h *Handler) applicationParam(w http.ResponseWriter, r *http.Request) (*store.Application, bool) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return nil, false
	}
	app, err := h.store.Application(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return app, true
}

// savedApplicationForm shows a stored application, its secret left out.
func (h *Handler) savedApplicationForm(a *store.Application) views.ApplicationForm {
	f := views.ApplicationForm{
		ID: a.ID, Name: a.Name, Comment: a.Comment, Active: a.IsActive, Provider: a.Provider, Cloud: a.Cloud,
		AuthorityURL: a.AuthorityURL, ClientID: a.ClientID, SecretSet: a.ClientSecret != "", TenantID: a.TenantID,
		IssuerURL: a.IssuerURL, ExtraScopes: a.ExtraScopes, CallbackPath: a.CallbackPath, Errors: views.FieldErrors{},
	}
	if a.ClientSecretExpiresAt != nil {
		f.SecretExpires = a.ClientSecretExpiresAt.UTC().Format(time.DateOnly)
	}
	return h.applicationPage(f, a)
}

// applicationPage adds to the form's values what the page shows beside
// them: the callback addresses, the provider's help and the secret's expiry.
func (h *Handler) applicationPage(f views.ApplicationForm, a *store.Application) views.ApplicationForm {
	f.CallbackPaths, f.PublicURL = store.CallbackPaths, h.cfg.PublicURL
	f.DocURL, f.Warning = a.OAuth().DocumentationURL(), secretWarning(a, time.Now())
	return f
}

// secretWarning announces a client secret that lapses within 30 days.
func secretWarning(a *store.Application, now time.Time) views.Notice {
	if a.ClientSecretExpiresAt == nil {
		return views.Notice{}
	}
	exp := *a.ClientSecretExpiresAt
	days := int(exp.Sub(now).Hours() / 24)
	switch {
	case !exp.After(now):
		return views.Notice{Kind: "danger", Text: fmt.Sprintf("The client secret expired on %s: every refresh fails until a new secret is created at the provider and entered here.", exp.UTC().Format(time.DateOnly))}
	case days < secretWarningDays:
		return views.Notice{Kind: "warning", Text: fmt.Sprintf("The client secret expires on %s (in %d days): create a new one at the provider and enter it here before then.", exp.UTC().Format(time.DateOnly), days)}
	}
	return views.Notice{}
}
