package store

import (
	"context"
	"testing"
	"time"
)

// TestDuplicateTicketsAgreeWithDuplicateTicket: the batch look-up gives,
// for every Message-ID and fingerprint, the ticket DuplicateTicket gives
// (the dialect's comparison of Message-IDs included: MySQL's collation
// finds café for cafe).
func TestDuplicateTicketsAgreeWithDuplicateTicket(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		since := now.Add(-time.Hour)
		for _, tk := range []Ticket{
			{Title: "a", MessageID: "quote-1@example.org", ContentSHA256: "aaa", OpenedAt: now.Add(-time.Minute)},
			{Title: "a again", MessageID: "quote-1@example.org", ContentSHA256: "bbb", OpenedAt: now.Add(-time.Minute)},
			{Title: "a third", MessageID: "quote-1@example.org", ContentSHA256: "aaa", OpenedAt: now.Add(-time.Minute)},
			{Title: "old", MessageID: "old@example.org", ContentSHA256: "aaa", OpenedAt: now.Add(-2 * time.Hour)},
			{Title: "case", MessageID: "Mixed.Case@Example.org", ContentSHA256: "aaa", OpenedAt: now.Add(-time.Minute)},
			{Title: "accent", MessageID: "café@example.org", ContentSHA256: "aaa", OpenedAt: now.Add(-time.Minute)},
		} {
			if err := s.CreateTicket(ctx, &tk, nil); err != nil {
				t.Fatal(err)
			}
		}
		asked := []string{"quote-1@example.org", "<quote-1@example.org>", "old@example.org", "mixed.case@example.org",
			"Mixed.Case@Example.org", "cafe@example.org", "café@example.org", "none@example.org", ""}
		got, err := s.DuplicateTickets(ctx, asked, since)
		if err != nil {
			t.Fatal(err)
		}
		answered := 0
		for _, id := range asked {
			cands, ok := got[id]
			want := id != ""
			if ok != want {
				t.Errorf("%q: answered %v, want %v", id, ok, want)
			}
			if !ok {
				continue
			}
			answered++
			for _, sha := range []string{"aaa", "bbb", "ccc"} {
				wantID, wantFound, err := s.DuplicateTicket(ctx, id, sha, since)
				if err != nil {
					t.Fatal(err)
				}
				var gotID int64
				for _, c := range cands {
					if c.ContentSHA256 == sha {
						gotID = c.ID
						break
					}
				}
				if gotID != wantID || (gotID != 0) != wantFound {
					t.Errorf("%q, %s: batch look-up gives ticket %d, DuplicateTicket %d (%v)", id, sha, gotID, wantID, wantFound)
				}
			}
		}
		if answered < 8 {
			t.Fatalf("only %d Message-IDs answered: the test compares too little", answered)
		}
	})
}
