package store

import "context"

// Audit records an event; userID 0 means the system did it.
func (s *Store) Audit(ctx context.Context, userID int64, actor, kind, objectType string, objectID int64, message string) error {
	e := AuditEvent{At: s.now(), Actor: actor, Kind: kind, ObjectType: objectType, ObjectID: objectID, Message: message}
	if userID != 0 {
		e.UserID = &userID
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	return translate(s.db.WithContext(ctx).Create(&e).Error)
}

// AuditEvents lists the newest events about one object (all objects when objectType is empty).
func (s *Store) AuditEvents(ctx context.Context, objectType string, objectID int64, limit int) ([]AuditEvent, error) {
	db := s.db.WithContext(ctx)
	if objectType != "" {
		db = db.Where("object_type = ? AND object_id = ?", objectType, objectID)
	}
	var out []AuditEvent
	return out, translate(db.Order("at DESC").Order("id DESC").Limit(limit).Find(&out).Error)
}

// AuditEventsOfType lists the newest events about every object of a type:
// a list page's History, which also has the events of no one object (the
// list's settings, an import) and those of objects deleted since.
func (s *Store) AuditEventsOfType(ctx context.Context, objectType string, limit int) ([]AuditEvent, error) {
	var out []AuditEvent
	err := s.db.WithContext(ctx).Where("object_type = ?", objectType).Order("at DESC").Order("id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}
