package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQuarantineListDeletePurge(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		rid := testReceiver(t, s, "inbox")
		long := make([]byte, 600)
		for i := range long {
			long[i] = 'z'
		}
		mails := []*QuarantinedMail{
			{ReceiverID: &rid, FromAddress: "bot@x.org", Subject: "Out of office", Reason: "auto_reply", RawSHA256: "aa"},
			{FromAddress: "spam@y.org", Subject: string(long), Reason: "blacklisted", RawSHA256: "bb"},
		}
		for _, m := range mails {
			if err := s.CreateQuarantined(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, err := s.ListQuarantine(ctx, ListQuery{Search: "office"})
		if err != nil || total != 1 || rows[0].ReceiverName != "inbox" {
			t.Fatalf("got %+v total %d (%v), want the auto-reply with its receiver", rows, total, err)
		}
		if got, _ := s.Quarantined(ctx, mails[1].ID); len([]rune(got.Subject)) != 255 {
			t.Fatalf("got a subject of %d characters, want it cut to 255", len([]rune(got.Subject)))
		}
		if r, err := s.ReceiverOfQuarantine(ctx, mails[0]); err != nil || r == nil || r.ID != rid {
			t.Fatalf("got receiver %v (%v), want %d", r, err, rid)
		}
		if used, _ := s.BlobReferenced(ctx, "aa"); !used {
			t.Fatal("a quarantined mail's raw bytes must count as referenced")
		}
		if err := s.DeleteQuarantined(ctx, mails[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteQuarantined(ctx, mails[0].ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: got %v, want ErrNotFound", err)
		}
		shas, err := s.PurgeQuarantined(ctx, s.now().Add(-time.Hour), 10)
		if err != nil || len(shas) != 0 {
			t.Fatalf("purge of nothing old: got %v (%v)", shas, err)
		}
		shas, err = s.PurgeQuarantined(ctx, s.now().Add(time.Hour), 10)
		if err != nil || len(shas) != 1 || shas[0] != "bb" {
			t.Fatalf("purge: got %v (%v), want [bb]", shas, err)
		}
		if _, total, _ := s.ListQuarantine(ctx, ListQuery{}); total != 0 {
			t.Fatalf("got %d rows after purge, want 0", total)
		}
	})
}

func TestBlacklistAndContacts(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		e := &BlacklistEntry{Kind: "domain", Value: "spam.example"}
		if err := s.AddBlacklistEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := s.AddBlacklistEntry(ctx, &BlacklistEntry{Kind: "domain", Value: "spam.example"}); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("duplicate: got %v, want ErrDuplicate", err)
		}
		if all, err := s.BlacklistEntries(ctx); err != nil || len(all) != 1 {
			t.Fatalf("got %v (%v), want one entry", all, err)
		}
		if _, err := s.DeleteBlacklistEntry(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := s.ListBlacklist(ctx, ListQuery{}); total != 0 {
			t.Fatalf("got %d entries after delete", total)
		}

		a, err := s.EnsureContact(ctx, "Jane@Example.com", "Jane")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.EnsureContact(ctx, "jane@example.com", "Jane D.")
		if err != nil || a != b {
			t.Fatalf("got contacts %d and %d (%v), want one", a, b, err)
		}
		u := &User{Login: "bob", Email: "Bob@Example.com", Role: RoleTechnician, IsActive: true}
		if err := s.CreateUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		ids, err := s.UserIDsByEmail(ctx, []string{"bob@example.com", "nobody@example.com"})
		if err != nil || len(ids) != 1 || ids["bob@example.com"] != u.ID {
			t.Fatalf("got %v (%v), want bob only", ids, err)
		}
	})
}

// TestQuarantineRequester names the known user or contact behind a
// refused mail's sender, finds a mail by its Message-ID, and lists each
// mail once even when two users share the address.
func TestQuarantineRequester(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, u := range []*User{{Login: "bea", Name: "Bea Boss", Email: "Bea@Corp.example", IsActive: true, Role: RoleTechnician},
			{Login: "bea2", Email: "bea@corp.example", Role: RoleTechnician}} {
			if err := s.CreateUser(ctx, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.EnsureContact(ctx, "carl@client.example", "Carl Client"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*QuarantinedMail{
			{FromAddress: "bea@corp.example", Subject: "a", MessageID: "<m1@corp.example>", Reason: "auto_reply"},
			{FromAddress: "CARL@client.example", Subject: "b", MessageID: "<m2@client.example>", Reason: "auto_reply"},
			{FromAddress: "stranger@else.example", Subject: "c", MessageID: "<m3@else.example>", Reason: "auto_reply"},
		} {
			if err := s.CreateQuarantined(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, err := s.ListQuarantine(ctx, ListQuery{Sort: "subject"})
		if err != nil || total != 3 || len(rows) != 3 {
			t.Fatalf("got %d rows, total %d (%v), want 3", len(rows), total, err)
		}
		for i, want := range []string{"Bea Boss", "Carl Client", ""} {
			if rows[i].Requester != want {
				t.Errorf("row %s: got requester %q, want %q", rows[i].Subject, rows[i].Requester, want)
			}
		}
		rows, total, err = s.ListQuarantine(ctx, ListQuery{Search: "m2@client"})
		if err != nil || total != 1 || rows[0].Subject != "b" {
			t.Fatalf("search by Message-ID: got %+v total %d (%v)", rows, total, err)
		}
	})
}
