package demo

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/submission"
)

// TestSinkKeepsWhatTheConsoleSends: the demo's SMTP server takes mail from
// the submission client with a live token of the demo provider for the
// demo mailbox, keeps it readable (headers and text), and refuses another
// user's token and mail without a login.
func TestSinkKeepsWhatTheConsoleSends(t *testing.T) {
	w, err := Start(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.IdP.AddUser("eve@demo.example", "Eve")
	good, _, err := w.IdP.IssueOffline(Mailbox, "openid offline_access")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := w.IdP.IssueOffline("eve@demo.example", "openid offline_access")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func(token string, msg string) error {
		c, err := submission.Dial(ctx, submission.Config{Host: w.SMTP.Host(), Port: w.SMTP.Port(), Security: submission.SecurityNone,
			Auth: submission.XOAUTH2(Mailbox, func(context.Context) (string, error) { return token, nil })})
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Send(ctx, Mailbox, []string{"camille.martin@customer.example"}, []byte(msg)); err != nil {
			return err
		}
		return c.Quit(ctx)
	}
	msg := "From: Demo helpdesk <" + Mailbox + ">\r\nTo: camille.martin@customer.example\r\nSubject: =?utf-8?q?[GLPI_#0000001]_R=C3=A9ponse?=\r\n" +
		"Message-ID: <GLPI_x-Ticket-1/new.1.2@demo.example>\r\nIn-Reply-To: <demo-1@demo.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour request is registered.\r\n.hidden dot\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your request is registered.</p>\r\n--b--\r\n"
	if err := send(good, msg); err != nil {
		t.Fatalf("send with the mailbox's token: %v", err)
	}
	if err := send(other, msg); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("another user's token: %v", err)
	}
	mails := w.SMTP.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails kept, want 1", len(mails))
	}
	m := mails[0]
	if m.User != Mailbox || m.From != Mailbox || len(m.To) != 1 || m.Subject != "[GLPI #0000001] Réponse" ||
		m.MessageID != "GLPI_x-Ticket-1/new.1.2@demo.example" || m.InReplyTo != "demo-1@demo.example" ||
		!strings.Contains(m.Text, "Your request is registered.\r\n.hidden dot") || strings.Contains(m.Text, "<p>") {
		t.Fatalf("kept %+v", m)
	}
	if got, ok := w.SMTP.Mail(m.N); !ok || got.Subject != m.Subject {
		t.Fatalf("Mail(%d) = %+v %v", m.N, got, ok)
	}
	if _, ok := w.SMTP.Mail(m.N + 1); ok {
		t.Fatal("a mail that was never sent was found")
	}
}

// A client that sends MAIL without logging in is refused.
func TestSinkRequiresLogin(t *testing.T) {
	w, err := Start(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, err := submission.Dial(context.Background(), submission.Config{Host: w.SMTP.Host(), Port: w.SMTP.Port(), Security: submission.SecurityNone,
		Auth: submission.Auth{Mechanism: submission.MechNone}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Send(context.Background(), Mailbox, []string{"x@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "530") {
		t.Fatalf("MAIL without AUTH: %v", err)
	}
	if n := len(w.SMTP.Mails()); n != 0 {
		t.Fatalf("%d mails kept", n)
	}
}
