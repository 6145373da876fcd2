package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// Login attempts are counted per account and per address (a good login
// takes its own back); the message is the same whichever tripped, and
// whether or not the account exists.
var (
	accountRule = store.ThrottleRule{Max: 5, Window: 15 * time.Minute, Lock: 15 * time.Minute}
	addressRule = store.ThrottleRule{Max: 20, Window: 15 * time.Minute, Lock: 15 * time.Minute}
)

const (
	msgBadLogin  = "Incorrect username or password"
	msgThrottled = "Too many failed logins. Wait a few minutes and try again."
)

func (h *Handler) loginShow(w http.ResponseWriter, r *http.Request) {
	if userOf(r) != nil {
		redirect(w, r, r.URL.Query().Get("next"))
		return
	}
	h.render(w, r, http.StatusOK, views.LoginPage(views.LoginForm{Next: safeNext(r.URL.Query().Get("next")), FormToken: h.formToken(w, r)}))
}

func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	form := views.LoginForm{Login: login, Next: safeNext(r.PostFormValue("next")), FormToken: h.formToken(w, r)}
	keys := []string{store.ThrottleKey("login", store.NormalizeLogin(login)), store.ThrottleKey("ip", clientIP(r))}
	// Each attempt is counted before the password is checked, so that
	// simultaneous guesses cannot all pass a check made before any of
	// them was counted.
	for i, rule := range []store.ThrottleRule{accountRule, addressRule} {
		ok, err := h.store.Attempt(r.Context(), keys[i], rule)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if !ok {
			h.log.Warn("login refused: throttled", "remote", clientIP(r))
			form.Error = msgThrottled
			h.render(w, r, http.StatusTooManyRequests, views.LoginPage(form))
			return
		}
	}
	u, err := h.store.Authenticate(r.Context(), login, password)
	if errors.Is(err, store.ErrBadCredentials) {
		h.log.Warn("login failed", "remote", clientIP(r))
		form.Error = msgBadLogin
		h.render(w, r, http.StatusUnauthorized, views.LoginPage(form))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.store.ClearFailures(r.Context(), keys[0]); err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.store.Refund(r.Context(), keys[1]); err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.startSession(w, r, u); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("login", "user_id", u.ID, "remote", clientIP(r))
	redirect(w, r, form.Next)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if tok, ok := r.Context().Value(tokenKey).(string); ok {
		if err := h.store.DeleteSession(r.Context(), tok); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	h.clearCookie(w, sessionCookie)
	redirect(w, r, "/login")
}
