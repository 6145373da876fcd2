package helpdesk

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestSaveNewTicketWithDocumentsAndActors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support", "helpdesk@example.com", true)
		obs := &store.User{Login: "carol", Email: "Carol@Example.com", Role: store.RoleTechnician, IsActive: true}
		if err := d.st.CreateUser(ctx, obs, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile("../ingest/testdata/corpus/inline-images.eml")
		if err != nil {
			t.Fatal(err)
		}
		// Carol in Cc becomes an observer tied to her user.
		raw = []byte(strings.Replace(string(raw), "To: Helpdesk <helpdesk@example.com>", "To: Helpdesk <helpdesk@example.com>\r\nCc: Carol <carol@example.com>", 1))
		dec, saved := d.deliver(r, raw)
		if dec.Kind != ingest.KindTicket || saved.TicketID == 0 || saved.FollowupID != 0 || saved.QuarantineID != 0 {
			t.Fatalf("got %s %+v, want a new ticket", dec.Kind, saved)
		}
		tk, err := d.st.Ticket(ctx, saved.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Title != "Error message screenshot" || tk.Status != store.StatusNew || tk.Urgency != store.DefaultUrgency ||
			tk.RequestSource != store.SourceEmail || tk.ReceiverID == nil || *tk.ReceiverID != r.ID ||
			tk.MessageID != "id-14@mail.example.com" || tk.DecisionReason != dec.Reason.Text || tk.DecisionReason == "" ||
			!tk.OpenedAt.Equal(d.now) || !strings.Contains(tk.Content, `data-cid="image001.png@01DA1234.ABCDEF00"`) {
			t.Fatalf("got ticket %+v", tk)
		}
		actors, _ := d.st.TicketActors(ctx, tk.ID)
		var req, ob *store.TicketActor
		for i := range actors {
			switch actors[i].Role {
			case store.ActorRequester:
				req = &actors[i]
			case store.ActorObserver:
				ob = &actors[i]
			}
		}
		if req == nil || req.Email != "alice@example.com" || req.ContactID == nil || req.UserID != nil {
			t.Fatalf("got requester %+v, want alice as a new contact", req)
		}
		if ob == nil || ob.Email != "carol@example.com" || ob.UserID == nil || *ob.UserID != obs.ID || ob.ContactID != nil {
			t.Fatalf("got observer %+v, want carol tied to her user", ob)
		}
		docs, _ := d.st.TicketDocuments(ctx, tk.ID)
		if len(docs) != 2 {
			t.Fatalf("got %d documents, want the inline image and the unused part", len(docs))
		}
		inline := 0
		for _, doc := range docs {
			if ok, _ := d.docs.Has(doc.SHA256); !ok || doc.Size == 0 {
				t.Errorf("document %s: bytes stored %v, size %d", doc.Name, ok, doc.Size)
			}
			if doc.IsInline && doc.ContentID == "image001.png@01DA1234.ABCDEF00" {
				inline++
			}
		}
		if inline != 1 {
			t.Fatalf("got %d inline documents tied by Content-ID, want 1: %+v", inline, docs)
		}
	})
}

func TestSaveRefusedKeepsRawInQuarantine(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	r := d.receiver("support", "helpdesk@example.com", false)
	if err := d.st.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: ingest.BlacklistDomain, Value: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	raw := mail("Spammer <x@spam.example>", "helpdesk@example.com", "Cheap pills", "s1@spam.example", "buy")
	dec, saved := d.deliver(r, raw)
	if dec.Kind != ingest.KindRefused || saved.QuarantineID == 0 || saved.TicketID != 0 {
		t.Fatalf("got %s %+v, want a quarantined mail", dec.Kind, saved)
	}
	q, err := d.st.Quarantined(ctx, saved.QuarantineID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Reason != ingest.ReasonBlacklisted || q.FromAddress != "x@spam.example" || q.ToAddress != "helpdesk@example.com" ||
		q.Subject != "Cheap pills" || q.MailDate == nil || q.ReceiverID == nil || *q.ReceiverID != r.ID || q.Size != int64(len(raw)) {
		t.Fatalf("got quarantine row %+v", q)
	}
	rc, err := d.docs.Open(q.RawSHA256)
	if err != nil {
		t.Fatalf("raw bytes not kept: %v", err)
	}
	rc.Close()
}

func TestSaveRollsBackWithTheCallersTransaction(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	set, _ := d.svc.Settings(ctx, nil)
	raw := mail("a@example.com", "helpdesk@example.com", "Lost", "lost@a", "text")
	boom := context.Canceled
	err := d.st.InTx(ctx, func(tx *store.Store) error {
		dec, err := ingest.Decide(ctx, raw, set, Knowledge(tx), d.now)
		if err != nil {
			return err
		}
		if _, err := d.svc.Save(ctx, tx, 0, raw, dec); err != nil {
			return err
		}
		return boom // the collector's ledger write failed, say
	})
	if err != boom {
		t.Fatalf("got %v", err)
	}
	if _, total, _, _ := d.st.ListTickets(ctx, store.TicketFilter{}); total != 0 {
		t.Fatalf("got %d tickets after rollback, want 0", total)
	}
}

func TestSettingsFromReceiverAndGlobals(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	d.st.SetSetting(ctx, SettingSubjectTagPrefix, "HELP")
	d.st.SetSetting(ctx, SettingClosedTicketReply, ingest.ClosedReopen)
	d.st.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: ingest.BlacklistAddress, Value: "no@x.org"})
	r := &store.Receiver{ID: 1, Login: "Desk@Example.com", FilesizeMax: 1234, UseMailDate: true, RequesterField: "reply-to", AddCcToObserver: false, AddToToObserver: true}
	s, err := d.svc.Settings(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if s.FileSizeMax != 1234 || !s.UseMailDate || s.RequesterField != ingest.RequesterReplyTo || s.AddCCObserver || !s.AddToObserver ||
		len(s.OwnAddresses) != 1 || s.OwnAddresses[0] != "desk@example.com" || s.SubjectTagPrefix != "HELP" ||
		s.ClosedTicketReply != ingest.ClosedReopen || len(s.Blacklist) != 1 {
		t.Fatalf("got %+v", s)
	}
}

// TestSameMailInTwoReceiversMakesOneTicket: a mail sent to support@ and
// sales@, both collected, is one ticket that records both receivers and the
// observers of both; a reused Message-ID with another text, or a copy
// collected after the window, is a new ticket.
func TestSameMailInTwoReceiversMakesOneTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		support := d.receiver("support", "support@example.com", false)
		sales := d.receiver("sales", "sales@example.com", false)
		// Only sales adds its Cc as observers; the other mailbox in To is
		// left out on both, to see which copy added whom.
		support.AddCcToObserver, support.AddToToObserver, sales.AddToToObserver = false, false, false
		copyFor := func(mailbox, body string) []byte {
			return []byte("Delivered-To: " + mailbox + "\r\nReceived: from mx.example.com by imap." + mailbox + "; Tue, 03 Mar 2026 09:15:04 +0100\r\n" +
				string(mail("Erik Sand <erik.sand@example.no>", "support@example.com, sales@example.com", "Quote for 40 laptops",
					"quote-77@example.no", body, "Cc: Ingrid Dahl <ingrid.dahl@example.no>")))
		}
		first, saved1 := d.deliver(support, copyFor("support@example.com", "We need 40 laptops."))
		second, saved2 := d.deliver(sales, copyFor("sales@example.com", "We need 40 laptops."))
		if first.Kind != ingest.KindTicket || second.Kind != ingest.KindDuplicate || saved2.TicketID != saved1.TicketID {
			t.Fatalf("got %s (ticket %d) then %s (ticket %d), want one ticket and a duplicate of it", first.Kind, saved1.TicketID, second.Kind, saved2.TicketID)
		}
		// Collected again (a UIDVALIDITY change): nothing changes twice.
		if again, _ := d.deliver(sales, copyFor("sales@example.com", "We need 40 laptops.")); again.Kind != ingest.KindDuplicate {
			t.Fatalf("the copy collected again: got %s", again.Kind)
		}
		rids, err := d.st.TicketReceivers(ctx, saved1.TicketID)
		if err != nil || len(rids) != 1 || rids[0] != sales.ID {
			t.Fatalf("got receivers %v (%v), want sales (%d) recorded once", rids, err, sales.ID)
		}
		actors, _ := d.st.TicketActors(ctx, saved1.TicketID)
		var got []string
		for _, a := range actors {
			got = append(got, a.Role+":"+a.Email)
		}
		if strings.Join(got, ",") != "requester:erik.sand@example.no,observer:ingrid.dahl@example.no" {
			t.Fatalf("got actors %v, want the requester and the Cc that sales adds as observer, once", got)
		}

		other, saved3 := d.deliver(sales, copyFor("sales@example.com", "Another text under the same Message-ID."))
		if other.Kind != ingest.KindTicket || saved3.TicketID == saved1.TicketID {
			t.Fatalf("reused Message-ID: got %s ticket %d, want a new ticket", other.Kind, saved3.TicketID)
		}
		d.now = d.now.Add(ingest.DuplicateWindow + time.Hour)
		if late, _ := d.deliver(sales, copyFor("sales@example.com", "We need 40 laptops.")); late.Kind == ingest.KindDuplicate {
			t.Fatal("a copy collected after the window was still taken as a duplicate")
		}
	})
}
