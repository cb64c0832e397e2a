package screening

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
)

const vid = "3f2b8c1e-8d4a-4c2b-9f1e-2a6b7c8d9e0f"

func TestValidVisitID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{vid, true},
		{"3F2B8C1E-8D4A-4C2B-9F1E-2A6B7C8D9E0F", false}, // upper case: Normalize first
		{"3f2b8c1e-8d4a-1c2b-9f1e-2a6b7c8d9e0f", false}, // version 1
		{"3f2b8c1e-8d4a-4c2b-7f1e-2a6b7c8d9e0f", false}, // wrong variant
		{"3f2b8c1e8d4a4c2b9f1e2a6b7c8d9e0f", false},     // no hyphens
		{"3f2b8c1e-8d4a-4c2b-9f1e-2a6b7c8d9e0", false},  // short
		{"3f2b8c1e-8d4a-4c2b-9f1e-2a6b7c8d9e0g", false}, // not hex
		{"", false},
		{"1", false},
	} {
		if got := ValidVisitID(tc.id); got != tc.want {
			t.Errorf("ValidVisitID(%q) = %v", tc.id, got)
		}
	}
	if NormalizeVisitID(" 3F2B8C1E-8D4A-4C2B-9F1E-2A6B7C8D9E0F ") != vid {
		t.Error("normalize")
	}
	for i := 0; i < 20; i++ {
		id, err := NewVisitID(rand.Reader)
		if err != nil || !ValidVisitID(id) {
			t.Fatalf("NewVisitID = %q, %v", id, err)
		}
	}
	if _, err := NewVisitID(bytes.NewReader(nil)); err == nil {
		t.Error("NewVisitID on an empty reader succeeded")
	}
}

func FuzzVisitID(f *testing.F) {
	f.Add(vid)
	f.Add(strings.ToUpper(vid))
	f.Add("00000000-0000-4000-8000-000000000000")
	f.Add(bytes.NewBufferString("xxxxxxxxxxxxxxxx").String())
	f.Fuzz(func(t *testing.T, s string) {
		if ValidVisitID(s) {
			if len(s) != 36 || s[14] != '4' || !strings.ContainsRune("89ab", rune(s[19])) || strings.ToLower(s) != s {
				t.Fatalf("accepted %q", s)
			}
		}
		// Any 16 bytes make a valid ID.
		if len(s) >= 16 {
			id, err := NewVisitID(strings.NewReader(s))
			if err != nil || !ValidVisitID(id) {
				t.Fatalf("NewVisitID(%q) = %q, %v", s, id, err)
			}
		}
	})
}

// testForm is a lifted household of an adult (1) and a pupil (2), with a
// water-only campaign 10, open in September 2024.
func testForm(t *testing.T) (*Form, *Visit) {
	t.Helper()
	in := household(CatLifted, adult(1), child(2))
	c := &Campaign{ID: 10, Kind: KindIntensive, Name: "九月饮水集中排查", Region: "141121000000",
		Start: dateOf(2024, 9, 1), End: dateOf(2024, 9, 30), Dimensions: []string{DimWater}}
	f := &Form{Input: &in, Params: testParams(t), Campaign: c, Names: map[int64]string{1: "王大山", 2: "王小明"}}
	v := &Visit{ID: vid, CampaignID: 10, HouseholdID: 7, Dimensions: []string{DimWater}, Cadre: "李四", CadreID: 99,
		VisitedAt: runDay.Add(-time.Hour),
		Facts:     FactSet{"water_quality_ok": true, "water_litres": 50.0, "tap_water": true, "supply_rate": 95.0},
		Answers: []Answer{
			{Item: "water_quality", Result: ResultMet}, {Item: "water_quantity", Result: ResultMet},
			{Item: "water_convenience", Result: ResultMet}, {Item: "water_reliability", Result: ResultMet},
			{Item: "water_facility", Result: ResultNotMet, Note: "管网漏水", Photos: []string{"2024/09/a.jpg"}},
			{Item: "water_seasonal", Result: ResultMet}, {Item: "water_cistern", Result: ResultNA},
			{Item: "water_hazard", Result: ResultNA},
		}}
	return f, v
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	for _, f := range apperr.FieldsOf(err) {
		out[f.Field] += f.String()
	}
	return out
}

func TestVisitValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(v *Visit)
		field string
		msg   string
	}{
		{"bad id", func(v *Visit) { v.ID = "12345" }, "id", "UUID v4"},
		{"missing id", func(v *Visit) { v.ID = "" }, "id", "不能为空"},
		{"no cadre", func(v *Visit) { v.Cadre = "" }, "cadre", "谁排查、谁签字、谁负责"},
		{"no time", func(v *Visit) { v.VisitedAt = time.Time{} }, "visited_at", "不能为空"},
		{"not met without note", func(v *Visit) { v.Answers[4].Note = "" }, "answers.water_facility", "须写明具体问题"},
		{"bad result", func(v *Visit) { v.Answers[0].Result = "maybe" }, "answers.water_quality", "结果“maybe”无效"},
		{"duplicate answer", func(v *Visit) { v.Answers = append(v.Answers, v.Answers[0]) }, "answers.water_quality", "重复作答"},
		{"bad photo key", func(v *Visit) { v.Answers[4].Photos = []string{"../etc/passwd"} }, "answers.water_facility", "照片标识"},
		{"unknown fact", func(v *Visit) { v.Facts["colour"] = "red" }, "facts.colour", "不是已知的排查事实项"},
		{"bad grade", func(v *Visit) { v.Facts["house_grade"] = "E" }, "facts.house_grade", "“E”不是有效等级"},
		{"number out of range", func(v *Visit) { v.Facts["supply_rate"] = 120.0 }, "facts.supply_rate", "应在0至100%之间"},
		{"bool as text", func(v *Visit) { v.Facts["tap_water"] = "是" }, "facts.tap_water", "应为“是”或“否”"},
		{"member fact on the household", func(v *Visit) { v.Facts["insured"] = true }, "facts.insured", "应填写在对应成员下"},
		{"household fact on a member", func(v *Visit) {
			v.Members = []MemberFactSet{{MemberID: 1, Facts: FactSet{"house_grade": "A"}}}
		}, "members.1.facts.house_grade", "不能填写在成员下"},
		{"partial income", func(v *Visit) { v.Facts["income_wage"] = 5000.0 }, "facts.eligible_expenses", "须全部填写"},
		{"no tap water without distances", func(v *Visit) { v.Facts["tap_water"] = false }, "facts.distance_h", "未通自来水"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, v := testForm(t)
			tc.edit(v)
			err := v.Validate()
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v", err)
			}
			if got := fieldsOf(err)[tc.field]; !strings.Contains(got, tc.msg) {
				t.Errorf("field %s: %q, want %q (all: %v)", tc.field, got, tc.msg, err)
			}
		})
	}
	_, v := testForm(t)
	v.Normalize()
	if err := v.Validate(); err != nil {
		t.Fatalf("valid visit: %v", err)
	}
}

func TestFormCheck(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(f *Form, v *Visit)
		field string
		msg   string
	}{
		{"unanswered item", func(f *Form, v *Visit) { v.Answers = v.Answers[1:] }, "answers.water_quality", "尚未作答"},
		{"required fact missing", func(f *Form, v *Visit) { delete(v.Facts, "water_litres") }, "answers.water_quantity", "须记录：每人每天可获得水量"},
		{"item outside the visit's dimensions", func(f *Form, v *Visit) {
			v.Answers = append(v.Answers, Answer{Item: "house_grade", Result: ResultNA})
		}, "answers.house_grade", "不在本次走访的排查方面内"},
		{"dimension outside the campaign", func(f *Form, v *Visit) { v.Dimensions = append(v.Dimensions, DimHousing) }, "dimensions", "不在“九月饮水集中排查”的排查方面内"},
		{"campaign over", func(f *Form, v *Visit) { v.VisitedAt = time.Date(2024, 10, 2, 9, 0, 0, 0, time.UTC) }, "visited_at", "不在“九月饮水集中排查”的排查时间内"},
		{"household outside the campaign", func(f *Form, v *Visit) { f.Input.Household.Region = "141122100201" }, "household_id", "不在“九月饮水集中排查”的排查范围内"},
		{"wrong household", func(f *Form, v *Visit) { v.HouseholdID = 8 }, "household_id", "不一致"},
		{"member of another household", func(f *Form, v *Visit) {
			v.Members = []MemberFactSet{{MemberID: 77, Facts: FactSet{"insured": true}}}
		}, "members", "不是本户成员"},
		{"unknown item", func(f *Form, v *Visit) { v.Answers = append(v.Answers, Answer{Item: "nope", Result: ResultMet}) }, "answers.nope", "不是已知的排查项"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, v := testForm(t)
			tc.edit(f, v)
			err := f.Check(v, true)
			if got := fieldsOf(err)[tc.field]; !strings.Contains(got, tc.msg) {
				t.Errorf("field %s: %q, want %q (all: %v)", tc.field, got, tc.msg, err)
			}
		})
	}
	f, v := testForm(t)
	if err := f.Check(v, true); err != nil {
		t.Fatalf("complete visit: %v", err)
	}
	// A member item: the medical dimension asks every member of a lifted
	// household about insurance and a family doctor, by name.
	f.Campaign = nil
	v.Dimensions = []string{DimMedical}
	v.Answers = []Answer{{Item: "med_insured", MemberID: 1, Result: ResultMet}}
	v.Members = []MemberFactSet{{MemberID: 1, Facts: FactSet{"insured": true}}}
	err := f.Check(v, true)
	msg := apperr.MessageOf(err)
	for _, w := range []string{"王小明：尚未作答", "「是否签约家庭医生？」王大山：尚未作答"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	v.Answers = append(v.Answers, Answer{Item: "med_insured", Result: ResultMet})
	if got := fieldsOf(f.Check(v, false))["answers.med_insured"]; !strings.Contains(got, "须按成员逐人作答") {
		t.Errorf("household answer to a member item: %q", got)
	}
}

func TestSignAndImmutability(t *testing.T) {
	f, v := testForm(t)
	if err := f.Sign(v, "张三", 98, runDay); !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "须由排查人李四本人签字") {
		t.Fatalf("signing by another person: %v", err)
	}
	incomplete := *v
	incomplete.Answers = v.Answers[:2]
	if err := f.Sign(&incomplete, "李四", 99, runDay); !apperr.Is(err, apperr.Invalid) || incomplete.Signed() {
		t.Fatalf("signing an incomplete visit: %v", err)
	}
	if err := f.Sign(v, "李四", 99, runDay); err != nil {
		t.Fatal(err)
	}
	if !v.Signed() || v.SignedBy != "李四" || !v.SignedAt.Equal(runDay.Truncate(time.Second)) || !v.VerifyDigest() {
		t.Fatalf("signed visit %+v", v)
	}
	if err := f.Sign(v, "李四", 99, runDay.Add(time.Hour)); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("signing twice: %v", err)
	}
	// The same visit sent again (the phone retries): recorded once.
	again := *v
	again.SignedBy, again.SignedAt, again.Digest = "", time.Time{}, ""
	again.Answers = append([]Answer(nil), v.Answers...)
	again.Normalize()
	if act, err := Accept(v, &again); err != nil || act != ActionDuplicate {
		t.Errorf("resend: %v %v", act, err)
	}
	// An edit of a signed visit is refused; a later visit supersedes it.
	edited := again
	edited.Facts = FactSet{"water_quality_ok": false}
	if _, err := Accept(v, &edited); !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "请新增一次走访") {
		t.Errorf("edit of a signed visit: %v", err)
	}
	// Tampering after signing is detectable.
	v.Facts["water_litres"] = 10.0
	if v.VerifyDigest() {
		t.Error("digest still verifies after a change")
	}
	// The ID reused for another household.
	other := again
	other.HouseholdID = 8
	if _, err := Accept(v, &other); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("ID reused: %v", err)
	}
	if act, _ := Accept(nil, &again); act != ActionCreate {
		t.Error("new ID not created")
	}
	// A draft may be updated by its own cadre only.
	draft := again
	changed := again
	changed.Facts = FactSet{"water_quality_ok": false}
	if act, err := Accept(&draft, &changed); err != nil || act != ActionUpdate {
		t.Errorf("draft update: %v %v", act, err)
	}
	changed.CadreID = 5
	if _, err := Accept(&draft, &changed); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("draft update by someone else: %v", err)
	}
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	first := &Visit{ID: "a", SignedAt: t0, VisitedAt: t0,
		Facts:   FactSet{"house_grade": "C", "water_litres": 15.0},
		Members: []MemberFactSet{{MemberID: 1, Facts: FactSet{"family_doctor": false, "insured": true}}},
		Answers: []Answer{{Item: "house_grade", Result: ResultNotMet, Note: "危房"}, {Item: "water_quantity", Result: ResultNotMet, Note: "缺水"}}}
	later := &Visit{ID: "b", SignedAt: t0.AddDate(0, 1, 0), VisitedAt: t0.AddDate(0, 1, 0),
		Facts:   FactSet{"house_grade": "A"},
		Members: []MemberFactSet{{MemberID: 1, Facts: FactSet{"family_doctor": true}}},
		Answers: []Answer{{Item: "house_grade", Result: ResultMet}}}
	draft := &Visit{ID: "c", VisitedAt: t0.AddDate(0, 2, 0), Facts: FactSet{"house_grade": "D"}}
	m := Merge([]*Visit{later, draft, first}) // any order
	if g, _ := m.Facts.Get(FHouseGrade); g != GradeA {
		t.Errorf("grade = %v, want the later A", g)
	}
	if l, ok := m.Facts.Get(FWaterLitres); !ok || l != 15 {
		t.Errorf("litres = %v %v: the earlier fact must survive", l, ok)
	}
	if len(m.Members) != 1 || m.Members[0].Tri(FFamilyDoctor) != Yes || m.Members[0].Tri(FInsured) != Yes {
		t.Errorf("members %+v", m.Members)
	}
	if m.Visits != 2 || m.LastVisitID != "b" {
		t.Errorf("visits %d last %s", m.Visits, m.LastVisitID)
	}
	nm := m.NotMet()
	if len(nm) != 1 || nm[0].Item != "water_quantity" {
		t.Errorf("not met %+v", nm)
	}
	in := household(CatLifted, adult(2), adult(1))
	m.ApplyTo(&in)
	if in.MemberFacts[1].MemberID != 1 || in.MemberFacts[1].Tri(FFamilyDoctor) != Yes || in.MemberFacts[0].Known != 0 {
		t.Errorf("aligned %+v", in.MemberFacts)
	}
}

func TestFactsBinary(t *testing.T) {
	f := hf(FHouseGrade, GradeC, FTapWater, false, FIncomeOperating, -1234.5, FSupplyRate, 92)
	f.Roster = 1 << FHouseGrade
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var g HouseholdFacts
	if err := g.UnmarshalBinary(b); err != nil || g != f {
		t.Fatalf("round trip: %v %+v", err, g)
	}
	for _, bad := range [][]byte{{2}, {1, 0, 0}, append(append([]byte{}, b...), 0), b[:len(b)-1]} {
		if err := g.UnmarshalBinary(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if err := g.UnmarshalBinary(nil); err != nil || g.Known != 0 {
		t.Error("empty is no facts")
	}
	if s := f.FactSet(); s["house_grade"] != "C" || s["tap_water"] != false || s["supply_rate"] != 92.0 || len(s) != 4 {
		t.Errorf("fact set %v", s)
	}
}

func FuzzFactsBinary(f *testing.F) {
	x := hf(FHouseGrade, GradeB, FWaterLitres, 33)
	b, _ := x.MarshalBinary()
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var g HouseholdFacts
		if g.UnmarshalBinary(b) != nil {
			return
		}
		out, _ := g.MarshalBinary()
		var h HouseholdFacts
		if err := h.UnmarshalBinary(out); err != nil || h.Known != g.Known || h.Roster != g.Roster {
			t.Fatalf("re-encode failed: %v", err)
		}
	})
}

func TestUnscreened(t *testing.T) {
	in := household(CatLifted, adult(1))
	f := &Form{Input: &in, Params: testParams(t)}
	answers := []Answer{{Item: "house_grade", Result: ResultMet}}
	gaps := f.Unscreened([]string{DimHousing}, answers)
	for _, q := range gaps {
		if q.Item.Code == "house_grade" {
			t.Error("answered item listed as a gap")
		}
	}
	gaps = f.Unscreened([]string{DimHousing}, nil)
	if len(gaps) == 0 || gaps[0].Item.Code != "house_grade" {
		t.Errorf("unknown house grade must be a coverage gap: %v", gaps)
	}
}
