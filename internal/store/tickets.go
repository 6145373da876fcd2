package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TicketStatuses are GLPI's statuses in the order its screens list them.
var TicketStatuses = []int{StatusNew, StatusAssigned, StatusPlanned, StatusPending, StatusSolved, StatusClosed}

// StatusLabel is a status as GLPI names it.
func StatusLabel(status int) string {
	switch status {
	case StatusNew:
		return "New"
	case StatusAssigned:
		return "Processing (assigned)"
	case StatusPlanned:
		return "Processing (planned)"
	case StatusPending:
		return "Pending"
	case StatusSolved:
		return "Solved"
	case StatusClosed:
		return "Closed"
	}
	return fmt.Sprintf("Status %d", status)
}

// ValidStatus reports whether status is one of TicketStatuses.
func ValidStatus(status int) bool { return status >= StatusNew && status <= StatusClosed }

// Ticket event kinds shown in a ticket's timeline.
const (
	EventStatus = "status" // OldValue and NewValue are status numbers
	EventReopen = "reopen" // a mail reopened the ticket; same values
)

// maxMessageIDColumn is the width of the message_id columns (VARCHAR(255)
// on MySQL).
const maxMessageIDColumn = 255

// NormalMessageID is the form a Message-ID is written and looked up in:
// without <> and surrounding spaces; one longer than the column keeps its
// first 190 bytes (cut at a rune boundary), "#", and the SHA-256 of the
// whole ID, so two long IDs that share a prefix stay apart. Everything that
// stores a Message-ID (tickets, follow-ups, the ledger) must use it.
func NormalMessageID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if len(id) <= maxMessageIDColumn {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	cut := 190
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return id[:cut] + "#" + hex.EncodeToString(sum[:])
}

// fitVarchar cuts s to the 255 characters of a VARCHAR(255) column.
func fitVarchar(s string) string {
	if utf8.RuneCountInString(s) <= 255 {
		return s
	}
	return string([]rune(s)[:255])
}

// CreateTicket adds a ticket and its actors, in one transaction of its own
// or as part of the one s is bound to (see atomic).
func (s *Store) CreateTicket(ctx context.Context, t *Ticket, actors []TicketActor) error {
	t.Title = fitVarchar(t.Title)
	t.RequesterEmail, t.RequesterName = fitVarchar(t.RequesterEmail), fitVarchar(t.RequesterName)
	t.MessageID = NormalMessageID(t.MessageID)
	if t.Status == 0 {
		t.Status = StatusNew
	}
	if t.Urgency == 0 {
		t.Urgency = DefaultUrgency
	}
	if t.Impact == 0 {
		t.Impact = DefaultImpact
	}
	if t.Type == 0 {
		t.Type = TypeIncident
	}
	if t.RequestSource == "" {
		t.RequestSource = SourceEmail
	}
	if t.OpenedAt.IsZero() {
		t.OpenedAt = s.now()
	}
	t.OpenedAt = t.OpenedAt.UTC().Truncate(time.Microsecond)
	t.UpdatedAt = s.now()
	return s.atomic(ctx, func(s *Store) error {
		if t.Priority == 0 {
			p, err := s.matrixPriority(ctx, t.Urgency, t.Impact)
			if err != nil {
				return err
			}
			t.Priority = p
		}
		rows := actorRows(0, actors)
		if s.dialect == MySQL && t.ID == 0 && len(rows) > 0 {
			return s.insertTicketWithActors(ctx, t, rows)
		}
		if err := s.insertTicket(ctx, t); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		// One multi-row INSERT: a mail with observers costs one statement.
		ptrs := make([]any, len(rows))
		for i, r := range rows {
			r.TicketID, ptrs[i] = t.ID, r
		}
		if s.dialect == SQLite {
			return s.actorInsert.insertRows(ctx, s.db.WithContext(ctx), ptrs)
		}
		// MySQL, a ticket given its ID (an import).
		return translate(s.db.WithContext(ctx).Create(&rows).Error)
	})
}

// ticketIDVar is the session variable insertTicketWithActors keeps the
// new ticket's ID in between its statements.
const ticketIDVar = "@oauthimap_ticket_id"

// insertTicketWithActors inserts t and its actors' rows in one round trip
// to MySQL/MariaDB, where each statement costs one: the ticket, its ID
// kept in a session variable, the actors with that ID, its entry in the
// word index's queue, and the ID read back (GORM's transaction gives no
// access to the driver's list of each statement's insert ID). A mail
// collected into a ticket is then one round trip instead of two: 4,023
// INSERTs for 2,000 mails, each waited for, while the cores were 40%
// idle. An error of any statement is the call's, and the caller's
// transaction is rolled back.
func (s *Store) insertTicketWithActors(ctx context.Context, t *Ticket, rows []*TicketActor) error {
	db := s.db.WithContext(ctx)
	if err := t.BeforeCreate(db); err != nil {
		return err
	}
	args, err := s.ticketInsert.values(ctx, t, "")
	if err != nil {
		return err
	}
	actors, err := s.actorInsert.rowsSQL(len(rows), "ticket_id", ticketIDVar)
	if err != nil {
		return err
	}
	for _, r := range rows {
		a, err := s.actorInsert.values(ctx, r, "ticket_id")
		if err != nil {
			return err
		}
		args = append(args, a...)
	}
	q := s.ticketInsert.sql + "; SET " + ticketIDVar + " = LAST_INSERT_ID(); " + actors +
		"; INSERT INTO ticket_word_queue (ticket_id) VALUES (" + ticketIDVar + "); SELECT " + ticketIDVar
	rs, err := db.Statement.ConnPool.QueryContext(ctx, q, args...)
	if err != nil {
		return driverError(db, err)
	}
	id, err := lastResultInt(rs)
	if err != nil {
		return driverError(db, err)
	}
	if id == 0 {
		return errors.New("store: insert a ticket: no ID came back")
	}
	t.ID = id
	for _, r := range rows {
		r.TicketID = id
	}
	s.noteTickets()
	return nil
}

// lastResultInt reads the one value of the first result with columns of
// a list of statements, after the results of those before it; an error
// of any statement is returned.
func lastResultInt(rs *sql.Rows) (int64, error) {
	defer rs.Close()
	var v int64
	for {
		if cols, err := rs.Columns(); err == nil && len(cols) > 0 {
			if rs.Next() {
				if err := rs.Scan(&v); err != nil {
					return 0, err
				}
			}
			break
		}
		if !rs.NextResultSet() {
			break
		}
	}
	if err := rs.Err(); err != nil {
		return 0, err
	}
	return v, rs.Close()
}

// insertTicket inserts t's row, as GORM's Create would (its BeforeCreate
// too), through the INSERT written once at Open: the collector's writer
// inserts a ticket per mail. A ticket given its ID (an import) goes
// through Create. On MySQL the ticket is queued for the word index
// (word_index.go).
func (s *Store) insertTicket(ctx context.Context, t *Ticket) error {
	db := s.db.WithContext(ctx)
	if t.ID != 0 {
		s.noteTickets()
		return translate(db.Create(t).Error) // AfterCreate queues it
	}
	if err := t.BeforeCreate(db); err != nil {
		return err
	}
	id, err := s.ticketInsert.insert(ctx, db, t)
	if err != nil {
		return err
	}
	t.ID = id
	return s.queueTicketWords(ctx, id)
}

// actorRows prepares actors for ticketID: e-mails lower-cased, fields cut
// to their columns, each role and e-mail once, none without an e-mail.
func actorRows(ticketID int64, actors []TicketActor) []*TicketActor {
	seen := map[string]bool{}
	rows := make([]*TicketActor, 0, len(actors))
	for i := range actors {
		a := &actors[i]
		a.Email = fitVarchar(strings.ToLower(a.Email))
		key := a.Role + "\x00" + a.Email
		if a.Email == "" || seen[key] {
			continue
		}
		seen[key] = true
		a.ID, a.TicketID, a.Name = 0, ticketID, fitVarchar(a.Name)
		rows = append(rows, a)
	}
	return rows
}

// Ticket returns one ticket.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	var t Ticket
	if err := s.db.WithContext(ctx).Take(&t, id).Error; err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// TicketActors returns the requesters and observers of a ticket.
func (s *Store) TicketActors(ctx context.Context, ticketID int64) ([]TicketActor, error) {
	var out []TicketActor
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("role DESC").Order("id").Find(&out).Error
	return out, translate(err)
}

// TicketEvents returns a ticket's changes, oldest first.
func (s *Store) TicketEvents(ctx context.Context, ticketID int64) ([]TicketEvent, error) {
	var out []TicketEvent
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("created_at").Order("id").Find(&out).Error
	return out, translate(err)
}

// SetTicketStatus changes a ticket's status and records the change as a
// ticket event of kind (EventStatus or EventReopen); userID 0 means the
// system. It reports false when the ticket already had that status.
func (s *Store) SetTicketStatus(ctx context.Context, id int64, status int, userID int64, kind string) (bool, error) {
	if !ValidStatus(status) {
		return false, fmt.Errorf("store: unknown ticket status %d", status)
	}
	changed := false
	err := s.tx(ctx, func(s *Store) error {
		var t Ticket
		q := s.db.Select("id", "status")
		if s.dialect == MySQL {
			q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
		}
		if err := q.Take(&t, id).Error; err != nil {
			return translate(err)
		}
		if t.Status == status {
			return nil
		}
		now := s.now()
		up := map[string]any{"status": status, "updated_at": now}
		switch {
		case status == StatusSolved:
			up["solved_at"] = now
		case status == StatusClosed:
			up["closed_at"] = now
		default:
			up["solved_at"], up["closed_at"] = nil, nil
		}
		if err := s.db.Model(&Ticket{}).Where("id = ?", id).Updates(up).Error; err != nil {
			return translate(err)
		}
		ev := TicketEvent{TicketID: id, Kind: kind, OldValue: fmt.Sprint(t.Status), NewValue: fmt.Sprint(status), CreatedAt: now}
		if userID != 0 {
			ev.UserID = &userID
		}
		changed = true
		return translate(s.db.Create(&ev).Error)
	})
	return changed, err
}

// TicketThread is what threading needs about a ticket.
type TicketThread struct {
	ID     int64
	Status int
	// Participants are the lower-cased e-mails of requesters and observers.
	Participants []string
	// Requesters are those of Participants who are requesters.
	Requesters []string
}

// TicketThreads returns, for each existing ticket of ids, its status and
// participants.
func (s *Store) TicketThreads(ctx context.Context, ids []int64) (map[int64]TicketThread, error) {
	out := map[int64]TicketThread{}
	if len(ids) == 0 {
		return out, nil
	}
	var ts []Ticket
	if err := s.db.WithContext(ctx).Select("id", "status", "requester_email").Where("id IN ?", ids).Find(&ts).Error; err != nil {
		return nil, translate(err)
	}
	for _, t := range ts {
		th := TicketThread{ID: t.ID, Status: t.Status}
		if t.RequesterEmail != "" {
			th.Participants = append(th.Participants, strings.ToLower(t.RequesterEmail))
			th.Requesters = append(th.Requesters, strings.ToLower(t.RequesterEmail))
		}
		out[t.ID] = th
	}
	var as []TicketActor
	if err := s.db.WithContext(ctx).Select("ticket_id", "email", "role").Where("ticket_id IN ?", ids).Find(&as).Error; err != nil {
		return nil, translate(err)
	}
	for _, a := range as {
		th := out[a.TicketID]
		th.Participants = append(th.Participants, strings.ToLower(a.Email))
		if a.Role == ActorRequester {
			th.Requesters = append(th.Requesters, strings.ToLower(a.Email))
		}
		out[a.TicketID] = th
	}
	return out, nil
}

// TicketsByMessageID maps each Message-ID (any form; see NormalMessageID)
// that a ticket, a follow-up, the collector's ledger or the outbox knows to its
// ticket. The keys of the result are the IDs as given.
func (s *Store) TicketsByMessageID(ctx context.Context, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	norms, byNorm := groupMessageIDs(ids)
	if len(norms) == 0 {
		return out, nil
	}
	type hit struct {
		MessageID string
		TicketID  int64
	}
	var hits []hit
	// The four sources in one round trip (the outbox: an answer to our
	// acknowledgment threads to its ticket); the oldest ticket wins when an
	// ID is known twice (a mail imported into two receivers).
	q := `SELECT message_id, id AS ticket_id FROM tickets WHERE message_id IN ?
		UNION ALL SELECT message_id, ticket_id FROM followups WHERE message_id IN ?
		UNION ALL SELECT message_id, ticket_id FROM messages WHERE message_id IN ? AND ticket_id IS NOT NULL
		UNION ALL SELECT message_id, ticket_id FROM outbox WHERE message_id IN ? AND ticket_id IS NOT NULL`
	if err := s.db.WithContext(ctx).Raw(q, norms, norms, norms, norms).Scan(&hits).Error; err != nil {
		return nil, translate(err)
	}
	found := map[string]int64{}
	for _, h := range hits {
		// MySQL compares case-insensitively; map back through the exact form
		// when there is one, else through any case-insensitive match.
		key := h.MessageID
		if _, ok := byNorm[key]; !ok {
			for n := range byNorm {
				if strings.EqualFold(n, key) {
					key = n
					break
				}
			}
		}
		if old, ok := found[key]; !ok || h.TicketID < old {
			found[key] = h.TicketID
		}
	}
	for n, tid := range found {
		for _, id := range byNorm[n] {
			out[id] = tid
		}
	}
	return out, nil
}

// TicketFilter is the ticket list's search, filters, sort and page.
type TicketFilter struct {
	ListQuery
	Status     int   // 0: any
	NotSolved  bool  // GLPI's "Not solved": neither Solved nor Closed
	ReceiverID int64 // 0: any
	CategoryID int64 // 0: any
	// View is ViewAll, ViewMine, ViewMyGroups or ViewUnassigned, seen by
	// the user UserID.
	View   string
	UserID int64
}

// TicketRow is one line of Assistance > Tickets.
type TicketRow struct {
	ID             int64
	Title          string
	Status         int
	UpdatedAt      time.Time
	OpenedAt       time.Time
	RequesterEmail string
	RequesterName  string
	ReceiverID     *int64
	ReceiverName   string
	Priority       int
	CategoryName   string   // the category's full name
	AssignedTo     []string `gorm:"-"` // names of the assigned users, then groups
}

// TicketSearchCountCap bounds a searched list: when more tickets match,
// the list holds the newest TicketSearchCountCap of them and says "more
// than" (see searchTicketIDs), so that no search reads and sorts every
// match of a common word.
const TicketSearchCountCap = 200

// ticketSorts are the sortable columns of the ticket list.
var ticketSorts = map[string]string{
	"id": "tickets.id", "title": "tickets.title", "status": "tickets.status", "updated": "tickets.updated_at",
	"opened": "tickets.opened_at", "requester": "tickets.requester_email", "receiver": "receivers.name",
	"priority": "tickets.priority",
}

// ListTickets returns a page of tickets, newest update first by default,
// and the number of matches; with a search the list holds at most
// TicketSearchCountCap tickets, the newest, and capped is true when more
// matched.
func (s *Store) ListTickets(ctx context.Context, f TicketFilter) (rows []TicketRow, total int64, capped bool, err error) {
	var where *gorm.DB
	if strings.TrimSpace(f.Search) != "" {
		ids, c, serr := s.searchTicketIDs(ctx, f)
		if serr != nil {
			return nil, 0, false, serr
		}
		// The IDs are already those of the filters and view.
		where = s.db.WithContext(ctx).Model(&Ticket{}).Where("tickets.id IN ?", ids)
		total, capped = int64(len(ids)), c
	} else {
		if where, err = s.ticketScope(ctx, f, false); err != nil {
			return nil, 0, false, err
		}
		var counted bool
		if f.Status == 0 && !f.NotSolved && f.ReceiverID == 0 && f.CategoryID == 0 {
			total, counted, err = s.viewOnlyCount(ctx, f.View, f.UserID)
		}
		if !counted && err == nil {
			err = where.Count(&total).Error
		}
		if err != nil {
			return nil, 0, false, translate(err)
		}
	}
	q := f.ListQuery
	if q.Sort == "" {
		q.Sort, q.Desc = "updated", true
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := q.Order(ticketSorts, "updated")
	// A deferred join: the page's IDs come from the indexes alone (the
	// offset walks index entries, not 2 KB rows), then only those rows are read.
	page := where.Session(&gorm.Session{}).Select("tickets.id")
	if q.Sort == "receiver" {
		page = page.Joins("LEFT JOIN receivers ON receivers.id = tickets.receiver_id")
	}
	page = page.Order(order).Order("tickets.id" + dir).Limit(q.Limit()).Offset(q.Offset())
	err = s.db.WithContext(ctx).Table("tickets").Select("tickets.id, tickets.title, tickets.status, tickets.updated_at, tickets.opened_at, "+
		"tickets.requester_email, tickets.requester_name, tickets.receiver_id, receivers.name AS receiver_name, "+
		"tickets.priority, itil_categories.full_name AS category_name").
		Joins("JOIN (?) AS pg ON pg.id = tickets.id", page).
		Joins("LEFT JOIN receivers ON receivers.id = tickets.receiver_id").
		Joins("LEFT JOIN itil_categories ON itil_categories.id = tickets.category_id").
		Order(order).Order("tickets.id" + dir).Scan(&rows).Error
	if err != nil {
		return nil, 0, false, translate(err)
	}
	if err := s.ticketAssignees(ctx, rows); err != nil {
		return nil, 0, false, err
	}
	return rows, total, capped, nil
}

// parseTicketNumber reads "123" or "#123" typed in the search box.
func parseTicketNumber(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscanf(strings.TrimPrefix(s, "#"), "%d", &n)
	if err != nil || n <= 0 || fmt.Sprint(n) != strings.TrimLeft(strings.TrimPrefix(s, "#"), "0") {
		return 0, fmt.Errorf("store: not a ticket number")
	}
	return n, nil
}

// TouchTicket sets a ticket's last update to now.
func (s *Store) TouchTicket(ctx context.Context, id int64) error {
	return translate(s.db.WithContext(ctx).Model(&Ticket{}).Where("id = ?", id).Update("updated_at", s.now()).Error)
}

// ReceiverChoice is a receiver as the ticket list's filter offers it.
type ReceiverChoice struct {
	ID   int64
	Name string
}

// TicketReceiverChoices lists every receiver by name, for the filter.
func (s *Store) TicketReceiverChoices(ctx context.Context) ([]ReceiverChoice, error) {
	var out []ReceiverChoice
	err := s.db.WithContext(ctx).Model(&Receiver{}).Select("id", "name").Order("name").Scan(&out).Error
	return out, translate(err)
}

// DuplicateTicket finds the ticket opened since since from a mail with
// this Message-ID and fingerprint (Ticket.ContentSHA256): the same mail
// collected by another receiver. found is false when there is none.
func (s *Store) DuplicateTicket(ctx context.Context, messageID, contentSHA256 string, since time.Time) (int64, bool, error) {
	id := NormalMessageID(messageID)
	if id == "" || contentSHA256 == "" {
		return 0, false, nil
	}
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Ticket{}).Where("message_id = ? AND content_sha256 = ? AND opened_at >= ?",
		id, contentSHA256, since.UTC()).Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, false, translate(err)
	}
	return ids[0], true, nil
}

// DuplicateCandidate is a ticket opened since a time from a mail with a
// given Message-ID (see DuplicateTickets).
type DuplicateCandidate struct {
	ID            int64
	ContentSHA256 string
}

// groupMessageIDs normalises ids (NormalMessageID), dropping empty ones:
// the distinct normal forms in the order first met, and for each the ids
// given that have it.
func groupMessageIDs(ids []string) (norms []string, byNorm map[string][]string) {
	byNorm = map[string][]string{}
	for _, id := range ids {
		n := NormalMessageID(id)
		if n == "" {
			continue
		}
		if _, ok := byNorm[n]; !ok {
			norms = append(norms, n)
		}
		byNorm[n] = append(byNorm[n], id)
	}
	return norms, byNorm
}

// DuplicateTickets answers DuplicateTicket for many Message-IDs with one
// query: for each of ids it lists the tickets opened since since from a
// mail with that Message-ID, oldest first, with their fingerprints
// (DuplicateTicket's answer is the first whose fingerprint is the mail's).
// Every non-empty id asked has an entry, empty when there is none. The
// database compares the Message-IDs, as for DuplicateTicket (on MySQL,
// by the column's collation).
func (s *Store) DuplicateTickets(ctx context.Context, ids []string, since time.Time) (map[string][]DuplicateCandidate, error) {
	out := map[string][]DuplicateCandidate{}
	keys, asked := groupMessageIDs(ids)
	for _, same := range asked {
		for _, id := range same {
			out[id] = nil
		}
	}
	for chunk := range slices.Chunk(keys, 200) {
		// The keys as a table joined on message_id: the database says
		// which key each ticket matched.
		var (
			sel  strings.Builder
			args []any
		)
		for i, k := range chunk {
			if i > 0 {
				sel.WriteString(" UNION ALL ")
			}
			sel.WriteString("SELECT ? AS mid")
			args = append(args, k)
		}
		args = append(args, since.UTC())
		var rows []struct {
			ID            int64
			ContentSHA256 string
			Mid           string
		}
		err := s.db.WithContext(ctx).Raw("SELECT t.id, t.content_sha256, k.mid FROM ("+sel.String()+") k"+
			" JOIN tickets t ON t.message_id = k.mid WHERE t.opened_at >= ? ORDER BY t.id", args...).Scan(&rows).Error
		if err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			for _, id := range asked[r.Mid] {
				out[id] = append(out[id], DuplicateCandidate{ID: r.ID, ContentSHA256: r.ContentSHA256})
			}
		}
	}
	return out, nil
}

// AddTicketCopy records that receiverID collected another copy of the mail
// that opened ticketID, and adds the actors that copy names (its To/CC
// observers) unless the ticket has them already. Doing it twice changes
// nothing.
func (s *Store) AddTicketCopy(ctx context.Context, ticketID, receiverID int64, actors []TicketActor) error {
	return s.atomic(ctx, func(s *Store) error {
		db := s.db.WithContext(ctx)
		if receiverID != 0 {
			row := &TicketReceiver{TicketID: ticketID, ReceiverID: receiverID, CreatedAt: s.now()}
			if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(row).Error; err != nil {
				return translate(err)
			}
		}
		rows := actorRows(ticketID, actors)
		if len(rows) == 0 {
			return nil
		}
		return translate(db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error)
	})
}

// TicketReceivers returns the receivers that collected copies of a
// ticket's opening mail, besides its own, in the order they did.
func (s *Store) TicketReceivers(ctx context.Context, ticketID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&TicketReceiver{}).Where("ticket_id = ?", ticketID).
		Order("created_at").Order("receiver_id").Pluck("receiver_id", &ids).Error
	return ids, translate(err)
}
