package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// rowInsert is the INSERT of one row of a model, written once from GORM's
// reading of the model and run on the transaction's connection without
// GORM's callbacks: GORM's Create spent ~45 µs of the collector writer's
// ~350 µs a ticket building the same statement again (the schema, the
// clauses, the values). The statement and its values are those Create writes:
// every column GORM creates, but an auto-incremented key, which the
// database gives (LastInsertId).
type rowInsert struct {
	sql    string
	table  string   // quoted
	cols   []string // quoted, in the order of fields
	fields []*schema.Field
	now    func() time.Time // for a zero CreatedAt or UpdatedAt, as Create
	key    *schema.Field    // the auto-incremented key, nil for none
}

// newRowInsert reads model (a pointer to a struct) as GORM does.
func newRowInsert(db *gorm.DB, model any, now func() time.Time) (*rowInsert, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		return nil, fmt.Errorf("store: read the model %T: %w", model, err)
	}
	if len(stmt.Schema.Relationships.Relations) > 0 {
		return nil, fmt.Errorf("store: the model %T has associations, which only GORM's Create saves", model)
	}
	ins := &rowInsert{now: now}
	var marks []string
	for _, f := range stmt.Schema.Fields {
		if f.DBName == "" || !f.Creatable {
			continue
		}
		if f.PrimaryKey && f.AutoIncrement {
			ins.key = f
			continue
		}
		autoTime := f.AutoCreateTime != 0 || f.AutoUpdateTime != 0
		if autoTime && (f.AutoCreateTime|f.AutoUpdateTime) != schema.UnixTime || f.Serializer != nil || f.HasDefaultValue {
			// Create fills these itself; rowInsert does not.
			return nil, fmt.Errorf("store: the model %T has a column (%s) only GORM's Create writes", model, f.DBName)
		}
		ins.fields = append(ins.fields, f)
		ins.cols = append(ins.cols, stmt.Quote(f.DBName))
		marks = append(marks, "?")
	}
	ins.table = stmt.Quote(stmt.Schema.Table)
	ins.sql = "INSERT INTO " + ins.table + " (" + strings.Join(ins.cols, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	return ins, nil
}

// rowsSQL is the INSERT of n rows, with the column named col (unquoted)
// given by the SQL expression expr in every row instead of a value: the
// arguments are those of values for each row, without col's. With col
// "", every column takes an argument.
func (ins *rowInsert) rowsSQL(n int, col, expr string) (string, error) {
	var row strings.Builder
	found := false
	for i, f := range ins.fields {
		if i > 0 {
			row.WriteString(", ")
		}
		if f.DBName == col {
			row.WriteString(expr)
			found = true
			continue
		}
		row.WriteByte('?')
	}
	if !found && col != "" {
		return "", fmt.Errorf("store: %s has no column %s", ins.table, col)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + ins.table + " (" + strings.Join(ins.cols, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + row.String() + ")")
	}
	return b.String(), nil
}

// values are the arguments of model's row (of the type newRowInsert
// read), in the order of the columns, but skip's (unquoted; "" for none).
// Pointer fields are written as their value, nil as NULL, as Create
// writes them; a zero CreatedAt or UpdatedAt is set to now, as Create
// does.
func (ins *rowInsert) values(ctx context.Context, model any, skip string) ([]any, error) {
	rv := reflect.ValueOf(model).Elem()
	args := make([]any, 0, len(ins.fields))
	for _, f := range ins.fields {
		if f.DBName == skip {
			continue
		}
		v, zero := f.ValueOf(ctx, rv)
		if zero && (f.AutoCreateTime != 0 || f.AutoUpdateTime != 0) {
			now := ins.now()
			if err := f.Set(ctx, rv, now); err != nil {
				return nil, fmt.Errorf("store: %w", err)
			}
			v = now
		}
		if p := reflect.ValueOf(v); p.Kind() == reflect.Pointer {
			if p.IsNil() {
				v = nil
			} else {
				v = p.Elem().Interface()
			}
		}
		args = append(args, v)
	}
	return args, nil
}

// insert writes the row of model (of the type newRowInsert read) and
// returns the key the database gave it.
func (ins *rowInsert) insert(ctx context.Context, db *gorm.DB, model any) (int64, error) {
	res, err := ins.execRows(ctx, db, []any{model})
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, translate(err)
	}
	return id, nil
}

// insertRows writes rows (pointers to the model newRowInsert read) with
// one INSERT on SQLite, and sets each row's auto-incremented key, as
// Create does there: the rows of one INSERT take keys that follow each
// other, the last one LastInsertId (a key of SQLite's is one more than the
// highest so far).
func (ins *rowInsert) insertRows(ctx context.Context, db *gorm.DB, rows []any) error {
	res, err := ins.execRows(ctx, db, rows)
	if err != nil || ins.key == nil || len(rows) == 0 {
		return err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return translate(err)
	}
	for i, r := range rows {
		if err := ins.key.Set(ctx, reflect.ValueOf(r).Elem(), last-int64(len(rows)-1-i)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// execRows writes rows (pointers to the model newRowInsert read) with one
// INSERT, on either dialect; the rows' keys are not read back.
func (ins *rowInsert) execRows(ctx context.Context, db *gorm.DB, rows []any) (sql.Result, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	q := ins.sql
	if len(rows) > 1 {
		var err error
		if q, err = ins.rowsSQL(len(rows), "", ""); err != nil {
			return nil, err
		}
	}
	args := make([]any, 0, len(rows)*len(ins.fields))
	for _, r := range rows {
		a, err := ins.values(ctx, r, "")
		if err != nil {
			return nil, err
		}
		args = append(args, a...)
	}
	res, err := db.Statement.ConnPool.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, driverError(db, err)
	}
	return res, nil
}

// driverError is err, from a statement run without GORM, as GORM's
// Create returns it (the dialect's duplicate key as ErrDuplicate).
func driverError(db *gorm.DB, err error) error {
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok {
		err = t.Translate(err)
	}
	return translate(err)
}
