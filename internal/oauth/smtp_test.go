package oauth

import "testing"

func TestSMTPServerAndScope(t *testing.T) {
	ms := Application{Provider: ProviderAzure, Cloud: CloudGlobal}
	gov := Application{Provider: ProviderAzure, Cloud: CloudUSGov}
	g := Application{Provider: ProviderGoogle}
	for _, tc := range []struct {
		app     Application
		host    string
		scope   string
		granted string
		has     bool
	}{
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send", true},
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "IMAP.AccessAsUser.All SMTP.Send openid", true},
		{ms, "smtp.office365.com", "https://outlook.office.com/SMTP.Send", "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", false},
		{gov, "smtp.office365.us", "https://outlook.office365.us/SMTP.Send", "https://outlook.office365.us/SMTP.Send", true},
		{g, "smtp.gmail.com", "https://mail.google.com/", "openid email https://mail.google.com/", true},
		{g, "smtp.gmail.com", "https://mail.google.com/", "openid email", false},
	} {
		host, port := tc.app.SMTPServer()
		if host != tc.host || port != 587 || tc.app.SMTPScope() != tc.scope || tc.app.HasSMTPScope(tc.granted) != tc.has {
			t.Errorf("%s/%s: %s:%d %q has(%q)=%v", tc.app.Provider, tc.app.Cloud, host, port, tc.app.SMTPScope(), tc.granted, tc.app.HasSMTPScope(tc.granted))
		}
	}
	if ms.RequestsSMTPScope() {
		t.Error("GLPI's scopes alone do not ask for SMTP.Send")
	}
	ms.ExtraScopes = []string{"https://outlook.office.com/SMTP.Send"}
	if !ms.RequestsSMTPScope() || !g.RequestsSMTPScope() {
		t.Error("with the extra scope, or for Google, sign-in asks for SMTP")
	}
}
