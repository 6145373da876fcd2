package store

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// CreateFollowup adds a follow-up and moves the ticket's last update.
// Like CreateTicket, it runs as part of the transaction s is bound to.
func (s *Store) CreateFollowup(ctx context.Context, f *Followup) error {
	f.AuthorEmail, f.AuthorName = fitVarchar(f.AuthorEmail), fitVarchar(f.AuthorName)
	f.MessageID = NormalMessageID(f.MessageID)
	if f.Kind == "" {
		f.Kind = FollowupEmail
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = s.now()
	}
	f.CreatedAt = f.CreatedAt.UTC().Truncate(time.Microsecond)
	return s.atomic(ctx, func(s *Store) error {
		if err := s.db.WithContext(ctx).Create(f).Error; err != nil {
			return translate(err)
		}
		return s.TouchTicket(ctx, f.TicketID)
	})
}

// Followups returns a ticket's follow-ups, oldest first.
func (s *Store) Followups(ctx context.Context, ticketID int64) ([]Followup, error) {
	var out []Followup
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("created_at").Order("id").Find(&out).Error
	return out, translate(err)
}

// atomic runs fn in a transaction of its own, or, when s is already bound
// to a caller's transaction, directly in it: a SAVEPOINT per write costs
// SQLite a sub-journal, and every caller inside a transaction either
// guards the call with its own savepoint (helpdesk.Service.Save) or rolls
// the whole transaction back when it fails (a collector batch).
func (s *Store) atomic(ctx context.Context, fn func(s *Store) error) error {
	if s.InTransaction() {
		return fn(s)
	}
	return s.tx(ctx, fn)
}

// InTransaction reports whether s is bound to a transaction (the Store
// that InTx hands to its function).
func (s *Store) InTransaction() bool {
	_, ok := s.db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}
