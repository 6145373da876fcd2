package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// GLPISource reads a GLPI 10 or 11 database for an import: the OAuth IMAP
// plugin's applications and authorizations, the mail receivers and the
// blacklists. It only reads; secured columns come back as GLPI stored
// them (encrypted with its glpicrypt.key).
type GLPISource struct {
	db     *sql.DB
	tables map[string]bool
	cols   map[string]bool // columns of glpi_mailcollectors
}

// GLPIApplication is a row of glpi_plugin_oauthimap_applications.
type GLPIApplication struct {
	ID           int64
	Name         string
	Comment      string
	IsActive     bool
	Provider     string // a PHP class name
	ClientID     string
	ClientSecret string // encrypted
	TenantID     string
}

// GLPIAuthorization is a row of glpi_plugin_oauthimap_authorizations.
type GLPIAuthorization struct {
	ID            int64
	ApplicationID int64
	Email         string
	Token         string // encrypted JSON of the token
	RefreshToken  string // encrypted; empty before plugin 1.3.1
	HasCode       bool
	Modified      *time.Time
}

// GLPIMailCollector is a row of glpi_mailcollectors. The columns GLPI 11
// added are false on a GLPI 10 database, with Has* telling so.
type GLPIMailCollector struct {
	ID                     int64
	Name                   string
	Host                   string // the connection string
	Login                  string
	Password               string // encrypted
	FilesizeMax            int64
	IsActive               bool
	Comment                string
	Accepted               string
	Refused                string
	Errors                 int
	UseMailDate            bool
	RequesterField         int
	AddToToObserver        bool
	AddCcToObserver        bool
	CollectOnlyUnread      bool
	CreateUserFromEmail    bool
	HasAddToToObserver     bool
	HasCreateUserFromEmail bool
}

// GLPIBlacklist is a row of glpi_blacklists (type 5 is an e-mail address).
type GLPIBlacklist struct {
	ID      int64
	Type    int
	Name    string
	Value   string
	Comment string
}

// GLPIBlacklistEmail is glpi_blacklists' type of an e-mail address.
const GLPIBlacklistEmail = 5

// OpenGLPI connects to a GLPI database (a MySQL/MariaDB DSN) and checks
// that it is one: glpi_mailcollectors must exist.
func OpenGLPI(ctx context.Context, dsn string) (*GLPISource, error) {
	if !strings.Contains(dsn, "charset=") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "charset=utf8mb4"
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("GLPI database: the DSN is not valid (want user:password@tcp(host:3306)/glpi)")
	}
	cfg.ParseTime, cfg.Loc = true, time.UTC
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("GLPI database: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	g := &GLPISource{db: db}
	if err := g.inspect(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return g, nil
}

// Close closes the connection.
func (g *GLPISource) Close() error { return g.db.Close() }

func (g *GLPISource) inspect(ctx context.Context) error {
	var err error
	if g.tables, err = g.names(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"); err != nil {
		return fmt.Errorf("GLPI database: %w", err)
	}
	if !g.tables["glpi_mailcollectors"] {
		return fmt.Errorf("GLPI database: no table glpi_mailcollectors: this is not a GLPI database")
	}
	g.cols, err = g.names(ctx, "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'glpi_mailcollectors'")
	return err
}

// names reads a one-column query into a set of lowercase names.
func (g *GLPISource) names(ctx context.Context, q string) (map[string]bool, error) {
	rows, err := g.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

// HasTable reports whether the GLPI database has the table.
func (g *GLPISource) HasTable(name string) bool { return g.tables[name] }

// Version is GLPI's version as its configuration records it ("" if unknown).
func (g *GLPISource) Version(ctx context.Context) string {
	if !g.tables["glpi_configs"] {
		return ""
	}
	var v string
	g.db.QueryRowContext(ctx, "SELECT value FROM glpi_configs WHERE context = 'core' AND name = 'version'").Scan(&v)
	return v
}

// Applications reads the plugin's applications; none when the plugin is not installed.
func (g *GLPISource) Applications(ctx context.Context) ([]GLPIApplication, error) {
	if !g.tables["glpi_plugin_oauthimap_applications"] {
		return nil, nil
	}
	rows, err := g.db.QueryContext(ctx, `SELECT id, COALESCE(name, ''), COALESCE(comment, ''), is_active, provider,
		client_id, client_secret, COALESCE(tenant_id, '') FROM glpi_plugin_oauthimap_applications ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("GLPI applications: %w", err)
	}
	defer rows.Close()
	var out []GLPIApplication
	for rows.Next() {
		var a GLPIApplication
		if err := rows.Scan(&a.ID, &a.Name, &a.Comment, &a.IsActive, &a.Provider, &a.ClientID, &a.ClientSecret, &a.TenantID); err != nil {
			return nil, fmt.Errorf("GLPI applications: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Authorizations reads the plugin's authorizations.
func (g *GLPISource) Authorizations(ctx context.Context) ([]GLPIAuthorization, error) {
	if !g.tables["glpi_plugin_oauthimap_authorizations"] {
		return nil, nil
	}
	rt := "''"
	if g.hasColumn(ctx, "glpi_plugin_oauthimap_authorizations", "refresh_token") {
		rt = "COALESCE(refresh_token, '')"
	}
	rows, err := g.db.QueryContext(ctx, `SELECT id, plugin_oauthimap_applications_id, email, COALESCE(token, ''), `+rt+`,
		COALESCE(code, '') <> '', COALESCE(date_mod, date_creation) FROM glpi_plugin_oauthimap_authorizations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("GLPI authorizations: %w", err)
	}
	defer rows.Close()
	var out []GLPIAuthorization
	for rows.Next() {
		var a GLPIAuthorization
		var mod sql.NullTime
		if err := rows.Scan(&a.ID, &a.ApplicationID, &a.Email, &a.Token, &a.RefreshToken, &a.HasCode, &mod); err != nil {
			return nil, fmt.Errorf("GLPI authorizations: %w", err)
		}
		if mod.Valid {
			t := mod.Time.UTC()
			a.Modified = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (g *GLPISource) hasColumn(ctx context.Context, table, column string) bool {
	var n int
	g.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?", table, column).Scan(&n)
	return n > 0
}

// MailCollectors reads the mail receivers.
func (g *GLPISource) MailCollectors(ctx context.Context) ([]GLPIMailCollector, error) {
	opt := func(col string) string {
		if g.cols[col] {
			return "COALESCE(" + col + ", 0)"
		}
		return "0"
	}
	q := `SELECT id, COALESCE(name, ''), COALESCE(host, ''), COALESCE(login, ''), COALESCE(passwd, ''), filesize_max,
		is_active, COALESCE(comment, ''), COALESCE(accepted, ''), COALESCE(refused, ''), errors, COALESCE(use_mail_date, 0),
		COALESCE(requester_field, 0), ` + opt("add_to_to_observer") + `, ` + opt("add_cc_to_observer") + `, ` +
		opt("collect_only_unread") + `, ` + opt("create_user_from_email") + ` FROM glpi_mailcollectors ORDER BY id`
	rows, err := g.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("GLPI mail receivers: %w", err)
	}
	defer rows.Close()
	var out []GLPIMailCollector
	for rows.Next() {
		var m GLPIMailCollector
		if err := rows.Scan(&m.ID, &m.Name, &m.Host, &m.Login, &m.Password, &m.FilesizeMax, &m.IsActive, &m.Comment,
			&m.Accepted, &m.Refused, &m.Errors, &m.UseMailDate, &m.RequesterField, &m.AddToToObserver, &m.AddCcToObserver,
			&m.CollectOnlyUnread, &m.CreateUserFromEmail); err != nil {
			return nil, fmt.Errorf("GLPI mail receivers: %w", err)
		}
		m.HasAddToToObserver, m.HasCreateUserFromEmail = g.cols["add_to_to_observer"], g.cols["create_user_from_email"]
		out = append(out, m)
	}
	return out, rows.Err()
}

// Blacklists reads glpi_blacklists, every type.
func (g *GLPISource) Blacklists(ctx context.Context) ([]GLPIBlacklist, error) {
	if !g.tables["glpi_blacklists"] {
		return nil, nil
	}
	rows, err := g.db.QueryContext(ctx, "SELECT id, type, COALESCE(name, ''), COALESCE(value, ''), COALESCE(comment, '') FROM glpi_blacklists ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("GLPI blacklists: %w", err)
	}
	defer rows.Close()
	var out []GLPIBlacklist
	for rows.Next() {
		var b GLPIBlacklist
		if err := rows.Scan(&b.ID, &b.Type, &b.Name, &b.Value, &b.Comment); err != nil {
			return nil, fmt.Errorf("GLPI blacklists: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// GLPIBlacklistedContent is a row of glpi_blacklistedmailcontents: a block
// of text GLPI removes from the bodies of collected mail.
type GLPIBlacklistedContent struct {
	ID      int64
	Name    string
	Content string
	Comment string
}

// BlacklistedMailContents reads glpi_blacklistedmailcontents.
func (g *GLPISource) BlacklistedMailContents(ctx context.Context) ([]GLPIBlacklistedContent, error) {
	if !g.tables["glpi_blacklistedmailcontents"] {
		return nil, nil
	}
	rows, err := g.db.QueryContext(ctx, "SELECT id, COALESCE(name, ''), COALESCE(content, ''), COALESCE(comment, '') FROM glpi_blacklistedmailcontents ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("GLPI blacklisted mail content: %w", err)
	}
	defer rows.Close()
	var out []GLPIBlacklistedContent
	for rows.Next() {
		var c GLPIBlacklistedContent
		if err := rows.Scan(&c.ID, &c.Name, &c.Content, &c.Comment); err != nil {
			return nil, fmt.Errorf("GLPI blacklisted mail content: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Count counts the rows of a GLPI table matching where ("" for all); 0
// when the table does not exist. table and where are constants of the caller.
func (g *GLPISource) Count(ctx context.Context, table, where string, args ...any) (int, error) {
	if !g.tables[table] {
		return 0, nil
	}
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	err := g.db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}
