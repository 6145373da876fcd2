package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestHeldSearchIndex: tickets inserted while a transaction holds the
// search index are found once it commits, with the values they have at
// the end (a change while held counts, a deletion leaves nothing behind);
// tickets indexed before keep being re-indexed on change; a rollback takes
// the hold back; nothing stays pending.
func TestHeldSearchIndex(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if s.dialect == MySQL {
			// This is the full-text index's test. The word index holds a
			// ticket's words as first written (no path of the store changes
			// a title, text or requester; this test does, in SQL, behind the
			// store's back), so it is left out here.
			defer func(on bool) { useWordIndex = on }(useWordIndex)
			useWordIndex = false
		}
		if _, err := s.HoldSearchIndex(ctx); err == nil {
			t.Fatal("a hold outside a transaction was accepted")
		}
		old := Ticket{Title: "Earlier wombat", Content: "<p>written before</p>"}
		if err := s.CreateTicket(ctx, &old, nil); err != nil {
			t.Fatal(err)
		}
		err := s.InTx(ctx, func(tx *Store) error {
			index, err := tx.HoldSearchIndex(ctx)
			if err != nil {
				return err
			}
			for _, title := range []string{"Alpha quokka", "Beta quokka", "Gamma quokka"} {
				if err := tx.CreateTicket(ctx, &Ticket{Title: title, Content: "<p>numbat</p>"}, nil); err != nil {
					return err
				}
			}
			db := tx.db.WithContext(ctx)
			if err := db.Exec("UPDATE tickets SET title = ? WHERE title = ?", "Beta platypus", "Beta quokka").Error; err != nil {
				return err
			}
			if err := db.Exec("UPDATE tickets SET title = ? WHERE id = ?", "Earlier platypus", old.ID).Error; err != nil {
				return err
			}
			if err := db.Exec("DELETE FROM tickets WHERE title = ?", "Gamma quokka").Error; err != nil {
				return err
			}
			return index(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		for search, want := range map[string][]string{
			"quokka":   {"Alpha quokka"},
			"platypus": {"Beta platypus", "Earlier platypus"},
			"numbat":   {"Alpha quokka", "Beta platypus"},
			"wombat":   {},
			"gamma":    {},
		} {
			if got := searchTitles(t, s, search); !slices.Equal(got, want) {
				t.Errorf("search %q: got %q, want %q", search, got, want)
			}
		}
		checkSearchIndex(t, s)

		// Rolled back: the ticket and the hold are gone; the next ticket
		// is indexed at once.
		boom := errors.New("rolled back")
		err = s.InTx(ctx, func(tx *Store) error {
			if _, err := tx.HoldSearchIndex(ctx); err != nil {
				return err
			}
			if err := tx.CreateTicket(ctx, &Ticket{Title: "Never echidna"}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the rollback", err)
		}
		if err := s.CreateTicket(ctx, &Ticket{Title: "Later echidna"}, nil); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, "echidna"); !slices.Equal(got, []string{"Later echidna"}) {
			t.Fatalf("after a rollback: got %q, want the later ticket only", got)
		}
		checkSearchIndex(t, s)

		// A transaction that committed without indexing (a defect) loses
		// nothing for good: the next start indexes what it left.
		err = s.InTx(ctx, func(tx *Store) error {
			if _, err := tx.HoldSearchIndex(ctx); err != nil {
				return err
			}
			return tx.CreateTicket(ctx, &Ticket{Title: "Forgotten bilby"}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, "bilby"); !slices.Equal(got, []string{"Forgotten bilby"}) {
			t.Fatalf("after a start: got %q, want the ticket left pending", got)
		}
		if err := s.CreateTicket(ctx, &Ticket{Title: "Next bilby"}, nil); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, "bilby"); len(got) != 2 {
			t.Fatalf("after a start, a new ticket: got %q, want both (the hold ended)", got)
		}
		checkSearchIndex(t, s)
	})
}

// checkSearchIndex fails when SQLite's index disagrees with the tickets or
// a hold is left behind.
func checkSearchIndex(t *testing.T, s *Store) {
	t.Helper()
	if s.Dialect() != SQLite {
		return
	}
	db := s.db.WithContext(context.Background())
	if err := db.Exec("INSERT INTO ticket_search (ticket_search, rank) VALUES ('integrity-check', 1)").Error; err != nil {
		t.Fatalf("the search index disagrees with the tickets: %v", err)
	}
	var n int64
	if err := db.Raw("SELECT (SELECT COUNT(*) FROM ticket_search_hold) + (SELECT COUNT(*) FROM ticket_search_pending)").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d rows left in the hold and pending tables (%v)", n, err)
	}
}
