package helpdesk

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// Every staff action on a ticket (single or bulk, from a page or, later,
// from a rule) goes through this file: it runs in one transaction with its
// audit row, and the status rules below are applied here and nowhere else.
//
// # Status rules (GLPI's)
//
//   - a New ticket that gets an assignee (user or group) becomes
//     Processing (assigned);
//   - a Processing ticket whose last assignee is removed returns to New;
//   - a requester's reply that reopens a Solved or Closed ticket makes it
//     Processing (assigned) when someone is assigned, else New.

// settleStatus is the status a ticket with that many assignees takes.
func settleStatus(status int, assigned int64) int {
	switch {
	case status == store.StatusNew && assigned > 0:
		return store.StatusAssigned
	case (status == store.StatusAssigned || status == store.StatusPlanned) && assigned == 0:
		return store.StatusNew
	}
	return status
}

// reopen applies the reopen rule inside the caller's transaction tx.
func reopen(ctx context.Context, tx *store.Store, ticketID int64) error {
	n, err := tx.CountAssigned(ctx, ticketID)
	if err != nil {
		return err
	}
	_, err = tx.SetTicketStatus(ctx, ticketID, settleStatus(store.StatusNew, n), 0, store.EventReopen)
	return err
}

// ErrNoSolution refuses to solve a ticket without a solution text.
var ErrNoSolution = errors.New("helpdesk: the solution is empty")

// ErrNotAssignable refuses a group that cannot be assigned, or a user who
// cannot log in, as "Assigned to".
var ErrNotAssignable = errors.New("helpdesk: this group or user cannot be assigned")

// ErrNotRequester refuses a group whose "Can be requester" is off as a
// requester or an observer (GLPI offers only those groups there).
var ErrNotRequester = errors.New("helpdesk: this group cannot be requester or observer")

// refusal joins a sentinel error and the words a page shows for it.
func refusal(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %w", sentinel, store.Message(fmt.Sprintf(format, args...)))
}

// Actor names who an action adds to or removes from a ticket: Kind is
// store.ActorKindUser or ActorKindGroup with ID, or ActorKindEmail with
// Email (requesters and observers only).
type Actor struct {
	Role  string
	Kind  string
	ID    int64
	Email string
	Name  string
}

// act runs fn for one ticket in a transaction: fn returns the audit
// message ("" when nothing changed); the status rules are settled after
// it, and the audit row written, in the same transaction.
func (s *Service) act(ctx context.Context, ticketID int64, by *store.User, kind string, fn func(tx *store.Store, t *store.Ticket) (string, error)) (bool, error) {
	changed := false
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		t, err := tx.LockTicket(ctx, ticketID)
		if err != nil {
			return err
		}
		msg, err := fn(tx, t)
		if err != nil || msg == "" {
			return err
		}
		changed = true
		cur, err := tx.LockTicket(ctx, ticketID)
		if err != nil {
			return err
		}
		n, err := tx.CountAssigned(ctx, ticketID)
		if err != nil {
			return err
		}
		if next := settleStatus(cur.Status, n); next != cur.Status {
			if _, err := tx.SetTicketStatus(ctx, ticketID, next, userID(by), store.EventStatus); err != nil {
				return err
			}
			msg += "; status " + store.StatusLabel(cur.Status) + " → " + store.StatusLabel(next)
		}
		if err := tx.TouchTicket(ctx, ticketID); err != nil {
			return err
		}
		return audit(ctx, tx, by, kind, "ticket", ticketID, msg)
	})
	if err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return changed, nil
}

func userID(u *store.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// actorLabel names an actor in the history: "Assigned to: group Network".
func (s *Service) actorLabel(ctx context.Context, tx *store.Store, a Actor) (string, error) {
	role := store.ActorRoleLabel(a.Role)
	switch a.Kind {
	case store.ActorKindUser:
		u, err := tx.User(ctx, a.ID)
		if err != nil {
			return "", err
		}
		return role + ": " + cmpOr(u.Name, u.Login), nil
	case store.ActorKindGroup:
		g, err := tx.Group(ctx, a.ID)
		if err != nil {
			return "", err
		}
		return role + ": group " + g.Name, nil
	}
	return role + ": " + a.Email, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkActor refuses actors the rules do not allow.
func checkActor(ctx context.Context, tx *store.Store, a Actor) error {
	if !store.ValidActorRole(a.Role) {
		return fmt.Errorf("%w: unknown actor role", store.ErrInvalid)
	}
	switch a.Kind {
	case store.ActorKindUser:
		u, err := tx.User(ctx, a.ID)
		if err != nil {
			return err
		}
		if a.Role == store.ActorAssigned && !u.IsActive {
			return refusal(ErrNotAssignable, "%s is not active and cannot be assigned.", cmpOr(u.Name, u.Login))
		}
	case store.ActorKindGroup:
		g, err := tx.Group(ctx, a.ID)
		if err != nil {
			return err
		}
		if a.Role == store.ActorAssigned && !g.IsAssign {
			return refusal(ErrNotAssignable, "The group %s cannot be assigned: \"Can be assigned\" is off for it in Administration > Groups.", g.Name)
		}
		if a.Role != store.ActorAssigned && !g.IsRequester {
			return refusal(ErrNotRequester, "The group %s cannot be %s: \"Can be requester\" is off for it in Administration > Groups.",
				g.Name, strings.ToLower(store.ActorRoleLabel(a.Role)))
		}
	case store.ActorKindEmail:
		if a.Role == store.ActorAssigned {
			return fmt.Errorf("%w: an e-mail address cannot be assigned", store.ErrInvalid)
		}
		if addr, err := netmail.ParseAddress(a.Email); err != nil || addr.Address != strings.TrimSpace(a.Email) {
			return fmt.Errorf("%w: %q is not an e-mail address", store.ErrInvalid, a.Email)
		}
	default:
		return fmt.Errorf("%w: unknown actor kind", store.ErrInvalid)
	}
	return nil
}

// AddActor adds a requester, observer or assignee; assigning a New ticket
// makes it Processing (assigned). It reports false when the ticket had
// that actor already.
func (s *Service) AddActor(ctx context.Context, ticketID int64, a Actor, by *store.User) (bool, error) {
	return s.act(ctx, ticketID, by, "ticket.actor_add", func(tx *store.Store, t *store.Ticket) (string, error) {
		if err := checkActor(ctx, tx, a); err != nil {
			return "", err
		}
		var added bool
		var err error
		switch a.Kind {
		case store.ActorKindUser:
			added, err = tx.AddTicketUser(ctx, t.ID, a.ID, a.Role)
		case store.ActorKindGroup:
			added, err = tx.AddTicketGroup(ctx, t.ID, a.ID, a.Role)
		default:
			added, err = tx.AddTicketContact(ctx, t.ID, a.Email, a.Name, a.Role)
		}
		if err != nil || !added {
			return "", err
		}
		label, err := s.actorLabel(ctx, tx, a)
		return "added " + label, err
	})
}

// assignDefaultGroup assigns a new ticket to its receiver's default group
// in the transaction tx that creates it, with the audit row a manual
// assignment writes (by the system), so the History tab shows it. The
// ticket was created Processing (assigned) already (settleStatus).
func (s *Service) assignDefaultGroup(ctx context.Context, tx *store.Store, ticketID, groupID int64) error {
	added, err := tx.AddTicketGroup(ctx, ticketID, groupID, store.ActorAssigned)
	if err != nil || !added {
		return err
	}
	label, err := s.actorLabel(ctx, tx, Actor{Role: store.ActorAssigned, Kind: store.ActorKindGroup, ID: groupID})
	if err != nil {
		return err
	}
	msg := "added " + label + " (the receiver's default group); status " +
		store.StatusLabel(store.StatusNew) + " → " + store.StatusLabel(settleStatus(store.StatusNew, 1))
	return audit(ctx, tx, nil, "ticket.actor_add", "ticket", ticketID, msg)
}

// AssignToMe assigns the ticket to the user acting.
func (s *Service) AssignToMe(ctx context.Context, ticketID int64, me *store.User) (bool, error) {
	return s.AddActor(ctx, ticketID, Actor{Role: store.ActorAssigned, Kind: store.ActorKindUser, ID: me.ID}, me)
}

// RemoveActor removes an actor; removing the last assignee of a ticket in
// Processing returns it to New.
func (s *Service) RemoveActor(ctx context.Context, ticketID int64, a Actor, by *store.User) (bool, error) {
	return s.act(ctx, ticketID, by, "ticket.actor_remove", func(tx *store.Store, t *store.Ticket) (string, error) {
		label, err := s.actorLabel(ctx, tx, a)
		if err != nil {
			return "", err
		}
		var removed bool
		switch a.Kind {
		case store.ActorKindUser:
			removed, err = tx.RemoveTicketUser(ctx, t.ID, a.ID, a.Role)
		case store.ActorKindGroup:
			removed, err = tx.RemoveTicketGroup(ctx, t.ID, a.ID, a.Role)
		case store.ActorKindEmail:
			removed, err = tx.RemoveTicketContact(ctx, t.ID, a.Email, a.Role)
		default:
			return "", fmt.Errorf("%w: unknown actor kind", store.ErrInvalid)
		}
		if err != nil || !removed {
			return "", err
		}
		return "removed " + label, nil
	})
}

// Fields is the classification staff set on a ticket. The priority is
// computed from urgency and impact with the priority matrix unless
// Priority is set (GLPI lets a technician raise it, to Major for one).
type Fields struct {
	Type       int
	Urgency    int
	Impact     int
	Priority   int // 0: from the matrix
	CategoryID *int64
}

// SetFields sets type, urgency, impact, priority and category.
func (s *Service) SetFields(ctx context.Context, ticketID int64, f Fields, by *store.User) (bool, error) {
	return s.act(ctx, ticketID, by, "ticket.update", func(tx *store.Store, t *store.Ticket) (string, error) {
		if !store.ValidType(f.Type) || !store.ValidLevel(f.Urgency) || !store.ValidLevel(f.Impact) ||
			(f.Priority != 0 && !store.ValidPriority(f.Priority)) {
			return "", fmt.Errorf("%w: type, urgency, impact or priority out of range", store.ErrInvalid)
		}
		prio := f.Priority
		if prio == 0 {
			m, err := tx.LoadPriorityMatrix(ctx)
			if err != nil {
				return "", err
			}
			prio = m.Priority(f.Urgency, f.Impact)
		}
		var changes []string
		note := func(field, old, next string) {
			if old != next {
				changes = append(changes, field+" "+old+" → "+next)
			}
		}
		note("Type", store.TypeLabel(t.Type), store.TypeLabel(f.Type))
		note("Urgency", store.LevelLabel(t.Urgency), store.LevelLabel(f.Urgency))
		note("Impact", store.LevelLabel(t.Impact), store.LevelLabel(f.Impact))
		note("Priority", store.LevelLabel(t.Priority), store.LevelLabel(prio))
		oldCat, err := categoryName(ctx, tx, t.CategoryID)
		if err != nil {
			return "", err
		}
		newCat, err := categoryName(ctx, tx, f.CategoryID)
		if err != nil {
			return "", err
		}
		note("Category", oldCat, newCat)
		if len(changes) == 0 {
			return "", nil
		}
		err = tx.SetTicketFields(ctx, t.ID, store.TicketFields{Type: f.Type, Urgency: f.Urgency, Impact: f.Impact, Priority: prio, CategoryID: f.CategoryID})
		return strings.Join(changes, "; "), err
	})
}

// SetCategory changes only the category (a bulk action).
func (s *Service) SetCategory(ctx context.Context, ticketID int64, categoryID *int64, by *store.User) (bool, error) {
	t, err := s.st.Ticket(ctx, ticketID)
	if err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return s.SetFields(ctx, ticketID, Fields{Type: t.Type, Urgency: t.Urgency, Impact: t.Impact, Priority: t.Priority, CategoryID: categoryID}, by)
}

func categoryName(ctx context.Context, tx *store.Store, id *int64) (string, error) {
	if id == nil {
		return "(none)", nil
	}
	c, err := tx.Category(ctx, *id)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("%w: the category does not exist", store.ErrInvalid)
	}
	if err != nil {
		return "", err
	}
	return c.FullName, nil
}

// SetStatus sets a ticket's status as a staff member. New with an
// assignee settles to Processing (assigned), and Processing without one
// to New, as every change does.
func (s *Service) SetStatus(ctx context.Context, ticketID int64, status int, by *store.User) (bool, error) {
	if !store.ValidStatus(status) {
		return false, fmt.Errorf("helpdesk: %w: unknown status %d", store.ErrInvalid, status)
	}
	return s.act(ctx, ticketID, by, "ticket.status", func(tx *store.Store, t *store.Ticket) (string, error) {
		changed, err := tx.SetTicketStatus(ctx, t.ID, status, userID(by), store.EventStatus)
		if err != nil || !changed {
			return "", err
		}
		if err := s.solvedNotice(ctx, tx, t.ID, status, ""); err != nil {
			return "", err
		}
		return "status " + store.StatusLabel(t.Status) + " → " + store.StatusLabel(status), nil
	})
}

// Solve records a solution (shown in the timeline) and makes the ticket
// Solved, in one transaction.
func (s *Service) Solve(ctx context.Context, ticketID int64, solution string, by *store.User) (bool, error) {
	if strings.TrimSpace(solution) == "" {
		return false, ErrNoSolution
	}
	if err := store.CheckText(store.Text{Field: "solution", Value: solution, Long: true, Max: store.MaxContentText}); err != nil {
		return false, fmt.Errorf("helpdesk: %w", err)
	}
	return s.act(ctx, ticketID, by, "ticket.solve", func(tx *store.Store, t *store.Ticket) (string, error) {
		f := staffFollowup(t.ID, by, solution)
		f.Kind = store.FollowupSolution
		if err := tx.CreateFollowup(ctx, f); err != nil {
			return "", err
		}
		changed, err := tx.SetTicketStatus(ctx, t.ID, store.StatusSolved, userID(by), store.EventStatus)
		if err != nil {
			return "", err
		}
		if changed {
			if err := s.solvedNotice(ctx, tx, t.ID, store.StatusSolved, solution); err != nil {
				return "", err
			}
		}
		return "solved (status " + store.StatusLabel(t.Status) + " → " + store.StatusLabel(store.StatusSolved) + ")", nil
	})
}

// AddNote adds a staff follow-up, private (seen by staff only) or public.
// The files are its documents.
func (s *Service) AddNote(ctx context.Context, ticketID int64, author *store.User, text string, private bool, files ...submission.Attachment) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrEmptyFollowup
	}
	if err := store.CheckText(store.Text{Field: "follow-up", Value: text, Long: true, Max: store.MaxContentText}); err != nil {
		return 0, fmt.Errorf("helpdesk: %w", err)
	}
	docs, err := s.storeAttachments(ctx, files)
	if err != nil {
		return 0, err
	}
	var id int64
	_, err = s.act(ctx, ticketID, author, "ticket.followup", func(tx *store.Store, t *store.Ticket) (string, error) {
		f := staffFollowup(t.ID, author, text)
		f.IsPrivate = private
		if err := tx.CreateFollowup(ctx, f); err != nil {
			return "", err
		}
		if err := recordAttachments(ctx, tx, f, docs); err != nil {
			return "", err
		}
		id = f.ID
		if private {
			return "private follow-up added", nil
		}
		return "follow-up added", nil
	})
	return id, err
}

func staffFollowup(ticketID int64, author *store.User, text string) *store.Followup {
	f := &store.Followup{TicketID: ticketID, Kind: store.FollowupStaff, Content: ingest.TextToHTML(text)}
	if author != nil {
		id := author.ID
		f.AuthorUserID, f.AuthorEmail, f.AuthorName = &id, author.Email, cmpOr(author.Name, author.Login)
	}
	return f
}

// Bulk actions on the ticket list.
const (
	BulkAssign   = "assign"   // Value: a user ("user:ID") or group ("group:ID")
	BulkStatus   = "status"   // Value: a status number
	BulkCategory = "category" // Value: a category id, "" for none
)

// BulkResult counts what a bulk action did.
type BulkResult struct{ Changed, Unchanged, Failed int }

// BulkAct applies one action to each ticket, each through the same
// function (and so the same rules and audit) as the single action; a
// failure on one ticket does not stop the others.
func (s *Service) BulkAct(ctx context.Context, ids []int64, action string, a Actor, status int, categoryID *int64, by *store.User) (BulkResult, error) {
	var res BulkResult
	for _, id := range ids {
		var changed bool
		var err error
		switch action {
		case BulkAssign:
			a.Role = store.ActorAssigned
			changed, err = s.AddActor(ctx, id, a, by)
		case BulkStatus:
			changed, err = s.SetStatus(ctx, id, status, by)
		case BulkCategory:
			changed, err = s.SetCategory(ctx, id, categoryID, by)
		default:
			return res, fmt.Errorf("helpdesk: %w: unknown bulk action %q", store.ErrInvalid, action)
		}
		switch {
		case err != nil:
			if errors.Is(err, store.ErrInvalid) || errors.Is(err, ErrNotAssignable) || errors.Is(err, ErrNotRequester) {
				return res, err
			}
			res.Failed++
		case changed:
			res.Changed++
		default:
			res.Unchanged++
		}
	}
	return res, nil
}

// followupObservers adds the CC addresses of a reply as observers of its
// ticket when the receiver adds CC users as observers (the decision's
// Observers then hold them); the ticket's requesters are left out.
func (s *Service) followupObservers(ctx context.Context, t *store.Store, d *ingest.Decision, lk lookups) error {
	if len(d.Observers) == 0 || len(d.Cc) == 0 {
		return nil
	}
	cc := map[string]bool{}
	for _, a := range d.Cc {
		cc[strings.ToLower(a.Email)] = true
	}
	th, err := t.TicketThreads(ctx, []int64{d.TicketID})
	if err != nil {
		return err
	}
	skip := map[string]bool{}
	for _, e := range th[d.TicketID].Participants {
		skip[e] = true
	}
	var add []ingest.Address
	for _, o := range d.Observers {
		if k := strings.ToLower(o.Email); cc[k] && !skip[k] {
			add = append(add, o)
		}
	}
	if len(add) == 0 {
		return nil
	}
	emails := make([]string, 0, len(add))
	for _, o := range add {
		emails = append(emails, o.Email)
	}
	users, err := lk.users(ctx, emails)
	if err != nil {
		return err
	}
	actors := make([]store.TicketActor, 0, len(add))
	for _, o := range add {
		a := store.TicketActor{Role: store.ActorObserver, Email: o.Email, Name: o.Name}
		if uid, ok := users[strings.ToLower(o.Email)]; ok {
			a.UserID = &uid
		}
		actors = append(actors, a)
	}
	return t.AddTicketCopy(ctx, d.TicketID, 0, actors)
}

// solvedNotice queues, in the transaction that solved the ticket, the
// requester's "ticket solved" mail: none for a change that did not
// commit, none forgotten for one that did.
func (s *Service) solvedNotice(ctx context.Context, tx *store.Store, ticketID int64, status int, solution string) error {
	if status != store.StatusSolved {
		return nil
	}
	_, err := s.notifySolved(ctx, tx, ticketID, solution)
	return err
}
