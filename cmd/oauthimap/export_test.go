package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportThenImportFile(t *testing.T) {
	ctx := context.Background()
	from := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir()})
	to := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir()})
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--login", "tech"}, strings.NewReader("a long password\n"), &out, &errb, from); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "config.oauthimap")
	if err := run(ctx, []string{"export", "--output", file}, strings.NewReader("short\n"), &out, &errb, from); err == nil {
		t.Fatal("a short passphrase was accepted")
	}
	out.Reset()
	if err := run(ctx, []string{"export", "--output", file}, strings.NewReader("a passphrase of some length\n"), &out, &errb, from); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 || !strings.Contains(out.String(), "exported 0 applications") {
		t.Fatalf("export wrote %v (%v):\n%s", st, err, out.String())
	}
	if err := run(ctx, []string{"export", "--output", file}, strings.NewReader("a passphrase of some length\n"), &out, &errb, from); err == nil {
		t.Fatal("export overwrote an existing file")
	}
	err := run(ctx, []string{"import", "file", "--input", file}, strings.NewReader("the wrong passphrase\n"), &out, &errb, to)
	if err == nil || !strings.Contains(err.Error(), "passphrase does not open this file") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"import", "file", "--input", file}, strings.NewReader("a passphrase of some length\n"), &out, &errb, to); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "Imported from the export of") {
		t.Fatalf("import output:\n%s", out.String())
	}
}
