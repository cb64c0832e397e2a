package main

import (
	"context"
	"fmt"
	"io"

	"sanbao/internal/store"
)

// openDB opens the database, applies migrations, loads the official
// division list on first use and sets the audit key (from
// SANBAO_AUDIT_KEY_FILE or next to the database; see auditKeyPath).
func openDB(ctx context.Context, dsn string, out io.Writer) (*store.DB, error) {
	db, _, err := openDBKey(ctx, dsn, "", out)
	return db, err
}

// openDBKey is openDB with the audit key file given (e.g. by --audit-key;
// "" for the default); it also returns the key.
func openDBKey(ctx context.Context, dsn, keyFile string, out io.Writer) (*store.DB, []byte, error) {
	db, err := openStore(ctx, dsn, out)
	if err != nil {
		return nil, nil, err
	}
	key, err := useAuditKey(ctx, db, dsn, keyFile, out)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, key, nil
}

func openStore(ctx context.Context, dsn string, out io.Writer) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 && out != nil {
		fmt.Fprintf(out, "数据库结构已更新：%v\n", applied)
	}
	n, err := db.LoadOfficialRegions(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 && out != nil {
		fmt.Fprintf(out, "已载入官方区划代码 %d 条（省、市、县、乡镇）\n", n)
	}
	return db, nil
}

func init() {
	register(command{"migrate", "create or update the database schema", func(ctx context.Context, e *env, args []string) error {
		fs := flagSet(e, "migrate", "[--db DSN]")
		dsn := dbFlag(fs, e)
		if err := parse(fs, args); err != nil {
			return err
		}
		db, err := openDB(ctx, *dsn, e.stdout)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintf(e.stdout, "数据库（%s）已是最新结构\n", db.Dialect())
		return nil
	}})
}
