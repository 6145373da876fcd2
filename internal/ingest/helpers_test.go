package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// fakeKnowledge is a fixed store: three tickets and the Message-IDs that
// point to them.
type fakeKnowledge struct {
	tickets map[int64]TicketRef
	ids     map[string]int64
	// copies are mails that opened a ticket: Message-ID -> fingerprint and
	// ticket, for DuplicateTicket.
	copies map[string]knownCopy
	fail   bool
}

type knownCopy struct {
	hash   string
	ticket int64
}

// quoteFirstCopy is the mail of corpus/duplicate-second-receiver.eml as
// the support@ mailbox received it (its own delivery headers); ticket 404
// was opened from it.
const quoteFirstCopy = "Return-Path: <erik.sand@example.no>\r\nDelivered-To: support@example.com\r\n" +
	"Received: from mx1.example.com (mx1.example.com [192.0.2.10])\r\n\tby imap.example.com with LMTP id 3f; Tue, 03 Mar 2026 09:15:02 +0100\r\n" +
	"From: Erik Sand <erik.sand@example.no>\r\nTo: Support <support@example.com>, Sales <sales@example.com>\r\n" +
	"Cc: Ingrid Dahl <ingrid.dahl@example.no>\r\nSubject: Quote for 40 laptops\r\nDate: Tue, 03 Mar 2026 09:15:00 +0100\r\n" +
	"Message-ID: <quote-request-77@mail.example.no>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
	"Hello, we need a quote for 40 laptops delivered to Bergen.\r\n"

func fingerprintOf(raw string) string {
	ent, _ := readMessage([]byte(raw))
	return fingerprint([]byte(raw), readEnvelope(ent.Header, nil))
}

func newFakeKnowledge() *fakeKnowledge {
	return &fakeKnowledge{
		tickets: map[int64]TicketRef{
			101: {ID: 101, Participants: []string{"alice@example.com", "bob@example.com"}},
			202: {ID: 202, Closed: true, Participants: []string{"carol@example.org"}},
			303: {ID: 303, Participants: []string{"dave@example.net"}},
			404: {ID: 404, Participants: []string{"erik.sand@example.no"}},
		},
		copies: map[string]knownCopy{
			"quote-request-77@mail.example.no": {hash: fingerprintOf(quoteFirstCopy), ticket: 404},
		},
		ids: map[string]int64{
			"orig101@mail.example.com":             101,
			"ticket101-notif@helpdesk.example.com": 101,
			"notif202@helpdesk.example.com":        202,
			"notif303@helpdesk.example.com":        303,
		},
	}
}

var errStoreDown = errors.New("store down")

func (k *fakeKnowledge) TicketsByMessageID(_ context.Context, ids []string) (map[string]TicketRef, error) {
	if k.fail {
		return nil, errStoreDown
	}
	out := map[string]TicketRef{}
	for _, id := range ids {
		if t, ok := k.ids[id]; ok {
			out[id] = k.tickets[t]
		}
	}
	return out, nil
}

func (k *fakeKnowledge) DuplicateTicket(_ context.Context, messageID, hash string, since time.Time) (TicketRef, bool, error) {
	if k.fail {
		return TicketRef{}, false, errStoreDown
	}
	// The fake's tickets were all opened the day before testNow.
	if c, ok := k.copies[messageID]; ok && c.hash == hash && !since.After(testNow.Add(-24*time.Hour)) {
		return k.tickets[c.ticket], true, nil
	}
	return TicketRef{}, false, nil
}

func (k *fakeKnowledge) Ticket(_ context.Context, id int64) (TicketRef, bool, error) {
	if k.fail {
		return TicketRef{}, false, errStoreDown
	}
	t, ok := k.tickets[id]
	return t, ok, nil
}

// testNow is the collect time of every test decision.
var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

// testSettings is a receiver as an admin would set it up for the corpus.
func testSettings() Settings {
	s := DefaultSettings()
	s.FileSizeMax = 64 << 10
	s.MaxMessageSize = 4 << 20
	s.OwnAddresses = []string{"Helpdesk@example.com"}
	s.Blacklist = []BlacklistEntry{
		{Kind: BlacklistAddress, Value: "spam@spam.example"},
		{Kind: BlacklistDomain, Value: "spammy.biz"},
		{Kind: BlacklistPattern, Value: "noreply-*@*.bulkmail.*"},
	}
	s.Rules = defaultRules
	return s
}

// defaultRules are the seeded mail rules: the corpus is decided with them,
// as a new installation decides it.
var defaultRules = func() *rules.Set {
	s, err := rules.Compile(rules.Defaults())
	if err != nil {
		panic(err)
	}
	return s
}()

// settingsFor gives the few corpus files that exercise an option their
// receiver's settings.
func settingsFor(name string) Settings {
	s := testSettings()
	switch name {
	case "reply-closed-reopen":
		s.ClosedTicketReply = ClosedReopen
	case "reply-to-requester":
		s.RequesterField = RequesterReplyTo
	case "to-observers":
		s.AddToObserver = true
	case "too-large-message":
		s.MaxMessageSize = 2000
	case "file-import-disabled":
		s.FileSizeMax = 0
	case "mail-date":
		s.UseMailDate = true
	case "auto-notification-import", "auto-reply-notifications-on":
		s.ImportAutoNotifications = true
	case "document-types":
		s.DocumentTypes = []DocumentType{{Ext: "pdf"}, {Ext: ".PNG"}, {MIME: "text/plain"}, {MIME: "image/*"}}
	case "blacklisted-content-text", "blacklisted-content-html":
		s.BlacklistedContent = []string{
			"This e-mail and any attachments are confidential and intended solely for the addressee. If you received it in error, delete it.",
			"Sent from my phone",
		}
	}
	return s
}

// buildMail builds a small message for table tests.
func buildMail(headers map[string]string, body string) []byte {
	var b strings.Builder
	keys := []string{"From", "To", "Cc", "Reply-To", "Subject", "Message-ID", "In-Reply-To", "References", "Content-Type"}
	if _, ok := headers["Content-Type"]; !ok {
		headers["Content-Type"] = "text/plain; charset=utf-8"
	}
	for _, k := range keys {
		if v, ok := headers[k]; ok {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	for k, v := range headers {
		found := false
		for _, kk := range keys {
			found = found || kk == k
		}
		if !found {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}
