package ingest

import (
	"context"
	"time"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// Kinds of Decision.
const (
	KindTicket   = "ticket"   // open a new ticket (TicketID, if set, is a closed ticket to link)
	KindFollowup = "followup" // add a follow-up to TicketID
	KindRefused  = "refused"  // keep in quarantine; Reason says why
	// KindDuplicate: another receiver already made TicketID from this very
	// mail; record this receiver (and its To/CC observers) on it, nothing else.
	KindDuplicate = "duplicate"
)

// DuplicateWindow is how long after a ticket was opened the same mail
// collected by another receiver is recognised as a copy.
const DuplicateWindow = 7 * 24 * time.Hour

// DuplicateFinder is what a Knowledge may also answer: the ticket opened
// since a time from a mail with this Message-ID and this ContentSHA256.
// Without it, copies of a mail in two receivers make two tickets.
type DuplicateFinder interface {
	DuplicateTicket(ctx context.Context, messageID, contentSHA256 string, since time.Time) (TicketRef, bool, error)
}

// Knowledge is what Decide asks the store. Both methods are read-only.
type Knowledge interface {
	// TicketsByMessageID returns the ticket that each known Message-ID
	// (without <>) was imported into or sent from; unknown IDs are absent.
	TicketsByMessageID(ctx context.Context, ids []string) (map[string]TicketRef, error)
	// Ticket returns the ticket with this ID, found=false if none.
	Ticket(ctx context.Context, id int64) (TicketRef, bool, error)
}

// TicketRef is what threading needs to know about an existing ticket.
type TicketRef struct {
	ID     int64
	Closed bool
	// Solved: a reply from one of its requesters reopens it (GLPI's
	// follow-up "reopen"); anyone else's reply is a plain follow-up.
	Solved bool
	// Requesters are the lower-cased e-mails of its requesters.
	Requesters []string
	// Participants are the lower-cased e-mails of the requesters and
	// observers; a subject tag is trusted only from one of them.
	Participants []string
}

// Address is a mailbox with its decoded display name; Email is lower-cased.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Reason explains a Decision: Code is stable and machine-readable (see the
// Reason* constants), Text is a sentence for the technician.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// Document is an attachment, an inline image, an embedded message or the
// original of a trimmed reply. Data holds the decoded bytes; the store
// writes them to the document store under SHA256.
type Document struct {
	Name      string `json:"name"`
	MIMEType  string `json:"mime_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	ContentID string `json:"content_id,omitempty"` // without <>
	Inline    bool   `json:"inline"`
	Data      []byte `json:"-"`
}

// Decision is what one e-mail becomes. It is a plain value: the store
// records it as is, including Reason, so anyone can later see why.
type Decision struct {
	Kind   string
	Reason Reason // always set for refusals; for tickets and follow-ups it says how they were threaded

	// TicketID is the follow-up's target, or for a new ticket the closed
	// ticket it answers (to be linked), or 0.
	TicketID int64
	// Reopen asks the store to reopen TicketID with this follow-up.
	Reopen bool
	// Automatic is true when a machine wrote the mail (an imported
	// automatic notification, or an auto-reply imported anyway): nothing may
	// answer it automatically, or two machines would write to each other.
	Automatic bool

	MessageID  string   // without <>; empty when the mail has none
	InReplyTo  []string // without <>
	References []string // without <>

	Subject     string // decoded Subject header, as sent
	Title       string // ticket title: the subject, or "(No subject)"
	ContentHTML string // sanitised, see the package documentation
	// SearchText is ContentHTML's text for the search index when it was
	// worked out ahead of the write (the collector does so beside its
	// one writer, with store.SearchText); empty, the store works it out.
	SearchText string

	Requester Address
	Observers []Address
	Date      time.Time // the mail's Date or the collect time, per Settings.UseMailDate

	Documents []Document

	// Headers kept for quarantine and for the technician's "why".
	From    Address
	To      []Address
	Cc      []Address
	ReplyTo []Address
	SentAt  time.Time // the Date header, zero if absent or unreadable

	Size   int64  // bytes of the raw message
	SHA256 string // hex SHA-256 of the raw message
	// ContentSHA256 fingerprints the mail apart from its delivery headers
	// (Received, Delivered-To...): the same mail in two mailboxes has the
	// same one. See fingerprint.
	ContentSHA256 string

	// Rules is what the mail rules did (nil without rules): the trace of
	// each rule and the routing a new ticket gets. Refusals by a rule have
	// Reason.Code ReasonRule, or the automatic-mail codes for the
	// Auto-Submitted rule.
	Rules *rules.Result
}

// Reason codes. They are stored; never rename one.
const (
	ReasonNew              = "new"               // a new ticket, nothing to thread to
	ReasonInReplyTo        = "in_reply_to"       // threaded by In-Reply-To
	ReasonReferences       = "references"        // threaded by References
	ReasonSubjectTag       = "subject_tag"       // threaded by the [GLPI #n] tag from a participant
	ReasonTagStranger      = "tag_stranger"      // a subject tag from someone not on the ticket: new ticket
	ReasonClosedLinked     = "closed_linked"     // reply to a closed ticket: new ticket linked to it
	ReasonClosedReopen     = "closed_reopen"     // reply to a closed ticket: follow-up that reopens it
	ReasonSolvedReopen     = "solved_reopen"     // a requester's reply to a solved ticket: follow-up that reopens it
	ReasonBounce           = "bounce"            // delivery report: follow-up of the ticket, or refused
	ReasonTooLarge         = "too_large"         // over Settings.MaxMessageSize
	ReasonOwnNotification  = "own_notification"  // one of our notifications came back
	ReasonOwnAddress       = "own_address"       // sent by the receiver's own address
	ReasonAutoReply        = "auto_reply"        // auto-reply, out of office, vacation, inbox rule
	ReasonAutoNotification = "auto_notification" // generated by a machine (monitoring, ITSM, bulk mail)
	ReasonBlacklisted      = "blacklisted"       // sender on the blacklist
	ReasonNoSender         = "no_sender"         // no usable sender address
	ReasonUnreadable       = "unreadable"        // not an e-mail we can read at all
	ReasonParserPanic      = "parser_panic"      // a bug: the parser crashed on this message
	ReasonDuplicate        = "duplicate"         // the same mail already opened a ticket through another receiver
	ReasonRule             = "rule"              // refused, or made a follow-up, by a mail rule (the text names it)
)
