package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// fieldKeys maps oauth.Validate's field labels onto the form's inputs.
var fieldKeys = map[string]string{
	"Oauth provider": "provider", "Client ID": "client_id", "Client secret": "client_secret", "Tenant ID": "tenant_id",
	"Cloud": "cloud", "Authority URL": "authority_url", "Issuer URL": "issuer_url", "Scopes": "extra_scopes",
}

// applicationFrom reads the application form. The secret it returns is
// what was typed: empty means "keep the stored one".
func applicationFrom(r *http.Request, id int64) (*store.Application, map[string]string) {
	errs := map[string]string{}
	a := &store.Application{
		ID:           id,
		Name:         strings.TrimSpace(r.PostFormValue("name")),
		Comment:      strings.TrimSpace(r.PostFormValue("comment")),
		IsActive:     r.PostFormValue("is_active") == "1",
		Provider:     r.PostFormValue("provider"),
		Cloud:        r.PostFormValue("cloud"),
		AuthorityURL: strings.TrimSpace(r.PostFormValue("authority_url")),
		ClientID:     strings.TrimSpace(r.PostFormValue("client_id")),
		ClientSecret: strings.TrimSpace(r.PostFormValue("client_secret")),
		TenantID:     strings.TrimSpace(r.PostFormValue("tenant_id")),
		IssuerURL:    strings.TrimSpace(r.PostFormValue("issuer_url")),
		ExtraScopes:  strings.Join(strings.Fields(r.PostFormValue("extra_scopes")), " "),
		CallbackPath: r.PostFormValue("callback_path"),
	}
	if a.CallbackPath == "" {
		a.CallbackPath = callbackPath
	} else if !store.ValidCallbackPath(a.CallbackPath) {
		errs["callback_path"] = "Choose one of the callback paths offered."
	}
	if a.Provider != string(oauth.ProviderAzure) {
		a.Cloud, a.AuthorityURL, a.TenantID = "", "", ""
	} else if a.Cloud == "" {
		a.Cloud = string(oauth.CloudGlobal)
	}
	if a.Cloud != string(oauth.CloudCustom) {
		a.AuthorityURL = ""
	}
	if a.Provider != string(oauth.ProviderOIDC) {
		a.IssuerURL, a.ExtraScopes = "", ""
	}
	if v := strings.TrimSpace(r.PostFormValue("client_secret_expires_at")); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs["client_secret_expires_at"] = "Enter a date as YYYY-MM-DD."
		} else {
			a.ClientSecretExpiresAt = &t
		}
	}
	if a.Name == "" {
		errs["name"] = "Name cannot be empty"
	}
	checkTexts(errs, formText{key: "name", label: "Name", value: a.Name}, formText{key: "comment", label: "Comments", value: a.Comment, long: true},
		formText{key: "client_id", label: "Client ID", value: a.ClientID},
		formText{key: "client_secret", label: "Client secret", value: a.ClientSecret, long: true, max: store.MaxSecretText},
		formText{key: "tenant_id", label: "Tenant ID", value: a.TenantID},
		formText{key: "authority_url", label: "Custom authority URL", value: a.AuthorityURL, long: true},
		formText{key: "issuer_url", label: "Issuer URL", value: a.IssuerURL, long: true},
		formText{key: "extra_scopes", label: "Extra scopes", value: a.ExtraScopes, long: true})
	return a, errs
}

// validateApplication adds oauth's checks; secret is the one that will be
// stored (the typed one, or the kept one).
func validateApplication(a *store.Application, secret string, errs map[string]string) {
	o := a.OAuth()
	o.ClientSecret = secret
	var ve oauth.ValidationError
	if errors.As(o.Validate(), &ve) {
		for _, fe := range ve {
			key := fieldKeys[fe.Field]
			if key == "" {
				key = "form"
			}
			if errs[key] == "" {
				errs[key] = fe.Message
			}
		}
	}
}

// formOf turns a posted application back into the form, never its secret.
func (h *Handler) formOf(a *store.Application, secretSet bool, errs map[string]string) views.ApplicationForm {
	f := h.applicationForm(a)
	f.SecretSet, f.Errors = secretSet, errs
	return f
}

func (h *Handler) applicationCreate(w http.ResponseWriter, r *http.Request) {
	a, errs := applicationFrom(r, 0)
	if r.PostFormValue("_refresh") != "" {
		// The provider changed: show its fields, save nothing.
		h.render(w, r, http.StatusOK, views.ApplicationPage(h.formOf(a, false, map[string]string{})))
		return
	}
	validateApplication(a, a.ClientSecret, errs)
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.ApplicationPage(h.formOf(a, false, errs)))
		return
	}
	if err := h.store.CreateApplication(r.Context(), a, userOf(r)); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			errs["name"] = "An application with this name already exists."
			h.render(w, r, http.StatusUnprocessableEntity, views.ApplicationPage(h.formOf(a, false, errs)))
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("Item successfully added: %s", a.Name))
	redirect(w, r, fmt.Sprintf("/setup/oauthimap/%d", a.ID))
}

func (h *Handler) applicationSave(w http.ResponseWriter, r *http.Request) {
	old, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	a, errs := applicationFrom(r, old.ID)
	if r.PostFormValue("_refresh") != "" {
		h.render(w, r, http.StatusOK, views.ApplicationPage(h.formOf(a, old.ClientSecret != "", map[string]string{})))
		return
	}
	secret := a.ClientSecret
	if secret == "" {
		secret = old.ClientSecret
	}
	validateApplication(a, secret, errs)
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.ApplicationPage(h.formOf(a, old.ClientSecret != "", errs)))
		return
	}
	confirmed := r.PostFormValue("confirm") == "1"
	res, err := h.store.UpdateApplication(r.Context(), a, confirmed, userOf(r))
	switch {
	case errors.Is(err, store.ErrAuthorizationsWouldBeDeleted):
		emails, err := h.authorizationEmails(r, old.ID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		secretChanged := a.ClientSecret != "" && a.ClientSecret != old.ClientSecret
		h.render(w, r, http.StatusOK, views.ApplicationConfirmPage(h.formOf(a, true, map[string]string{}), emails, secretChanged))
		return
	case errors.Is(err, store.ErrDuplicate):
		errs["name"] = "An application with this name already exists."
		h.render(w, r, http.StatusUnprocessableEntity, views.ApplicationPage(h.formOf(a, old.ClientSecret != "", errs)))
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
	redirect(w, r, fmt.Sprintf("/setup/oauthimap/%d", a.ID))
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
