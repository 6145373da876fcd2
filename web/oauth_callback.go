package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// Why a known state is still refused (wrapped in oauth.ErrStateMismatch,
// so the page shows GLPI's "Unable to verify authorization code").
var (
	errPendingExpired = fmt.Errorf("%w: the sign-in took longer than %s", oauth.ErrStateMismatch, store.PendingLifetime)
	errOtherSession   = fmt.Errorf("%w: the sign-in was started by another session", oauth.ErrStateMismatch)
)

// oauthCallback is where the identity provider sends the browser back. It
// checks in GLPI's order: the provider's error, the state, the code, the
// exchange, the e-mail; then it records the grant and returns to where the
// sign-in started. The state is single use: its row is deleted first,
// whatever the outcome. The session cookie is SameSite=Lax, which a
// top-level GET from the provider carries; the sign-in must come back to
// the session that started it.
func (h *Handler) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	// The exchange must name the very redirect URI the provider was given,
	// which is the address the browser came back to.
	redirectURI := h.cfg.PublicURL + r.URL.Path
	if isConsentReturn(q) {
		h.adminConsentReturn(w, r, redirectURI)
		return
	}
	pending, perr := h.store.TakePending(ctx, q.Get("state"))
	if perr != nil && !errors.Is(perr, store.ErrNotFound) && !errors.Is(perr, store.ErrPendingExpired) {
		h.serverError(w, r, perr)
		return
	}
	var app *store.Application
	if pending != nil {
		a, err := h.store.Application(ctx, pending.ApplicationID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.serverError(w, r, err)
			return
		}
		app = a
	}
	fail := func(err error) { h.callbackFailed(w, r, app, pending, redirectURI, err) }
	me := userOf(r)
	if err := oauth.CallbackError(q); err != nil {
		fail(err)
		return
	}
	switch {
	case errors.Is(perr, store.ErrPendingExpired):
		fail(errPendingExpired)
		return
	case pending == nil || app == nil:
		fail(oauth.ErrStateMismatch)
		return
	case me == nil || me.ID != pending.UserID || !sameSession(sessionOf(r), pending):
		fail(errOtherSession)
		return
	}
	g, err := oauth.Complete(ctx, signInApplication(app, pending.AuthorizationID), redirectURI, q.Get("code"), oauth.Pending{State: q.Get("state"), Verifier: pending.Verifier, Nonce: pending.Nonce})
	if err != nil {
		fail(err)
		return
	}
	auth, created, err := h.store.SaveGrant(ctx, store.GrantToSave{
		ApplicationID: app.ID, AuthorizationID: pending.AuthorizationID, ReceiverID: pending.ReceiverID, Grant: g, Actor: me,
	})
	var mismatch *oauth.IdentityMismatchError
	switch {
	case errors.As(err, &mismatch):
		fail(err)
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	if created {
		h.flash(r, "success", fmt.Sprintf("Authorization for %s has been created.", auth.Email))
	} else {
		h.flash(r, "success", fmt.Sprintf("Authorization for %s has been renewed.", auth.Email))
	}
	redirect(w, r, pending.ReturnTo)
}

// sameSession reports whether the callback came back to the session that
// started the sign-in (another session of the same user is not enough).
func sameSession(sess *store.Session, p *store.PendingAuthorization) bool {
	return sess != nil && p.SessionHash != "" && subtle.ConstantTimeCompare([]byte(store.SessionHash(sess.ID)), []byte(p.SessionHash)) == 1
}

// callbackFailed shows a failed sign-in: with a session, GLPI's message,
// what it means, what to do and the links that help; without one, GLPI's
// message and a link to log in, nothing about the application.
func (h *Handler) callbackFailed(w http.ResponseWriter, r *http.Request, app *store.Application, p *store.PendingAuthorization, redirectURI string, err error) {
	var oapp oauth.Application
	if app != nil {
		oapp = app.OAuth()
	}
	f := oauth.Explain(oapp, redirectURI, err)
	appID := int64(0)
	if app != nil {
		appID = app.ID
	}
	h.log.Warn("oauth sign-in failed", "application_id", appID, "kind", string(f.Kind), "class", string(f.Class))
	me := userOf(r)
	if me == nil || (p != nil && p.UserID != me.ID) {
		msg := f.GLPIMessage
		if f.Kind != oauth.KindState && f.Kind != oauth.KindNoCode {
			msg = "Authorization failed."
		}
		h.render(w, r, http.StatusBadRequest, views.CallbackFailurePage(views.FailureView{GLPIMessage: msg}, false))
		return
	}
	v := failureView(f)
	v.AdminConsentURL = h.withConsentState(v.AdminConsentURL, app)
	v.BackHref, v.BackLabel = paths.Applications, "Back to OAuth IMAP"
	if app != nil {
		// The failure changed nothing else: its event is the only write.
		if err := h.store.Audit(r.Context(), me.ID, me.Login, "authorization.failed", "application", app.ID, f.GLPIMessage+" ("+string(f.Kind)+")"); err != nil {
			h.log.Error("audit of a failed sign-in not written", "application_id", app.ID, "err", err)
		}
		v.BackHref, v.BackLabel = paths.ApplicationAuthorizations(app.ID), "Back to "+app.Name
		v.RetryAction = paths.Application(app.ID, "authorize")
		if p != nil && p.AuthorizationID != 0 {
			v.RetryAction = paths.Authorization(p.AuthorizationID, "reauthorize")
		}
		if app.IsActive {
			allowFormAction(w, h.authorizeOrigin(context.WithoutCancel(r.Context()), app))
		}
	} else if !h.offerStarts(w, r, &v) {
		return
	}
	h.render(w, r, http.StatusBadRequest, views.CallbackFailurePage(v, true))
}

// offerStarts fills the failure page with a "Create an authorization"
// button per active application when the sign-in cannot be traced to one
// (an unknown, used or forged state), and lets the page's forms reach
// their providers. False when it already answered with an error.
func (h *Handler) offerStarts(w http.ResponseWriter, r *http.Request, v *views.FailureView) bool {
	apps, err := h.store.ActiveApplications(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return false
	}
	var origins []string
	for _, a := range apps {
		v.Starts = append(v.Starts, views.StartChoice{Action: paths.Application(a.ID, "authorize"), Label: "Create an authorization for " + a.Name})
		if o := h.authorizeOrigin(context.WithoutCancel(r.Context()), &a); o != "" {
			origins = append(origins, o)
		}
	}
	if len(origins) > 0 {
		allowFormAction(w, origins...)
	}
	if len(v.Starts) == 0 && v.Remedy == oauth.RemedyStartAgain {
		v.Remedy = "Activate an application in Setup > OAuth IMAP, then start the authorization again from its Oauth authorization tab."
	}
	return true
}

func failureView(f *oauth.Failure) views.FailureView {
	v := views.FailureView{GLPIMessage: f.GLPIMessage, Meaning: f.Meaning, Remedy: f.Remedy, AdminConsentURL: f.AdminConsentURL, RedirectURI: f.RedirectURIToRegister}
	var codes []string
	for _, c := range f.Codes {
		codes = append(codes, fmt.Sprintf("AADSTS%d", c))
	}
	v.Codes = strings.Join(codes, ", ")
	return v
}
