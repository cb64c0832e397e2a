package crosscheck

import (
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/idcard"
)

func TestIDKeyRoundTrip(t *testing.T) {
	for _, n := range []string{pHead1.number, "11010519491231002X", "141121201203150026"} {
		k := KeyOf(n)
		if k == 0 || k.String() != n {
			t.Fatalf("KeyOf(%s) = %d → %q", n, k, k.String())
		}
		if KeyOfBytes([]byte(n)) != k {
			t.Fatalf("KeyOfBytes(%s) differs", n)
		}
	}
	if KeyOf(pPupil1.number).Birth() != 20140501 {
		t.Fatalf("Birth = %d", KeyOf(pPupil1.number).Birth())
	}
	for _, bad := range []string{"", "123", "14112120120315002x", "1411212012031500A6"} {
		if KeyOf(bad) != 0 {
			t.Fatalf("KeyOf(%q) != 0", bad)
		}
	}
}

// TestParseIDNormalises: 15 digits become 18, case and spaces do not
// matter, the same person has one key however written.
func TestParseIDNormalises(t *testing.T) {
	want := KeyOf("11010519491231002X")
	for _, s := range []string{"11010519491231002X", "11010519491231002x", " 110105 19491231002X ", "１１０１０５１９４９１２３１００２Ｘ", "'11010519491231002X"} {
		k, err := ParseID(s, now)
		if err != nil || k != want {
			t.Fatalf("ParseID(%q) = %v, %v", s, k, err)
		}
	}
	// A first-generation number and its 18-digit form.
	id18, _ := idcard.Parse("110105491231002", now)
	k15, err := ParseID("110105491231002", now)
	if err != nil || k15 != KeyOf(id18.Number) {
		t.Fatalf("15 digits: %v, %v (want %s)", k15, err, id18.Number)
	}
	for s, reason := range map[string]string{
		"11010519491231002Y": "最后一位",
		"110105194912310021": "校验位",
		"1101051949123":      "18位",
		"110105209912310028": "晚于今天",
		"":                   "不能为空",
	} {
		if _, err := ParseID(s, now); err == nil || !strings.Contains(err.Error(), reason) {
			t.Fatalf("ParseID(%q) = %v, want %q", s, err, reason)
		}
	}
}

// FuzzParseID checks that the fast path accepts exactly what idcard.Parse
// accepts, with the same number.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{pHead1.number, "11010519491231002X", "110105491231002", "110105194902300021", "000105194912310021", " 1101051949", "110105202606020011"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseID(s, now)
		id, perr := idcard.Parse(s, now)
		if (err == nil) != (perr == nil) {
			t.Fatalf("ParseID(%q) err %v, idcard.Parse err %v", s, err, perr)
		}
		if err == nil && k.String() != id.Number {
			t.Fatalf("ParseID(%q) = %s, idcard.Parse = %s", s, k, id.Number)
		}
		if fk := fastKey(s, now); fk != 0 && (perr != nil || fk.String() != id.Number) {
			t.Fatalf("fast path accepted %q: %v", s, perr)
		}
	})
}

// TestParseRejects: each invalid row names its row and every bad field.
func TestParseRejects(t *testing.T) {
	cases := []struct {
		kind Kind
		row  row
		want []string // fields named, and words of the message
	}{
		{KindStudents, row{"id_number": "123", "name": "", "school": "一中", "status": "请假"}, []string{"id_number", "name", "status", "第7行", "在校、休学、辍学、转出"}},
		{KindInsurance, row{"id_number": pHead1.number, "scheme": "商业保险", "year": "2030"}, []string{"scheme", "year"}},
		{KindInsurance, row{"id_number": pHead1.number, "scheme": "居民医保", "year": "二〇二六"}, []string{"year", "不是有效年度"}},
		{KindDischarge, row{"id_number": pHead1.number, "discharge_date": "2026-13-01", "total": "-5"}, []string{"discharge_date", "total"}},
		{KindDischarge, row{"id_number": pHead1.number, "discharge_date": "2026-05-01", "total": "100"}, []string{"out_of_pocket", "至少填写一项"}},
		{KindDischarge, row{"id_number": pHead1.number, "discharge_date": "2026-05-01", "total": "100", "reimbursed": "150"}, []string{"reimbursed", "大于医疗总费用"}},
		{KindDischarge, row{"id_number": pHead1.number, "discharge_date": "2026-07-01", "total": "100", "reimbursed": "50"}, []string{"discharge_date", "晚于今天"}},
		{KindAssistance, row{"id_number": pHead1.number, "kind": "临时救助", "from": "2025-01-01", "to": "2024-01-01"}, []string{"kind", "to"}},
		{KindDisability, row{"id_number": pHead1.number, "type": "无", "grade": "五级", "living_subsidy": "也许"}, []string{"type", "grade", "living_subsidy"}},
		{KindHousing, row{"id_number": pHead1.number, "grade": "E", "renovation": "拆除", "moved_in": "?"}, []string{"grade", "renovation", "moved_in"}},
		{KindWater, row{"village": "14112110420", "quality_ok": "是"}, []string{"village"}},
		{KindWater, row{"village": "141121104000", "quality_ok": "是"}, []string{"village", "不是村"}},
		{KindWater, row{"village": v1}, []string{"quality_ok", "至少填写一项"}},
		{KindWater, row{"id_number": pHead1.number, "litres": "2000", "supply_rate": "120"}, []string{"litres", "supply_rate"}},
		{KindEmployment, row{"id_number": pHead1.number, "employed": "", "monthly_income": "很多"}, []string{"employed", "monthly_income"}},
	}
	for _, c := range cases {
		_, err := KindOf(c.kind).Parse(7, c.row.get, NewParseContext(now))
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("%s %v: err = %v", c.kind, c.row, err)
		}
		fields := map[string]bool{}
		for _, f := range apperr.FieldsOf(err) {
			fields[f.Field] = true
			if f.Row != 7 || f.Label == "" {
				t.Fatalf("%s: field error without row or label: %+v", c.kind, f)
			}
		}
		for _, w := range c.want {
			if !fields[w] && !strings.Contains(err.Error(), w) {
				t.Fatalf("%s %v: %v lacks %q", c.kind, c.row, err, w)
			}
		}
	}
}

func TestParseValues(t *testing.T) {
	pc := NewParseContext(now)
	get := func(r row) func(string) string { return r.get }
	rec, err := KindOf(KindDischarge).Parse(2, get(row{"id_number": pHead1.number, "discharge_date": "2026年5月3日", "total": "1,200.50元", "reimbursed": "￥1000"}), pc)
	if err != nil {
		t.Fatal(err)
	}
	if oop, _ := rec.State.Number(NumOutOfPocket); oop != 200.5 || rec.State.Date != 20260503 {
		t.Fatalf("discharge: oop %v date %d", oop, rec.State.Date)
	}
	rec, err = KindOf(KindAssistance).Parse(2, get(row{"id_number": pHead1.number, "kind": "特困人员", "from": "2024-03"}), pc)
	if err != nil || rec.State.Code[0] != AssistTekun || rec.State.Date != 20240301 {
		t.Fatalf("assistance: %+v %v", rec.State, err)
	}
	rec, err = KindOf(KindHousing).Parse(2, get(row{"id_number": pHead1.number, "grade": "c级", "renovation": "竣工验收", "subsidy_paid": "已发放", "appraised_on": "45366"}), pc)
	if err != nil || rec.State.Code[0] != 3 || rec.State.Code[1] != RenovationAccepted || rec.State.Flag(FlagSubsidyPaid) != Yes || rec.State.Date != 20240315 {
		t.Fatalf("housing: %+v %v", rec.State, err)
	}
	for s, want := range map[string]Tri{"是": Yes, "否": No, "√": Yes, "×": No, "已入住": Yes, "未入住": No, "": Unknown, "失业": No, "Y": Yes} {
		if got, ok := ParseTri(s); !ok || got != want {
			t.Fatalf("ParseTri(%q) = %v, %v", s, got, ok)
		}
	}
}

// TestTemplates: every roster's example rows parse, and every required
// column is in the example.
func TestTemplates(t *testing.T) {
	pc := NewParseContext(now)
	for _, ki := range Kinds() {
		if len(ki.Example) == 0 || len(ki.Notes) == 0 || ki.Label == "" || !ki.Department.Valid() {
			t.Fatalf("%s: template incomplete", ki.Kind)
		}
		for _, ex := range ki.Example {
			if len(ex) != len(ki.Columns) {
				t.Fatalf("%s: example has %d cells for %d columns", ki.Kind, len(ex), len(ki.Columns))
			}
			get := func(key string) string {
				for i, c := range ki.Columns {
					if c.Key == key {
						return ex[i]
					}
				}
				return ""
			}
			if _, err := ki.Parse(3, get, pc); err != nil {
				t.Fatalf("%s: example %v: %v", ki.Kind, ex, err)
			}
		}
	}
}

// FuzzParseRow feeds arbitrary cells to every roster's parser: it must
// not panic, and a row it accepts has a valid key (or a village).
func FuzzParseRow(f *testing.F) {
	f.Add(uint8(0), pHead1.number, "在校", "2026", "12.5", "是", "2026-01-01")
	f.Add(uint8(2), "110105491231002", "x", "1e400", "-0", "已", "45366")
	f.Add(uint8(6), "", "141121104201", "NaN", "20", "否", "")
	f.Fuzz(func(t *testing.T, k uint8, id, a, b, c, d, e string) {
		ki := kinds[int(k)%len(kinds)]
		cells := []string{id, a, b, c, d, e, a, b, c, d}
		get := func(key string) string {
			for i, col := range ki.Columns {
				if col.Key == key && i < len(cells) {
					return cells[i]
				}
			}
			return ""
		}
		rec, err := ki.Parse(2, get, ParseContext{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Today: 20260601})
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("%s: non-Invalid error %v", ki.Kind, err)
			}
			return
		}
		if rec.Key == 0 && rec.Village == "" {
			t.Fatalf("%s: accepted row about nobody", ki.Kind)
		}
		if rec.Key != 0 && !idcard.Valid(rec.Key.String()) {
			t.Fatalf("%s: accepted invalid number %s", ki.Kind, rec.Key)
		}
		for i, n := range rec.State.Num {
			if rec.State.hasNum(i) && (n < 0 && ki.Kind != KindWater || n > int64(maxAmount*100)) {
				t.Fatalf("%s: number %d out of range", ki.Kind, n)
			}
		}
	})
}
