package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestThreading(t *testing.T) {
	tests := []struct {
		name       string
		headers    map[string]string
		closed     string
		wantKind   string
		wantReason string
		wantTicket int64
		wantReopen bool
	}{
		{name: "reply by In-Reply-To",
			headers:  map[string]string{"From": "alice@example.com", "Subject": "Re: printer", "In-Reply-To": "<ticket101-notif@helpdesk.example.com>"},
			wantKind: KindFollowup, wantReason: ReasonInReplyTo, wantTicket: 101},
		{name: "reply by References, last known wins",
			headers:  map[string]string{"From": "zoe@example.com", "Subject": "Re: x", "References": "<orig101@mail.example.com> <nobody@x> <notif303@helpdesk.example.com>"},
			wantKind: KindFollowup, wantReason: ReasonReferences, wantTicket: 303},
		{name: "header match does not need the sender on the ticket",
			headers:  map[string]string{"From": "newcomer@example.com", "Subject": "Fwd: printer", "In-Reply-To": "<orig101@mail.example.com>"},
			wantKind: KindFollowup, wantReason: ReasonInReplyTo, wantTicket: 101},
		{name: "subject tag from a known sender",
			headers:  map[string]string{"From": "Bob <bob@example.com>", "Subject": "RE: [GLPI #0000101] printer"},
			wantKind: KindFollowup, wantReason: ReasonSubjectTag, wantTicket: 101},
		{name: "subject tag from a known Reply-To requester",
			headers: map[string]string{"From": "relay@example.com", "Reply-To": "alice@example.com", "Subject": "[GLPI #101] printer"},
			closed:  "", wantKind: KindFollowup, wantReason: ReasonSubjectTag, wantTicket: 101},
		{name: "subject tag from a stranger is a new ticket",
			headers:  map[string]string{"From": "mallory@evil.example", "Subject": "RE: [GLPI #0000101] printer"},
			wantKind: KindTicket, wantReason: ReasonTagStranger},
		{name: "subject tag with another prefix is ignored",
			headers:  map[string]string{"From": "bob@example.com", "Subject": "RE: [OTRS #0000101] printer"},
			wantKind: KindTicket, wantReason: ReasonNew},
		{name: "subject tag of an unknown ticket",
			headers:  map[string]string{"From": "bob@example.com", "Subject": "RE: [GLPI #0000999] printer"},
			wantKind: KindTicket, wantReason: ReasonNew},
		{name: "unknown Message-IDs fall back to the tag",
			headers:  map[string]string{"From": "bob@example.com", "Subject": "RE: [GLPI #101] printer", "In-Reply-To": "<unknown@x>"},
			wantKind: KindFollowup, wantReason: ReasonSubjectTag, wantTicket: 101},
		{name: "closed ticket, default: new ticket linked",
			headers:  map[string]string{"From": "carol@example.org", "Subject": "Re: reset", "In-Reply-To": "<notif202@helpdesk.example.com>"},
			wantKind: KindTicket, wantReason: ReasonClosedLinked, wantTicket: 202},
		{name: "closed ticket, reopen setting",
			headers: map[string]string{"From": "carol@example.org", "Subject": "Re: reset", "In-Reply-To": "<notif202@helpdesk.example.com>"},
			closed:  ClosedReopen, wantKind: KindFollowup, wantReason: ReasonClosedReopen, wantTicket: 202, wantReopen: true},
		{name: "closed ticket by subject tag, reopen setting",
			headers: map[string]string{"From": "carol@example.org", "Subject": "Re: [GLPI #0000202] reset"},
			closed:  ClosedReopen, wantKind: KindFollowup, wantReason: ReasonClosedReopen, wantTicket: 202, wantReopen: true},
		{name: "closed ticket by subject tag, new setting",
			headers: map[string]string{"From": "carol@example.org", "Subject": "Re: [GLPI #0000202] reset"},
			closed:  ClosedNew, wantKind: KindTicket, wantReason: ReasonClosedLinked, wantTicket: 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSettings()
			s.RequesterField = RequesterReplyTo
			if tt.closed != "" {
				s.ClosedTicketReply = tt.closed
			}
			d, err := Decide(context.Background(), buildMail(tt.headers, "Some text.\r\n"), s, newFakeKnowledge(), testNow)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if d.Kind != tt.wantKind || d.Reason.Code != tt.wantReason || d.TicketID != tt.wantTicket || d.Reopen != tt.wantReopen {
				t.Errorf("got %s/%s ticket %d reopen %v (%s), want %s/%s ticket %d reopen %v",
					d.Kind, d.Reason.Code, d.TicketID, d.Reopen, d.Reason.Text, tt.wantKind, tt.wantReason, tt.wantTicket, tt.wantReopen)
			}
		})
	}
}

func TestDecideStoreFailure(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
	}{
		{name: "Message-ID lookup", headers: map[string]string{"From": "a@example.com", "In-Reply-To": "<x@y>"}},
		{name: "ticket lookup", headers: map[string]string{"From": "a@example.com", "Subject": "[GLPI #1] x"}},
		{name: "bounce lookup", headers: map[string]string{"From": "MAILER-DAEMON@mx.example", "In-Reply-To": "<x@y>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newFakeKnowledge()
			k.fail = true
			d, err := Decide(context.Background(), buildMail(tt.headers, "x"), testSettings(), k, testNow)
			if !errors.Is(err, errStoreDown) || d != nil {
				t.Fatalf("got %v, %v; want nil and an error wrapping the store's", d, err)
			}
		})
	}
}

func TestImportAnyway(t *testing.T) {
	raw := buildMail(map[string]string{"From": "spam@spam.example", "Subject": "Automatic reply: hi", "Auto-Submitted": "auto-replied"}, "hello")
	s := testSettings()
	d, err := Decide(context.Background(), raw, s, newFakeKnowledge(), testNow)
	if err != nil || d.Kind != KindRefused {
		t.Fatalf("got %v, %v; want refused", d, err)
	}
	s.ImportAnyway = true
	d, err = Decide(context.Background(), raw, s, newFakeKnowledge(), testNow)
	if err != nil || d.Kind != KindTicket || d.Requester.Email != "spam@spam.example" {
		t.Fatalf("got %+v, %v; want a ticket from spam@spam.example", d, err)
	}
}

func TestUnreadable(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
	}{
		{name: "empty", raw: nil},
		{name: "binary", raw: []byte{0x00, 0xff, 0xfe, 0x01}},
		{name: "only a body", raw: []byte("\r\n\r\njust text")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(context.Background(), tt.raw, testSettings(), newFakeKnowledge(), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != KindRefused || d.Reason.Code != ReasonUnreadable {
				t.Errorf("got %s/%s, want refused/unreadable", d.Kind, d.Reason.Code)
			}
		})
	}
}

func TestValidateBlacklistEntry(t *testing.T) {
	tests := []struct {
		name  string
		in    BlacklistEntry
		want  string
		field string // the input the refusal belongs next to; "" when accepted
	}{
		{name: "address", in: BlacklistEntry{Kind: BlacklistAddress, Value: " Spam@Example.COM "}, want: "spam@example.com"},
		{name: "address without at", in: BlacklistEntry{Kind: BlacklistAddress, Value: "spam"}, field: "value"},
		{name: "address with glob", in: BlacklistEntry{Kind: BlacklistAddress, Value: "*@x.com"}, field: "value"},
		{name: "domain with at", in: BlacklistEntry{Kind: BlacklistDomain, Value: "@Spammy.biz"}, want: "spammy.biz"},
		{name: "domain without dot", in: BlacklistEntry{Kind: BlacklistDomain, Value: "spammy"}, field: "value"},
		{name: "pattern", in: BlacklistEntry{Kind: BlacklistPattern, Value: "noreply-*@*"}, want: "noreply-*@*"},
		{name: "pattern matching all", in: BlacklistEntry{Kind: BlacklistPattern, Value: "*"}, field: "value"},
		{name: "unknown kind", in: BlacklistEntry{Kind: "regex", Value: "x"}, field: "kind"},
		{name: "empty", in: BlacklistEntry{Kind: BlacklistAddress, Value: " "}, field: "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateBlacklistEntry(tt.in)
			var p *BlacklistProblem
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.field != "" && !errors.As(err, &p):
				t.Fatalf("got %v, want a *BlacklistProblem", err)
			case tt.field != "" && (p.Field != tt.field || p.Message == "" || strings.HasPrefix(p.Message, "ingest:")):
				t.Fatalf("got a problem with %s: %q, want one with %s in the form's words", p.Field, p.Message, tt.field)
			}
			if tt.field == "" && got.Value != tt.want {
				t.Errorf("got %q, want %q", got.Value, tt.want)
			}
		})
	}
}

func TestBlacklistMatch(t *testing.T) {
	c, err := compile(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email string
		want  bool
	}{
		{"spam@spam.example", true},
		{"other@spam.example", false},
		{"x@spammy.biz", true},
		{"x@mail.spammy.biz", true},
		{"x@notspammy.biz", false},
		{"noreply-7@eu.bulkmail.net", true},
		{"noreply@eu.bulkmail.net", false},
		{"alice@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if _, got := c.blacklisted(tt.email); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateSettings(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Settings)
		wantErr bool
	}{
		{name: "defaults", mod: func(*Settings) {}},
		{name: "bad requester field", mod: func(s *Settings) { s.RequesterField = "sender" }, wantErr: true},
		{name: "bad closed reply", mod: func(s *Settings) { s.ClosedTicketReply = "drop" }, wantErr: true},
		{name: "bad pattern", mod: func(s *Settings) { s.OwnMessageIDPattern = "(" }, wantErr: true},
		{name: "negative size", mod: func(s *Settings) { s.FileSizeMax = -1 }, wantErr: true},
		{name: "bad blacklist", mod: func(s *Settings) { s.Blacklist = []BlacklistEntry{{Kind: "x", Value: "y"}} }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.mod(&s)
			if err := ValidateSettings(s); (err != nil) != tt.wantErr {
				t.Errorf("got %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
