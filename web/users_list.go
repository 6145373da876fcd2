package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/views"
)

func (h *Handler) usersList(w http.ResponseWriter, r *http.Request) {
	q, l := listQuery(r)
	users, total, err := h.store.ListUsers(r.Context(), q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	rows := make([]views.UserRow, 0, len(users))
	for _, u := range users {
		rows = append(rows, views.UserRow{ID: u.ID, Login: u.Login, Name: u.Name, Email: u.Email, Role: u.Role, Active: u.IsActive, LastLogin: views.FormatTime(r.Context(), u.LastLoginAt)})
	}
	h.render(w, r, http.StatusOK, views.UsersPage(l, rows))
}
