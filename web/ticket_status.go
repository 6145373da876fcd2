package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/store"
)

// ticketStatus changes a ticket's status.
func (h *Handler) ticketStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	status, err := strconv.Atoi(r.PostFormValue("status"))
	if err != nil || !store.ValidStatus(status) {
		h.renderError(w, r, http.StatusUnprocessableEntity, "Invalid status", "Choose one of the statuses offered.")
		return
	}
	me := userOf(r)
	changed, err := h.store.SetTicketStatus(r.Context(), id, status, me.ID, store.EventStatus)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if changed {
		h.flash(r, "success", fmt.Sprintf("Status changed to %s.", store.StatusLabel(status)))
	}
	redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10))
}
