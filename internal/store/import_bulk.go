package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"runtime"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
)

// Bulk load: a county's first import into an empty registry.
//
// Maintaining an index row by row costs a random B-tree insert per row; a
// county's first import adds a million members at once, and sorting their
// keys once when the rows are in is several times cheaper (measured in
// docs/BENCHMARKS.md). So when an import is about to insert into
// households and members while both are empty, it drops their secondary
// indexes, unique constraints and (PostgreSQL) foreign keys, inserts, and
// builds them all again before it commits: one transaction, so a killed
// import leaves the tables as they were, indexes included. Any later
// import, which finds rows in the tables, maintains the indexes row by row.
//
// Only empty tables, because dropping an index locks the table: on
// PostgreSQL every reader of households and members would wait for the
// import (on SQLite, readers keep their snapshot, but the rule is the same
// for both). An empty registry has no readers to keep waiting.
//
// The unique index on ID numbers is among those rebuilt: new households
// repeating an ID number are then refused when the index is built, by
// Finish, instead of by the insert (a Conflict either way).

type bulkState uint8

const (
	bulkUndecided bulkState = iota
	bulkOff
	bulkOn
	bulkDone
)

// bulkTables are the tables a bulk load defers the indexes of.
var bulkTables = []string{"households", "members"}

// beginBulk is called before the import's first insert of new households.
func (it *ImportTx) beginBulk() error {
	if it.bulk != bulkUndecided {
		return nil
	}
	it.bulk = bulkOff
	if it.dryRun {
		return nil
	}
	var one int
	err := it.tx.queryRow(`SELECT 1 FROM households LIMIT 1`).Scan(&one)
	if err == nil {
		return nil // not a first load
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var drop []string
	if it.tx.db.dialect == SQLite {
		drop, it.restore, err = sqliteDeferrable(it.tx)
	} else {
		drop, it.restore, err = postgresDeferrable(it.tx)
	}
	if err != nil {
		return err
	}
	for _, q := range drop {
		if _, err := it.tx.exec(q); err != nil {
			return apperr.Wrap(err, "bulk load: %s", q)
		}
	}
	it.bulk = bulkOn
	return nil
}

// Finish builds what a bulk load deferred (nothing otherwise). Call it
// after the last write: a Conflict means rows the indexes refuse (an ID
// number twice), and the transaction must not commit. DB.Import calls it
// before committing if the import did not.
func (it *ImportTx) Finish() error {
	if it.bulk != bulkOn {
		return nil
	}
	it.bulk = bulkDone
	if it.tx.db.dialect == Postgres {
		// The sorts of the index builds in memory, not in temporary files.
		if _, err := it.tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
	} else {
		// SQLite sorts an index's keys in runs of at most the page cache's
		// size and merges them; with worker threads the runs are sorted on
		// every core. A small cache makes runs enough for the threads to
		// share: measured at a million members, the ID-number and name
		// indexes build in half the time (DB.Import restores the cache).
		threads := strconv.Itoa(runtime.NumCPU())
		if _, err := it.tx.exec(`PRAGMA threads = ` + threads); err != nil {
			return err
		}
		defer it.tx.exec(`PRAGMA threads = 0`)
		if _, err := it.tx.exec(`PRAGMA cache_size = -8192`); err != nil {
			return err
		}
	}
	for _, q := range it.restore {
		if _, err := it.tx.exec(q); err != nil {
			if err := translate(err); apperr.Is(err, apperr.Conflict) {
				return apperr.New(apperr.Conflict, "写入时发现重复的身份证号或户编号，导入未生效")
			}
			return apperr.Wrap(err, "bulk load: %s", q)
		}
	}
	return nil
}

// sqliteDeferrable returns the statements that drop the secondary indexes
// of the bulk tables and those that build them again (the unique ones
// first, so that a duplicate is found before the others are built).
func sqliteDeferrable(tx *Tx) (drop, restore []string, err error) {
	rows, err := tx.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (?, ?) AND sql IS NOT NULL
		ORDER BY sql NOT LIKE 'CREATE UNIQUE%', name`, bulkTables[0], bulkTables[1])
	if err != nil {
		return nil, nil, err
	}
	return indexStatements(rows, func(name string) string { return `DROP INDEX "` + name + `"` })
}

// indexStatements reads rows of (index name, definition) into the
// statements that drop each index (dropIndex) and those that build it.
func indexStatements(rows *sql.Rows, dropIndex func(name string) string) (drop, build []string, err error) {
	defer rows.Close()
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, err
		}
		drop = append(drop, dropIndex(name))
		build = append(build, def)
	}
	return drop, build, rows.Err()
}

// postgresDeferrable is sqliteDeferrable for PostgreSQL: the indexes other
// than primary keys, the unique constraints and the foreign keys of the
// bulk tables (a foreign key is checked by a trigger per row; added back,
// it is checked by one join).
func postgresDeferrable(tx *Tx) (drop, restore []string, err error) {
	rows, err := tx.query(`SELECT c.conrelid::regclass::text, c.conname, c.contype::text, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.conrelid IN ('households'::regclass, 'members'::regclass) AND c.contype IN ('u', 'f')
		ORDER BY c.contype = 'u', c.conname`)
	if err != nil {
		return nil, nil, err
	}
	var fks []string
	for rows.Next() {
		var table, name, typ, def string
		if err := rows.Scan(&table, &name, &typ, &def); err != nil {
			rows.Close()
			return nil, nil, err
		}
		drop = append(drop, `ALTER TABLE `+table+` DROP CONSTRAINT "`+name+`"`)
		q := `ALTER TABLE ` + table + ` ADD CONSTRAINT "` + name + `" ` + def
		if typ == "f" {
			fks = append(fks, q) // after the indexes: the check reads them
		} else {
			restore = append(restore, q)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = tx.query(`SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i WHERE i.indrelid IN ('households'::regclass, 'members'::regclass) AND NOT i.indisprimary
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY 1`)
	if err != nil {
		return nil, nil, err
	}
	// pg_index's names come quoted where they need it (regclass).
	dropIx, buildIx, err := indexStatements(rows, func(name string) string { return `DROP INDEX ` + name })
	if err != nil {
		return nil, nil, err
	}
	return append(drop, dropIx...), append(append(restore, buildIx...), fks...), nil
}

// sqliteRows is how many rows one INSERT statement of sqliteInsert carries.
const sqliteRows = 64

// sqliteInsert inserts n rows on the import's connection below
// database/sql: a county's import binds some twenty million values, and
// database/sql's conversion of each, with a statement execution per row,
// cost more than SQLite's own work. The statement carries sqliteRows rows;
// the values are bound as fill gives them (int64, string, bool).
func (it *ImportTx) sqliteInsert(table string, cols []string, n int, fill func(i int, row []any)) error {
	if n == 0 {
		return nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	return it.conn.Raw(func(dc any) error {
		c, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("store: the SQLite driver cannot prepare")
		}
		ctx := context.Background() // not cancellable: the driver runs such statements in a goroutine each; the caller checks between batches
		prepare := func(rows int) (driver.StmtExecContext, func(), error) {
			st, err := c.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(one+",", rows), ","))
			if err != nil {
				return nil, nil, err
			}
			ex, ok := st.(driver.StmtExecContext)
			if !ok {
				st.Close()
				return nil, nil, errors.New("store: the SQLite driver cannot execute")
			}
			return ex, func() { st.Close() }, nil
		}
		row := make([]any, len(cols))
		args := make([]driver.NamedValue, 0, sqliteRows*len(cols))
		var full driver.StmtExecContext
		for start := 0; start < n; start += sqliteRows {
			end := min(start+sqliteRows, n)
			args = args[:0]
			for i := start; i < end; i++ {
				fill(i, row)
				for _, v := range row {
					args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
				}
			}
			st := full
			if end-start < sqliteRows || full == nil {
				ex, done, err := prepare(end - start)
				if err != nil {
					return err
				}
				defer done()
				st = ex
				if end-start == sqliteRows {
					full = ex
				}
			}
			if _, err := st.ExecContext(ctx, args); err != nil {
				return err
			}
		}
		return nil
	})
}

// RegistryIndexes lists the definitions of the indexes and constraints of
// the registry tables (households and members), sorted: what a bulk load
// drops and must build again exactly.
func (db *DB) RegistryIndexes(ctx context.Context) ([]string, error) {
	q := `SELECT name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('households', 'members')`
	if db.dialect == Postgres {
		q = `SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('households', 'members')
			UNION ALL SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid IN ('households'::regclass, 'members'::regclass)`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY 1`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// BulkLoadStatements returns the statements with which a bulk load drops
// the registry's deferrable indexes and constraints and builds them again
// (for `sanbao bench import`, whose floor does the same in plain SQL).
func (db *DB) BulkLoadStatements(ctx context.Context) (drop, restore []string, err error) {
	t, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect == Postgres})
	if err != nil {
		return nil, nil, translate(err)
	}
	defer t.Rollback()
	tx := &Tx{Tx: t, db: db, ctx: ctx}
	if db.dialect == SQLite {
		drop, restore, err = sqliteDeferrable(tx)
	} else {
		drop, restore, err = postgresDeferrable(tx)
	}
	return drop, restore, translate(err)
}
