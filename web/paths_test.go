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
		{"GET", paths.Tickets}, {"GET", paths.Ticket(id)}, {"POST", paths.Ticket(id, "solve")}, {"GET", paths.Document(id)},
		{"GET", paths.Applications}, {"GET", paths.NewApplication}, {"GET", paths.Application(id)},
		{"POST", paths.Application(id, "authorize")}, {"GET", paths.ApplicationAuthorizations(id)},
		{"GET", paths.Application(id, "receivers")}, {"GET", paths.Application(id, "history")}, {"GET", paths.Application(id, "apponly")},
		{"GET", paths.Authorization(id)}, {"POST", paths.Authorization(id, "reauthorize")}, {"POST", paths.Authorization(id, "delete")},
		{"GET", paths.Authorization(id, "diagnose")}, {"GET", paths.Authorization(id, "history")},
		{"GET", paths.Receivers}, {"GET", paths.NewReceiver}, {"GET", paths.ReceiverRuns}, {"GET", paths.Receiver(id)},
		{"GET", paths.Receiver(id, "folders")}, {"POST", paths.Receiver(id, "test")}, {"POST", paths.Receiver(id, "collect")},
		{"GET", paths.Receiver(id, "runs")}, {"GET", paths.Receiver(id, "outgoing")}, {"GET", paths.Receiver(id, "defaults")},
		{"GET", paths.Receiver(id, "history")}, {"POST", paths.Receiver(id, "delete")},
		{"GET", paths.Blacklist}, {"POST", paths.BlacklistEntry(id, "delete")},
		{"GET", paths.BlacklistedContent}, {"POST", paths.BlacklistedContentEntry(id, "delete")},
		{"GET", paths.DocumentTypes}, {"POST", paths.DocumentType(id, "delete")},
		{"GET", paths.Quarantine}, {"POST", paths.QuarantinedMail(id, "import")}, {"GET", paths.Outbox}, {"POST", paths.OutboxMail(id, "retry")},
		{"GET", paths.Users}, {"GET", paths.NewUser}, {"GET", paths.User(id)}, {"POST", paths.User(id, "password")},
		{"GET", paths.Groups}, {"GET", paths.NewGroup}, {"GET", paths.Group(id)},
		{"GET", paths.Categories}, {"GET", paths.NewCategory}, {"GET", paths.Category(id)}, {"GET", paths.PriorityMatrix},
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
