package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/store"
)

const monitoringToken = "a-monitoring-token-of-enough-length-0123"

func (c *client) getBearer(path, token string) response {
	req, _ := http.NewRequest("GET", c.a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return c.do(req)
}

// /api/health answers administrators and the monitoring token, in JSON,
// with each failing receiver, authorization and expiring secret and its
// remedy; anonymous callers, wrong tokens and technicians are refused.
func TestAPIHealth(t *testing.T) {
	a := newTestApp(t)
	a.h.cfg.MonitoringToken = monitoringToken
	ctx := context.Background()
	ok := &store.Receiver{Name: "Support", IsActive: true, Host: "imap.example.com", Port: 993, Security: "ssl", Login: "support@example.com",
		Password: "pw", Folder: "INBOX", RequesterField: "from", Budget: 100, PollIntervalSeconds: 300, FilesizeMax: 1 << 20}
	bad := *ok
	bad.Name, bad.Login = "Sales", "sales@example.com"
	for _, r := range []*store.Receiver{ok, &bad} {
		if err := a.store.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	next := time.Now().Add(time.Hour)
	if err := a.store.FinishCollect(ctx, bad.ID, "", store.CollectOutcome{ErrorClass: "authentication", ErrorText: "LOGIN failed", Next: next}); err != nil {
		t.Fatal(err)
	}

	anon, tech, adm := a.client(), a.client(), a.client()
	tech.login("tech")
	adm.login("admin")
	if r := anon.get("/api/health"); r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("Content-Type"), "json") || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous: got %d %s, want 401 in JSON with WWW-Authenticate", r.status, r.header.Get("Content-Type"))
	}
	if r := anon.getBearer("/api/health", monitoringToken+"x"); r.status != http.StatusUnauthorized {
		t.Errorf("wrong token: got %d, want 401", r.status)
	}
	if r := tech.get("/api/health"); r.status != http.StatusForbidden {
		t.Errorf("technician: got %d, want 403", r.status)
	}
	for name, r := range map[string]response{"administrator": adm.get("/api/health"), "token": anon.getBearer("/api/health", monitoringToken)} {
		if r.status != http.StatusOK {
			t.Fatalf("%s: got %d, want 200\n%s", name, r.status, r.body)
		}
		var ans healthAnswer
		if err := json.Unmarshal([]byte(r.body), &ans); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", name, err, r.body)
		}
		if ans.Status != "attention" || ans.Summary.ActiveReceivers != 2 || ans.Summary.ReceiversInError != 1 || len(ans.Issues) != 1 {
			t.Fatalf("%s: got %+v", name, ans)
		}
		is := ans.Issues[0]
		if is.Kind != "receiver" || is.ID != bad.ID || is.Name != "Sales" || is.Class != "authentication" || is.Remedy == "" || !strings.Contains(is.Problem, "LOGIN failed") {
			t.Errorf("%s: issue %+v", name, is)
		}
		if strings.Contains(r.body, "\"pw\"") {
			t.Errorf("%s: the answer holds the password", name)
		}
	}
	// Without a configured token, no bearer token opens it.
	a.h.cfg.MonitoringToken = ""
	if r := anon.getBearer("/api/health", ""); r.status != http.StatusUnauthorized {
		t.Errorf("no token configured, empty bearer: got %d, want 401", r.status)
	}
}

// Console requests are counted under their route pattern, never their
// path, and the console itself serves no /metrics.
func TestRequestsCountedByRoute(t *testing.T) {
	a := newTestApp(t)
	m := metrics.New(nil)
	a.h.metrics = m
	r, err := a.h.buildRouter()
	if err != nil {
		t.Fatal(err)
	}
	a.h.router = r
	adm := a.client()
	adm.login("admin")
	adm.get("/tickets/12345")
	adm.get("/tickets/67890")
	if r := adm.get("/metrics"); r.status != http.StatusNotFound {
		t.Errorf("the console serves /metrics: %d", r.status)
	}
	text := scrapeMetrics(t, m)
	if !strings.Contains(text, `oauthimap_http_requests_total{code="404",method="GET",route="/tickets/{id}"} 2`) {
		t.Errorf("the two ticket pages are not counted under their pattern:\n%s", grepLines(text, "oauthimap_http_requests_total"))
	}
	if !strings.Contains(text, `route="unmatched"`) || strings.Contains(text, "12345") {
		t.Errorf("unmatched paths must be counted as such, never by path:\n%s", grepLines(text, "oauthimap_http_requests_total"))
	}
}

// panickingCollector's CollectNow panics, as a bug in a handler would.
type panickingCollector struct{ fakeCollector }

func (*panickingCollector) CollectNow(context.Context, int64) (*store.CollectRun, error) {
	panic("collector bug")
}

// A request whose handler panics is answered with a plain 500 page and
// counted: under its route with code 500, and once as a panic.
func TestPanickingRequestsCounted(t *testing.T) {
	a := newTestApp(t)
	m := metrics.New(nil)
	a.h.metrics = m
	a.h.collect = &panickingCollector{}
	r, err := a.h.buildRouter()
	if err != nil {
		t.Fatal(err)
	}
	a.h.router = r
	adm := a.client()
	adm.login("admin")
	id := rcvCreate(t, adm, rcvForm("Panics", nil))
	res := adm.post(rcvPath(id, "/collect"), url.Values{"csrf_token": {adm.token(rcvPath(id, ""))}})
	if res.status != http.StatusInternalServerError || !strings.Contains(res.body, "Something went wrong on our side") || strings.Contains(res.body, "collector bug") {
		t.Fatalf("a panicking request answered %d:\n%s", res.status, res.body)
	}
	text := scrapeMetrics(t, m)
	for _, want := range []string{
		`oauthimap_http_requests_total{code="500",method="POST",route="/setup/receivers/{id}/collect"} 1`,
		`oauthimap_http_panics_total{route="/setup/receivers/{id}/collect"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s:\n%s\n%s", want, grepLines(text, "oauthimap_http_requests_total"), grepLines(text, "oauthimap_http_panics_total"))
		}
	}
}

// scrapeMetrics reads m as Prometheus scrapes it.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Saving, re-filing and deleting a receiver tell the collector at once, so
// its IDLE watcher starts, reconnects or stops without waiting.
func TestReceiverChangesReachTheCollector(t *testing.T) {
	a := newTestApp(t)
	fc := &fakeCollector{run: &store.CollectRun{}}
	a.h.collect = fc
	adm := a.client()
	adm.login("admin")
	changed := func() int {
		fc.mu.Lock()
		defer fc.mu.Unlock()
		return fc.changed
	}
	id := rcvCreate(t, adm, rcvForm("Watched", nil))
	if changed() != 1 {
		t.Fatalf("after create: %d calls, want 1", changed())
	}
	form := rcvForm("Watched", nil)
	form.Del("idle")
	form.Set("csrf_token", adm.token(rcvPath(id, "")))
	if r := adm.post(rcvPath(id, ""), form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	if changed() != 2 {
		t.Fatalf("after save: %d calls, want 2", changed())
	}
	if r := adm.post(rcvPath(id, "/delete"), url.Values{"csrf_token": {adm.token(rcvPath(id, ""))}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	if changed() != 3 {
		t.Fatalf("after delete: %d calls, want 3", changed())
	}
}
