package store

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm/schema"

	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost
	testpeer.Main(m)
}

// testKeyring is a fixed key for tests.
func testKeyring(t testing.TB) *secret.Keyring {
	k, err := secret.NewKeyring(bytes.Repeat([]byte{42}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openDialect opens a migrated, empty store on one dialect.
func openDialect(t testing.TB, d Dialect) *Store {
	t.Helper()
	o := Options{Keyring: testKeyring(t)}
	if d == SQLite {
		o.SQLitePath = filepath.Join(t.TempDir(), "test.db")
	} else {
		o.DSN = testpeer.MariaDB(t)
	}
	return openMigrated(t, o)
}

// openMigrated opens the store of o, migrated, and closes it when the
// test ends.
func openMigrated(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// forEachDialect runs a store test on SQLite and on MariaDB.
func forEachDialect(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, d := range []Dialect{SQLite, MySQL} {
		t.Run(string(d), func(t *testing.T) { fn(t, openDialect(t, d)) })
	}
}

// computedColumns are columns a dialect's database computes for its own
// indexes, which the application never reads nor writes, so no model
// holds them: SQLite's search index reads the list's filters as words
// (migration 00025).
var computedColumns = map[Dialect]map[string]bool{
	SQLite: {"tickets.search_facets": true},
}

func TestMigrateAndSchemaAgreement(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cur, latest, err := s.SchemaVersion(ctx)
		if err != nil || cur != latest || cur == 0 {
			t.Fatalf("got version %d of %d (%v), want fully migrated", cur, latest, err)
		}
		if n, err := s.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("second migrate ran %d (%v), want 0", n, err)
		}
		for _, m := range AllModels() {
			sch, err := schema.Parse(m, &sync.Map{}, s.db.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := s.db.Migrator().ColumnTypes(m)
			if err != nil {
				t.Fatalf("%s: %v", sch.Table, err)
			}
			inDB := map[string]bool{}
			for _, c := range cols {
				inDB[c.Name()] = true
			}
			inModel := map[string]bool{}
			for _, f := range sch.Fields {
				if f.DBName == "" {
					continue
				}
				inModel[f.DBName] = true
				if !inDB[f.DBName] {
					t.Errorf("%s.%s: in the model, not in the %s schema", sch.Table, f.DBName, s.Dialect())
				}
			}
			for name := range inDB {
				if !inModel[name] && !computedColumns[s.Dialect()][sch.Table+"."+name] {
					t.Errorf("%s.%s: in the %s schema, not in the model", sch.Table, name, s.Dialect())
				}
			}
			// A row written through the model reads back through it.
			if err := s.db.Model(m).Limit(1).Find(m).Error; err != nil {
				t.Errorf("%s: select through the model: %v", sch.Table, err)
			}
		}
	})
}

func TestOutdatedSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{SQLitePath: filepath.Join(t.TempDir(), "x.db"), Keyring: testKeyring(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "outdated") {
		t.Fatalf("got %v, want the outdated-schema error", err)
	}
	s.Migrate(ctx)
	if err := s.CheckSchema(ctx); err != nil {
		t.Fatalf("after migrate: %v", err)
	}
}

func TestSecretColumnsAreSealed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		sealed, err := s.seal("super-secret-value")
		if err != nil {
			t.Fatal(err)
		}
		app := Application{Name: "a", Provider: "azure", ClientSecret: sealed, CreatedAt: s.now(), UpdatedAt: s.now()}
		if err := s.db.Create(&app).Error; err != nil {
			t.Fatal(err)
		}
		var raw string
		s.db.Raw("SELECT client_secret FROM oauth_applications WHERE id = ?", app.ID).Scan(&raw)
		if strings.Contains(raw, "super-secret") {
			t.Fatal("the secret is stored in clear")
		}
		got, err := s.open(raw)
		if err != nil || got != "super-secret-value" {
			t.Fatalf("got %q %v", got, err)
		}
	})
}
