package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/oauthimap/oauthimap/internal/store"
)

// ErrEmptyFollowup refuses a staff follow-up without text.
var ErrEmptyFollowup = errors.New("helpdesk: the follow-up is empty")

// AddFollowup adds a staff member's public follow-up; text is plain
// text, escaped and kept with its line breaks (see AddNote).
func (s *Service) AddFollowup(ctx context.Context, ticketID int64, author *store.User, text string) (int64, error) {
	return s.AddNote(ctx, ticketID, author, text, false)
}

// ChangeStatus sets a ticket's status as the user userID (0: the system)
// through the status rules (see SetStatus); it reports false when the
// ticket already had it.
func (s *Service) ChangeStatus(ctx context.Context, ticketID int64, status int, userID int64) (bool, error) {
	var by *store.User
	if userID != 0 {
		u, err := s.st.User(ctx, userID)
		if err != nil {
			return false, fmt.Errorf("helpdesk: %w", err)
		}
		by = u
	}
	return s.SetStatus(ctx, ticketID, status, by)
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
