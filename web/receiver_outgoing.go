package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/sender"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// receiverOutgoing shows a receiver's Outgoing mail section.
func (h *Handler) receiverOutgoing(w http.ResponseWriter, r *http.Request) {
	if _, f, ok := h.outgoingParam(w, r); ok {
		h.render(w, r, http.StatusOK, views.OutgoingPage(f))
	}
}

// outgoingParam loads the receiver of the URL and its Outgoing mail form;
// false when it answered (not found, server error).
func (h *Handler) outgoingParam(w http.ResponseWriter, r *http.Request) (*store.Receiver, views.OutgoingForm, bool) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return nil, views.OutgoingForm{}, false
	}
	f, err := h.outgoingForm(r.Context(), rec)
	if err != nil {
		h.serverError(w, r, err)
		return nil, f, false
	}
	return rec, f, true
}

// outgoingForm fills the form from the stored sender, or with the
// provider's server when none was saved yet.
func (h *Handler) outgoingForm(ctx context.Context, rec *store.Receiver) (views.OutgoingForm, error) {
	f := views.OutgoingForm{ReceiverID: rec.ID, ReceiverName: rec.Name, Mode: store.SenderOff, Port: "587",
		Security: "starttls", ValidateCert: true, Login: rec.Login, Errors: map[string]string{}}
	var app *store.Application
	if rec.ApplicationID != nil && *rec.ApplicationID > 0 {
		a, err := h.store.Application(ctx, *rec.ApplicationID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return f, err
		}
		app = a
	}
	if app != nil {
		f.CanOAuth, f.ApplicationID = true, app.ID
		if host, port := app.OAuth().SMTPServer(); host != "" {
			f.Host, f.Port = host, strconv.Itoa(port)
		}
	}
	m, err := h.store.MailSender(ctx, rec.ID)
	switch {
	case err == nil:
		f.Mode, f.Host, f.Port, f.Security, f.ValidateCert = m.Mode, m.Host, strconv.Itoa(m.Port), m.Security, m.ValidateCert
		f.Login, f.HasPassword, f.FromAddress, f.FromName, f.ReplyTo = m.Login, m.Password != "", m.FromAddress, m.FromName, m.ReplyTo
	case !errors.Is(err, store.ErrNotFound):
		return f, err
	}
	if err := h.fillNotifications(ctx, &f); err != nil {
		return f, err
	}
	if f.Mode == store.SenderOAuth && app != nil {
		if err := h.scopeNote(ctx, &f, app); err != nil {
			return f, err
		}
	}
	return f, nil
}

// scopeNote says what the authorization of an OAuth sender lacks. An
// authorization created before outgoing mail existed was granted without
// the SMTP permission; Re-authorize asks for it (incremental consent).
func (h *Handler) scopeNote(ctx context.Context, f *views.OutgoingForm, app *store.Application) error {
	auth, err := h.store.AuthorizationByEmail(ctx, app.ID, f.Login)
	if errors.Is(err, store.ErrNotFound) {
		f.AuthorizationNote = fmt.Sprintf("The application has no authorization for %s: create one from the receiver form (sign in as that account), then come back.", f.Login)
		return nil
	}
	if err != nil {
		return err
	}
	f.AuthorizationID = auth.ID
	f.AppOnly = auth.Kind == store.KindAppOnly
	f.AuthorizationNote = smtpNote(app.OAuth(), auth, []string{f.ReceiverName})
	return nil
}

// appOnlySendingNote is what a tenant administrator must grant for an
// app-only authorization to send (peers.md §3.2; Microsoft's page
// "Authenticate an IMAP, POP or SMTP connection using OAuth").
const appOnlySendingNote = "This authorization is app-only. For it to send, a tenant administrator must: give the app registration the application permission SMTP.SendAsApp of Office 365 Exchange Online and grant admin consent; in Exchange Online PowerShell register its service principal (New-ServicePrincipal) and give it the mailbox (Add-MailboxPermission -AccessRights FullAccess), as Microsoft's page \"Authenticate an IMAP, POP or SMTP connection using OAuth\" describes, plus Add-RecipientPermission -AccessRights SendAs to send as another address; and leave authenticated SMTP enabled for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false). Test sending shows whether it works."

// smtpNote says what an authorization lacks to send mail, "" when
// nothing: senders names the receivers whose outgoing mail uses it. A
// delegated authorization is flagged whether or not a receiver sends with
// it yet (the words differ); an app-only one only when one does, since
// its application permissions cannot be read from here.
func smtpNote(app oauth.Application, a *store.Authorization, senders []string) string {
	if a.Kind == store.KindAppOnly {
		if len(senders) == 0 {
			return ""
		}
		return appOnlySendingNote
	}
	if app.HasSMTPScope(a.Scope) {
		return ""
	}
	scope := app.SMTPScope()
	if len(senders) == 0 {
		return fmt.Sprintf("Cannot send mail: the authorization of %s was granted without the permission to send mail (%s). Re-authorize asks for it (same account), should a receiver send with it.", a.Email, scope)
	}
	return fmt.Sprintf("The authorization of %s was granted without the permission to send mail (%s), which the outgoing mail of %s needs: Re-authorize it (same account) to add it. The account (or, where the tenant requires it, an administrator) consents to that one permission.", a.Email, scope, strings.Join(senders, ", "))
}

// smtpWarning is the application page's notice: the authorizations that
// receivers send mail with but that lack the permission to.
func (h *Handler) smtpWarning(ctx context.Context, app *store.Application, auths []store.Authorization, recs []store.Receiver) (views.Notice, error) {
	senders, err := h.sendersByLogin(ctx, recs)
	if err != nil || len(senders) == 0 {
		return views.Notice{}, err
	}
	oa := app.OAuth()
	var lacking []string
	for _, a := range auths {
		if sends := senders[strings.ToLower(a.Email)]; len(sends) > 0 && smtpNote(oa, &a, sends) != "" {
			lacking = append(lacking, a.Email)
		}
	}
	if len(lacking) == 0 {
		return views.Notice{}, nil
	}
	return views.Notice{Kind: "warning", Text: fmt.Sprintf("Receivers send mail with %s, which lacks what sending needs (the permission %s, or for app-only SMTP.SendAsApp): see what to do on the tab", strings.Join(lacking, ", "), oa.SMTPScope())}, nil
}

// sendersByLogin maps the login of each OAuth sender among the receivers
// (lower case) to the names of the receivers sending with it.
func (h *Handler) sendersByLogin(ctx context.Context, recs []store.Receiver) (map[string][]string, error) {
	out := map[string][]string{}
	for _, rec := range recs {
		m, err := h.store.MailSender(ctx, rec.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m.Mode == store.SenderOAuth {
			k := strings.ToLower(m.Login)
			out[k] = append(out[k], rec.Name)
		}
	}
	return out, nil
}

// receiverOutgoingSave saves the Outgoing mail section.
func (h *Handler) receiverOutgoingSave(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := h.outgoingParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f.Mode = strings.TrimSpace(r.PostFormValue("mode"))
	f.Host = strings.TrimSpace(r.PostFormValue("host"))
	f.Port = strings.TrimSpace(r.PostFormValue("port"))
	f.Security = r.PostFormValue("security")
	f.ValidateCert = r.PostFormValue("validate_cert") == "1"
	f.Login = strings.TrimSpace(r.PostFormValue("login"))
	f.FromAddress = strings.TrimSpace(r.PostFormValue("from_address"))
	f.FromName = strings.TrimSpace(r.PostFormValue("from_name"))
	f.ReplyTo = strings.TrimSpace(r.PostFormValue("reply_to"))
	password := r.PostFormValue("password")
	f.Errors = validateOutgoing(f, password)
	if len(f.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, views.OutgoingPage(f))
		return
	}
	port, _ := strconv.Atoi(f.Port)
	m := &store.MailSender{ReceiverID: rec.ID, Mode: f.Mode, Host: f.Host, Port: port, Security: f.Security,
		ValidateCert: f.ValidateCert, Login: f.Login, Password: password, FromAddress: f.FromAddress,
		FromName: f.FromName, ReplyTo: f.ReplyTo}
	if m.Mode != store.SenderPassword {
		m.Password = "" // keeps a stored one; an OAuth sender never uses it
	}
	err := h.audited(ctx, userOf(r), "receiver.outgoing", "receiver", func(s *store.Store) (int64, string, error) {
		return rec.ID, fmt.Sprintf("outgoing mail of %s set to %s", rec.Name, f.Mode), s.SaveMailSender(ctx, m)
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated")
	redirect(w, r, receiverOutgoingPath(rec.ID))
}

func receiverOutgoingPath(id int64) string { return paths.Receiver(id, "outgoing") }

// validateOutgoing checks the section; nothing is required while it is off.
func validateOutgoing(f views.OutgoingForm, password string) map[string]string {
	errs := map[string]string{}
	switch f.Mode {
	case store.SenderOff:
	case store.SenderOAuth:
		if !f.CanOAuth {
			errs["mode"] = "This receiver logs in with a password: choose a login and password, or give the receiver an OAuth application first."
		}
	case store.SenderPassword:
		if password == "" && !f.HasPassword {
			errs["password"] = "Enter the password of the sending account."
		}
	default:
		errs["mode"] = "Choose how replies are sent."
	}
	if f.Mode == store.SenderOff {
		return errs
	}
	if f.Host == "" || strings.ContainsAny(f.Host, " /:@") {
		errs["host"] = "Enter the SMTP server's host name, e.g. smtp.office365.com."
	}
	if p, err := strconv.Atoi(f.Port); err != nil || p < 1 || p > 65535 {
		errs["port"] = "The port must be a number from 1 to 65535."
	}
	switch submission.Security(f.Security) {
	case submission.SecuritySSL, submission.SecuritySTARTTLS, submission.SecurityNone:
	default:
		errs["security"] = "Choose SSL, STARTTLS or None."
	}
	if f.Login == "" {
		errs["login"] = "Enter the login of the sending account."
	}
	for field, v := range map[string]string{"from_address": f.FromAddress, "reply_to": f.ReplyTo} {
		if v != "" && !isAddress(v) {
			errs[field] = fmt.Sprintf("%q is not an e-mail address.", v)
		}
	}
	if f.Mode == store.SenderOAuth && f.Login != "" && !isAddress(f.Login) {
		errs["login"] = "For OAuth, the login is the authorization's e-mail address."
	}
	if strings.ContainsAny(f.FromName, "\r\n") {
		errs["from_name"] = "The name must fit on one line."
	}
	return errs
}

// isAddress accepts a bare e-mail address (no display name).
func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// receiverOutgoingTest is Test sending: a real mail to the address typed,
// through the saved settings, with the SMTP transcript redacted.
func (h *Handler) receiverOutgoingTest(w http.ResponseWriter, r *http.Request) {
	rec, f, ok := h.outgoingParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	f.TestTo = strings.TrimSpace(r.PostFormValue("to"))
	if !isAddress(f.TestTo) {
		f.Errors["to"] = "Enter the e-mail address to send the test mail to."
		h.render(w, r, http.StatusUnprocessableEntity, views.OutgoingPage(f))
		return
	}
	f.Tested = true
	cfg, err := sender.SenderConfig(ctx, h.store, h.tokens, rec.ID, 30*time.Second)
	if err != nil {
		f.TestText = "Sending failed: " + err.Error()
		f.TestRemedy = sender.Remedy(string(sender.Classify(err)))
		h.render(w, r, http.StatusOK, views.OutgoingPage(f))
		return
	}
	from := f.FromAddress
	if from == "" {
		from = f.Login
	}
	msg, err := submission.Compose(submission.Mail{
		From: submission.Address{Name: f.FromName, Address: from}, To: []submission.Address{{Address: f.TestTo}},
		ReplyTo: f.ReplyTo, Subject: "Test sending from " + rec.Name, MessageID: testMessageID(from),
		Header: [][2]string{{"Auto-Submitted", "auto-generated"}, {"X-Auto-Response-Suppress", "All"}},
		Text:   "This is a test mail sent by the helpdesk console to check the outgoing mail settings of the receiver " + rec.Name + ".\n",
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rep := submission.TrySend(ctx, cfg, from, []string{f.TestTo}, msg)
	f.TestOK = rep.OK
	if rep.OK {
		f.TestText = "The server accepted the test mail for " + f.TestTo + "."
	} else {
		f.TestText, f.TestRemedy = rep.Explanation, rep.Remedy
	}
	for _, l := range rep.Transcript {
		f.Transcript = append(f.Transcript, views.ReceiverTranscriptLine{Dir: l.Dir, Text: l.Text})
	}
	h.log.Info("receiver sending tested", "receiver_id", rec.ID, "ok", rep.OK, "class", string(rep.Class))
	h.render(w, r, http.StatusOK, views.OutgoingPage(f))
}

// testMessageID is a unique Message-ID on the sender's domain.
func testMessageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	return fmt.Sprintf("GLPI-test.%d@%s", time.Now().UnixNano(), domain)
}

// fillNotifications adds the receiver's notifications, previewed.
func (h *Handler) fillNotifications(ctx context.Context, f *views.OutgoingForm) error {
	if h.desk == nil {
		return nil
	}
	ns, err := h.desk.Notifications(ctx, f.ReceiverID)
	if err != nil {
		return err
	}
	f.Notifications = f.Notifications[:0]
	for _, n := range ns {
		f.Notifications = append(f.Notifications, previewed(views.NotificationForm{Event: n.Event, Label: notify.EventLabel(n.Event),
			Enabled: n.Enabled, Subject: n.Subject, Body: n.Body}))
	}
	f.Placeholders = f.Placeholders[:0]
	for _, name := range notify.PlaceholderNames() {
		f.Placeholders = append(f.Placeholders, views.Choice{Value: name, Label: "(" + notify.Placeholders[name] + ")"})
	}
	return nil
}

// previewed renders a notification with an example ticket.
func previewed(n views.NotificationForm) views.NotificationForm {
	t := &store.Ticket{ID: 123, Title: "The printer on the 2nd floor jams", Status: store.StatusNew, RequesterName: "Bob Example", RequesterEmail: "bob@example.com"}
	values := helpdesk.TicketValues(t, notify.SubjectTag("GLPI", t.ID), "", "Replaced the worn fuser unit; printing works again.")
	n.PreviewSubject = notify.Subject("GLPI", t.ID, notify.OneLine(notify.Render(n.Subject, values)))
	n.PreviewBody = notify.Render(n.Body, values)
	return n
}

// receiverNotifications saves (or only previews) a receiver's notifications.
func (h *Handler) receiverNotifications(w http.ResponseWriter, r *http.Request) {
	if h.desk == nil {
		h.notFound(w, r)
		return
	}
	rec, f, ok := h.outgoingParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	bad := false
	for i, n := range f.Notifications {
		n.Enabled = r.PostFormValue(n.Event+"_enabled") == "1"
		n.Subject = strings.TrimSpace(r.PostFormValue(n.Event + "_subject"))
		n.Body = r.PostFormValue(n.Event + "_body")
		if n.Enabled && strings.TrimSpace(n.Body) == "" {
			n.Error, bad = "Write the body, or turn this notification off.", true
		}
		if len(n.Body) > 20000 {
			n.Error, bad = "The body is too long (at most 20000 characters).", true
		}
		f.Notifications[i] = previewed(n)
	}
	if bad {
		h.render(w, r, http.StatusUnprocessableEntity, views.OutgoingPage(f))
		return
	}
	if r.PostFormValue("action") == "preview" {
		h.render(w, r, http.StatusOK, views.OutgoingPage(f))
		return
	}
	err := h.audited(ctx, userOf(r), "receiver.notifications", "receiver", func(s *store.Store) (int64, string, error) {
		for _, n := range f.Notifications {
			def := notify.DefaultTemplate(n.Event)
			row := &store.MailNotification{ReceiverID: rec.ID, Event: n.Event, Enabled: n.Enabled}
			if n.Subject != def.Subject || strings.ReplaceAll(n.Body, "\r\n", "\n") != def.Body {
				row.Subject, row.Body = n.Subject, strings.ReplaceAll(n.Body, "\r\n", "\n")
			}
			if err := s.SaveMailNotification(ctx, row); err != nil {
				return 0, "", err
			}
		}
		return rec.ID, "notifications of " + rec.Name + " saved", nil
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated")
	redirect(w, r, receiverOutgoingPath(rec.ID))
}
