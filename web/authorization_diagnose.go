package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// diagnoseTimeout is the default timeout in seconds: GLPI offers 2, but a
// first TLS handshake to Exchange often needs more.
const diagnoseTimeout = 10

func diagnoseForm(auth *store.Authorization, app *store.Application) views.DiagnoseForm {
	f := views.DiagnoseForm{AuthorizationID: auth.ID, ApplicationID: app.ID, ApplicationName: app.Name, Email: auth.Email,
		Port: 993, Security: "ssl", Timeout: diagnoseTimeout, Mechanism: string(mailbox.MechXOAUTH2), Errors: map[string]string{}}
	if s, ok := app.OAuth().DefaultIMAPServer(); ok {
		f.Host, f.Port, f.Security = s.Host, s.Port, s.Security
	}
	return f
}

// authorizationDiagnose shows GLPI's "Connection diagnostic" form.
func (h *Handler) authorizationDiagnose(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, views.DiagnosePage(diagnoseForm(auth, app)))
}

// authorizationDiagnoseRun connects for real: TLS, CAPABILITY, AUTHENTICATE
// with a fresh token, SELECT INBOX; the transcript comes back redacted.
func (h *Handler) authorizationDiagnoseRun(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	f := diagnoseForm(auth, app)
	f.Host = strings.TrimSpace(r.PostFormValue("host"))
	f.Security = r.PostFormValue("security")
	f.Mechanism = r.PostFormValue("mechanism")
	var err error
	if f.Port, err = strconv.Atoi(r.PostFormValue("port")); err != nil || f.Port < 1 || f.Port > 65535 {
		f.Errors["port"] = "Enter a port between 1 and 65535."
	}
	if f.Timeout, err = strconv.Atoi(r.PostFormValue("timeout")); err != nil || f.Timeout < 1 || f.Timeout > 30 {
		f.Errors["timeout"] = "Enter a timeout between 1 and 30 seconds."
		f.Timeout = diagnoseTimeout
	}
	if f.Host == "" {
		f.Errors["host"] = "The server host is mandatory."
	}
	if len(f.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.DiagnosePage(f))
		return
	}
	f.Report = h.diagnose(r.Context(), auth, f)
	h.render(w, r, http.StatusOK, views.DiagnosePage(f))
}

// diagnose gets a valid access token (refreshing it, and recording the
// outcome, when it is due) from the process's token source, and runs
// mailbox.Diagnose with it.
func (h *Handler) diagnose(ctx context.Context, auth *store.Authorization, f views.DiagnoseForm) *views.DiagnoseReport {
	var tokens TokenSource = h.tokens
	if tokens == nil {
		// A console started without the shared manager still works: the
		// store's row lock keeps the refresh single.
		tokens = oauth.NewManager(h.store)
	}
	token, err := tokens.AccessToken(ctx, auth.ID)
	if err != nil {
		return &views.DiagnoseReport{
			Steps:       []views.DiagnoseStep{{Name: "token", Detail: err.Error(), Duration: "-"}},
			Explanation: "No access token could be obtained: " + oauth.Meaning(err),
			Remedy:      oauth.Remedy(err),
		}
	}
	src := func(context.Context) (string, error) { return token, nil }
	auth2 := mailbox.XOAUTH2(auth.Email, src)
	if f.Mechanism == string(mailbox.MechOAUTHBEARER) {
		auth2 = mailbox.OAUTHBEARER(auth.Email, src)
	}
	cfg := mailbox.Config{Host: f.Host, Port: f.Port, Security: mailbox.Security(f.Security), ValidateCert: true,
		Timeout: time.Duration(f.Timeout) * time.Second, Auth: auth2}
	rep := mailbox.Diagnose(ctx, cfg)
	out := &views.DiagnoseReport{OK: rep.OK, Explanation: rep.Explanation, Remedy: rep.Remedy}
	appOnly := auth.Kind == store.KindAppOnly
	switch {
	case appOnly && !rep.OK && (rep.Class == mailbox.ClassAuthentication || rep.Class == mailbox.ClassMailboxPermission):
		// Microsoft issued the token; Exchange does not let the
		// application into this mailbox. Nobody can sign in again.
		out.Explanation = "The server refused the application's token for this mailbox: the application has no access to it yet. " + rep.Explanation
		out.Remedy = collector.AppOnlyMailboxRemedy
	case !rep.OK && rep.Class == mailbox.ClassAuthentication:
		// The token is fresh by its expiry, so the server refusing it means
		// it was revoked or lacks the IMAP permission.
		out.Explanation = "Re-authorization needed: the server refused the access token. " + rep.Explanation
	}
	if appOnly {
		// The authorizations tab must not say "Valid" for an app-only
		// authorization whose mailbox refuses it (nor go on saying it
		// is refused once a login works).
		switch {
		case rep.OK:
			h.recordAppOnly(ctx, auth.ID, true, "")
		case rep.Class == mailbox.ClassAuthentication || rep.Class == mailbox.ClassMailboxPermission:
			h.recordAppOnly(ctx, auth.ID, false, rep.Explanation)
		}
	}
	for _, s := range rep.Steps {
		out.Steps = append(out.Steps, views.DiagnoseStep{Name: s.Name, OK: s.OK, Detail: s.Detail, Duration: s.Duration.Round(time.Millisecond).String()})
	}
	var b strings.Builder
	for _, l := range rep.Transcript {
		b.WriteString(l.Dir + " " + l.Text + "\n")
	}
	out.Transcript = b.String()
	return out
}
