package crosscheck

import (
	"math"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
)

// Record is one valid row of a roster: who it is about and what it says.
type Record struct {
	Row     int    // 1-based row number in the file
	Key     IDKey  // the person's (housing, water: the household head's) ID number; 0 for a village row
	Village string // water: the village of a village-level row (a 12-digit code, or a name resolved by Match)
	Text    string // students: school and grade; discharge: hospital; employment: where
	State   State
}

// ParseContext is what row parsing needs besides the row.
type ParseContext struct {
	Now   time.Time // ID numbers with a birth after now are invalid
	Today int32     // yyyymmdd in China time: dates after it are refused, assistance in force on it
}

// NewParseContext returns the context for an upload at now.
func NewParseContext(now time.Time) ParseContext {
	return ParseContext{Now: now, Today: int32(screening.YMDOf(chinaDay(now)))}
}

// Value sets accepted in cells.
var (
	StudentStatus = &registry.Enum{Name: "status", Label: "学籍状态", Values: []registry.EnumValue{
		{Code: "1", Label: "在校", Aliases: []string{"在读", "正常", "在籍", "在校生", "正常在校", "就读"}},
		{Code: "2", Label: "休学", Aliases: []string{"休学中", "暂停学业"}},
		{Code: "3", Label: "辍学", Aliases: []string{"失学", "流失", "辍学流失", "失学辍学", "退学", "未入学", "未返校"}},
		{Code: "4", Label: "转出", Aliases: []string{"转学", "已转出", "转出县外", "转出本县"}},
	}}
	InsuranceScheme = &registry.Enum{Name: "scheme", Label: "参保险种", Values: []registry.EnumValue{
		{Code: "1", Label: "城乡居民基本医疗保险", Aliases: []string{"城乡居民医保", "居民医保", "城乡居民医疗保险", "城乡居民基本医保", "新农合", "新型农村合作医疗", "居民"}},
		{Code: "2", Label: "职工基本医疗保险", Aliases: []string{"职工医保", "城镇职工基本医疗保险", "城镇职工医保", "职工"}},
	}}
	AssistanceKind = &registry.Enum{Name: "kind", Label: "救助类别", Values: []registry.EnumValue{
		{Code: "1", Label: "低保", Aliases: []string{"农村低保", "最低生活保障", "低保对象", "低保户"}},
		{Code: "2", Label: "特困", Aliases: []string{"特困人员", "特困供养", "分散供养特困人员", "农村特困", "五保", "五保户"}},
	}}
	Renovation = &registry.Enum{Name: "renovation", Label: "改造状态", Values: []registry.EnumValue{
		{Code: "1", Label: "未改造", Aliases: []string{"未开工", "无需改造", "未实施"}},
		{Code: "2", Label: "改造中", Aliases: []string{"在建", "施工中", "正在改造", "已开工"}},
		{Code: "3", Label: "已竣工", Aliases: []string{"竣工", "已完工", "完工", "已改造", "改造完成"}},
		{Code: "4", Label: "已验收", Aliases: []string{"竣工验收", "已竣工验收", "验收合格"}},
	}}
)

func enumCode(e *registry.Enum, s string) (uint8, bool) {
	c, ok := e.Parse(strings.TrimSpace(s))
	if !ok {
		return 0, false
	}
	n, _ := strconv.Atoi(c)
	return uint8(n), true
}

// Parse validates one row of the roster, read through get (the cell of a
// column key, "" when empty or absent). A row with problems returns an
// apperr Invalid error naming the row and every bad field.
func (k *KindInfo) Parse(row int, get func(key string) string, pc ParseContext) (Record, error) {
	rec := Record{Row: row}
	v := apperr.Validation{Row: row}
	lbl := func(key string) string {
		if c := k.Column(key); c != nil {
			return c.Label
		}
		return key
	}
	idCell := get("id_number")
	if k.Kind == KindWater && idCell == "" {
		vill := strings.TrimSpace(get("village"))
		if vill == "" {
			v.Add("village", lbl("village"), "按村填写时须填写村代码；按户填写时须填写户主身份证号")
		} else if isDigits(vill) {
			code, err := region.Normalize(vill)
			switch {
			case err != nil:
				v.Add("village", lbl("village"), "%s", err.Error())
			case region.LevelOf(code) != region.Village:
				v.Add("village", lbl("village"), "应为村级（12位）区划代码，%s不是村", vill)
			default:
				rec.Village = code
			}
		} else {
			rec.Village = vill
		}
	} else {
		key, err := ParseID(idCell, pc.Now)
		if err != nil {
			v.Add("id_number", lbl("id_number"), "%s", err.Error())
		}
		rec.Key = key
	}
	s := &rec.State
	s.Rows = 1
	switch k.Kind {
	case KindStudents:
		if get("name") == "" {
			v.Add("name", lbl("name"), "不能为空")
		}
		if get("school") == "" {
			v.Add("school", lbl("school"), "不能为空")
		}
		requireEnum(&v, StudentStatus, get("status"), lbl("status"), &s.Code[0])
		rec.Text = joinText(get("school"), get("grade"))
	case KindInsurance:
		requireEnum(&v, InsuranceScheme, get("scheme"), lbl("scheme"), &s.Code[0])
		y, ok := parseYear(get("year"))
		switch {
		case !ok:
			v.Add("year", lbl("year"), "“%s”不是有效年度，应为如2026", get("year"))
		case y < 2000 || int32(y) > pc.Today/10000+1:
			v.Add("year", lbl("year"), "%d年不在有效范围内", y)
		default:
			s.Year = int16(y)
		}
	case KindDischarge:
		s.Date = requireDate(&v, get("discharge_date"), "discharge_date", lbl("discharge_date"), pc)
		total, okT := money(&v, get("total"), "total", lbl("total"), true)
		reimb, okR := money(&v, get("reimbursed"), "reimbursed", lbl("reimbursed"), false)
		oop, okO := money(&v, get("out_of_pocket"), "out_of_pocket", lbl("out_of_pocket"), false)
		if okT {
			s.SetNumber(NumTotal, total)
		}
		if okR {
			s.SetNumber(NumReimbursed, reimb)
		}
		switch {
		case okO:
			s.SetNumber(NumOutOfPocket, oop)
		case okR && okT:
			s.SetNumber(NumOutOfPocket, total-reimb)
		case get("reimbursed") == "" && get("out_of_pocket") == "" && !v.Has("total"):
			v.Add("out_of_pocket", lbl("out_of_pocket"), "“报销金额”和“个人自付”至少填写一项")
		}
		if okT && okR && reimb > total+0.005 {
			v.Add("reimbursed", lbl("reimbursed"), "%s元大于医疗总费用%s元", fmtAmount(reimb), fmtAmount(total))
		}
		if okT && okO && oop > total+0.005 {
			v.Add("out_of_pocket", lbl("out_of_pocket"), "%s元大于医疗总费用%s元", fmtAmount(oop), fmtAmount(total))
		}
		rec.Text = get("hospital")
	case KindAssistance:
		var kind uint8
		requireEnum(&v, AssistanceKind, get("kind"), lbl("kind"), &kind)
		if t := get("tier"); t != "" {
			if c, ok := registry.DibaoTier.Parse(t); ok {
				s.Code[1] = c[0] - '0'
			} else if kind == 1 {
				v.Add("tier", lbl("tier"), "“%s”不是有效值，应为：%s", t, strings.Join(registry.DibaoTier.Labels(), "、"))
			}
		}
		s.Date = requireDate(&v, get("from"), "from", lbl("from"), pc)
		if t := get("to"); t != "" {
			d, err := parseDay(t)
			if err != "" {
				v.Add("to", lbl("to"), "%s", err)
			} else if s.Date != 0 && d < s.Date {
				v.Add("to", lbl("to"), "%s早于享受起始日期", ymdString(d))
			} else {
				s.Date2 = d
			}
		}
		if kind != 0 && s.Date <= pc.Today && (s.Date2 == 0 || s.Date2 >= pc.Today) {
			s.Code[0] = 1 << (kind - 1)
		}
	case KindDisability:
		t := get("type")
		if c, ok := registry.DisabilityType.Parse(t); !ok || c == "none" {
			v.Add("type", lbl("type"), "“%s”不是有效的残疾类别，应为：%s", t, strings.Join(registry.DisabilityType.Labels()[1:], "、"))
		} else {
			s.Code[0] = disabilityIndex(c)
		}
		g := get("grade")
		if c, ok := registry.DisabilityGrade.Parse(g); !ok || c == "0" {
			v.Add("grade", lbl("grade"), "“%s”不是有效的残疾等级，应为：一级、二级、三级、四级", g)
		} else {
			s.Code[1] = c[0] - '0'
		}
		flagOrAmount(&v, s, FlagLivingSubsidy, get("living_subsidy"), "living_subsidy", lbl("living_subsidy"), true)
		flagOrAmount(&v, s, FlagCareSubsidy, get("care_subsidy"), "care_subsidy", lbl("care_subsidy"), false)
	case KindHousing:
		g := get("grade")
		if n := screening.ParseGrade(strings.TrimSuffix(g, "类")); n == 0 {
			v.Add("grade", lbl("grade"), "“%s”不是有效等级，应为A、B、C、D级之一", g)
		} else {
			s.Code[0] = uint8(n)
		}
		if r := get("renovation"); r != "" {
			requireEnum(&v, Renovation, r, lbl("renovation"), &s.Code[1])
		}
		flag(&v, s, FlagMovedIn, get("moved_in"), "moved_in", lbl("moved_in"), false)
		flag(&v, s, FlagSubsidyPaid, get("subsidy_paid"), "subsidy_paid", lbl("subsidy_paid"), false)
		if d := get("appraised_on"); d != "" {
			s.Date = requireDate(&v, d, "appraised_on", lbl("appraised_on"), pc)
		}
	case KindWater:
		flag(&v, s, FlagQualityOK, get("quality_ok"), "quality_ok", lbl("quality_ok"), false)
		flag(&v, s, FlagTapWater, get("tap_water"), "tap_water", lbl("tap_water"), false)
		measure(&v, s, NumLitres, get("litres"), "litres", lbl("litres"), 1000)
		measure(&v, s, NumFetch, get("fetch_minutes"), "fetch_minutes", lbl("fetch_minutes"), 1440)
		measure(&v, s, NumDistanceH, get("distance_h"), "distance_h", lbl("distance_h"), 100000)
		measure(&v, s, NumDistanceV, get("distance_v"), "distance_v", lbl("distance_v"), 10000)
		measure(&v, s, NumSupplyRate, get("supply_rate"), "supply_rate", lbl("supply_rate"), 100)
		if s.Set == 0 && len(v.Fields()) == 0 {
			v.Add("quality_ok", lbl("quality_ok"), "四项指标至少填写一项")
		}
	case KindEmployment:
		flag(&v, s, FlagEmployed, get("employed"), "employed", lbl("employed"), true)
		if inc, ok := money(&v, get("monthly_income"), "monthly_income", lbl("monthly_income"), false); ok {
			if inc > 1e6 {
				v.Add("monthly_income", lbl("monthly_income"), "%s元超出合理范围", fmtAmount(inc))
			} else {
				s.SetNumber(NumIncome, inc)
			}
		}
		rec.Text = get("where")
	}
	if err := v.Err(); err != nil {
		return Record{Row: row}, err
	}
	return rec, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func joinText(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func requireEnum(v *apperr.Validation, e *registry.Enum, s, label string, dst *uint8) {
	if s == "" {
		v.Add(e.Name, label, "不能为空")
		return
	}
	c, ok := enumCode(e, s)
	if !ok {
		v.Add(e.Name, label, "“%s”不是有效值，应为：%s", s, strings.Join(e.Labels(), "、"))
		return
	}
	*dst = c
}

// ParseTri reads a yes/no cell: 是/否, 有/无, Y/N, 1/0, √/×, and words
// beginning with 已 (yes) or 未/不/无/没 (no), as officials write them.
func ParseTri(s string) (Tri, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return Unknown, true
	case "是", "有", "y", "yes", "1", "√", "✓", "✔", "true", "对", "享受", "就业", "在岗", "务工", "达标", "入户", "发放", "入住":
		return Yes, true
	case "否", "无", "n", "no", "0", "×", "✗", "✘", "false", "失业", "待业", "无业", "不达标", "超标":
		return No, true
	}
	switch {
	case strings.HasPrefix(s, "已"):
		return Yes, true
	case strings.HasPrefix(s, "未"), strings.HasPrefix(s, "不"), strings.HasPrefix(s, "无"), strings.HasPrefix(s, "没"):
		return No, true
	}
	return Unknown, false
}

func flag(v *apperr.Validation, s *State, f int, cell, field, label string, required bool) {
	t, ok := ParseTri(cell)
	switch {
	case !ok:
		v.Add(field, label, "“%s”应为“是”或“否”", cell)
	case t == Unknown && required:
		v.Add(field, label, "不能为空，应为“是”或“否”")
	default:
		s.SetFlag(f, t)
	}
}

// flagOrAmount accepts yes/no or a monthly amount (more than 0 is yes).
func flagOrAmount(v *apperr.Validation, s *State, f int, cell, field, label string, required bool) {
	if n, ok := parseAmount(cell); ok && cell != "" {
		s.SetFlag(f, map[bool]Tri{true: Yes, false: No}[n > 0])
		return
	}
	flag(v, s, f, cell, field, label, required)
}

// parseAmount reads a number written with a unit or thousands separators:
// "1,234.5元", "￥800".
func parseAmount(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("元", "", "￥", "", "¥", "", ",", "", "，", "", " ", "", "升", "", "分钟", "", "米", "", "%", "", "％", "").Replace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

const maxAmount = 1e7 // yuan: no single figure of a roster is larger

func money(v *apperr.Validation, cell, field, label string, required bool) (float64, bool) {
	if strings.TrimSpace(cell) == "" {
		if required {
			v.Add(field, label, "不能为空")
		}
		return 0, false
	}
	n, ok := parseAmount(cell)
	switch {
	case !ok:
		v.Add(field, label, "“%s”不是有效金额", cell)
	case n < 0:
		v.Add(field, label, "不能为负数")
	case n > maxAmount:
		v.Add(field, label, "%s元超出合理范围", fmtAmount(n))
	default:
		return n, true
	}
	return 0, false
}

func measure(v *apperr.Validation, s *State, slot int, cell, field, label string, limit float64) {
	if strings.TrimSpace(cell) == "" {
		return
	}
	n, ok := parseAmount(cell)
	switch {
	case !ok:
		v.Add(field, label, "“%s”不是有效数字", cell)
	case n < 0 || n > limit:
		v.Add(field, label, "应在0至%s之间，实际为%s", fmtAmount(limit), fmtAmount(n))
	default:
		s.SetNumber(slot, n)
	}
}

func fmtAmount(n float64) string { return strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64) }

func parseYear(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "度"), "年")
	if len(s) != 4 || !isDigits(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

func requireDate(v *apperr.Validation, cell, field, label string, pc ParseContext) int32 {
	if strings.TrimSpace(cell) == "" {
		v.Add(field, label, "不能为空")
		return 0
	}
	d, err := parseDay(cell)
	if err != "" {
		v.Add(field, label, "%s", err)
		return 0
	}
	if pc.Today != 0 && d > pc.Today {
		v.Add(field, label, "%s晚于今天", ymdString(d))
		return 0
	}
	return d
}

// parseDay reads a date as officials write it (2026-03-15, 2026/3/15,
// 20260315, 2026年3月15日), a month (2026-03, 2026年3月: its first day) or an
// Excel serial day number; err is a Chinese reason.
func parseDay(s string) (int32, string) {
	s = strings.TrimSpace(s)
	if t, err := registry.ParseDate(s); err == nil {
		return int32(screening.YMDOf(t)), ""
	}
	m := strings.NewReplacer("年", "-", "月", "", "/", "-", ".", "-").Replace(s)
	if t, err := time.Parse("2006-1", m); err == nil {
		return int32(screening.YMDOf(t)), ""
	}
	if len(s) == 6 && isDigits(s) {
		if t, err := time.Parse("200601", s); err == nil {
			return int32(screening.YMDOf(t)), ""
		}
	}
	if isDigits(s) && len(s) == 5 {
		n, _ := strconv.Atoi(s)
		if n >= 20000 && n <= 80000 { // Excel's day numbers: 1954 to 2119
			t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
			return int32(screening.YMDOf(t)), ""
		}
	}
	return 0, "“" + s + "”不是有效日期，应为如2026-03-15"
}

func ymdString(d int32) string { return screening.YMD(d).String() }

func chinaDay(t time.Time) time.Time {
	c := t.In(clock.China)
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
}

// disabilityIndex is the position of a registry disability type code.
func disabilityIndex(code string) uint8 {
	for i, v := range registry.DisabilityType.Values {
		if v.Code == code {
			return uint8(i)
		}
	}
	return 0
}

// DisabilityLabel is the Chinese name of a Code[0] of a disability state.
func DisabilityLabel(i uint8) string {
	if int(i) < len(registry.DisabilityType.Values) {
		return registry.DisabilityType.Values[i].Label
	}
	return ""
}
