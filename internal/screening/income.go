package screening

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// IncomeRow is one household's per-capita net income for the township pass.
type IncomeRow struct {
	HouseholdID int64
	Township    string // 9-digit township prefix (or its 12-digit code)
	PerCapita   float64
}

// IncomeRank collects the per-capita incomes of a run, household by
// household during the Evaluate loop, and then finds the lowest share of
// each township (002 §(二)1: 人均纯收入最低20%户).
type IncomeRank struct {
	rows    []incomeRow
	grouped []incomeRow // buffers kept between runs
	low     []incomeRow
	pcs     []float64
}

type incomeRow struct {
	town int64 // the 9 township digits as a number: sorts like the code
	pc   float64
	id   int64
}

// townKey parses the 9 township digits (-1 if they are not digits).
func townKey(code string) int64 {
	if len(code) < 9 {
		return -1
	}
	var v int64
	for i := 0; i < 9; i++ {
		c := code[i]
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// Add records in's per-capita income, if known.
func (r *IncomeRank) Add(in *Input) {
	pc, ok := PerCapita(in)
	t := townKey(in.Household.Region)
	if !ok || t < 0 {
		return
	}
	r.rows = append(r.rows, incomeRow{town: t, pc: pc, id: in.Household.ID})
}

// AddRow records a row directly.
func (r *IncomeRank) AddRow(row IncomeRow) {
	if t := townKey(row.Township); t >= 0 {
		r.rows = append(r.rows, incomeRow{town: t, pc: row.PerCapita, id: row.HouseholdID})
	}
}

// Len is the number of households with a known income.
func (r *IncomeRank) Len() int { return len(r.rows) }

// Findings emits an inc_lowest_20 finding for every household in the lowest
// p.LowestShare of its township by per-capita income. Only households whose
// income is known count. The cut is ceil(share × n) households; households
// tied with the last one inside the cut are included too, so that equal
// incomes are treated alike. Findings come out by township, then income.
func (r *IncomeRank) Findings(p *Params, emit func(Finding)) {
	if !p.DimensionOn(DimIncome) || len(r.rows) == 0 {
		return
	}
	// Group the rows by township (a counting sort: townships are few).
	count := map[int64]int{}
	for i := range r.rows {
		count[r.rows[i].town]++
	}
	towns := make([]int64, 0, len(count))
	for t := range count {
		towns = append(towns, t)
	}
	slices.Sort(towns)
	start := make(map[int64]int, len(towns))
	off := 0
	for _, t := range towns {
		start[t] = off
		off += count[t]
	}
	r.grouped = slices.Grow(r.grouped[:0], len(r.rows))[:len(r.rows)]
	for i := range r.rows {
		t := r.rows[i].town
		r.grouped[start[t]] = r.rows[i]
		start[t]++
	}
	rule := ruleByID[rIncomeLowest]
	off = 0
	for _, t := range towns {
		group := r.grouped[off : off+count[t]]
		off += count[t]
		n := len(group)
		k := int(math.Ceil(p.LowestShare*float64(n) - 1e-9))
		k = min(max(k, 1), n)
		// The cut value: the k-th lowest income (sorting bare floats is
		// much cheaper than sorting the rows).
		r.pcs = r.pcs[:0]
		for i := range group {
			r.pcs = append(r.pcs, group[i].pc)
		}
		slices.Sort(r.pcs)
		cut := r.pcs[k-1]
		low := r.low[:0]
		for i := range group {
			if group[i].pc <= cut {
				low = append(low, group[i])
			}
		}
		slices.SortFunc(low, func(a, b incomeRow) int {
			if c := cmp.Compare(a.pc, b.pc); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		r.low = low
		cutText := fmtNum(cut) + "元"
		cutLabel := "最低" + fmtNum(p.LowestShare*100) + "%界值"
		total := "（共" + strconv.Itoa(n) + "户已测算收入）"
		rank := 0
		for i := range low {
			g := &low[i]
			if i == 0 || g.pc != low[i-1].pc {
				rank = i + 1 // tied incomes share a rank
			}
			emit(Finding{Rule: rule.Code, Dimension: rule.Dimension, HouseholdID: g.id, Title: rule.Title, Source: rule.Source,
				Evidence: []Evidence{
					numEv("per_capita", "人均纯收入", g.pc, "元"),
					{Key: "rank", Label: "乡镇排位", Value: "第" + strconv.Itoa(rank) + "位" + total},
					{Key: "cut", Label: cutLabel, Value: cutText},
				}})
		}
	}
}

// Reset empties the collected rows, keeping their memory for the next run.
func (r *IncomeRank) Reset() { r.rows = r.rows[:0] }
