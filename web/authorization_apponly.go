package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// appOnlyApplication loads a Microsoft application, the only kind with
// app-only access, or answers 404.
func (h *Handler) appOnlyApplication(w http.ResponseWriter, r *http.Request) (*store.Application, bool) {
	app, ok := h.applicationParam(w, r)
	if ok && app.Provider != string(oauth.ProviderAzure) {
		h.notFound(w, r)
		return nil, false
	}
	return app, ok
}

// msgInactiveApplication refuses an authorization on an inactive
// application, whichever kind it is.
const msgInactiveApplication = "The application is not active: activate it before creating an authorization."

func appOnlyForm(app *store.Application, mailbox string) views.AppOnlyForm {
	shown := mailbox
	if shown == "" {
		shown = "<MAILBOX>"
	}
	f := views.AppOnlyForm{ApplicationID: app.ID, ApplicationName: app.Name, Mailbox: mailbox,
		Commands: oauth.ExchangeCommands(app.OAuth(), shown), Errors: map[string]string{}}
	if !app.IsActive {
		f.Inactive = true
		f.Errors["form"] = msgInactiveApplication
		return f
	}
	switch strings.ToLower(app.TenantID) {
	case "", "common", "organizations", "consumers":
		// Microsoft refuses client credentials there (AADSTS9001023).
		f.Errors["form"] = "App-only access needs the application's Tenant ID (the mailbox's tenant, not common or organizations): set it on the application first."
	}
	return f
}

// authorizationAppOnlyShow shows the app-only form and the Exchange commands.
func (h *Handler) authorizationAppOnlyShow(w http.ResponseWriter, r *http.Request) {
	app, ok := h.appOnlyApplication(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, views.AppOnlyPage(appOnlyForm(app, r.URL.Query().Get("mailbox"))))
}

// authorizationAppOnlyCreate obtains a client-credentials token for the
// mailbox and records it as an app-only authorization.
func (h *Handler) authorizationAppOnlyCreate(w http.ResponseWriter, r *http.Request) {
	app, ok := h.appOnlyApplication(w, r)
	if !ok {
		return
	}
	mailbox := strings.TrimSpace(r.PostFormValue("mailbox"))
	f := appOnlyForm(app, mailbox)
	if f.Inactive {
		h.render(w, r, http.StatusUnprocessableEntity, views.AppOnlyPage(f))
		return
	}
	if a, err := mail.ParseAddress(mailbox); err != nil || a.Address != mailbox {
		f.Errors["mailbox"] = "This is not a valid email address."
		h.render(w, r, http.StatusUnprocessableEntity, views.AppOnlyPage(f))
		return
	}
	g, err := oauth.ClientCredentials(r.Context(), app.OAuth(), mailbox)
	if err != nil {
		fv := failureView(oauth.Explain(app.OAuth(), h.callbackURL(app), err))
		fv.AdminConsentURL = h.withConsentState(fv.AdminConsentURL, app)
		f.Failure = &fv
		h.render(w, r, http.StatusUnprocessableEntity, views.AppOnlyPage(f))
		return
	}
	auth, _, err := h.store.SaveGrant(r.Context(), store.GrantToSave{ApplicationID: app.ID, Grant: g, AppOnly: true, Actor: userOf(r)})
	var mismatch *oauth.IdentityMismatchError
	if errors.As(err, &mismatch) {
		f.Errors["mailbox"] = "A person's sign-in already authorizes this mailbox: delete that authorization first."
		h.render(w, r, http.StatusUnprocessableEntity, views.AppOnlyPage(f))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("App-only authorization for %s has been created. Run Diagnose once the Exchange commands are done.", auth.Email))
	redirect(w, r, paths.ApplicationAuthorizations(app.ID))
}
