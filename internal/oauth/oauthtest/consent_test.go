package oauthtest

import "testing"

// A scope consented beforehand is in every Microsoft token of an account,
// asked for or not, once; Google's tokens and the application's own
// (client credentials) are as asked.
func TestConsentedScopesJoinMicrosoftTokens(t *testing.T) {
	p := New(t)
	p.AddUser("alice@example.com", "Alice")
	const imap, smtp = "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"
	p.Consent(smtp)
	p.mu.Lock()
	u := p.users[0]
	ms := p.issue(u, p.ClientID, "openid offline_access "+imap, false, p.TenantID, "", true, false)
	again := p.issue(u, p.ClientID, imap+" "+smtp, false, p.TenantID, "", false, false)
	google := p.issue(u, p.ClientID, "https://mail.google.com/", true, "", "", false, false)
	app := p.issue(nil, p.ClientID, "https://outlook.office365.com/.default", false, p.TenantID, "", false, false)
	p.mu.Unlock()
	for _, c := range []struct{ name, got, want string }{
		{"Microsoft sign-in", ms["scope"].(string), "openid offline_access " + imap + " " + smtp},
		{"asked for already", again["scope"].(string), imap + " " + smtp},
		{"Google", google["scope"].(string), "https://mail.google.com/"},
		{"client credentials", app["scope"].(string), "https://outlook.office365.com/.default"},
	} {
		if c.got != c.want {
			t.Errorf("%s: scope %q, want %q", c.name, c.got, c.want)
		}
	}
	// The refresh token keeps what was granted: a refresh carries it too.
	p.mu.Lock()
	var rt *refreshGrant
	for _, g := range p.refresh {
		rt = g
	}
	p.mu.Unlock()
	if rt == nil || rt.scope != "openid offline_access "+imap+" "+smtp {
		t.Errorf("the refresh grant holds %+v, want the consented scope in it", rt)
	}
}
