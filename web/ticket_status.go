package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
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
	if h.desk == nil {
		h.notFound(w, r)
		return
	}
	changed, err := h.desk.SetStatus(r.Context(), id, status, userOf(r))
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if changed {
		t, terr := h.store.Ticket(r.Context(), id)
		if terr == nil {
			status = t.Status // the status rules may have settled another one
		}
		h.flash(r, "success", fmt.Sprintf("Status changed to %s.", store.StatusLabel(status)))
	}
	redirect(w, r, paths.Ticket(id))
}
