package web

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/sender"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// TestBrowserAnswerByMailReachesTheRequester: a technician answers in
// Chromium with "Answer by mail"; the sender pool sends it through
// Dovecot's real submission service; the mail is read from the requester's
// mailbox over IMAP with its threading headers, and the timeline then
// shows it sent.
func TestBrowserAnswerByMailReachesTheRequester(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	d := testpeer.StartDovecotSubmission(t, testpeer.NewIntrospector(t).URL())
	host, port, _ := net.SplitHostPort(d.SubmissionAddr())
	p, _ := strconv.Atoi(port)
	rec := &store.Receiver{Name: "support@example.com"}
	if err := a.store.CreateReceiver(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.store.SaveMailSender(ctx, &store.MailSender{ReceiverID: rec.ID, Mode: store.SenderPassword, Host: host, Port: p,
		Security: "starttls", Login: "support@example.com", Password: d.Password, FromName: "Support"}); err != nil {
		t.Fatal(err)
	}
	a.store.SetSetting(ctx, store.SettingDefaultSender, strconv.FormatInt(rec.ID, 10))
	saved := a.importMail([]byte("From: Bob <bob@example.com>\r\nTo: support@example.com\r\nSubject: Screen flickers\r\nMessage-ID: <flicker@example.com>\r\n\r\nSince Monday.\r\n"))

	bctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "tech"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
		chromedp.Navigate(a.srv.URL+"/tickets/"+strconv.FormatInt(saved.TicketID, 10)),
		chromedp.WaitVisible(chromedp.ID("followup-content")),
		chromedp.SendKeys(chromedp.ID("followup-content"), "Please update the display driver."),
		chromedp.Click(chromedp.ID("kind-mail")),
		chromedp.Click(chromedp.ID("add-followup")),
		chromedp.WaitVisible(chromedp.CSS(".mail-state")),
	); err != nil {
		t.Fatal(err)
	}
	pool := sender.New(sender.Options{Store: a.store, Instance: "browser-test"})
	if s, err := pool.SendDue(ctx); err != nil || s.Sent != 1 {
		t.Fatalf("pool: %+v %v", s, err)
	}
	dh, dp, _ := net.SplitHostPort(d.Addr())
	dport, _ := strconv.Atoi(dp)
	s, err := mailbox.Dial(ctx, mailbox.Config{Host: dh, Port: dport, Security: mailbox.SecuritySTARTTLS, Timeout: 10 * time.Second,
		Auth: mailbox.Login("bob@example.com", d.Password)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	uids, _ := s.UIDsAfter(ctx, 0, false, 0)
	var got []string
	s.Fetch(ctx, uids, 0, func(m mailbox.Message) error { got = append(got, string(m.Raw)); return nil })
	if len(got) != 1 || !strings.Contains(got[0], "In-Reply-To: <flicker@example.com>") || !strings.Contains(got[0], "Please update the display driver.") ||
		!strings.Contains(got[0], "Subject: [GLPI #") {
		t.Fatalf("bob's INBOX: %q", got)
	}
	if err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+"/tickets/"+strconv.FormatInt(saved.TicketID, 10)),
		chromedp.WaitVisible(chromedp.CSS(".mail-state")),
	); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(step, chromedp.Text(chromedp.CSS(".mail-state")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(state, "Mailed to bob@example.com: sent") {
		t.Fatalf("timeline says %q", state)
	}
}
