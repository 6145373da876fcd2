package store

import (
	"container/list"
	"context"
	"database/sql"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// stmtPool is the SQLite connection pool that keeps its busy statements
// prepared. SQLite compiles a statement each time it is run unless it was
// prepared once and kept; compiling an INSERT into tickets (its triggers,
// its foreign keys) costs about as much as running it, and a collector
// batch runs the same few statements hundreds of times.
//
// A statement is prepared the second time it is seen, in the background
// and on the pool: never on a transaction's connection, where it would
// die with the transaction, and never while a transaction waits, since
// taking a second connection inside a transaction could wait on a writer
// that itself waits for this transaction. Until it is ready the statement
// runs unprepared, as before. A transaction uses a prepared statement
// through Tx.StmtContext, which compiles it once per connection and keeps
// it there. At most stmtPoolSize statements are kept, the least recently
// used leaving first; statements that are not plain queries and
// changes (SAVEPOINT, PRAGMA, scripts) are never kept.
//
// GORM's own PrepareStmt cannot do this: a statement it first meets in a
// transaction is prepared on that transaction and compiled again in each
// later one.
type stmtPool struct {
	*sql.DB
	size int

	mu        sync.Mutex
	kept      map[string]*list.Element // of *keptStmt, newest use first
	order     *list.List
	seen      map[string]struct{} // seen once, not prepared
	preparing map[string]struct{}
	closed    bool
	wg        sync.WaitGroup
}

type keptStmt struct {
	query string
	stmt  *sql.Stmt
	users int  // calls on the pool running it now
	gone  bool // evicted: closed once users is 0
}

// stmtPoolSize bounds the statements kept (each holds one compiled
// program per connection that ran it, a few KiB).
const stmtPoolSize = 256

// maxKeptQuery is the longest statement kept: longer ones are lists of
// values (IN (…)) whose next call is unlikely to be the same.
const maxKeptQuery = 4096

func newStmtPool(db *sql.DB, size int) *stmtPool {
	return &stmtPool{DB: db, size: size, kept: map[string]*list.Element{}, order: list.New(),
		seen: map[string]struct{}{}, preparing: map[string]struct{}{}}
}

// keepable tells whether query is worth keeping prepared.
func keepable(query string) bool {
	if len(query) > maxKeptQuery || strings.ContainsRune(query, ';') {
		return false
	}
	q := strings.TrimSpace(query)
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// lookup returns query's prepared statement, or nil (then it runs
// unprepared); the second call for a query starts preparing it. A
// statement used on the pool itself is taken with use: an eviction then
// waits for its call to end before closing it. A transaction needs no
// such care: Tx.StmtContext compiles a closed statement again, and one it
// already holds stays open until the transaction ends.
func (p *stmtPool) lookup(query string) *sql.Stmt {
	k := p.find(query, false)
	if k == nil {
		return nil
	}
	return k.stmt
}

// use is lookup for a call on the pool; done must follow the call.
func (p *stmtPool) use(query string) (*sql.Stmt, func()) {
	k := p.find(query, true)
	if k == nil {
		return nil, nil
	}
	return k.stmt, func() {
		p.mu.Lock()
		k.users--
		last := k.gone && k.users == 0
		p.mu.Unlock()
		if last {
			k.stmt.Close()
		}
	}
}

func (p *stmtPool) find(query string, use bool) *keptStmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.kept[query]; ok {
		p.order.MoveToFront(e)
		k := e.Value.(*keptStmt)
		if use {
			k.users++
		}
		return k
	}
	if p.closed || !keepable(query) {
		return nil
	}
	if _, ok := p.preparing[query]; ok {
		return nil
	}
	if _, ok := p.seen[query]; !ok {
		if len(p.seen) >= 4*p.size {
			clear(p.seen) // one-off statements, mostly
		}
		p.seen[query] = struct{}{}
		return nil
	}
	delete(p.seen, query)
	p.preparing[query] = struct{}{}
	p.wg.Add(1)
	go p.prepare(query)
	return nil
}

// drop removes a kept statement; it returns the statement to close (once
// p.mu is released: closing waits for database/sql's locks, and p.mu is
// taken by transactions that hold SQLite's write lock), or nil while
// calls on the pool still run it (the last one closes it).
func (p *stmtPool) drop(e *list.Element) *sql.Stmt {
	k := e.Value.(*keptStmt)
	p.order.Remove(e)
	delete(p.kept, k.query)
	k.gone = true
	if k.users == 0 {
		return k.stmt
	}
	return nil
}

func closeAll(stmts []*sql.Stmt) {
	for _, st := range stmts {
		if st != nil {
			st.Close()
		}
	}
}

func (p *stmtPool) prepare(query string) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := p.DB.PrepareContext(ctx, query)
	var unused []*sql.Stmt
	defer func() { closeAll(unused) }()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.preparing, query)
	if err != nil {
		return // it runs unprepared; a later sighting tries again
	}
	if p.closed {
		unused = append(unused, st)
		return
	}
	p.kept[query] = p.order.PushFront(&keptStmt{query: query, stmt: st})
	for p.order.Len() > p.size {
		unused = append(unused, p.drop(p.order.Back()))
	}
}

// keptCount is how many statements are kept prepared.
func (p *stmtPool) keptCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.kept)
}

func (p *stmtPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, done := p.use(query); st != nil {
		defer done()
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

func (p *stmtPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, done := p.use(query); st != nil {
		defer done() // open rows keep the statement open themselves
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p *stmtPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, done := p.use(query); st != nil {
		defer done()
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// BeginTx starts a transaction whose statements use the kept ones.
func (p *stmtPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &stmtTx{Tx: tx, p: p}, nil
}

// GetDBConn lets gorm.DB.DB find the pool.
func (p *stmtPool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// Close closes the kept statements, then the pool.
func (p *stmtPool) Close() error {
	var unused []*sql.Stmt
	p.mu.Lock()
	p.closed = true
	for p.order.Len() > 0 {
		unused = append(unused, p.drop(p.order.Back()))
	}
	p.mu.Unlock()
	closeAll(unused)
	p.wg.Wait()
	return p.DB.Close()
}

// stmtTx is a transaction of a stmtPool.
type stmtTx struct {
	*sql.Tx
	p *stmtPool
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.p.lookup(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.p.lookup(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.p.lookup(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
