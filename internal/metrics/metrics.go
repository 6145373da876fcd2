// Package metrics is what an operator's Prometheus scrapes: counters and
// histograms the collector, the token refresher, the sender and the
// console bump where things happen, and gauges read from the store at
// scrape time (receivers by state, authorizations' and client secrets'
// time left, outbox depth). Labels carry ids, states, classes and reason
// codes only: never an e-mail address or a secret. A name (receiver,
// application) is given only when it holds no "@".
//
// Every method is safe on a nil *Metrics, which counts nothing.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/oauthimap/oauthimap/internal/store"
)

// Metrics holds the registry and the event counters.
type Metrics struct {
	reg *prometheus.Registry

	runs      *prometheus.CounterVec
	mails     *prometheus.CounterVec
	latency   prometheus.Histogram
	idle      prometheus.Gauge
	refreshes *prometheus.CounterVec
	sends     *prometheus.CounterVec
	http      *prometheus.CounterVec
	httpTime  *prometheus.HistogramVec
	panics    *prometheus.CounterVec
}

// New registers the metrics; st feeds the scrape-time gauges (nil: none).
func New(st *store.Store) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_collect_runs_total",
		Help: "Collect runs by receiver and error class (empty class: the run succeeded)."}, []string{"receiver_id", "error_class"})
	m.mails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_mails_total",
		Help: "Mails recorded by decision (ticket, followup, refused, duplicate) and reason code."}, []string{"receiver_id", "decision", "reason"})
	m.latency = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "oauthimap_arrival_to_ticket_seconds",
		Help:    "From a mail's arrival in the mailbox (its INTERNALDATE) to its decision being committed.",
		Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600}})
	m.idle = prometheus.NewGauge(prometheus.GaugeOpts{Name: "oauthimap_idle_connections",
		Help: "IMAP connections idling on a folder (IDLE) right now."})
	m.refreshes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_token_refreshes_total",
		Help: "OAuth token refreshes by purpose and outcome (refreshed, unchanged, failed) and failure class."}, []string{"purpose", "outcome", "class"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_outbox_attempts_total",
		Help: "Outgoing mail attempts by result (sent, failed: given up, retry: put back) and error class."}, []string{"result", "class"})
	m.http = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_http_requests_total",
		Help: "Console requests by method, route pattern and status code."}, []string{"method", "route", "code"})
	m.httpTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "oauthimap_http_request_seconds",
		Help: "Console request durations by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.panics = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oauthimap_http_panics_total",
		Help: "Console requests whose handler panicked (answered 500 and logged), by route pattern."}, []string{"route"})
	m.reg.MustRegister(m.runs, m.mails, m.latency, m.idle, m.refreshes, m.sends, m.http, m.httpTime, m.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if st != nil {
		m.reg.MustRegister(&stateCollector{st: st, now: time.Now})
	}
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry, for tests and for gathering in process.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func id(n int64) string { return strconv.FormatInt(n, 10) }

// CollectRun counts one finished collect run; class is empty on success.
func (m *Metrics) CollectRun(receiverID int64, class string) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(id(receiverID), class).Inc()
}

// Mail counts one recorded mail; arrived is its INTERNALDATE (zero:
// unknown) and committed when its decision was committed.
func (m *Metrics) Mail(receiverID int64, decision, reason string, arrived, committed time.Time) {
	if m == nil {
		return
	}
	m.mails.WithLabelValues(id(receiverID), decision, reason).Inc()
	if !arrived.IsZero() && decision != "duplicate" {
		m.latency.Observe(max(committed.Sub(arrived).Seconds(), 0))
	}
}

// IdleUp and IdleDown follow an IDLE connection's life.
func (m *Metrics) IdleUp() {
	if m != nil {
		m.idle.Inc()
	}
}

// IdleDown: see IdleUp.
func (m *Metrics) IdleDown() {
	if m != nil {
		m.idle.Dec()
	}
}

// TokenRefresh counts one refresh attempt that reached the store lock.
func (m *Metrics) TokenRefresh(purpose, outcome, class string) {
	if m != nil {
		m.refreshes.WithLabelValues(purpose, outcome, class).Inc()
	}
}

// OutboxAttempt counts one outgoing mail attempt.
func (m *Metrics) OutboxAttempt(result, class string) {
	if m != nil {
		m.sends.WithLabelValues(result, class).Inc()
	}
}

// HTTPRequest counts one console request under its route pattern (never
// its path, which holds ids without bound).
func (m *Metrics) HTTPRequest(method, route string, code int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.http.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.httpTime.WithLabelValues(route).Observe(took.Seconds())
}

// HTTPPanic counts one console request whose handler panicked; the request
// itself is counted by HTTPRequest with the status it was answered with.
func (m *Metrics) HTTPPanic(route string) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	m.panics.WithLabelValues(route).Inc()
}

// SafeName is a name fit for a label: empty when it holds an "@" (a
// receiver is often named after its mailbox).
func SafeName(s string) string {
	if strings.Contains(s, "@") {
		return ""
	}
	return s
}

// RefreshTokenLimit is how long a provider lets a refresh token lie unused:
// Microsoft 90 days, Google six months (other providers are given
// Microsoft's, the shorter).
func RefreshTokenLimit(provider string) time.Duration {
	if provider == "google" {
		return 180 * 24 * time.Hour
	}
	return 90 * 24 * time.Hour
}

// stateCollector reads the store at each scrape.
type stateCollector struct {
	st  *store.Store
	now func() time.Time
}

var (
	descReceivers = prometheus.NewDesc("oauthimap_receivers",
		"Receivers by state (ok, failing, reauth_required, inactive).", []string{"state"}, nil)
	descReceiverUp = prometheus.NewDesc("oauthimap_receiver_failing",
		"1 when an active receiver's last run failed, else 0; error_class says why.", []string{"receiver_id", "name", "error_class"}, nil)
	descReceiverLast = prometheus.NewDesc("oauthimap_receiver_last_collect_timestamp_seconds",
		"When each active receiver's last run ended (Unix time).", []string{"receiver_id"}, nil)
	descAuthState = prometheus.NewDesc("oauthimap_authorization_state",
		"1 for each authorization's current state.", []string{"authorization_id", "application_id", "state"}, nil)
	descAuthLeft = prometheus.NewDesc("oauthimap_authorization_refresh_token_age_limit_seconds",
		"Seconds until a delegated authorization's refresh token reaches its provider's inactivity limit (negative: past it).",
		[]string{"authorization_id", "application_id"}, nil)
	descSecretLeft = prometheus.NewDesc("oauthimap_client_secret_expiry_seconds",
		"Seconds until an active application's client secret expires (negative: expired); absent when no expiry is known.",
		[]string{"application_id", "name"}, nil)
	descOutbox = prometheus.NewDesc("oauthimap_outbox_mails",
		"Outgoing mails in the outbox by state.", []string{"state"}, nil)
	descSearchBacklog = prometheus.NewDesc("oauthimap_search_index_backlog",
		"Tickets waiting to enter the search's word index (MySQL/MariaDB; always 0 on SQLite). Searches find them meanwhile, slower as they pile up.", nil, nil)
	descScrapeErr = prometheus.NewDesc("oauthimap_store_scrape_error",
		"1 when the store could not be read for this scrape.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceivers, descReceiverUp, descReceiverLast, descAuthState, descAuthLeft, descSecretLeft, descOutbox, descSearchBacklog, descScrapeErr} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.st.Operator(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 1)
		return
	}
	backlog, err := c.st.WordIndexBacklog(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, 0)
	ch <- prometheus.MustNewConstMetric(descSearchBacklog, prometheus.GaugeValue, float64(backlog))
	now := c.now()
	byState := map[string]float64{"ok": 0, "failing": 0, "reauth_required": 0, "inactive": 0}
	for _, r := range v.Receivers {
		if !r.IsActive {
			byState["inactive"]++
			continue
		}
		st := r.State
		if st == "" {
			st = "ok"
		}
		byState[st]++
		failing := 0.0
		if st != "ok" {
			failing = 1
		}
		rid := id(r.ID)
		ch <- prometheus.MustNewConstMetric(descReceiverUp, prometheus.GaugeValue, failing, rid, SafeName(r.Name), r.ErrorClass)
		if r.LastCollectAt != nil {
			ch <- prometheus.MustNewConstMetric(descReceiverLast, prometheus.GaugeValue, float64(r.LastCollectAt.Unix()), rid)
		}
	}
	for s, n := range byState {
		ch <- prometheus.MustNewConstMetric(descReceivers, prometheus.GaugeValue, n, s)
	}
	provider := map[int64]string{}
	for _, a := range v.Applications {
		provider[a.ID] = a.Provider
		if a.IsActive && a.ClientSecretExpiresAt != nil {
			ch <- prometheus.MustNewConstMetric(descSecretLeft, prometheus.GaugeValue,
				a.ClientSecretExpiresAt.Sub(now).Seconds(), id(a.ID), SafeName(a.Name))
		}
	}
	for _, a := range v.Authorizations {
		aid, app := id(a.ID), id(a.ApplicationID)
		ch <- prometheus.MustNewConstMetric(descAuthState, prometheus.GaugeValue, 1, aid, app, a.State)
		if a.Kind == store.KindAppOnly {
			continue // no refresh token
		}
		since := a.CreatedAt
		if a.RefreshTokenAt != nil {
			since = *a.RefreshTokenAt
		}
		left := since.Add(RefreshTokenLimit(provider[a.ApplicationID])).Sub(now)
		ch <- prometheus.MustNewConstMetric(descAuthLeft, prometheus.GaugeValue, left.Seconds(), aid, app)
	}
	for s, n := range v.Outbox {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(n), s)
	}
}
