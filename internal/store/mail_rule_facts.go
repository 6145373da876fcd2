package store

import (
	"context"
	"strings"
)

// What the mail rules ask about a mail's sender (rules.Env, through
// helpdesk): read-only lookups, each one query.

// RequesterKnown says whether a user account or a contact (a requester
// met before) has this e-mail, case-insensitive.
func (s *Store) RequesterKnown(ctx context.Context, email string) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return false, nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&User{}).Where("LOWER(email) = ?", email).Limit(1).Count(&n).Error; err != nil {
		return false, translate(err)
	}
	if n > 0 {
		return true, nil
	}
	if err := s.db.WithContext(ctx).Model(&Contact{}).Where("email = ?", email).Limit(1).Count(&n).Error; err != nil {
		return false, translate(err)
	}
	return n > 0, nil
}

// MailDomainKnown says whether an active user account has an e-mail in
// this domain: the organisation's own domains (GLPI's entity mail domain).
func (s *Store) MailDomainKnown(ctx context.Context, domain string) (bool, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if domain == "" || strings.ContainsAny(domain, "%_@\\") {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Where("is_active = ? AND LOWER(email) LIKE ?", true, "%@"+domain).Limit(1).Count(&n).Error
	if err != nil {
		return false, translate(err)
	}
	return n > 0, nil
}
