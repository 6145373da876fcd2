package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// An application registered for GLPI keeps its redirect URI: choosing the
// plugin's path makes the sign-in send it, and the callback there works.
func TestGLPICallbackPathKeepsWorking(t *testing.T) {
	e := newOAuthEnv(t)
	const glpiPath = "/plugins/oauthimap/front/authorization.callback.php"
	e.idp.RegisterRedirectURI(e.a.srv.URL + glpiPath)
	f := e.appForm("Registered for GLPI")
	f.Set("callback_path", glpiPath)
	e.appID = e.createApp(t, f)

	page := e.c.get("/setup/oauthimap/" + strconv.FormatInt(e.appID, 10))
	if !strings.Contains(page.body, `<option value="`+glpiPath+`" selected>`+e.a.srv.URL+glpiPath+`</option>`) {
		t.Fatal("the Callback url does not show the GLPI path chosen")
	}
	authURL := e.start(t, "")
	if !strings.Contains(authURL, "redirect_uri="+url.QueryEscape(e.a.srv.URL+glpiPath)) {
		t.Fatalf("the sign-in sends another redirect URI: %s", authURL)
	}
	back, err := e.idp.SignIn(authURL, alice)
	if err != nil {
		t.Fatal(err)
	}
	if back.Path != glpiPath {
		t.Fatalf("the IdP sent the browser to %s, want %s", back.Path, glpiPath)
	}
	r := e.c.get(back.RequestURI())
	if r.status != http.StatusSeeOther || r.header.Get("Location") != e.tab() {
		t.Fatalf("callback on GLPI's path: got %d %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	e.authorizationID(t, alice)

	// A path that is not offered is refused with the form re-rendered.
	bad := e.appForm("Bad path")
	bad.Set("callback_path", "/elsewhere")
	bad.Set("csrf_token", e.c.token("/setup/oauthimap/new"))
	if r := e.c.post("/setup/oauthimap", bad); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose one of the callback paths offered.") {
		t.Fatalf("unknown callback path: got %d", r.status)
	}
}
