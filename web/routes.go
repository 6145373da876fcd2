package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// access says who may reach a route.
type access int

const (
	public access = iota // no session needed
	staff                // any logged-in user: technicians and administrators
	admin                // administrators only
	// monitor: administrators, or a monitoring system with the bearer
	// token of OAUTHIMAP_MONITORING_TOKEN; answers in JSON.
	monitor
)

// route is one line of the route table.
type route struct {
	method  string
	pattern string
	access  access
	handler http.HandlerFunc
}

// routeTable is every route of the console, read top to bottom. A new
// route must also get a line in the access test, or that test fails.
func (h *Handler) routeTable() []route {
	routes := []route{
		// Probes (the static assets are served outside this table, in buildRouter).
		{"GET", "/healthz", public, h.healthz},
		{"GET", "/readyz", public, h.readyz},
		{"GET", "/api/health", monitor, h.apiHealth},

		// Sign-in.
		{"GET", "/login", public, h.loginShow},
		{"POST", "/login", public, h.loginSubmit},
		{"POST", "/logout", staff, h.logout},
		{"GET", "/setup", public, h.setupShow},
		{"POST", "/setup", public, h.setupSubmit},

		// Home.
		{"GET", "/", staff, h.home},
		{"GET", "/front/preference.php", staff, h.preferences},
		{"POST", "/front/preference.php", staff, h.preferencesSave},

		// Assistance > Tickets: list, ticket page, staff actions, documents.
		{"GET", "/tickets", staff, h.ticketsList},
		{"POST", "/tickets/bulk", staff, h.ticketsBulk},
		{"GET", "/tickets/{id}", staff, h.ticketShow},
		{"POST", "/tickets/{id}/status", staff, h.ticketStatus},
		{"POST", "/tickets/{id}/followups", staff, h.ticketFollowup},
		{"GET", "/tickets/{id}/history", staff, h.ticketHistory},
		{"POST", "/tickets/{id}/assign-me", staff, h.ticketAssignMe},
		{"POST", "/tickets/{id}/actors", staff, h.ticketActorAdd},
		{"GET", "/tickets/{id}/actors/search", staff, h.ticketActorSearch},
		{"POST", "/tickets/{id}/actors/remove", staff, h.ticketActorRemove},
		{"POST", "/tickets/{id}/fields", staff, h.ticketFields},
		{"POST", "/tickets/{id}/solve", staff, h.ticketSolve},
		{"GET", "/documents/{id}", staff, h.documentDownload},
		{"GET", "/tickets/{id}/original", admin, h.ticketOriginal},
		{"GET", "/tickets/{id}/followups/{fid}/original", admin, h.ticketOriginal},

		// Setup > Blacklisted mail addresses and Not imported emails.
		{"GET", "/setup/blacklist", admin, h.blacklistList},
		{"POST", "/setup/blacklist", admin, h.blacklistAdd},
		{"POST", "/setup/blacklist/{id}/delete", admin, h.blacklistDelete},
		{"GET", "/setup/blacklistedmailcontent", admin, h.blacklistedContentList},
		{"POST", "/setup/blacklistedmailcontent", admin, h.blacklistedContentAdd},
		{"POST", "/setup/blacklistedmailcontent/{id}/delete", admin, h.blacklistedContentDelete},
		{"GET", "/setup/documenttypes", admin, h.documentTypesList},
		{"POST", "/setup/documenttypes", admin, h.documentTypeAdd},
		{"POST", "/setup/documenttypes/{id}/delete", admin, h.documentTypeDelete},
		{"GET", "/setup/quarantine", admin, h.quarantineList},
		{"POST", "/setup/quarantine/settings", admin, h.quarantineSettings},
		{"POST", "/setup/quarantine/bulk", admin, h.quarantineBulk},
		{"POST", "/setup/quarantine/{id}/import", admin, h.quarantineImport},
		{"POST", "/setup/quarantine/{id}/delete", admin, h.quarantineDelete},

		// Setup > Outgoing mail queue.
		{"GET", "/setup/outbox", admin, h.outboxList},
		{"POST", "/setup/outbox/{id}/retry", admin, h.outboxRetry},
		{"POST", "/setup/outbox/settings", admin, h.outboxSettingsSave},

		// Administration > Users.
		{"GET", "/admin/users", admin, h.usersList},
		{"GET", "/admin/users/new", admin, h.userNew},
		{"POST", "/admin/users", admin, h.userCreate},
		{"GET", "/admin/users/{id}", admin, h.userEdit},
		{"POST", "/admin/users/{id}", admin, h.userSave},
		{"POST", "/admin/users/{id}/password", admin, h.userPassword},

		// Administration > Groups, Setup > Dropdowns > ITIL categories, the priority matrix.
		{"GET", "/admin/groups", admin, h.groupsList},
		{"GET", "/admin/groups/new", admin, h.groupNew},
		{"POST", "/admin/groups", admin, h.groupSave},
		{"GET", "/admin/groups/{id}", admin, h.groupEdit},
		{"POST", "/admin/groups/{id}", admin, h.groupSave},
		{"POST", "/admin/groups/{id}/delete", admin, h.groupDelete},
		{"GET", "/setup/dropdowns/itilcategories", admin, h.categoriesList},
		{"GET", "/setup/dropdowns/itilcategories/new", admin, h.categoryNew},
		{"POST", "/setup/dropdowns/itilcategories", admin, h.categorySave},
		{"GET", "/setup/dropdowns/itilcategories/{id}", admin, h.categoryEdit},
		{"POST", "/setup/dropdowns/itilcategories/{id}", admin, h.categorySave},
		{"POST", "/setup/dropdowns/itilcategories/{id}/delete", admin, h.categoryDelete},
		{"GET", "/setup/priority-matrix", admin, h.priorityMatrixShow},
		{"POST", "/setup/priority-matrix", admin, h.priorityMatrixSave},

		// Setup > Rules for mails: the ordered list, a rule, export and import, the tester.
		{"GET", "/setup/mailrules", admin, h.mailRulesList},
		{"GET", "/setup/mailrules/new", admin, h.mailRuleNew},
		{"POST", "/setup/mailrules", admin, h.mailRuleSave},
		{"POST", "/setup/mailrules/settings", admin, h.mailRulesSettings},
		{"GET", "/setup/mailrules/export", admin, h.mailRulesExport},
		{"GET", "/setup/mailrules/import", admin, h.mailRulesImportShow},
		{"POST", "/setup/mailrules/import", admin, h.mailRulesImport},
		{"GET", "/setup/mailrules/test", admin, h.mailRulesTester},
		{"POST", "/setup/mailrules/test", admin, h.mailRulesTest},
		{"GET", "/setup/mailrules/{id}", admin, h.mailRuleEdit},
		{"POST", "/setup/mailrules/{id}", admin, h.mailRuleSave},
		{"POST", "/setup/mailrules/{id}/delete", admin, h.mailRuleDelete},
		{"POST", "/setup/mailrules/{id}/move", admin, h.mailRuleMove},

		// Setup > OAuth IMAP: applications, their authorizations, the sign-in.
		{"GET", "/setup/oauthimap", admin, h.applicationsList},
		{"GET", "/setup/oauthimap/new", admin, h.applicationNew},
		{"POST", "/setup/oauthimap", admin, h.applicationCreate},
		{"GET", "/setup/oauthimap/{id}", admin, h.applicationEdit},
		{"POST", "/setup/oauthimap/{id}", admin, h.applicationSave},
		{"POST", "/setup/oauthimap/{id}/delete", admin, h.applicationDelete},
		{"GET", "/setup/oauthimap/{id}/authorizations", admin, h.applicationAuthorizations},
		{"GET", "/setup/oauthimap/{id}/receivers", admin, h.applicationReceivers},
		{"GET", "/setup/oauthimap/{id}/history", admin, h.applicationHistory},
		{"POST", "/setup/oauthimap/{id}/authorize", admin, h.authorizationStart},
		{"GET", "/setup/oauthimap/{id}/apponly", admin, h.authorizationAppOnlyShow},
		{"POST", "/setup/oauthimap/{id}/apponly", admin, h.authorizationAppOnlyCreate},
		{"GET", "/setup/oauthimap/authorizations/{id}", admin, h.authorizationEdit},
		{"GET", "/setup/oauthimap/authorizations/{id}/history", admin, h.authorizationHistory},
		{"POST", "/setup/oauthimap/authorizations/{id}", admin, h.authorizationSave},
		{"POST", "/setup/oauthimap/authorizations/{id}/reauthorize", admin, h.authorizationReauthorize},
		{"POST", "/setup/oauthimap/authorizations/{id}/delete", admin, h.authorizationDelete},
		{"GET", "/setup/oauthimap/authorizations/{id}/diagnose", admin, h.authorizationDiagnose},
		{"POST", "/setup/oauthimap/authorizations/{id}/diagnose", admin, h.authorizationDiagnoseRun},

		// Setup > Receivers: the form, its tools and the automatic actions log.
		{"GET", "/setup/receivers", admin, h.receiversList},
		{"GET", "/setup/receivers/new", admin, h.receiverNew},
		{"POST", "/setup/receivers", admin, h.receiverCreate},
		{"GET", "/setup/receivers/runs", admin, h.receiversRuns},
		{"GET", "/setup/receivers/{id}", admin, h.receiverEdit},
		{"POST", "/setup/receivers/{id}", admin, h.receiverSave},
		{"POST", "/setup/receivers/{id}/delete", admin, h.receiverDelete},
		{"GET", "/setup/receivers/{id}/folders", admin, h.receiverFolders},
		{"POST", "/setup/receivers/{id}/folders", admin, h.receiverFolderSet},
		{"POST", "/setup/receivers/{id}/test", admin, h.receiverDiagnose},
		{"POST", "/setup/receivers/{id}/collect", admin, h.receiverCollect},
		{"GET", "/setup/receivers/{id}/runs", admin, h.receiverRuns},
		{"GET", "/setup/receivers/{id}/outgoing", admin, h.receiverOutgoing},
		{"POST", "/setup/receivers/{id}/outgoing", admin, h.receiverOutgoingSave},
		{"POST", "/setup/receivers/{id}/outgoing/test", admin, h.receiverOutgoingTest},
		{"POST", "/setup/receivers/{id}/notifications", admin, h.receiverNotifications},
		{"GET", "/setup/receivers/{id}/defaults", admin, h.receiverDefaults},
		{"GET", "/setup/receivers/{id}/history", admin, h.receiverHistory},
		{"POST", "/setup/receivers/{id}/defaults", admin, h.receiverDefaultsSave},
	}
	// The identity provider's redirect, at every path an application may
	// send, GLPI's too (public: the single-use state and the session decide).
	for _, p := range store.CallbackPaths {
		routes = append(routes, route{"GET", p, public, h.oauthCallback})
	}
	return append(routes, h.demoRoutes()...)
}

// demoRoutes are the demo's pages, only when it runs (never in serve).
func (h *Handler) demoRoutes() []route {
	if h.demoMail == nil {
		return nil
	}
	return []route{
		{"GET", "/demo/mail", admin, h.demoMailList},
		{"GET", "/demo/mail/{n}", admin, h.demoMailShow},
	}
}

// menu is the left menu; an entry shows only when a GET route serves its
// link and the user's role may reach it.
var menu = []struct {
	title string
	items []menuEntry
}{
	{"Assistance", []menuEntry{{"Tickets", "ti-ticket", paths.Tickets}}},
	{"Setup", []menuEntry{
		{"OAuth IMAP", "ti-login-2", paths.Applications},
		{"Receivers", "ti-inbox", paths.Receivers},
		{"Blacklisted mail addresses", "ti-ban", paths.Blacklist},
		{"Blacklisted mail content", "ti-eraser", paths.BlacklistedContent},
		{"Document types", "ti-file-x", paths.DocumentTypes},
		{"Not imported emails", "ti-mail-x", paths.Quarantine},
		{"Rules for mails", "ti-filter", paths.MailRules},
		{"Outgoing mail queue", "ti-mail-forward", paths.Outbox},
		{"ITIL categories", "ti-category", paths.Categories},
		{"Priority matrix", "ti-grid-dots", paths.PriorityMatrix},
	}},
	{"Administration", []menuEntry{{"Users", "ti-users", paths.Users}, {"Groups", "ti-users-group", paths.Groups}}},
}

type menuEntry struct{ label, icon, href string }

func (h *Handler) buildRouter() (http.Handler, error) {
	r := chi.NewRouter()
	// The order is written once: outermost first. A panic is recovered
	// inside the access log and the request counter, which see its 500.
	r.Use(h.accessLog)
	r.Use(h.countRequests)
	r.Use(h.recoverPanics)
	r.Use(h.securityHeaders)
	r.Use(h.limitBody)
	r.Use(h.crossOrigin)
	r.Use(h.loadSession)
	r.Use(h.checkFormToken)

	r.NotFound(func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r) })
	r.Handle("/static/*", h.assets.Handler())
	for _, rt := range h.routes {
		r.Method(rt.method, rt.pattern, h.guard(rt.access, rt.handler))
	}
	return r, nil
}
