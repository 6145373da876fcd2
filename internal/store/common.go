package store

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

var errRecordNotFound = gorm.ErrRecordNotFound

// tx runs fn in a transaction on a copy of the store bound to it.
func (s *Store) tx(ctx context.Context, fn func(s *Store) error) error {
	note := &txNote{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c := *s
		c.db, c.txNote = tx, note
		return fn(&c)
	})
	if err == nil && note.tickets > 0 {
		s.words.poke(note.tickets)
	}
	return err
}

// txNote is what a transaction did that matters once it is committed.
type txNote struct {
	tickets int // tickets queued for the word index
}

// noteTickets records that the transaction s is bound to queued a ticket
// for the word index, whose indexer is poked once it commits.
func (s *Store) noteTickets() {
	if s.txNote != nil {
		s.txNote.tickets++
	}
}

// InTx runs fn in one database transaction; every store call made through
// the Store that fn receives is part of it.
func (s *Store) InTx(ctx context.Context, fn func(s *Store) error) error { return s.tx(ctx, fn) }

// ListQuery is a list page's search, sort and pagination.
type ListQuery struct {
	Search  string
	Sort    string // a key of the page's sortable columns
	Desc    bool
	Page    int // 1-based
	PerPage int
}

// Limit is the page size, bounded.
func (q ListQuery) Limit() int {
	if q.PerPage <= 0 {
		return 20
	}
	if q.PerPage > 200 {
		return 200
	}
	return q.PerPage
}

// Offset is the first row of the page.
func (q ListQuery) Offset() int {
	if q.Page <= 1 {
		return 0
	}
	return (q.Page - 1) * q.Limit()
}

// Order turns the sort key into an ORDER BY clause from an allow-list.
func (q ListQuery) Order(columns map[string]string, def string) string {
	col, ok := columns[q.Sort]
	if !ok {
		col = columns[def]
		if col == "" {
			col = def
		}
	}
	if q.Desc {
		return col + " DESC"
	}
	return col + " ASC"
}

// escapeLike escapes LIKE wildcards with '!' (the ESCAPE character used).
func escapeLike(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(strings.TrimSpace(s))
}
