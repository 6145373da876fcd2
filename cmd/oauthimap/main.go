// Command oauthimap runs the helpdesk console, the sign-in callback and the
// mail collectors in one process. Subcommands: serve (the default),
// migrate, user add|passwd|list, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "oauthimap:", err)
		}
		os.Exit(1)
	}
}

// run dispatches to a subcommand; everything the process does hangs off ctx.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "migrate":
		return migrate(ctx, args, stdout, stderr, getenv)
	case "user":
		return user(ctx, args, stdin, stdout, stderr, getenv)
	case "demo":
		return demoCmd(ctx, args, stdout, stderr, getenv)
	case "import":
		if len(args) > 0 && args[0] == "file" {
			return importFile(ctx, args[1:], stdin, stdout, stderr, getenv)
		}
		return importCmd(ctx, args, stdout, stderr, getenv)
	case "export":
		return exportCmd(ctx, args, stdin, stdout, stderr, getenv)
	case "healthcheck":
		return healthcheck(ctx, args, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "oauthimap", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: oauthimap [command] [flags]

commands:
  serve            run the console and the collectors (the default)
  demo             see it work: the console on loopback with a demo sign-in page, a demo
                   mailbox and mails arriving every few seconds; nothing is kept
  migrate          apply pending database migrations
  user add         add a user: --login L [--name N] [--email E] [--admin]; password on stdin
  user passwd      change a password: --login L; new password on stdin
  user list        list users
  import glpi      import a GLPI database's OAuth IMAP applications, authorizations,
                   mail receivers and e-mail blacklist: --glpi-database DSN --glpi-key FILE
                   [--dry-run] [--activate] [--glpi-plugin-dir marketplace|plugins]
  export           write applications, authorizations, receivers, blacklist and settings to
                   --output FILE, sealed with a passphrase read from standard input
  import file      read such a file: --input FILE [--activate]; passphrase on standard input
  healthcheck      ask the running server's /healthz (for container health checks)
  version          print the version

Every flag has an environment variable (OAUTHIMAP_...); run "oauthimap serve -h" for the list.
`

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
