package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// authorizationStart is "Create an authorization": a POST that keeps the
// sign-in server-side and sends the browser to the provider.
func (h *Handler) authorizationStart(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	h.beginSignIn(w, r, app, signIn{ReturnTo: paths.ApplicationAuthorizations(app.ID)})
}

// authorizationReauthorize signs in again for an existing authorization;
// the callback accepts only the account pinned on it.
func (h *Handler) authorizationReauthorize(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	h.beginSignIn(w, r, app, signIn{AuthorizationID: auth.ID, ReturnTo: paths.ApplicationAuthorizations(app.ID)})
}

// signIn is what a sign-in remembers besides the OAuth values.
type signIn struct {
	AuthorizationID int64 // re-authorize this one
	ReceiverID      int64 // started from this receiver's form
	ReturnTo        string
}

// beginSignIn stores the pending sign-in (state, PKCE verifier, nonce,
// who and where to return) and redirects to the provider.
func (h *Handler) beginSignIn(w http.ResponseWriter, r *http.Request, app *store.Application, s signIn) {
	if !app.IsActive {
		h.flash(r, "danger", "The application is inactive: activate it to create an authorization.")
		redirect(w, r, s.ReturnTo)
		return
	}
	authURL, p, err := oauth.Begin(r.Context(), signInApplication(app, s.AuthorizationID), h.callbackURL(app))
	if err != nil {
		// GLPI's words, then ours: which setting is wrong.
		h.flash(r, "danger", "Invalid credentials. "+oauth.Meaning(err)+" "+oauth.Remedy(err))
		redirect(w, r, s.ReturnTo)
		return
	}
	me, sess := userOf(r), sessionOf(r)
	err = h.store.CreatePending(r.Context(), p.State, &store.PendingAuthorization{
		ApplicationID: app.ID, AuthorizationID: s.AuthorizationID, ReceiverID: s.ReceiverID, UserID: me.ID,
		SessionHash: store.SessionHash(sess.ID),
		Verifier:    p.Verifier, Nonce: p.Nonce, ReturnTo: safeNext(s.ReturnTo),
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// signInApplication is what a sign-in asks of the provider: the
// application's scopes, plus the permission to send mail when it
// re-authorizes an existing authorization (incremental consent; the
// callback still accepts only the account pinned on it). The callback
// redeems the code with the same scopes.
func signInApplication(app *store.Application, authorizationID int64) oauth.Application {
	oa := app.OAuth()
	if authorizationID != 0 {
		oa = oa.WithSMTPScope()
	}
	return oa
}

// authorizationParam loads the authorization named by the URL and its
// application, or answers 404.
func (h *Handler) authorizationParam(w http.ResponseWriter, r *http.Request) (*store.Authorization, *store.Application, bool) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return nil, nil, false
	}
	auth, err := h.store.Authorization(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return nil, nil, false
	}
	app, err := h.store.Application(r.Context(), auth.ApplicationID)
	if err != nil {
		h.serverError(w, r, err)
		return nil, nil, false
	}
	return auth, app, true
}
