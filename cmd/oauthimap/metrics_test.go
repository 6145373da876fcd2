package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// /metrics is served on OAUTHIMAP_METRICS_LISTEN only: the console's port
// answers it with "not found", and asking for the same port is refused at
// start.
func TestMetricsOnTheirOwnPort(t *testing.T) {
	addr, maddr := testpeer.FreeAddr(t), testpeer.FreeAddr(t)
	e := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_LISTEN": addr, "OAUTHIMAP_METRICS_LISTEN": maddr, "OAUTHIMAP_SHUTDOWN_GRACE": "5s"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, e)
	}()
	get := func(url string) (int, string, error) {
		res, err := http.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _, err := get("http://" + addr + "/readyz"); err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, body, err := get("http://" + maddr + "/metrics")
	if err != nil || code != 200 || !strings.Contains(body, "oauthimap_receivers{") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics port: %d %v\n%.500s", code, err, body)
	}
	// The console counted its own /readyz: requests by route are there.
	if !strings.Contains(body, `oauthimap_http_requests_total{code="200",method="GET",route="/readyz"}`) {
		t.Errorf("no request counted for /readyz:\n%.2000s", body)
	}
	if code, body, _ := get("http://" + addr + "/metrics"); code == 200 || strings.Contains(body, "go_goroutines") {
		t.Fatalf("the console's port serves metrics: %d", code)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, _, err := get("http://" + maddr + "/metrics"); err == nil {
		t.Fatal("the metrics port still answers after stop")
	}

	same := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_LISTEN": addr, "OAUTHIMAP_METRICS_LISTEN": addr})
	if err := run(context.Background(), []string{"serve"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, same); err == nil || !strings.Contains(err.Error(), "OAUTHIMAP_METRICS_LISTEN") {
		t.Fatalf("the console's own port for metrics: got %v, want a refusal naming OAUTHIMAP_METRICS_LISTEN", err)
	}
}
