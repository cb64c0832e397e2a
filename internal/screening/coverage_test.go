package screening

import (
	"testing"

	"sanbao/internal/region"
)

func TestRollup(t *testing.T) {
	rows := []Status{
		{1, "141121100201", true}, {2, "141121100201", false}, {3, "141121100201", true},
		{4, "141121100202", true},
		{5, "141121101203", false}, {6, "141121101203", false},
		{7, "141122100201", true}, // another county
	}
	got := map[string]Coverage{}
	for _, c := range Rollup(rows, "141121000000") {
		got[c.Region] = c
	}
	want := map[string][2]int{
		"141121000000": {6, 3},
		"141121100000": {4, 3},
		"141121101000": {2, 0},
		"141121100201": {3, 2},
		"141121100202": {1, 1},
		"141121101203": {2, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("regions %v", got)
	}
	for code, w := range want {
		c := got[code]
		if c.Total != w[0] || c.Visited != w[1] || c.Level != region.LevelOf(code) {
			t.Errorf("%s: %+v, want %v", code, c, w)
		}
	}
	if c := got["141121100202"]; !c.Complete() || c.Rate() != 1 || c.Pending() != 0 {
		t.Errorf("complete village %+v", c)
	}
	if c := got["141121000000"]; c.Rate() != 0.5 || c.Pending() != 3 {
		t.Errorf("county %+v", c)
	}
	all := Rollup(rows, "")
	if all[0].Region != "140000000000" || all[0].Total != 7 || all[0].Visited != 4 {
		t.Errorf("province %+v", all[0])
	}
	un := Unvisited(rows, "141121000000")
	if len(un) != 3 || un[0].HouseholdID != 2 || un[1].HouseholdID != 5 || un[2].HouseholdID != 6 {
		t.Errorf("unvisited %+v", un)
	}
	if (Coverage{}).Rate() != 1 {
		t.Error("an empty region has nothing missed")
	}
}

func TestRollupCountsAgreesWithRollup(t *testing.T) {
	rows := []Status{
		{1, "141121100201", true}, {2, "141121100201", false}, {3, "141121101203", false}, {4, "141122100201", true},
	}
	counts := []Coverage{
		{Region: "141121100201", Total: 1, Visited: 1}, {Region: "141121100201", Total: 1}, // a village twice
		{Region: "141121101203", Total: 1}, {Region: "141122100201", Total: 1, Visited: 1},
	}
	for _, scope := range []string{"", "141121000000", "141121100000"} {
		a, b := Rollup(rows, scope), RollupCounts(counts, scope)
		if len(a) != len(b) {
			t.Fatalf("scope %q: %v vs %v", scope, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("scope %q: %+v vs %+v", scope, a[i], b[i])
			}
		}
	}
}
