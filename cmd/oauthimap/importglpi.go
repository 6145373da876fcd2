package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/oauthimap/oauthimap/internal/adopt"
	"github.com/oauthimap/oauthimap/internal/store"
)

// importCmd brings another installation's configuration over.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "glpi" {
		return errors.New("import: want glpi (import glpi --glpi-database DSN --glpi-key FILE [--dry-run] [--activate]) or file (import file --input FILE)")
	}
	args = args[1:]
	var dsn, keyFile, where string
	var dryRun, activate bool
	cfg, _, err := loadConfig("import glpi", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&dsn, "glpi-database", "", "the GLPI database, a MySQL/MariaDB DSN user:password@tcp(host:3306)/glpi (better: OAUTHIMAP_GLPI_DATABASE, kept out of the process list)")
		fs.StringVar(&keyFile, "glpi-key", "", "GLPI's key file, config/glpicrypt.key")
		fs.StringVar(&where, "glpi-plugin-dir", "", "where GLPI has the plugin, marketplace or plugins: the redirect URI path registered at the provider (default: found next to the key's config directory, else marketplace)")
		fs.BoolVar(&dryRun, "dry-run", false, "print what would be imported and what has no equivalent; write nothing")
		fs.BoolVar(&activate, "activate", false, "make new receivers active at once (default: inactive, activate them after deactivating them in GLPI)")
	})
	if err != nil {
		return err
	}
	if dsn == "" {
		dsn = getenv("OAUTHIMAP_GLPI_DATABASE")
	}
	if dsn == "" || keyFile == "" {
		return errors.New("import glpi: --glpi-database and --glpi-key are required")
	}
	callback, how, err := glpiCallbackPath(where, keyFile)
	if err != nil {
		return err
	}
	key, err := adopt.ReadGLPIKey(keyFile)
	if err != nil {
		return err
	}
	g, err := store.OpenGLPI(ctx, dsn)
	if err != nil {
		return err
	}
	defer g.Close()
	st, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := adopt.ImportGLPI(ctx, adopt.GLPIOptions{GLPI: g, Key: key, Store: st, DryRun: dryRun, Activate: activate, CallbackPath: callback})
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		return fmt.Errorf("import glpi: %w", err)
	}
	fmt.Fprintf(stdout, "Applications' redirect URI path: %s (%s)\n", callback, how)
	if !dryRun && !activate {
		fmt.Fprintln(stdout, "Receivers are inactive: deactivate each one in GLPI, then activate it here.")
	}
	return nil
}

// glpiCallbackPath picks the redirect URI path of GLPI's plugin directory.
func glpiCallbackPath(where, keyFile string) (path, how string, err error) {
	switch where {
	case "marketplace":
		return store.CallbackPaths[1], "--glpi-plugin-dir", nil
	case "plugins":
		return store.CallbackPaths[2], "--glpi-plugin-dir", nil
	case "":
	default:
		return "", "", fmt.Errorf("import glpi: --glpi-plugin-dir %q: want marketplace or plugins", where)
	}
	root := filepath.Dir(filepath.Dir(keyFile))
	for i, dir := range []string{"marketplace", "plugins"} {
		if st, err := os.Stat(filepath.Join(root, dir, "oauthimap")); err == nil && st.IsDir() {
			return store.CallbackPaths[1+i], "the plugin is in " + filepath.Join(root, dir), nil
		}
	}
	return store.CallbackPaths[1], "the plugin's directory was not found next to the key; GLPI's marketplace installs it there: use --glpi-plugin-dir plugins otherwise", nil
}
