package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/oauthimap/oauthimap/internal/config"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
)

// loadConfig parses a subcommand's flags over the environment.
func loadConfig(name string, args []string, stderr io.Writer, getenv func(string) string, extra func(fs *flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, getenv)
	return cfg, fs, err
}

// openStore prepares the data dir and the key, then opens the database.
// SQLite is always migrated; MySQL only when migrate is true, otherwise an
// outdated schema stops the start.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (*store.Store, *secret.Keyring, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	var key []byte
	if cfg.SecretKey != "" {
		k, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, nil, fmt.Errorf("OAUTHIMAP_SECRET_KEY: %w", err)
		}
		key = k
	} else {
		k, created, err := secret.LoadOrCreateKey(cfg.DataDir)
		if err != nil {
			return nil, nil, err
		}
		if created {
			log.Info("generated a new secret key; back it up with the database, secrets cannot be read without it", "file", cfg.DataDir+"/secret.key")
		}
		key = k
	}
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return nil, nil, err
	}
	if cfg.SQLite() {
		// The database holds sealed secrets and session hashes: owner only.
		if f, err := os.OpenFile(cfg.SQLitePath(), os.O_CREATE|os.O_RDWR, 0o600); err == nil {
			f.Close()
		}
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: cfg.SQLitePath(), DSN: cfg.Database, Keyring: keys, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if st.Dialect() == store.SQLite || migrate {
		n, err := st.Migrate(ctx)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		if n > 0 {
			log.Info("database migrated", "migrations", n, "dialect", st.Dialect())
		}
	} else if err := st.CheckSchema(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	// GLPI's default mail rules, once per database: a default the admin
	// deleted stays deleted.
	if err := st.SeedMailRulesOnce(ctx, rules.Defaults()); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, keys, nil
}

// openQuiet opens the store for a one-shot command: warnings only, no
// migration (SQLite still migrates).
func openQuiet(ctx context.Context, cfg *config.Config, stderr io.Writer) (*store.Store, error) {
	st, _, err := openStore(ctx, cfg, newLogger(stderr, cfg.LogFormat, "warn"), false)
	return st, err
}

// readLine reads a secret from the first line of standard input, saying
// on stderr what it waits for (what: "Password", "Passphrase").
func readLine(stdin io.Reader, stderr io.Writer, what, cmd string) (string, error) {
	fmt.Fprintf(stderr, "%s (read from standard input): ", what)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	fmt.Fprintln(stderr)
	line = strings.TrimRight(line, "\r\n")
	if err != nil && line == "" {
		return "", fmt.Errorf("%s: no %s on standard input", cmd, strings.ToLower(what))
	}
	return line, nil
}
