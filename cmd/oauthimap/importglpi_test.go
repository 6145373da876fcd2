package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/adopt/glpitest"
)

func TestImportGLPICommand(t *testing.T) {
	g := glpitest.New(t)
	g.Exec(`INSERT INTO glpi_plugin_oauthimap_applications (id, name, is_active, provider, client_id, client_secret)
		VALUES (1, 'Office 365', 1, 'GlpiPlugin\\Oauthimap\\Provider\\Azure', '00000000-0000-0000-0000-000000000001', ?)`, g.Enc("app-s3cret"))
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd) VALUES (1, 'Support', '{outlook.office365.com:993/imap-oauth-1/ssl}INBOX', 'support@example.com', '')`)
	glpiDir := t.TempDir()
	keyFile := g.WriteKey(glpiDir)
	if err := os.MkdirAll(filepath.Join(glpiDir, "plugins", "oauthimap"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_GLPI_DATABASE": g.DSN})
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"import", "glpi", "--glpi-key", keyFile, "--dry-run"}, strings.NewReader(""), &out, &errb, e); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"Dry run: nothing is written", `create application 1 "Office 365"`, `create receiver 1 "Support"`,
		"/plugins/oauthimap/front/authorization.callback.php (the plugin is in"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"import", "glpi", "--glpi-key", keyFile}, strings.NewReader(""), &out, &errb, e); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "2 created") || !strings.Contains(s, "Receivers are inactive") || strings.Contains(s, "app-s3cret") {
		t.Fatalf("import output:\n%s", s)
	}

	short := filepath.Join(t.TempDir(), "glpicrypt.key")
	os.WriteFile(short, []byte("short"), 0o600)
	err := run(ctx, []string{"import", "glpi", "--glpi-key", short}, strings.NewReader(""), &out, &errb, e)
	if err == nil || !strings.Contains(err.Error(), "5 bytes, want the 32 of a glpicrypt.key") {
		t.Fatalf("a 5-byte key: %v", err)
	}
	if err := run(ctx, []string{"import", "glpi"}, strings.NewReader(""), &out, &errb, env(nil)); err == nil {
		t.Fatal("import without a GLPI database was accepted")
	}
}
