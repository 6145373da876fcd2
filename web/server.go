// Package web is the console's HTTP face: the route table, the middleware,
// and one handler file per page or action. A handler parses and validates
// the form, calls internal packages, and renders; the rules of the domain
// live in internal, with one exception still here: receiver_save.go
// decides that an OAuth receiver keeps logging in with its old account
// while the authorization for another user is being created.
package web

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/oauthimap/oauthimap/internal/config"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/static"
)

// Options are the console's dependencies.
type Options struct {
	Store   *store.Store
	Config  *config.Config
	Assets  *static.Assets
	Logger  *slog.Logger
	Version string
	// Collector runs "Get email tickets now"; nil disables the button.
	Collector Collector
	// Tokens gives OAuth receivers their access token (Test connection,
	// folder browser); nil makes those fail with a clear message.
	Tokens TokenSource
	// Helpdesk saves and reads tickets, documents and the quarantine; nil
	// leaves the ticket pages without documents, follow-ups or imports.
	Helpdesk *helpdesk.Service
	// Demo is the data dir of `oauthimap demo`, shown in a banner on every
	// page; empty for a real console.
	Demo string
	// Mail is the outbox's sender pool, woken when mail is queued or put
	// back; nil: mail waits for the pool's next tick.
	Mail MailWaker
	// Metrics counts requests by route and status (nil: nothing).
	Metrics *metrics.Metrics
	// DemoMail is the demo's SMTP server, read by its "Mails sent" pages
	// (/demo/mail); nil, as in serve, leaves those routes out.
	DemoMail DemoMailbox
}

// MailWaker wakes the sender pool (sender.Pool).
type MailWaker interface{ Wake() }

// Handler serves the console.
type Handler struct {
	store   *store.Store
	cfg     *config.Config
	assets  *static.Assets
	log     *slog.Logger
	version string
	demo    string
	collect Collector
	tokens  TokenSource
	desk    *helpdesk.Service
	mail    MailWaker
	metrics *metrics.Metrics
	policy  store.SessionPolicy
	router  http.Handler
	routes  []route
	// demoMail is Options.DemoMail.
	demoMail DemoMailbox
	// loginRules slow login attempts down (defaultLoginRules; tests
	// lengthen the waits so that a slow machine cannot outwait them).
	loginRules loginRules
}

// New builds the console's handler.
func New(o Options) (*Handler, error) {
	h := &Handler{
		store:   o.Store,
		cfg:     o.Config,
		assets:  o.Assets,
		log:     o.Logger,
		version: o.Version,
		demo:    o.Demo,
		collect: o.Collector,
		tokens:  o.Tokens,
		desk:    o.Helpdesk,
		mail:    o.Mail,
		metrics: o.Metrics,
		policy:  store.SessionPolicy{Idle: o.Config.SessionIdle, Absolute: o.Config.SessionMax},

		loginRules: defaultLoginRules,
		demoMail:   o.DemoMail,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.routes = h.routeTable()
	r, err := h.buildRouter()
	if err != nil {
		return nil, err
	}
	h.router = r
	return h, nil
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// publicOrigin is the scheme://host of the configured public URL.
func (h *Handler) publicOrigin() string {
	u, err := url.Parse(h.cfg.PublicURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// SessionPolicy is the sessions' idle and absolute timeouts.
func (h *Handler) SessionPolicy() store.SessionPolicy { return h.policy }
