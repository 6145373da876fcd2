package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// blacklistAdd adds an address, a domain or a pattern.
func (h *Handler) blacklistAdd(w http.ResponseWriter, r *http.Request) {
	f := views.BlacklistForm{Kind: r.PostFormValue("kind"), Value: r.PostFormValue("value"), Comment: strings.TrimSpace(r.PostFormValue("comment")), Errors: views.FieldErrors{}}
	checkTexts(f.Errors, formText{key: "value", label: "The value", value: f.Value}, formText{key: "comment", label: "The comment", value: f.Comment, long: true})
	e, err := ingest.ValidateBlacklistEntry(ingest.BlacklistEntry{Kind: f.Kind, Value: f.Value})
	var problem *ingest.BlacklistProblem
	switch {
	case f.Errors.Any():
	case errors.As(err, &problem):
		f.Errors.Add(problem.Field, problem.Message)
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	if f.Errors.Any() {
		h.renderBlacklist(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	row := &store.BlacklistEntry{Kind: e.Kind, Value: e.Value, Comment: f.Comment}
	me := userOf(r)
	err = h.audited(r.Context(), me, "blacklist.add", "blacklist", func(s *store.Store) (int64, string, error) {
		if err := s.AddBlacklistEntry(r.Context(), row); err != nil {
			return 0, "", err
		}
		return row.ID, fmt.Sprintf("%s %s", row.Kind, row.Value), nil
	})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			f.Errors.Add("value", "This entry already exists.")
			h.renderBlacklist(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been added to the blacklist.", row.Value))
	redirect(w, r, paths.Blacklist)
}
