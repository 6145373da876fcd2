package web

import (
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/web/views"
)

// home shows the tiles of the pages the user can reach.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	var cards []views.HomeCard
	u := userOf(r)
	for _, s := range h.menuFor(u, "") {
		for _, it := range s.Items {
			cards = append(cards, views.HomeCard{Label: s.Title, Value: it.Label, Href: it.Href, Icon: it.Icon})
		}
	}
	if u.Role == "admin" {
		n, err := h.store.CountUsers(r.Context(), false)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for i := range cards {
			if cards[i].Href == "/admin/users" {
				cards[i].Value = strconv.FormatInt(n, 10) + " users"
			}
		}
	}
	h.render(w, r, http.StatusOK, views.HomePage(cards))
}
