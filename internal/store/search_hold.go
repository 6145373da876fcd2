package store

import (
	"context"
	"errors"
	"fmt"
)

// HoldSearchIndex makes the tickets inserted from now on in this
// transaction wait for one index write: on SQLite, FTS5 writes a small
// index segment at every statement that changes it, so indexing a batch's
// tickets one INSERT at a time cost a segment (and its merges) per ticket.
// The returned function indexes every ticket inserted since, with one
// statement, and ends the hold; call it before the transaction commits
// (a rolled-back transaction takes the hold back with it). Tickets changed
// or deleted while they wait are indexed as they are at that moment, or
// not at all. On MySQL the index is InnoDB's, written at commit: nothing
// to hold.
func (s *Store) HoldSearchIndex(ctx context.Context) (index func(context.Context) error, err error) {
	if !s.InTransaction() {
		return nil, errors.New("store: hold the search index: not in a transaction")
	}
	if s.dialect != SQLite {
		return func(context.Context) error { return nil }, nil
	}
	if err := s.db.WithContext(ctx).Exec("INSERT INTO ticket_search_hold (id) VALUES (1)").Error; err != nil {
		return nil, fmt.Errorf("store: hold the search index: %w", translate(err))
	}
	done := false
	return func(ctx context.Context) error {
		if done {
			return nil
		}
		if err := s.indexPendingTickets(ctx); err != nil {
			return err
		}
		done = true
		return nil
	}, nil
}

// indexPendingTickets indexes the tickets listed while the index was held
// and ends the hold.
func (s *Store) indexPendingTickets(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	err := db.Exec(`INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name, search_facets)
		SELECT t.id, t.title, t.search_text, t.requester_email, t.requester_name, t.search_facets
		FROM ticket_search_pending p JOIN tickets t ON t.id = p.ticket_id`).Error
	if err == nil {
		err = db.Exec("DELETE FROM ticket_search_pending").Error
	}
	if err == nil {
		err = db.Exec("DELETE FROM ticket_search_hold").Error
	}
	if err != nil {
		return fmt.Errorf("store: index held tickets: %w", translate(err))
	}
	return nil
}

// releaseSearchIndex indexes what a hold left behind outside any
// transaction (none should: HoldSearchIndex's caller indexes before it
// commits) so that no ticket stays out of the search for good.
func (s *Store) releaseSearchIndex(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Raw("SELECT (SELECT COUNT(*) FROM ticket_search_hold) + (SELECT COUNT(*) FROM ticket_search_pending)").Scan(&n).Error; err != nil {
		return translate(err)
	}
	if n == 0 {
		return nil
	}
	return s.tx(ctx, func(s *Store) error { return s.indexPendingTickets(ctx) })
}
