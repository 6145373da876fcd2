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
// ErrNoOriginal: the ticket or follow-up was not made from a mail, or
// before originals were kept.
var ErrNoOriginal = errors.New("helpdesk: no original mail is kept for this")

// Original is the raw mail a ticket or follow-up was made from.
type Original struct {
	TicketID int64
	Name     string // a file name for the download
	SHA256   string
}

// OpenOriginal opens the raw mail of a ticket (followupID 0) or of one of
// its follow-ups.
func (s *Service) OpenOriginal(ctx context.Context, ticketID, followupID int64) (Original, io.ReadCloser, error) {
	o := Original{TicketID: ticketID}
	if followupID != 0 {
		f, err := s.st.Followup(ctx, followupID)
		if err != nil {
			return o, nil, fmt.Errorf("helpdesk: %w", err)
		}
		if f.TicketID != ticketID {
			return o, nil, fmt.Errorf("helpdesk: follow-up %d of ticket %d: %w", followupID, ticketID, store.ErrNotFound)
		}
		o.SHA256, o.Name = f.RawSHA256, fmt.Sprintf("ticket-%d-followup-%d.eml", ticketID, followupID)
	} else {
		t, err := s.st.Ticket(ctx, ticketID)
		if err != nil {
			return o, nil, fmt.Errorf("helpdesk: %w", err)
		}
		o.SHA256, o.Name = t.RawSHA256, fmt.Sprintf("ticket-%d.eml", ticketID)
	}
	if o.SHA256 == "" {
		return o, nil, ErrNoOriginal
	}
	rc, err := s.docs.Open(o.SHA256)
	if err != nil {
		return o, nil, fmt.Errorf("helpdesk: original of ticket %d: %w", ticketID, err)
	}
	return o, rc, nil
}

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
