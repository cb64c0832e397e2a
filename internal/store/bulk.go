package store

import (
	"context"
	"fmt"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// allocIDs reserves n new ids of a table inside tx. On SQLite the writer
// holds the database lock, so max(id)+1 onwards is free; on PostgreSQL the
// identity sequence hands them out.
func allocIDs(tx *Tx, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if n == 0 {
		return ids, nil
	}
	if tx.db.dialect == Postgres {
		rows, err := tx.query(`SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var max int64
	if err := tx.queryRow(`SELECT COALESCE(max(id), 0) FROM ` + table).Scan(&max); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, max+int64(i))
	}
	return ids, nil
}

var householdInsertCols = []string{"id", "county", "region_code", "number", "category", "monitor_type", "relocated",
	"housing_priority", "dibao", "dibao_tier", "tekun", "phone", "address", "created_at", "updated_at"}

var memberInsertCols = []string{"id", "household_id", "county", "region_code", "id_number", "name", "sex", "birth_date",
	"relation", "disability_type", "disability_grade", "health", "schooling", "school", "labour", "medical_insured",
	"created_at", "updated_at"}

// Loader inserts many households with their members in one transaction.
// Rows must already be valid (the demo generator and the importer validate
// them); the database's constraints still guard uniqueness.
type Loader struct {
	tx      *Tx
	now     string
	n       int
	members int
	region  string // the smallest region containing every household added
}

// BulkLoad runs fn with a Loader inside one write transaction: either every
// household fn adds is stored, or none.
func (db *DB) BulkLoad(ctx context.Context, fn func(l *Loader) error) error {
	now := ts(db.now())
	return db.write(ctx, func(tx *Tx) error {
		l := &Loader{tx: tx, now: now}
		if err := fn(l); err != nil {
			return err
		}
		if l.n == 0 {
			return nil
		}
		return tx.audit(Change{Action: audit.ActImport, Object: "household", Region: l.region,
			Detail: fmt.Sprintf("批量写入%d户%d人", l.n, l.members),
			New:    map[string]int{"households": l.n, "members": l.members}})
	})
}

// Add inserts a batch of households; each Household's Members are inserted
// with it and every ID is filled in.
func (l *Loader) Add(hs []*registry.Household) error {
	ids, err := allocIDs(l.tx, "households", len(hs))
	if err != nil {
		return err
	}
	nm := 0
	for i, h := range hs {
		h.ID = ids[i]
		nm += len(h.Members)
	}
	if err := batchInsert(l.tx, "households", householdInsertCols, len(hs), func(i int, row []any) {
		h := hs[i]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6] = h.ID, h.County, h.RegionCode, h.Number, h.Category, h.MonitorType, h.Relocated
		row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14] = strings.Join(h.HousingPriority, ","), h.Dibao, h.DibaoTier, h.Tekun, h.Phone, h.Address, l.now, l.now
	}); err != nil {
		return err
	}
	mids, err := allocIDs(l.tx, "members", nm)
	if err != nil {
		return err
	}
	flat := make([]*registry.Member, 0, nm)
	k := 0
	for _, h := range hs {
		for j := range h.Members {
			m := &h.Members[j]
			m.ID, m.HouseholdID, m.County = mids[k], h.ID, h.County
			k++
			flat = append(flat, m)
		}
	}
	regionOf := make(map[int64]string, len(hs))
	for _, h := range hs {
		regionOf[h.ID] = h.RegionCode
	}
	if err := batchInsert(l.tx, "members", memberInsertCols, len(flat), func(i int, row []any) {
		m := flat[i]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = m.ID, m.HouseholdID, m.County, regionOf[m.HouseholdID], m.IDNumber, m.Name, m.Sex, m.BirthDate.String()
		row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15] = m.Relation, m.DisabilityType, m.DisabilityGrade, m.Health, m.Schooling, m.School, m.Labour, m.MedicalInsured
		row[16], row[17] = l.now, l.now
	}); err != nil {
		if apperr.Is(translate(err), apperr.Conflict) {
			return apperr.New(apperr.Conflict, "批量写入时发现重复的身份证号或户编号")
		}
		return err
	}
	l.n += len(hs)
	l.members += nm
	for i, h := range hs {
		if i == 0 && l.n == len(hs) {
			l.region = h.RegionCode
		} else if l.region != "" {
			l.region = commonRegion(l.region, h.RegionCode)
		}
	}
	return nil
}

// Count is how many households were added so far.
func (l *Loader) Count() int { return l.n }

// Counts returns households and members in the scope.
func (db *DB) Counts(ctx context.Context, sc Scope) (households, members int64, err error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return 0, 0, err
	}
	if err = db.queryRow(ctx, `SELECT count(*) FROM households WHERE region_code >= ? AND region_code < ?`, lo, hi).Scan(&households); err != nil {
		return 0, 0, translate(err)
	}
	err = db.queryRow(ctx, `SELECT count(*) FROM members WHERE region_code >= ? AND region_code < ?`, lo, hi).Scan(&members)
	return households, members, translate(err)
}

// Analyze refreshes the query planner's statistics after a bulk load; on
// PostgreSQL it also vacuums, so the visibility map lets counts over a
// region's index run as index-only scans.
func (db *DB) Analyze(ctx context.Context) error {
	q := `VACUUM (ANALYZE)`
	if db.dialect == SQLite {
		q = `PRAGMA analysis_limit = 2000; ANALYZE; PRAGMA optimize`
	}
	_, err := db.w.ExecContext(ctx, q)
	return translate(err)
}

// commonRegion returns the smallest region containing both a and b ("" when
// none does: different provinces).
func commonRegion(a, b string) string {
	path := region.Path(a)
	for i := len(path) - 1; i >= 0; i-- {
		if region.Contains(path[i], b) {
			return path[i]
		}
	}
	return ""
}
