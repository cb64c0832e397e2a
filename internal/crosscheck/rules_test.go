package crosscheck

import (
	"slices"
	"strings"
	"testing"
)

func student(p person, status string) row {
	return row{"id_number": p.number, "name": "学生", "school": "文水县实验小学", "grade": "五年级", "status": status}
}

func insured(p person, year string) row {
	return row{"id_number": p.number, "scheme": "城乡居民医保", "year": year}
}

func discharge(p person, total, reimbursed, oop string) row {
	return row{"id_number": p.number, "discharge_date": "2026-05-20", "total": total, "reimbursed": reimbursed, "out_of_pocket": oop}
}

func disabled(p person, grade, living string) row {
	return row{"id_number": p.number, "type": "肢体残疾", "grade": grade, "living_subsidy": living}
}

func house(p person, grade, renovation, movedIn, paid string) row {
	return row{"id_number": p.number, "grade": grade, "renovation": renovation, "moved_in": movedIn, "subsidy_paid": paid}
}

func job(p person, employed, income string) row {
	return row{"id_number": p.number, "employed": employed, "monthly_income": income}
}

var allKeyMembers = []person{pHead1, pPupil1, pPupil2, pGran1, pHead3, pWorker3}

func insuredAll(year string, except ...person) []row {
	var out []row
outer:
	for _, p := range allKeyMembers {
		for _, e := range except {
			if e.id == p.id {
				continue outer
			}
		}
		out = append(out, insured(p, year))
	}
	return out
}

// TestRules runs each alert rule over rows that trigger it and rows that
// do not.
func TestRules(t *testing.T) {
	cases := []struct {
		name       string
		kind       Kind
		rows       []row
		assistance []row // the civil-affairs roster's latest upload, if any
		want       []string
	}{
		// Education: compulsory-age members must be in the student roster, not dropped.
		{"students all enrolled", KindStudents, []row{student(pPupil1, "在校"), student(pPupil2, "在读")}, nil, nil},
		{"pupil absent", KindStudents, []row{student(pPupil2, "在校")}, nil, []string{"edu_not_enrolled@m102"}},
		{"pupil dropped", KindStudents, []row{student(pPupil1, "在校"), student(pPupil2, "辍学")}, nil, []string{"edu_not_enrolled@m103"}},
		{"suspended and transferred are not dropouts", KindStudents, []row{student(pPupil1, "休学"), student(pPupil2, "转出")}, nil, nil},
		{"listed twice, enrolled wins", KindStudents, []row{student(pPupil1, "在校"), student(pPupil2, "辍学"), student(pPupil2, "在校")}, nil, nil},
		{"nobody listed: only the two pupils (the exempt child and the toddler are not)", KindStudents, []row{student(pHead1, "在校")}, nil,
			[]string{"edu_not_enrolled@m102", "edu_not_enrolled@m103"}},

		// Insurance: every member of a lifted or monitored household in the latest year.
		{"all key members insured", KindInsurance, insuredAll("2026"), nil, nil},
		{"a lifted member missing", KindInsurance, insuredAll("2026", pGran1), nil, []string{"med_not_insured@m104"}},
		{"a monitored member only in last year's roster", KindInsurance, append(insuredAll("2026", pWorker3), insured(pWorker3, "2025")), nil,
			[]string{"med_not_insured@m302"}},
		{"ordinary households are not the rule's", KindInsurance, insuredAll("2026", pHead2), nil, nil},

		// Large expenses after discharge: out of pocket above 10,000 yuan.
		{"large out of pocket", KindDischarge, []row{discharge(pHead1, "56000", "41000", "15000"), discharge(pHead2, "20000", "", "8000")}, nil,
			[]string{"med_large_expense@m101"}},
		{"summed over discharges", KindDischarge, []row{discharge(pHead3, "9000", "", "6000"), discharge(pHead3, "9000", "", "6000")}, nil,
			[]string{"med_large_expense@m301"}},
		{"out of pocket computed from total and reimbursed", KindDischarge, []row{discharge(pWorker3, "30000", "18000", "")}, nil,
			[]string{"med_large_expense@m302"}},
		{"exactly at the line is not above it", KindDischarge, []row{discharge(pHead1, "10000", "", "10000")}, nil, nil},

		// Disability: severe, on dibao, without the living subsidy.
		{"severe on dibao without subsidy", KindDisability, []row{disabled(pGran1, "二级", "否")}, nil, []string{"sn_no_living_subsidy@m104"}},
		{"severe on dibao with subsidy", KindDisability, []row{disabled(pGran1, "二级", "是")}, nil, nil},
		{"subsidy given as an amount", KindDisability, []row{disabled(pGran1, "一级", "120")}, nil, nil},
		{"grade three is not severe", KindDisability, []row{disabled(pGran1, "三级", "否")}, nil, nil},
		{"not on dibao", KindDisability, []row{disabled(pHead4, "一级", "否")}, nil, nil},
		{"on dibao by the civil-affairs roster", KindDisability, []row{disabled(pHead4, "一级", "否")},
			[]row{{"id_number": pHead4.number, "kind": "低保", "tier": "二类", "from": "2025-01-01"}}, []string{"sn_no_living_subsidy@m401"}},
		{"dibao ended before today", KindDisability, []row{disabled(pHead4, "一级", "否")},
			[]row{{"id_number": pHead4.number, "kind": "低保", "from": "2020-01-01", "to": "2025-12-31"}}, nil},

		// Housing: C/D grade, renovated but not moved in, subsidy unpaid after acceptance.
		{"C and D houses", KindHousing, []row{house(pHead1, "C级", "", "", ""), house(pHead2, "B", "", "", ""), house(pHead3, "d", "", "", "")}, nil,
			[]string{"house_dangerous@h1", "house_dangerous@h3"}},
		{"matched by any member's number", KindHousing, []row{house(pPupil1, "C", "", "", "")}, nil, []string{"house_dangerous@h1"}},
		{"renovated, not moved in", KindHousing, []row{house(pHead2, "A", "已竣工", "否", ""), house(pHead3, "A", "已竣工", "是", "")}, nil,
			[]string{"house_not_moved_in@h2"}},
		{"subsidy unpaid after acceptance only", KindHousing, []row{house(pHead3, "A", "已验收", "是", "未发放"), house(pHead2, "A", "已竣工", "是", "否")}, nil,
			[]string{"house_subsidy_unpaid@h3"}},

		// Water: the four indicators.
		{"village-level quality", KindWater, []row{{"village": v1, "quality_ok": "否"}, {"village": v2, "quality_ok": "是", "litres": "50"}}, nil,
			[]string{"water_unsafe@v" + v1}},
		{"village by name", KindWater, []row{{"village": "西堡村", "supply_rate": "80"}}, nil, []string{"water_unsafe@v" + v2}},
		{"household quantity", KindWater, []row{{"id_number": pHead3.number, "litres": "15"}, {"id_number": pHead4.number, "litres": "30", "tap_water": "是", "supply_rate": "95"}}, nil,
			[]string{"water_unsafe@h3"}},
		{"convenience needs time and distance", KindWater, []row{
			{"id_number": pHead2.number, "tap_water": "否", "fetch_minutes": "30", "distance_h": "1000"},
			{"id_number": pHead3.number, "tap_water": "否", "fetch_minutes": "30", "distance_h": "500", "distance_v": "50"},
			{"id_number": pHead4.number, "tap_water": "否", "fetch_minutes": "15", "distance_h": "2000"}}, nil,
			[]string{"water_unsafe@h2"}},
		{"reliability", KindWater, []row{{"id_number": pHead1.number, "supply_rate": "85%"}}, nil, []string{"water_unsafe@h1"}},

		// Employment: unemployed with no one else earning.
		{"unemployed, no other income", KindEmployment, []row{job(pWorker3, "否", "")}, nil, []string{"emp_no_income@h3"}},
		{"another member employed", KindEmployment, []row{job(pWorker3, "失业", ""), job(pHead3, "是", "")}, nil, nil},
		{"an income counts", KindEmployment, []row{job(pWorker3, "否", "2000")}, nil, nil},
		{"employed only", KindEmployment, []row{job(pHead1, "已就业", "3000")}, nil, nil},
	}
	p := testParams(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := testRegistry()
			in := &Inputs{Match: upload(t, reg, c.kind, c.rows...)}
			if c.assistance != nil {
				in.Assistance = upload(t, reg, KindAssistance, c.assistance...).Members
			}
			if got := alerts(in, p); !slices.Equal(got, c.want) {
				t.Fatalf("alerts = %v, want %v", got, c.want)
			}
			for _, cand := range candidates(in, p) {
				if len(cand.Evidence) == 0 || cand.Fingerprint == "" || cand.Village == "" {
					t.Fatalf("candidate without evidence, fingerprint or village: %+v", cand)
				}
			}
		})
	}
}

func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules {
		if seen[r.Code] {
			t.Fatalf("rule %s twice", r.Code)
		}
		seen[r.Code] = true
		if r.Source.Seed == "" || r.Source.Quote == "" || r.Title == "" || r.Criterion == "" || r.eval == nil {
			t.Fatalf("rule %s incomplete", r.Code)
		}
		if ki := KindOf(r.Kind); ki == nil || ki.Department != r.Department {
			t.Fatalf("rule %s: kind %s is not of department %s", r.Code, r.Kind, r.Department)
		}
		if r.Resolvable != (r.cleared != nil) {
			t.Fatalf("rule %s: resolvable without a clearing check", r.Code)
		}
	}
	for _, ki := range Kinds() {
		if ki.Kind != KindAssistance && len(RulesOf(ki.Kind)) == 0 {
			t.Fatalf("roster %s runs no rule", ki.Kind)
		}
	}
}

func TestEvidenceIsChinese(t *testing.T) {
	p := testParams(t)
	reg := testRegistry()
	in := &Inputs{Match: upload(t, reg, KindStudents, student(pPupil2, "辍学"))}
	cs := candidates(in, p)
	if len(cs) != 2 {
		t.Fatalf("candidates = %d", len(cs))
	}
	var text []string
	for _, e := range cs[1].Evidence {
		text = append(text, e.Label+"："+e.Value)
	}
	got := strings.Join(text, "；")
	for _, want := range []string{"13周岁（按2025-08-31计）", "在校生", "辍学（文水县实验小学 五年级）"} {
		if !strings.Contains(got, want) {
			t.Fatalf("evidence %q lacks %q", got, want)
		}
	}
}
