package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// homeTicketCard is a Home card that counts the tickets of a ticket-list
// filter and links to that list.
type homeTicketCard struct {
	label, icon string
	filter      store.TicketFilter
	alert       bool // when the count is not 0
}

// homeTicketCards counts each card's tickets with the ticket list itself
// (the total of its filter) and links to that filter's page: a card and
// the list it opens never disagree, whatever a view comes to mean.
func (h *Handler) homeTicketCards(r *http.Request, u *store.User) ([]views.HomeCard, error) {
	defs := []homeTicketCard{
		{label: "New tickets", icon: "ti-ticket", filter: store.TicketFilter{Status: store.StatusNew}},
		{label: "Open tickets", icon: "ti-list-details", filter: store.TicketFilter{NotSolved: true}},
		{label: "My open tickets", icon: "ti-user-check", filter: store.TicketFilter{View: store.ViewMine, NotSolved: true}},
		{label: "Unassigned open tickets", icon: "ti-user-question", filter: store.TicketFilter{View: store.ViewUnassigned, NotSolved: true}, alert: true},
	}
	out := make([]views.HomeCard, 0, len(defs))
	for _, d := range defs {
		f := d.filter
		f.UserID, f.ListQuery = u.ID, store.ListQuery{PerPage: 1}
		_, total, _, err := h.store.ListTickets(r.Context(), f)
		if err != nil {
			return nil, err
		}
		out = append(out, views.HomeCard{Label: d.label, Value: strconv.FormatInt(total, 10), Href: ticketListHref(f), Icon: d.icon, Alert: d.alert && total > 0})
	}
	return out, nil
}

// ticketListHref is the ticket list's address for a filter's view and
// status (what Home's cards use).
func ticketListHref(f store.TicketFilter) string {
	v := url.Values{}
	if f.View != store.ViewAll {
		v.Set("view", f.View)
	}
	switch {
	case f.NotSolved:
		v.Set("status", statusNotSolved)
	case f.Status != 0:
		v.Set("status", strconv.Itoa(f.Status))
	}
	return paths.TicketsQuery(v.Encode())
}

// statusNotSolved is the list's status filter "Not solved" (GLPI's
// notold: neither Solved nor Closed).
const statusNotSolved = "notold"

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
	cards, err := h.homeTicketCards(r, u)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if isAdmin {
		cards = append(cards,
			views.HomeCard{Label: "Receivers in error", Value: n(d.ReceiversInError) + " of " + n(d.ActiveReceivers), Href: paths.Receivers, Icon: "ti-inbox", Alert: d.ReceiversInError > 0},
			views.HomeCard{Label: "Authorizations needing attention", Value: n(d.AuthorizationsAttention), Href: paths.Applications, Icon: "ti-login-2", Alert: d.AuthorizationsAttention > 0},
			views.HomeCard{Label: "Client secrets expiring within 30 days", Value: n(d.SecretsExpiring), Href: paths.Applications, Icon: "ti-key", Alert: d.SecretsExpiring > 0},
			views.HomeCard{Label: "Not imported emails", Value: n(d.Quarantined), Href: paths.Quarantine, Icon: "ti-mail-x"},
		)
	}
	h.render(w, r, http.StatusOK, views.HomePage(cards))
}
