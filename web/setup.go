package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

const setupSetting = "setup_token"

// SetupLink makes the one-time link that creates the first administrator,
// when the database has no user yet. It returns "" when users exist.
func SetupLink(ctx context.Context, s *store.Store, publicURL string) (string, error) {
	n, err := s.CountUsers(ctx, false)
	if err != nil || n > 0 {
		return "", err
	}
	b := make([]byte, 24)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	exp := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	if err := s.SetSetting(ctx, setupSetting, hex.EncodeToString(sum[:])+" "+exp); err != nil {
		return "", err
	}
	return publicURL + paths.Setup + "?token=" + tok, nil
}

// setupTokenValid checks the token against the stored hash and expiry, and
// that there is still no user. It returns the stored value, which the
// submit consumes.
func (h *Handler) setupTokenValid(ctx context.Context, tok string) (string, bool, error) {
	if tok == "" {
		return "", false, nil
	}
	n, err := h.store.CountUsers(ctx, false)
	if err != nil || n > 0 {
		return "", false, err
	}
	v, err := h.store.Setting(ctx, setupSetting, "")
	if err != nil {
		return "", false, err
	}
	hash, exp, ok := strings.Cut(v, " ")
	if !ok {
		return "", false, nil
	}
	until, err := time.Parse(time.RFC3339, exp)
	if err != nil || time.Now().After(until) {
		return "", false, nil
	}
	sum := sha256.Sum256([]byte(tok))
	return v, subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(hash)) == 1, nil
}

func (h *Handler) setupShow(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	_, ok, err := h.setupTokenValid(r.Context(), tok)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		h.renderError(w, r, http.StatusNotFound, "Setup link not valid", "This setup link is not valid: it was used already, it expired, or an administrator exists. Use `oauthimap user add --admin` on the server.")
		return
	}
	h.render(w, r, http.StatusOK, views.SetupPage(views.SetupForm{Token: tok, FormToken: h.formToken(w, r)}))
}

func (h *Handler) setupSubmit(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	stored, ok, err := h.setupTokenValid(r.Context(), tok)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !ok {
		h.setupLinkNotValid(w, r)
		return
	}
	f := views.SetupForm{Token: tok, Login: strings.TrimSpace(r.PostFormValue("login")), Name: strings.TrimSpace(r.PostFormValue("name")), Errors: map[string]string{}, FormToken: h.formToken(w, r)}
	checkTexts(f.Errors, formText{key: "login", label: "Login", value: f.Login}, formText{key: "name", label: "Name", value: f.Name})
	if len(f.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.SetupPage(f))
		return
	}
	u := &store.User{Login: f.Login, Name: f.Name, Role: store.RoleAdmin, IsActive: true}
	// The link is consumed and the user created in one transaction: of
	// simultaneous posts, one wins.
	err = h.store.CreateUserWithSetupToken(r.Context(), u, r.PostFormValue("password"), setupSetting, stored)
	if errors.Is(err, store.ErrSetupUsed) {
		h.setupLinkNotValid(w, r)
		return
	}
	if err != nil {
		switch {
		case errors.Is(err, store.ErrDuplicate):
			f.Errors["login"] = "This login is already taken."
		case f.Login == "":
			f.Errors["login"] = "The login is mandatory."
		case store.ValidatePassword(r.PostFormValue("password")) != nil:
			f.Errors["password"] = store.ValidatePassword(r.PostFormValue("password")).Error()
		default:
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, views.SetupPage(f))
		return
	}
	if err := h.startSession(w, r, u); err != nil {
		h.serverError(w, r, err)
		return
	}
	redirect(w, r, "/")
}

func (h *Handler) setupLinkNotValid(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "Setup link not valid", "This setup link is not valid: it was used already, it expired, or an administrator exists.")
}
