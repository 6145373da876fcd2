package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

func TestApplicationFormFields(t *testing.T) {
	e := newOAuthEnv(t)
	for _, tc := range []struct {
		name     string
		form     url.Values
		status   int
		want     []string
		wantNone []string
	}{
		{"google has no tenant", url.Values{"provider": {"google"}, "_refresh": {"1"}}, http.StatusOK,
			[]string{"Callback url", e.a.srv.URL + callbackPath, `data-copy="#callback-url"`, "Developer help for this provider"}, []string{`id="tenant_id"`, `id="issuer_url"`}},
		{"azure shows tenant and cloud", url.Values{"provider": {"azure"}, "_refresh": {"1"}}, http.StatusOK,
			[]string{`id="tenant_id"`, "Tenant ID", "China operated by 21Vianet", "Custom authority URL"}, []string{`id="issuer_url"`}},
		{"oidc shows issuer and scopes", url.Values{"provider": {"oidc"}, "_refresh": {"1"}}, http.StatusOK,
			[]string{`id="issuer_url"`, `id="extra_scopes"`}, []string{`id="tenant_id"`}},
		{"empty name", url.Values{"provider": {"google"}, "client_id": {"x"}, "client_secret": {"y"}}, http.StatusUnprocessableEntity,
			[]string{"Name cannot be empty"}, nil},
		{"azure client id must be a GUID", url.Values{"name": {"n"}, "provider": {"azure"}, "client_id": {"not-a-guid"}, "client_secret": {"y"}}, http.StatusUnprocessableEntity,
			[]string{"must be the Application (client) ID"}, nil},
		{"no secret", url.Values{"name": {"n"}, "provider": {"google"}, "client_id": {"x"}}, http.StatusUnprocessableEntity,
			[]string{"cannot be empty"}, nil},
		{"http authority only on loopback", url.Values{"name": {"n"}, "provider": {"azure"}, "cloud": {"custom"}, "authority_url": {"http://login.example.com"},
			"client_id": {"00000000-0000-0000-0000-000000000001"}, "client_secret": {"y"}}, http.StatusUnprocessableEntity,
			[]string{"http is accepted only for a loopback host"}, nil},
		{"duplicate name", func() url.Values { f := e.appForm("Contoso mail"); return f }(), http.StatusUnprocessableEntity,
			[]string{"An application with this name already exists."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("csrf_token", e.c.token("/setup/oauthimap/new"))
			r := e.c.post("/setup/oauthimap", tc.form)
			body := html.UnescapeString(r.body)
			if r.status != tc.status {
				t.Fatalf("got status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
	rows, total, _ := e.a.store.ListApplications(context.Background(), store.ListQuery{})
	if total != 1 || rows[0].Name != "Contoso mail" {
		t.Fatalf("got %d applications, want only the first: a refresh or an invalid form must not save", total)
	}
}

func TestApplicationSecretNeverSentBack(t *testing.T) {
	e := newOAuthEnv(t)
	edit := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10)
	r := e.c.get(edit)
	if strings.Contains(r.body, e.idp.ClientSecret) {
		t.Fatal("the edit page shows the client secret")
	}
	if !strings.Contains(r.body, "A secret is set") || !strings.Contains(r.body, `name="client_secret" value=""`) {
		t.Fatal("the secret field is not blank with its 'set' hint")
	}
	// Saving with the secret blank keeps it.
	f := e.appForm("Contoso mail")
	f.Set("client_secret", "")
	f.Set("comment", "kept")
	f.Set("csrf_token", e.c.token(edit))
	if r := e.c.post(edit, f); r.status != http.StatusSeeOther {
		t.Fatalf("save: got %d\n%s", r.status, r.body)
	}
	app, _ := e.a.store.Application(context.Background(), e.appID)
	if app.ClientSecret != e.idp.ClientSecret || app.Comment != "kept" {
		t.Fatalf("got secret kept=%v comment %q", app.ClientSecret == e.idp.ClientSecret, app.Comment)
	}
}

func TestCredentialChangeNeedsConfirmation(t *testing.T) {
	e := newOAuthEnv(t)
	e.authorize(t, "", alice)
	e.authorize(t, "", bob)
	edit := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10)
	f := e.appForm("Contoso mail")
	f.Set("client_secret", "brand-new-secret-value")
	f.Set("csrf_token", e.c.token(edit))
	r := e.c.post(edit, f)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Delete the authorizations?") {
		t.Fatalf("got %d, want the confirmation page\n%s", r.status, r.body)
	}
	for _, who := range []string{alice, bob} {
		if !strings.Contains(r.body, "<li>"+who+"</li>") {
			t.Errorf("the confirmation does not name %s", who)
		}
	}
	if strings.Contains(r.body, "brand-new-secret-value") || strings.Contains(r.body, e.idp.ClientSecret) {
		t.Fatal("the confirmation page echoes a secret")
	}
	if auths, _ := e.a.store.Authorizations(context.Background(), e.appID); len(auths) != 2 {
		t.Fatalf("got %d authorizations before confirming, want 2", len(auths))
	}
	f.Set("confirm", "1")
	r = e.c.post(edit, f)
	if r.status != http.StatusSeeOther {
		t.Fatalf("confirmed: got %d", r.status)
	}
	if auths, _ := e.a.store.Authorizations(context.Background(), e.appID); len(auths) != 0 {
		t.Fatalf("got %d authorizations after confirming, want 0", len(auths))
	}
	if page := e.c.get(edit); !strings.Contains(page.body, "Authorization for "+alice+" has been deleted.") {
		t.Fatal("no message names the deleted authorizations")
	}
	// Changing only the comment never asks.
	e.authorize(t, "", alice)
	f = e.appForm("Contoso mail")
	f.Set("client_secret", "")
	f.Set("comment", "just a note")
	f.Set("csrf_token", e.c.token(edit))
	if r := e.c.post(edit, f); r.status != http.StatusSeeOther {
		t.Fatalf("comment only: got %d", r.status)
	}
}

func TestDeactivationDeactivatesReceivers(t *testing.T) {
	e := newOAuthEnv(t)
	if r := e.c.get("/setup/oauthimap/" + strconv.FormatInt(e.appID, 10) + "/receivers"); !strings.Contains(r.body, "No associated receivers.") {
		t.Fatalf("empty Receivers tab: got %d without GLPI's empty state", r.status)
	}
	db, _ := e.a.store.SQLDB()
	now := time.Now().UTC()
	if _, err := db.Exec("INSERT INTO receivers (name, is_active, application_id, login, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?)",
		"Support inbox", e.appID, alice, now, now); err != nil {
		t.Fatal(err)
	}
	edit := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10)
	tab := e.c.get(edit + "/receivers").body
	for _, w := range []string{"Support inbox", "/imap-oauth-" + strconv.FormatInt(e.appID, 10) + "/ssl}INBOX", alice, "Is active ?"} {
		if !strings.Contains(tab, w) {
			t.Errorf("Receivers tab lacks %q", w)
		}
	}
	f := e.appForm("Contoso mail")
	f.Del("is_active")
	f.Set("client_secret", "")
	f.Set("csrf_token", e.c.token(edit))
	if r := e.c.post(edit, f); r.status != http.StatusSeeOther {
		t.Fatalf("deactivate: got %d", r.status)
	}
	var active bool
	db.QueryRow("SELECT is_active FROM receivers WHERE name = 'Support inbox'").Scan(&active)
	if active {
		t.Fatal("the receiver is still active")
	}
	if page := e.c.get(edit); !strings.Contains(html.UnescapeString(page.body), `Mail receiver "Support inbox" has been deactivated.`) {
		t.Fatal("no GLPI message about the receiver")
	}
	// An inactive application cannot start a sign-in.
	if !strings.Contains(e.c.get(e.tab()).body, `id="create-authorization" disabled`) {
		t.Fatal("Create an authorization is offered on an inactive application")
	}
}

func TestSecretExpiryWarning(t *testing.T) {
	e := newOAuthEnv(t)
	edit := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10)
	for _, tc := range []struct {
		name    string
		expires time.Time
		want    string
	}{
		{"far", time.Now().AddDate(0, 6, 0), ""},
		{"soon", time.Now().AddDate(0, 0, 10), "The client secret expires on"},
		{"past", time.Now().AddDate(0, 0, -1), "The client secret expired on"},
	} {
		f := e.appForm("Contoso mail")
		f.Set("client_secret", "")
		f.Set("client_secret_expires_at", tc.expires.Format(time.DateOnly))
		f.Set("csrf_token", e.c.token(edit))
		if r := e.c.post(edit, f); r.status != http.StatusSeeOther {
			t.Fatalf("%s: save got %d\n%s", tc.name, r.status, r.body)
		}
		for _, page := range []string{edit, e.tab()} {
			body := e.c.get(page).body
			has := strings.Contains(body, `id="notice"`)
			if has != (tc.want != "") || (tc.want != "" && !strings.Contains(body, tc.want)) {
				t.Errorf("%s on %s: got notice=%v, want %q", tc.name, page, has, tc.want)
			}
		}
	}
}

func TestAuthorizationEmailEdit(t *testing.T) {
	e := newOAuthEnv(t)
	e.authorize(t, "", alice)
	id := e.authorizationID(t, alice)
	page := "/setup/oauthimap/authorizations/" + strconv.FormatInt(id, 10)
	r := e.c.get(page)
	if !strings.Contains(html.UnescapeString(r.body), `This email address corresponds to the "user" field of the SASL XOAUTH2 authentication query.`) {
		t.Fatal("the Email field lacks GLPI's tooltip")
	}
	for _, tc := range []struct {
		name, email string
		status      int
	}{
		{"not an address", "shared mailbox", http.StatusUnprocessableEntity},
		{"shared mailbox", "shared@contoso.example", http.StatusSeeOther},
	} {
		r := e.c.post(page, url.Values{"email": {tc.email}, "csrf_token": {e.c.token(page)}})
		if r.status != tc.status {
			t.Errorf("%s: got %d, want %d", tc.name, r.status, tc.status)
		}
	}
	tab := e.c.get(e.tab()).body
	if !strings.Contains(tab, "shared@contoso.example") || !strings.Contains(tab, "signed in as "+alice) {
		t.Fatal("the tab does not show the shared address with the delegate who signed in")
	}
	// Delete.
	r = e.c.post(page+"/delete", url.Values{"csrf_token": {e.c.token(e.tab())}})
	if r.status != http.StatusSeeOther || !strings.Contains(e.c.get(e.tab()).body, "No authorizations.") {
		t.Fatalf("delete: got %d", r.status)
	}
}

func TestAppOnlyAuthorization(t *testing.T) {
	e := newOAuthEnv(t)
	page := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10) + "/apponly"
	r := e.c.get(page + "?mailbox=helpdesk@contoso.example")
	body := html.UnescapeString(r.body)
	for _, w := range []string{"New-ServicePrincipal -AppId '" + e.idp.ClientID + "'", "Add-MailboxPermission -Identity 'helpdesk@contoso.example'"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	r = e.c.post(page, url.Values{"mailbox": {"helpdesk@contoso.example"}, "csrf_token": {e.c.token(page)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("got %d\n%s", r.status, r.body)
	}
	if e.idp.Count("client_credentials") != 1 {
		t.Fatal("no client-credentials request reached the IdP")
	}
	tab := e.c.get(e.tab()).body
	if !strings.Contains(tab, "helpdesk@contoso.example") || !strings.Contains(tab, "app-only") {
		t.Fatal("the app-only authorization is not listed")
	}
	// Without a Tenant ID the page says so before anyone tries.
	common := e.appForm("Common tenant")
	common.Set("tenant_id", "")
	commonID := strconv.FormatInt(e.createApp(t, common), 10)
	if body := e.c.get("/setup/oauthimap/" + commonID + "/apponly").body; !strings.Contains(body, "App-only access needs the application&#39;s Tenant ID") {
		t.Error("no warning about the missing Tenant ID")
	}
	// A Google application has no app-only page.
	if r := e.c.get("/setup/oauthimap/999/apponly"); r.status != http.StatusNotFound {
		t.Fatalf("unknown application: got %d", r.status)
	}
}

// TestInactiveApplicationOffersNoAuthorization: on an inactive
// application both ways to authorize are off, and the app-only form
// refuses before asking the provider anything.
func TestInactiveApplicationOffersNoAuthorization(t *testing.T) {
	e := newOAuthEnv(t)
	db, _ := e.a.store.SQLDB()
	if _, err := db.Exec("UPDATE oauth_applications SET is_active = ?", false); err != nil {
		t.Fatal(err)
	}
	tab := e.c.get(e.tab()).body
	for _, w := range []string{`id="create-authorization" disabled`, `id="create-apponly" disabled`} {
		if !strings.Contains(tab, w) {
			t.Errorf("the tab lacks %s", w)
		}
	}
	page := "/setup/oauthimap/" + strconv.FormatInt(e.appID, 10) + "/apponly"
	if strings.Contains(tab, `href="`+page+`"`) {
		t.Error("the tab still links to the app-only form")
	}
	r := e.c.post(page, url.Values{"mailbox": {"helpdesk@contoso.example"}, "csrf_token": {e.c.token(page)}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The application is not active") {
		t.Fatalf("app-only on an inactive application: got %d", r.status)
	}
	if e.idp.Count("client_credentials") != 0 {
		t.Fatal("the provider was asked for a token on behalf of an inactive application")
	}
}
