package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/config"
	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauthsvc"
	"github.com/oauthimap/oauthimap/internal/sender"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/static"
	"github.com/oauthimap/oauthimap/web"
)

// serve runs the console until ctx ends, then drains requests.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var printConfig bool
	cfg, _, err := loadConfig("serve", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&printConfig, "print-config", false, "print the effective configuration (secrets masked) and exit")
	})
	if err != nil {
		return err
	}
	if printConfig {
		cfg.Print(stdout)
		return nil
	}
	return runConsole(ctx, cfg, stderr, consoleExtras{})
}

// metricsServer serves /metrics only.
func metricsServer(m *metrics.Metrics) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
}

// consoleExtras is what `demo` adds to the console `serve` runs.
type consoleExtras struct {
	// demo is the data dir named by the banner on every page.
	demo string
	// demoMail is the demo's SMTP server, shown on its "Mails sent" page.
	demoMail web.DemoMailbox
	// prepare runs once the store is open, before the console listens.
	prepare func(ctx context.Context, st *store.Store, log *slog.Logger) error
	// collector adjusts the collectors' options.
	collector func(o *collector.Options)
	// background runs beside the collectors until the console stops.
	background func(ctx context.Context, st *store.Store, coll *collector.Collector, log *slog.Logger)
}

// runConsole runs the console, the collectors and the housekeeping on cfg
// until ctx ends, then drains requests.
func runConsole(ctx context.Context, cfg *config.Config, stderr io.Writer, x consoleExtras) error {
	t0 := time.Now()
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	st, _, err := openStore(ctx, cfg, log, cfg.Migrate)
	if err != nil {
		return err
	}
	defer st.Close()
	if x.prepare != nil {
		if err := x.prepare(ctx, st, log); err != nil {
			return err
		}
	}

	assets, err := static.New()
	if err != nil {
		return err
	}
	docs, err := docstore.New(filepath.Join(cfg.DataDir, "documents"))
	if err != nil {
		return err
	}
	desk := helpdesk.New(st, docs)
	meter := metrics.New(st)
	tokens := oauthsvc.New(st, log, oauth.WithObserver(func(purpose string, out oauth.Outcome) {
		meter.TokenRefresh(purpose, string(out.Kind), string(out.Class))
	}))
	// A name kept in the data dir: after a crash, this instance takes its
	// receivers back at once instead of waiting out their leases.
	instance, fresh, instanceLock, err := collector.StableInstance(cfg.DataDir)
	if err != nil {
		return err
	}
	defer instanceLock.Close()
	log.Info("collector instance", "instance", instance, "new", fresh, "lease_ttl", cfg.LeaseTTL.String())
	copts := collector.Options{Store: st, Helpdesk: desk, Tokens: tokens, Logger: log,
		Workers: cfg.Workers, PerHostLimit: cfg.PerHostLimit, ShutdownGrace: cfg.ShutdownGrace,
		Instance: instance, LeaseTTL: cfg.LeaseTTL, Metrics: meter}
	if x.collector != nil {
		x.collector(&copts)
	}
	coll := collector.New(copts)
	mail := sender.New(sender.Options{Store: st, Tokens: tokens, Logger: log, Metrics: meter})
	h, err := web.New(web.Options{Store: st, Config: cfg, Assets: assets, Logger: log, Version: version,
		Collector: coll, Tokens: tokens, Helpdesk: desk, Demo: x.demo, Mail: mail, Metrics: meter,
		DemoMail: x.demoMail})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (OAUTHIMAP_LISTEN): %w", cfg.Listen, err)
	}
	// Metrics listen apart from the console, never on its port (checked
	// by config): the console's port may face the Internet.
	var metricsSrv *http.Server
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (OAUTHIMAP_METRICS_LISTEN): %w", cfg.MetricsListen, err)
		}
		metricsSrv = metricsServer(meter)
		go func() {
			if err := metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "error", err)
			}
		}()
		defer metricsSrv.Close()
		log.Info("metrics are served", "listen", mln.Addr().String(), "path", "/metrics")
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	// Background work: the collectors, the token keep-alive and the
	// housekeeping all stop when bg ends, after the HTTP server drained.
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		mail.Run(bg)
	}()
	if x.background != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.background(bg, st, coll, log)
		}()
	}
	go func() {
		defer wg.Done()
		housekeeping(bg, st, h, desk, log)
	}()
	go func() {
		defer wg.Done()
		tokens.RunRefresher(bg, 0)
	}()
	go func() {
		defer wg.Done()
		if err := coll.Run(bg); err != nil && bg.Err() == nil {
			log.Error("collector stopped", "error", err)
		}
	}()

	link, err := web.SetupLink(ctx, st, cfg.PublicURL)
	if err != nil {
		return err
	}
	log.Info("oauthimap is serving", "version", version, "url", cfg.PublicURL, "listen", ln.Addr().String(),
		"database", string(st.Dialect()), "startup_ms", time.Since(t0).Milliseconds())
	if link != "" {
		log.Info("no user exists yet: open the setup link to create the first administrator (valid 24 h, once), or run `oauthimap user add --admin --login NAME`", "setup_link", link)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "grace", cfg.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	log.Info("stopping the collectors: in-flight batches finish, the rest waits for the next start")
	stopBG()
	wg.Wait()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Info("stopped")
	return nil
}
