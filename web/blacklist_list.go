package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/views"
)

// blacklistList is Setup > Blacklisted mail addresses.
func (h *Handler) blacklistList(w http.ResponseWriter, r *http.Request) {
	h.renderBlacklist(w, r, http.StatusOK, views.BlacklistForm{Kind: "address"})
}

func (h *Handler) renderBlacklist(w http.ResponseWriter, r *http.Request, status int, f views.BlacklistForm) {
	q, l := listQuery(r)
	entries, total, err := h.store.ListBlacklist(r.Context(), q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	rows := make([]views.BlacklistRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, views.BlacklistRow{ID: e.ID, Kind: e.Kind, KindLabel: views.BlacklistKindLabel(e.Kind), Value: e.Value, Comment: e.Comment, Created: views.FormatTime(r.Context(), &e.CreatedAt)})
	}
	h.render(w, r, status, views.BlacklistPage(l, rows, f))
}
