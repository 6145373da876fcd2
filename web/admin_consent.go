package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// consentStatePrefix marks the state of an administrator-consent link; a
// sign-in's state (random base64url) never has a dot.
const consentStatePrefix = "consent."

// withConsentState adds to an administrator-consent link the state its
// return is recognised by (see adminConsentReturn).
func (h *Handler) withConsentState(link string, app *store.Application) string {
	if link == "" || app == nil {
		return link
	}
	state, err := h.store.ConsentState(app.ID)
	if err != nil {
		h.log.Warn("administrator consent state", "application_id", app.ID, "error", err)
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	q.Set("state", consentStatePrefix+state)
	u.RawQuery = q.Encode()
	return u.String()
}

// isConsentReturn tells the return of an administrator-consent link
// (Microsoft answers admin_consent=True&tenant=… or error=…, with the
// state, and no code) from a sign-in's.
func isConsentReturn(q url.Values) bool {
	return strings.HasPrefix(q.Get("state"), consentStatePrefix) && q.Get("code") == ""
}

// tenantPattern is what a tenant ID or domain looks like; anything else
// is not shown.
var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$`)

// adminConsentReturn answers the provider's return from an
// administrator-consent link: "Administrator consent was granted for
// tenant …", or the error explained, on the application's authorizations
// tab for a console user; on a bare page for whoever else opened the link
// (often a tenant administrator with no account here), without the
// application's details.
func (h *Handler) adminConsentReturn(w http.ResponseWriter, r *http.Request, redirectURI string) {
	ctx := r.Context()
	q := r.URL.Query()
	appID, err := h.store.OpenConsentState(strings.TrimPrefix(q.Get("state"), consentStatePrefix))
	if errors.Is(err, store.ErrConsentState) {
		h.render(w, r, http.StatusBadRequest, views.AdminConsentPage(views.AdminConsentView{
			Message: "This administrator consent link is not valid or has expired (links are good for 7 days).",
			Remedy:  "Open the application in Setup > OAuth IMAP and request administrator consent again.",
		}))
		return
	}
	app, err := h.store.Application(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, views.AdminConsentPage(views.AdminConsentView{
			Message: "The application this administrator consent was asked for no longer exists."}))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var v views.AdminConsentView
	status := http.StatusOK
	if perr := oauth.CallbackError(q); perr != nil {
		f := oauth.Explain(app.OAuth(), redirectURI, perr)
		v = views.AdminConsentView{Message: "Administrator consent was not granted.", Meaning: f.Meaning, Remedy: f.Remedy}
		var pe *oauth.ProviderError
		if errors.As(perr, &pe) && pe.Code != "" {
			v.Codes = pe.Code
			for _, c := range pe.Codes {
				v.Codes += fmt.Sprintf(", AADSTS%d", c)
			}
		}
		status = http.StatusBadRequest
		if err := h.store.Audit(ctx, 0, "", "application.admin_consent_failed", "application", app.ID, "administrator consent refused or failed: "+v.Codes); err != nil {
			h.log.Error("audit of an admin consent not written", "application_id", app.ID, "err", err)
		}
	} else {
		tenant := q.Get("tenant")
		if !tenantPattern.MatchString(tenant) {
			tenant = ""
		}
		granted := strings.EqualFold(q.Get("admin_consent"), "true")
		switch {
		case granted && tenant != "":
			v.Message = fmt.Sprintf("Administrator consent was granted for tenant %s.", tenant)
		case granted:
			v.Message = "Administrator consent was granted."
		default:
			v.Message, v.Remedy = "The provider did not say whether administrator consent was granted.", "Check the application's API permissions in the Entra admin center (Status: Granted for the tenant)."
		}
		v.OK = granted
		if granted {
			// The consent changed nothing here: its event is the only write.
			if err := h.store.Audit(ctx, 0, "", "application.admin_consent", "application", app.ID, "administrator consent granted for tenant "+cmp.Or(tenant, "(not named)")); err != nil {
				h.log.Error("audit of an admin consent not written", "application_id", app.ID, "err", err)
			}
		}
	}
	if me := userOf(r); me != nil {
		kind := "success"
		if !v.OK {
			kind = "danger"
		}
		msg := v.Message
		if v.Meaning != "" {
			msg += " " + v.Meaning
		}
		if v.Remedy != "" {
			msg += " What to do: " + v.Remedy
		}
		h.flash(r, kind, msg)
		redirect(w, r, paths.ApplicationAuthorizations(app.ID))
		return
	}
	h.render(w, r, status, views.AdminConsentPage(v))
}
