package web

import (
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/web/paths"
)

// authorizationDelete deletes an authorization; the receivers that logged
// in with it are deactivated, as GLPI does.
func (h *Handler) authorizationDelete(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	deactivated, err := h.store.DeleteAuthorization(r.Context(), auth.ID, userOf(r))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("Item successfully purged: %s", auth.Email))
	for _, n := range deactivated {
		h.flash(r, "warning", fmt.Sprintf("Mail receiver \"%s\" has been deactivated.", n))
	}
	redirect(w, r, paths.ApplicationAuthorizations(app.ID))
}
