package views

import (
	"fmt"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// Choice is one option of a select.
type Choice struct {
	Value string
	Label string
}

// labelOf is the label of value among choices, or value itself when none
// has it.
func labelOf(choices []Choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

// ReceiverForm is the receiver form's values, choices and messages. The
// password is never part of it: only whether one is stored.
type ReceiverForm struct {
	ID           int64
	Name         string
	Active       bool
	Host         string
	Port         string
	Type         string // "imap" or "imap-oauth-<application id>"
	Security     string // ssl | starttls | none
	ValidateCert bool
	// Login is the IMAP login; for an OAuth type, the e-mail of the chosen
	// authorization (read-only here).
	Login string
	// Authorization is the chosen authorization's id, or CreateAuthorization.
	Authorization  string
	HasPassword    bool
	Folder         string
	AcceptedFolder string
	RefusedFolder  string
	FilesizeMio    int // 0 = "No import"
	UseMailDate    bool
	UseReplyTo     bool
	AddCC          bool
	AddTo          bool
	OnlyUnread     bool
	CreateUser     bool
	// AutoNotifications imports automatic notifications.
	AutoNotifications bool
	// FirstCollect is "all", "recent" or "none"; FirstCollectDays the days
	// of "recent", as typed.
	FirstCollect     string
	FirstCollectDays string
	Comment          string
	PollInterval     string
	Budget           string
	Idle             bool

	Types          []Choice
	Authorizations []Choice
	// ApplicationID is the chosen application, 0 for IMAP.
	ApplicationID int64
	// Unsaved is set when the form shows input not yet saved: the folder
	// browser then refuses, as GLPI's does.
	Unsaved bool
	// CanCollect is false when no collector is wired into this process.
	CanCollect bool
	Errors     FieldErrors
	// NamedByRules are the mail rules naming the receiver, which deleting
	// it changes.
	NamedByRules []string
	// NoticeKind and NoticeText are a message above the form (info, warning).
	NoticeKind string
	NoticeText string

	// What the collector knows, for a saved receiver.
	Health      store.ReceiverHealth
	ErrorCount  int
	LastError   string
	LastCollect string
}

// The folder fields and their labels, GLPI's words.
const (
	labelFolder   = "Incoming mail folder (optional, often INBOX)"
	labelAccepted = "Accepted mail archive folder (optional)"
	labelRefused  = "Refused mail archive folder (optional)"
	// MsgSaveBeforeBrowsing is GLPI's refusal to browse unsaved settings.
	MsgSaveBeforeBrowsing = "Server configuration has changed. Please save the collector before browsing folders."
	// MsgBrowseOnceSaved says why a new receiver cannot browse yet.
	MsgBrowseOnceSaved = "Folders can be browsed once the receiver is saved."
	// MsgCreateAuthorization is GLPI's choice that starts a sign-in.
	MsgCreateAuthorization = "Create authorization for another user"
	// CreateAuthorization is the value of that choice in the Login select.
	CreateAuthorization = "-1"
)

func receiverTitle(f ReceiverForm) string {
	if f.ID == 0 {
		return "New receiver"
	}
	return f.Name
}

func receiverAction(f ReceiverForm) string {
	if f.ID == 0 {
		return paths.Receivers
	}
	return paths.Receiver(f.ID)
}

// browseRefusal says why the folder buttons are off: a new receiver has
// nothing to browse yet; a saved one has unsaved server settings.
func browseRefusal(f ReceiverForm) string {
	if f.ID == 0 {
		return MsgBrowseOnceSaved
	}
	return MsgSaveBeforeBrowsing
}

// FirstCollects are what a receiver's first collection may take.
var FirstCollects = []Choice{
	{Value: store.FirstCollectAll, Label: "All mail already there"},
	{Value: store.FirstCollectRecent, Label: "Only the days below"},
	{Value: store.FirstCollectNone, Label: "None: start from now"},
}

// deleteRulesText says what deleting the receiver does to the mail rules
// naming it.
func deleteRulesText(f ReceiverForm) string {
	quote := func(n string) string { return "\u201c" + n + "\u201d" }
	what := "The mail rule " + quote(f.NamedByRules[0]) + " names this receiver"
	if len(f.NamedByRules) > 1 {
		quoted := make([]string, len(f.NamedByRules))
		for i, n := range f.NamedByRules {
			quoted[i] = quote(n)
		}
		what = fmt.Sprintf("%d mail rules name this receiver (%s)", len(f.NamedByRules), strings.Join(quoted, ", "))
	}
	return what + ": deleting it takes it out of them, and a rule that would then apply to more mail is switched off."
}

// deleteConfirm is the question asked before the receiver is deleted.
func deleteConfirm(f ReceiverForm) string {
	q := "Delete this receiver? The tickets it created stay."
	if len(f.NamedByRules) > 0 {
		q += " " + deleteRulesText(f)
	}
	return q
}
