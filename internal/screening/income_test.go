package screening

import (
	"strings"
	"testing"
)

func TestIncomeRankLowest20(t *testing.T) {
	p := testParams(t)
	var r IncomeRank
	add := func(id int64, town string, pc float64) {
		r.AddRow(IncomeRow{HouseholdID: id, Township: town, PerCapita: pc})
	}
	// Township A: 10 households, 20% = 2; the second lowest (8000) is tied
	// with household 13, so three are listed.
	a := "141121100"
	for i, pc := range []float64{9000, 8000, 12000, 8000, 15000, 6000, 20000, 11000, 10000, 30000} {
		add(int64(10+i), a, pc)
	}
	// Township B: 3 households, ceil(0.6) = 1.
	b := "141121101"
	add(30, b, 5000)
	add(31, b, 4000)
	add(32, b, 7000)
	// Township C: 1 household, itself.
	add(40, "141121102", 50000)
	var got []int64
	var texts []string
	r.Findings(p, func(f Finding) {
		got = append(got, f.HouseholdID)
		texts = append(texts, f.Text())
		if f.Rule != RuleIncomeLowest || f.Key() == "" || f.Source.Seed != "002" {
			t.Errorf("finding %+v", f)
		}
	})
	want := []int64{15, 11, 13, 31, 40}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if !strings.Contains(texts[1], "第2位（共10户已测算收入）") || !strings.Contains(texts[2], "第2位") || !strings.Contains(texts[1], "最低20%界值：8000元") {
		t.Errorf("tied households share a rank: %q / %q", texts[1], texts[2])
	}
}

func TestIncomeRankFromInputs(t *testing.T) {
	p := testParams(t)
	var r IncomeRank
	for i := 0; i < 5; i++ {
		in := household(CatOrdinary, adult(1), adult(2))
		in.Household.ID = int64(i + 1)
		income(&in.Facts, 2, float64(10000+i*1000))
		r.Add(&in)
	}
	unknown := household(CatOrdinary, adult(1))
	unknown.Household.ID = 99
	r.Add(&unknown) // income never recorded: not ranked
	if r.Len() != 5 {
		t.Fatalf("len %d", r.Len())
	}
	var got []int64
	r.Findings(p, func(f Finding) { got = append(got, f.HouseholdID) })
	if len(got) != 1 || got[0] != 1 {
		t.Errorf("got %v", got)
	}
	if pc, ok := PerCapita(&unknown); ok || pc != 0 {
		t.Error("unknown income reported")
	}
	in := household(CatOrdinary, adult(1), adult(2), adult(3))
	in.Facts = hf(FIncomeWage, 20000, FIncomeOperating, 5000, FIncomeProperty, 1000, FIncomeTransfer, 3000, FEligibleExpenses, 2000)
	if pc, ok := PerCapita(&in); !ok || pc != 9000 {
		t.Errorf("per capita %v %v, want (20000+5000+1000+3000-2000)/3 = 9000", pc, ok)
	}
}
