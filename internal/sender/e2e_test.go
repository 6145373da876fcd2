package sender

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const (
	requester = "bob@client.example"
	smtpScope = "https://outlook.office.com/SMTP.Send"
)

// world is a helpdesk whose receiver support@example.com sends as its
// mailbox through Dovecot's real submission service, with OAuth tokens of
// the fake identity provider checked by Dovecot.
type world struct {
	t    testing.TB
	idp  *oauthtest.IdP
	d    *testpeer.Dovecot
	st   *store.Store
	desk *helpdesk.Service
	rec  *store.Receiver
	pool *Pool
}

type idpTokens struct {
	idp  *oauthtest.IdP
	user string
}

// AccessToken hands out a real-size (3 KB) token, as Entra's are.
func (i idpTokens) AccessToken(context.Context, int64) (string, error) {
	return i.idp.AccessToken(i.user, smtpScope, 3000), nil
}

func newWorld(t testing.TB, d store.Dialect) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, idp: oauthtest.New(t)}
	w.idp.AddUser(support, "Support")
	w.idp.AddUser(requester, "Bob")
	w.d = testpeer.StartDovecotSubmission(t, w.idp.IntrospectionURL())
	w.st = openStore(t, d)
	docs, err := docstore.New(filepath.Join(t.TempDir(), "docs"))
	if err != nil {
		t.Fatal(err)
	}
	w.desk = helpdesk.New(w.st, docs)
	app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "global", ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "app-secret"}
	if err := w.st.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	w.rec = &store.Receiver{Name: support, Host: "127.0.0.1", Port: 993, Security: "ssl", ApplicationID: &app.ID, Login: support, RequesterField: "from"}
	if err := w.st.CreateReceiver(ctx, w.rec, nil); err != nil {
		t.Fatal(err)
	}
	g := &oauth.Grant{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour), Email: support,
		Scope: smtpScope, Identity: oauth.Identity{TenantID: "t", ObjectID: "o", Email: support}}
	if _, _, err := w.st.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: g}); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(w.d.SubmissionAddr())
	p, _ := strconv.Atoi(port)
	if err := w.st.SaveMailSender(ctx, &store.MailSender{ReceiverID: w.rec.ID, Mode: store.SenderOAuth, Host: host, Port: p,
		Security: "starttls", Login: support, FromName: "Support"}); err != nil {
		t.Fatal(err)
	}
	w.pool = New(Options{Store: w.st, Tokens: idpTokens{w.idp, support}, Instance: "e2e"})
	return w
}

// ingest decides and saves raw as the collector's batch does.
func (w *world) ingest(raw []byte) (*ingest.Decision, helpdesk.Saved) {
	w.t.Helper()
	ctx := context.Background()
	set, err := w.desk.Settings(ctx, w.rec)
	if err != nil {
		w.t.Fatal(err)
	}
	var dec *ingest.Decision
	var saved helpdesk.Saved
	err = w.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if dec, err = ingest.Decide(ctx, raw, set, helpdesk.Knowledge(tx), time.Now()); err != nil {
			return err
		}
		saved, err = w.desk.Save(ctx, tx, w.rec.ID, raw, dec)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return dec, saved
}

// inbox returns user's INBOX over IMAP.
func (w *world) inbox(user string) [][]byte {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok := w.idp.AccessToken(user, "https://outlook.office.com/IMAP.AccessAsUser.All", 0)
	host, port, _ := net.SplitHostPort(w.d.Addr())
	p, _ := strconv.Atoi(port)
	s, err := mailbox.Dial(ctx, mailbox.Config{Host: host, Port: p, Security: mailbox.SecuritySTARTTLS, Timeout: 10 * time.Second,
		Auth: mailbox.XOAUTH2(user, func(context.Context) (string, error) { return tok, nil })})
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(ctx, "INBOX"); err != nil {
		w.t.Fatal(err)
	}
	uids, err := s.UIDsAfter(ctx, 0, false, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	var out [][]byte
	if err := s.Fetch(ctx, uids, 0, func(m mailbox.Message) error { out = append(out, m.Raw); return nil }); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// sendAs submits raw as user through the same submission service.
func (w *world) sendAs(user string, to []string, raw []byte) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host, port, _ := net.SplitHostPort(w.d.SubmissionAddr())
	p, _ := strconv.Atoi(port)
	tok := w.idp.AccessToken(user, smtpScope, 0)
	c, err := submission.Dial(ctx, submission.Config{Host: host, Port: p, Security: submission.SecuritySTARTTLS, Timeout: 10 * time.Second,
		Auth: submission.XOAUTH2(user, func(context.Context) (string, error) { return tok, nil })})
	if err != nil {
		w.t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Send(ctx, user, to, raw); err != nil {
		w.t.Fatal(err)
	}
}

// TestStaffReplyReachesTheRequesterAndTheAnswerThreadsBack: a requester's
// mail becomes a ticket; a technician answers by mail; the pool sends it
// through the real submission server (3 KB OAuth token after the 334); the
// answer is read from the requester's mailbox over IMAP with the right
// headers; the requester replies to it through SMTP; that reply, read from
// the support mailbox, becomes a follow-up of the same ticket.
func TestStaffReplyReachesTheRequesterAndTheAnswerThreadsBack(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(dialect), func(t *testing.T) {
			w := newWorld(t, dialect)
			ctx := context.Background()
			first := "From: Bob <" + requester + ">\r\nTo: " + support + "\r\nSubject: Printer jams\r\nMessage-ID: <first-" + string(dialect) +
				"@client.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n\r\nThe printer jams on page 2.\r\n"
			w.sendAs(requester, []string{support}, []byte(first))
			got := w.inbox(support)
			if len(got) != 1 {
				t.Fatalf("support's INBOX has %d mails", len(got))
			}
			dec, saved := w.ingest(got[0])
			if dec.Kind != ingest.KindTicket {
				t.Fatalf("first mail became %s", dec.Kind)
			}
			tech := &store.User{Login: "tech", Name: "Tim Tech", Role: store.RoleTechnician, IsActive: true}
			if err := w.st.CreateUser(ctx, tech, "a-long-password-1"); err != nil {
				t.Fatal(err)
			}
			// The acknowledgment was queued with the ticket.
			if s, err := w.pool.SendDue(ctx); err != nil || s.Sent != 1 {
				t.Fatalf("pool (acknowledgment): %+v %v", s, err)
			}
			box := w.inbox(requester)
			if len(box) != 1 || !bytes.Contains(box[0], []byte("Auto-Submitted: auto-replied")) || !bytes.Contains(box[0], []byte("registered as ticket")) {
				t.Fatalf("the requester's INBOX should hold the acknowledgment: %d mails", len(box))
			}
			guide := bytes.Repeat([]byte("%PDF-1.4 tray 2 \x00\xff"), 3000)
			if _, err := w.desk.AnswerByMail(ctx, saved.TicketID, tech, "Please open tray 2 and remove the paper.", false,
				submission.Attachment{Name: "Tray 2 — guide.pdf", MIMEType: "application/pdf", Data: guide}); err != nil {
				t.Fatal(err)
			}
			if s, err := w.pool.SendDue(ctx); err != nil || s.Sent != 1 {
				t.Fatalf("pool: %+v %v", s, err)
			}
			box = w.inbox(requester)
			if len(box) != 2 {
				t.Fatalf("the requester's INBOX has %d mails, want the acknowledgment and the answer", len(box))
			}
			mr, err := mail.CreateReader(bytes.NewReader(box[1]))
			if err != nil {
				t.Fatal(err)
			}
			subj, _ := mr.Header.Subject()
			irt, _ := mr.Header.MsgIDList("In-Reply-To")
			ourID, _ := mr.Header.MessageID()
			from, _ := mr.Header.AddressList("From")
			wantTag := "[GLPI #" + strings.Repeat("0", 7-len(strconv.FormatInt(saved.TicketID, 10))) + strconv.FormatInt(saved.TicketID, 10) + "]"
			if !strings.HasPrefix(subj, wantTag+" Printer jams") || !slices.Contains(irt, "first-"+string(dialect)+"@client.example") ||
				!strings.HasPrefix(ourID, "GLPI_") || len(from) != 1 || from[0].Address != support || from[0].Name != "Support" {
				t.Fatalf("received headers: subject %q In-Reply-To %v Message-ID %q From %v", subj, irt, ourID, from)
			}
			if !bytes.Contains(box[1], []byte("remove the paper")) {
				t.Error("the body did not arrive")
			}
			// The file arrives as an attachment, byte for byte.
			attached := false
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				if h, ok := p.Header.(*mail.AttachmentHeader); ok {
					name, _ := h.Filename()
					b, _ := io.ReadAll(p.Body)
					attached = attached || name == "Tray 2 — guide.pdf" && bytes.Equal(b, guide)
				}
			}
			if !attached {
				t.Error("the answer's file did not arrive as its attachment")
			}
			// The requester answers with his mail program's headers.
			reply := "From: " + requester + "\r\nTo: " + support + "\r\nSubject: Re: " + subj + "\r\nMessage-ID: <reply-" + string(dialect) +
				"@client.example>\r\nIn-Reply-To: <" + ourID + ">\r\nReferences: <first-" + string(dialect) + "@client.example> <" + ourID + ">\r\n\r\nThat worked, thanks.\r\n"
			w.sendAs(requester, []string{support}, []byte(reply))
			got = w.inbox(support)
			if len(got) != 2 {
				t.Fatalf("support's INBOX has %d mails", len(got))
			}
			dec, again := w.ingest(got[1])
			if dec.Kind != ingest.KindFollowup || again.TicketID != saved.TicketID || dec.Reason.Code != ingest.ReasonInReplyTo {
				t.Fatalf("the reply became %s of ticket %d (%s), want a follow-up of %d", dec.Kind, again.TicketID, dec.Reason.Code, saved.TicketID)
			}
			// No acknowledgment for the reply: still the two mails, both sent.
			rows, _ := w.st.OutboxForTicket(ctx, saved.TicketID)
			if len(rows) != 2 || rows[0].Kind != store.MailAcknowledgment || rows[1].Kind != store.MailReply ||
				rows[0].State != store.OutboxSent || rows[1].State != store.OutboxSent {
				t.Fatalf("outbox %+v", rows)
			}
			if s, _ := w.pool.SendDue(ctx); s.Claimed != 0 {
				t.Fatalf("something more was queued: %+v", s)
			}
			if len(w.inbox(requester)) != 2 {
				t.Fatal("the requester got more mail")
			}
		})
	}
}

// BenchmarkStaffReplyToMailbox measures the time from a staff answer (the
// follow-up and its outbox row committed) to the mail readable in the
// requester's mailbox over IMAP, through the real submission service.
// The pool is woken at once, as the ticket page does.
//
//	go test -run '^$' -bench StaffReplyToMailbox -benchtime 1x ./internal/sender
func BenchmarkStaffReplyToMailbox(b *testing.B) {
	for _, dialect := range []store.Dialect{store.SQLite, store.MySQL} {
		b.Run(string(dialect), func(b *testing.B) {
			w := newWorld(b, dialect)
			ctx := context.Background()
			// Only the answers are measured: no acknowledgment of the ticket.
			if err := w.st.SaveMailNotification(ctx, &store.MailNotification{ReceiverID: w.rec.ID, Event: store.MailAcknowledgment}); err != nil {
				b.Fatal(err)
			}
			first := "From: " + requester + "\r\nTo: " + support + "\r\nSubject: Latency\r\nMessage-ID: <lat@client.example>\r\n\r\nhello\r\n"
			_, saved := w.ingest([]byte(first))
			pctx, stop := context.WithCancel(ctx)
			defer stop()
			go w.pool.Run(pctx)
			const replies = 40
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				lat = lat[:0]
				base := len(w.inbox(requester))
				for i := range replies {
					t0 := time.Now()
					if _, err := w.desk.AnswerByMail(ctx, saved.TicketID, nil, "answer "+strconv.Itoa(i), false); err != nil {
						b.Fatal(err)
					}
					w.pool.Wake()
					for len(w.inbox(requester)) < base+i+1 {
						if time.Since(t0) > 20*time.Second {
							b.Fatalf("answer %d never arrived", i)
						}
					}
					lat = append(lat, time.Since(t0))
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
