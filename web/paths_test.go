package web

import (
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/web/paths"
)

// TestEveryPathIsServed checks that each address the paths package builds
// for the pages and handlers is answered by a line of the route table, so
// a renamed route breaks this test rather than a link.
func TestEveryPathIsServed(t *testing.T) {
	a := newTestApp(t)
	const id = 7
	for _, tc := range []struct{ method, path string }{
		{"GET", paths.Home}, {"GET", paths.Login}, {"GET", paths.LoginThen("/tickets?view=mine")}, {"POST", paths.Logout},
		{"GET", paths.Setup + "?token=x"}, {"POST", paths.Setup},
		{"GET", paths.Tickets}, {"GET", paths.TicketsQuery("view=all")}, {"POST", paths.TicketsBulk},
		{"GET", paths.Ticket(id)}, {"POST", paths.Ticket(id, "solve")}, {"GET", paths.Document(id)},
		{"POST", paths.Ticket(id, "status")}, {"POST", paths.Ticket(id, "followups")}, {"GET", paths.Ticket(id, "history")},
		{"POST", paths.Ticket(id, "assign-me")}, {"POST", paths.Ticket(id, "actors")}, {"GET", paths.Ticket(id, "actors", "search")},
		{"POST", paths.Ticket(id, "actors", "remove")}, {"POST", paths.Ticket(id, "fields")},
		{"GET", paths.TicketOriginal(id, 0)}, {"GET", paths.TicketOriginal(id, 3)},
		{"GET", paths.Applications}, {"GET", paths.NewApplication}, {"GET", paths.Application(id)},
		{"POST", paths.Application(id, "authorize")}, {"GET", paths.ApplicationAuthorizations(id)},
		{"GET", paths.Application(id, "receivers")}, {"GET", paths.Application(id, "history")}, {"GET", paths.Application(id, "apponly")}, {"POST", paths.Application(id, "delete")},
		{"GET", paths.Authorization(id)}, {"POST", paths.Authorization(id, "reauthorize")}, {"POST", paths.Authorization(id, "delete")},
		{"GET", paths.Authorization(id, "diagnose")}, {"GET", paths.Authorization(id, "history")},
		{"GET", paths.Receivers}, {"GET", paths.NewReceiver}, {"GET", paths.ReceiverRuns}, {"GET", paths.Receiver(id)},
		{"GET", paths.Receiver(id, "folders")}, {"POST", paths.Receiver(id, "test")}, {"POST", paths.Receiver(id, "collect")},
		{"GET", paths.Receiver(id, "runs")}, {"GET", paths.Receiver(id, "outgoing")}, {"GET", paths.Receiver(id, "defaults")},
		{"GET", paths.Receiver(id, "history")}, {"POST", paths.Receiver(id, "delete")},
		{"POST", paths.Receiver(id, "outgoing")}, {"POST", paths.Receiver(id, "outgoing", "test")},
		{"POST", paths.Receiver(id, "notifications")}, {"POST", paths.Receiver(id, "defaults")},
		{"GET", paths.Blacklist}, {"POST", paths.BlacklistEntry(id, "delete")},
		{"GET", paths.BlacklistedContent}, {"POST", paths.BlacklistedContentEntry(id, "delete")},
		{"GET", paths.DocumentTypes}, {"POST", paths.DocumentType(id, "delete")},
		{"GET", paths.Quarantine}, {"POST", paths.QuarantinedMail(id, "import")}, {"POST", paths.QuarantinedMail(id, "delete")},
		{"POST", paths.QuarantineSettings}, {"POST", paths.QuarantineBulk},
		{"GET", paths.Outbox}, {"POST", paths.OutboxMail(id, "retry")}, {"POST", paths.OutboxSettings},
		{"GET", paths.MailRules},
		{"GET", paths.Users}, {"GET", paths.NewUser}, {"GET", paths.User(id)}, {"POST", paths.User(id, "password")},
		{"GET", paths.Groups}, {"GET", paths.NewGroup}, {"GET", paths.Group(id)}, {"POST", paths.Groups}, {"POST", paths.Group(id)},
		{"POST", paths.Group(id, "delete")},
		{"GET", paths.Categories}, {"GET", paths.NewCategory}, {"GET", paths.Category(id)}, {"POST", paths.Categories},
		{"POST", paths.Category(id)}, {"POST", paths.Category(id, "delete")},
		{"GET", paths.PriorityMatrix}, {"POST", paths.PriorityMatrix},
	} {
		served := false
		for _, rt := range a.h.routes {
			served = served || (rt.method == tc.method && patternMatches(rt.pattern, tc.path))
		}
		if !served {
			t.Errorf("%s %s: no route serves it", tc.method, tc.path)
		}
	}
}

// TestEveryMenuEntryIsServed checks that each link of the left menu is a
// GET route of the table: the menu hides an entry that no route serves.
func TestEveryMenuEntryIsServed(t *testing.T) {
	a := newTestApp(t)
	for _, sec := range menu {
		for _, it := range sec.items {
			served := false
			for _, rt := range a.h.routes {
				served = served || (rt.method == "GET" && rt.pattern == it.href)
			}
			if !served {
				t.Errorf("%s > %s: no GET route serves %s", sec.title, it.label, it.href)
			}
		}
	}
}

// patternMatches reports whether a route pattern of the table matches a
// path, a {name} segment standing for a number.
func patternMatches(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, ss := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if ss[i] == "" || strings.Trim(ss[i], "0123456789") != "" {
				return false
			}
		} else if ps[i] != ss[i] {
			return false
		}
	}
	return true
}
