// Package glpitest makes a GLPI-shaped database on MariaDB for tests: the
// tables an import reads, with their columns as GLPI 11 and the OAuth IMAP
// plugin create them, and a generated glpicrypt.key that encrypts rows
// with GLPI's documented scheme.
package glpitest

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the GLPI database

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// Schema creates the tables an import reads, with the columns as GLPI
// 11 and the OAuth IMAP plugin create them.
var Schema = []string{
	`CREATE TABLE glpi_configs (
  id int unsigned NOT NULL AUTO_INCREMENT, context varchar(150) DEFAULT NULL, name varchar(150) DEFAULT NULL, value text,
  PRIMARY KEY (id), UNIQUE KEY unicity (context, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_mailcollectors (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  host varchar(255) DEFAULT NULL,
  login varchar(255) DEFAULT NULL,
  filesize_max int NOT NULL DEFAULT 2097152,
  is_active tinyint NOT NULL DEFAULT 1,
  date_mod timestamp NULL DEFAULT NULL,
  comment text,
  passwd varchar(255) DEFAULT NULL,
  accepted varchar(255) DEFAULT NULL,
  refused varchar(255) DEFAULT NULL,
  errors int NOT NULL DEFAULT 0,
  use_mail_date tinyint NOT NULL DEFAULT 0,
  date_creation timestamp NULL DEFAULT NULL,
  requester_field int NOT NULL DEFAULT 0,
  add_to_to_observer tinyint NOT NULL DEFAULT 1,
  add_cc_to_observer tinyint NOT NULL DEFAULT 0,
  collect_only_unread tinyint NOT NULL DEFAULT 0,
  create_user_from_email tinyint NOT NULL DEFAULT 0,
  last_collect_date timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id), KEY name (name), KEY is_active (is_active), KEY date_mod (date_mod),
  KEY date_creation (date_creation), KEY last_collect_date (last_collect_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_plugin_oauthimap_applications (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  is_active tinyint NOT NULL DEFAULT 0,
  comment text,
  date_creation timestamp NULL DEFAULT NULL,
  date_mod timestamp NULL DEFAULT NULL,
  provider varchar(255) NOT NULL,
  client_id text NOT NULL,
  client_secret text NOT NULL,
  tenant_id varchar(255) DEFAULT NULL,
  PRIMARY KEY (id), KEY name (name), KEY is_active (is_active), KEY date_creation (date_creation), KEY date_mod (date_mod)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_plugin_oauthimap_authorizations (
  id int unsigned NOT NULL AUTO_INCREMENT,
  plugin_oauthimap_applications_id int unsigned NOT NULL DEFAULT 0,
  code text,
  token text,
  refresh_token text,
  email varchar(255) NOT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  date_mod timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id), UNIQUE KEY unicity (plugin_oauthimap_applications_id, email),
  KEY date_creation (date_creation), KEY date_mod (date_mod)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_blacklists (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT 0,
  is_recursive tinyint NOT NULL DEFAULT 0,
  type int NOT NULL DEFAULT 0,
  name varchar(255) DEFAULT NULL,
  value varchar(255) DEFAULT NULL,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id), KEY entities_id (entities_id), KEY type (type), KEY name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_blacklistedmailcontents (
  id int unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) DEFAULT NULL,
  content text,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id), KEY name (name), KEY date_mod (date_mod), KEY date_creation (date_creation)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE glpi_rules (
  id int unsigned NOT NULL AUTO_INCREMENT,
  entities_id int unsigned NOT NULL DEFAULT 0,
  sub_type varchar(255) NOT NULL DEFAULT '',
  ranking int NOT NULL DEFAULT 0,
  name varchar(255) DEFAULT NULL,
  description text,
  ` + "`match`" + ` char(10) DEFAULT NULL,
  is_active tinyint NOT NULL DEFAULT 1,
  comment text,
  date_mod timestamp NULL DEFAULT NULL,
  is_recursive tinyint NOT NULL DEFAULT 0,
  uuid varchar(255) DEFAULT NULL,
  ` + "`condition`" + ` int NOT NULL DEFAULT 0,
  date_creation timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id), KEY sub_type (sub_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC`,
}

// DB is a GLPI database and the key of its installation.
type DB struct {
	DSN string
	Key []byte // the 32 bytes of glpicrypt.key

	t  testing.TB
	db *sql.DB
}

// New creates the GLPI tables in a fresh MariaDB database, and a key. The
// package must run testpeer.Main from its TestMain.
func New(t testing.TB) *DB {
	t.Helper()
	dsn := testpeer.MariaDB(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := &DB{DSN: dsn, Key: NewKey(), t: t, db: db}
	for _, q := range Schema {
		g.Exec(q)
	}
	g.Exec("INSERT INTO glpi_configs (context, name, value) VALUES ('core', 'version', '11.0.7')")
	return g
}

// NewKey returns the bytes of a new glpicrypt.key.
func NewKey() []byte {
	b := make([]byte, chacha20poly1305.KeySize)
	rand.Read(b)
	return b
}

// Exec runs a statement on the GLPI database.
func (g *DB) Exec(q string, args ...any) {
	g.t.Helper()
	if _, err := g.db.Exec(q, args...); err != nil {
		g.t.Fatalf("%v\n%s", err, q)
	}
}

// Enc encrypts v with the installation's key, as GLPI does.
func (g *DB) Enc(v string) string { return Encrypt(g.Key, v) }

// Encrypt is GLPIKey::encrypt: XChaCha20-Poly1305-IETF with a random
// 24-byte nonce that is also the additional data, base64(nonce || ciphertext).
func Encrypt(key []byte, v string) string {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		panic(err)
	}
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(v), nonce))
}

// WriteKey writes the key as GLPI does, under dir/config/glpicrypt.key,
// and returns the file's path.
func (g *DB) WriteKey(dir string) string {
	g.t.Helper()
	p := filepath.Join(dir, "config", "glpicrypt.key")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(p, g.Key, 0o600); err != nil {
		g.t.Fatal(err)
	}
	return p
}
