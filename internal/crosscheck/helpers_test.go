package crosscheck

import (
	"sort"
	"testing"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/idcard"
	"sanbao/internal/screening"
)

// now is the moment of the tests' uploads: 2026-06-01 10:00 China time.
// Compulsory-school age is counted on 2025-08-31.
var now = time.Date(2026, 6, 1, 10, 0, 0, 0, clock.China)

const (
	v1 = "141121104201"
	v2 = "141121104202"
)

func birth(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// person is a member of the test registry.
type person struct {
	id        int64
	household int64
	number    string
	schooling screening.Schooling
	severe    bool
	head      bool
}

var (
	// Household 1 (村1, 脱贫户, 低保): a head, two pupils, a severely disabled grandmother.
	pHead1  = person{101, 1, idcard.Make("141121", birth(1975, 3, 1), 11), screening.SchoolGraduated, false, true}
	pPupil1 = person{102, 1, idcard.Make("141121", birth(2014, 5, 1), 12), screening.SchoolInSchool, false, false}
	pPupil2 = person{103, 1, idcard.Make("141121", birth(2012, 3, 1), 13), screening.SchoolInSchool, false, false}
	pGran1  = person{104, 1, idcard.Make("141121", birth(1950, 1, 9), 14), screening.SchoolNone, true, false}
	// Household 2 (村1, 一般农户): a head, a child unable to study, a toddler.
	pHead2    = person{201, 2, idcard.Make("141121", birth(1980, 7, 7), 21), screening.SchoolGraduated, false, true}
	pUnable2  = person{202, 2, idcard.Make("141121", birth(2015, 2, 2), 22), screening.SchoolUnable, false, false}
	pToddler2 = person{203, 2, idcard.Make("141121", birth(2023, 2, 2), 24), screening.SchoolNone, false, false}
	// Household 3 (村2, 监测户): a head and a young worker.
	pHead3   = person{301, 3, idcard.Make("141121", birth(1960, 6, 6), 31), screening.SchoolNone, false, true}
	pWorker3 = person{302, 3, idcard.Make("141121", birth(1995, 6, 6), 32), screening.SchoolGraduated, false, false}
	// Household 4 (村2, 一般农户, not on dibao): a severely disabled head.
	pHead4 = person{401, 4, idcard.Make("141121", birth(1970, 4, 4), 41), screening.SchoolNone, true, true}

	everyone = []person{pHead1, pPupil1, pPupil2, pGran1, pHead2, pUnable2, pToddler2, pHead3, pWorker3, pHead4}
	// Someone of another county, valid but unknown to the registry.
	stranger = idcard.Make("140105", birth(1988, 8, 8), 51)
)

func testRegistry() *Registry {
	r := NewRegistry("141121", 4, len(everyone))
	r.AddHousehold(Household{ID: 1, Village: v1, Category: screening.CatLifted, Dibao: true})
	r.AddHousehold(Household{ID: 2, Village: v1, Category: screening.CatOrdinary})
	r.AddHousehold(Household{ID: 3, Village: v2, Category: screening.CatMonitored})
	r.AddHousehold(Household{ID: 4, Village: v2, Category: screening.CatOrdinary})
	r.Villages[v1], r.Villages[v2] = "东堡村", "西堡村"
	for _, p := range everyone {
		r.AddMember(p.household, Member{ID: p.id, Key: KeyOf(p.number), Schooling: p.schooling, Disabled: p.severe, Severe: p.severe})
	}
	r.Finish()
	return r
}

func testParams(t testing.TB) *Params {
	t.Helper()
	sp, err := screening.NewParams("141121000000", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	return NewParams(sp)
}

// row is a roster row as column key → cell.
type row map[string]string

func (r row) get(k string) string { return r[k] }

// upload parses and matches rows of kind k; it fails the test on a row
// that does not parse unless the row is expected to be rejected.
func upload(t *testing.T, reg *Registry, k Kind, rows ...row) *Match {
	t.Helper()
	ki := KindOf(k)
	m := NewMatch(ki, reg)
	pc := NewParseContext(now)
	for i, r := range rows {
		rec, err := ki.Parse(i+2, r.get, pc)
		if err != nil {
			t.Fatalf("row %d %v: %v", i+2, r, err)
		}
		if why := m.Add(&rec); why != "" {
			t.Fatalf("row %d %v not matched: %s", i+2, r, why)
		}
	}
	return m
}

// alerts evaluates and returns "rule@subject" sorted.
func alerts(in *Inputs, p *Params) []string {
	var out []string
	Evaluate(in, p, func(c Candidate) { out = append(out, c.Rule.Code+"@"+c.Subject) })
	sort.Strings(out)
	return out
}

func candidates(in *Inputs, p *Params) []Candidate {
	var out []Candidate
	Evaluate(in, p, func(c Candidate) { out = append(out, c) })
	return out
}
