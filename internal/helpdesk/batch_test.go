package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestBatchSavesLikeSave(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		if _, err := d.svc.NewBatch(ctx, d.st, 0, nil); !errors.Is(err, ErrNotInTransaction) {
			t.Fatalf("outside a transaction: got %v, want ErrNotInTransaction", err)
		}
		r := d.receiver("support", "helpdesk@example.com", true)
		carol := &store.User{Login: "carol", Email: "Carol@Example.com", Role: store.RoleTechnician, IsActive: true}
		if err := d.st.CreateUser(ctx, carol, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		raws := [][]byte{
			mail("Jane <jane@example.org>", "helpdesk@example.com", "first", "b1@example.org", "One."),
			mail("Jane <jane@example.org>", "helpdesk@example.com", "second", "b2@example.org", "Two."),
			mail("Carol <carol@example.com>", "helpdesk@example.com", "third", "b3@example.org", "Three."),
		}
		ids := d.saveBatch(r, raws)
		for i, id := range ids {
			tk, err := d.st.Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := d.docs.Has(tk.RawSHA256); !ok || tk.RawSHA256 != docstore.Sum(raws[i]) {
				t.Fatalf("mail %d: original %q kept: %t (%v)", i, tk.RawSHA256, ok, err)
			}
		}
		cases := []struct {
			name        string
			email       string
			wantUser    bool
			wantContact bool
		}{
			{"a stranger becomes a contact", "jane@example.org", false, true},
			{"the same stranger again", "jane@example.org", false, true},
			{"a user is tied to the requester", "carol@example.com", true, false},
		}
		var contact int64
		for i, tc := range cases {
			actors, err := d.st.TicketActors(ctx, ids[i])
			if err != nil || len(actors) != 1 {
				t.Fatalf("%s: got %d actors (%v), want 1", tc.name, len(actors), err)
			}
			a := actors[0]
			if a.Email != tc.email || (a.UserID != nil) != tc.wantUser || (a.ContactID != nil) != tc.wantContact {
				t.Errorf("%s: got requester %+v", tc.name, a)
			}
			if tc.wantUser && *a.UserID != carol.ID {
				t.Errorf("%s: got user %d, want %d", tc.name, *a.UserID, carol.ID)
			}
			if a.ContactID != nil {
				if contact != 0 && *a.ContactID != contact {
					t.Errorf("%s: got contact %d, want %d (one contact per e-mail)", tc.name, *a.ContactID, contact)
				}
				contact = *a.ContactID
			}
		}
	})
}

// TestBatchTicketsFollowTheStoredPriorityMatrix: a batch reads the
// priority matrix once; its tickets still get the stored cell, not GLPI's
// default, for the receiver's urgency and impact as for those a mail rule
// sets.
func TestBatchTicketsFollowTheStoredPriorityMatrix(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support", "helpdesk@example.com", false)
		m := store.DefaultPriorityMatrix
		m[store.DefaultUrgency][store.DefaultImpact] = store.LevelVeryHigh
		if m == store.DefaultPriorityMatrix {
			t.Fatal("the changed cell is GLPI's default: the test would prove nothing")
		}
		if err := d.st.SavePriorityMatrix(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		var raws [][]byte
		for i := range 3 {
			raws = append(raws, mail("Jane <jane@example.org>", "helpdesk@example.com", "printer", fmt.Sprintf("p%d@example.org", i), "Broken."))
		}
		ids := d.saveBatch(r, raws)
		for _, id := range ids {
			tk, err := d.st.Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Priority != store.LevelVeryHigh {
				t.Errorf("ticket %d: priority %d, want %d (the stored matrix)", id, tk.Priority, store.LevelVeryHigh)
			}
		}
	})
}

// saveBatch decides raws with r's settings and saves them in one batch,
// in one transaction, as the collector does; it returns the tickets.
func (d *desk) saveBatch(r *store.Receiver, raws [][]byte) []int64 {
	d.t.Helper()
	ctx := context.Background()
	set, err := d.svc.Settings(ctx, r)
	if err != nil {
		d.t.Fatal(err)
	}
	var ids []int64
	err = d.st.InTx(ctx, func(tx *store.Store) error {
		var decs []*ingest.Decision
		for _, raw := range raws {
			dec, err := ingest.Decide(ctx, raw, set, Knowledge(tx), d.now)
			if err != nil {
				return err
			}
			decs = append(decs, dec)
		}
		b, err := d.svc.NewBatch(ctx, tx, r.ID, decs)
		if err != nil {
			return err
		}
		for i, dec := range decs {
			s, err := b.Save(ctx, raws[i], dec)
			if err != nil {
				return err
			}
			ids = append(ids, s.TicketID)
		}
		return b.Sync()
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return ids
}

// TestBatchAcknowledgesEveryTicket: a batch reads the receiver's outgoing
// mail settings once; every ticket of a batch is still acknowledged when
// the receiver sends mail, none when it does not.
func TestBatchAcknowledgesEveryTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		quiet := d.receiver("quiet", "quiet@example.com", false)
		d.saveBatch(quiet, [][]byte{
			mail("Ann <ann@client.example>", "quiet@example.com", "one", "q1@client.example", "One."),
			mail("Ben <ben@client.example>", "quiet@example.com", "two", "q2@client.example", "Two."),
		})
		if n := len(d.outbox("")); n != 0 {
			t.Fatalf("%d mails queued for a receiver that sends none", n)
		}
		r := d.receiver("support", "support@example.com", false)
		d.sending(r)
		ids := d.saveBatch(r, [][]byte{
			mail("Ann <ann@client.example>", "support@example.com", "one", "s1@client.example", "One."),
			mail("Ben <ben@client.example>", "support@example.com", "two", "s2@client.example", "Two."),
			mail("Cid <cid@client.example>", "support@example.com", "three", "s3@client.example", "Three."),
		})
		acks := d.outbox(store.MailAcknowledgment)
		got := map[int64]string{}
		for _, a := range acks {
			got[*a.TicketID] = a.Recipients
		}
		for i, who := range []string{"ann@client.example", "ben@client.example", "cid@client.example"} {
			if got[ids[i]] != who {
				t.Errorf("ticket %d: acknowledgment to %q, want %q (all: %v)", ids[i], got[ids[i]], who, got)
			}
		}
		if len(acks) != 3 {
			t.Errorf("%d acknowledgments, want 3", len(acks))
		}
	})
}
