package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// MaxAttachmentsSize bounds the files of one follow-up, together. A mail
// grows by a third in base64: 10 MiB of files make a mail of about 14 MB,
// within Gmail's 25 MB and Exchange Online's default 35 MB, and within
// MariaDB's default max_allowed_packet (16 MiB) for the outbox row that
// keeps the mail's bytes.
const MaxAttachmentsSize = 10 << 20

// ErrAttachmentsTooLarge refuses files larger than MaxAttachmentsSize
// together.
var ErrAttachmentsTooLarge = errors.New("helpdesk: the files are larger than a follow-up accepts")

// AttachmentRefusedError names a file the document types do not allow.
type AttachmentRefusedError struct{ Name, MIMEType string }

func (e *AttachmentRefusedError) Error() string {
	return fmt.Sprintf("helpdesk: %s (%s) is not an allowed document type", e.Name, e.MIMEType)
}

// storeAttachments checks the files (total size, document types), puts
// their bytes in the document store and returns their document rows,
// which the follow-up's transaction records. Bytes stored for a follow-up
// that then fails are unreferenced, as for an import that fails.
func (s *Service) storeAttachments(ctx context.Context, files []submission.Attachment) ([]store.Document, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var total int64
	for _, f := range files {
		total += int64(len(f.Data))
	}
	if total > MaxAttachmentsSize {
		return nil, ErrAttachmentsTooLarge
	}
	types, err := s.st.DocumentTypes(ctx)
	if err != nil {
		return nil, err
	}
	var allowed []ingest.DocumentType
	for _, t := range types {
		allowed = append(allowed, ingest.DocumentType{Ext: t.Ext, MIME: t.MIME})
	}
	for _, f := range files {
		if !ingest.DocumentAllowed(allowed, f.Name, f.MIMEType) {
			return nil, &AttachmentRefusedError{Name: f.Name, MIMEType: f.MIMEType}
		}
	}
	if s.docs == nil {
		return nil, fmt.Errorf("helpdesk: no document store for attachments")
	}
	rows := make([]store.Document, 0, len(files))
	for _, f := range files {
		sha, err := s.docs.Put(f.Data)
		if err != nil {
			return nil, fmt.Errorf("helpdesk: store attachment: %w", err)
		}
		rows = append(rows, store.Document{Name: f.Name, MIMEType: f.MIMEType, Size: int64(len(f.Data)), SHA256: strings.ToLower(sha)})
	}
	return rows, nil
}

// recordAttachments records the documents of a follow-up.
func recordAttachments(ctx context.Context, tx *store.Store, f *store.Followup, rows []store.Document) error {
	if len(rows) == 0 {
		return nil
	}
	docs := make([]store.Document, len(rows))
	for i, d := range rows {
		d.TicketID, d.FollowupID = f.TicketID, &f.ID
		docs[i] = d
	}
	return tx.CreateDocuments(ctx, docs)
}
