package adopt

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

const passphrase = "correct horse battery staple"

// seedConsole fills a console with one of everything an export carries.
func seedConsole(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "custom", AuthorityURL: "http://127.0.0.1:9/",
		ClientID: "00000000-0000-0000-0000-0000000000c1", ClientSecret: "app-S3cret", TenantID: "contoso-tenant",
		CallbackPath: store.CallbackPaths[2], ExtraScopes: "User.Read"}
	if err := st.CreateApplication(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err := st.SaveGrant(ctx, store.GrantToSave{ApplicationID: app.ID, Grant: &oauth.Grant{AccessToken: "at-Secret", RefreshToken: "rt-Secret",
		IDToken: "id-Secret", Scope: azureScopes, Expiry: time.Now().Add(time.Hour), Email: alice,
		Identity: oauth.Identity{TenantID: "contoso-tenant", ObjectID: "oid-1", Email: alice}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*store.Receiver{
		{Name: "Support", IsActive: true, Host: "outlook.office365.com", Port: 993, Security: "ssl", ValidateCert: true, ApplicationID: &app.ID,
			Login: alice, Folder: "INBOX", AcceptedFolder: "Done", Budget: 50, PollIntervalSeconds: 120, IdleEnabled: true},
		{Name: "Legacy", IsActive: true, Host: "mail.example.com", Port: 143, Security: "starttls", Login: "helpdesk", Password: "legacy-Secret"},
	} {
		if err := st.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "domain", Value: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	st.SetSetting(ctx, "helpdesk.subject_tag_prefix", "Ticket#")
	st.SetSetting(ctx, "setup_token", "one-time-Secret")
}

func TestExportAndImportFile(t *testing.T) {
	ctx := context.Background()
	a, b := ourStore(t, ""), ourStore(t, "")
	seedConsole(t, a)
	x, err := Collect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seal(x, "short"); err == nil {
		t.Fatal("a 5-character passphrase was accepted")
	}
	file, err := Seal(x, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"app-S3cret", "at-Secret", "rt-Secret", "legacy-Secret", "Contoso", alice} {
		if strings.Contains(string(file), s) {
			t.Fatalf("the file shows %q in clear", s)
		}
	}
	if _, err := Open(file, "not the passphrase at all"); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	var env map[string]any
	json.Unmarshal(file, &env)
	env["nonce"] = strings.Repeat("A", 32)
	tampered, _ := json.Marshal(env)
	if _, err := Open(tampered, passphrase); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("tampered file: %v", err)
	}
	got, err := Open(file, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Settings["setup_token"]; ok || got.Settings["helpdesk.subject_tag_prefix"] != "Ticket#" {
		t.Fatalf("settings exported: %v", got.Settings)
	}
	if _, err := ImportExport(ctx, a, got, false); err == nil {
		t.Fatal("a console imported its own export")
	}

	rep, err := ImportExport(ctx, b, got, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts(); c[store.ImportCreate] != 5 {
		t.Fatalf("created %v, want 5 (application, authorization, 2 receivers, blacklist)", c)
	}
	apps, _, _ := b.ListApplications(ctx, store.ListQuery{})
	if len(apps) != 1 {
		t.Fatalf("%d applications", len(apps))
	}
	app, err := b.Application(ctx, apps[0].ID)
	if err != nil || app.ClientSecret != "app-S3cret" || app.Cloud != "custom" || app.ExtraScopes != "User.Read" || app.CallbackPath != store.CallbackPaths[2] {
		t.Fatalf("application %+v (%v)", app, err)
	}
	auth, err := b.AuthorizationByEmail(ctx, app.ID, alice)
	if err != nil || auth.ObjectID != "oid-1" {
		t.Fatalf("authorization %+v (%v)", auth, err)
	}
	if _, rec, err := b.Load(ctx, auth.ID); err != nil || rec.AccessToken != "at-Secret" || rec.RefreshToken != "rt-Secret" || rec.IDToken != "id-Secret" {
		t.Fatalf("tokens did not come over (%v)", err)
	}
	recs, _, _ := b.ListReceivers(ctx, store.ListQuery{})
	for _, r := range recs {
		full, _ := b.Receiver(ctx, r.ID)
		switch {
		case full.IsActive:
			t.Errorf("%s imported active", r.Name)
		case r.Name == "Legacy" && full.Password != "legacy-Secret":
			t.Error("Legacy's password did not come over")
		case r.Name == "Support" && (full.Budget != 50 || full.PollIntervalSeconds != 120 || !full.UsesOAuth() || *full.ApplicationID != app.ID):
			t.Errorf("Support imported as %+v", full)
		}
	}
	if v, _ := b.Setting(ctx, "helpdesk.subject_tag_prefix", ""); v != "Ticket#" {
		t.Errorf("setting came over as %q", v)
	}

	// Again, with --activate: updates only.
	rep, err = ImportExport(ctx, b, got, true)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts(); c[store.ImportCreate] != 0 {
		t.Fatalf("second import created %v", c)
	}
	for table, want := range map[string]int{"oauth_applications": 1, "oauth_authorizations": 1, "receivers": 2, "blacklist": 1} {
		if n := count(t, b, "SELECT COUNT(*) FROM "+table); n != want {
			t.Errorf("%s: %d rows after the second import, want %d", table, n, want)
		}
	}
	if n := count(t, b, "SELECT COUNT(*) FROM receivers WHERE is_active"); n != 2 {
		t.Errorf("%d receivers active after --activate, want 2", n)
	}
}

// BenchmarkSealOpen is the cost of the passphrase (argon2id, 64 MiB, three
// passes) on both ends of an export, with a small configuration.
func BenchmarkSealOpen(b *testing.B) {
	x := &Export{Instance: "bench", Applications: []ExportApplication{{ID: 1, Name: "Contoso", ClientSecret: "s"}}}
	for b.Loop() {
		file, err := Seal(x, passphrase)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Open(file, passphrase); err != nil {
			b.Fatal(err)
		}
	}
}
