package helpdesk

import (
	"context"
	"testing"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestThreadingEndToEnd decides real mails with Knowledge over the store
// and saves them, so each reply finds what the earlier mails created.
func TestThreadingEndToEnd(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support", "helpdesk@example.com", false)
		_, first := d.deliver(r, mail("Alice <alice@example.com>", "helpdesk@example.com", "Printer jammed", "orig@alice", "It jams.",
			"Cc: bob@example.com"))
		tag := "[GLPI #" + pad(first.TicketID) + "]"

		steps := []struct {
			name        string
			closedReply string
			closeFirst  bool
			solveFirst  bool
			raw         []byte
			wantKind    string
			wantReason  string
			check       func(t *testing.T, dec *ingest.Decision, s Saved)
		}{
			{name: "reply by In-Reply-To", raw: mail("alice@example.com", "helpdesk@example.com", "Re: Printer jammed", "r1@alice", "Still jammed.", "In-Reply-To: <orig@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonInReplyTo},
			{name: "reply by References to a follow-up", raw: mail("alice@example.com", "helpdesk@example.com", "Re: Printer", "r2@alice", "Again.", "References: <orig@alice> <r1@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonReferences},
			{name: "subject tag from a known sender (an observer)", raw: mail("bob@example.com", "helpdesk@example.com", "Re: "+tag+" Printer", "r3@bob", "Me too."),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonSubjectTag},
			{name: "subject tag from a stranger", raw: mail("eve@evil.example", "helpdesk@example.com", "Re: "+tag+" Printer", "r4@eve", "Hi."),
				wantKind: ingest.KindTicket, wantReason: ingest.ReasonTagStranger,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					if s.TicketID == first.TicketID {
						t.Fatal("a stranger's tag threaded into the ticket")
					}
				}},
			{name: "an observer's reply to a solved ticket: a follow-up, still solved", solveFirst: true,
				raw:      mail("bob@example.com", "helpdesk@example.com", "Re: Printer", "s1@bob", "Thanks!", "In-Reply-To: <orig@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonInReplyTo,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					if tk, _ := d.st.Ticket(ctx, first.TicketID); tk.Status != store.StatusSolved {
						t.Fatalf("an observer's reply moved the solved ticket to status %d", tk.Status)
					}
				}},
			{name: "the requester's reply to a solved ticket reopens it", solveFirst: true,
				raw:      mail("Alice <alice@example.com>", "helpdesk@example.com", "Re: Printer", "s2@alice", "Not fixed after all.", "In-Reply-To: <orig@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonSolvedReopen,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					tk, _ := d.st.Ticket(ctx, first.TicketID)
					evs, _ := d.st.TicketEvents(ctx, first.TicketID)
					last := evs[len(evs)-1]
					if tk.Status != store.StatusNew || tk.SolvedAt != nil || last.Kind != store.EventReopen || last.OldValue != "5" || last.NewValue != "1" {
						t.Fatalf("got status %d and last event %+v, want reopened from Solved to New", tk.Status, last)
					}
				}},
			{name: "reply to a closed ticket, default: new linked ticket", closeFirst: true,
				raw:      mail("alice@example.com", "helpdesk@example.com", "Re: Printer", "r5@alice", "Back again.", "In-Reply-To: <orig@alice>"),
				wantKind: ingest.KindTicket, wantReason: ingest.ReasonClosedLinked,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					tk, _ := d.st.Ticket(ctx, s.TicketID)
					if tk.LinkedTicketID == nil || *tk.LinkedTicketID != first.TicketID {
						t.Fatalf("got linked %v, want %d", tk.LinkedTicketID, first.TicketID)
					}
					old, _ := d.st.Ticket(ctx, first.TicketID)
					if old.Status != store.StatusClosed {
						t.Fatalf("the closed ticket changed status to %d", old.Status)
					}
				}},
			{name: "reply to a closed ticket, reopen setting", closeFirst: true, closedReply: ingest.ClosedReopen,
				raw:      mail("alice@example.com", "helpdesk@example.com", "Re: Printer", "r6@alice", "Reopen please.", "In-Reply-To: <orig@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonClosedReopen,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					tk, _ := d.st.Ticket(ctx, first.TicketID)
					evs, _ := d.st.TicketEvents(ctx, first.TicketID)
					last := evs[len(evs)-1]
					if tk.Status != store.StatusNew || last.Kind != store.EventReopen || last.NewValue != "1" {
						t.Fatalf("got status %d and last event %+v, want reopened to New", tk.Status, last)
					}
				}},
			{name: "a bounce of one of the ticket's mails", raw: mail("MAILER-DAEMON@mx.example.net", "helpdesk@example.com", "Undelivered Mail Returned to Sender", "dsn1@mx", "Delivery failed.", "In-Reply-To: <r1@alice>"),
				wantKind: ingest.KindFollowup, wantReason: ingest.ReasonBounce,
				check: func(t *testing.T, dec *ingest.Decision, s Saved) {
					fs, _ := d.st.Followups(ctx, first.TicketID)
					if fs[len(fs)-1].Kind != store.FollowupBounce {
						t.Fatalf("got follow-up kind %q, want bounce", fs[len(fs)-1].Kind)
					}
				}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				policy := st.closedReply
				if policy == "" {
					policy = ingest.ClosedNew
				}
				d.st.SetSetting(ctx, SettingClosedTicketReply, policy)
				if st.solveFirst {
					if _, err := d.svc.ChangeStatus(ctx, first.TicketID, store.StatusSolved, 0); err != nil {
						t.Fatal(err)
					}
				}
				if st.closeFirst {
					if _, err := d.svc.ChangeStatus(ctx, first.TicketID, store.StatusClosed, 0); err != nil {
						t.Fatal(err)
					}
				}
				dec, saved := d.deliver(r, st.raw)
				if dec.Kind != st.wantKind || dec.Reason.Code != st.wantReason {
					t.Fatalf("got %s/%s (%s), want %s/%s", dec.Kind, dec.Reason.Code, dec.Reason.Text, st.wantKind, st.wantReason)
				}
				if dec.Kind == ingest.KindFollowup {
					if saved.TicketID != first.TicketID || saved.FollowupID == 0 {
						t.Fatalf("got %+v, want a follow-up of ticket %d", saved, first.TicketID)
					}
					fs, _ := d.st.Followups(ctx, first.TicketID)
					if got := fs[len(fs)-1]; got.ID != saved.FollowupID || got.DecisionReason != dec.Reason.Text || got.MessageID == "" {
						t.Fatalf("got follow-up %+v, want the reason and Message-ID kept", got)
					}
				}
				if st.check != nil {
					st.check(t, dec, saved)
				}
			})
		}
	})
}

func pad(id int64) string {
	s := "0000000" + itoa(id)
	return s[len(s)-7:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
