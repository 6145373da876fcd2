// Package store is the only package that talks SQL. It opens SQLite or
// MySQL/MariaDB through GORM, applies the versioned migrations, and offers
// one file of queries per aggregate. Secret columns are sealed here, with
// the keyring given to Open, so callers only see plaintext values.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	sqlite "github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/migrations"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicate is returned when a unique key is already taken.
var ErrDuplicate = errors.New("store: already exists")

// ErrSchemaOutdated means the MySQL schema lacks migrations and serve was
// not told to apply them.
var ErrSchemaOutdated = errors.New("store: the database schema is outdated: run `oauthimap migrate` or start with OAUTHIMAP_MIGRATE=true")

// Dialect names a supported database.
type Dialect string

// The supported dialects.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// Options tell Open what to connect to.
type Options struct {
	// SQLitePath is the database file; used when DSN is empty.
	SQLitePath string
	// DSN is a MySQL/MariaDB DSN; when set, MySQL is used.
	DSN string
	// Keyring seals and opens secret columns.
	Keyring *secret.Keyring
	// Logger receives slow-query warnings; nil discards them.
	Logger *slog.Logger
	// PasswordCost is the bcrypt cost of new password hashes; 0 is
	// bcrypt's default. Tests lower it: hashing dominates their time.
	PasswordCost int

	walCheckEvery time.Duration // see startWALCheckpoints
}

// Store is the database handle shared by the whole process.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	keys    *secret.Keyring
	cost    int // bcrypt cost, 0 for the default
	now     func() time.Time
	path    string    // the SQLite file; names per-process locks
	pool    *stmtPool // SQLite's connections, with statements kept
	wal     *walCheckpointer

	ticketInsert *rowInsert // CreateTicket's INSERTs (row_insert.go)
	actorInsert  *rowInsert
	ledgerInsert *rowInsert // AddLedgerEntries's

	log    *slog.Logger // nil: nothing logged
	words  *wordIndexer // MySQL's word index, behind the writers (word_index.go)
	txNote *txNote      // what the transaction s is bound to did, for after its commit
}

// Open connects to the database; it does not migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		d       gorm.Dialector
		dialect Dialect
		pool    *stmtPool // SQLite's
	)
	if o.DSN == "" {
		dialect = SQLite
		// WAL lets readers run beside the one writer; busy_timeout makes a
		// second writer wait instead of failing; foreign keys are off in
		// SQLite unless asked for. A collector batch (200 tickets of tens
		// of KB) fits the page cache of 8 MiB a connection (the default
		// 2 MiB spilled pages to the log in the middle of the
		// transaction), and the statement journals of its inserts stay in
		// memory. The log is checkpointed in the background (wal.go); a
		// commit does it only past walSafetyPages. Times are written as
		// "2006-01-02 15:04:05.999999999-07:00" and read back as times
		// from DATETIME columns.
		dsn := o.SQLitePath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-8192)" +
			"&_pragma=wal_autocheckpoint(" + strconv.Itoa(walSafetyPages) + ")&_txlock=immediate" +
			"&_time_format=sqlite&_texttotime=1&_inttotime=1"
		// The pool keeps busy statements prepared (stmt_pool.go).
		sqlDB, err := sql.Open(sqlite.DriverName, dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", dialect, err)
		}
		pool = newStmtPool(sqlDB, stmtPoolSize)
		d = sqlite.New(sqlite.Config{Conn: pool})
	} else {
		dialect = MySQL
		if o.Logger != nil {
			// The driver prints lost connections on stderr by default; keep
			// them in the process's structured log instead.
			mysql.SetLogger(driverLog{o.Logger})
		}
		mc, err := mysql.ParseDSN(o.DSN)
		if err != nil {
			return nil, fmt.Errorf("store: OAUTHIMAP_DATABASE is not a valid MySQL DSN: %s", strings.ReplaceAll(err.Error(), o.DSN, "…"))
		}
		mc.ParseTime = true
		mc.Loc = time.UTC
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		mc.Params["charset"] = "utf8mb4"
		mc.Params["time_zone"] = "'+00:00'"
		mc.Collation = "utf8mb4_unicode_ci"
		mc.MultiStatements = true // goose runs a migration file as one script
		// Arguments are escaped into the statement by the driver: one
		// round trip a statement, where a server-side prepared statement
		// costs a prepare, an execute and a close for each call.
		mc.InterpolateParams = true
		d = gmysql.New(gmysql.Config{DSNConfig: mc})
	}
	db, err := gorm.Open(d, cfg)
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if dialect == SQLite {
		// One connection writes at a time anyway; a small pool keeps
		// readers concurrent without piling up busy waits.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect, keys: o.Keyring, cost: o.PasswordCost, now: cfg.NowFunc, path: o.SQLitePath, pool: pool, log: o.Logger}
	if dialect == SQLite {
		s.wal = startWALCheckpoints(sqlDB, o.SQLitePath, o.walCheckEvery)
	}
	if s.ticketInsert, err = newRowInsert(db, &Ticket{}, cfg.NowFunc); err == nil {
		if s.actorInsert, err = newRowInsert(db, &TicketActor{}, cfg.NowFunc); err == nil {
			s.ledgerInsert, err = newRowInsert(db, &LedgerEntry{}, cfg.NowFunc)
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.checkDurability(ctx)
	return s, nil
}

// Dialect tells which database is in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close releases the connections.
func (s *Store) Close() error {
	s.words.close()
	if s.wal != nil {
		s.wal.close()
	}
	if s.pool != nil {
		return s.pool.Close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: database unreachable: %w", err)
	}
	return nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	dir, dialect := "sqlite", goose.DialectSQLite3
	if s.dialect == MySQL {
		dir, dialect = "mysql", goose.DialectMySQL
	}
	sub, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, sqlDB, sub)
}

// Migrate applies every pending migration and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.migrator()
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate: %w", err)
	}
	// Migration 00015 cannot strip HTML in SQL: tickets stored before it
	// get their search text here (a no-op once done).
	if _, err := s.fillSearchText(ctx); err != nil {
		return len(res), fmt.Errorf("store: migrate: search text: %w", err)
	}
	if err := s.releaseSearchIndex(ctx); err != nil {
		return len(res), fmt.Errorf("store: migrate: held search index: %w", err)
	}
	s.background()
	return len(res), nil
}

// SchemaVersion returns the applied and the latest known schema versions.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := s.migrator()
	if err != nil {
		return 0, 0, fmt.Errorf("store: %w", err)
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: schema version: %w", err)
	}
	return current, latest, nil
}

// CheckSchema returns ErrSchemaOutdated when migrations are pending.
func (s *Store) CheckSchema(ctx context.Context) error {
	cur, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if cur < latest {
		return fmt.Errorf("%w (at version %d of %d)", ErrSchemaOutdated, cur, latest)
	}
	s.background()
	return nil
}

// background starts, once the schema is known to be current, what runs
// beside the store's callers on MySQL: reading the collation's weights
// for the search, and the word index's indexer. Close stops it.
func (s *Store) background() {
	s.warmSearch()
	s.startWordIndexer()
}

// SQLDB exposes the connection pool for tests and tools that need raw SQL.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

// translate maps GORM's errors onto the package's own.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return ErrDuplicate
	}
	return fmt.Errorf("store: %w", err)
}

// Keys is the keyring that seals secret columns; the console also signs
// with it what it hands to browsers before login.
func (s *Store) Keys() *secret.Keyring { return s.keys }

// seal encrypts a secret column value.
func (s *Store) seal(v string) (string, error) {
	out, err := s.keys.Seal(v)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return out, nil
}

// open decrypts a secret column value.
func (s *Store) open(v string) (string, error) {
	out, err := s.keys.Open(v)
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return out, nil
}

// driverLog turns the MySQL driver's log lines into warnings.
type driverLog struct{ l *slog.Logger }

func (d driverLog) Print(v ...any) { d.l.Warn("mysql driver: " + strings.TrimSpace(fmt.Sprint(v...))) }

// Now is the store's clock (UTC, microseconds, as both dialects keep it).
func (s *Store) Now() time.Time { return s.now() }
