// Package store keeps Sanbao's data in SQL: embedded SQLite (a county on one
// machine) or PostgreSQL (a province; Citus for the country), through
// database/sql with one code path. Queries are written once with ? markers and
// rebound for PostgreSQL; schema differences live in per-dialect migrations.
//
// Every function that reads or writes household data takes a Scope and limits
// the query to that region subtree here, in the storage layer: a record
// outside the scope is "not found".
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/mattn/go-sqlite3"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/clock"
	"sanbao/internal/region"
)

// Dialect of the database behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is Sanbao's database. Reads go through a pool; on SQLite writes go
// through one connection that begins IMMEDIATE transactions, so writers queue
// instead of failing with "database is locked".
type DB struct {
	r, w    *sql.DB
	dialect Dialect
	Clock   clock.Clock

	mu      sync.Mutex
	rebound map[string]string

	chain    *audit.Chain // seals audit entries; see SetAuditKey
	auditKey []byte
}

// Open connects to dsn: a postgres:// or postgresql:// URL, or a SQLite file
// path (":memory:" is not supported: use a temporary file).
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Clock: clock.Real{}, rebound: map[string]string{}, chain: audit.NewChain(nil)}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		p.SetMaxOpenConns(16)
		p.SetMaxIdleConns(16)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.r, db.w = p, p
	} else {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" || path == ":memory:" {
			return nil, fmt.Errorf("store: a SQLite file path is required")
		}
		q := url.Values{}
		q.Set("_journal_mode", "WAL")
		q.Set("_foreign_keys", "on")
		q.Set("_busy_timeout", "10000")
		q.Set("_synchronous", "NORMAL")
		q.Set("_cache_size", "-65536") // 64 MiB page cache per connection
		r, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		q.Set("_txlock", "immediate")
		q.Set("_cache_size", "-524288") // the writer keeps index pages of bulk loads in memory (512 MiB)
		w, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
		if err != nil {
			r.Close()
			return nil, err
		}
		w.SetMaxOpenConns(1)
		db.r, db.w = r, w
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.w.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	var err error
	if db.r != nil {
		err = db.r.Close()
	}
	if db.w != nil && db.w != db.r {
		if e := db.w.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect tells which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// q rebinds a query written with ? markers for the dialect.
func (db *DB) q(query string) string {
	if db.dialect != Postgres {
		return query
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if s, ok := db.rebound[query]; ok {
		return s
	}
	s := rebind(query)
	if len(db.rebound) < 4096 {
		db.rebound[query] = s
	}
	return s
}

// rebind turns ? markers into $1, $2, ... outside string literals.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx is a write transaction.
type Tx struct {
	*sql.Tx
	db  *DB
	ctx context.Context

	pending []audit.Entry // audit entries appended just before commit (tx.audit)
	// bulk, when set, inserts many rows on the transaction's connection
	// faster than batchInsert (an import's: COPY, or SQLite below
	// database/sql); flushAudit uses it.
	bulk func(table string, cols []string, n int, fill func(i int, row []any)) error
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	return tx.QueryContext(tx.ctx, tx.db.q(query), args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	return tx.QueryRowContext(tx.ctx, tx.db.q(query), args...)
}

// write runs fn in one write transaction: committed if fn returns nil, rolled
// back otherwise. Every write in Sanbao goes through here. The audit entries
// fn queued with tx.audit are sealed and appended last, in the same
// transaction (see audit.go).
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return apperr.Wrap(err, "begin")
	}
	tx := &Tx{Tx: t, db: db, ctx: ctx}
	if err := fn(tx); err != nil {
		t.Rollback()
		return translate(err)
	}
	if err := tx.flushAudit(); err != nil {
		t.Rollback()
		return translate(err)
	}
	if err := t.Commit(); err != nil {
		return translate(err)
	}
	return nil
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.q(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.q(query), args...)
}

// translate maps driver errors to application errors; anything unknown is
// internal.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &apperr.Error{Code: apperr.Unavailable, Message: "操作已取消或超时", Err: err}
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return &apperr.Error{Code: apperr.Conflict, Message: "记录已存在", Err: err}
		case sqlite3.ErrConstraintForeignKey:
			return &apperr.Error{Code: apperr.Invalid, Message: "引用的记录不存在", Err: err}
		}
		if se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked {
			return &apperr.Error{Code: apperr.Unavailable, Message: "数据库繁忙，请稍后重试", Err: err}
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &apperr.Error{Code: apperr.Conflict, Message: "记录已存在", Err: err}
		case "23503":
			return &apperr.Error{Code: apperr.Invalid, Message: "引用的记录不存在", Err: err}
		case "40001", "40P01":
			return &apperr.Error{Code: apperr.Unavailable, Message: "数据库繁忙，请稍后重试", Err: err}
		}
	}
	return apperr.Wrap(err, "store")
}

// Scope limits what a caller may read and write: a region subtree. The zero
// Scope reaches nothing; Everywhere reaches every region (the command line,
// the system itself).
type Scope struct {
	Region string // 12-digit code of the subtree's root
}

// Everywhere is the scope of the system itself.
var Everywhere = Scope{Region: "*"}

// ScopeOf returns the scope of a region subtree.
func ScopeOf(code string) Scope { return Scope{Region: code} }

// bounds returns the [lo, hi) range of region codes the scope reaches.
func (s Scope) bounds() (lo, hi string, err error) {
	switch s.Region {
	case "*":
		return "", ":", nil
	case "":
		return "", "", apperr.New(apperr.Forbidden, "账号没有可访问的区域")
	}
	lo, hi = region.Range(s.Region)
	return lo, hi, nil
}

// Contains reports whether a region code lies in the scope.
func (s Scope) Contains(code string) bool {
	if s.Region == "*" {
		return true
	}
	if s.Region == "" {
		return false
	}
	return region.Contains(s.Region, code)
}

// narrow intersects the scope with a requested region filter; a filter
// outside the scope yields a range that matches nothing.
func (s Scope) narrow(filter string) (lo, hi string, err error) {
	lo, hi, err = s.bounds()
	if err != nil || filter == "" {
		return lo, hi, err
	}
	flo, fhi := region.Range(filter)
	if flo > lo {
		lo = flo
	}
	if fhi < hi {
		hi = fhi
	}
	if lo >= hi {
		return "~", "~", nil // empty range
	}
	return lo, hi, nil
}

// timestamps are stored as fixed-width UTC text, identical on both databases
// and sortable as text.
const tsLayout = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

func (db *DB) now() time.Time { return db.Clock.Now().UTC().Truncate(time.Microsecond) }
