package web

import (
	"fmt"
	"net/http"
)

// blacklistDelete removes an entry.
func (h *Handler) blacklistDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	e, err := h.store.DeleteBlacklistEntry(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "blacklist.delete", "blacklist", id, fmt.Sprintf("%s %s", e.Kind, e.Value))
	h.flash(r, "success", fmt.Sprintf("%s has been removed from the blacklist.", e.Value))
	redirect(w, r, "/setup/blacklist")
}
