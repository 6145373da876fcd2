package web

import (
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/web/paths"
)

// applicationDelete purges an application with its authorizations; the
// receivers using it are deactivated.
func (h *Handler) applicationDelete(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	res, err := h.store.DeleteApplication(r.Context(), app.ID, userOf(r))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("Item successfully purged: %s", app.Name))
	for _, n := range res.DeactivatedReceivers {
		h.flash(r, "warning", fmt.Sprintf("Mail receiver \"%s\" has been deactivated.", n))
	}
	redirect(w, r, paths.Applications)
}
