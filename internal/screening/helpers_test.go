package screening

import (
	"sort"
	"strconv"
	"testing"
	"time"

	"sanbao/internal/clock"
)

// runDay is the day tests run on: routine screening, so the reference date
// is 2024-09-10 and the school reference date 2024-08-31.
var runDay = time.Date(2024, 9, 10, 15, 0, 0, 0, clock.China)

const village = "141121100201"

func testParams(t testing.TB) *Params {
	t.Helper()
	p, err := NewParams("141121000000", nil, runDay)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ymd(y, m, d int) YMD { return YMD(y*10000 + m*100 + d) }

// adult is a healthy working adult with insurance.
func adult(id int64) Member {
	return Member{ID: id, Birth: ymd(1980, 5, 1), Health: HealthHealthy, Schooling: SchoolGraduated, Labour: LabourNormal, Insured: true}
}

// child is a 10-year-old pupil.
func child(id int64) Member {
	return Member{ID: id, Birth: ymd(2014, 3, 1), Health: HealthHealthy, Schooling: SchoolInSchool, Labour: LabourNone, Insured: true}
}

func household(cat Category, ms ...Member) Input {
	return Input{Household: Household{ID: 7, Region: village, Category: cat}, Members: ms}
}

// fired runs Evaluate and returns "rule" or "rule@member" for each finding, sorted.
func fired(in *Input, p *Params) []string {
	var out []string
	Evaluate(in, p, func(f Finding) {
		s := f.Rule
		if f.Item != "" {
			s += "." + f.Item
		}
		if f.MemberID != 0 {
			s += "@" + strconv.FormatInt(f.MemberID, 10)
		}
		out = append(out, s)
	})
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mf builds member facts.
func mf(id int64, kv ...any) MemberFacts {
	f := MemberFacts{MemberID: id}
	for i := 0; i < len(kv); i += 2 {
		f.Set(kv[i].(MFact), kv[i+1].(bool))
	}
	return f
}

// hf builds household facts.
func hf(kv ...any) HouseholdFacts {
	var f HouseholdFacts
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case bool:
			f.SetBool(kv[i].(HFact), v)
		case int:
			f.Set(kv[i].(HFact), float64(v))
		case float64:
			f.Set(kv[i].(HFact), v)
		}
	}
	return f
}

// income sets the four incomes and expenses so that the per-capita income
// of n members is pc.
func income(f *HouseholdFacts, n int, pc float64) {
	f.Set(FIncomeWage, pc*float64(n)+1000)
	f.Set(FIncomeOperating, 0)
	f.Set(FIncomeProperty, 0)
	f.Set(FIncomeTransfer, 0)
	f.Set(FEligibleExpenses, 1000)
}
