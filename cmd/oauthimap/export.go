package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/oauthimap/oauthimap/internal/adopt"
)

// exportCmd writes this console's configuration as one file sealed with a
// passphrase read from standard input.
func exportCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var output string
	cfg, _, err := loadConfig("export", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&output, "output", "", "the file to write (it must not exist yet)")
	})
	if err != nil {
		return err
	}
	if output == "" {
		return errors.New("export: --output FILE is required")
	}
	pass, err := readLine(stdin, stderr, "Passphrase", "export")
	if err != nil {
		return err
	}
	st, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	x, err := adopt.Collect(ctx, st)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sealed, err := adopt.Seal(x, pass)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := f.Write(sealed); err != nil {
		f.Close()
		return fmt.Errorf("export: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	st.Audit(ctx, 0, "cli", "export", "settings", 0, fmt.Sprintf("configuration exported: %d applications, %d authorizations, %d receivers", len(x.Applications), len(x.Authorizations), len(x.Receivers)))
	fmt.Fprintf(stdout, "exported %d applications, %d authorizations, %d receivers (with their senders, notification templates and ticket defaults), "+
		"%d groups, %d ITIL categories, the priority matrix, %d blacklist entries, %d blacklisted mail contents, %d document types and %d settings to %s (sealed with the passphrase)\n",
		len(x.Applications), len(x.Authorizations), len(x.Receivers), len(x.Groups), len(x.Categories), len(x.Blacklist),
		len(x.BlacklistedContent), len(x.DocumentTypes), len(x.Settings), output)
	return nil
}

// importFile reads an export into this console.
func importFile(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var input string
	var activate bool
	cfg, _, err := loadConfig("import file", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&input, "input", "", "the file written by oauthimap export")
		fs.BoolVar(&activate, "activate", false, "make new receivers active at once (default: inactive, so two consoles never collect one mailbox)")
	})
	if err != nil {
		return err
	}
	if input == "" {
		return errors.New("import file: --input FILE is required")
	}
	data, err := os.ReadFile(input)
	if err != nil {
		return fmt.Errorf("import file: %w", err)
	}
	pass, err := readLine(stdin, stderr, "Passphrase", "import file")
	if err != nil {
		return err
	}
	x, err := adopt.Open(data, pass)
	if err != nil {
		return fmt.Errorf("import file: %w", err)
	}
	st, err := openQuiet(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := adopt.ImportExport(ctx, st, x, activate)
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		return fmt.Errorf("import file: %w", err)
	}
	return nil
}
