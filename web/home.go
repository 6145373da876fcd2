package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// home shows what needs attention: open tickets for everyone, and for
// administrators the receivers and authorizations that are failing.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	isAdmin := u.Role == store.RoleAdmin
	d, err := h.store.Dashboard(r.Context(), isAdmin, time.Now())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	cards := []views.HomeCard{
		{Label: "New tickets", Value: n(d.NewTickets), Href: "/tickets?status=" + strconv.Itoa(store.StatusNew), Icon: "ti-ticket"},
		{Label: "Open tickets", Value: n(d.OpenTickets), Href: "/tickets", Icon: "ti-list-details"},
	}
	mine, err := h.store.CountView(r.Context(), store.ViewMine, u.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	unassigned, err := h.store.CountView(r.Context(), store.ViewUnassigned, u.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	cards = append(cards,
		views.HomeCard{Label: "My open tickets", Value: n(mine), Href: "/tickets?view=" + store.ViewMine, Icon: "ti-user-check"},
		views.HomeCard{Label: "Unassigned open tickets", Value: n(unassigned), Href: "/tickets?view=" + store.ViewUnassigned, Icon: "ti-user-question", Alert: unassigned > 0})
	if isAdmin {
		cards = append(cards,
			views.HomeCard{Label: "Receivers in error", Value: n(d.ReceiversInError) + " of " + n(d.ActiveReceivers), Href: "/setup/receivers", Icon: "ti-inbox", Alert: d.ReceiversInError > 0},
			views.HomeCard{Label: "Authorizations needing attention", Value: n(d.AuthorizationsAttention), Href: "/setup/oauthimap", Icon: "ti-login-2", Alert: d.AuthorizationsAttention > 0},
			views.HomeCard{Label: "Client secrets expiring within 30 days", Value: n(d.SecretsExpiring), Href: "/setup/oauthimap", Icon: "ti-key", Alert: d.SecretsExpiring > 0},
			views.HomeCard{Label: "Not imported emails", Value: n(d.Quarantined), Href: "/setup/quarantine", Icon: "ti-mail-x"},
		)
	}
	h.render(w, r, http.StatusOK, views.HomePage(cards))
}
