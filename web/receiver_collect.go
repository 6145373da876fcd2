package web

import (
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/mailbox"
)

// msgCollectError is GLPI's message when a collect fails.
const msgCollectError = "An error occurred trying to connect to collector."

// receiverCollect is "Get email tickets now": one collect at once, and
// GLPI's summary as a flash message.
func (h *Handler) receiverCollect(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	if _, err := h.store.Receiver(r.Context(), id); err != nil {
		h.serverError(w, r, err)
		return
	}
	if h.collect == nil {
		h.flash(r, "danger", msgCollectError+" The collector is not running in this process.")
		redirect(w, r, receiverURL(id))
		return
	}
	run, err := h.collect.CollectNow(r.Context(), id)
	switch {
	case err != nil:
		c := mailbox.Classify(err)
		h.log.Warn("collect now failed", "receiver_id", id, "class", string(c), "error", err)
		h.flash(r, "danger", msgCollectError+" "+mailbox.Remedy(c))
	case run == nil:
		h.flash(r, "danger", msgCollectError)
	default:
		kind := "success"
		if run.ErrorText != "" || run.Errors > 0 {
			kind = "warning"
		}
		h.flash(r, kind, fmt.Sprintf("Number of messages: available=%d, already imported=%d, retrieved=%d, refused=%d, errors=%d, blacklisted=%d",
			run.Available, run.AlreadyImported, run.Retrieved, run.Refused, run.Errors, run.Blacklisted))
		if run.ErrorText != "" {
			h.flash(r, "danger", msgCollectError+" "+run.ErrorText)
		}
	}
	redirect(w, r, receiverURL(id))
}
