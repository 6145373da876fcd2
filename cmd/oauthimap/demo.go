package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/demo"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web"
)

// demoCmd runs the real console on loopback with a throwaway data dir and
// in-process stand-ins for Microsoft and the mail server.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var every time.Duration
	// The demo reads no configuration from the environment: it must never
	// open a real database or listen where the environment says.
	cfg, fs, err := loadConfig("demo", args, stderr, func(string) string { return "" }, func(fs *flag.FlagSet) {
		fs.DurationVar(&every, "every", 5*time.Second, "how often a new mail arrives in the demo mailbox")
	})
	if err != nil {
		return err
	}
	for _, name := range []string{"data-dir", "database", "secret-key", "public-url", "migrate"} {
		if f := fs.Lookup(name); f != nil && f.Value.String() != f.DefValue {
			return fmt.Errorf("demo: -%s is not for the demo, which keeps everything in a throwaway directory; use serve", name)
		}
	}
	if !loopback(cfg.Listen) {
		return fmt.Errorf("demo: refuses to listen on %s: its administrator password is printed and its sign-in page is fake, so it listens on loopback only (127.0.0.1, ::1 or localhost)", cfg.Listen)
	}
	if every < time.Second {
		every = time.Second
	}
	dir, err := os.MkdirTemp("", "oauthimap-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	world, err := demo.Start(log)
	if err != nil {
		return err
	}
	defer world.Close()
	var seeded *demo.Seeded
	return runConsole(ctx, cfg, stderr, consoleExtras{
		demo:     dir,
		demoMail: sentMails{world.SMTP},
		prepare: func(ctx context.Context, st *store.Store, _ *slog.Logger) error {
			var err error
			if seeded, err = world.Seed(ctx, st); err != nil {
				return err
			}
			fmt.Fprintf(stdout, `oauthimap demo: nothing here is real, its data lives in %s and is deleted when it stops (Ctrl+C).

  1. Open %s and log in as %s with the password %s
  2. Setup > OAuth IMAP > %s > Oauth authorization > Create an authorization,
     then Sign in on the page "%s".
  3. Assistance > Tickets: a mail arrives in the demo mailbox every %s and becomes a ticket.
  4. Mails sent (the link in the demo banner): the acknowledgments and answers the helpdesk
     sent through the demo mail server.

`, dir, cfg.PublicURL, demo.AdminLogin, seeded.AdminPassword, demo.ApplicationName, demo.Brand, every)
			return nil
		},
		// The demo receiver's IDLE watcher starts within seconds of the
		// authorization, not at the next half-minute reload.
		collector: func(o *collector.Options) { o.IdleRefresh = 2 * time.Second },
		background: func(ctx context.Context, st *store.Store, coll *collector.Collector, log *slog.Logger) {
			world.Run(ctx, st, coll, seeded, every)
		},
	})
}

// sentMails shows the demo mail server's mails on the console's "Mails sent" page.
type sentMails struct{ s *demo.Sink }

func (m sentMails) SentMails() []web.SentMail {
	var out []web.SentMail
	for _, x := range m.s.Mails() {
		out = append(out, web.SentMail(x))
	}
	return out
}

func (m sentMails) SentMail(n int) (web.SentMail, bool) {
	x, ok := m.s.Mail(n)
	return web.SentMail(x), ok
}

// loopback reports whether a listen address stays on this machine.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
