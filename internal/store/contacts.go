package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm/clause"
)

// UserIDsByEmail maps each of emails (case-insensitive) to the user who
// has it, preferring an active user; unknown e-mails are absent.
func (s *Store) UserIDsByEmail(ctx context.Context, emails []string) (map[string]int64, error) {
	out := map[string]int64{}
	lower := make([]string, 0, len(emails))
	for _, e := range emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			lower = append(lower, e)
		}
	}
	if len(lower) == 0 {
		return out, nil
	}
	var us []User
	err := s.db.WithContext(ctx).Select("id", "email", "is_active").Where("LOWER(email) IN ?", lower).
		Order("is_active DESC").Order("id").Find(&us).Error
	if err != nil {
		return nil, translate(err)
	}
	for _, u := range us {
		e := strings.ToLower(u.Email)
		if _, ok := out[e]; !ok {
			out[e] = u.ID
		}
	}
	return out, nil
}

// EnsureContact returns the contact with this e-mail, creating it (GLPI's
// "create user from email") when there is none.
func (s *Store) EnsureContact(ctx context.Context, email, name string) (int64, error) {
	c := Contact{Email: fitVarchar(strings.ToLower(strings.TrimSpace(email))), Name: fitVarchar(name), CreatedAt: s.now()}
	if c.Email == "" {
		return 0, errors.New("store: a contact needs an e-mail")
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(&c).Error
	if err != nil {
		return 0, translate(err)
	}
	var got Contact
	if err := s.db.WithContext(ctx).Select("id").Where("email = ?", c.Email).Take(&got).Error; err != nil {
		return 0, translate(err)
	}
	return got.ID, nil
}

// ReceiverCreatesContacts reports the receiver's "create user from email"
// option; false for a receiver that does not exist.
func (s *Store) ReceiverCreatesContacts(ctx context.Context, receiverID int64) (bool, error) {
	var r Receiver
	err := s.db.WithContext(ctx).Select("create_user_from_email").Where("id = ?", receiverID).Take(&r).Error
	if errors.Is(err, errRecordNotFound) {
		return false, nil
	}
	return r.CreateUserFromEmail, translate(err)
}
