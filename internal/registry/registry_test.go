package registry

import (
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/idcard"
)

var now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestHouseholdValidate(t *testing.T) {
	ok := Household{RegionCode: "141121104201", Number: "1411211042010001", Category: CategoryLifted}
	tests := []struct {
		name  string
		edit  func(h *Household)
		field string
	}{
		{"valid", func(h *Household) {}, ""},
		{"no region", func(h *Household) { h.RegionCode = "" }, "region_code"},
		{"township not village", func(h *Household) { h.RegionCode = "141121104000" }, "region_code"},
		{"letters in region", func(h *Household) { h.RegionCode = "14112110420a" }, "region_code"},
		{"no number", func(h *Household) { h.Number = " " }, "number"},
		{"bad category", func(h *Household) { h.Category = "rich" }, "category"},
		{"monitored without type", func(h *Household) { h.Category = CategoryMonitored }, "monitor_type"},
		{"monitored with type", func(h *Household) { h.Category, h.MonitorType = CategoryMonitored, MonitorMarginal }, ""},
		{"dibao without tier", func(h *Household) { h.Dibao = true }, "dibao_tier"},
		{"unknown priority group", func(h *Household) { h.HousingPriority = []string{"kings"} }, "housing_priority"},
		{"bad phone", func(h *Household) { h.Phone = "call me" }, "phone"},
		{"mobile phone", func(h *Household) { h.Phone = "13912345678" }, ""},
		{"landline", func(h *Household) { h.Phone = "0358-6822123" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := ok
			tc.edit(&h)
			h.Normalize()
			var v apperr.Validation
			h.Validate(&v)
			checkField(t, v.Err(), tc.field)
		})
	}
}

func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	fs := apperr.FieldsOf(err)
	if len(fs) == 0 || fs[0].Field != field || fs[0].Message == "" || fs[0].Label == "" {
		t.Fatalf("want an error on %s, got %v", field, err)
	}
}

func TestMemberValidate(t *testing.T) {
	birth := time.Date(2012, 9, 1, 0, 0, 0, 0, time.UTC)
	id := idcard.Make("141121", birth, 35) // odd: male
	tests := []struct {
		name  string
		edit  func(m *Member)
		field string
	}{
		{"valid", func(m *Member) {}, ""},
		{"sex agrees", func(m *Member) { m.Sex = "male" }, ""},
		{"sex disagrees", func(m *Member) { m.Sex = "female" }, "sex"},
		{"birth disagrees", func(m *Member) { m.BirthDate = Date{birth.AddDate(0, 0, 1)} }, "birth_date"},
		{"bad checksum", func(m *Member) {
			m.IDNumber = id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
		}, "id_number"},
		{"no name", func(m *Member) { m.Name = "" }, "name"},
		{"markup in name", func(m *Member) { m.Name = "<b>王</b>" }, "name"},
		{"bad relation", func(m *Member) { m.Relation = "friend" }, "relation"},
		{"disability without grade", func(m *Member) { m.DisabilityType = "physical"; m.DisabilityGrade = "" }, "disability_grade"},
		{"bad schooling", func(m *Member) { m.Schooling = "holiday" }, "schooling"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Member{IDNumber: strings.ToLower(id), Name: "王小明", Relation: "child"}
			tc.edit(&m)
			m.Normalize()
			var v apperr.Validation
			m.Validate(&v, now)
			checkField(t, v.Err(), tc.field)
			if tc.field == "" && (m.Sex != "male" || !m.BirthDate.Equal(birth) || m.Labour != LabourNone) {
				t.Fatalf("derived fields wrong: %+v", m)
			}
		})
	}
}

func TestEnumParse(t *testing.T) {
	for _, tc := range []struct {
		e        *Enum
		in, want string
	}{
		{Relation, "户主", "head"}, {Relation, "妻子", "spouse"}, {Relation, "spouse", "spouse"},
		{Category, "脱贫户", "lifted"}, {Category, "监测对象", "monitored"},
		{DisabilityGrade, "二级", "2"}, {Schooling, "初中", "in_school"},
	} {
		if got, ok := tc.e.Parse(tc.in); !ok || got != tc.want {
			t.Errorf("%s.Parse(%q) = %q %v", tc.e.Name, tc.in, got, ok)
		}
	}
	if _, ok := Relation.Parse("朋友"); ok {
		t.Error("parsed an unknown relation")
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2024-03-01", "2024/3/1", "2024.3.1", "20240301", "2024年3月1日"} {
		d, err := ParseDate(s)
		if err != nil || d.Format("2006-01-02") != "2024-03-01" {
			t.Errorf("ParseDate(%q) = %v %v", s, d, err)
		}
	}
	if _, err := ParseDate("3/1/2024"); err == nil {
		t.Error("accepted month-first date")
	}
}
