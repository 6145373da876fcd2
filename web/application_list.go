package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/views"
)

// applicationsList is Setup > OAuth IMAP.
func (h *Handler) applicationsList(w http.ResponseWriter, r *http.Request) {
	q, l := listQuery(r)
	apps, total, err := h.store.ListApplications(r.Context(), q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	rows := make([]views.ApplicationRow, 0, len(apps))
	for _, a := range apps {
		rows = append(rows, views.ApplicationRow{ID: a.ID, Name: a.Name, Provider: a.Provider, ProviderName: views.ProviderLabel(a.Provider), Active: a.IsActive, Authorizations: a.Authorizations, State: views.StateOf(a.WorstState)})
	}
	h.render(w, r, http.StatusOK, views.ApplicationsPage(l, rows))
}
