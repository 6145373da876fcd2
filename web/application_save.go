package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// applicationForm is the application page's form: parseApplicationForm
// reads what was posted, validate says what is wrong field by field,
// application builds the application it describes. The embedded view
// model is what the page shows again; the typed secret never is.
type applicationForm struct {
	views.ApplicationForm
	secret string // as typed: "" keeps the stored one
	// refresh is set when the provider changed: the page is shown again
	// with that provider's fields, nothing is saved.
	refresh bool
	// confirm is the answer to "Delete the authorizations?".
	confirm bool
}

// parseApplicationForm reads the posted form; the fields of other
// providers than the chosen one are dropped, as the page does not show them.
func parseApplicationForm(r *http.Request, id int64) applicationForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := applicationForm{ApplicationForm: views.ApplicationForm{
		ID:            id,
		Name:          v("name"),
		Comment:       v("comment"),
		Active:        r.PostFormValue("is_active") == "1",
		Provider:      r.PostFormValue("provider"),
		Cloud:         r.PostFormValue("cloud"),
		AuthorityURL:  v("authority_url"),
		ClientID:      v("client_id"),
		SecretExpires: v("client_secret_expires_at"),
		TenantID:      v("tenant_id"),
		IssuerURL:     v("issuer_url"),
		ExtraScopes:   strings.Join(strings.Fields(r.PostFormValue("extra_scopes")), " "),
		CallbackPath:  r.PostFormValue("callback_path"),
		Errors:        views.FieldErrors{},
	},
		secret:  v("client_secret"),
		refresh: r.PostFormValue("_refresh") != "",
		confirm: r.PostFormValue("confirm") == "1",
	}
	if f.CallbackPath == "" {
		f.CallbackPath = callbackPath
	}
	if f.Provider != string(oauth.ProviderAzure) {
		f.Cloud, f.AuthorityURL, f.TenantID = "", "", ""
	} else if f.Cloud == "" {
		f.Cloud = string(oauth.CloudGlobal)
	}
	if f.Cloud != string(oauth.CloudCustom) {
		f.AuthorityURL = ""
	}
	if f.Provider != string(oauth.ProviderOIDC) {
		f.IssuerURL, f.ExtraScopes = "", ""
	}
	return f
}

// validate puts a message next to each field that is wrong: the form's
// own checks, then the provider's (oauth.Validate) with secret, the one
// that will be stored (the typed one, or the kept one).
func (f *applicationForm) validate(secret string) {
	e := f.Errors
	if !store.ValidCallbackPath(f.CallbackPath) {
		e.Add("callback_path", "Choose one of the callback paths offered.")
	}
	if _, err := f.secretExpiry(); err != nil {
		e.Add("client_secret_expires_at", "Enter a date as YYYY-MM-DD.")
	}
	if f.Name == "" {
		e.Add("name", "Name cannot be empty")
	}
	checkTexts(e, formText{key: "name", label: "Name", value: f.Name}, formText{key: "comment", label: "Comments", value: f.Comment, long: true},
		formText{key: "client_id", label: "Client ID", value: f.ClientID},
		formText{key: "client_secret", label: "Client secret", value: f.secret, long: true, max: store.MaxSecretText},
		formText{key: "tenant_id", label: "Tenant ID", value: f.TenantID},
		formText{key: "authority_url", label: "Custom authority URL", value: f.AuthorityURL, long: true},
		formText{key: "issuer_url", label: "Issuer URL", value: f.IssuerURL, long: true},
		formText{key: "extra_scopes", label: "Extra scopes", value: f.ExtraScopes, long: true})
	o := f.application().OAuth()
	o.ClientSecret = secret
	var ve oauth.ValidationError
	if errors.As(o.Validate(), &ve) {
		for _, fe := range ve {
			field := fe.Field
			if field == "" {
				field = views.FormError
			}
			e.Add(field, fe.Message)
		}
	}
}

// secretExpiry is the typed expiry date of the client secret, nil when none.
func (f *applicationForm) secretExpiry() (*time.Time, error) {
	if f.SecretExpires == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, f.SecretExpires)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// application is the application the form describes; its secret is the
// typed one, empty for "keep the stored one".
func (f *applicationForm) application() *store.Application {
	a := &store.Application{
		ID: f.ID, Name: f.Name, Comment: f.Comment, IsActive: f.Active, Provider: f.Provider, Cloud: f.Cloud,
		AuthorityURL: f.AuthorityURL, ClientID: f.ClientID, ClientSecret: f.secret, TenantID: f.TenantID,
		IssuerURL: f.IssuerURL, ExtraScopes: f.ExtraScopes, CallbackPath: f.CallbackPath,
	}
	a.ClientSecretExpiresAt, _ = f.secretExpiry()
	return a
}

// showApplicationForm renders the application page with what was posted.
func (h *Handler) showApplicationForm(w http.ResponseWriter, r *http.Request, status int, f *applicationForm) {
	h.render(w, r, status, views.ApplicationPage(h.applicationPage(f.ApplicationForm, f.application())))
}

func (h *Handler) applicationCreate(w http.ResponseWriter, r *http.Request) {
	f := parseApplicationForm(r, 0)
	if f.refresh {
		h.showApplicationForm(w, r, http.StatusOK, &f)
		return
	}
	if f.validate(f.secret); f.Errors.Any() {
		h.showApplicationForm(w, r, http.StatusUnprocessableEntity, &f)
		return
	}
	a := f.application()
	if err := h.store.CreateApplication(r.Context(), a, userOf(r)); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			f.Errors.Add("name", "An application with this name already exists.")
			h.showApplicationForm(w, r, http.StatusUnprocessableEntity, &f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("Item successfully added: %s", a.Name))
	redirect(w, r, paths.Application(a.ID))
}

func (h *Handler) applicationSave(w http.ResponseWriter, r *http.Request) {
	old, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	f := parseApplicationForm(r, old.ID)
	f.SecretSet = old.ClientSecret != ""
	if f.refresh {
		h.showApplicationForm(w, r, http.StatusOK, &f)
		return
	}
	secret := f.secret
	if secret == "" {
		secret = old.ClientSecret
	}
	if f.validate(secret); f.Errors.Any() {
		h.showApplicationForm(w, r, http.StatusUnprocessableEntity, &f)
		return
	}
	a := f.application()
	res, err := h.store.UpdateApplication(r.Context(), a, f.confirm, userOf(r))
	switch {
	case errors.Is(err, store.ErrAuthorizationsWouldBeDeleted):
		emails, err := h.authorizationEmails(r, old.ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		secretChanged := a.ClientSecret != "" && a.ClientSecret != old.ClientSecret
		f.SecretSet = true
		h.render(w, r, http.StatusOK, views.ApplicationConfirmPage(h.applicationPage(f.ApplicationForm, a), emails, secretChanged))
		return
	case errors.Is(err, store.ErrDuplicate):
		f.Errors.Add("name", "An application with this name already exists.")
		h.showApplicationForm(w, r, http.StatusUnprocessableEntity, &f)
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated.")
	for _, e := range res.DeletedAuthorizations {
		h.flash(r, "warning", fmt.Sprintf("Authorization for %s has been deleted.", e))
	}
	for _, n := range res.DeactivatedReceivers {
		h.flash(r, "warning", fmt.Sprintf("Mail receiver \"%s\" has been deactivated.", n))
	}
	redirect(w, r, paths.Application(a.ID))
}

func (h *Handler) authorizationEmails(r *http.Request, appID int64) ([]string, error) {
	auths, err := h.store.Authorizations(r.Context(), appID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(auths))
	for i, a := range auths {
		out[i] = a.Email
	}
	return out, nil
}
