package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ActorAssigned is the "Assigned to" role of a ticket's users and groups
// (ActorRequester and ActorObserver are the other two).
const ActorAssigned = "assigned"

// ValidActorRole reports whether r is one of the three actor roles.
func ValidActorRole(r string) bool {
	return r == ActorRequester || r == ActorObserver || r == ActorAssigned
}

// ActorRoleLabel is an actor role as GLPI names it.
func ActorRoleLabel(r string) string {
	switch r {
	case ActorRequester:
		return "Requester"
	case ActorObserver:
		return "Observer"
	case ActorAssigned:
		return "Assigned to"
	}
	return "Actor"
}

// Ticket types, GLPI's numbers.
const (
	TypeIncident = 1
	TypeRequest  = 2
)

// TypeLabel is a ticket type as GLPI names it.
func TypeLabel(t int) string {
	switch t {
	case TypeIncident:
		return "Incident"
	case TypeRequest:
		return "Request"
	}
	return "No type"
}

// ValidType reports whether t is a ticket type.
func ValidType(t int) bool { return t == TypeIncident || t == TypeRequest }

// Levels of urgency, impact and priority; PriorityMajor is priority only.
const (
	LevelVeryLow  = 1
	LevelVeryHigh = 5
	PriorityMajor = 6
	DefaultImpact = 3
)

// LevelLabel names an urgency, impact or priority as GLPI does.
func LevelLabel(v int) string {
	switch v {
	case 1:
		return "Very low"
	case 2:
		return "Low"
	case 3:
		return "Medium"
	case 4:
		return "High"
	case 5:
		return "Very high"
	case 6:
		return "Major"
	}
	return "Medium"
}

// ValidLevel reports whether v is an urgency or impact (1 to 5).
func ValidLevel(v int) bool { return v >= LevelVeryLow && v <= LevelVeryHigh }

// ValidPriority reports whether v is a priority (1 to 6).
func ValidPriority(v int) bool { return v >= LevelVeryLow && v <= PriorityMajor }

// PriorityColour is GLPI's default background colour of a priority.
func PriorityColour(p int) string {
	switch p {
	case 1:
		return "#fff2f2"
	case 2:
		return "#ffe0e0"
	case 3:
		return "#ffcece"
	case 4:
		return "#ffbfbf"
	case 5:
		return "#ffadad"
	case 6:
		return "#ff5555"
	}
	return "#ffcece"
}

// ---- groups ----

// GroupRow is a group with its number of members.
type GroupRow struct {
	Group
	Members int
}

// Groups lists every group by name with its number of members.
func (s *Store) Groups(ctx context.Context) ([]GroupRow, error) {
	var out []GroupRow
	err := s.db.WithContext(ctx).Table("staff_groups").
		Select("staff_groups.*, (SELECT COUNT(*) FROM group_users WHERE group_users.group_id = staff_groups.id) AS members").
		Order("staff_groups.name").Scan(&out).Error
	return out, translate(err)
}

// Group returns one group.
func (s *Store) Group(ctx context.Context, id int64) (*Group, error) {
	var g Group
	if err := s.db.WithContext(ctx).Take(&g, id).Error; err != nil {
		return nil, translate(err)
	}
	return &g, nil
}

// GroupMemberIDs returns the users of a group.
func (s *Store) GroupMemberIDs(ctx context.Context, groupID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&GroupUser{}).Where("group_id = ?", groupID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, translate(err)
}

// UserGroupIDs returns the groups a user belongs to.
func (s *Store) UserGroupIDs(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&GroupUser{}).Where("user_id = ?", userID).Order("group_id").Pluck("group_id", &ids).Error
	return ids, translate(err)
}

// SaveGroup creates (ID 0) or updates a group and sets its members, and
// audits it, in one transaction.
func (s *Store) SaveGroup(ctx context.Context, g *Group, members []int64, actor *User) error {
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	}
	if err := checkText(Text{Field: "name", Value: g.Name}, Text{Field: "comment", Value: g.Comment, Long: true}); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(s *Store) error {
		kind := "group.update"
		if g.ID == 0 {
			kind = "group.create"
			g.CreatedAt, g.UpdatedAt = now, now
			if err := s.db.Create(g).Error; err != nil {
				return translate(err)
			}
		} else {
			res := s.db.Model(&Group{}).Where("id = ?", g.ID).Updates(map[string]any{
				"name": g.Name, "comment": g.Comment, "is_assign": g.IsAssign, "is_requester": g.IsRequester, "updated_at": now})
			if res.Error != nil {
				return translate(res.Error)
			}
			if res.RowsAffected == 0 {
				return ErrNotFound
			}
		}
		if err := s.db.Where("group_id = ?", g.ID).Delete(&GroupUser{}).Error; err != nil {
			return translate(err)
		}
		seen := map[int64]bool{}
		rows := []GroupUser{}
		for _, u := range members {
			if u != 0 && !seen[u] {
				seen[u] = true
				rows = append(rows, GroupUser{GroupID: g.ID, UserID: u})
			}
		}
		if len(rows) > 0 {
			if err := s.db.Create(&rows).Error; err != nil {
				return translate(err)
			}
		}
		return s.auditBy(ctx, actor, kind, "group", g.ID, fmt.Sprintf("group %s saved with %d members", g.Name, len(rows)))
	})
}

// DeleteGroup deletes a group; tickets lose it as an actor and receivers
// as their default.
func (s *Store) DeleteGroup(ctx context.Context, id int64, actor *User) error {
	return s.tx(ctx, func(s *Store) error {
		var g Group
		if err := s.db.Take(&g, id).Error; err != nil {
			return translate(err)
		}
		if err := s.db.Model(&Receiver{}).Where("default_group_id = ?", id).Update("default_group_id", nil).Error; err != nil {
			return translate(err)
		}
		var assigned []int64
		if err := s.db.Model(&TicketGroup{}).Where("group_id = ? AND role = ?", id, ActorAssigned).Pluck("ticket_id", &assigned).Error; err != nil {
			return translate(err)
		}
		for _, m := range []any{&TicketGroup{}, &GroupUser{}} {
			if err := s.db.Where("group_id = ?", id).Delete(m).Error; err != nil {
				return translate(err)
			}
		}
		for start := 0; start < len(assigned); start += 1000 {
			if err := s.recountAssignees(ctx, assigned[start:min(start+1000, len(assigned))]); err != nil {
				return err
			}
		}
		if err := s.db.Delete(&Group{}, id).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "group.delete", "group", id, "group "+g.Name+" deleted")
	})
}

// ---- ITIL categories ----

// CategorySeparator joins the names of a category's path.
const CategorySeparator = " > "

// Categories lists every category in the order of their full names.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.db.WithContext(ctx).Order("full_name").Order("id").Find(&out).Error
	if err == nil {
		// The collations differ between dialects; the tree order is the path's.
		sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].FullName) < strings.ToLower(out[j].FullName) })
	}
	return out, translate(err)
}

// Category returns one category.
func (s *Store) Category(ctx context.Context, id int64) (*Category, error) {
	var c Category
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// SaveCategory creates (ID 0) or updates a category, computes its full
// name and those of its descendants, and audits it, in one transaction. A
// category cannot be its own ancestor.
func (s *Store) SaveCategory(ctx context.Context, c *Category, actor *User) error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	}
	if strings.Contains(c.Name, strings.TrimSpace(CategorySeparator)) {
		return fmt.Errorf("%w: the name may not contain %q", ErrInvalid, strings.TrimSpace(CategorySeparator))
	}
	if err := checkText(Text{Field: "name", Value: c.Name}, Text{Field: "comment", Value: c.Comment, Long: true}); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(s *Store) error {
		var all []Category
		if err := s.db.Find(&all).Error; err != nil {
			return translate(err)
		}
		byID := map[int64]*Category{}
		for i := range all {
			byID[all[i].ID] = &all[i]
		}
		parentPath := ""
		if c.ParentID != nil {
			p, ok := byID[*c.ParentID]
			if !ok {
				return fmt.Errorf("%w: the parent category does not exist", ErrInvalid)
			}
			for a := p; a != nil; {
				if c.ID != 0 && a.ID == c.ID {
					return fmt.Errorf("%w: a category cannot be placed under itself", ErrInvalid)
				}
				if a.ParentID == nil {
					break
				}
				a = byID[*a.ParentID]
			}
			parentPath = p.FullName + CategorySeparator
		}
		c.FullName = parentPath + c.Name
		kind := "category.update"
		if c.ID == 0 {
			kind = "category.create"
			c.CreatedAt, c.UpdatedAt = now, now
			if err := s.db.Create(c).Error; err != nil {
				return translate(err)
			}
		} else {
			if _, ok := byID[c.ID]; !ok {
				return ErrNotFound
			}
			if err := s.db.Model(&Category{}).Where("id = ?", c.ID).Updates(map[string]any{
				"parent_id": c.ParentID, "name": c.Name, "comment": c.Comment, "is_active": c.IsActive,
				"full_name": c.FullName, "updated_at": now}).Error; err != nil {
				return translate(err)
			}
			byID[c.ID] = c
			if err := s.renameDescendants(c, all, now); err != nil {
				return err
			}
		}
		return s.auditBy(ctx, actor, kind, "category", c.ID, "ITIL category "+c.FullName+" saved")
	})
}

// renameDescendants rewrites the full names under c.
func (s *Store) renameDescendants(c *Category, all []Category, now time.Time) error {
	for i := range all {
		ch := &all[i]
		if ch.ParentID == nil || *ch.ParentID != c.ID || ch.ID == c.ID {
			continue
		}
		ch.FullName = c.FullName + CategorySeparator + ch.Name
		if err := s.db.Model(&Category{}).Where("id = ?", ch.ID).Updates(map[string]any{"full_name": ch.FullName, "updated_at": now}).Error; err != nil {
			return translate(err)
		}
		if err := s.renameDescendants(ch, all, now); err != nil {
			return err
		}
	}
	return nil
}

// ErrCategoryHasChildren refuses to delete a category that has others under it.
var ErrCategoryHasChildren = Message("This category has sub-categories: move or delete them first.")

// DeleteCategory deletes a category without children; its tickets and
// receivers lose it.
func (s *Store) DeleteCategory(ctx context.Context, id int64, actor *User) error {
	return s.tx(ctx, func(s *Store) error {
		var c Category
		if err := s.db.Take(&c, id).Error; err != nil {
			return translate(err)
		}
		var n int64
		if err := s.db.Model(&Category{}).Where("parent_id = ?", id).Count(&n).Error; err != nil {
			return translate(err)
		}
		if n > 0 {
			return ErrCategoryHasChildren
		}
		if err := s.db.Model(&Ticket{}).Where("category_id = ?", id).Update("category_id", nil).Error; err != nil {
			return translate(err)
		}
		if err := s.db.Model(&Receiver{}).Where("default_category_id = ?", id).Update("default_category_id", nil).Error; err != nil {
			return translate(err)
		}
		if err := s.db.Delete(&Category{}, id).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "category.delete", "category", id, "ITIL category "+c.FullName+" deleted")
	})
}

// ---- priority matrix ----

// PriorityMatrix maps [urgency][impact] to a priority; index 0 is unused.
type PriorityMatrix [6][6]int

// DefaultPriorityMatrix is GLPI's.
var DefaultPriorityMatrix = PriorityMatrix{
	{},
	{0, 1, 1, 2, 2, 2},
	{0, 1, 2, 2, 3, 3},
	{0, 2, 2, 3, 4, 4},
	{0, 2, 3, 4, 4, 5},
	{0, 2, 3, 4, 5, 5},
}

// Priority reads the matrix; a level out of range counts as Medium.
func (m PriorityMatrix) Priority(urgency, impact int) int {
	if !ValidLevel(urgency) {
		urgency = DefaultUrgency
	}
	if !ValidLevel(impact) {
		impact = DefaultImpact
	}
	return m[urgency][impact]
}

// LoadPriorityMatrix returns the stored matrix; a missing cell keeps GLPI's default.
func (s *Store) LoadPriorityMatrix(ctx context.Context) (PriorityMatrix, error) {
	m := DefaultPriorityMatrix
	var cells []PriorityCell
	if err := s.db.WithContext(ctx).Find(&cells).Error; err != nil {
		return m, translate(err)
	}
	for _, c := range cells {
		if ValidLevel(c.Urgency) && ValidLevel(c.Impact) && ValidPriority(c.Priority) {
			m[c.Urgency][c.Impact] = c.Priority
		}
	}
	return m, nil
}

// matrixPriority reads one cell of the stored matrix.
func (s *Store) matrixPriority(ctx context.Context, urgency, impact int) (int, error) {
	var cells []PriorityCell
	if err := s.db.WithContext(ctx).Where("urgency = ? AND impact = ?", urgency, impact).Limit(1).Find(&cells).Error; err != nil {
		return 0, translate(err)
	}
	if len(cells) == 0 || !ValidPriority(cells[0].Priority) {
		return DefaultPriorityMatrix.Priority(urgency, impact), nil
	}
	return cells[0].Priority, nil
}

// SavePriorityMatrix stores every cell of m and audits the change.
func (s *Store) SavePriorityMatrix(ctx context.Context, m PriorityMatrix, actor *User) error {
	cells := make([]PriorityCell, 0, 25)
	for u := LevelVeryLow; u <= LevelVeryHigh; u++ {
		for i := LevelVeryLow; i <= LevelVeryHigh; i++ {
			if !ValidPriority(m[u][i]) {
				return fmt.Errorf("%w: the priority for urgency %s and impact %s", ErrInvalid, LevelLabel(u), LevelLabel(i))
			}
			cells = append(cells, PriorityCell{Urgency: u, Impact: i, Priority: m[u][i]})
		}
	}
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "urgency"}, {Name: "impact"}},
			DoUpdates: clause.AssignmentColumns([]string{"priority"}),
		}).Create(&cells).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "priority_matrix.update", "setting", 0, "priority matrix saved")
	})
}

// ---- ticket actors and fields ----

// ActorEntry is one actor of a ticket as its page lists it: a user, a
// group or an e-mail contact.
type ActorEntry struct {
	Role  string
	Kind  string // "user", "group" or "email"
	ID    int64  // the user or group; 0 for an e-mail
	Name  string
	Email string
}

// Actor kinds.
const (
	ActorKindUser  = "user"
	ActorKindGroup = "group"
	ActorKindEmail = "email"
)

// TicketActorEntries lists a ticket's users, groups and e-mail contacts in
// each role, users first.
func (s *Store) TicketActorEntries(ctx context.Context, ticketID int64) ([]ActorEntry, error) {
	type urow struct {
		Role  string
		ID    int64
		Name  string
		Login string
		Email string
	}
	var us []urow
	if err := s.db.WithContext(ctx).Table("ticket_users").
		Select("ticket_users.role, users.id, users.name, users.login, users.email").
		Joins("JOIN users ON users.id = ticket_users.user_id").
		Where("ticket_users.ticket_id = ?", ticketID).Order("ticket_users.created_at").Scan(&us).Error; err != nil {
		return nil, translate(err)
	}
	var gs []urow
	if err := s.db.WithContext(ctx).Table("ticket_groups").
		Select("ticket_groups.role, staff_groups.id, staff_groups.name").
		Joins("JOIN staff_groups ON staff_groups.id = ticket_groups.group_id").
		Where("ticket_groups.ticket_id = ?", ticketID).Order("ticket_groups.created_at").Scan(&gs).Error; err != nil {
		return nil, translate(err)
	}
	var out []ActorEntry
	for _, u := range us {
		out = append(out, ActorEntry{Role: u.Role, Kind: ActorKindUser, ID: u.ID, Name: cmpOr(u.Name, u.Login), Email: u.Email})
	}
	for _, g := range gs {
		out = append(out, ActorEntry{Role: g.Role, Kind: ActorKindGroup, ID: g.ID, Name: g.Name})
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AddTicketUser makes a user an actor of a ticket; added is false when it
// was one already in that role.
func (s *Store) AddTicketUser(ctx context.Context, ticketID, userID int64, role string) (bool, error) {
	if !ValidActorRole(role) {
		return false, fmt.Errorf("%w: unknown actor role %q", ErrInvalid, role)
	}
	var added bool
	err := s.atomic(ctx, func(s *Store) error {
		res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&TicketUser{TicketID: ticketID, UserID: userID, Role: role, CreatedAt: s.now()})
		if res.Error != nil {
			return translate(res.Error)
		}
		added = res.RowsAffected > 0
		return s.recountIf(ctx, added && role == ActorAssigned, ticketID)
	})
	return added, err
}

// recountIf rewrites the assignee counts of tickets when cond holds.
func (s *Store) recountIf(ctx context.Context, cond bool, ticketIDs ...int64) error {
	if !cond || len(ticketIDs) == 0 {
		return nil
	}
	return s.recountAssignees(ctx, ticketIDs)
}

// recountAssignees sets tickets.assignee_count from the assignments
// themselves (never by increments, so it cannot drift). Every change of
// ticket_users or ticket_groups in the Assigned role calls it in the same
// transaction; users are never deleted (they are deactivated), so no
// cascade changes assignments behind it.
func (s *Store) recountAssignees(ctx context.Context, ticketIDs []int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE tickets SET assignee_count =
		(SELECT COUNT(*) FROM ticket_users tu WHERE tu.ticket_id = tickets.id AND tu.role = ?) +
		(SELECT COUNT(*) FROM ticket_groups tg WHERE tg.ticket_id = tickets.id AND tg.role = ?)
		WHERE id IN ?`, ActorAssigned, ActorAssigned, ticketIDs).Error
	return translate(err)
}

// RemoveTicketUser removes a user from a role of a ticket.
func (s *Store) RemoveTicketUser(ctx context.Context, ticketID, userID int64, role string) (bool, error) {
	var removed bool
	err := s.atomic(ctx, func(s *Store) error {
		res := s.db.WithContext(ctx).Where("ticket_id = ? AND user_id = ? AND role = ?", ticketID, userID, role).Delete(&TicketUser{})
		if res.Error != nil {
			return translate(res.Error)
		}
		removed = res.RowsAffected > 0
		return s.recountIf(ctx, removed && role == ActorAssigned, ticketID)
	})
	return removed, err
}

// AddTicketGroup makes a group an actor of a ticket; added is false when
// it was one already in that role.
func (s *Store) AddTicketGroup(ctx context.Context, ticketID, groupID int64, role string) (bool, error) {
	if !ValidActorRole(role) {
		return false, fmt.Errorf("%w: unknown actor role %q", ErrInvalid, role)
	}
	var added bool
	err := s.atomic(ctx, func(s *Store) error {
		res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&TicketGroup{TicketID: ticketID, GroupID: groupID, Role: role, CreatedAt: s.now()})
		if res.Error != nil {
			return translate(res.Error)
		}
		added = res.RowsAffected > 0
		return s.recountIf(ctx, added && role == ActorAssigned, ticketID)
	})
	return added, err
}

// RemoveTicketGroup removes a group from a role of a ticket.
func (s *Store) RemoveTicketGroup(ctx context.Context, ticketID, groupID int64, role string) (bool, error) {
	var removed bool
	err := s.atomic(ctx, func(s *Store) error {
		res := s.db.WithContext(ctx).Where("ticket_id = ? AND group_id = ? AND role = ?", ticketID, groupID, role).Delete(&TicketGroup{})
		if res.Error != nil {
			return translate(res.Error)
		}
		removed = res.RowsAffected > 0
		return s.recountIf(ctx, removed && role == ActorAssigned, ticketID)
	})
	return removed, err
}

// RemoveTicketContact removes an e-mail contact from a role of a ticket.
func (s *Store) RemoveTicketContact(ctx context.Context, ticketID int64, email, role string) (bool, error) {
	res := s.db.WithContext(ctx).Where("ticket_id = ? AND email = ? AND role = ?", ticketID, strings.ToLower(email), role).Delete(&TicketActor{})
	return res.RowsAffected > 0, translate(res.Error)
}

// AddTicketContact adds an e-mail contact as requester or observer.
func (s *Store) AddTicketContact(ctx context.Context, ticketID int64, email, name, role string) (bool, error) {
	if role != ActorRequester && role != ActorObserver {
		return false, fmt.Errorf("%w: an e-mail contact is a requester or an observer", ErrInvalid)
	}
	email = fitVarchar(strings.ToLower(strings.TrimSpace(email)))
	if email == "" {
		return false, fmt.Errorf("%w: the e-mail address is empty", ErrInvalid)
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&TicketActor{TicketID: ticketID, Email: email, Name: fitVarchar(name), Role: role})
	return res.RowsAffected > 0, translate(res.Error)
}

// CountAssigned is the number of users and groups assigned to a ticket.
func (s *Store) CountAssigned(ctx context.Context, ticketID int64) (int64, error) {
	var a, b int64
	if err := s.db.WithContext(ctx).Model(&TicketUser{}).Where("ticket_id = ? AND role = ?", ticketID, ActorAssigned).Count(&a).Error; err != nil {
		return 0, translate(err)
	}
	err := s.db.WithContext(ctx).Model(&TicketGroup{}).Where("ticket_id = ? AND role = ?", ticketID, ActorAssigned).Count(&b).Error
	return a + b, translate(err)
}

// TicketFields are the classification of a ticket staff can change.
type TicketFields struct {
	Type       int
	Urgency    int
	Impact     int
	Priority   int
	CategoryID *int64
}

// LockTicket reads a ticket, locking its row on MySQL until the
// transaction s is bound to ends.
func (s *Store) LockTicket(ctx context.Context, id int64) (*Ticket, error) {
	var t Ticket
	q := s.db.WithContext(ctx)
	if s.dialect == MySQL && s.InTransaction() {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	if err := q.Take(&t, id).Error; err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// SetTicketFields writes a ticket's classification and moves its last update.
func (s *Store) SetTicketFields(ctx context.Context, id int64, f TicketFields) error {
	if !ValidType(f.Type) || !ValidLevel(f.Urgency) || !ValidLevel(f.Impact) || !ValidPriority(f.Priority) {
		return fmt.Errorf("%w: type, urgency, impact or priority out of range", ErrInvalid)
	}
	res := s.db.WithContext(ctx).Model(&Ticket{}).Where("id = ?", id).Updates(map[string]any{
		"type": f.Type, "urgency": f.Urgency, "impact": f.Impact, "priority": f.Priority,
		"category_id": f.CategoryID, "updated_at": s.now()})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return translate(res.Error)
}

// TicketHistory is a ticket's audit trail, newest first.
func (s *Store) TicketHistory(ctx context.Context, ticketID int64, limit int) ([]AuditEvent, error) {
	return s.AuditEvents(ctx, "ticket", ticketID, limit)
}

// UserChoice is a user as a picker offers it.
type UserChoice struct {
	ID    int64
	Name  string
	Login string
}

// Label is the user's name, or login when unnamed.
func (u UserChoice) Label() string { return cmpOr(u.Name, u.Login) }

// ActiveUsers lists active users by name, for actor pickers.
func (s *Store) ActiveUsers(ctx context.Context) ([]UserChoice, error) {
	var out []UserChoice
	err := s.db.WithContext(ctx).Model(&User{}).Select("id", "name", "login").Where("is_active = ?", true).
		Order("name").Order("login").Scan(&out).Error
	return out, translate(err)
}

// ActorMatch is a user or a group an actor picker offers for a search.
type ActorMatch struct {
	Kind   string // ActorKindUser or ActorKindGroup
	ID     int64
	Name   string
	Detail string // a user's e-mail address; "" for a group
}

// SearchActors finds, for the actor role, up to limit active users whose
// name, login or e-mail address contains q, then up to limit groups whose
// name contains it and that may take the role ("Can be assigned" for
// Assigned to, "Can be requester" for Requester and Observer); an empty q
// lists the first ones by name.
func (s *Store) SearchActors(ctx context.Context, q, role string, limit int) ([]ActorMatch, error) {
	if !ValidActorRole(role) {
		return nil, fmt.Errorf("%w: unknown actor role %q", ErrInvalid, role)
	}
	like := "%" + escapeLike(q) + "%"
	type row struct {
		ID                 int64
		Name, Login, Email string
	}
	var us []row
	udb := s.db.WithContext(ctx).Model(&User{}).Select("id", "name", "login", "email").Where("is_active = ?", true)
	if strings.TrimSpace(q) != "" {
		udb = udb.Where("name LIKE ? ESCAPE '!' OR login LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!'", like, like, like)
	}
	if err := udb.Order("name").Order("login").Limit(limit).Scan(&us).Error; err != nil {
		return nil, translate(err)
	}
	var gs []row
	gdb := s.db.WithContext(ctx).Model(&Group{}).Select("id", "name")
	if role == ActorAssigned {
		gdb = gdb.Where("is_assign = ?", true)
	} else {
		gdb = gdb.Where("is_requester = ?", true)
	}
	if strings.TrimSpace(q) != "" {
		gdb = gdb.Where("name LIKE ? ESCAPE '!'", like)
	}
	if err := gdb.Order("name").Limit(limit).Scan(&gs).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]ActorMatch, 0, len(us)+len(gs))
	for _, u := range us {
		out = append(out, ActorMatch{Kind: ActorKindUser, ID: u.ID, Name: cmpOr(u.Name, u.Login), Detail: u.Email})
	}
	for _, g := range gs {
		out = append(out, ActorMatch{Kind: ActorKindGroup, ID: g.ID, Name: g.Name})
	}
	return out, nil
}

// Ticket list views (GLPI's saved searches of Assistance > Tickets).
const (
	ViewAll        = ""
	ViewMine       = "mine"
	ViewMyGroups   = "groups"
	ViewUnassigned = "unassigned"
)

// ticketViewScope narrows the list to a view for user userID; plainJoin
// lets the database order the join (for a chunk of ticket IDs, read by
// primary key).
func (s *Store) ticketViewScope(ctx context.Context, db *gorm.DB, view string, userID int64, plainJoin bool) (*gorm.DB, error) {
	join := s.forcedJoin()
	if plainJoin {
		join = "JOIN"
	}
	switch view {
	case ViewAll:
		return db, nil
	// The two assignment views walk the tickets' own index in the list's
	// order and test each ticket against the assignments (a small primary
	// key), forcing that join order: started from the assignments, the
	// database reads thousands of whole ticket rows by id to sort them,
	// which on MariaDB with a 100,000-ticket table larger than its buffer
	// pool took a second. The count of a view alone comes from the
	// assignments (viewOnlyCount).
	case ViewMine:
		return db.Joins(join+" ticket_users mine ON mine.ticket_id = tickets.id AND mine.user_id = ? AND mine.role = ?", userID, ActorAssigned), nil
	case ViewMyGroups:
		groups, err := s.UserGroupIDs(ctx, userID)
		if err != nil {
			return nil, err
		}
		if len(groups) == 0 {
			return db.Where("1 = 0"), nil
		}
		if len(groups) == 1 {
			return db.Joins(join+" ticket_groups mine ON mine.ticket_id = tickets.id AND mine.group_id = ? AND mine.role = ?", groups[0], ActorAssigned), nil
		}
		// A ticket assigned to two of the user's groups is listed once.
		return db.Joins(join+" (SELECT DISTINCT ticket_id FROM ticket_groups WHERE group_id IN ? AND role = ?) mine ON mine.ticket_id = tickets.id", groups, ActorAssigned), nil
	case ViewUnassigned:
		return db.Where("tickets.assignee_count = 0"), nil
	}
	return nil, fmt.Errorf("%w: unknown view %q", ErrInvalid, view)
}

// forcedJoin is the join that keeps the tables in the written order:
// CROSS JOIN on SQLite (its documented way), STRAIGHT_JOIN on MySQL.
func (s *Store) forcedJoin() string {
	if s.dialect == MySQL {
		return "STRAIGHT_JOIN"
	}
	return "CROSS JOIN"
}

// viewOnlyCount counts My tickets or My groups' tickets from the
// assignments alone (every assignment names an existing ticket); ok is
// false for the other views.
func (s *Store) viewOnlyCount(ctx context.Context, view string, userID int64) (n int64, ok bool, err error) {
	db := s.db.WithContext(ctx)
	switch view {
	case ViewMine:
		err = db.Model(&TicketUser{}).Where("user_id = ? AND role = ?", userID, ActorAssigned).Count(&n).Error
	case ViewMyGroups:
		groups, gerr := s.UserGroupIDs(ctx, userID)
		if gerr != nil || len(groups) == 0 {
			return 0, true, gerr
		}
		err = db.Model(&TicketGroup{}).Where("group_id IN ? AND role = ?", groups, ActorAssigned).Distinct("ticket_id").Count(&n).Error
	default:
		return 0, false, nil
	}
	return n, true, translate(err)
}

// ticketAssignees fills the Assigned to column of rows.
func (s *Store) ticketAssignees(ctx context.Context, rows []TicketRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		ids[i], at[r.ID] = r.ID, i
	}
	type arow struct {
		TicketID int64
		Name     string
		Login    string
	}
	var us, gs []arow
	if err := s.db.WithContext(ctx).Table("ticket_users").Select("ticket_users.ticket_id, users.name, users.login").
		Joins("JOIN users ON users.id = ticket_users.user_id").
		Where("ticket_users.ticket_id IN ? AND ticket_users.role = ?", ids, ActorAssigned).
		Order("ticket_users.created_at").Scan(&us).Error; err != nil {
		return translate(err)
	}
	if err := s.db.WithContext(ctx).Table("ticket_groups").Select("ticket_groups.ticket_id, staff_groups.name").
		Joins("JOIN staff_groups ON staff_groups.id = ticket_groups.group_id").
		Where("ticket_groups.ticket_id IN ? AND ticket_groups.role = ?", ids, ActorAssigned).
		Order("ticket_groups.created_at").Scan(&gs).Error; err != nil {
		return translate(err)
	}
	for _, a := range append(us, gs...) {
		r := &rows[at[a.TicketID]]
		r.AssignedTo = append(r.AssignedTo, cmpOr(a.Name, a.Login))
	}
	return nil
}

// ReceiverDefaults are what a receiver gives its new tickets.
type ReceiverDefaults struct {
	GroupID    *int64
	CategoryID *int64
	Type       int // 0: none (Incident)
}

// LoadReceiverDefaults reads a receiver's ticket defaults; none for a
// receiver that does not exist.
func (s *Store) LoadReceiverDefaults(ctx context.Context, receiverID int64) (ReceiverDefaults, error) {
	var rs []Receiver
	err := s.db.WithContext(ctx).Select("default_group_id", "default_category_id", "default_type").Where("id = ?", receiverID).Limit(1).Find(&rs).Error
	if err != nil || len(rs) == 0 {
		return ReceiverDefaults{}, translate(err)
	}
	return ReceiverDefaults{GroupID: rs[0].DefaultGroupID, CategoryID: rs[0].DefaultCategoryID, Type: rs[0].DefaultType}, nil
}

// SaveReceiverDefaults sets a receiver's ticket defaults and audits it.
func (s *Store) SaveReceiverDefaults(ctx context.Context, receiverID int64, d ReceiverDefaults, actor *User) error {
	if d.Type != 0 && !ValidType(d.Type) {
		return fmt.Errorf("%w: unknown ticket type", ErrInvalid)
	}
	return s.tx(ctx, func(s *Store) error {
		var r Receiver
		if err := s.db.Select("id", "name").Take(&r, receiverID).Error; err != nil {
			return translate(err)
		}
		msg := "ticket defaults of " + r.Name + ":"
		if d.GroupID != nil {
			g, err := s.Group(ctx, *d.GroupID)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: the group does not exist", ErrInvalid)
			} else if err != nil {
				return err
			}
			if !g.IsAssign {
				return fmt.Errorf("%w: the group %s cannot be assigned", ErrInvalid, g.Name)
			}
			msg += " group " + g.Name + ","
		}
		if d.CategoryID != nil {
			c, err := s.Category(ctx, *d.CategoryID)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: the category does not exist", ErrInvalid)
			} else if err != nil {
				return err
			}
			msg += " category " + c.FullName + ","
		}
		msg += " type " + TypeLabel(d.Type)
		if err := s.db.Model(&Receiver{}).Where("id = ?", receiverID).Updates(map[string]any{
			"default_group_id": d.GroupID, "default_category_id": d.CategoryID, "default_type": d.Type, "updated_at": s.now()}).Error; err != nil {
			return translate(err)
		}
		return s.auditBy(ctx, actor, "receiver.defaults", "receiver", receiverID, msg)
	})
}
