package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// savedAuthorizationForm shows a stored authorization.
func savedAuthorizationForm(auth *store.Authorization, app *store.Application) views.AuthorizationForm {
	f := views.AuthorizationForm{ID: auth.ID, ApplicationID: app.ID, ApplicationName: app.Name, Email: auth.Email, Errors: views.FieldErrors{}}
	if auth.UPN != "" && !strings.EqualFold(auth.UPN, auth.Email) {
		f.SignedInAs = auth.UPN
	}
	return f
}

// authorizationForm is the authorization page's form: its Email only.
type authorizationForm struct{ views.AuthorizationForm }

// parseAuthorizationForm reads the posted Email over the stored authorization.
func parseAuthorizationForm(r *http.Request, auth *store.Authorization, app *store.Application) authorizationForm {
	f := authorizationForm{savedAuthorizationForm(auth, app)}
	f.Email = strings.TrimSpace(r.PostFormValue("email"))
	return f
}

// validate puts a message next to an Email that is not one address.
func (f *authorizationForm) validate() {
	if a, err := mail.ParseAddress(f.Email); err != nil || a.Address != f.Email {
		f.Errors.Add("email", "This is not a valid email address.")
	}
	checkTexts(f.Errors, formText{key: "email", label: "Email", value: f.Email})
}

// authorizationEdit is the authorization form: its Email only.
func (h *Handler) authorizationEdit(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	f := savedAuthorizationForm(auth, app)
	_, recs, err := h.applicationChildren(r.Context(), app.ID)
	if err == nil {
		var senders map[string][]string
		if senders, err = h.sendersByLogin(r.Context(), recs); err == nil {
			f.SMTPNote, f.AppOnly = smtpNote(app.OAuth(), auth, senders[strings.ToLower(auth.Email)]), auth.Kind == store.KindAppOnly
		}
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if f.SMTPNote != "" && !f.AppOnly {
		allowFormAction(w, h.authorizeOrigin(r.Context(), app))
	}
	h.render(w, r, http.StatusOK, views.AuthorizationPage(f))
}

// authorizationSave changes the Email (the SASL user) and re-points the
// receivers that used the old one.
func (h *Handler) authorizationSave(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	f := parseAuthorizationForm(r, auth, app)
	if f.validate(); f.Errors.Any() {
		h.render(w, r, http.StatusUnprocessableEntity, views.AuthorizationPage(f.AuthorizationForm))
		return
	}
	updated, err := h.store.UpdateAuthorizationEmail(r.Context(), auth.ID, f.Email, userOf(r))
	switch {
	case errors.Is(err, store.ErrDuplicate):
		f.Errors.Add("email", "This application already has an authorization for this address.")
		h.render(w, r, http.StatusUnprocessableEntity, views.AuthorizationPage(f.AuthorizationForm))
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated.")
	for _, n := range updated {
		h.flash(r, "info", fmt.Sprintf("Mail receiver \"%s\" has been updated.", n))
	}
	redirect(w, r, paths.ApplicationAuthorizations(app.ID))
}
