package store

import (
	"context"
	"sort"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
)

// Summary counts the households and members of a region.
type Summary struct {
	Region     region.Region `json:"region"`
	Households int64         `json:"households"`
	Members    int64         `json:"members"`
	// ByCategory and ByMonitorType count households by their code.
	ByCategory    map[string]int64 `json:"by_category"`
	ByMonitorType map[string]int64 `json:"by_monitor_type"`
}

// regionInScope reads a region the scope reaches (the account's own region
// or one below it); any other answers NotFound.
func (db *DB) regionInScope(ctx context.Context, sc Scope, code string) (region.Region, error) {
	full, err := region.Normalize(code)
	if err != nil || !sc.Contains(full) {
		return region.Region{}, apperr.New(apperr.NotFound, "区域不存在")
	}
	return db.Region(ctx, full)
}

// RegionSummary counts the households and members of a region inside the
// scope, by category and by monitoring type.
func (db *DB) Summary(ctx context.Context, sc Scope, code string) (*Summary, error) {
	r, err := db.regionInScope(ctx, sc, code)
	if err != nil {
		return nil, err
	}
	lo, hi := region.Range(r.Code)
	out := &Summary{Region: r, ByCategory: map[string]int64{}, ByMonitorType: map[string]int64{}}
	rows, err := db.query(ctx, `SELECT category, monitor_type, count(*) FROM households
		WHERE region_code >= ? AND region_code < ? GROUP BY category, monitor_type`, lo, hi)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cat, mt string
		var n int64
		if err := rows.Scan(&cat, &mt, &n); err != nil {
			return nil, translate(err)
		}
		out.Households += n
		out.ByCategory[cat] += n
		if mt != "" {
			out.ByMonitorType[mt] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	// "relation <> ''" (always true) selects the partial index members_region_count.
	err = db.queryRow(ctx, `SELECT count(*) FROM members WHERE region_code >= ? AND region_code < ? AND relation <> ''`, lo, hi).Scan(&out.Members)
	return out, translate(err)
}

// ChildSummaries lists the direct children of a region inside the scope with
// their household and member counts (zero for children without households).
func (db *DB) ChildSummaries(ctx context.Context, sc Scope, code string) ([]RegionSummary, error) {
	r, err := db.regionInScope(ctx, sc, code)
	if err != nil {
		return nil, err
	}
	kids, err := db.Children(ctx, r.Code)
	if err != nil {
		return nil, err
	}
	out := make([]RegionSummary, len(kids))
	for i, k := range kids {
		out[i].Region = k
	}
	// One indexed range count per child: cheaper than grouping the whole
	// range by a prefix (no sort), and each count is an index-only scan.
	for i := range out {
		clo, chi := region.Range(out[i].Code)
		if err := db.queryRow(ctx, `SELECT count(*) FROM households WHERE region_code >= ? AND region_code < ?`, clo, chi).Scan(&out[i].Households); err != nil {
			return nil, translate(err)
		}
		if out[i].Households == 0 {
			continue
		}
		// "relation <> ''" (always true) selects the partial index members_region_count.
		if err := db.queryRow(ctx, `SELECT count(*) FROM members WHERE region_code >= ? AND region_code < ? AND relation <> ''`, clo, chi).Scan(&out[i].Members); err != nil {
			return nil, translate(err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// Subregions lists the regions below code down to depth levels (1: its
// children), in code order: for the region choices of forms and filters.
func (db *DB) Subregions(ctx context.Context, code string, depth int) ([]region.Region, error) {
	full, err := region.Normalize(code)
	if err != nil {
		return nil, apperr.Field("region", "区域", "%s", err.Error())
	}
	l := region.LevelOf(full)
	lo, hi := region.Range(full)
	rows, err := db.query(ctx, `SELECT code, name, level, parent FROM regions WHERE code >= ? AND code < ? AND level > ? AND level <= ?
		ORDER BY code`, lo, hi, int(l), int(l)+depth)
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
