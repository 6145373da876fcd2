package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

func TestOutboxQueuePageAndRetry(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	mk := func(id, to string) *store.OutboxMail {
		m := &store.OutboxMail{Kind: store.MailReply, Recipients: to, Subject: "Re: printer " + id, MessageID: "<" + id + "@example.com>", Raw: []byte("x")}
		if err := a.store.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	waiting, failed, sent := mk("w", "bob@example.com"), mk("f", "nobody@example.com"), mk("s", "carol@example.com")
	now := time.Now()
	if _, err := a.store.ClaimMail(ctx, "test", now.Add(time.Second), now.Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	a.store.MarkMailFailed(ctx, waiting.ID, "test", "reauthorize", "The refresh token is no longer valid.", &later)
	a.store.MarkMailFailed(ctx, failed.ID, "test", "recipient_refused", "RCPT TO:<nobody@example.com>: the server answered 550 5.1.1 User unknown", nil)
	a.store.MarkMailSent(ctx, sent.ID, "test", "", now)

	c := a.client()
	c.login("tech")
	if r := c.get("/setup/outbox"); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Fatalf("a technician got %d on the queue", r.status)
	}
	c = a.client()
	c.login("admin")
	page := c.get("/setup/outbox")
	for _, want := range []string{"Outgoing mail queue", "Re-authorization needed", "Recipient refused", "550 5.1.1 User unknown",
		"Re-authorize", "Pending (1)", "Failed (1)", "Sent (1", "carol@example.com", `id="retry-` + itoa64(failed.ID) + `"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the queue page lacks %q", want)
		}
	}
	tok := c.token("/setup/outbox")
	if r := c.post("/setup/outbox/"+itoa64(failed.ID)+"/retry", url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("retry: %d", r.status)
	}
	m, _ := a.store.OutboxMailByID(ctx, failed.ID)
	if m.State != store.OutboxPending || m.NextAttemptAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("after Retry: %+v", m)
	}
	if r := c.post("/setup/outbox/"+itoa64(sent.ID)+"/retry", url.Values{"csrf_token": {tok}}); r.status != http.StatusNotFound {
		t.Fatalf("retry of a sent mail: %d, want 404", r.status)
	}
}

func TestOutboxSettings(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	on := &store.Receiver{Name: "support@example.com"}
	off := &store.Receiver{Name: "quiet@example.com"}
	for _, r := range []*store.Receiver{on, off} {
		if err := a.store.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: on.ID, Mode: store.SenderPassword, Host: "h", Port: 587, Security: "starttls", Login: "support@example.com", Password: "x"})
	c := a.client()
	c.login("admin")
	page := c.get("/setup/outbox").body
	if !strings.Contains(page, `for="default-sender"`) || !strings.Contains(page, ">support@example.com</option>") || strings.Contains(page, ">quiet@example.com</option>") {
		t.Fatal("the default sender choice should list the receivers that send, only")
	}
	tok := c.token("/setup/outbox")
	bad := url.Values{"csrf_token": {tok}, "default_sender": {itoa64(off.ID)}, "alarm_addresses": {"ops@example.com, nope"}, "auto_per_hour": {"0"}}
	r := c.post("/setup/outbox/settings", bad)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose a receiver whose outgoing mail is on.") ||
		!strings.Contains(r.body, `&#34;nope&#34; is not an e-mail address.`) || !strings.Contains(r.body, "from 1 to 1000") {
		t.Fatalf("bad settings: %d", r.status)
	}
	good := url.Values{"csrf_token": {tok}, "default_sender": {itoa64(on.ID)}, "alarm_addresses": {" ops@example.com ,, noc@example.com"}, "auto_per_hour": {"5"}}
	if r := c.post("/setup/outbox/settings", good); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.status)
	}
	if v, _ := a.store.Setting(ctx, store.SettingDefaultSender, ""); v != itoa64(on.ID) {
		t.Errorf("default sender %q", v)
	}
	if v, _ := a.store.Setting(ctx, "outgoing.alarm_addresses", ""); v != "ops@example.com, noc@example.com" {
		t.Errorf("alarm addresses %q", v)
	}
}

// An automatic mail not sent is shown, in words, on its ticket's timeline
// and in the queue's "Not sent" section; so are the alarms the last check
// could not mail.
func TestSkippedAutomaticMailsAreShown(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	rec := &store.Receiver{Name: "support@example.com", Login: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	// A ticket typed in without a requester address: its "ticket solved"
	// notice cannot be sent. (A receiver whose outgoing mail is off is a
	// setting, said on its own page, not recorded on every ticket.)
	typed := &store.Ticket{Title: "typed in", Status: store.StatusNew, ReceiverID: &rec.ID}
	if err := a.store.CreateTicket(ctx, typed, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.h.desk.ChangeStatus(ctx, typed.ID, store.StatusSolved, 0); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("admin")
	want := "notice to the requester was not sent: the requester has no e-mail address."
	page := c.get("/tickets/" + itoa64(typed.ID)).body
	if !strings.Contains(page, "Not mailed") || !strings.Contains(page, want) {
		t.Fatal("the ticket's timeline does not say its notice was not sent")
	}
	page = c.get("/setup/outbox").body
	if !strings.Contains(page, `id="skipped-mails"`) || !strings.Contains(page, want) || !strings.Contains(page, `href="/tickets/`+itoa64(typed.ID)+`"`) {
		t.Fatal("the queue page does not list the notice not sent")
	}
	if strings.Contains(page, `id="skipped-alarms"`) {
		t.Fatal("alarms listed as not mailed before any check")
	}
	admin, _ := a.store.UserByLogin(ctx, "admin")
	if admin.Email == "" {
		admin.Email = "admin@example.com"
		if err := a.store.UpdateUser(ctx, admin); err != nil {
			t.Fatal(err)
		}
	}
	db, _ := a.store.SQLDB()
	if _, err := db.Exec(`UPDATE receivers SET is_active = 1, state = 'failing', error_class = 'network', last_error = 'connection refused' WHERE id = ?`, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.h.desk.SendAlarms(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	page = c.get("/setup/outbox").body
	if !strings.Contains(page, `id="skipped-alarms"`) || !strings.Contains(page, "Receiver support@example.com is in error: no sender can carry it") {
		t.Fatalf("the queue page does not say the alarm could not be mailed")
	}
}
