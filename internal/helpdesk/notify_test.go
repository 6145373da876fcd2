package helpdesk

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
)

func (d *desk) sending(r *store.Receiver) {
	d.t.Helper()
	if err := d.st.SaveMailSender(context.Background(), &store.MailSender{ReceiverID: r.ID, Mode: store.SenderPassword, Host: "smtp.example.com",
		Port: 587, Security: "starttls", Login: r.Login, Password: "pw", FromName: "Support"}); err != nil {
		d.t.Fatal(err)
	}
}

func (d *desk) outbox(kind string) []store.OutboxMail {
	d.t.Helper()
	ctx := context.Background()
	var out []store.OutboxMail
	for _, state := range []string{store.OutboxPending, store.OutboxSent, store.OutboxFailed} {
		rows, err := d.st.OutboxByState(ctx, state, 1000)
		if err != nil {
			d.t.Fatal(err)
		}
		for _, r := range rows {
			if kind == "" || r.Kind == kind {
				full, _ := d.st.OutboxMailByID(ctx, r.ID)
				out = append(out, *full)
			}
		}
	}
	return out
}

func TestAcknowledgmentAndItsLoopDefence(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		// Outgoing mail off: no acknowledgment.
		d.deliver(r, mail("bob@client.example", "support@example.com", "Before", "before@client.example", "x"))
		if n := len(d.outbox("")); n != 0 {
			t.Fatalf("%d mails queued with outgoing mail off", n)
		}
		d.sending(r)
		_, first := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "Printer", "p1@client.example", "It jams."))
		acks := d.outbox(store.MailAcknowledgment)
		if len(acks) != 1 || acks[0].Recipients != "bob@client.example" || *acks[0].TicketID != first.TicketID {
			t.Fatalf("acks %+v", acks)
		}
		raw := string(acks[0].Raw)
		for _, want := range []string{"Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All", "In-Reply-To: <p1@client.example>",
			"Subject: " + notify.SubjectTag("GLPI", first.TicketID) + " Printer", "registered as ticket " + fmt.Sprint(first.TicketID)} {
			if !strings.Contains(raw, want) {
				t.Errorf("acknowledgment lacks %q:\n%s", want, raw)
			}
		}
		// The requester's answer is a follow-up: no second acknowledgment.
		d.deliver(r, mail("bob@client.example", "support@example.com", "Re: Printer", "p2@client.example", "more", "In-Reply-To: <p1@client.example>"))
		// The requester answering the acknowledgment itself threads to the
		// ticket: the outbox knows its Message-ID.
		dec, re := d.deliver(r, mail("bob@client.example", "support@example.com", "Re: ack", "p3@client.example", "one more thing",
			"In-Reply-To: <"+acks[0].MessageID+">"))
		if dec.Kind != ingest.KindFollowup || re.TicketID != first.TicketID {
			t.Errorf("an answer to the acknowledgment became %s of %d (%+v)", dec.Kind, re.TicketID, dec.Reason)
		}
		// An out-of-office answering our acknowledgment makes no ticket and
		// no acknowledgment.
		dec, _ = d.deliver(r, mail("bob@client.example", "support@example.com", "Automatic reply: Printer", "oof@client.example", "I am away",
			"Auto-Submitted: auto-replied", "In-Reply-To: <"+acks[0].MessageID+">"))
		if dec.Kind == ingest.KindTicket {
			t.Errorf("the out-of-office became a ticket")
		}
		// Automatic or list mail making a new ticket: no acknowledgment.
		for i, extra := range [][]string{{"Auto-Submitted: auto-generated"}, {"Precedence: bulk"}, {"List-Id: <x.lists.example>"},
			{"Return-Path: <>"}, {"X-Auto-Response-Suppress: All"}} {
			d.deliver(r, mail("robot@other.example", "support@example.com", "Note "+fmt.Sprint(i), fmt.Sprintf("auto%d@other.example", i), "x", extra...))
		}
		d.deliver(r, mail("support@example.com", "support@example.com", "From ourselves", "self@example.com", "x"))
		if n := len(d.outbox(store.MailAcknowledgment)); n != 1 {
			t.Fatalf("%d acknowledgments, want still 1", n)
		}
		// Two helpdesks answering each other: our acknowledgment arrives
		// at another receiver as a new mail; it is never acknowledged.
		other := d.receiver("help@other.example", "help@other.example", true)
		d.sending(other)
		d.deliver(other, acks[0].Raw)
		if n := len(d.outbox(store.MailAcknowledgment)); n != 1 {
			t.Fatalf("the loop went on: %d acknowledgments", n)
		}
		_ = ctx
	})
}

func TestAcknowledgmentsAreRateLimitedPerAddress(t *testing.T) {
	d := openDesk(t, store.SQLite)
	r := d.receiver("support@example.com", "support@example.com", true)
	d.sending(r)
	d.st.SetSetting(context.Background(), SettingAutoMailsPerHour, "3")
	for i := range 5 {
		d.deliver(r, mail("chatty@client.example", "support@example.com", fmt.Sprintf("Issue %d", i), fmt.Sprintf("c%d@client.example", i), "x"))
	}
	d.deliver(r, mail("calm@client.example", "support@example.com", "One", "calm1@client.example", "x"))
	per := map[string]int{}
	for _, m := range d.outbox(store.MailAcknowledgment) {
		per[m.Recipients]++
	}
	if per["chatty@client.example"] != 3 || per["calm@client.example"] != 1 {
		t.Fatalf("acknowledgments per address %v, want 3 and 1", per)
	}
}

func TestSolvedNoticeAndTemplates(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	r := d.receiver("support@example.com", "support@example.com", true)
	d.sending(r)
	if err := d.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: r.ID, Event: notify.EventAcknowledgment, Enabled: false}); err != nil {
		t.Fatal(err)
	}
	if err := d.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: r.ID, Event: notify.EventSolved, Enabled: true,
		Subject: "Done: ##ticket.title##", Body: "Ticket ##ticket.id## is ##ticket.status##, ##ticket.requester##."}); err != nil {
		t.Fatal(err)
	}
	_, s := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "Screen", "s1@client.example", "black"))
	if n := len(d.outbox("")); n != 0 {
		t.Fatalf("acknowledgment off, yet %d mails", n)
	}
	if _, err := d.svc.ChangeStatus(ctx, s.TicketID, store.StatusSolved, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.ChangeStatus(ctx, s.TicketID, store.StatusSolved, 0); err != nil {
		t.Fatal(err)
	}
	solved := d.outbox(store.MailSolved)
	if len(solved) != 1 {
		t.Fatalf("%d solved notices, want 1", len(solved))
	}
	raw := string(solved[0].Raw)
	for _, want := range []string{"Subject: " + notify.SubjectTag("GLPI", s.TicketID) + " Done: Screen", "Ticket " + fmt.Sprint(s.TicketID) + " is Solved, Bob.",
		"Auto-Submitted: auto-generated", "In-Reply-To: <s1@client.example>"} {
		if !strings.Contains(raw, want) {
			t.Errorf("solved notice lacks %q:\n%s", want, raw)
		}
	}
	ns, err := d.svc.Notifications(ctx, r.ID)
	if err != nil || len(ns) != 2 || ns[0].Enabled || !ns[1].Custom {
		t.Fatalf("notifications %+v %v", ns, err)
	}
}

func TestABounceMarksTheMailNotDelivered(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	r := d.receiver("support@example.com", "support@example.com", true)
	d.sending(r)
	d.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: r.ID, Event: notify.EventAcknowledgment})
	_, s := d.deliver(r, mail("dave@example.net", "support@example.com", "Disk full", "disk@example.net", "full"))
	if _, err := d.svc.AnswerByMail(ctx, s.TicketID, nil, "Delete old files.", false); err != nil {
		t.Fatal(err)
	}
	rows, _ := d.st.ClaimMail(ctx, "t", d.st.Now().Add(time.Second), d.st.Now().Add(time.Minute), 10)
	if len(rows) != 1 {
		t.Fatalf("claimed %d", len(rows))
	}
	d.st.MarkMailSent(ctx, rows[0].ID, "t", "", d.st.Now())
	dsn := "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\nTo: support@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <dsn1@mx.example.net>\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-replied\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\r\n\r\n--dsn\r\nContent-Type: text/plain\r\n\r\n<dave@example.net>: mailbox full\r\n" +
		"--dsn\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; dave@example.net\r\nAction: failed\r\nStatus: 5.2.2\r\n" +
		"--dsn\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.com\r\nTo: dave@example.net\r\nMessage-ID: <" + rows[0].MessageID + ">\r\n--dsn--\r\n"
	dec, b := d.deliver(r, []byte(dsn))
	if dec.Reason.Code != ingest.ReasonBounce || b.TicketID != s.TicketID {
		t.Fatalf("the report became %s (%s) of %d", dec.Kind, dec.Reason.Code, b.TicketID)
	}
	m, _ := d.st.OutboxMailByID(ctx, rows[0].ID)
	if m.State != store.OutboxFailed || m.ErrorClass != "recipient_refused" || !strings.Contains(m.LastError, "delivery failure report") {
		t.Fatalf("after the bounce: %+v", m)
	}
	if n := len(d.outbox(store.MailAcknowledgment)); n != 0 {
		t.Fatalf("%d acknowledgments", n)
	}
}

// TestImportedAutomaticNotificationIsNeverAcknowledged: a receiver that
// imports automatic notifications makes tickets of them, and never
// answers one, whichever header made it automatic.
func TestImportedAutomaticNotificationIsNeverAcknowledged(t *testing.T) {
	d := openDesk(t, store.SQLite)
	r := d.receiver("alerts@example.com", "alerts@example.com", true)
	db, err := d.st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE receivers SET import_auto_notifications = 1 WHERE id = ?", r.ID); err != nil {
		t.Fatal(err)
	}
	r.ImportAutoNotifications = true
	d.sending(r)
	for i, extra := range []string{"Auto-Submitted: auto-generated", "Precedence: junk"} {
		dec, saved := d.deliver(r, mail("monitor@tools.example", "alerts@example.com", fmt.Sprintf("Disk full %d", i), fmt.Sprintf("mon%d@tools.example", i), "x", extra))
		if dec.Kind != ingest.KindTicket || !dec.Automatic || saved.TicketID == 0 {
			t.Fatalf("%s: got %s (automatic %t), want an imported automatic ticket", extra, dec.Kind, dec.Automatic)
		}
	}
	d.deliver(r, mail("person@tools.example", "alerts@example.com", "A person", "person@tools.example", "x"))
	if acks := d.outbox(store.MailAcknowledgment); len(acks) != 1 || acks[0].Recipients != "person@tools.example" {
		t.Fatalf("acknowledgments %+v, want only the person's", acks)
	}
}

// TestSolveMailsTheSolution: solving with a solution queues one "ticket
// solved" mail to the requester, in the solving transaction, carrying the
// solution; solving again sends nothing more.
func TestSolveMailsTheSolution(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		d.sending(r)
		if err := d.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: r.ID, Event: notify.EventAcknowledgment, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		_, s := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "VPN", "v1@client.example", "cannot connect"))
		tech := d.tech("tess")
		if _, err := d.svc.Solve(ctx, s.TicketID, "Renewed your VPN certificate.", tech); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Solve(ctx, s.TicketID, "Again.", tech); err != nil {
			t.Fatalf("second solve: %v", err)
		}
		solved := d.outbox(store.MailSolved)
		if len(solved) != 1 {
			t.Fatalf("%d solved notices, want 1", len(solved))
		}
		raw := string(solved[0].Raw)
		if !strings.Contains(raw, "Solution:\r\nRenewed your VPN certificate.") && !strings.Contains(raw, "Solution:\nRenewed your VPN certificate.") {
			t.Errorf("the solved notice does not carry the solution:\n%s", raw)
		}
	})
}

// An automatic mail that is not sent leaves a word on its ticket: why
// (a mail that must not be answered, the hourly cap, a notice turned off,
// no requester address); a mail queued leaves none, and neither does a
// receiver whose outgoing mail is off (a setting, said on its own page).
func TestSkippedAutomaticMailsAreRecorded(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		skipped := func(ticketID int64) []string {
			t.Helper()
			evs, err := d.st.TicketEvents(ctx, ticketID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				if e.Kind == store.EventMailSkipped {
					out = append(out, notify.SkippedText(e.OldValue, e.NewValue))
				}
			}
			return out
		}
		_, off := d.deliver(r, mail("bob@client.example", "support@example.com", "Before", "before@client.example", "x"))
		if got := skipped(off.TicketID); off.TicketID == 0 || len(got) != 0 {
			t.Fatalf("outgoing mail off is recorded on every ticket: %q", got)
		}
		d.sending(r)
		_, ok := d.deliver(r, mail("bob@client.example", "support@example.com", "Printer", "p1@client.example", "x"))
		if got := skipped(ok.TicketID); len(got) != 0 {
			t.Fatalf("an acknowledgment queued is recorded as skipped: %q", got)
		}
		dec, auto := d.deliver(r, mail("news@other.example", "support@example.com", "Report", "r1@other.example", "x", "List-Id: <x.lists.example>"))
		if got := skipped(auto.TicketID); auto.TicketID == 0 || len(got) != 1 || !strings.Contains(got[0], "not sent: the mail comes from a mailing list") {
			t.Fatalf("list mail (%s): %q", dec.Reason.Code, got)
		}
		d.st.SetSetting(ctx, SettingAutoMailsPerHour, "1")
		_, capped := d.deliver(r, mail("bob@client.example", "support@example.com", "Again", "p2@client.example", "x"))
		if got := skipped(capped.TicketID); len(got) != 1 || !strings.Contains(got[0], "the address already had 1 automatic mails this hour") {
			t.Fatalf("hourly cap: %q", got)
		}
		if err := d.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: r.ID, Event: notify.EventSolved, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.ChangeStatus(ctx, ok.TicketID, store.StatusSolved, 0); err != nil {
			t.Fatal(err)
		}
		if got := skipped(ok.TicketID); len(got) != 1 || got[0] != `The "ticket solved" notice to the requester was not sent: the receiver's "ticket solved" notice is turned off.` {
			t.Fatalf("solved notice off: %q", got)
		}
		typed := &store.Ticket{Title: "typed in", Status: store.StatusNew, ReceiverID: &r.ID}
		if err := d.st.CreateTicket(ctx, typed, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.ChangeStatus(ctx, typed.ID, store.StatusSolved, 0); err != nil {
			t.Fatal(err)
		}
		if got := skipped(typed.ID); len(got) != 1 || !strings.Contains(got[0], "the requester has no e-mail address") {
			t.Fatalf("no requester address: %q", got)
		}
		all, err := d.st.SkippedMails(ctx, 50)
		if err != nil || len(all) != 4 || all[0].TicketID != typed.ID {
			t.Fatalf("skipped mails, newest first: %+v %v", all, err)
		}
	})
}
