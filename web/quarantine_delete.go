package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/paths"
)

// quarantineDelete deletes a not imported email and its stored bytes.
func (h *Handler) quarantineDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	if err := h.desk.DeleteQuarantined(r.Context(), id, userOf(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "The email has been deleted.")
	redirect(w, r, paths.Quarantine)
}
