package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// ticketsList is Assistance > Tickets: search, filters by status and
// receiver, sort, pages.
func (h *Handler) ticketsList(w http.ResponseWriter, r *http.Request) {
	q, l := listQuery(r)
	f := store.TicketFilter{ListQuery: q}
	f.Status, _ = strconv.Atoi(r.URL.Query().Get("status"))
	if !store.ValidStatus(f.Status) {
		f.Status = 0
	}
	f.NotSolved = r.URL.Query().Get("status") == statusNotSolved
	f.ReceiverID, _ = strconv.ParseInt(r.URL.Query().Get("receiver"), 10, 64)
	f.CategoryID, _ = strconv.ParseInt(r.URL.Query().Get("category"), 10, 64)
	f.View, f.UserID = ticketListView(r.URL.Query().Get("view")), userOf(r).ID
	rows, total, capped, err := h.store.ListTickets(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	receivers, err := h.store.TicketReceiverChoices(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	l.Extra = url.Values{}
	if f.Status != 0 {
		l.Extra.Set("status", strconv.Itoa(f.Status))
	}
	if f.NotSolved {
		l.Extra.Set("status", statusNotSolved)
	}
	if f.ReceiverID != 0 {
		l.Extra.Set("receiver", strconv.FormatInt(f.ReceiverID, 10))
	}
	if f.CategoryID != 0 {
		l.Extra.Set("category", strconv.FormatInt(f.CategoryID, 10))
	}
	if f.View != store.ViewAll {
		l.Extra.Set("view", f.View)
	}
	vf := views.TicketFilters{Status: f.Status, NotSolved: f.NotSolved, Receiver: f.ReceiverID, Capped: capped}
	if vf.Work, err = h.ticketListWork(r.Context(), f); err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, c := range receivers {
		vf.Receivers = append(vf.Receivers, views.ReceiverOption{Value: c.ID, Label: c.Name})
	}
	out := make([]views.TicketRow, 0, len(rows))
	for _, t := range rows {
		req := t.RequesterEmail
		if t.RequesterName != "" {
			req = t.RequesterName + " <" + t.RequesterEmail + ">"
		}
		out = append(out, views.TicketRow{ID: t.ID, Title: t.Title, Status: views.StatusOf(t.Status), Updated: views.FormatTime(r.Context(), &t.UpdatedAt),
			Opened: views.FormatTime(r.Context(), &t.OpenedAt), Requester: req, Receiver: t.ReceiverName,
			Priority: t.Priority, Category: t.CategoryName, Assigned: strings.Join(t.AssignedTo, ", ")})
	}
	h.render(w, r, http.StatusOK, views.TicketsPage(l, vf, out))
}
