package adopt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/adopt/glpitest"
	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/oauthsvc"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

const (
	alice       = "alice@example.com"
	azureScopes = "openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All"
)

// glpiDB is a GLPI database with the import's view of its key.
type glpiDB struct {
	*glpitest.DB
	key *GLPIKey
}

func newGLPIDB(t *testing.T) *glpiDB {
	g := glpitest.New(t)
	return &glpiDB{DB: g, key: keyOf(t, g.Key)}
}

func keyOf(t *testing.T, b []byte) *GLPIKey {
	t.Helper()
	k, err := ParseGLPIKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (g *glpiDB) open(t *testing.T) *store.GLPISource {
	src, err := store.OpenGLPI(context.Background(), g.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func ourStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	path := ""
	if dsn == "" {
		path = filepath.Join(t.TempDir(), "o.db")
	}
	st, err := store.Open(context.Background(), store.Options{SQLitePath: path, DSN: dsn, Keyring: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func count(t *testing.T, st *store.Store, q string) int {
	t.Helper()
	db, err := st.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportGLPI imports a GLPI installation whose OAuth authorization
// was granted at the (fake) provider, then refreshes the imported token
// there and collects from Dovecot with it: no re-consent.
func TestImportGLPI(t *testing.T) {
	ctx := context.Background()
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	at, rt, err := idp.IssueOffline(alice, azureScopes)
	if err != nil {
		t.Fatal(err)
	}
	d := testpeer.StartDovecot(t, idp.IntrospectionURL())
	d.CreateFolder(t, alice, "Accepted")
	d.CreateFolder(t, alice, "Refused")
	host, port, _ := net.SplitHostPort(d.TLSAddr())

	g := newGLPIDB(t)
	glpiMod := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	g.Exec(`INSERT INTO glpi_plugin_oauthimap_applications (id, name, is_active, comment, provider, client_id, client_secret, tenant_id, date_mod)
		VALUES (1, 'Office 365', 1, 'support mailboxes', 'GlpiPlugin\\Oauthimap\\Provider\\Azure', ?, ?, ?, ?)`,
		idp.ClientID, g.Enc(idp.ClientSecret), idp.TenantID, glpiMod)
	// GLPI's token JSON: the access token expired a minute ago.
	tok, _ := json.Marshal(map[string]any{"token_type": "Bearer", "scope": azureScopes, "ext_expires_in": 3599,
		"access_token": at, "refresh_token": rt, "expires": time.Now().Add(-time.Minute).Unix()})
	g.Exec(`INSERT INTO glpi_plugin_oauthimap_authorizations (id, plugin_oauthimap_applications_id, code, token, refresh_token, email, date_mod)
		VALUES (1, 1, ?, ?, ?, ?, ?)`, g.Enc("0.AXoA-used-code"), g.Enc(string(tok)), g.Enc(rt), alice, glpiMod)
	// A corrupt row: its token was encrypted with another key.
	bad := glpitest.Encrypt(glpitest.NewKey(), `{"access_token":"x"}`)
	g.Exec(`INSERT INTO glpi_plugin_oauthimap_authorizations (id, plugin_oauthimap_applications_id, token, email, date_mod)
		VALUES (2, 1, ?, 'bob@example.com', ?)`, bad, glpiMod)
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd, filesize_max, is_active, accepted, refused, requester_field, add_cc_to_observer, comment)
		VALUES (1, 'Support', ?, ?, '', 5242880, 1, 'Accepted', 'Refused', 1, 1, 'the support desk')`,
		fmt.Sprintf("{%s:%s/imap-oauth-1/ssl/validate-cert/norsh}INBOX", host, port), alice)
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd, is_active) VALUES (2, 'Legacy', '{mail.example.com/imap/tls}Helpdesk', 'helpdesk', ?, 1)`,
		g.Enc("legacy-Pässword"))
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd) VALUES (3, 'Old POP', '{pop.example.com:995/pop/ssl}', 'pop', ?)`, g.Enc("pop-pw"))
	g.Exec(`INSERT INTO glpi_blacklists (id, type, name, value) VALUES (1, 5, 'spammer', 'Spam@Example.com'), (2, 1, 'an IP', '10.0.0.1')`)
	g.Exec(`INSERT INTO glpi_rules (sub_type, name) VALUES ('RuleMailCollector', 'Root entity')`)
	g.Exec(`INSERT INTO glpi_blacklistedmailcontents (id, name, content, comment) VALUES (1, 'Disclaimer', ?, 'legal'), (2, 'Empty', '', NULL)`,
		"This e-mail and any attachments are confidential.\r\nIf you are not the intended recipient, delete it.")

	st := ourStore(t, testpeer.MariaDB(t))
	src := g.open(t)
	opts := GLPIOptions{GLPI: src, Key: g.key, Store: st, CallbackPath: store.CallbackPaths[1]}
	secrets := []string{idp.ClientSecret, at, rt, "legacy-Pässword", "0.AXoA-used-code"}

	// A dry run writes nothing and says what has no equivalent.
	opts.DryRun = true
	rep, err := ImportGLPI(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if n := count(t, st, "SELECT COUNT(*) FROM oauth_applications") + count(t, st, "SELECT COUNT(*) FROM receivers") +
		count(t, st, "SELECT COUNT(*) FROM blacklist") + count(t, st, "SELECT COUNT(*) FROM audit_events"); n != 0 {
		t.Fatalf("the dry run wrote %d rows", n)
	}
	for _, want := range []string{"GLPI 11.0.7", `create application 1 "Office 365"`, `create authorization 1 "alice@example.com"`,
		`create receiver 1 "Support"`, `create receiver 2 "Legacy"`, "receiver 3: POP", "authorization 2: its token does not decrypt",
		"authorizations: code", "rules for assigning a ticket created through a mails receiver (1)", "blacklists of other types than e-mail (1)",
		"/norsh", "folder INBOX, accepted Accepted, refused Refused, max file 5 Mio", "requester reply-to",
		`create blacklisted mail content 1 "Disclaimer"`, "blacklisted mail content 2: its content is empty"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run report lacks %q:\n%s", want, out.String())
		}
	}
	noSecret(t, out.String(), secrets)

	// The import.
	opts.DryRun = false
	rep, err = ImportGLPI(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	rep.Write(&out)
	noSecret(t, out.String(), secrets)
	if c := rep.Counts(); c[store.ImportCreate] != 6 || len(rep.Skipped) != 3 {
		t.Fatalf("created %d, skipped %v; want 6 created (application, authorization, 2 receivers, blacklist, blacklisted content) and 3 skipped:\n%s", c[store.ImportCreate], rep.Skipped, out.String())
	}
	apps, _, err := st.ListApplications(ctx, store.ListQuery{})
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications %v (%v)", apps, err)
	}
	app, err := st.Application(ctx, apps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if app.ClientSecret != idp.ClientSecret || app.Provider != "azure" || app.TenantID != idp.TenantID || app.CallbackPath != store.CallbackPaths[1] || !app.IsActive {
		t.Fatalf("application imported as %+v", app)
	}
	db, _ := st.SQLDB()
	var sealed string
	db.QueryRow("SELECT client_secret FROM oauth_applications").Scan(&sealed)
	if sealed == idp.ClientSecret || !strings.HasPrefix(sealed, "v1.") {
		t.Fatal("the client secret is not sealed at rest")
	}
	recs, _, err := st.ListReceivers(ctx, store.ListQuery{Sort: "name"})
	if err != nil || len(recs) != 2 {
		t.Fatalf("receivers %v (%v)", recs, err)
	}
	var support, legacy store.Receiver
	for _, r := range recs {
		if r.IsActive {
			t.Errorf("receiver %s imported active without --activate", r.Name)
		}
		switch r.Name {
		case "Support":
			support = r.Receiver
		case "Legacy":
			legacy = r.Receiver
		}
	}
	p, _ := strconv.Atoi(port)
	if !support.UsesOAuth() || *support.ApplicationID != app.ID || support.Host != host || support.Port != p || support.Security != "ssl" ||
		!support.ValidateCert || support.Login != alice || support.Folder != "INBOX" || support.AcceptedFolder != "Accepted" ||
		support.RequesterField != "reply-to" || support.FilesizeMax != 5<<20 || !support.AddCcToObserver || support.Comment != "the support desk" {
		t.Fatalf("Support imported as %+v", support)
	}
	if legacy.UsesOAuth() || legacy.Host != "mail.example.com" || legacy.Port != 143 || legacy.Security != "starttls" || legacy.Folder != "Helpdesk" {
		t.Fatalf("Legacy imported as %+v", legacy)
	}
	full, err := st.Receiver(ctx, legacy.ID)
	if err != nil || full.Password != "legacy-Pässword" {
		t.Fatalf("Legacy's password did not come over (%v)", err)
	}
	bl, _ := st.BlacklistEntries(ctx)
	if len(bl) != 1 || bl[0].Kind != "address" || bl[0].Value != "spam@example.com" {
		t.Fatalf("blacklist %+v", bl)
	}
	contents, _ := st.BlacklistedMailContents(ctx)
	if len(contents) != 1 || contents[0].Name != "Disclaimer" || !strings.Contains(contents[0].Content, "If you are not the intended recipient") {
		t.Fatalf("blacklisted mail content %+v", contents)
	}
	if n := count(t, st, "SELECT COUNT(*) FROM audit_events WHERE kind LIKE 'import.%'"); n != 6 {
		t.Errorf("%d import audit events, want one per imported object (6)", n)
	}

	// The fake IdP stands in for login.microsoftonline.com.
	app.Cloud, app.AuthorityURL, app.ClientSecret = string(oauth.CloudCustom), idp.AzureAuthority(), ""
	if _, err := st.UpdateApplication(ctx, app, false, nil); err != nil {
		t.Fatal(err)
	}
	auth, err := st.AuthorizationByEmail(ctx, app.ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	tokens := oauthsvc.New(st, nil)
	fresh, err := tokens.AccessToken(ctx, auth.ID)
	if err != nil {
		t.Fatalf("the imported authorization does not refresh: %v", err)
	}
	if fresh == at || idp.Count("refresh_token") != 1 {
		t.Fatalf("got the expired token back (refreshes: %d)", idp.Count("refresh_token"))
	}

	// A second run updates, never duplicates; --activate turns receivers on;
	// the tokens refreshed here are newer than GLPI's and are kept.
	opts.Activate = true
	rep, err = ImportGLPI(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts(); c[store.ImportCreate] != 0 || c[store.ImportUpdate] != 3 || c[store.ImportKeep] != 3 {
		out.Reset()
		rep.Write(&out)
		t.Fatalf("second run: %v\n%s", c, out.String())
	}
	for table, want := range map[string]int{"oauth_applications": 1, "oauth_authorizations": 1, "receivers": 2, "blacklist": 1, "blacklisted_mail_contents": 1} {
		if n := count(t, st, "SELECT COUNT(*) FROM "+table); n != want {
			t.Errorf("%s: %d rows after the second run, want %d", table, n, want)
		}
	}
	again, err := st.Application(ctx, app.ID)
	if err != nil || again.AuthorityURL != idp.AzureAuthority() {
		t.Fatalf("the second run reset the authority set here (%v)", err)
	}
	if tok, err := tokens.AccessToken(ctx, auth.ID); err != nil || tok != fresh {
		t.Fatalf("the second run replaced the newer token (%v)", err)
	}

	// The imported receiver collects from Dovecot with the imported grant.
	r, err := st.Receiver(ctx, support.ID)
	if err != nil || !r.IsActive {
		t.Fatalf("Support not active after --activate (%v)", err)
	}
	d.Deliver(t, alice, "INBOX", []byte("From: carol@example.org\r\nTo: "+alice+"\r\nSubject: Printer on fire\r\n"+
		"Message-ID: <printer-on-fire-1@example.org>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHelp.\r\n"))
	docs, err := docstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := collector.New(collector.Options{Store: st, Helpdesk: helpdesk.New(st, docs), Tokens: tokens, RootCAs: d.CertPool(),
		NoIdle: true, Tick: time.Hour, DialTimeout: 5 * time.Second})
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	run, err := c.CollectNow(cctx, support.ID)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if run.Retrieved != 1 || run.Errors != 0 || count(t, st, "SELECT COUNT(*) FROM tickets WHERE title = 'Printer on fire'") != 1 {
		var why string
		db.QueryRow("SELECT reason FROM messages").Scan(&why)
		t.Fatalf("collect run %+v (%s); want the mail as a ticket", run, why)
	}
}

func noSecret(t *testing.T, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Fatalf("the report shows a secret (%.6s…)", s)
		}
	}
}

func TestImportGLPIWrongKey(t *testing.T) {
	ctx := context.Background()
	g := newGLPIDB(t)
	g.Exec(`INSERT INTO glpi_plugin_oauthimap_applications (id, name, provider, client_id, client_secret)
		VALUES (1, 'Office 365', 'GlpiPlugin\\Oauthimap\\Provider\\Azure', '00000000-0000-0000-0000-000000000001', ?)`, g.Enc("s3cret"))
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd) VALUES (1, 'Legacy', '{mail.example.com/imap/ssl}', 'helpdesk', ?)`, g.Enc("pw"))
	st := ourStore(t, "")
	_, err := ImportGLPI(ctx, GLPIOptions{GLPI: g.open(t), Key: keyOf(t, glpitest.NewKey()), Store: st})
	if !errors.Is(err, ErrWrongGLPIKey) {
		t.Fatalf("got %v, want ErrWrongGLPIKey", err)
	}
	if n := count(t, st, "SELECT COUNT(*) FROM oauth_applications") + count(t, st, "SELECT COUNT(*) FROM receivers"); n != 0 {
		t.Fatalf("a wrong key imported %d objects", n)
	}
}

func TestGLPIKeyAndConnectionString(t *testing.T) {
	raw := glpitest.NewKey()
	k, sealed := keyOf(t, raw), glpitest.Encrypt(raw, "hello")
	if got, err := k.Decrypt(sealed); err != nil || got != "hello" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	if _, err := keyOf(t, glpitest.NewKey()).Decrypt(sealed); !errors.Is(err, ErrGLPIDecrypt) {
		t.Fatalf("another key: %v", err)
	}
	if _, err := ParseGLPIKey([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
	for in, want := range map[string]glpiConnection{
		"{outlook.office365.com:993/imap-oauth-1/ssl}INBOX": {Host: "outlook.office365.com", Port: 993, Type: "imap-oauth-1", SSL: true, Folder: "INBOX"},
		"{mail.example.com/imap/tls/novalidate-cert}":       {Host: "mail.example.com", Type: "imap", TLS: "tls", Validate: "novalidate-cert"},
	} {
		got, err := parseGLPIConnection(in)
		if err != nil || got.Host != want.Host || got.Port != want.Port || got.Type != want.Type || got.SSL != want.SSL ||
			got.TLS != want.TLS || got.Validate != want.Validate || got.Folder != want.Folder {
			t.Errorf("%s: got %+v (%v)", in, got, err)
		}
	}
	if c, _ := parseGLPIConnection("{mail.example.com/imap/tls}"); c.security() != "starttls" || c.port() != 143 {
		t.Errorf("STARTTLS maps to %s:%d", c.security(), c.port())
	}
	if _, err := parseGLPIConnection("mail.example.com"); err == nil {
		t.Error("a string without braces was accepted")
	}
}

// TestImportGLPI10 reads a GLPI 10 database, whose receivers lack the
// columns GLPI 11 added: GLPI 11's defaults apply, and the report says so.
func TestImportGLPI10(t *testing.T) {
	ctx := context.Background()
	g := newGLPIDB(t)
	g.Exec("ALTER TABLE glpi_mailcollectors DROP COLUMN add_to_to_observer, DROP COLUMN create_user_from_email")
	g.Exec("UPDATE glpi_configs SET value = '10.0.18' WHERE name = 'version'")
	g.Exec(`INSERT INTO glpi_mailcollectors (id, name, host, login, passwd, add_cc_to_observer) VALUES (7, 'Helpdesk', '{imap.example.com:993/imap/ssl/novalidate-cert}INBOX', 'helpdesk', ?, 1)`, g.Enc("pw-10"))
	st := ourStore(t, "")
	rep, err := ImportGLPI(ctx, GLPIOptions{GLPI: g.open(t), Key: g.key, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if !strings.Contains(out.String(), "GLPI 10.0.18") || !strings.Contains(out.String(), "not in GLPI 10: GLPI 11's defaults") {
		t.Fatalf("report:\n%s", out.String())
	}
	recs, _, err := st.ListReceivers(ctx, store.ListQuery{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("receivers %v (%v)", recs, err)
	}
	r, _ := st.Receiver(ctx, recs[0].ID)
	if !r.AddToToObserver || r.CreateUserFromEmail || !r.AddCcToObserver || r.ValidateCert || r.Password != "pw-10" || r.Port != 993 {
		t.Fatalf("GLPI 10 receiver imported as %+v", r)
	}
}
