package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// applicationAuthorizations is the application's "Oauth authorization" tab.
func (h *Handler) applicationAuthorizations(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	auths, recs, err := h.applicationChildren(r.Context(), app.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := time.Now()
	v := views.AuthorizationsView{
		Receivers:     len(recs),
		ApplicationID: app.ID, ApplicationName: app.Name, Warning: secretWarning(app, now),
		AppOnly:      app.Provider == string(oauth.ProviderAzure),
		CanAuthorize: app.IsActive && app.OAuth().Validate() == nil,
	}
	senders, err := h.sendersByLogin(r.Context(), recs)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, a := range auths {
		row := authorizationRow(r.Context(), &a, now)
		sends := senders[strings.ToLower(a.Email)]
		row.SMTPNote, row.SMTPNeeded = smtpNote(app.OAuth(), &a, sends), len(sends) > 0
		v.Rows = append(v.Rows, row)
	}
	if v.CanAuthorize {
		// "Create an authorization" and "Re-authorize" redirect to the provider.
		allowFormAction(w, h.authorizeOrigin(r.Context(), app))
	}
	h.render(w, r, http.StatusOK, views.AuthorizationsPage(v))
}

func authorizationRow(ctx context.Context, a *store.Authorization, now time.Time) views.AuthorizationRow {
	row := views.AuthorizationRow{
		ID: a.ID, Email: a.Email, AppOnly: a.Kind == store.KindAppOnly, State: views.StateOf(a.State), LastError: a.LastError,
		Remedy: stateRemedy(a), Expires: views.FormatTime(ctx, a.ExpiresAt), LastRefresh: views.FormatTime(ctx, a.LastRefreshAt), RefreshAge: "-",
	}
	if a.UPN != "" && !strings.EqualFold(a.UPN, a.Email) {
		row.SignedInAs = a.UPN
	}
	if a.RefreshTokenAt != nil && !row.AppOnly {
		row.RefreshAge = age(now.Sub(*a.RefreshTokenAt))
	}
	return row
}

// stateRemedy says what to do about an authorization's state.
func stateRemedy(a *store.Authorization) string {
	who := a.UPN
	if who == "" {
		who = a.Email
	}
	switch oauth.State(a.State) {
	case oauth.StateReauthRequired:
		if a.Kind == store.KindAppOnly {
			// Nobody signs in for app-only access.
			return "Create the app-only authorization for " + a.Email + " again; check the client secret and that the application has IMAP.AccessAsApp with administrator consent."
		}
		return "Use Re-authorize and sign in as " + who + "."
	case oauth.StateConfigError:
		return "Fix the application's settings (client secret, tenant, permissions) as the error says; the next refresh will tell."
	case oauth.StateRefreshFailing:
		return "Nothing to do if it passes: the refresh is retried with a growing delay."
	}
	if a.State == store.AuthStateMailboxRefused {
		return collector.AppOnlyMailboxRemedy
	}
	return ""
}

// age is a duration in days, as the tab shows token ages.
func age(d time.Duration) string {
	days := int(d.Hours() / 24)
	switch {
	case days < 1:
		return "less than a day"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// authorizeOrigin is the origin the sign-in redirects to, for the CSP's
// form-action of the pages whose forms start one.
func (h *Handler) authorizeOrigin(ctx context.Context, app *store.Application) string {
	authURL, _, err := oauth.Begin(ctx, app.OAuth(), h.callbackURL(app))
	if err != nil {
		return ""
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
