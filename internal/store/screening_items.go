package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/region"
	"sanbao/internal/screening"
)

// builtinSynced remembers the databases whose built-in check items have been
// brought in step with screening.Items by this process.
var builtinSynced sync.Map // *DB → true

// SyncCheckItems brings the built-in rows of check_items (empty county) in step
// with screening.Items: new items are added, changed ones rewritten and
// items no longer built in removed. Counties' own items are left alone. The
// store calls it on first use of the checklist; it is safe to call again.
func (db *DB) SyncCheckItems(ctx context.Context) error {
	stored := map[string]string{}
	rows, err := db.query(ctx, `SELECT code, item FROM check_items WHERE county = ''`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var code, item string
		if err := rows.Scan(&code, &item); err != nil {
			rows.Close()
			return translate(err)
		}
		stored[code] = item
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	type change struct {
		pos  int
		it   *screening.CheckItem
		json string
	}
	var changes []change
	want := map[string]bool{}
	for i := range screening.Items {
		it := &screening.Items[i]
		b, err := json.Marshal(it)
		if err != nil {
			return apperr.Wrap(err, "check item")
		}
		want[it.Code] = true
		if stored[it.Code] != string(b) {
			changes = append(changes, change{i, it, string(b)})
		}
	}
	var stale []string
	for code := range stored {
		if !want[code] {
			stale = append(stale, code)
		}
	}
	if len(changes) > 0 || len(stale) > 0 {
		now := ts(db.now())
		err = db.write(ctx, func(tx *Tx) error {
			for _, c := range changes {
				if _, err := tx.exec(`INSERT INTO check_items (county, code, dimension, position, item, created_at)
					VALUES ('', ?, ?, ?, ?, ?) ON CONFLICT (county, code) DO UPDATE
					SET dimension = excluded.dimension, position = excluded.position, item = excluded.item`,
					c.it.Code, c.it.Dimension, c.pos, c.json, now); err != nil {
					return err
				}
			}
			for _, code := range stale {
				if _, err := tx.exec(`DELETE FROM check_items WHERE county = '' AND code = ?`, code); err != nil {
					return err
				}
			}
			return tx.audit(Change{Action: audit.ActUpdate, Object: "check_item",
				Detail: fmt.Sprintf("内置排查项同步：新增或更新%d项，移除%d项", len(changes), len(stale))})
		})
		if err != nil {
			return err
		}
	}
	builtinSynced.Store(db, true)
	return nil
}

func (db *DB) ensureCheckItems(ctx context.Context) error {
	if _, ok := builtinSynced.Load(db); ok {
		return nil
	}
	return db.SyncCheckItems(ctx)
}

// CheckItems returns the checklist in force in a county: the built-in items
// in their order, then the county's own in the order they were added.
// county is the 6-digit county code ("" for the built-in items only).
func (db *DB) CheckItems(ctx context.Context, county string) ([]screening.CheckItem, error) {
	if err := db.ensureCheckItems(ctx); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, checkItemsQuery, county)
	out, err := scanAll(rows, err, scanCheckItem)
	return out, translate(err)
}

// checkItemsQuery reads a county's checklist: the built-in items in their
// order, then the county's own.
const checkItemsQuery = `SELECT item FROM check_items WHERE county = '' OR county = ?
	ORDER BY CASE WHEN county = '' THEN 0 ELSE 1 END, position, code`

func scanCheckItem(sc scanner) (screening.CheckItem, error) {
	var s string
	var it screening.CheckItem
	if err := sc.Scan(&s); err != nil {
		return it, err
	}
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		return it, apperr.Wrap(err, "check item")
	}
	return it, nil
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// scanAll scans every row of a query with scan and closes the rows; err is
// the query's own error, passed through.
func scanAll[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AddCheckItem adds a county's own check item. The county must lie in the
// scope. A county's item records no facts and feeds no rule: answered "does
// not meet", it is a finding by itself (screening.RuleItemNotMet).
func (db *DB) AddCheckItem(ctx context.Context, sc Scope, county string, it *screening.CheckItem, by int64) error {
	if len(county) != 6 || region.LevelOf(county+"000000") != region.County {
		return apperr.Field("county", "县", "“%s”不是6位县级区划代码", county)
	}
	if !sc.Contains(county + "000000") {
		return apperr.New(apperr.Forbidden, "县%s不在您的管辖范围内，不能为其添加排查项", county)
	}
	existing, err := db.CheckItems(ctx, county)
	if err != nil {
		return err
	}
	var v apperr.Validation
	it.Validate(&v, existing)
	if len(it.Facts) > 0 || len(it.Required) > 0 || len(it.Rules) > 0 {
		v.Add("facts", "记录事实", "县自定义排查项不记录事实、不关联规则：答“不符合”即列为问题")
	}
	if err := v.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(it)
	if err != nil {
		return apperr.Wrap(err, "check item")
	}
	return db.write(ctx, func(tx *Tx) error {
		var pos int
		if err := tx.queryRow(`SELECT COALESCE(max(position), -1) + 1 FROM check_items WHERE county = ?`, county).Scan(&pos); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO check_items (county, code, dimension, position, item, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, county, it.Code, it.Dimension, pos, string(b), by, ts(db.now()))
		if apperr.Is(translate(err), apperr.Conflict) {
			return apperr.Field("code", "排查项编码", "“%s”已存在", it.Code)
		}
		if err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActCreate, Object: "check_item", ObjectID: county + ":" + it.Code,
			Region: county + "000000", Detail: "县自定义排查项：" + it.Title, New: it})
	})
}
