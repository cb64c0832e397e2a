package screening

import (
	"sort"

	"sanbao/internal/region"
)

// Status is one household of a campaign: its village and whether it has a
// signed visit for the campaign.
type Status struct {
	HouseholdID int64
	Region      string // 12-digit village code
	Visited     bool
}

// Coverage counts the households of one region: visited of total.
type Coverage struct {
	Region  string       `json:"region_code"`
	Level   region.Level `json:"level"`
	Total   int          `json:"total"`
	Visited int          `json:"visited"`
}

// Pending is the number of households not yet visited.
func (c Coverage) Pending() int { return c.Total - c.Visited }

// Rate is the visited share, 0..1 (1 for an empty region: nothing missed).
func (c Coverage) Rate() float64 {
	if c.Total == 0 {
		return 1
	}
	return float64(c.Visited) / float64(c.Total)
}

// Complete reports whether every household was visited (不落一户).
func (c Coverage) Complete() bool { return c.Visited == c.Total }

// Rollup counts coverage per village and rolls it up the region tree to
// scope (a 12-digit code of any level; "" for up to the province). Levels
// above scope are left out. The result is sorted by region code, so that a
// parent precedes its children.
func Rollup(rows []Status, scope string) []Coverage {
	villages := map[string]*Coverage{}
	for i := range rows {
		r := &rows[i]
		c := villages[r.Region]
		if c == nil {
			c = &Coverage{Region: r.Region}
			villages[r.Region] = c
		}
		c.Total++
		if r.Visited {
			c.Visited++
		}
	}
	counts := make([]Coverage, 0, len(villages))
	for _, c := range villages {
		counts = append(counts, *c)
	}
	return RollupCounts(counts, scope)
}

// RollupCounts is Rollup over counts already made per village (Region,
// Total and Visited of each; a village may appear more than once): a store
// counts in SQL and rolls up here.
func RollupCounts(villages []Coverage, scope string) []Coverage {
	minLevel := region.Province
	if scope != "" {
		minLevel = region.LevelOf(scope)
	}
	all := map[string]*Coverage{}
	for _, c := range villages {
		if scope != "" && !region.Contains(scope, c.Region) {
			continue
		}
		for _, anc := range region.Path(c.Region) {
			l := region.LevelOf(anc)
			if l < minLevel {
				continue
			}
			cv := all[anc]
			if cv == nil {
				cv = &Coverage{Region: anc, Level: l}
				all[anc] = cv
			}
			cv.Total += c.Total
			cv.Visited += c.Visited
		}
	}
	out := make([]Coverage, 0, len(all))
	for _, c := range all {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out
}

// Unvisited lists the households of scope ("" for all) not yet visited,
// ordered by village then household ID.
func Unvisited(rows []Status, scope string) []Status {
	var out []Status
	for _, r := range rows {
		if !r.Visited && (scope == "" || region.Contains(scope, r.Region)) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].HouseholdID < out[j].HouseholdID
	})
	return out
}
