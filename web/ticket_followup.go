package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// ticketFollowup adds a staff follow-up (plain text, escaped when stored).
func (h *Handler) ticketFollowup(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	text := r.PostFormValue("content")
	msg := formText{label: "The follow-up", value: text, long: true, max: store.MaxContentText}.problem()
	var err error
	if msg == "" {
		_, err = h.desk.AddFollowup(r.Context(), id, userOf(r), text)
		if errors.Is(err, helpdesk.ErrEmptyFollowup) {
			msg = "Write the follow-up first."
		}
	}
	if msg != "" {
		v, verr := h.ticketView(r.Context(), id, false)
		if verr != nil {
			h.serverError(w, r, verr)
			return
		}
		v.FollowupText, v.FollowupError = text, msg
		h.render(w, r, http.StatusUnprocessableEntity, views.TicketPage(v))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Follow-up added.")
	redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10))
}
