package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// Login attempts are counted per account and per address, and past a few
// each makes the next wait, longer and longer: guessing stays slow, and
// nobody is locked out for long. A browser that has logged in as an account
// before (it holds a signed "known device" cookie for that login) is
// counted on its own instead: someone else's failures never keep a user
// out of their own browser. The message is the same whichever tripped,
// and whether or not the account exists.
type loginRules struct {
	account, address, device store.ThrottleRule
}

var defaultLoginRules = loginRules{
	account: store.ThrottleRule{Free: 5, Base: 2 * time.Second, Max: 5 * time.Minute, Quiet: 15 * time.Minute},
	address: store.ThrottleRule{Free: 20, Base: time.Second, Max: time.Minute, Quiet: 15 * time.Minute},
	device:  store.ThrottleRule{Free: 5, Base: 2 * time.Second, Max: 5 * time.Minute, Quiet: 15 * time.Minute},
}

const (
	msgBadLogin  = "Incorrect username or password"
	msgThrottled = "Too many failed logins. Wait %s and try again."
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
	device := h.knownDevice(r, login)
	keys := []string{store.ThrottleKey("login", store.NormalizeLogin(login)), store.ThrottleKey("ip", h.clientIP(r))}
	rules := []store.ThrottleRule{h.loginRules.account, h.loginRules.address}
	if device != "" {
		keys, rules = []string{store.ThrottleKey("device", device)}, []store.ThrottleRule{h.loginRules.device}
	}
	// Each attempt is counted before the password is checked, so that
	// simultaneous guesses cannot all pass a check made before any of
	// them was counted.
	for i, rule := range rules {
		wait, err := h.store.Attempt(r.Context(), keys[i], rule)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		if wait > 0 {
			h.log.Warn("login refused: throttled", "remote", h.clientIP(r))
			secs := int(wait.Round(time.Second) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			form.Error = fmt.Sprintf(msgThrottled, waitWords(secs))
			h.render(w, r, http.StatusTooManyRequests, views.LoginPage(form))
			return
		}
	}
	u, err := h.store.Authenticate(r.Context(), login, password)
	if errors.Is(err, store.ErrBadCredentials) {
		h.log.Warn("login failed", "remote", h.clientIP(r))
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
	if len(keys) > 1 {
		if err := h.store.Refund(r.Context(), keys[1]); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	h.rememberDevice(w, u.Login, device)
	if err := h.startSession(w, r, u); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("login", "user_id", u.ID, "remote", h.clientIP(r))
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
	redirect(w, r, paths.Login)
}

// waitWords says a wait in whole seconds as a person reads it.
func waitWords(secs int) string {
	switch {
	case secs <= 1:
		return "1 second"
	case secs < 90:
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}

// deviceCookie marks a browser that logged in before: "<id>.<issued>.<sig>"
// where the signature covers the login too, so it vouches for this browser
// and this account only.
const (
	deviceCookie  = "oauthimap_device"
	devicePurpose = "known device"
	deviceLife    = 365 * 24 * time.Hour
)

// knownDevice returns the id of the browser's known-device cookie when it
// was issued by this server for this login, "" otherwise.
func (h *Handler) knownDevice(r *http.Request, login string) string {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return ""
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Since(time.Unix(at, 0)) > deviceLife {
		return ""
	}
	msg := store.NormalizeLogin(login) + "\x00" + parts[0] + "." + parts[1]
	if !h.store.Keys().Verify(devicePurpose, msg, parts[2]) {
		return ""
	}
	return parts[0]
}

// rememberDevice gives the browser its known-device cookie for login
// (keeping its id when it had one for this login).
func (h *Handler) rememberDevice(w http.ResponseWriter, login, id string) {
	if id == "" {
		b := make([]byte, 18)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	body := id + "." + strconv.FormatInt(time.Now().Unix(), 10)
	sig := h.store.Keys().Sign(devicePurpose, store.NormalizeLogin(login)+"\x00"+body)
	h.setCookie(w, deviceCookie, body+"."+sig, int(deviceLife.Seconds()))
}
