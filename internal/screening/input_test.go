package screening

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/idcard"
	"sanbao/internal/policy"
	"sanbao/internal/registry"
)

func TestInputFromRegistry(t *testing.T) {
	birth := time.Date(2016, 9, 1, 0, 0, 0, 0, time.UTC)
	h := registry.Household{ID: 5, RegionCode: village, Category: registry.CategoryLifted, Dibao: true, DibaoTier: "1"}
	ms := []registry.Member{
		{ID: 50, IDNumber: idcard.Make("141121", time.Date(1979, 2, 3, 0, 0, 0, 0, time.UTC), 11), Health: "chronic",
			Schooling: "graduated", Labour: "normal", DisabilityType: "physical", DisabilityGrade: "2", MedicalInsured: true},
		{ID: 51, BirthDate: registry.Date{Time: birth}, Health: "healthy", Schooling: "dropout", Labour: "none", DisabilityType: "none"},
	}
	in := InputFrom(&h, ms)
	if in.Household != (Household{ID: 5, Region: village, Category: CatLifted, Dibao: true}) {
		t.Errorf("household %+v", in.Household)
	}
	want := []Member{
		{ID: 50, Birth: ymd(1979, 2, 3), Health: HealthChronic, Schooling: SchoolGraduated, Labour: LabourNormal, Disabled: true, Severe: true, Insured: true},
		{ID: 51, Birth: ymd(2016, 9, 1), Health: HealthHealthy, Schooling: SchoolDropout, Labour: LabourNone},
	}
	for i := range want {
		if in.Members[i] != want[i] {
			t.Errorf("member %d: %+v, want %+v", i, in.Members[i], want[i])
		}
	}
	p := testParams(t)
	if got := fired(&in, p); !equal(got, []string{"edu_dropout@51", "med_uninsured@51", "sn_disabled_no_subsidy@50"}) {
		t.Errorf("findings %v", got)
	}
	if YMDFromID("14112119790203011X") != ymd(1979, 2, 3) || YMDFromID("123") != 0 || ymd(2018, 8, 31).AgeOn(ymd(2024, 8, 31)) != 6 ||
		ymd(2018, 9, 1).AgeOn(ymd(2024, 8, 31)) != 5 || YMD(0).AgeOn(ymd(2024, 1, 1)) != -1 {
		t.Error("YMD arithmetic")
	}
}

func TestReferenceDateRules(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 9, 30, 0, 0, clock.China) }
	f := func(t time.Time) string { return t.Format("2006-01-02 15:04") }
	start := day(2024, 7, 25)
	for _, tc := range []struct {
		rule        policy.RefDateRule
		start, now  time.Time
		want        string
		description string
	}{
		{policy.ScreeningRefDate, start, day(2024, 8, 10), "2024-07-25 00:00", "intensive: campaign start"},
		{policy.ScreeningRefDate, time.Time{}, day(2024, 8, 10), "2024-08-10 00:00", "routine: run date"},
		{policy.RefDateRule{Mode: policy.RefRunDate}, start, day(2024, 8, 10), "2024-08-10 00:00", "run-date mode ignores the start"},
		{policy.SchoolAgeRefDate, time.Time{}, day(2024, 8, 31), "2024-08-31 00:00", "on the cut-off"},
		{policy.SchoolAgeRefDate, time.Time{}, day(2024, 8, 30), "2023-08-31 00:00", "before the cut-off"},
		{policy.SchoolAgeRefDate, time.Time{}, day(2025, 1, 5), "2024-08-31 00:00", "winter term"},
	} {
		if got := f(tc.rule.Resolve(tc.start, tc.now)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.description, got, tc.want)
		}
	}
}

func TestSignedVisitSurvivesJSON(t *testing.T) {
	f, v := testForm(t)
	v.VisitedAt = v.VisitedAt.Add(123456789 * time.Nanosecond)
	v.Members = []MemberFactSet{{MemberID: 1, Facts: FactSet{"insured": true}}}
	if err := f.Sign(v, "李四", 99, runDay.Add(987*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back Visit
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.VerifyDigest() || back.ContentDigest() != v.ContentDigest() {
		t.Errorf("digest lost in a JSON round trip: %s", b)
	}
	// A draft that was never signed has no signed_at in its JSON.
	var d Visit
	d.ID = vid
	b, _ = json.Marshal(&d)
	var draft Visit
	if json.Unmarshal(b, &draft) != nil || draft.Signed() || strings.Contains(string(b), "signed_at") {
		t.Errorf("draft JSON %s", b)
	}
}
