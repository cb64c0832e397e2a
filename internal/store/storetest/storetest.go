// Package storetest opens real databases for tests: a SQLite file in a
// temporary directory always, and a fresh PostgreSQL database when
// SANBAO_TEST_POSTGRES names a server (a URL whose user may create
// databases). Without it the PostgreSQL half is skipped with the reason
// printed, unless SANBAO_TEST_REQUIRE=all (as in CI), where it fails.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sanbao/internal/store"
)

var counter atomic.Int64

// Required reports whether tests must not skip for a missing dependency.
func Required() bool { return os.Getenv("SANBAO_TEST_REQUIRE") == "all" }

// SQLite opens a migrated SQLite database in t's temp dir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// PostgresURL returns a URL to a new empty database, dropped when t ends, or
// skips t (fails it under SANBAO_TEST_REQUIRE=all) when there is no server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SANBAO_TEST_POSTGRES")
	if base == "" {
		if Required() {
			t.Fatal("SANBAO_TEST_POSTGRES is not set and SANBAO_TEST_REQUIRE=all")
		}
		t.Skip("PostgreSQL tests skipped: SANBAO_TEST_POSTGRES is not set (see README)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if Required() {
			t.Fatalf("PostgreSQL at SANBAO_TEST_POSTGRES unreachable: %v", err)
		}
		t.Skipf("PostgreSQL tests skipped: server unreachable: %v", err)
	}
	name := fmt.Sprintf("sanbao_t%d_%d", os.Getpid(), counter.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres opens a migrated database on a fresh PostgreSQL database.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresURL(t)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Name sanitises a test name for use in identifiers.
func Name(t testing.TB) string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
}
