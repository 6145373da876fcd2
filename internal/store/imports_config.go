package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kinds of ImportLink for the helpdesk configuration an export carries.
const (
	ImportedGroup    = "group"
	ImportedCategory = "category"
)

// ImportGroup creates or updates the group made from a source row; a group
// of the same name here is taken over. Its members are the users named by
// login that exist here, added to those it has; the logins not found are
// returned, never created.
func (s *Store) ImportGroup(ctx context.Context, src ImportSource, sourceID int64, g *Group, logins []string) (ImportResult, []string, error) {
	var res ImportResult
	var missing []string
	err := s.tx(ctx, func(s *Store) error {
		var old Group
		found, err := s.linked(ctx, src, ImportedGroup, sourceID, &old)
		if err != nil {
			return err
		}
		if !found {
			err := s.db.Where("name = ?", strings.TrimSpace(g.Name)).Take(&old).Error
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, errRecordNotFound):
				return translate(err)
			}
		}
		var members []int64
		res = ImportResult{Action: ImportCreate}
		if found {
			g.ID, res.Action = old.ID, ImportUpdate
			if members, err = s.GroupMemberIDs(ctx, old.ID); err != nil {
				return err
			}
		}
		for _, l := range logins {
			u, err := s.UserByLogin(ctx, l)
			if errors.Is(err, ErrNotFound) {
				missing = append(missing, l)
				continue
			} else if err != nil {
				return err
			}
			members = append(members, u.ID)
		}
		if err := s.SaveGroup(ctx, g, members, src.actor()); err != nil {
			return err
		}
		res.ID, res.Name = g.ID, g.Name
		return s.linkImport(ctx, src.Source, ImportedGroup, sourceID, g.ID)
	})
	return res, missing, err
}

// ImportCategory creates or updates the ITIL category made from a source
// row; c.ParentID is already this console's parent. A category with the
// same full name here is taken over.
func (s *Store) ImportCategory(ctx context.Context, src ImportSource, sourceID int64, c *Category) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		var old Category
		found, err := s.linked(ctx, src, ImportedCategory, sourceID, &old)
		if err != nil {
			return err
		}
		if !found {
			q := s.db.Where("name = ?", strings.TrimSpace(c.Name))
			if c.ParentID == nil {
				q = q.Where("parent_id IS NULL")
			} else {
				q = q.Where("parent_id = ?", *c.ParentID)
			}
			err := q.Take(&old).Error
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, errRecordNotFound):
				return translate(err)
			}
		}
		res.Action = ImportCreate
		if found {
			c.ID, res.Action = old.ID, ImportUpdate
		}
		if err := s.SaveCategory(ctx, c, src.actor()); err != nil {
			return err
		}
		res.ID, res.Name = c.ID, c.FullName
		return s.linkImport(ctx, src.Source, ImportedCategory, sourceID, c.ID)
	})
	return res, err
}

// ImportBlacklistedMailContent adds a blacklisted content block unless
// the same text is blacklisted here already.
func (s *Store) ImportBlacklistedMailContent(ctx context.Context, src ImportSource, sourceID int64, c *BlacklistedMailContent) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		all, err := s.BlacklistedMailContents(ctx)
		if err != nil {
			return err
		}
		want := strings.Join(strings.Fields(c.Content), " ")
		for _, old := range all {
			if strings.Join(strings.Fields(old.Content), " ") == want {
				res = ImportResult{Action: ImportKeep, ID: old.ID, Name: old.Name}
				return nil
			}
		}
		if err := s.AddBlacklistedMailContent(ctx, c); err != nil {
			return err
		}
		res = ImportResult{Action: ImportCreate, ID: c.ID, Name: c.Name}
		return s.auditBy(ctx, src.actor(), "import.blacklisted_content", "blacklisted_content", c.ID,
			fmt.Sprintf("blacklisted mail content %s imported from %s %d", c.Name, src.Label, sourceID))
	})
	return res, err
}

// ImportDocumentType adds a document type unless one with the same
// extension and MIME type exists here already.
func (s *Store) ImportDocumentType(ctx context.Context, src ImportSource, sourceID int64, t *DocumentType) (ImportResult, error) {
	var res ImportResult
	err := s.tx(ctx, func(s *Store) error {
		ext := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t.Ext), "."))
		mime := strings.ToLower(strings.TrimSpace(t.MIME))
		var old DocumentType
		err := s.db.Where("ext = ? AND mime = ?", ext, mime).Take(&old).Error
		switch {
		case err == nil:
			res = ImportResult{Action: ImportKeep, ID: old.ID, Name: old.Name}
			return nil
		case !errors.Is(err, errRecordNotFound):
			return translate(err)
		}
		if err := s.AddDocumentType(ctx, t); err != nil {
			return err
		}
		res = ImportResult{Action: ImportCreate, ID: t.ID, Name: t.Name}
		return s.auditBy(ctx, src.actor(), "import.document_type", "document_type", t.ID,
			fmt.Sprintf("document type %s imported from %s %d", t.Name, src.Label, sourceID))
	})
	return res, err
}
