package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/paths"
)

func (h *Handler) receiverDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	if err := h.store.DeleteReceiver(r.Context(), id, userOf(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.receiversChanged()
	h.flash(r, "success", "Item successfully purged.")
	redirect(w, r, paths.Receivers)
}
