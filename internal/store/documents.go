package store

import (
	"context"
	"time"
)

// CreateDocuments adds documents rows; their bytes are already in the
// document store under SHA256.
func (s *Store) CreateDocuments(ctx context.Context, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	now := s.now()
	for i := range docs {
		d := &docs[i]
		d.Name, d.MIMEType, d.ContentID = fitVarchar(d.Name), fitVarchar(d.MIMEType), fitVarchar(d.ContentID)
		if d.MIMEType == "" {
			d.MIMEType = "application/octet-stream"
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = now
		}
		d.CreatedAt = d.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	return translate(s.db.WithContext(ctx).Create(&docs).Error)
}

// Document returns one document row.
func (s *Store) Document(ctx context.Context, id int64) (*Document, error) {
	var d Document
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return nil, translate(err)
	}
	return &d, nil
}

// TicketDocuments returns the documents of a ticket and of its follow-ups.
func (s *Store) TicketDocuments(ctx context.Context, ticketID int64) ([]Document, error) {
	var out []Document
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("id").Find(&out).Error
	return out, translate(err)
}

// BlobReferenced reports whether a document, a quarantined mail, or the
// original of a ticket or follow-up still refers to the bytes stored under
// sha, so they must not be deleted.
func (s *Store) BlobReferenced(ctx context.Context, sha string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Document{}).Where("sha256 = ?", sha).Limit(1).Count(&n).Error; err != nil || n > 0 {
		return n > 0, translate(err)
	}
	for _, m := range []any{&QuarantinedMail{}, &Ticket{}, &Followup{}} {
		if err := s.db.WithContext(ctx).Model(m).Where("raw_sha256 = ?", sha).Limit(1).Count(&n).Error; err != nil || n > 0 {
			return n > 0, translate(err)
		}
	}
	return false, nil
}

// Followup returns one follow-up.
func (s *Store) Followup(ctx context.Context, id int64) (*Followup, error) {
	var f Followup
	if err := s.db.WithContext(ctx).Take(&f, id).Error; err != nil {
		return nil, translate(err)
	}
	return &f, nil
}
