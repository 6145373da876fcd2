package web

import (
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// blacklistDelete removes an entry.
func (h *Handler) blacklistDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	me := userOf(r)
	var e *store.BlacklistEntry
	err := h.audited(r.Context(), me, "blacklist.delete", "blacklist", func(s *store.Store) (int64, string, error) {
		var err error
		if e, err = s.DeleteBlacklistEntry(r.Context(), id); err != nil {
			return 0, "", err
		}
		return id, fmt.Sprintf("%s %s", e.Kind, e.Value), nil
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been removed from the blacklist.", e.Value))
	redirect(w, r, paths.Blacklist)
}
