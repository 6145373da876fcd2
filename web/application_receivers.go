package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// applicationReceivers is the application's "Receivers" tab: every
// receiver that logs in with it, active or not.
func (h *Handler) applicationReceivers(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	recs, err := h.store.ApplicationReceivers(r.Context(), app.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	auths, err := h.store.Authorizations(r.Context(), app.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f := h.savedApplicationForm(app)
	f.Authorizations = len(auths)
	rows := make([]views.ApplicationReceiverRow, 0, len(recs))
	for _, rc := range recs {
		rows = append(rows, views.ApplicationReceiverRow{ID: rc.ID, Name: rc.Name, ConnectionString: connectionString(&rc), Login: rc.Login, Active: rc.IsActive})
	}
	h.render(w, r, http.StatusOK, views.ApplicationReceiversPage(f, rows))
}

// connectionString writes a receiver as GLPI's connection string, e.g.
// {outlook.office365.com:993/imap-oauth-1/ssl}INBOX.
func connectionString(rc *store.Receiver) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{%s:%d", rc.Host, rc.Port)
	if rc.ApplicationID != nil {
		fmt.Fprintf(&b, "/imap-oauth-%d", *rc.ApplicationID)
	}
	switch rc.Security {
	case "ssl":
		b.WriteString("/ssl")
	case "starttls":
		b.WriteString("/tls")
	default:
		b.WriteString("/notls")
	}
	if !rc.ValidateCert {
		b.WriteString("/novalidate-cert")
	}
	folder := rc.Folder
	if folder == "" {
		folder = "INBOX"
	}
	b.WriteString("}" + folder)
	return b.String()
}
