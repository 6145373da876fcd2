// Package paths builds the console's addresses: the links and form
// actions of the pages (web/views) and the redirects of the handlers (web)
// come from here, so a page's address is written once. The route table
// (web/routes.go) is what serves them; its patterns name the same paths
// with {id} in place of the number. The identity provider's callback
// paths are store.CallbackPaths, since an application stores its choice.
package paths

import (
	"net/url"
	"strconv"
)

// The pages without a number.
const (
	Home   = "/"
	Login  = "/login"
	Logout = "/logout"
	// Setup is the first administrator's page, reached once by its token.
	Setup = "/setup"

	Tickets     = "/tickets"
	TicketsBulk = Tickets + "/bulk"

	Applications   = "/setup/oauthimap"
	NewApplication = Applications + "/new"

	Receivers    = "/setup/receivers"
	NewReceiver  = Receivers + "/new"
	ReceiverRuns = Receivers + "/runs"

	Blacklist          = "/setup/blacklist"
	BlacklistedContent = "/setup/blacklistedmailcontent"
	DocumentTypes      = "/setup/documenttypes"
	Quarantine         = "/setup/quarantine"
	QuarantineSettings = Quarantine + "/settings"
	QuarantineBulk     = Quarantine + "/bulk"
	Outbox             = "/setup/outbox"
	OutboxSettings     = Outbox + "/settings"
	MailRules          = "/setup/mailrules"

	Users    = "/admin/users"
	NewUser  = Users + "/new"
	Groups   = "/admin/groups"
	NewGroup = Groups + "/new"

	Categories     = "/setup/dropdowns/itilcategories"
	NewCategory    = Categories + "/new"
	PriorityMatrix = "/setup/priority-matrix"

	// Preferences is "My settings", GLPI's personal settings page.
	Preferences = "/front/preference.php"
)

func under(base string, id int64, rest ...string) string {
	p := base + "/" + strconv.FormatInt(id, 10)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// LoginThen is the sign-in page that comes back to next once signed in.
func LoginThen(next string) string { return Login + "?next=" + url.QueryEscape(next) }

// TicketsQuery is the ticket list with its filters (an encoded query);
// none is the plain list.
func TicketsQuery(query string) string {
	if query == "" {
		return Tickets
	}
	return Tickets + "?" + query
}

// Ticket is a ticket's page; rest names one of its actions ("solve").
func Ticket(id int64, rest ...string) string { return under(Tickets, id, rest...) }

// TicketOriginal is the raw mail a ticket was opened from, or with a
// follow-up's id the raw mail of that follow-up.
func TicketOriginal(id, followupID int64) string {
	if followupID != 0 {
		return Ticket(id, "followups", strconv.FormatInt(followupID, 10), "original")
	}
	return Ticket(id, "original")
}

// Document downloads a ticket's document.
func Document(id int64) string { return under("/documents", id) }

// Application is an application's form; rest names a tab or an action
// ("authorizations", "authorize", "delete").
func Application(id int64, rest ...string) string { return under(Applications, id, rest...) }

// ApplicationAuthorizations is an application's "Oauth authorization" tab.
func ApplicationAuthorizations(id int64) string { return Application(id, "authorizations") }

// Authorization is an authorization's form; rest names an action
// ("reauthorize", "diagnose", "history").
func Authorization(id int64, rest ...string) string {
	return under(Applications+"/authorizations", id, rest...)
}

// Receiver is a receiver's form; rest names one of its tools ("folders",
// "runs", "outgoing", "defaults").
func Receiver(id int64, rest ...string) string { return under(Receivers, id, rest...) }

// User is a user's form.
func User(id int64, rest ...string) string { return under(Users, id, rest...) }

// Group is a group's form.
func Group(id int64, rest ...string) string { return under(Groups, id, rest...) }

// Category is an ITIL category's form.
func Category(id int64, rest ...string) string { return under(Categories, id, rest...) }

// BlacklistEntry, BlacklistedContentEntry, DocumentType, QuarantinedMail
// and OutboxMail are one row of their lists, for its actions ("delete").
func BlacklistEntry(id int64, rest ...string) string { return under(Blacklist, id, rest...) }

func BlacklistedContentEntry(id int64, rest ...string) string {
	return under(BlacklistedContent, id, rest...)
}

func DocumentType(id int64, rest ...string) string { return under(DocumentTypes, id, rest...) }

func QuarantinedMail(id int64, rest ...string) string { return under(Quarantine, id, rest...) }

func OutboxMail(id int64, rest ...string) string { return under(Outbox, id, rest...) }
