package store

import (
	"context"
	"time"
)

// CreateFollowup adds a follow-up and moves the ticket's last update.
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
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.Create(f).Error; err != nil {
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
