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
	byMail := r.PostFormValue("kind") == "mail"
	msg := formText{label: "The follow-up", value: text, long: true, max: store.MaxContentText}.problem()
	var err error
	if msg == "" {
		if byMail {
			_, err = h.desk.AnswerByMail(r.Context(), id, userOf(r), text, r.PostFormValue("observers") == "1")
		} else {
			// A note is private (staff only) unless "Public follow-up" was chosen.
			_, err = h.desk.AddNote(r.Context(), id, userOf(r), text, r.PostFormValue("kind") != "public")
		}
		msg = followupRefusal(err)
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
	if byMail {
		if h.mail != nil {
			h.mail.Wake()
		}
		h.flash(r, "success", "Follow-up added; the mail to the requester is on its way.")
	} else {
		h.flash(r, "success", "Follow-up added.")
	}
	redirect(w, r, "/tickets/"+strconv.FormatInt(id, 10))
}

// followupRefusal is the form's message for an answer refused for its
// input or settings; "" for success or a server error.
func followupRefusal(err error) string {
	switch {
	case errors.Is(err, helpdesk.ErrEmptyFollowup):
		return "Write the follow-up first."
	case errors.Is(err, helpdesk.ErrNoRequesterAddress):
		return "The requester has no e-mail address: save it as a private note."
	case errors.Is(err, helpdesk.ErrMailOff):
		return "Outgoing mail is off for this ticket's receiver: turn it on in Setup > Receivers > Outgoing mail, or save a private note."
	}
	return ""
}
