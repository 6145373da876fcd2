package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// countRequests counts each request under its route pattern and status.
func (h *Handler) countRequests(next http.Handler) http.Handler {
	if h.metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		h.metrics.HTTPRequest(r.Method, routePattern(r), status, time.Since(t0))
	})
}

// routePattern is the chi pattern the request matched ("" when none did).
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}

// monitorAllowed lets an administrator's session or the monitoring bearer
// token through; anyone else gets a JSON refusal (401 without a session,
// 403 for a technician).
func (h *Handler) monitorAllowed(w http.ResponseWriter, r *http.Request, u *store.User) bool {
	if h.bearerOK(r) || (u != nil && u.Role == store.RoleAdmin) {
		return true
	}
	status, msg := http.StatusUnauthorized, "Log in as an administrator or send the monitoring token as a bearer token."
	if u != nil {
		status, msg = http.StatusForbidden, "You don't have permission to perform this action."
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oauthimap"`)
	}
	writeJSON(w, status, map[string]string{"error": msg})
	return false
}

// bearerOK compares the request's bearer token with the monitoring token
// in constant time (over hashes, so the length leaks nothing either).
func (h *Handler) bearerOK(r *http.Request) bool {
	want := ""
	if h.cfg != nil {
		want = h.cfg.MonitoringToken
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if want == "" || !ok || got == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// healthIssue is one thing that needs someone, with what to do about it.
type healthIssue struct {
	Kind    string `json:"kind"` // receiver, authorization, client_secret
	ID      int64  `json:"id"`
	Name    string `json:"name,omitempty"`
	State   string `json:"state"`
	Class   string `json:"error_class,omitempty"`
	Problem string `json:"problem"`
	Remedy  string `json:"remedy"`
	Since   string `json:"last_collect_at,omitempty"`
}

// healthAnswer is /api/health's body.
type healthAnswer struct {
	Status    string        `json:"status"` // ok, attention, database_unreachable
	CheckedAt time.Time     `json:"checked_at"`
	Version   string        `json:"version"`
	Summary   healthSummary `json:"summary"`
	Issues    []healthIssue `json:"issues"`
}

type healthSummary struct {
	ActiveReceivers  int `json:"active_receivers"`
	ReceiversInError int `json:"receivers_in_error"`
	Authorizations   int `json:"authorizations"`
	AuthNeedsAction  int `json:"authorizations_needing_attention"`
	SecretsExpiring  int `json:"client_secrets_expiring_within_30_days"`
	OutboxFailed     int `json:"outbox_failed"`
}

// apiHealth answers what the home page's attention cards say, item by
// item with its remedy, for monitoring systems. The status code is 200
// whenever the answer could be built (status says ok or attention), 503
// when the database cannot be read.
func (h *Handler) apiHealth(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	v, err := h.store.Operator(r.Context())
	if err != nil {
		h.log.Warn("api health: store", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, healthAnswer{Status: "database_unreachable", CheckedAt: now.UTC(), Version: h.version,
			Issues: []healthIssue{{Kind: "database", State: "unreachable", Problem: "The database cannot be read.", Remedy: "Check that the database server runs and that OAUTHIMAP_DATABASE is right; the log says more."}}})
		return
	}
	ans := healthAnswer{Status: "ok", CheckedAt: now.UTC(), Version: h.version, Issues: []healthIssue{}}
	auths := map[int64][]store.OperatorAuthorization{}
	for _, a := range v.Authorizations {
		auths[a.ApplicationID] = append(auths[a.ApplicationID], a)
	}
	appOnly := func(rc store.OperatorReceiver) bool {
		if rc.ApplicationID == nil {
			return false
		}
		for _, a := range auths[*rc.ApplicationID] {
			if strings.EqualFold(a.Email, rc.Login) {
				return a.Kind == store.KindAppOnly
			}
		}
		return false
	}
	for _, rc := range v.Receivers {
		if !rc.IsActive {
			continue
		}
		ans.Summary.ActiveReceivers++
		if rc.State == "" || rc.State == "ok" {
			continue
		}
		ans.Summary.ReceiversInError++
		is := healthIssue{Kind: "receiver", ID: rc.ID, Name: rc.Name, State: rc.State, Class: rc.ErrorClass,
			Problem: collector.ClassLabel(rc.ErrorClass) + ": " + rc.LastError, Remedy: collector.RemedyFor(rc.ErrorClass, appOnly(rc))}
		if rc.LastCollectAt != nil {
			is.Since = rc.LastCollectAt.UTC().Format(time.RFC3339)
		}
		ans.Issues = append(ans.Issues, is)
	}
	for i := range v.Authorizations {
		a := &v.Authorizations[i]
		ans.Summary.Authorizations++
		if a.State == string(oauth.StateValid) {
			continue
		}
		ans.Summary.AuthNeedsAction++
		row := store.Authorization{ID: a.ID, Email: a.Email, UPN: a.UPN, Kind: a.Kind, State: a.State}
		problem := oauth.State(a.State).Label()
		if a.LastError != "" {
			problem += ": " + a.LastError
		}
		ans.Issues = append(ans.Issues, healthIssue{Kind: "authorization", ID: a.ID, State: a.State, Problem: problem, Remedy: stateRemedy(&row)})
	}
	for _, app := range v.Applications {
		if !app.IsActive || app.ClientSecretExpiresAt == nil || app.ClientSecretExpiresAt.After(now.Add(30*24*time.Hour)) {
			continue
		}
		ans.Summary.SecretsExpiring++
		state, what := "expiring", "expires on "+app.ClientSecretExpiresAt.Format("2006-01-02")
		if app.ClientSecretExpiresAt.Before(now) {
			state, what = "expired", "expired on "+app.ClientSecretExpiresAt.Format("2006-01-02")
		}
		ans.Issues = append(ans.Issues, healthIssue{Kind: "client_secret", ID: app.ID, Name: app.Name, State: state,
			Problem: "The client secret " + what + ".",
			Remedy:  "Create a new client secret at the provider and enter it, with its expiry date, in Setup > OAuth IMAP > " + app.Name + "."})
	}
	ans.Summary.OutboxFailed = int(v.Outbox[store.OutboxFailed])
	if len(ans.Issues) > 0 {
		ans.Status = "attention"
	}
	writeJSON(w, http.StatusOK, ans)
}
