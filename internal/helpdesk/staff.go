package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ErrEmptyFollowup refuses a staff follow-up without text.
var ErrEmptyFollowup = errors.New("helpdesk: the follow-up is empty")

// AddFollowup adds a staff member's follow-up; text is plain text, escaped
// and kept with its line breaks.
func (s *Service) AddFollowup(ctx context.Context, ticketID int64, author *store.User, text string) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrEmptyFollowup
	}
	if _, err := s.st.Ticket(ctx, ticketID); err != nil {
		return 0, fmt.Errorf("helpdesk: %w", err)
	}
	f := &store.Followup{TicketID: ticketID, Kind: store.FollowupStaff, Content: ingest.TextToHTML(text)}
	if author != nil {
		id := author.ID
		f.AuthorUserID, f.AuthorEmail, f.AuthorName = &id, author.Email, author.Name
		if f.AuthorName == "" {
			f.AuthorName = author.Login
		}
	}
	if err := s.st.CreateFollowup(ctx, f); err != nil {
		return 0, fmt.Errorf("helpdesk: %w", err)
	}
	return f.ID, nil
}

// ChangeStatus sets a ticket's status as a staff member; it reports false
// when the ticket already had it.
func (s *Service) ChangeStatus(ctx context.Context, ticketID int64, status int, userID int64) (bool, error) {
	if !store.ValidStatus(status) {
		return false, fmt.Errorf("helpdesk: unknown status %d", status)
	}
	var changed bool
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if changed, err = tx.SetTicketStatus(ctx, ticketID, status, userID, store.EventStatus); err != nil || !changed || status != store.StatusSolved {
			return err
		}
		// The requester learns it in the same transaction: no notice for a
		// change that did not commit, none forgotten for one that did.
		_, err = s.notifySolved(ctx, tx, ticketID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return changed, nil
}

// OpenDocument returns a document's row and its bytes; the caller closes
// the reader.
func (s *Service) OpenDocument(ctx context.Context, id int64) (*store.Document, io.ReadCloser, error) {
	d, err := s.st.Document(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("helpdesk: %w", err)
	}
	rc, err := s.docs.Open(d.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("helpdesk: document %d: %w", id, err)
	}
	return d, rc, nil
}
