package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/web/paths"
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
	if err != nil || days < 1 || days > helpdesk.MaxQuarantineDays {
		h.renderQuarantine(w, r, http.StatusUnprocessableEntity, views.QuarantineSettings{Days: v, Error: fmt.Sprintf("Enter a number of days between 1 and %d.", helpdesk.MaxQuarantineDays)})
		return
	}
	if err := h.desk.SetQuarantineDays(r.Context(), days, userOf(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("Not imported emails are now kept %d days.", days))
	redirect(w, r, paths.Quarantine)
}
