package web

import (
	"fmt"
	"net/http"
)

// quarantineDelete deletes a not imported email and its stored bytes.
func (h *Handler) quarantineDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	if err := h.desk.DeleteQuarantined(r.Context(), id); err != nil {
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "quarantine.delete", "quarantine", id, fmt.Sprintf("not imported email %d deleted", id))
	h.flash(r, "success", "The email has been deleted.")
	redirect(w, r, "/setup/quarantine")
}
