package store

import "context"

// BlacklistEntries returns every blacklist entry, for the ingest settings.
func (s *Store) BlacklistEntries(ctx context.Context) ([]BlacklistEntry, error) {
	var out []BlacklistEntry
	return out, translate(s.db.WithContext(ctx).Order("id").Find(&out).Error)
}

// ListBlacklist returns a page of Setup > Blacklisted mail addresses.
func (s *Store) ListBlacklist(ctx context.Context, q ListQuery) ([]BlacklistEntry, int64, error) {
	db := s.db.WithContext(ctx).Model(&BlacklistEntry{})
	if q.Search != "" {
		like := "%" + escapeLike(q.Search) + "%"
		db = db.Where("value LIKE ? ESCAPE '!' OR comment LIKE ? ESCAPE '!'", like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	var out []BlacklistEntry
	order := q.Order(map[string]string{"value": "value", "kind": "kind", "created": "created_at"}, "value")
	err := db.Order(order).Order("id").Limit(q.Limit()).Offset(q.Offset()).Find(&out).Error
	return out, total, translate(err)
}

// AddBlacklistEntry adds an entry (validated by the caller); ErrDuplicate
// when the same kind and value exist, ErrInvalid for text that is not
// UTF-8 or too long (a value is never cut: a cut pattern matches other mail).
func (s *Store) AddBlacklistEntry(ctx context.Context, e *BlacklistEntry) error {
	if err := checkText(Text{Field: "blacklist value", Value: e.Value}, Text{Field: "blacklist comment", Value: e.Comment, Long: true}); err != nil {
		return err
	}
	e.CreatedAt = s.now()
	return translate(s.db.WithContext(ctx).Create(e).Error)
}

// DeleteBlacklistEntry removes an entry.
func (s *Store) DeleteBlacklistEntry(ctx context.Context, id int64) (*BlacklistEntry, error) {
	var e BlacklistEntry
	if err := s.db.WithContext(ctx).Take(&e, id).Error; err != nil {
		return nil, translate(err)
	}
	return &e, translate(s.db.WithContext(ctx).Delete(&BlacklistEntry{}, id).Error)
}
