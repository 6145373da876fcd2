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

// userFormFrom reads and checks the user form.
func userFormFrom(r *http.Request) views.UserForm {
	f := views.UserForm{
		Login:    strings.TrimSpace(r.PostFormValue("login")),
		Name:     strings.TrimSpace(r.PostFormValue("name")),
		Email:    strings.TrimSpace(r.PostFormValue("email")),
		Role:     r.PostFormValue("role"),
		Active:   r.PostFormValue("is_active") == "1",
		TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Errors:   map[string]string{},
	}
	if err := store.ValidTimeZone(f.TimeZone); err != nil {
		f.Errors["time_zone"] = err.Error()
	}
	if f.Email != "" {
		if _, err := mail.ParseAddress(f.Email); err != nil {
			f.Errors["email"] = "This is not a valid email address."
		}
	}
	if !store.ValidRole(f.Role) {
		f.Errors["role"] = "Choose a profile."
	}
	checkTexts(f.Errors, formText{key: "login", label: "Login", value: f.Login}, formText{key: "name", label: "Name", value: f.Name},
		formText{key: "email", label: "Email", value: f.Email})
	return f
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request) {
	f := userFormFrom(r)
	pw := r.PostFormValue("password")
	if f.Login == "" {
		f.Errors["login"] = "The login is mandatory."
	}
	if err := store.ValidatePassword(pw); err != nil {
		f.Errors["password"] = err.Error()
	}
	if len(f.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.UserPage(f))
		return
	}
	u := &store.User{Login: f.Login, Name: f.Name, Email: f.Email, Role: f.Role, IsActive: f.Active, TimeZone: f.TimeZone}
	me := userOf(r)
	err := h.audited(r.Context(), me, "user.create", "user", func(s *store.Store) (int64, string, error) {
		if err := s.CreateUser(r.Context(), u, pw); err != nil {
			return 0, "", err
		}
		return u.ID, fmt.Sprintf("user %s created with profile %s", u.Login, u.Role), nil
	})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			f.Errors["login"] = "This login is already taken."
			h.render(w, r, http.StatusUnprocessableEntity, views.UserPage(f))
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("User %s has been added.", u.Login))
	redirect(w, r, paths.User(u.ID))
}

func (h *Handler) userSave(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	old, err := h.store.User(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f := userFormFrom(r)
	f.ID, f.Login = old.ID, old.Login
	if len(f.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.UserPage(f))
		return
	}
	u := &store.User{ID: id, Name: f.Name, Email: f.Email, Role: f.Role, IsActive: f.Active, TimeZone: f.TimeZone}
	me := userOf(r)
	err = h.audited(r.Context(), me, "user.update", "user", func(s *store.Store) (int64, string, error) {
		return id, fmt.Sprintf("profile %s, active %v", u.Role, u.IsActive), s.UpdateUser(r.Context(), u)
	})
	if err != nil {
		if errors.Is(err, store.ErrLastAdmin) {
			f.Errors["form"] = err.Error()
			h.render(w, r, http.StatusUnprocessableEntity, views.UserPage(f))
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated.")
	redirect(w, r, paths.User(id))
}

func (h *Handler) userPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := store.ValidatePassword(r.PostFormValue("password")); err != nil {
		f := views.UserForm{ID: u.ID, Login: u.Login, Name: u.Name, Email: u.Email, Role: u.Role, Active: u.IsActive, Errors: map[string]string{"password": err.Error()}}
		h.render(w, r, http.StatusUnprocessableEntity, views.UserPage(f))
		return
	}
	me := userOf(r)
	err = h.audited(r.Context(), me, "user.password", "user", func(s *store.Store) (int64, string, error) {
		return id, "password reset by an administrator", s.SetPassword(r.Context(), id, r.PostFormValue("password"))
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if id == me.ID {
		// Their own sessions ended with the change, this one included.
		h.clearCookie(w, sessionCookie)
		redirect(w, r, paths.Login)
		return
	}
	h.flash(r, "success", fmt.Sprintf("The password of %s has been changed.", u.Login))
	redirect(w, r, paths.User(id))
}
