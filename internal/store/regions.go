package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
)

// LoadOfficialRegions loads the shipped list of provinces, cities, counties
// and townships when the regions table has none yet. It returns how many
// divisions it added (0 when they were already there).
func (db *DB) LoadOfficialRegions(ctx context.Context) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM regions WHERE level < 5`).Scan(&n); err != nil {
		return 0, translate(err)
	}
	if n > 0 {
		return 0, nil
	}
	all, err := region.Official()
	if err != nil {
		return 0, err
	}
	err = db.write(ctx, func(tx *Tx) error { return insertRegions(tx, all) })
	if err != nil {
		return 0, err
	}
	return len(all), nil
}

func insertRegions(tx *Tx, rs []region.Region) error {
	return batchInsert(tx, "regions", []string{"code", "name", "level", "parent"}, len(rs), func(i int, row []any) {
		r := rs[i]
		row[0], row[1], row[2], row[3] = r.Code, r.Name, int(r.Level), r.Parent
	})
}

// AddVillages adds village-level regions under existing townships. Existing
// codes get their name updated.
func (db *DB) AddVillages(ctx context.Context, vs []region.Region) error {
	var v apperr.Validation
	for i, r := range vs {
		v.Row = i + 1
		code, err := region.Normalize(r.Code)
		if err != nil {
			v.Add("code", "区划代码", "%s", err.Error())
			continue
		}
		if region.LevelOf(code) != region.Village {
			v.Add("code", "区划代码", "%s不是村级代码", code)
		}
		if strings.TrimSpace(r.Name) == "" {
			v.Add("name", "村名", "不能为空")
		}
		vs[i].Code, vs[i].Level, vs[i].Parent = code, region.Village, region.ParentOf(code)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		for i, r := range vs {
			var n int
			if err := tx.queryRow(`SELECT count(*) FROM regions WHERE code = ? AND level = 4`, r.Parent).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return &apperr.Error{Code: apperr.Invalid, Message: (apperr.FieldError{Row: i + 1, Field: "code", Label: "区划代码",
					Message: "所属乡镇" + r.Parent + "不存在"}).String()}
			}
			if _, err := tx.exec(`INSERT INTO regions (code, name, level, parent) VALUES (?, ?, 5, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name`, r.Code, r.Name, r.Parent); err != nil {
				return err
			}
		}
		return nil
	})
}

// Region returns one region by its code (any level; regions are public facts,
// not household data).
func (db *DB) Region(ctx context.Context, code string) (region.Region, error) {
	full, err := region.Normalize(code)
	if err != nil {
		return region.Region{}, apperr.Field("code", "区划代码", "%s", err.Error())
	}
	var r region.Region
	var lvl int
	err = db.queryRow(ctx, `SELECT code, name, level, parent FROM regions WHERE code = ?`, full).Scan(&r.Code, &r.Name, &lvl, &r.Parent)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "区划%s不存在", full)
	}
	r.Level = region.Level(lvl)
	return r, translate(err)
}

// RegionPath returns the chain of regions from the province down to code.
func (db *DB) RegionPath(ctx context.Context, code string) ([]region.Region, error) {
	var out []region.Region
	for _, c := range region.Path(code) {
		r, err := db.Region(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RegionSummary is a region with household and member counts inside it.
type RegionSummary struct {
	region.Region
	Households int64 `json:"households"`
	Members    int64 `json:"members"`
}

// Children lists the direct children of a region.
func (db *DB) Children(ctx context.Context, code string) ([]region.Region, error) {
	rows, err := db.query(ctx, `SELECT code, name, level, parent FROM regions WHERE parent = ? ORDER BY code`, code)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []region.Region
	for rows.Next() {
		var r region.Region
		var lvl int
		if err := rows.Scan(&r.Code, &r.Name, &lvl, &r.Parent); err != nil {
			return nil, translate(err)
		}
		r.Level = region.Level(lvl)
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// RegionNames returns the names of the given codes.
func (db *DB) RegionNames(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	for _, c := range codes {
		if _, ok := out[c]; ok || c == "" {
			continue
		}
		r, err := db.Region(ctx, c)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[c] = r.Name
	}
	return out, nil
}

// batchInsert inserts n rows with multi-row INSERT statements, filling each
// row through fill. One code path for both databases; large batches keep the
// number of round trips (and cgo calls) low.
func batchInsert(tx *Tx, table string, cols []string, n int, fill func(i int, row []any)) error {
	if n == 0 {
		return nil
	}
	if tx.db.dialect == SQLite {
		// In-process SQLite has no round trips: one prepared single-row
		// statement avoids parsing a large statement for every batch.
		st, err := tx.PrepareContext(tx.ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES ("+
			strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",")+")")
		if err != nil {
			return err
		}
		defer st.Close()
		row := make([]any, len(cols))
		for i := 0; i < n; i++ {
			fill(i, row)
			if _, err := st.ExecContext(tx.ctx, row...); err != nil {
				return err
			}
		}
		return nil
	}
	per := 8000 / len(cols) // stays far below PostgreSQL's parameter limit
	if per > 500 {
		per = 500
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var fullStmt *sql.Stmt
	if n >= per { // a full batch's statement is prepared once, for many
		st, err := tx.PrepareContext(tx.ctx, tx.db.q(head+strings.TrimSuffix(strings.Repeat(one+",", per), ",")))
		if err != nil {
			return err
		}
		defer st.Close()
		fullStmt = st
	}
	args := make([]any, 0, per*len(cols))
	row := make([]any, len(cols))
	for start := 0; start < n; start += per {
		end := start + per
		if end > n {
			end = n
		}
		args = args[:0]
		for i := start; i < end; i++ {
			fill(i, row)
			args = append(args, row...)
		}
		if end-start == per {
			if _, err := fullStmt.ExecContext(tx.ctx, args...); err != nil {
				return err
			}
			continue
		}
		q := head + strings.TrimSuffix(strings.Repeat(one+",", end-start), ",")
		if _, err := tx.exec(q, args...); err != nil {
			return err
		}
	}
	return nil
}
