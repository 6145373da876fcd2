package main

import (
	"context"
	"fmt"
	"io"
)

// migrate applies pending migrations (needed on MySQL before serve, unless
// serve runs with OAUTHIMAP_MIGRATE=true).
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, _, err := loadConfig("migrate", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	st, _, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer st.Close()
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d of %d (%s)\n", cur, latest, st.Dialect())
	return nil
}
