package web

import (
	"context"
	"html"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestDiagnoseAgainstDovecot: the token obtained through the sign-in flow
// logs in to a real Dovecot (which introspects it at the fake IdP) with
// XOAUTH2 and OAUTHBEARER; the transcript is shown with the token
// redacted; once the account's sessions are revoked, the diagnostic says
// re-authorization is needed.
func TestDiagnoseAgainstDovecot(t *testing.T) {
	e := newOAuthEnv(t)
	d := testpeer.StartDovecot(t, e.idp.IntrospectionURL())
	e.authorize(t, "", alice)
	id := e.authorizationID(t, alice)
	_, rec, err := e.a.store.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	page := "/setup/oauthimap/authorizations/" + strconv.FormatInt(id, 10) + "/diagnose"
	host, port, _ := net.SplitHostPort(d.Addr())
	run := func(mech string) (ok string, body string) {
		t.Helper()
		r := e.c.post(page, url.Values{"host": {host}, "port": {port}, "security": {"none"}, "mechanism": {mech}, "timeout": {"10"}, "csrf_token": {e.c.token(page)}})
		body = html.UnescapeString(r.body)
		if strings.Contains(body, rec.AccessToken) {
			t.Fatalf("%s: the page shows the access token", mech)
		}
		switch {
		case strings.Contains(body, `data-ok="true"`):
			return "true", body
		case strings.Contains(body, `data-ok="false"`):
			return "false", body
		}
		t.Fatalf("%s: no outcome on the page (status %d)\n%s", mech, r.status, r.body)
		return "", ""
	}
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		ok, body := run(mech)
		if ok != "true" {
			t.Fatalf("%s: diagnostic failed\n%s", mech, body)
		}
		for _, w := range []string{"AUTHENTICATE " + mech, "SELECT", ">>> ", "<<< "} {
			if !strings.Contains(body, w) {
				t.Errorf("%s: transcript lacks %q", mech, w)
			}
		}
	}
	e.idp.Revoke(alice)
	ok, body := run("XOAUTH2")
	if ok != "false" || !strings.Contains(body, "Re-authorization needed") {
		t.Fatalf("revoked: got ok=%s, want re-authorization needed\n%s", ok, body)
	}
}
