package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

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

// MaxBlacklistedContent bounds a blacklisted content block, in characters.
const MaxBlacklistedContent = 10000

// BlacklistedMailContents returns every blacklisted content block, oldest
// first.
func (s *Store) BlacklistedMailContents(ctx context.Context) ([]BlacklistedMailContent, error) {
	var out []BlacklistedMailContent
	return out, translate(s.db.WithContext(ctx).Order("id").Find(&out).Error)
}

// AddBlacklistedMailContent adds a block; the name and the content are
// required, the content at most MaxBlacklistedContent characters.
func (s *Store) AddBlacklistedMailContent(ctx context.Context, c *BlacklistedMailContent) error {
	c.Name, c.Comment = strings.TrimSpace(c.Name), strings.TrimSpace(c.Comment)
	switch {
	case c.Name == "":
		return Message("The name is mandatory.")
	case strings.TrimSpace(c.Content) == "":
		return Message("The content is mandatory.")
	case utf8.RuneCountInString(c.Content) > MaxBlacklistedContent:
		return Message(fmt.Sprintf("The content must have at most %d characters.", MaxBlacklistedContent))
	}
	c.Name, c.CreatedAt = fitVarchar(c.Name), s.now()
	return translate(s.db.WithContext(ctx).Create(c).Error)
}

// DeleteBlacklistedMailContent removes a block.
func (s *Store) DeleteBlacklistedMailContent(ctx context.Context, id int64) (*BlacklistedMailContent, error) {
	var c BlacklistedMailContent
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	return &c, translate(s.db.WithContext(ctx).Delete(&BlacklistedMailContent{}, id).Error)
}

// DocumentTypes returns the allowed document types, by name.
func (s *Store) DocumentTypes(ctx context.Context) ([]DocumentType, error) {
	var out []DocumentType
	return out, translate(s.db.WithContext(ctx).Order("name").Order("id").Find(&out).Error)
}

// AddDocumentType adds a type: a name, and an extension or a MIME type
// ("type/subtype" or "type/*").
func (s *Store) AddDocumentType(ctx context.Context, t *DocumentType) error {
	t.Name, t.Comment = strings.TrimSpace(t.Name), strings.TrimSpace(t.Comment)
	t.Ext = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t.Ext), "."))
	t.MIME = strings.ToLower(strings.TrimSpace(t.MIME))
	switch {
	case t.Name == "":
		return Message("The name is mandatory.")
	case t.Ext == "" && t.MIME == "":
		return Message("Give an extension or a MIME type.")
	case t.Ext != "" && (len(t.Ext) > 20 || strings.ContainsAny(t.Ext, "./\\ \t")):
		return Message("The extension must be a short word without dots or spaces, like pdf.")
	case t.MIME != "" && !validMIMEPattern(t.MIME):
		return Message("The MIME type must look like application/pdf or image/*.")
	}
	t.Name, t.CreatedAt = fitVarchar(t.Name), s.now()
	return translate(s.db.WithContext(ctx).Create(t).Error)
}

func validMIMEPattern(m string) bool {
	typ, sub, ok := strings.Cut(m, "/")
	if !ok || typ == "" || sub == "" || len(m) > 255 {
		return false
	}
	for _, r := range typ + sub {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("+-.*", r)) {
			return false
		}
	}
	return !strings.Contains(typ, "*") && (sub == "*" || !strings.Contains(sub, "*"))
}

// DeleteDocumentType removes a type.
func (s *Store) DeleteDocumentType(ctx context.Context, id int64) (*DocumentType, error) {
	var t DocumentType
	if err := s.db.WithContext(ctx).Take(&t, id).Error; err != nil {
		return nil, translate(err)
	}
	return &t, translate(s.db.WithContext(ctx).Delete(&DocumentType{}, id).Error)
}
