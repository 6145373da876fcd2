// Package helpdesk turns ingest decisions into tickets, follow-ups,
// documents and quarantined mails, and offers the actions staff take on
// them (status, follow-ups, actors and assignment, classification,
// solution, bulk actions: see ticket_work.go, the one home of the status
// rules; import anyway). It keeps document bytes in a docstore and
// everything else through the store.
//
// # Contacts
//
// When the receiver has "create user from email" on, the requester of a new
// ticket who is no user becomes a Contact (GLPI creates a user; a contact
// here is a requester known by e-mail only, who cannot log in). Save reads
// the option from the receiver row itself, so the collector's contract
// stays Save(ctx, tx, receiverID, raw, decision). Observers never create
// contacts, as in GLPI.
package helpdesk

import (
	"errors"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Global settings kept in the store's settings table.
const (
	// SettingSubjectTagPrefix is the word in "[GLPI #0000123]".
	SettingSubjectTagPrefix = "helpdesk.subject_tag_prefix"
	// SettingClosedTicketReply is ingest.ClosedNew or ingest.ClosedReopen.
	SettingClosedTicketReply = "helpdesk.closed_ticket_reply"
	// SettingMaxMessageSize refuses whole mails over this many bytes.
	SettingMaxMessageSize = "helpdesk.max_message_size"
	// SettingQuarantineDays is how long refused mails are kept.
	SettingQuarantineDays = "helpdesk.quarantine_retention_days"
)

// DefaultQuarantineDays is the quarantine retention when none is set.
const DefaultQuarantineDays = 90

// ErrStillRefused is returned by ImportQuarantined when even "Import
// anyway" cannot make a ticket of the mail (it is not readable).
var ErrStillRefused = errors.New("helpdesk: the mail cannot be imported: it is not an e-mail that can be read")

// Service turns decisions into tickets, follow-ups, documents and
// quarantine entries.
type Service struct {
	st   *store.Store
	docs *docstore.Store
}

// New returns the service over st and the document store docs.
func New(st *store.Store, docs *docstore.Store) *Service {
	return &Service{st: st, docs: docs}
}

// Saved says what a decision became.
type Saved struct{ TicketID, FollowupID, QuarantineID int64 }
