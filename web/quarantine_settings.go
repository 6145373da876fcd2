package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/web/views"
)

// quarantineSettings saves how many days refused mails are kept.
func (h *Handler) quarantineSettings(w http.ResponseWriter, r *http.Request) {
	if h.desk == nil {
		h.notFound(w, r)
		return
	}
	v := strings.TrimSpace(r.PostFormValue("days"))
	days, err := strconv.Atoi(v)
	if err == nil {
		err = h.desk.SetQuarantineDays(r.Context(), days)
	}
	if err != nil {
		h.renderQuarantine(w, r, http.StatusUnprocessableEntity, views.QuarantineSettings{Days: v, Error: "Enter a number of days between 1 and 3650."})
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "quarantine.retention", "setting", 0, fmt.Sprintf("not imported emails kept %d days", days))
	h.flash(r, "success", fmt.Sprintf("Not imported emails are now kept %d days.", days))
	redirect(w, r, "/setup/quarantine")
}
