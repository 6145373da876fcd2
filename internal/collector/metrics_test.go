package collector

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/store"
)

// scrape reads /metrics as Prometheus would.
func scrape(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("scrape: %d %v", res.StatusCode, err)
	}
	return string(b)
}

// sample is the value of the series named name whose labels include all of
// want ("k=\"v\"" each); -1 when there is none.
func sample(text, name string, want ...string) float64 {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndex(line, " ")
		if sp < 0 {
			continue
		}
		series, val := line[:sp], line[sp+1:]
		n, labels, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		all := true
		for _, w := range want {
			all = all && strings.Contains(labels, w)
		}
		if all {
			f, _ := strconv.ParseFloat(val, 64)
			return f
		}
	}
	return -1
}

// The metrics follow a collection: scraped before and after, the counters
// of runs and mails, the arrival latency, the receivers' states and the
// IDLE connections move; no series or value holds an e-mail address, a
// password or a token.
func TestMetricsFollowACollection(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	// Named after its mailbox, as GLPI's receivers often are.
	r := e.receiver(alice, func(r *store.Receiver) { r.IdleEnabled = true })
	broken := e.receiver("broken", func(r *store.Receiver) { r.Password = "wrong-password" })
	appID := e.oauthApp("Contoso mail", "bob@example.com")
	if _, err := e.sqlDB().Exec("UPDATE oauth_authorizations SET refresh_token_at = ?, state = 'valid' WHERE application_id = ?", time.Now().Add(-80*24*time.Hour).UTC(), appID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sqlDB().Exec("UPDATE oauth_applications SET client_secret_expires_at = ?, is_active = ? WHERE id = ?", time.Now().Add(10*24*time.Hour).UTC(), true, appID); err != nil {
		t.Fatal(err)
	}
	m := metrics.New(e.st)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	rid, bid := `receiver_id="`+strconv.FormatInt(r.ID, 10)+`"`, `receiver_id="`+strconv.FormatInt(broken.ID, 10)+`"`

	before := scrape(t, srv.URL)
	if got := sample(before, "oauthimap_receivers", `state="ok"`); got != 2 {
		t.Errorf("before: %v receivers ok, want 2", got)
	}
	if got := sample(before, "oauthimap_mails_total"); got != -1 {
		t.Errorf("before: mails counted already (%v)", got)
	}
	left := sample(before, "oauthimap_authorization_refresh_token_age_limit_seconds")
	if days := left / 86400; days < 9 || days > 11 {
		t.Errorf("refresh token age limit in %.1f days, want about 10 (90 - 80)", days)
	}
	if days := sample(before, "oauthimap_client_secret_expiry_seconds", `name="Contoso mail"`) / 86400; days < 9 || days > 11 {
		t.Errorf("client secret expires in %.1f days, want about 10", days)
	}
	if got := sample(before, "oauthimap_search_index_backlog"); got != 0 {
		t.Errorf("before: search index backlog %v, want 0 (SQLite's index is written with the ticket)", got)
	}
	if got := sample(before, "go_goroutines"); got <= 0 {
		t.Errorf("no Go runtime metrics: go_goroutines %v", got)
	}

	e.srv.Deliver(alice, "INBOX", mail("", "metrics one"))
	e.srv.Deliver(alice, "INBOX", mail("", "metrics two"))
	e.srv.Deliver(alice, "INBOX", mail("MAILER-DAEMON@example.org", "Undelivered Mail Returned to Sender", "Auto-Submitted: auto-replied\r\n"))
	c := e.collector(func(o *Options) { o.Metrics = m; o.NoIdle = false; o.Tick = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	waitFor(t, 10*time.Second, "the IDLE connection and the first collect", func() bool {
		return sample(scrape(t, srv.URL), "oauthimap_idle_connections") == 1 && e.tickets() == 2
	})
	if _, err := e.collectNow(c, broken.ID); err == nil {
		t.Fatal("the receiver with a wrong password collected")
	}
	waitFor(t, 5*time.Second, "the first run's record", func() bool {
		return sample(scrape(t, srv.URL), "oauthimap_collect_runs_total", rid, `error_class=""`) >= 1
	})

	after := scrape(t, srv.URL)
	if got := sample(after, "oauthimap_mails_total", rid, `decision="ticket"`); got != 2 {
		t.Errorf("after: %v tickets counted, want 2", got)
	}
	if got := sample(after, "oauthimap_mails_total", rid, `decision="refused"`); got != 1 {
		t.Errorf("after: %v refusals counted, want 1", got)
	}
	if got := sample(after, "oauthimap_arrival_to_ticket_seconds_count"); got != 3 {
		t.Errorf("after: %v arrival latencies observed, want 3", got)
	}
	if got := sample(after, "oauthimap_collect_runs_total", bid, `error_class="authentication"`); got < 1 {
		t.Errorf("after: %v failed runs of the broken receiver counted as authentication", got)
	}
	if got := sample(after, "oauthimap_receivers", `state="failing"`); got != 1 {
		t.Errorf("after: %v receivers failing, want 1", got)
	}
	if got := sample(after, "oauthimap_receiver_failing", bid, `error_class="authentication"`); got != 1 {
		t.Errorf("after: the broken receiver is not reported failing (%v)", got)
	}
	if got := sample(after, "oauthimap_receiver_failing", rid, `name=""`); got != 0 {
		t.Errorf("after: the receiver named after its mailbox: %v, want 0 with no name", got)
	}

	for _, text := range []string{before, after} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			for _, bad := range []string{"@", alicePW, "wrong-password", "example.com", "example.org"} {
				if strings.Contains(line, bad) {
					t.Errorf("a series holds %q: %s", bad, line)
				}
			}
		}
	}
	cancel()
}

// A receiver saved with IDLE on gets its watcher at once, and loses it at
// once when IDLE is switched off: not at the next periodic reload.
func TestIdleWatcherFollowsSavesAtOnce(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("switched", nil) // IDLE off, polls hourly
	m := metrics.New(nil)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c := e.collector(func(o *Options) { o.Metrics, o.NoIdle, o.IdleRefresh, o.Tick = m, false, time.Hour, time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	waitFor(t, 5*time.Second, "the first collect", func() bool { return e.receiverRow(r.ID).LastCollectAt != nil })
	idle := func() float64 { return sample(scrape(t, srv.URL), "oauthimap_idle_connections") }
	if idle() != 0 {
		t.Fatal("an IDLE connection for a receiver without IDLE")
	}
	set := func(on bool) {
		if _, err := e.sqlDB().Exec("UPDATE receivers SET idle_enabled = ?, updated_at = ? WHERE id = ?", on, time.Now().UTC(), r.ID); err != nil {
			t.Fatal(err)
		}
		c.ReceiversChanged()
	}
	t0 := time.Now()
	set(true)
	waitFor(t, 3*time.Second, "the watcher to start", func() bool { return idle() == 1 })
	t.Logf("IDLE watcher up %v after the save", time.Since(t0).Round(time.Millisecond))
	e.srv.Deliver(alice, "INBOX", mail("", "pushed after the save"))
	waitFor(t, 3*time.Second, "the pushed mail's ticket", func() bool { return e.tickets() == 1 })
	t0 = time.Now()
	set(false)
	waitFor(t, 3*time.Second, "the watcher to stop", func() bool { return idle() == 0 })
	t.Logf("IDLE watcher down %v after the save", time.Since(t0).Round(time.Millisecond))
}
