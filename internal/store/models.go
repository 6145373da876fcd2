package store

import "time"

// The GORM models mirror the migrated schema column for column; the schema
// test fails when the two disagree. Columns holding secrets are sealed
// (see secret.Keyring) and named in their comment.

// Roles of a user.
const (
	RoleAdmin      = "admin"
	RoleTechnician = "technician"
)

// RoleLabel is a role as the console names it (GLPI's profile names).
func RoleLabel(role string) string {
	if role == RoleAdmin {
		return "Administrator"
	}
	return "Technician"
}

// User is a person who logs into the console.
type User struct {
	ID           int64
	Login        string
	Name         string
	Email        string
	PasswordHash string
	Role         string
	IsActive     bool
	// TimeZone is the IANA name of the zone the console shows the user's
	// times in ("Europe/Paris"); empty: the server's.
	TimeZone    string
	LastLoginAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Session is a server-side login session; ID is the SHA-256 of the cookie value.
type Session struct {
	ID         string
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	Flash      string
	IP         string `gorm:"column:ip"`
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// LoginThrottle counts failed logins for one account or one address; ID is
// a hash of the key so no login name or address is kept in clear.
type LoginThrottle struct {
	ID          string
	Failures    int        // attempts counted since the key was last quiet
	WindowStart time.Time  // the last counted attempt
	LockedUntil *time.Time // the next attempt waits until then
}

// Setting is one named value of the console's settings.
type Setting struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

// AuditEvent records who changed what, and every OAuth state change.
type AuditEvent struct {
	ID         int64
	At         time.Time
	UserID     *int64
	Actor      string
	Kind       string
	ObjectType string
	ObjectID   int64
	Message    string
}

// Application is an OAuth application (GLPI's "OAuth IMAP application").
type Application struct {
	ID                    int64
	Name                  string
	Comment               string
	IsActive              bool
	Provider              string
	Cloud                 string
	AuthorityURL          string `gorm:"column:authority_url"`
	ClientID              string `gorm:"column:client_id"`
	ClientSecret          string // sealed
	ClientSecretExpiresAt *time.Time
	TenantID              string `gorm:"column:tenant_id"`
	IssuerURL             string `gorm:"column:issuer_url"`
	ExtraScopes           string
	CallbackPath          string // see CallbackPaths
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// TableName keeps GORM on the migrated name.
func (Application) TableName() string { return "oauth_applications" }

// CallbackPath is where the identity provider sends the browser back: the
// path GLPI's plugin registered, under the site's root.
const CallbackPath = "/front/authorization.callback.php"

// CallbackPaths are the redirect URI paths an application may send, each
// answered by the console: ours first, then the two a GLPI installation
// registered (the plugin in marketplace/ or plugins/), so a registration
// made for GLPI keeps working without a change at the provider.
var CallbackPaths = []string{
	CallbackPath,
	"/marketplace/oauthimap" + CallbackPath,
	"/plugins/oauthimap" + CallbackPath,
}

// ValidCallbackPath reports whether p is one of CallbackPaths.
func ValidCallbackPath(p string) bool {
	for _, c := range CallbackPaths {
		if c == p {
			return true
		}
	}
	return false
}

// Authorization is one mailbox account's grant for an application.
type Authorization struct {
	ID             int64
	ApplicationID  int64
	Email          string
	Kind           string
	TenantID       string `gorm:"column:tenant_id"`
	ObjectID       string `gorm:"column:object_id"`
	Subject        string
	UPN            string `gorm:"column:upn"`
	AccessToken    string // sealed
	RefreshToken   string // sealed
	IDToken        string `gorm:"column:id_token"` // sealed
	Scope          string
	ExpiresAt      *time.Time
	RefreshTokenAt *time.Time
	LastRefreshAt  *time.Time
	State          string
	ErrorClass     string
	LastError      string
	Failures       int
	NextRefreshAt  *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName keeps GORM on the migrated name.
func (Authorization) TableName() string { return "oauth_authorizations" }

// PendingAuthorization is a sign-in in flight: state, PKCE verifier and nonce.
type PendingAuthorization struct {
	StateHash       string `gorm:"primaryKey"`
	ApplicationID   int64
	AuthorizationID int64
	ReceiverID      int64
	UserID          int64
	SessionHash     string // SessionHash of the session that started it
	Verifier        string // sealed
	Nonce           string
	ReturnTo        string
	CreatedAt       time.Time
	ExpiresAt       time.Time
}

// TableName keeps GORM on the migrated name.
func (PendingAuthorization) TableName() string { return "oauth_pending" }

// Receiver is a mailbox to collect (GLPI's glpi_mailcollectors).
type Receiver struct {
	ID                  int64
	Name                string
	IsActive            bool
	Host                string
	Port                int
	Security            string
	ValidateCert        bool
	ApplicationID       *int64
	Login               string
	Password            string // sealed
	Folder              string
	AcceptedFolder      string
	RefusedFolder       string
	FilesizeMax         int64
	UseMailDate         bool
	RequesterField      string
	AddToToObserver     bool
	AddCcToObserver     bool
	CollectOnlyUnread   bool
	CreateUserFromEmail bool
	// ImportAutoNotifications imports mail generated by machines
	// (monitoring, ITSM) instead of refusing it; never answered automatically.
	ImportAutoNotifications bool
	// FirstCollect is what the first collection of a mailbox takes:
	// FirstCollectAll, FirstCollectRecent (FirstCollectDays) or
	// FirstCollectNone; UIDFloor is the last UID that choice left out.
	FirstCollect     string
	FirstCollectDays int
	UIDFloor         uint32 `gorm:"column:uid_floor"`
	// DefaultGroupID, DefaultCategoryID and DefaultType (0: none) are given
	// to the receiver's new tickets: the group is assigned.
	DefaultGroupID      *int64
	DefaultCategoryID   *int64
	DefaultType         int
	Budget              int
	PollIntervalSeconds int
	IdleEnabled         bool
	Errors              int
	State               string // HealthOK, HealthFailing or HealthReauth, written by FinishCollect
	ErrorClass          string
	LastError           string
	LastCollectAt       *time.Time
	NextCollectAt       *time.Time
	LeaseOwner          string
	LeaseUntil          *time.Time
	UIDValidity         uint32 `gorm:"column:uidvalidity"`
	LastUID             uint32 `gorm:"column:last_uid"`
	Comment             string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// CollectRun is one run of a receiver (the "automatic actions" log).
type CollectRun struct {
	ID              int64
	ReceiverID      int64
	TriggerKind     string
	Instance        string
	StartedAt       time.Time
	EndedAt         *time.Time
	Available       int
	AlreadyImported int
	Retrieved       int
	Refused         int
	Errors          int
	Blacklisted     int
	ErrorClass      string
	ErrorText       string
	// Note says what the run did beyond its counts (the first collection's
	// choice), for the runs log.
	Note string
}

// Contact is a requester known only by e-mail.
type Contact struct {
	ID        int64
	Email     string
	Name      string
	CreatedAt time.Time
}

// Ticket statuses, GLPI's numbers.
const (
	StatusNew      = 1
	StatusAssigned = 2
	StatusPlanned  = 3
	StatusPending  = 4
	StatusSolved   = 5
	StatusClosed   = 6
	DefaultUrgency = 3
	SourceEmail    = "E-Mail"
	ActorRequester = "requester"
	ActorObserver  = "observer"
	FollowupEmail  = "email"
	FollowupStaff  = "staff"
	FollowupBounce = "bounce"
	// FollowupSolution is the solution given when a ticket is solved.
	FollowupSolution = "solution"
	DecisionTicket   = "ticket"
	DecisionFollowup = "followup"
	DecisionRefused  = "refused"
	// DecisionDuplicate: a copy of a mail another receiver made TicketID of.
	DecisionDuplicate = "duplicate"
)

// Ticket is a helpdesk ticket. Its Title, Content, RequesterEmail and
// RequesterName are written once, when it is created: MySQL's word index
// holds their words as then written (word_index.go), so a path that comes
// to change them must also re-index the ticket.
type Ticket struct {
	ID             int64
	Title          string
	Content        string
	Status         int
	Urgency        int
	RequestSource  string
	ReceiverID     *int64
	RequesterEmail string
	RequesterName  string
	LinkedTicketID *int64
	MessageID      string
	// ContentSHA256 is the fingerprint of the mail that opened the ticket
	// (ingest.Decision.ContentSHA256), to recognise its copies.
	ContentSHA256 string `gorm:"column:content_sha256"`
	// RawSHA256 names the raw mail in the document store ("" for tickets
	// made before it was kept).
	RawSHA256      string `gorm:"column:raw_sha256"`
	DecisionReason string
	// Type is TypeIncident or TypeRequest; Impact and Urgency are 1 (Very
	// low) to 5 (Very high); Priority comes from them through the priority
	// matrix (6 is Major, set by hand only).
	Type       int
	Impact     int
	Priority   int
	CategoryID *int64
	// AssigneeCount is how many users and groups are assigned, kept with
	// the assignments by the store (see recountAssignees).
	AssigneeCount int
	OpenedAt      time.Time
	UpdatedAt     time.Time
	SolvedAt      *time.Time
	ClosedAt      *time.Time
	// SearchText is the text of Content (tags dropped, entities decoded),
	// which the search index holds instead of the HTML. BeforeCreate
	// writes it on every insert path unless the caller set it (with
	// SearchText, off its writer's path); it is never read back.
	SearchText string `gorm:"<-:create;->:false"`
}

// TicketReceiver records a receiver that collected a copy of the mail
// that opened a ticket, besides the ticket's own receiver.
type TicketReceiver struct {
	TicketID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ReceiverID int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt  time.Time
}

// TicketActor is a requester or observer of a ticket.
type TicketActor struct {
	ID        int64
	TicketID  int64
	Role      string
	Email     string
	Name      string
	UserID    *int64
	ContactID *int64
}

// Followup is a reply on a ticket, from e-mail or from staff.
type Followup struct {
	ID           int64
	TicketID     int64
	Kind         string
	AuthorUserID *int64
	AuthorEmail  string
	AuthorName   string
	Content      string
	MessageID    string
	// RawSHA256 names the raw mail in the document store; "" for staff
	// follow-ups and older ones.
	RawSHA256      string `gorm:"column:raw_sha256"`
	DecisionReason string
	// IsPrivate follow-ups are seen by staff only, never mailed.
	IsPrivate bool
	CreatedAt time.Time
}

// Document is an attachment; its bytes live in the content-addressed store.
type Document struct {
	ID         int64
	TicketID   int64
	FollowupID *int64
	Name       string
	MIMEType   string `gorm:"column:mime_type"`
	Size       int64
	SHA256     string `gorm:"column:sha256"`
	ContentID  string
	IsInline   bool
	CreatedAt  time.Time
}

// TicketEvent is a change on a ticket shown in its timeline.
type TicketEvent struct {
	ID        int64
	TicketID  int64
	UserID    *int64
	Kind      string
	OldValue  string
	NewValue  string
	CreatedAt time.Time
}

// QuarantinedMail is a refused mail kept with its reason (GLPI's "Not
// imported emails", but durable).
type QuarantinedMail struct {
	ID          int64
	ReceiverID  *int64
	FromAddress string
	ToAddress   string
	Subject     string
	MessageID   string
	MailDate    *time.Time
	Reason      string
	ReasonText  string
	Size        int64
	RawSHA256   string `gorm:"column:raw_sha256"`
	CreatedAt   time.Time
}

// TableName keeps GORM on the migrated name.
func (QuarantinedMail) TableName() string { return "quarantine" }

// LedgerEntry is the collector's record of one IMAP message: what became
// of it and whether its IMAP action (move or flag) was done.
type LedgerEntry struct {
	ID           int64
	ReceiverID   int64
	UIDValidity  uint32 `gorm:"column:uidvalidity"`
	UID          uint32 `gorm:"column:uid"`
	MessageID    string
	ContentHash  string
	Decision     string
	Reason       string
	TicketID     *int64
	FollowupID   *int64
	QuarantineID *int64
	ActionDone   bool
	// RefileFrom is set when "Import anyway" asks for a mail already filed
	// in the refused folder to go to the accepted one: the folder to take
	// it from (found by Message-ID), with ActionDone false again.
	RefileFrom string
	CreatedAt  time.Time
}

// TableName keeps GORM on the migrated name.
func (LedgerEntry) TableName() string { return "messages" }

// BlacklistEntry is a refused sender: an address, a domain or a pattern.
type BlacklistEntry struct {
	ID        int64
	Kind      string
	Value     string
	Comment   string
	CreatedAt time.Time
}

// TableName keeps GORM on the migrated name.
func (BlacklistEntry) TableName() string { return "blacklist" }

// ImportLink ties an object here to the row of another installation it
// was imported from (Source names that installation), so importing again
// updates the object instead of adding a second one.
type ImportLink struct {
	ID        int64
	Source    string
	Kind      string
	SourceID  int64
	ObjectID  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DocumentType is GLPI's document type: an attachment allowed by its
// extension or MIME type.
type DocumentType struct {
	ID        int64
	Name      string
	Ext       string
	MIME      string `gorm:"column:mime"`
	Comment   string
	CreatedAt time.Time
}

// BlacklistedMailContent is GLPI's "Blacklisted mail content": a block of
// text removed from the bodies of collected mail.
type BlacklistedMailContent struct {
	ID        int64
	Name      string
	Content   string
	Comment   string
	CreatedAt time.Time
}

// AllModels lists every model, for the schema agreement test.
func AllModels() []any {
	return []any{&User{}, &Session{}, &LoginThrottle{}, &Setting{}, &AuditEvent{},
		&Application{}, &Authorization{}, &PendingAuthorization{}, &Receiver{}, &CollectRun{},
		&Contact{}, &Ticket{}, &TicketActor{}, &TicketReceiver{}, &Followup{}, &Document{}, &TicketEvent{},
		&QuarantinedMail{}, &LedgerEntry{}, &BlacklistEntry{}, &ImportLink{},
		&MailSender{}, &OutboxMail{}, &MailNotification{}, &BlacklistedMailContent{}, &DocumentType{},
		&Group{}, &GroupUser{}, &Category{}, &TicketUser{}, &TicketGroup{}, &PriorityCell{}, &MailRule{}}
}

// Group is a group of users (GLPI's Administration > Groups).
type Group struct {
	ID          int64
	Name        string
	Comment     string
	IsAssign    bool // "Can be assigned"
	IsRequester bool // "Can be requester"
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TableName keeps GORM on the migrated name.
func (Group) TableName() string { return "staff_groups" }

// GroupUser makes a user a member of a group.
type GroupUser struct {
	GroupID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID  int64 `gorm:"primaryKey;autoIncrement:false"`
}

// Category is an ITIL category (Setup > Dropdowns > ITIL categories); the
// categories form a tree and FullName is the path, "Hardware > Printer".
type Category struct {
	ID        int64
	ParentID  *int64
	Name      string
	Comment   string
	IsActive  bool
	FullName  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps GORM on the migrated name.
func (Category) TableName() string { return "itil_categories" }

// TicketUser is a user who is a requester, observer or assignee of a ticket.
type TicketUser struct {
	TicketID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Role      string `gorm:"primaryKey"`
	UserID    int64  `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// TicketGroup is a group that is a requester, observer or assignee of a ticket.
type TicketGroup struct {
	TicketID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Role      string `gorm:"primaryKey"`
	GroupID   int64  `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// PriorityCell is one cell of the priority matrix.
type PriorityCell struct {
	Urgency  int `gorm:"primaryKey;autoIncrement:false"`
	Impact   int `gorm:"primaryKey;autoIncrement:false"`
	Priority int
}

// TableName keeps GORM on the migrated name.
func (PriorityCell) TableName() string { return "priority_matrix" }
