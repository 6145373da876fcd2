package helpdesk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestAnswerByMailQueuesAThreadedReplyThatComesBack(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		_, first := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "Printer broken", "orig@client.example", "It jams.",
			"Cc: carol@client.example"))
		if first.TicketID == 0 {
			t.Fatal("no ticket")
		}
		var tech *store.User // a follow-up without an author account

		// Outgoing mail off: refused, and nothing written.
		if _, err := d.svc.AnswerByMail(ctx, first.TicketID, tech, "We are on it.", false); !errors.Is(err, ErrMailOff) {
			t.Fatalf("mail off: %v", err)
		}
		if fs, _ := d.st.Followups(ctx, first.TicketID); len(fs) != 0 {
			t.Fatal("a refused answer left a follow-up")
		}
		if err := d.st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderPassword, Host: "smtp.example.com", Port: 587,
			Security: "starttls", Login: "support@example.com", Password: "pw", FromName: "Support", ReplyTo: "helpdesk@example.com"}); err != nil {
			t.Fatal(err)
		}
		fid, err := d.svc.AnswerByMail(ctx, first.TicketID, tech, "We are on it.\nLine two.", true)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := d.st.OutboxForTicket(ctx, first.TicketID)
		if len(rows) != 1 || rows[0].FollowupID == nil || *rows[0].FollowupID != fid || rows[0].Kind != store.MailReply {
			t.Fatalf("outbox %+v", rows)
		}
		row, _ := d.st.OutboxMailByID(ctx, rows[0].ID)
		raw := string(row.Raw)
		tag := notify.SubjectTag("GLPI", first.TicketID)
		for _, want := range []string{"In-Reply-To: <orig@client.example>", "References: <orig@client.example>", "Subject: " + tag + " Printer broken",
			"To: \"Bob\" <bob@client.example>", "Cc: <carol@client.example>", "Reply-To: <helpdesk@example.com>", "Message-Id: <GLPI_", "From: \"Support\" <support@example.com>"} {
			if !strings.Contains(raw, want) {
				t.Errorf("the queued mail lacks %q:\n%s", want, raw)
			}
		}
		if strings.Contains(raw, "Auto-Submitted") {
			t.Error("a person's answer is not an automatic mail")
		}
		if row.Recipients != "bob@client.example, carol@client.example" || row.FromAddress != "support@example.com" {
			t.Errorf("envelope %q from %q", row.Recipients, row.FromAddress)
		}
		fs, _ := d.st.Followups(ctx, first.TicketID)
		if len(fs) != 1 || fs[0].MessageID != row.MessageID {
			t.Fatalf("the follow-up must carry the mail's Message-ID: %+v", fs)
		}
		// The requester answers our mail: a follow-up of the same ticket by In-Reply-To.
		dec, again := d.deliver(r, mail("bob@client.example", "support@example.com", "Re: "+tag+" Printer broken", "re1@client.example", "Thanks!",
			"In-Reply-To: <"+row.MessageID+">", "References: <orig@client.example> <"+row.MessageID+">"))
		if dec.Kind != ingest.KindFollowup || again.TicketID != first.TicketID || dec.Reason.Code != ingest.ReasonInReplyTo {
			t.Fatalf("the answer became %s of %d (%s)", dec.Kind, again.TicketID, dec.Reason.Code)
		}
		// The second answer replies to the requester's last mail.
		if _, err := d.svc.AnswerByMail(ctx, first.TicketID, tech, "Fixed.", false); err != nil {
			t.Fatal(err)
		}
		rows, _ = d.st.OutboxForTicket(ctx, first.TicketID)
		second, _ := d.st.OutboxMailByID(ctx, rows[1].ID)
		if !strings.Contains(string(second.Raw), "In-Reply-To: <re1@client.example>") || second.Recipients != "bob@client.example" {
			t.Errorf("second answer:\n%s", second.Raw)
		}
	})
}

func TestAnswerByMailNeedsARequesterAddress(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	tk := &store.Ticket{Title: "typed in", Status: store.StatusNew}
	if err := d.st.CreateTicket(ctx, tk, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.AnswerByMail(ctx, tk.ID, nil, "hello", false); !errors.Is(err, ErrNoRequesterAddress) {
		t.Fatalf("got %v", err)
	}
	if _, err := d.svc.AnswerByMail(ctx, tk.ID, nil, "  ", false); !errors.Is(err, ErrEmptyFollowup) {
		t.Fatalf("got %v", err)
	}
}
