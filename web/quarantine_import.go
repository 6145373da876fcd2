package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
)

// quarantineImport is "Import anyway": the mail is decided again without
// the refusal rules and becomes a ticket or a follow-up.
func (h *Handler) quarantineImport(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	saved, err := h.desk.ImportQuarantined(r.Context(), id, time.Now())
	if errors.Is(err, helpdesk.ErrStillRefused) {
		h.flash(r, "danger", "This email cannot be imported: it is not an e-mail that can be read.")
		redirect(w, r, "/setup/quarantine")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "quarantine.import", "ticket", saved.TicketID, fmt.Sprintf("not imported email %d imported anyway", id))
	if saved.FollowupID != 0 {
		h.flash(r, "success", fmt.Sprintf("The email was added to ticket %d as a follow-up.", saved.TicketID))
	} else {
		h.flash(r, "success", fmt.Sprintf("Ticket %d was created from the email.", saved.TicketID))
	}
	redirect(w, r, fmt.Sprintf("/tickets/%d", saved.TicketID))
}
