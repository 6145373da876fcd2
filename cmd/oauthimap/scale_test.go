package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// scaleReceivers is the size of the installation BenchmarkServeReceivers
// starts (OAUTHIMAP_SCALE_RECEIVERS overrides it).
const scaleReceivers = 500

// BenchmarkServeReceivers starts the real binary (`oauthimap serve`, built
// into a temp dir) on SQLite with 500 receivers, each a mailbox on go-imap's
// in-memory server (in this process) holding one mail, and reports:
// start_ms (process start to /healthz answering), collected_s (start to
// every receiver having a successful collect run, read from /metrics),
// and, once they all collected and the console sits with them idle,
// rss_MB (the process's VmRSS), peak_rss_MB (VmHWM), heap_MB (the Go
// heap in use) and goroutines. The sub-benchmarks are receivers polled
// every 60 s and receivers holding IDLE.
//
//	go test -run '^$' -bench BenchmarkServeReceivers -benchtime=1x ./cmd/oauthimap
func BenchmarkServeReceivers(b *testing.B) {
	n := scaleReceivers
	if v, err := strconv.Atoi(os.Getenv("OAUTHIMAP_SCALE_RECEIVERS")); err == nil && v > 0 {
		n = v
	}
	bin := filepath.Join(b.TempDir(), "oauthimap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	for _, idle := range []bool{false, true} {
		name := "poll"
		if idle {
			name = "idle"
		}
		b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
			for range b.N {
				serveReceivers(b, bin, n, idle)
			}
		})
	}
}

func serveReceivers(b *testing.B, bin string, n int, idle bool) {
	b.StopTimer()
	srv := imaptest.Run(benchReporter{b}, imaptest.Options{})
	defer srv.Close()
	dir := b.TempDir()
	ctx := context.Background()
	cfg, _, err := loadConfig("serve", nil, io.Discard, env(map[string]string{"OAUTHIMAP_DATA_DIR": dir}), nil)
	if err != nil {
		b.Fatal(err)
	}
	st, _, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler), true)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		login := fmt.Sprintf("desk%03d@scale.example", i)
		srv.SetPassword(login, "pw")
		srv.CreateFolder(login, "Accepted")
		srv.Deliver(login, "INBOX", []byte("From: Requester <req"+strconv.Itoa(i)+"@customer.example>\r\nTo: "+login+
			"\r\nSubject: Request "+strconv.Itoa(i)+"\r\nMessage-ID: <scale-"+strconv.Itoa(i)+"@customer.example>\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer on floor "+strconv.Itoa(i)+" is jammed.\r\n"))
		r := &store.Receiver{Name: fmt.Sprintf("Desk %03d", i), IsActive: true, Host: srv.Host(), Port: srv.Port(), Security: "none",
			Login: login, Password: "pw", Folder: "INBOX", AcceptedFolder: "Accepted", FilesizeMax: store.DefaultFilesizeMax,
			RequesterField: "from", Budget: store.DefaultReceiverBudget, PollIntervalSeconds: 60, IdleEnabled: idle}
		if err := st.CreateReceiver(ctx, r, nil); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()

	addr, maddr := testpeer.FreeAddr(b), testpeer.FreeAddr(b)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "OAUTHIMAP_DATA_DIR="+dir, "OAUTHIMAP_LISTEN="+addr, "OAUTHIMAP_METRICS_LISTEN="+maddr, "OAUTHIMAP_LOG_LEVEL=warn")
	var logs testpeer.LogBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	b.StartTimer()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	var started time.Duration
	for deadline := t0.Add(30 * time.Second); started == 0; time.Sleep(5 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				started = time.Since(t0)
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("no /healthz within 30 s:\n%s", logs.String())
		}
	}
	var collected time.Duration
	for deadline := t0.Add(5 * time.Minute); collected == 0; time.Sleep(100 * time.Millisecond) {
		m := scrape(b, maddr)
		if m.okReceivers >= n {
			collected = time.Since(t0)
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d receivers collected after 5 min:\n%s", m.okReceivers, n, logs.String())
		}
	}
	b.StopTimer()
	// Settled: the first runs are over, the receivers wait (or idle).
	time.Sleep(5 * time.Second)
	m := scrape(b, maddr)
	rss, hwm := procStatus(b, cmd.Process.Pid)
	b.ReportMetric(float64(started.Milliseconds()), "start_ms")
	b.ReportMetric(collected.Seconds(), "collected_s")
	b.ReportMetric(rss/(1<<20), "rss_MB")
	b.ReportMetric(hwm/(1<<20), "peak_rss_MB")
	b.ReportMetric(m.heap/(1<<20), "heap_MB")
	b.ReportMetric(m.goroutines, "goroutines")
	b.ReportMetric(m.idle, "idle_conns")
}

// scraped is what the benchmark reads from /metrics.
type scraped struct {
	okReceivers            int
	heap, goroutines, idle float64
}

func scrape(b *testing.B, addr string) scraped {
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var s scraped
	ok := map[string]bool{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		name, val, _ := strings.Cut(l, " ")
		f, _ := strconv.ParseFloat(val, 64)
		switch {
		case strings.HasPrefix(name, `oauthimap_collect_runs_total{error_class="",receiver_id="`):
			if f > 0 {
				ok[name] = true
			}
		case name == "go_memstats_heap_inuse_bytes":
			s.heap = f
		case name == "go_goroutines":
			s.goroutines = f
		case name == "oauthimap_idle_connections":
			s.idle = f
		}
	}
	s.okReceivers = len(ok)
	return s
}

// procStatus reads a process's resident set and its peak, in bytes.
func procStatus(b *testing.B, pid int) (rss, hwm float64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			hwm = kb * 1024
		}
	}
	return rss, hwm
}

// benchReporter hands the in-memory server's failures to the benchmark.
type benchReporter struct{ b *testing.B }

func (r benchReporter) Helper()                           { r.b.Helper() }
func (r benchReporter) Fatalf(format string, args ...any) { r.b.Errorf(format, args...) }
