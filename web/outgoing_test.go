package web

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission/smtptest"
)

func TestOutgoingSectionSaveValidateAndTestSending(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	rec := &store.Receiver{Name: "support@example.com", Host: "imap.example.com", Port: 993, Security: "ssl", Login: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	path := "/setup/receivers/" + itoa64(rec.ID) + "/outgoing"
	c := a.client()
	c.login("admin")
	page := c.get(path)
	for _, id := range []string{"smtp-mode", "smtp-host", "smtp-port", "smtp-security", "smtp-validate", "smtp-login", "smtp-password", "smtp-from", "smtp-from-name", "smtp-reply-to", "test-to"} {
		if !strings.Contains(page.body, `for="`+id+`"`) || !strings.Contains(page.body, `id="`+id+`"`) {
			t.Errorf("control %s lacks its <label for>", id)
		}
	}
	if strings.Contains(page.body, `value="oauth"`) {
		t.Error("a password receiver should not offer OAuth sending")
	}
	tok := c.token(path)
	srv := smtptest.Start(t, smtptest.Options{})
	const pw = "smtp-Secret-Pw-77"
	srv.SetPassword("support@example.com", pw)
	form := url.Values{"csrf_token": {tok}, "mode": {"password"}, "host": {srv.Host()}, "port": {strconv.Itoa(srv.Port())},
		"security": {"none"}, "login": {"support@example.com"}, "password": {pw}, "from_name": {"Support"}, "reply_to": {"not an address"}}
	r := c.post(path, form)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "is not an e-mail address") {
		t.Fatalf("bad Reply-To: %d", r.status)
	}
	if !strings.Contains(r.body, `value="`+srv.Host()+`"`) || strings.Contains(r.body, pw) {
		t.Error("the refused form should keep the input, never the password")
	}
	form.Set("reply_to", "helpdesk@example.com")
	if r := c.post(path, form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	m, err := a.store.MailSender(ctx, rec.ID)
	if err != nil || m.Mode != store.SenderPassword || m.Password != pw || m.ReplyTo != "helpdesk@example.com" {
		t.Fatalf("stored %+v %v", m, err)
	}
	page = c.get(path)
	if strings.Contains(page.body, pw) || !strings.Contains(page.body, "A password is stored") {
		t.Error("the page must say a password is stored without showing it")
	}
	r = c.post(path+"/test", url.Values{"csrf_token": {tok}, "to": {"bob@example.com"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "The server accepted the test mail") {
		t.Fatalf("test sending: %d\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, pw) || !strings.Contains(r.body, "AUTH PLAIN [redacted]") {
		t.Error("the transcript must show AUTH with the credentials redacted")
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "Auto-Submitted: auto-generated") {
		t.Fatalf("server got %d messages", len(msgs))
	}
	srv.SetPassword("support@example.com", "changed")
	r = c.post(path+"/test", url.Values{"csrf_token": {tok}, "to": {"bob@example.com"}})
	if !strings.Contains(r.body, "What to do:") || !strings.Contains(r.body, "535") {
		t.Errorf("a refused login should explain itself")
	}
	if r := c.post(path+"/test", url.Values{"csrf_token": {tok}, "to": {"x"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a bad test address: %d", r.status)
	}
	// Off needs nothing else.
	if r := c.post(path, url.Values{"csrf_token": {tok}, "mode": {"off"}}); r.status != http.StatusSeeOther {
		t.Fatalf("off: %d", r.status)
	}
}

func TestOutgoingFlagsAnAuthorizationWithoutTheSMTPScope(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "global", ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "s"}
	if err := a.store.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	rec := &store.Receiver{Name: "support@contoso.example", Host: "outlook.office365.com", Port: 993, Security: "ssl", ApplicationID: &app.ID, Login: "support@contoso.example"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	g := &oauth.Grant{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour), Email: rec.Login,
		Scope: "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", Identity: oauth.Identity{TenantID: "t", ObjectID: "o", Email: rec.Login}}
	auth, _, err := a.store.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g})
	if err != nil {
		t.Fatal(err)
	}
	path := "/setup/receivers/" + itoa64(rec.ID) + "/outgoing"
	c := a.client()
	c.login("admin")
	page := c.get(path).body
	if !strings.Contains(page, `value="smtp.office365.com"`) || !strings.Contains(page, `value="oauth"`) {
		t.Fatal("an OAuth receiver should offer OAuth sending with Microsoft's server filled in")
	}
	if err := a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderOAuth, Host: "smtp.office365.com", Port: 587, Security: "starttls", Login: rec.Login}); err != nil {
		t.Fatal(err)
	}
	page = c.get(path).body
	if !strings.Contains(page, "without the permission to send mail (https://outlook.office.com/SMTP.Send)") ||
		!strings.Contains(page, "Re-authorize it (same account) to add it") || !strings.Contains(page, "/setup/oauthimap/authorizations/"+itoa64(auth.ID)+"/reauthorize") {
		t.Fatal("the missing SMTP scope is not flagged with the way to get it")
	}
	g.Scope += " https://outlook.office.com/SMTP.Send"
	if _, _, err := a.store.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, AuthorizationID: auth.ID, Grant: g}); err != nil {
		t.Fatal(err)
	}
	if page = c.get(path).body; strings.Contains(page, `id="smtp-scope"`) {
		t.Fatal("an authorization with SMTP.Send is flagged")
	}
}

func TestAnswerByMailOnTheTicketPage(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	saved := a.importMail([]byte("From: Bob <bob@client.example>\r\nTo: support@example.com\r\nSubject: Printer\r\nMessage-ID: <p1@client.example>\r\n\r\nIt jams.\r\n"))
	path := "/tickets/" + itoa64(saved.TicketID)
	c := a.client()
	c.login("tech")
	page := c.get(path).body
	for _, want := range []string{`for="kind-mail"`, `for="kind-note"`, "Outgoing mail is off for this ticket"} {
		if !strings.Contains(page, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	tok := c.token(path)
	r := c.post(path+"/followups", url.Values{"csrf_token": {tok}, "content": {"On it."}, "kind": {"mail"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "On it.") || !strings.Contains(r.body, "turn it on in Setup") {
		t.Fatalf("answer by mail with mail off: %d", r.status)
	}
	// A default sender carries tickets without a receiver.
	rec := &store.Receiver{Name: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderPassword, Host: "smtp.example.com", Port: 587, Security: "starttls", Login: "support@example.com", Password: "x"})
	a.store.SetSetting(ctx, store.SettingDefaultSender, itoa64(rec.ID))
	if r := c.post(path+"/followups", url.Values{"csrf_token": {tok}, "content": {"On it."}, "kind": {"mail"}}); r.status != http.StatusSeeOther {
		t.Fatalf("answer by mail: %d %s", r.status, r.body)
	}
	if r := c.post(path+"/followups", url.Values{"csrf_token": {tok}, "content": {"internal remark"}, "kind": {"note"}}); r.status != http.StatusSeeOther {
		t.Fatalf("private note: %d", r.status)
	}
	rows, _ := a.store.OutboxForTicket(ctx, saved.TicketID)
	if len(rows) != 1 || rows[0].Recipients != "bob@client.example" {
		t.Fatalf("outbox %+v: one mail for the answer, none for the note", rows)
	}
	page = c.get(path).body
	if !strings.Contains(page, "Mailed to bob@client.example: waiting to be sent.") || strings.Count(page, "mail-state") != 1 {
		t.Error("the timeline should show the answer's delivery, and nothing for the note")
	}
}

func TestNotificationsFormPreviewAndSave(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	rec := &store.Receiver{Name: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	path := "/setup/receivers/" + itoa64(rec.ID)
	c := a.client()
	c.login("admin")
	page := c.get(path + "/outgoing").body
	for _, want := range []string{`for="acknowledgment-enabled"`, `for="acknowledgment-subject"`, `for="acknowledgment-body"`, `for="solved-body"`,
		"[GLPI #0000123] The printer on the 2nd floor jams", "registered as ticket 123", "##ticket.title##"} {
		if !strings.Contains(page, want) {
			t.Errorf("the notifications form lacks %q", want)
		}
	}
	tok := c.token(path + "/outgoing")
	form := url.Values{"csrf_token": {tok}, "action": {"preview"}, "acknowledgment_enabled": {"1"}, "acknowledgment_subject": {"Got it: ##ticket.title##"},
		"acknowledgment_body": {"Ticket ##ticket.id## for ##ticket.requester## ##typo##"}, "solved_subject": {"x"}, "solved_body": {""}}
	r := c.post(path+"/notifications", form)
	if r.status != http.StatusOK || !strings.Contains(r.body, "[GLPI #0000123] Got it: The printer") || !strings.Contains(r.body, "Ticket 123 for Bob Example ##typo##") {
		t.Fatalf("preview: %d", r.status)
	}
	if ns, _ := a.store.MailNotifications(ctx, rec.ID); len(ns) != 0 {
		t.Fatal("a preview saved something")
	}
	form.Set("action", "save")
	form.Set("solved_enabled", "1")
	if r := c.post(path+"/notifications", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Write the body, or turn this notification off.") {
		t.Fatalf("an empty body of an enabled notification: %d", r.status)
	}
	form.Del("solved_enabled")
	if r := c.post(path+"/notifications", form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	ns, _ := a.store.MailNotifications(ctx, rec.ID)
	if !ns["acknowledgment"].Enabled || ns["acknowledgment"].Subject != "Got it: ##ticket.title##" || ns["solved"].Enabled {
		t.Fatalf("saved %+v", ns)
	}
}

// An authorization granted before outgoing mail lacks SMTP.Send: the
// application page, its authorizations tab and the authorization page say
// so; Re-authorize asks for it although the application's extra scopes do
// not, keeps the account pinned, and the flags go once it is granted.
func TestReauthorizeAsksForTheSMTPScope(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	if r := e.authorize(t, "", alice); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.status)
	}
	id := e.authorizationID(t, alice)
	app, err := e.a.store.Application(ctx, e.appID)
	if err != nil {
		t.Fatal(err)
	}
	scope := app.OAuth().SMTPScope()
	auth, _ := e.a.store.Authorization(ctx, id)
	if app.OAuth().HasSMTPScope(auth.Scope) {
		t.Fatalf("the first sign-in asked for %s: %q", scope, auth.Scope)
	}
	appPage, authPage := "/setup/oauthimap/"+itoa64(e.appID), "/setup/oauthimap/authorizations/"+itoa64(id)
	if tab := e.c.get(e.tab()).body; !strings.Contains(tab, "Cannot send mail: the authorization of "+alice) {
		t.Fatal("the tab does not say the authorization cannot send mail")
	}
	if strings.Contains(e.c.get(appPage).body, `id="smtp-scope"`) {
		t.Fatal("the application is flagged while no receiver sends with the authorization")
	}
	rec := &store.Receiver{Name: "Support desk", Host: "outlook.office365.com", Port: 993, Security: "ssl", ApplicationID: &e.appID, Login: alice}
	if err := e.a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderOAuth, Host: "smtp.office365.com", Port: 587, Security: "starttls", Login: alice}); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{appPage: "Receivers send mail with " + alice, e.tab(): "which the outgoing mail of Support desk needs", authPage: "which the outgoing mail of Support desk needs"}
	for path, want := range pages {
		if body := html.UnescapeString(e.c.get(path).body); !strings.Contains(body, want) || !strings.Contains(body, `id="smtp-scope"`) && path != e.tab() {
			t.Errorf("%s does not flag the missing %s (%q)", path, scope, want)
		}
	}
	if !strings.Contains(e.c.get(authPage).body, `action="`+authPage+`/reauthorize"`) {
		t.Error("the authorization page offers no Re-authorize beside the flag")
	}

	authURL := e.start(t, authPage+"/reauthorize")
	u, _ := url.Parse(authURL)
	if asked := strings.Fields(u.Query().Get("scope")); !slices.Contains(asked, scope) || !slices.Contains(asked, app.OAuth().Scopes()[3]) {
		t.Fatalf("Re-authorize asked for %v, want the application's scopes and %s", asked, scope)
	}
	if r := e.c.get(e.back(t, e.start(t, authPage+"/reauthorize"), bob)); r.status != http.StatusBadRequest {
		t.Fatalf("another account re-authorized alice's authorization: %d", r.status)
	}
	if r := e.c.get(e.back(t, authURL, alice)); r.status != http.StatusSeeOther {
		t.Fatalf("re-authorize: %d\n%s", r.status, r.body)
	}
	auth, _ = e.a.store.Authorization(ctx, id)
	if !app.OAuth().HasSMTPScope(auth.Scope) {
		t.Fatalf("after Re-authorize the authorization still lacks %s: %q", scope, auth.Scope)
	}
	for path := range pages {
		if body := e.c.get(path).body; strings.Contains(body, "smtp-scope") {
			t.Errorf("%s still flags the SMTP scope once granted", path)
		}
	}
	if auths, _ := e.a.store.Authorizations(ctx, e.appID); len(auths) != 1 {
		t.Fatalf("%d authorizations, want the one re-authorized", len(auths))
	}
}

// postFiles sends a form with files as the browser does
// (multipart/form-data): files maps a file name to its bytes, all in the
// field "files".
func (c *client) postFiles(path string, form url.Values, names []string, data [][]byte) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for i, n := range names {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+n+`"`)
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		w.Write(data[i])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.a.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// A technician's answer by mail carries files: they are the follow-up's
// documents on the ticket page and the queued mail's attachments; files
// over the limit get the form's error with the text kept, nothing queued.
func TestAnswerByMailWithFiles(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	saved := a.importMail([]byte("From: Bob <bob@client.example>\r\nTo: support@example.com\r\nSubject: Printer\r\nMessage-ID: <p1@client.example>\r\n\r\nIt jams.\r\n"))
	rec := &store.Receiver{Name: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderPassword, Host: "smtp.example.com", Port: 587, Security: "starttls", Login: "support@example.com", Password: "x"})
	a.store.SetSetting(ctx, store.SettingDefaultSender, itoa64(rec.ID))
	path := "/tickets/" + itoa64(saved.TicketID)
	c := a.client()
	c.login("tech")
	page := c.get(path).body
	if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `<label class="form-label" for="followup-files">Files</label>`) {
		t.Fatal("the follow-up form takes no files")
	}
	tok := c.token(path)
	form := url.Values{"csrf_token": {tok}, "content": {"Too much attached."}, "kind": {"mail"}}
	big := make([]byte, helpdesk.MaxAttachmentsSize/2+1)
	r := c.postFiles(path+"/followups", form, []string{"a.bin", "b.bin"}, [][]byte{big, big})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Too much attached.") ||
		!strings.Contains(r.body, "The files are too large together (10.0 MB): at most 10.0 MB go with one follow-up") || !strings.Contains(r.body, "Choose the files again.") {
		t.Fatalf("files over the limit: %d\n%s", r.status, r.body)
	}
	if rows, _ := a.store.OutboxForTicket(ctx, saved.TicketID); len(rows) != 0 {
		t.Fatal("files over the limit queued a mail")
	}
	form.Set("content", "The manual is attached.")
	manual := bytes.Repeat([]byte("%PDF-1.4 manual "), 4000)
	if r := c.postFiles(path+"/followups", form, []string{`C:\Users\tech\Manuel d'utilisation.pdf`}, [][]byte{manual}); r.status != http.StatusSeeOther {
		t.Fatalf("answer with a file: %d\n%s", r.status, r.body)
	}
	docs, _ := a.store.TicketDocuments(ctx, saved.TicketID)
	if len(docs) != 1 || docs[0].FollowupID == nil || docs[0].Name != "Manuel d'utilisation.pdf" || docs[0].MIMEType != "application/pdf" || docs[0].Size != int64(len(manual)) {
		t.Fatalf("documents %+v", docs)
	}
	rows, _ := a.store.OutboxForTicket(ctx, saved.TicketID)
	if len(rows) != 1 {
		t.Fatalf("%d mails queued", len(rows))
	}
	row, _ := a.store.OutboxMailByID(ctx, rows[0].ID)
	if !bytes.Contains(row.Raw, []byte("Content-Disposition: attachment")) || !bytes.Contains(row.Raw, []byte("application/pdf")) {
		t.Fatalf("the queued mail has no attachment:\n%.2000s", row.Raw)
	}
	page = html.UnescapeString(c.get(path).body)
	if !strings.Contains(page, "Manuel d'utilisation.pdf") || !strings.Contains(page, "/documents/"+itoa64(docs[0].ID)) {
		t.Error("the timeline does not show the follow-up's file")
	}
}
