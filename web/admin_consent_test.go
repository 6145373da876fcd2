package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var consentLinkRE = regexp.MustCompile(`href="([^"]*/adminconsent\?[^"]*)"`)

// The administrator-consent link carries a state; Microsoft's return
// (admin_consent=True&tenant=…, or error=…, and no code) is recognised
// by it and answered on the application, not as a failed sign-in.
func TestAdminConsentReturn(t *testing.T) {
	e := newOAuthEnv(t)
	e.idp.FailAuthorize("consent_required", "AADSTS65001: The user or administrator has not consented to use the application.")
	u, err := e.idp.SignIn(e.start(t, ""), alice)
	if err != nil {
		t.Fatal(err)
	}
	failure := e.c.get(u.RequestURI())
	var link string
	for _, m := range consentLinkRE.FindAllStringSubmatch(failure.body, -1) {
		if m[1] != "" {
			link = html.UnescapeString(m[1])
		}
	}
	if link == "" {
		t.Fatalf("no administrator consent link on the failure page:\n%s", failure.body)
	}
	lu, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	state := lu.Query().Get("state")
	if !strings.HasPrefix(state, consentStatePrefix) || lu.Query().Get("redirect_uri") == "" {
		t.Fatalf("the consent link %q carries no consent state or redirect URI", link)
	}
	back := func(c *client, extra url.Values) response {
		extra.Set("state", state)
		return c.get(callbackPath + "?" + extra.Encode())
	}
	const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

	// The administrator who asked, signed in here: back on the application.
	r := back(e.c, url.Values{"admin_consent": {"True"}, "tenant": {tenant}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != e.tab() {
		t.Fatalf("consent granted: got %d to %q, want 303 to the application\n%s", r.status, r.header.Get("Location"), r.body)
	}
	if page := e.c.get(e.tab()); !strings.Contains(page.body, "Administrator consent was granted for tenant "+tenant+".") {
		t.Fatalf("the application does not say consent was granted:\n%s", page.body)
	}

	// The tenant administrator the link was sent to, with no session here.
	stranger := e.a.client()
	r = back(stranger, url.Values{"admin_consent": {"True"}, "tenant": {tenant}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "Administrator consent was granted for tenant "+tenant+".") || strings.Contains(r.body, "Contoso") {
		t.Fatalf("consent granted, no session: got %d\n%s", r.status, r.body)
	}

	// Refused: the error explained, back on the application.
	r = back(e.c, url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app."}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != e.tab() {
		t.Fatalf("consent refused: got %d to %q", r.status, r.header.Get("Location"))
	}
	page := html.UnescapeString(e.c.get(e.tab()).body)
	if !strings.Contains(page, "Administrator consent was not granted.") || !strings.Contains(page, "What to do:") {
		t.Fatalf("the refusal is not explained:\n%s", page)
	}

	// A forged or altered state is refused, not taken for a sign-in.
	r = stranger.get(callbackPath + "?admin_consent=True&tenant=x&state=" + url.QueryEscape(state[:len(state)-4]+"AAAA"))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "not valid or has expired") {
		t.Fatalf("forged consent state: got %d\n%s", r.status, r.body)
	}
}
