package screening

import (
	"strings"
	"testing"

	"sanbao/internal/apperr"
	"sanbao/internal/policy"
)

type evalCase struct {
	name  string
	in    func() Input
	want  []string
	setup func(p *Params)
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testParams(t)
			if tc.setup != nil {
				tc.setup(p)
				if err := p.Prepare(); err != nil {
					t.Fatal(err)
				}
			}
			in := tc.in()
			got := fired(&in, p)
			if !equal(got, tc.want) {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
		})
	}
}

func withMF(in Input, f ...MemberFacts) Input {
	in.MemberFacts = AlignMemberFacts(in.Members, f)
	return in
}

func TestEducationRules(t *testing.T) {
	kid := func(s Schooling) Member { m := child(2); m.Schooling = s; return m }
	disabledKid := func(s Schooling) Member { m := kid(s); m.Disabled = true; return m }
	runCases(t, []evalCase{
		{"pupil in school", func() Input { return household(CatOrdinary, adult(1), child(2)) }, nil, nil},
		{"dropout", func() Input { return household(CatOrdinary, adult(1), kid(SchoolDropout)) }, []string{"edu_dropout@2"}, nil},
		{"not in school (none)", func() Input { return household(CatLifted, adult(1), kid(SchoolNone)) }, []string{"edu_dropout@2"}, nil},
		{"school age still in preschool", func() Input { return household(CatOrdinary, adult(1), kid(SchoolPreschool)) }, []string{"edu_dropout@2"}, nil},
		{"physically unable to study: exempt", func() Input { return household(CatOrdinary, adult(1), kid(SchoolUnable)) }, nil, nil},
		{"home teaching: exempt", func() Input { return household(CatOrdinary, adult(1), kid(SchoolHomeTeaching)) }, nil, nil},
		{"graduated at 12 is not possible: dropout", func() Input { return household(CatOrdinary, adult(1), kid(SchoolGraduated)) }, []string{"edu_dropout@2"}, nil},
		{"graduated junior middle school at 15: not a dropout", func() Input {
			m := kid(SchoolGraduated)
			m.Birth = ymd(2009, 1, 1) // 15 on 2024-08-31
			return household(CatOrdinary, adult(1), m)
		}, nil, nil},
		{"unknown schooling raises nothing", func() Input { return household(CatOrdinary, adult(1), kid(SchoolUnknown)) }, nil, nil},
		{"unknown birth raises nothing", func() Input { m := kid(SchoolDropout); m.Birth = 0; return household(CatOrdinary, m) }, nil, nil},
		{"adult dropout is not compulsory education", func() Input { m := adult(1); m.Schooling = SchoolDropout; return household(CatOrdinary, m) }, nil, nil},
		{"in school but no school record in the education roster", func() Input {
			return withMF(household(CatOrdinary, adult(1), child(2)), mf(2, FEnrolled, false))
		}, []string{"edu_dropout@2"}, nil},
		{"registered but not attending", func() Input {
			return withMF(household(CatOrdinary, adult(1), child(2)), mf(2, FAttending, false))
		}, []string{"edu_not_attending@2"}, nil},
		{"attending confirmed", func() Input {
			return withMF(household(CatOrdinary, adult(1), child(2)), mf(2, FAttending, true, FEnrolled, true))
		}, nil, nil},
		{"disabled child not assessed", func() Input {
			return withMF(household(CatOrdinary, adult(1), disabledKid(SchoolInSchool)), mf(2, FDisabilityAssessed, false))
		}, []string{"edu_disabled_unassessed@2"}, nil},
		{"disabled child, assessment unknown: policy requires it known", func() Input {
			return household(CatOrdinary, adult(1), disabledKid(SchoolInSchool))
		}, []string{"edu_disabled_unassessed@2"}, nil},
		{"disabled child assessed and in school", func() Input {
			return withMF(household(CatOrdinary, adult(1), disabledKid(SchoolInSchool)), mf(2, FDisabilityAssessed, true))
		}, nil, nil},
		{"disabled child unable to attend without home teaching", func() Input {
			return withMF(household(CatOrdinary, adult(1), disabledKid(SchoolUnable)), mf(2, FDisabilityAssessed, true, FHomeTeaching, false))
		}, []string{"edu_no_home_teaching@2"}, nil},
		{"disabled child unable to attend, home teaching unknown: a gap, not a finding", func() Input {
			return withMF(household(CatOrdinary, adult(1), disabledKid(SchoolUnable)), mf(2, FDisabilityAssessed, true))
		}, nil, nil},
		{"disabled child served by home teaching", func() Input {
			return withMF(household(CatOrdinary, adult(1), disabledKid(SchoolHomeTeaching)), mf(2, FDisabilityAssessed, true, FHomeTeaching, true))
		}, nil, nil},
		{"disabled adult needs no assessment", func() Input { m := adult(1); m.Disabled = true; return household(CatOrdinary, m) }, nil, nil},
		{"relocated student without receiving school", func() Input {
			in := withMF(household(CatLifted, adult(1), child(2)), mf(2, FReceivingSchool, false, FSchoolRecordMoved, true))
			in.Household.Relocated = true
			return in
		}, []string{"edu_relocated_no_school@2"}, nil},
		{"relocated student whose record did not move", func() Input {
			in := withMF(household(CatLifted, adult(1), child(2)), mf(2, FReceivingSchool, true, FSchoolRecordMoved, false))
			in.Household.Relocated = true
			return in
		}, []string{"edu_relocated_no_school@2"}, nil},
		{"not relocated: receiving school irrelevant", func() Input {
			return withMF(household(CatLifted, adult(1), child(2)), mf(2, FReceivingSchool, false))
		}, nil, nil},
		{"student of a lifted household without aid", func() Input {
			return withMF(household(CatLifted, adult(1), child(2)), mf(2, FStudentAid, false))
		}, []string{"edu_no_aid@2"}, nil},
		{"student of an ordinary household: aid rule does not apply", func() Input {
			return withMF(household(CatOrdinary, adult(1), child(2)), mf(2, FStudentAid, false))
		}, nil, nil},
	})
}

func TestSchoolAgeBoundaries(t *testing.T) {
	// The school reference date of a run on 2024-09-10 is 2024-08-31.
	cases := []struct {
		name  string
		birth YMD
		want  bool
	}{
		{"turns 6 on the reference date", ymd(2018, 8, 31), true},
		{"turns 6 the day after", ymd(2018, 9, 1), false},
		{"turned 6 in spring", ymd(2018, 3, 15), true},
		{"15, turns 16 the day after", ymd(2008, 9, 1), true},
		{"turns 16 on the reference date", ymd(2008, 8, 31), false},
		{"leap-day birth, 6 on 2024-08-31", ymd(2018, 2, 28), true},
	}
	p := testParams(t)
	if got := p.SchoolRefDate.Format("2006-01-02"); got != "2024-08-31" {
		t.Fatalf("school reference date = %s", got)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := child(2)
			m.Schooling = SchoolNone
			m.Birth = tc.birth
			in := household(CatOrdinary, adult(1), m)
			got := len(fired(&in, p)) == 1
			if got != tc.want {
				t.Errorf("dropout raised = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSchoolAgeOnRunDateMode(t *testing.T) {
	// A deployment may count school age on the screening reference date itself.
	p := testParams(t)
	p.SchoolRefDate = p.RefDate // 2024-09-10
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		birth YMD
		want  int
	}{{ymd(2018, 9, 10), 1}, {ymd(2018, 9, 11), 0}, {ymd(2008, 9, 10), 0}, {ymd(2008, 9, 11), 1}} {
		m := child(2)
		m.Schooling = SchoolNone
		m.Birth = tc.birth
		in := household(CatOrdinary, adult(1), m)
		if got := len(fired(&in, p)); got != tc.want {
			t.Errorf("birth %s: %d findings, want %d", tc.birth, got, tc.want)
		}
	}
}

func TestMedicalRules(t *testing.T) {
	uninsured := func(cat Category) Input { m := adult(1); m.Insured = false; return household(cat, m) }
	chronic := func(h Health) Member { m := adult(1); m.Health = h; return m }
	runCases(t, []evalCase{
		{"lifted member uninsured", func() Input { return uninsured(CatLifted) }, []string{"med_uninsured@1"}, nil},
		{"monitored member uninsured", func() Input { return uninsured(CatMonitored) }, []string{"med_uninsured@1"}, nil},
		{"ordinary household: insurance rule does not apply", func() Input { return uninsured(CatOrdinary) }, nil, nil},
		{"registry says insured, medical roster says not", func() Input {
			in := household(CatLifted, adult(1))
			in.OverlayRoster(nil, []MemberFacts{mf(1, FInsured, false)})
			return in
		}, []string{"med_uninsured@1"}, nil},
		{"registry says uninsured, medical roster says insured", func() Input {
			in := uninsured(CatLifted)
			in.OverlayRoster(nil, []MemberFacts{mf(1, FInsured, true)})
			return in
		}, nil, nil},
		{"chronic without coverage", func() Input {
			return withMF(household(CatOrdinary, chronic(HealthChronic)), mf(1, FChronicCoverage, false))
		}, []string{"med_chronic_uncovered@1"}, nil},
		{"serious illness without coverage, untreated", func() Input {
			return withMF(household(CatOrdinary, chronic(HealthSerious)), mf(1, FChronicCoverage, false, FSeriousTreated, false))
		}, []string{"med_chronic_uncovered@1", "med_untreated@1"}, nil},
		{"chronic, coverage unknown: no finding", func() Input { return household(CatOrdinary, chronic(HealthChronic)) }, nil, nil},
		{"chronic with coverage", func() Input {
			return withMF(household(CatOrdinary, chronic(HealthChronic)), mf(1, FChronicCoverage, true))
		}, nil, nil},
		{"healthy member: chronic fact irrelevant", func() Input {
			return withMF(household(CatOrdinary, adult(1)), mf(1, FChronicCoverage, false))
		}, nil, nil},
		{"no family doctor in a lifted household", func() Input {
			return withMF(household(CatLifted, adult(1)), mf(1, FFamilyDoctor, false))
		}, []string{"med_no_family_doctor@1"}, nil},
		{"no family doctor in an ordinary household", func() Input {
			return withMF(household(CatOrdinary, adult(1)), mf(1, FFamilyDoctor, false))
		}, nil, nil},
		{"family doctor unknown", func() Input { return household(CatLifted, adult(1)) }, nil, nil},
	})
}

func TestHousingRules(t *testing.T) {
	with := func(f HouseholdFacts) func() Input {
		return func() Input { in := household(CatOrdinary, adult(1)); in.Facts = f; return in }
	}
	runCases(t, []evalCase{
		{"grade A", with(hf(FHouseGrade, GradeA)), nil, nil},
		{"grade B", with(hf(FHouseGrade, GradeB)), nil, nil},
		{"grade C", with(hf(FHouseGrade, GradeC)), []string{"house_dangerous"}, nil},
		{"grade D", with(hf(FHouseGrade, GradeD)), []string{"house_dangerous"}, nil},
		{"grade unknown: not yet screened, no finding", with(hf()), nil, nil},
		{"renovated not moved", with(hf(FRenovatedNotMoved, true, FLivingInBoth, false)), []string{"house_renovated_not_moved"}, nil},
		{"living in both", with(hf(FRenovatedNotMoved, false, FLivingInBoth, true)), []string{"house_living_in_both"}, nil},
		{"moved back", with(hf(FMovedBack, true)), []string{"house_moved_back"}, nil},
		{"accepted, subsidy unpaid", with(hf(FRenovationAccepted, true, FSubsidyPaid, false)), []string{"house_subsidy_unpaid"}, nil},
		{"accepted, subsidy paid", with(hf(FRenovationAccepted, true, FSubsidyPaid, true)), nil, nil},
		{"not accepted yet: subsidy not due", with(hf(FRenovationAccepted, false, FSubsidyPaid, false)), nil, nil},
		{"accepted, payment unknown", with(hf(FRenovationAccepted, true)), nil, nil},
		{"poor renovation quality", with(hf(FRenovationQualityOK, false)), []string{"house_poor_quality"}, nil},
		{"dangerous house from the housing roster", func() Input {
			in := household(CatLifted, adult(1))
			in.Facts = hf(FHouseGrade, GradeB)
			r := hf(FHouseGrade, GradeD)
			in.OverlayRoster(&r, nil)
			return in
		}, []string{"house_dangerous"}, nil},
	})
}

func TestWaterRules(t *testing.T) {
	with := func(f HouseholdFacts) func() Input {
		return func() Input { in := household(CatOrdinary, adult(1)); in.Facts = f; return in }
	}
	runCases(t, []evalCase{
		{"quality fails", with(hf(FWaterQualityOK, false)), []string{"water_quality"}, nil},
		{"quality ok", with(hf(FWaterQualityOK, true)), nil, nil},
		{"19 litres < 20", with(hf(FWaterLitres, 19)), []string{"water_quantity"}, nil},
		{"20 litres meets the default", with(hf(FWaterLitres, 20)), nil, nil},
		{"35 litres below a 40-litre county", with(hf(FWaterLitres, 35)), []string{"water_quantity"}, func(p *Params) {
			p.WaterLitres = append(p.WaterLitres, policyRegionValue("141121000000", 40))
		}},
		{"35 litres, the 40-litre county is elsewhere", with(hf(FWaterLitres, 35)), nil, func(p *Params) {
			p.WaterLitres = append(p.WaterLitres, policyRegionValue("141122000000", 40))
		}},
		{"tap water at home", with(hf(FTapWater, true)), nil, nil},
		{"no tap, 15 minutes round trip", with(hf(FTapWater, false, FFetchMinutes, 15, FDistanceH, 1200, FDistanceV, 100)), nil, nil},
		{"no tap, 30 minutes, but within 800 m and 80 m", with(hf(FTapWater, false, FFetchMinutes, 30, FDistanceH, 800, FDistanceV, 80)), nil, nil},
		{"no tap, 30 minutes, 900 m", with(hf(FTapWater, false, FFetchMinutes, 30, FDistanceH, 900, FDistanceV, 10)),
			[]string{"water_convenience"}, nil},
		{"no tap, 30 minutes, 90 m vertical", with(hf(FTapWater, false, FFetchMinutes, 30, FDistanceH, 100, FDistanceV, 90)),
			[]string{"water_convenience"}, nil},
		{"no tap, 30 minutes, distances unknown", with(hf(FTapWater, false, FFetchMinutes, 30)), nil, nil},
		{"tap unknown", with(hf(FFetchMinutes, 30, FDistanceH, 900, FDistanceV, 90)), nil, nil},
		{"supply 89%", with(hf(FSupplyRate, 89)), []string{"water_reliability"}, nil},
		{"supply 90%", with(hf(FSupplyRate, 90)), nil, nil},
	})
}

func TestFoodIncomeSafetyNetRules(t *testing.T) {
	withIncome := func(cat Category, pc, last float64) func() Input {
		return func() Input {
			in := household(cat, adult(1), adult(2))
			income(&in.Facts, 2, pc)
			if last != 0 {
				in.Facts.Set(FLastYearPerCapita, last)
			}
			return in
		}
	}
	old := func(id int64) Member { m := adult(id); m.Birth = ymd(1950, 1, 1); m.Labour = LabourNone; return m }
	noLabour := func(cat Category, dibao, tekun bool) func() Input {
		return func() Input {
			in := household(cat, old(1), old(2))
			in.Household.Dibao, in.Household.Tekun = dibao, tekun
			return in
		}
	}
	runCases(t, []evalCase{
		{"worried about food", func() Input {
			in := household(CatOrdinary, adult(1))
			in.Facts = hf(FFoodOK, false, FClothingOK, true)
			return in
		},
			[]string{"fc_food_clothing"}, nil},
		{"food and clothing assured", func() Input {
			in := household(CatOrdinary, adult(1))
			in.Facts = hf(FFoodOK, true, FClothingOK, true)
			return in
		},
			nil, nil},
		{"income below 7800", withIncome(CatLifted, 7799, 0), []string{"inc_below_threshold"}, nil},
		{"income at 7800", withIncome(CatLifted, 7800, 0), nil, nil},
		{"monitored household below the line is already monitored", withIncome(CatMonitored, 5000, 0), nil, nil},
		{"income fell 30%", withIncome(CatOrdinary, 14000, 20000), []string{"inc_sharp_fall"}, nil},
		{"income fell 29%", withIncome(CatOrdinary, 14200, 20000), nil, nil},
		{"fall ratio configured to 20%", withIncome(CatOrdinary, 15000, 20000), []string{"inc_sharp_fall"}, func(p *Params) { p.IncomeFallRatio = 0.2 }},
		{"last year unknown", withIncome(CatOrdinary, 9000, 0), nil, nil},
		{"partial income is unknown income", func() Input {
			in := household(CatLifted, adult(1))
			in.Facts = hf(FIncomeWage, 100)
			return in
		}, nil, nil},
		{"dibao household, severely disabled member without living subsidy", func() Input {
			m := adult(1)
			m.Disabled, m.Severe = true, true
			in := withMF(household(CatLifted, m, adult(2)), mf(1, FLivingSubsidy, false))
			in.Household.Dibao = true
			return in
		}, []string{"sn_disabled_no_subsidy@1"}, nil},
		{"dibao, severe disability, subsidy unknown: policy requires it known", func() Input {
			m := adult(1)
			m.Disabled, m.Severe = true, true
			in := household(CatOrdinary, m)
			in.Household.Dibao = true
			return in
		}, []string{"sn_disabled_no_subsidy@1"}, nil},
		{"dibao, severe disability, with subsidy", func() Input {
			m := adult(1)
			m.Disabled, m.Severe = true, true
			in := withMF(household(CatOrdinary, m), mf(1, FLivingSubsidy, true))
			in.Household.Dibao = true
			return in
		}, nil, nil},
		{"not dibao: living subsidy rule does not apply", func() Input {
			m := adult(1)
			m.Disabled, m.Severe = true, true
			return household(CatLifted, m)
		}, nil, nil},
		{"no labour, no safety net", noLabour(CatLifted, false, false), []string{"sn_no_labour"}, nil},
		{"no labour, on dibao", noLabour(CatLifted, true, false), nil, nil},
		{"no labour, tekun", noLabour(CatMonitored, false, true), nil, nil},
		{"no labour, ordinary household", noLabour(CatOrdinary, false, false), nil, nil},
		{"labourer aged 60 is beyond working age", func() Input {
			m := adult(1)
			m.Birth = ymd(1964, 9, 10) // 60 on 2024-09-10
			return household(CatLifted, m)
		}, []string{"sn_no_labour"}, nil},
		{"labourer aged 59", func() Input {
			m := adult(1)
			m.Birth = ymd(1964, 9, 11)
			return household(CatLifted, m)
		}, nil, nil},
		{"weak labour counts", func() Input { m := adult(1); m.Labour = LabourWeak; return household(CatLifted, m) }, nil, nil},
		{"working age 16-64 configured", func() Input {
			m := adult(1)
			m.Birth = ymd(1964, 9, 10)
			return household(CatLifted, m)
		}, nil, func(p *Params) { p.WorkingAgeMax = 64 }},
	})
}

func TestItemNotMet(t *testing.T) {
	p := testParams(t)
	in := household(CatLifted, adult(1))
	in.Facts = hf(FHouseGrade, GradeC, FWaterLitres, 35)
	in.NotMet = []Answer{
		{Item: "house_grade", Result: ResultNotMet, Note: "墙体开裂"},                   // the rule fired: no second finding
		{Item: "water_quantity", Result: ResultNotMet, Note: "夏季断水"},                // the rule did not fire: the answer is the finding
		{Item: "med_family_doctor", MemberID: 1, Result: ResultNotMet, Note: "未签约"}, // member item without facts
		{Item: "mon_qr", Result: ResultMet},                                         // not a not-met answer
		{Item: "county_own_item", Result: ResultNotMet, Note: "县自定项目"},              // unknown item still reported
	}
	got := fired(&in, p)
	want := []string{"house_dangerous", "item_not_met.county_own_item", "item_not_met.med_family_doctor@1", "item_not_met.water_quantity"}
	if !equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	var f Finding
	Evaluate(&in, p, func(x Finding) {
		if x.Item == "water_quantity" {
			f = x
		}
	})
	if f.Key() != "item_not_met.water_quantity:7:0" || !strings.Contains(f.Text(), "夏季断水") || f.Source.Seed != "000" {
		t.Errorf("finding %q %q %v", f.Key(), f.Text(), f.Source)
	}
	// Dimension filter: a housing-only run ignores the water answer.
	p.Dimensions = []string{DimHousing}
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	got = fired(&in, p)
	if want := []string{"house_dangerous", "item_not_met.county_own_item"}; !equal(got, want) {
		t.Errorf("housing only: got %v, want %v", got, want)
	}
}

func TestFindingEvidenceAndKey(t *testing.T) {
	p := testParams(t)
	m := child(42)
	m.Schooling = SchoolDropout
	in := household(CatLifted, adult(1), m)
	in.Facts = hf(FHouseGrade, GradeD, FSupplyRate, 80)
	in.Facts.Roster |= 1 << FHouseGrade
	var fs []Finding
	Evaluate(&in, p, func(f Finding) { fs = append(fs, f) })
	texts := map[string]string{}
	keys := map[string]bool{}
	for _, f := range fs {
		texts[f.Rule] = f.Text()
		if keys[f.Key()] {
			t.Errorf("duplicate key %s", f.Key())
		}
		keys[f.Key()] = true
		if f.Source.Quote == "" || f.Dimension == "" || f.HouseholdID != 7 {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	for rule, want := range map[string][]string{
		"edu_dropout":       {"年龄：10周岁（按2024-08-31计）", "在校生状况：失学辍学"},
		"house_dangerous":   {"现住房安全等级：D级（部门名单）"},
		"water_reliability": {"供水保证率：80%", "标准下限：90%"},
	} {
		for _, w := range want {
			if !strings.Contains(texts[rule], w) {
				t.Errorf("%s text %q lacks %q", rule, texts[rule], w)
			}
		}
	}
	if !keys["edu_dropout:7:42"] || !keys["house_dangerous:7:0"] {
		t.Errorf("keys %v", keys)
	}
	if k := FindingKey("item_not_met", "mon_qr", 5, 0); k != "item_not_met.mon_qr:5:0" {
		t.Errorf("key %s", k)
	}
}

func TestEvaluateAllocatesNothingWithoutFindings(t *testing.T) {
	p := testParams(t)
	in := household(CatLifted, adult(1), adult(2), child(3))
	in.Facts = hf(FHouseGrade, GradeA, FWaterQualityOK, true, FWaterLitres, 60, FTapWater, true, FSupplyRate, 98,
		FFoodOK, true, FClothingOK, true, FLastYearPerCapita, 12000)
	income(&in.Facts, 3, 12000)
	in.MemberFacts = AlignMemberFacts(in.Members, []MemberFacts{mf(1, FFamilyDoctor, true), mf(3, FAttending, true, FStudentAid, true)})
	n := 0
	emit := func(Finding) { n++ }
	allocs := testing.AllocsPerRun(100, func() { Evaluate(&in, p, emit) })
	if n != 0 {
		t.Fatalf("%d findings on a clean household", n/101)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per clean household, want 0", allocs)
	}
}

func TestTables(t *testing.T) {
	codes := map[string]bool{}
	for _, r := range Rules {
		if codes[r.Code] {
			t.Errorf("duplicate rule %s", r.Code)
		}
		codes[r.Code] = true
		if r.Code != RuleItemNotMet && !Dimensions.Has(r.Dimension) {
			t.Errorf("rule %s: dimension %q", r.Code, r.Dimension)
		}
		if r.Title == "" || r.Criterion == "" || r.Source.Seed == "" || r.Source.Quote == "" {
			t.Errorf("rule %s incomplete", r.Code)
		}
		if ruleByID[r.id] != RuleByCode(r.Code) {
			t.Errorf("rule %s: id table broken", r.Code)
		}
		for _, f := range r.Facts {
			if FactByCode(f) == nil {
				t.Errorf("rule %s: fact %s unknown", r.Code, f)
			}
		}
	}
	if len(Rules) != int(numRules) {
		t.Errorf("%d rules in the table, %d ids", len(Rules), numRules)
	}
	var seen []CheckItem
	recorded := map[string]bool{}
	dims := map[string]int{}
	ruled := map[string]bool{}
	for i := range Items {
		it := Items[i]
		var v apperr.Validation
		it.Validate(&v, seen)
		if err := v.Err(); err != nil {
			t.Errorf("item %s: %v", it.Code, err)
		}
		if it.Source.Seed == "" {
			t.Errorf("item %s: no seed", it.Code)
		}
		seen = append(seen, it)
		dims[it.Dimension]++
		for _, f := range it.Facts {
			recorded[f] = true
		}
		for _, r := range it.Rules {
			ruled[r] = true
		}
	}
	for _, d := range Dimensions.Values {
		if dims[d.Code] == 0 {
			t.Errorf("dimension %s has no item", d.Code)
		}
	}
	for _, d := range FactDefs() {
		if !recorded[d.Code] {
			t.Errorf("fact %s is recorded by no item", d.Code)
		}
	}
	for _, r := range Rules {
		if r.Code != RuleItemNotMet && !ruled[r.Code] {
			t.Errorf("rule %s is fed by no item", r.Code)
		}
	}
}

func policyRegionValue(code string, litres float64) policy.RegionValue {
	return policy.RegionValue{Region: code, Value: litres, Source: policy.Source{Seed: "", Section: "", Quote: "（县级配置）"}}
}
