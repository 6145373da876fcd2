package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/views"
)

func (h *Handler) userNew(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, views.UserPage(views.UserForm{Role: "technician", Active: true}))
}

func (h *Handler) userEdit(w http.ResponseWriter, r *http.Request) {
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
	h.render(w, r, http.StatusOK, views.UserPage(views.UserForm{ID: u.ID, Login: u.Login, Name: u.Name, Email: u.Email, Role: u.Role, Active: u.IsActive, IsSelf: u.ID == userOf(r).ID, TimeZone: u.TimeZone}))
}
