package helpdesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestBatchSavesLikeSave(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		if _, err := d.svc.NewBatch(ctx, d.st, 0, nil, nil); !errors.Is(err, ErrNotInTransaction) {
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
		ids, err = d.saveAll(ctx, tx, r, raws, decs, nil)
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return ids
}

// saveAll saves decs (made of raws) in one batch in tx, after kept when
// not nil, and syncs its documents; it returns the tickets.
func (d *desk) saveAll(ctx context.Context, tx *store.Store, r *store.Receiver, raws [][]byte, decs []*ingest.Decision, kept *docstore.Kept) ([]int64, error) {
	b, err := d.svc.NewBatch(ctx, tx, r.ID, decs, kept)
	if err != nil {
		return nil, err
	}
	defer b.Discard() // after Sync: nothing
	var ids []int64
	for i, dec := range decs {
		s, err := b.Save(ctx, raws[i], dec)
		if err != nil {
			return nil, err
		}
		ids = append(ids, s.TicketID)
	}
	return ids, b.Sync()
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

// TestDocumentsKeptAheadOfTheBatch: the documents of decisions kept ahead
// of their transaction (KeepDocuments, as the collector does beside the
// previous batch) are what the batch's tickets name, whole; when one of
// them could not be written, the batch's Sync fails, so its transaction
// commits no ticket naming it.
func TestDocumentsKeptAheadOfTheBatch(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	r := d.receiver("support", "support@example.com", false)
	set, err := d.svc.Settings(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	set.FileSizeMax = 4 << 20
	decide := func(raws [][]byte) []*ingest.Decision {
		var decs []*ingest.Decision
		for _, raw := range raws {
			dec, err := ingest.Decide(ctx, raw, set, Knowledge(d.st), d.now)
			if err != nil || dec.Kind != ingest.KindTicket || len(dec.Documents) != 1 {
				t.Fatalf("decision %v, %v: want a ticket with its attachment", dec, err)
			}
			decs = append(decs, dec)
		}
		return decs
	}
	save := func(raws [][]byte, decs []*ingest.Decision, between func(*docstore.Kept)) (ids []int64, err error) {
		kept := d.svc.KeepDocuments(raws, decs)
		between(kept)
		err = d.st.InTx(ctx, func(tx *store.Store) (err error) {
			ids, err = d.saveAll(ctx, tx, r, raws, decs, kept)
			return err
		})
		return ids, err
	}

	raws := [][]byte{benchMail(1, 20<<10), benchMail(2, 20<<10), benchMail(3, 20<<10)}
	decs := decide(raws)
	ids, err := save(raws, decs, func(*docstore.Kept) {})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		tk, err := d.st.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := d.st.TicketDocuments(ctx, id)
		if err != nil || len(docs) != 1 {
			t.Fatalf("ticket %d: documents %v, %v", id, docs, err)
		}
		for sha, want := range map[string][]byte{tk.RawSHA256: raws[i], docs[0].SHA256: decs[i].Documents[0].Data} {
			rc, err := d.docs.Open(sha)
			if err != nil {
				t.Fatalf("ticket %d: %s: %v", id, sha, err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, want) {
				t.Fatalf("ticket %d: %s holds %d bytes, want %d", id, sha, len(got), len(want))
			}
		}
	}

	// A kept attachment that could not be written: nothing commits, even
	// when its directory is free again by the time of the transaction (the
	// batch does not write again what was kept: it takes the kept error).
	raws = [][]byte{benchMail(4, 20<<10), benchMail(5, 20<<10)}
	decs = decide(raws)
	blocked := docstore.Sum(decs[1].Documents[0].Data)
	if err := os.WriteFile(filepath.Join(d.docs.Root(), blocked[:2]), []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		_, n, _, err := d.st.ListTickets(ctx, store.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if _, err := save(raws, decs, func(k *docstore.Kept) {
		if k.Wait() == nil {
			t.Fatal("keeping a document whose directory is blocked succeeded")
		}
		if err := os.Remove(filepath.Join(d.docs.Root(), blocked[:2])); err != nil {
			t.Fatal(err)
		}
	}); err == nil {
		t.Fatal("the batch committed although a kept document was not written")
	}
	if after := count(); after != before {
		t.Fatalf("%d tickets after the failed batch, want %d", after, before)
	}
}
