package store

import (
	"context"
	"errors"

	"gorm.io/gorm/clause"
)

// Setting returns a setting's value, or def when it was never set.
func (s *Store) Setting(ctx context.Context, name, def string) (string, error) {
	var st Setting
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&st).Error
	if errors.Is(err, errRecordNotFound) {
		return def, nil
	}
	if err != nil {
		return "", translate(err)
	}
	return st.Value, nil
}

// SetSetting writes a setting.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	st := Setting{Name: name, Value: value, UpdatedAt: s.now()}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&st).Error)
}

// DeleteSetting removes a setting.
func (s *Store) DeleteSetting(ctx context.Context, name string) error {
	return translate(s.db.WithContext(ctx).Where("name = ?", name).Delete(&Setting{}).Error)
}

// Settings returns every setting, by name.
func (s *Store) Settings(ctx context.Context) ([]Setting, error) {
	var out []Setting
	return out, translate(s.db.WithContext(ctx).Order("name").Find(&out).Error)
}
