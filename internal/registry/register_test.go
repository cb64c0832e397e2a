package registry

import (
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/idcard"
)

var regNow = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func rowOf(cells map[string]string) func(string) string {
	return func(k string) string { return cells[k] }
}

func baseRow() map[string]string {
	return map[string]string{
		"number": "1411211042010001", "region_code": "141121104201", "category": "脱贫户",
		"name": "王建国", "id_number": idcard.Make("141121", time.Date(1968, 5, 1, 0, 0, 0, 0, time.UTC), 11),
		"relation": "户主",
	}
}

func TestParseRowAcceptsWhatOfficialsWrite(t *testing.T) {
	id15 := "141121680501011" // first-generation number: 1968-05-01, odd sequence (male)
	cases := []struct {
		name  string
		edit  map[string]string
		check func(t *testing.T, rv RowValues, m Member)
	}{
		{"plain", nil, func(t *testing.T, rv RowValues, m Member) {
			if m.Relation != RelationHead || m.Sex != "male" || m.BirthDate.String() != "1968-05-01" || rv.Category != CategoryLifted {
				t.Fatalf("%+v %+v", rv, m)
			}
		}},
		{"15-digit ID becomes 18", map[string]string{"id_number": id15}, func(t *testing.T, rv RowValues, m Member) {
			if len(m.IDNumber) != 18 || m.IDNumber[:8] != "14112119" || !idcard.Valid(m.IDNumber) {
				t.Fatalf("id %q", m.IDNumber)
			}
		}},
		{"trailing and full-width spaces in the ID", map[string]string{"id_number": " " + idcard.Make("141121", time.Date(1968, 5, 1, 0, 0, 0, 0, time.UTC), 11) + " \u3000"}, func(t *testing.T, rv RowValues, m Member) {
			if len(m.IDNumber) != 18 {
				t.Fatalf("id %q", m.IDNumber)
			}
		}},
		{"lower-case x", map[string]string{"id_number": strings.ToLower(idcard.Make("141121", time.Date(1970, 1, 3, 0, 0, 0, 0, time.UTC), 7))}, func(t *testing.T, rv RowValues, m Member) {}},
		{"monitored with its type in the category", map[string]string{"category": "监测户（边缘易致贫户）"}, func(t *testing.T, rv RowValues, m Member) {
			if rv.Category != CategoryMonitored || rv.MonitorType != MonitorMarginal || !rv.Present.Has("monitor_type") {
				t.Fatalf("%+v", rv)
			}
		}},
		{"relation as 之子, grade as 2级, schooling as a grade", map[string]string{"relation": "之子", "disability_type": "肢体", "disability_grade": "2级", "schooling": "九年级"}, func(t *testing.T, rv RowValues, m Member) {
			if m.Relation != "child" || m.DisabilityType != "physical" || m.DisabilityGrade != "2" || m.Schooling != SchoolingInSchool {
				t.Fatalf("%+v", m)
			}
		}},
		{"yes/no forms", map[string]string{"dibao": "是", "dibao_tier": "二类", "relocated": "√", "tekun": "否", "medical_insured": "Y"}, func(t *testing.T, rv RowValues, m Member) {
			h := rv
			if !h.Dibao || h.DibaoTier != "2" || !h.Relocated || h.Tekun || !m.MedicalInsured {
				t.Fatalf("%+v %+v", h, m)
			}
		}},
		{"housing groups in any order and separator", map[string]string{"housing_priority": "低保户，易返贫致贫户、低保户"}, func(t *testing.T, rv RowValues, m Member) {
			if rv.HousingPriority != "relapse_risk,dibao" {
				t.Fatalf("%v", rv.HousingPriority)
			}
		}},
		{"birth date and sex that agree", map[string]string{"birth_date": "1968/5/1", "sex": "男"}, func(t *testing.T, rv RowValues, m Member) {}},
		{"birth date as an Excel serial", map[string]string{"birth_date": "24959"}, func(t *testing.T, rv RowValues, m Member) {}},
		{"full-width yes", map[string]string{"dibao": "是", "dibao_tier": "１"}, func(t *testing.T, rv RowValues, m Member) {
			if rv.DibaoTier != "1" {
				t.Fatalf("%+v", rv)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cells := baseRow()
			for k, v := range c.edit {
				cells[k] = v
			}
			var v apperr.Validation
			rv, m := ParseRow(rowOf(cells), regNow, &v)
			if err := v.Err(); err != nil {
				t.Fatalf("refused: %v", err)
			}
			c.check(t, rv, m)
		})
	}
}

func TestParseRowRefusesWithTheColumnAndReason(t *testing.T) {
	good := idcard.Make("141121", time.Date(1968, 5, 1, 0, 0, 0, 0, time.UTC), 11)
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	cases := []struct {
		edit       map[string]string
		field, msg string
	}{
		{map[string]string{"id_number": bad}, "id_number", "校验位错误"},
		{map[string]string{"id_number": "1.41121196805E+17"}, "id_number", "科学计数法"},
		{map[string]string{"id_number": "1411**********0111"}, "id_number", "脱敏"},
		{map[string]string{"number": "1.41121104201E+15"}, "number", "科学计数法"},
		{map[string]string{"region_code": "1.41121E+11"}, "region_code", "科学计数法"},
		{map[string]string{"id_number": "141121196805011000"}, "id_number", "后几位已丢失"},
		{map[string]string{"id_number": ""}, "id_number", "不能为空"},
		{map[string]string{"birth_date": "1968-05-02"}, "birth_date", "不一致"},
		{map[string]string{"birth_date": "1968-13-45"}, "birth_date", "不是有效的日期"},
		{map[string]string{"sex": "女"}, "sex", "不一致"},
		{map[string]string{"sex": "未知"}, "sex", "不是有效值"},
		{map[string]string{"relation": "邻居"}, "relation", "不是有效值"},
		{map[string]string{"relation": ""}, "relation", "不能为空"},
		{map[string]string{"category": "贫困户"}, "category", "不是有效值"},
		{map[string]string{"dibao": "也许"}, "dibao", "应填“是”或“否”"},
		{map[string]string{"housing_priority": "危房户"}, "housing_priority", "不是六类重点对象之一"},
		{map[string]string{"name": ""}, "name", "不能为空"},
		{map[string]string{"name": "=HYPERLINK(\"x\")"}, "name", "不允许的字符"},
		{map[string]string{"disability_type": "肢体残疾", "disability_grade": ""}, "disability_grade", "须填写残疾等级"},
		{map[string]string{"monitor_type": "脱贫不稳定户", "category": "监测户（边缘易致贫户）"}, "monitor_type", "不一致"},
	}
	for _, c := range cases {
		t.Run(c.field+"/"+c.msg, func(t *testing.T) {
			cells := baseRow()
			for k, v := range c.edit {
				cells[k] = v
			}
			v := apperr.Validation{Row: 7}
			ParseRow(rowOf(cells), regNow, &v)
			var found *apperr.FieldError
			for _, f := range v.Fields() {
				if f.Field == c.field {
					found = &f
					break
				}
			}
			if found == nil || !strings.Contains(found.Message, c.msg) || found.Row != 7 || found.Label != ColumnLabel(c.field) {
				t.Fatalf("want %s: …%s…, got %+v", c.field, c.msg, v.Fields())
			}
			seen := map[string]bool{}
			for _, f := range v.Fields() {
				if seen[f.Field] {
					t.Fatalf("field %s reported twice: %+v", f.Field, v.Fields())
				}
				seen[f.Field] = true
			}
		})
	}
}

func clone(_, v string) string { return strings.Clone(v) }

func TestMergeTakesMissingAndReportsDisagreements(t *testing.T) {
	var v apperr.Validation
	head, _ := ParseRow(rowOf(map[string]string{"number": "1", "category": "脱贫户", "phone": "13912345678", "relation": "户主"}), regNow, &v)
	other, _ := ParseRow(rowOf(map[string]string{"number": "1", "address": "东堡村8号", "relation": "配偶"}), regNow, &v)
	if c := head.Merge(&other, clone); len(c) != 0 {
		t.Fatalf("conflicts %v", c)
	}
	if head.Address != "东堡村8号" || head.Phone != "13912345678" {
		t.Fatalf("merged %+v", head)
	}
	third, _ := ParseRow(rowOf(map[string]string{"number": "1", "category": "一般农户", "phone": "13912345678", "relation": "子女"}), regNow, &v)
	if c := head.Merge(&third, clone); len(c) != 1 || c[0] != "category" {
		t.Fatalf("conflicts %v", c)
	}
}

func TestFormatRowParsesBackTheSame(t *testing.T) {
	h := Household{RegionCode: "141121104201", Number: "0001", Category: CategoryMonitored, MonitorType: MonitorSuddenHardship,
		Relocated: true, HousingPriority: []string{"relapse_risk", "dibao"}, Dibao: true, DibaoTier: "3", Phone: "0358-1234567", Address: "东堡村"}
	m := Member{IDNumber: idcard.Make("141121", time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC), 22), Name: "李秀英", Relation: "spouse",
		DisabilityType: "visual", DisabilityGrade: "2", Health: HealthChronic, Schooling: SchoolingGraduated, Labour: LabourWeak, MedicalInsured: true}
	m.Normalize()
	var v apperr.Validation
	m.Validate(&v, regNow)
	cells := FormatRow(&h, &m, "刘胡兰镇", "东堡村")
	if len(cells) != len(RegisterColumns) {
		t.Fatalf("%d cells for %d columns", len(cells), len(RegisterColumns))
	}
	get := func(k string) string {
		for i, c := range RegisterColumns {
			if c.Key == k {
				return cells[i]
			}
		}
		return ""
	}
	rv, m2 := ParseRow(get, regNow, &v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	m2.CreatedAt, m2.UpdatedAt = m.CreatedAt, m.UpdatedAt
	if m2 != m {
		t.Fatalf("member\n%+v\n%+v", m2, m)
	}
	if rv.Number != h.Number || rv.MonitorType != h.MonitorType || rv.HousingPriority != "relapse_risk,dibao" ||
		!rv.Relocated || rv.DibaoTier != "3" || rv.Phone != h.Phone || rv.Township != "刘胡兰镇" {
		t.Fatalf("household %+v", rv)
	}
}

// FuzzParseRow: whatever the cells, ParseRow does not panic, a row it
// accepts holds a valid ID number agreeing with sex and birth date, and its
// formatted form parses back to the same member.
func FuzzParseRow(f *testing.F) {
	f.Add("1411211042010001", "141121104201", "脱贫户", "王建国", "141121196805010111", "户主", "男", "1968-05-01", "无", "健康", "是")
	f.Add("", "", "监测户（边缘易致贫户）", "李 秀英", "14112168050101x", "之女", "女", "25019", "2级", "九年级", "√")
	f.Add("x", "1", "=1+1", "@SUM(A1)", "+86", "-", "\u3000", "1968年5月1日", "肢体", "长期慢性病", "1")
	f.Fuzz(func(t *testing.T, number, code, category, name, id, relation, sex, birth, grade, schooling, yes string) {
		cells := map[string]string{"number": number, "region_code": code, "category": category, "name": name, "id_number": id,
			"relation": relation, "sex": sex, "birth_date": birth, "disability_type": grade, "disability_grade": grade,
			"schooling": schooling, "dibao": yes, "medical_insured": yes, "housing_priority": category}
		var v apperr.Validation
		rv, m := ParseRow(rowOf(cells), regNow, &v)
		var hv apperr.Validation
		rv.Validate(&hv)
		if v.Has("id_number") || v.Has("name") || v.Has("relation") || len(v.Fields()) > 0 {
			return
		}
		parsed, err := idcard.Parse(m.IDNumber, regNow)
		if err != nil {
			t.Fatalf("accepted an invalid ID %q: %v", m.IDNumber, err)
		}
		if string(parsed.Sex) != m.Sex || !parsed.Birth.Equal(m.BirthDate.Time) {
			t.Fatalf("sex/birth disagree with %q: %+v", m.IDNumber, m)
		}
		hh := rv.Household()
		cellsOut := FormatRow(&hh, &m, rv.Township, rv.Village)
		get := func(k string) string {
			for i, c := range RegisterColumns {
				if c.Key == k {
					return cellsOut[i]
				}
			}
			return ""
		}
		var v2 apperr.Validation
		_, m2 := ParseRow(get, regNow, &v2)
		if err := v2.Err(); err != nil {
			t.Fatalf("formatted row refused: %v\n%q", err, cellsOut)
		}
		if m2 != m {
			t.Fatalf("round trip\n%+v\n%+v", m2, m)
		}
	})
}
