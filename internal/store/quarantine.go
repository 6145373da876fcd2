package store

import (
	"context"
	"errors"
	"time"
)

// CreateQuarantined keeps a refused mail.
func (s *Store) CreateQuarantined(ctx context.Context, q *QuarantinedMail) error {
	q.FromAddress, q.ToAddress, q.Subject = fitVarchar(q.FromAddress), fitVarchar(q.ToAddress), fitVarchar(q.Subject)
	q.MessageID, q.Reason = NormalMessageID(q.MessageID), fitVarchar(q.Reason)
	if q.MailDate != nil {
		t := q.MailDate.UTC().Truncate(time.Microsecond)
		q.MailDate = &t
	}
	q.CreatedAt = s.now()
	return translate(s.db.WithContext(ctx).Create(q).Error)
}

// Quarantined returns one quarantined mail.
func (s *Store) Quarantined(ctx context.Context, id int64) (*QuarantinedMail, error) {
	var q QuarantinedMail
	if err := s.db.WithContext(ctx).Take(&q, id).Error; err != nil {
		return nil, translate(err)
	}
	return &q, nil
}

// QuarantineRow is one line of Setup > Not imported emails. Requester
// is the name of the known user or contact the sender's address belongs
// to, empty for a stranger (GLPI's "Requester" column).
type QuarantineRow struct {
	QuarantinedMail
	ReceiverName string
	Requester    string
}

// quarantineRequester is the user (an active one first) or else the
// contact whose address sent the mail, as UserIDsByEmail matches them.
const quarantineRequester = `COALESCE(
	(SELECT COALESCE(NULLIF(u.name, ''), u.login) FROM users u WHERE u.email <> '' AND LOWER(u.email) = LOWER(quarantine.from_address) ORDER BY u.is_active DESC, u.id LIMIT 1),
	(SELECT COALESCE(NULLIF(c.name, ''), c.email) FROM contacts c WHERE c.email = LOWER(quarantine.from_address)),
	'')`

// ListQuarantine returns a page of quarantined mails, newest first by default.
func (s *Store) ListQuarantine(ctx context.Context, q ListQuery) ([]QuarantineRow, int64, error) {
	db := s.db.WithContext(ctx).Model(&QuarantinedMail{})
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("(quarantine.from_address LIKE ? ESCAPE '!' OR quarantine.to_address LIKE ? ESCAPE '!' OR quarantine.subject LIKE ? ESCAPE '!' OR quarantine.reason LIKE ? ESCAPE '!' OR quarantine.message_id LIKE ? ESCAPE '!')", like, like, like, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	if q.Sort == "" {
		q.Sort, q.Desc = "created", true
	}
	order := q.Order(map[string]string{"created": "quarantine.created_at", "date": "quarantine.mail_date", "from": "quarantine.from_address",
		"subject": "quarantine.subject", "reason": "quarantine.reason", "receiver": "receivers.name"}, "created")
	var out []QuarantineRow
	err := db.Select("quarantine.*, receivers.name AS receiver_name, " + quarantineRequester + " AS requester").
		Joins("LEFT JOIN receivers ON receivers.id = quarantine.receiver_id").
		Order(order).Order("quarantine.id DESC").Limit(q.Limit()).Offset(q.Offset()).Scan(&out).Error
	return out, total, translate(err)
}

// DeleteQuarantined removes a quarantined mail; the caller deletes its raw
// bytes when BlobReferenced says nothing else uses them.
func (s *Store) DeleteQuarantined(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Delete(&QuarantinedMail{}, id)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// PurgeQuarantined deletes the mails quarantined before t, at most limit
// of them, and returns the raw-message hashes they referenced.
func (s *Store) PurgeQuarantined(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var old []QuarantinedMail
	var shas []string
	err := s.tx(ctx, func(s *Store) error {
		if err := s.db.Select("id", "raw_sha256").Where("created_at < ?", before).Order("id").Limit(limit).Find(&old).Error; err != nil {
			return translate(err)
		}
		if len(old) == 0 {
			return nil
		}
		ids := make([]int64, len(old))
		for i, q := range old {
			ids[i] = q.ID
			if q.RawSHA256 != "" {
				shas = append(shas, q.RawSHA256)
			}
		}
		return translate(s.db.Where("id IN ?", ids).Delete(&QuarantinedMail{}).Error)
	})
	return shas, err
}

// ReceiverOfQuarantine returns the receiver a quarantined mail came from,
// or nil when it had none (a staff import) or the receiver is gone.
func (s *Store) ReceiverOfQuarantine(ctx context.Context, q *QuarantinedMail) (*Receiver, error) {
	if q.ReceiverID == nil {
		return nil, nil
	}
	var r Receiver
	err := s.db.WithContext(ctx).Take(&r, *q.ReceiverID).Error
	if err != nil {
		if errors.Is(err, errRecordNotFound) {
			return nil, nil
		}
		return nil, translate(err)
	}
	return &r, nil
}
