package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// preferences shows "My settings": what the signed-in user sets for
// themselves (the time zone their pages show times in).
func (h *Handler) preferences(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, views.PreferencesPage(views.PreferencesForm{TimeZone: userOf(r).TimeZone, Errors: views.FieldErrors{}}))
}

func (h *Handler) preferencesSave(w http.ResponseWriter, r *http.Request) {
	me := userOf(r)
	f := views.PreferencesForm{TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")), Errors: views.FieldErrors{}}
	if err := store.ValidTimeZone(f.TimeZone); err != nil {
		f.Errors.Add("time_zone", err.Error())
		h.render(w, r, http.StatusUnprocessableEntity, views.PreferencesPage(f))
		return
	}
	err := h.audited(r.Context(), me, "user.preferences", "user", func(s *store.Store) (int64, string, error) {
		if err := s.SetUserTimeZone(r.Context(), me.ID, f.TimeZone); err != nil {
			return 0, "", err
		}
		return me.ID, fmt.Sprintf("user %s set their time zone to %s", me.Login, zoneWords(f.TimeZone)), nil
	})
	if err != nil {
		var msg store.Message
		if errors.As(err, &msg) {
			f.Errors.Add("time_zone", msg.Error())
			h.render(w, r, http.StatusUnprocessableEntity, views.PreferencesPage(f))
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated.")
	redirect(w, r, paths.Preferences)
}

// zoneWords names a time zone setting in an audit message.
func zoneWords(zone string) string {
	if zone == "" {
		return "the server's"
	}
	return zone
}
