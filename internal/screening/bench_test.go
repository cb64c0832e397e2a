package screening

import (
	"math/rand/v2"
	"sync"
	"testing"
)

const (
	benchHouseholds = 300_000
	benchTownships  = 20
	benchVillages   = 15 // per township
)

var (
	benchOnce   sync.Once
	benchInputs []Input
)

// benchCounty builds a county of 300,000 households and 1,000,000 members
// (sizes 3, 3, 4), every household visited with every fact recorded, and
// about 1–2% of households and members with a problem.
func benchCounty() []Input {
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		total := 0
		for i := 0; i < benchHouseholds; i++ {
			total += 3 + btoi(i%3 == 2)
		}
		members := make([]Member, total)
		facts := make([]MemberFacts, total)
		benchInputs = make([]Input, benchHouseholds)
		villages := make([]string, 0, benchTownships*benchVillages)
		for t := 0; t < benchTownships; t++ {
			for v := 0; v < benchVillages; v++ {
				villages = append(villages, "141121"+pad3(100+t)+pad3(200+v))
			}
		}
		next := 0
		var id int64
		for i := range benchInputs {
			in := &benchInputs[i]
			n := 3 + btoi(i%3 == 2)
			cat := CatOrdinary
			switch r := rng.IntN(100); {
			case r < 30:
				cat = CatLifted
			case r < 35:
				cat = CatMonitored
			}
			in.Household = Household{ID: int64(i + 1), Region: villages[i%len(villages)], Category: cat,
				Dibao: rng.IntN(100) < 8, Relocated: rng.IntN(100) < 3}
			in.Members = members[next : next+n : next+n]
			in.MemberFacts = facts[next : next+n : next+n]
			next += n
			for j := range in.Members {
				id++
				m := &in.Members[j]
				age := 1 + rng.IntN(85)
				*m = Member{ID: id, Birth: YMD((2024-age)*10000 + (1+rng.IntN(12))*100 + 1 + rng.IntN(28)),
					Health: HealthHealthy, Schooling: SchoolNone, Labour: LabourNone, Insured: rng.IntN(1000) != 0}
				switch {
				case age >= 6 && age <= 15:
					m.Schooling = SchoolInSchool
					if rng.IntN(500) == 0 {
						m.Schooling = SchoolDropout
					}
				case age >= 16 && age <= 64:
					m.Labour = LabourNormal
					m.Schooling = SchoolGraduated
				}
				if rng.IntN(10) == 0 {
					m.Health = HealthChronic
				}
				if rng.IntN(60) == 0 {
					m.Disabled = true
					m.Severe = rng.IntN(3) == 0
				}
				f := &in.MemberFacts[j]
				f.MemberID = id
				f.Set(FInsured, m.Insured)
				f.Set(FFamilyDoctor, rng.IntN(1000) != 0)
				f.Set(FChronicCoverage, rng.IntN(200) != 0)
				f.Set(FAttending, true)
				f.Set(FEnrolled, true)
				f.Set(FStudentAid, true)
				f.Set(FDisabilityAssessed, true)
				f.Set(FLivingSubsidy, true)
			}
			hf := &in.Facts
			grade := GradeA + rng.IntN(2)
			if rng.IntN(200) == 0 {
				grade = GradeC
			}
			hf.Set(FHouseGrade, float64(grade))
			hf.SetBool(FRenovatedNotMoved, false)
			hf.SetBool(FLivingInBoth, false)
			hf.SetBool(FMovedBack, false)
			hf.SetBool(FWaterQualityOK, rng.IntN(300) != 0)
			hf.Set(FWaterLitres, float64(20+rng.IntN(100)-btoi(rng.IntN(200) == 0)*10))
			tap := rng.IntN(10) != 0
			hf.SetBool(FTapWater, tap)
			if !tap {
				hf.Set(FFetchMinutes, float64(rng.IntN(30)))
				hf.Set(FDistanceH, float64(rng.IntN(1000)))
				hf.Set(FDistanceV, float64(rng.IntN(100)))
			}
			hf.Set(FSupplyRate, float64(90+rng.IntN(11)-btoi(rng.IntN(200) == 0)*5))
			hf.SetBool(FFoodOK, true)
			hf.SetBool(FClothingOK, true)
			pc := float64(7900 + rng.IntN(30000) - btoi(rng.IntN(100) == 0)*3000)
			hf.Set(FIncomeWage, pc*float64(n))
			hf.Set(FIncomeOperating, 0)
			hf.Set(FIncomeProperty, 0)
			hf.Set(FIncomeTransfer, 500)
			hf.Set(FEligibleExpenses, 500)
			hf.Set(FLastYearPerCapita, pc*(1+float64(rng.IntN(40))/100+float64(btoi(rng.IntN(200) == 0))))
		}
	})
	return benchInputs
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pad3(n int) string {
	return string([]byte{byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

// BenchmarkEvaluateCounty runs every rule, and the township pass, over the
// county in memory; one op is the whole county.
func BenchmarkEvaluateCounty(b *testing.B) {
	inputs := benchCounty()
	p := testParams(b)
	members := 0
	for i := range inputs {
		members += len(inputs[i].Members)
	}
	var rank IncomeRank
	findings := 0
	emit := func(Finding) { findings++ }
	b.ReportAllocs()
	b.ResetTimer()
	ops := 0
	for b.Loop() {
		findings = 0
		rank.Reset()
		for i := range inputs {
			Evaluate(&inputs[i], p, emit)
			rank.Add(&inputs[i])
		}
		rank.Findings(p, emit)
		ops++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops)/float64(len(inputs)), "ns/household")
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(float64(members), "members")
}

// BenchmarkEvaluateRulesOnly leaves out the township pass (sorting).
func BenchmarkEvaluateRulesOnly(b *testing.B) {
	inputs := benchCounty()
	p := testParams(b)
	emit := func(Finding) {}
	b.ReportAllocs()
	b.ResetTimer()
	ops := 0
	for b.Loop() {
		for i := range inputs {
			Evaluate(&inputs[i], p, emit)
		}
		ops++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops)/float64(len(inputs)), "ns/household")
}

// BenchmarkEvaluateCleanHousehold is one household with no finding: no
// allocation.
func BenchmarkEvaluateCleanHousehold(b *testing.B) {
	p := testParams(b)
	in := household(CatLifted, adult(1), adult(2), child(3))
	in.Facts = hf(FHouseGrade, GradeA, FWaterQualityOK, true, FWaterLitres, 60, FTapWater, true, FSupplyRate, 98,
		FFoodOK, true, FClothingOK, true, FLastYearPerCapita, 12000)
	income(&in.Facts, 3, 12000)
	emit := func(Finding) { b.Fatal("finding") }
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(&in, p, emit)
	}
}
