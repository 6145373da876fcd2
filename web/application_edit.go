package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// callbackPath is where the identity provider sends the browser back, the
// path GLPI's plugin registered (also answered under its old prefixes, see
// store.CallbackPaths, which an application may choose to send instead).
const callbackPath = "/front/authorization.callback.php"

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
	h.render(w, r, http.StatusOK, views.ApplicationPage(views.ApplicationForm{Active: true, Cloud: "global", CallbackPath: callbackPath, CallbackPaths: store.CallbackPaths, PublicURL: h.cfg.PublicURL, Errors: map[string]string{}}))
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
	f := h.applicationForm(app)
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

// applicationForm fills the form from a stored application, secret left out.
func (h *Handler) applicationForm(a *store.Application) views.ApplicationForm {
	f := views.ApplicationForm{
		ID: a.ID, Name: a.Name, Comment: a.Comment, Active: a.IsActive, Provider: a.Provider, Cloud: a.Cloud,
		AuthorityURL: a.AuthorityURL, ClientID: a.ClientID, SecretSet: a.ClientSecret != "", TenantID: a.TenantID,
		IssuerURL: a.IssuerURL, ExtraScopes: a.ExtraScopes, CallbackPath: a.CallbackPath, CallbackPaths: store.CallbackPaths, PublicURL: h.cfg.PublicURL,
		DocURL: a.OAuth().DocumentationURL(), Warning: secretWarning(a, time.Now()), Errors: map[string]string{},
	}
	if a.ClientSecretExpiresAt != nil {
		f.SecretExpires = a.ClientSecretExpiresAt.UTC().Format(time.DateOnly)
	}
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
