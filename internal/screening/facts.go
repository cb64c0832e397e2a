package screening

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
)

// Scope of a fact, item or rule: one household or one member.
const (
	ScopeHousehold = "household"
	ScopeMember    = "member"
)

// Kinds of fact values.
const (
	KindBool   = "bool"   // yes / no
	KindGrade  = "grade"  // house appraisal grade A, B, C, D
	KindNumber = "number" // a measured figure with a unit
)

// FactDef defines one fact a visit records (or a department roster
// supplies). Facts are what the rules read; an item says which facts it
// records.
type FactDef struct {
	Code     string  `json:"code"`
	Label    string  `json:"label"` // Chinese
	Scope    string  `json:"scope"` // household / member
	Kind     string  `json:"kind"`  // bool / grade / number
	Unit     string  `json:"unit,omitempty"`
	Min      float64 `json:"min,omitempty"` // numbers only
	Max      float64 `json:"max,omitempty"`
	Integral bool    `json:"integral,omitempty"`
	index    uint8
}

// HFact indexes a household fact.
type HFact uint8

// Household facts.
const (
	FHouseGrade          HFact = iota // 房屋安全等级 A..D (1..4)
	FRenovatedNotMoved                // 改而未住
	FLivingInBoth                     // 两头住
	FMovedBack                        // 改造后返回危旧房居住
	FRenovationAccepted               // 危房改造已竣工验收
	FSubsidyPaid                      // 改造补助资金已发放到户
	FRenovationQualityOK              // 改造质量达标
	FWaterQualityOK                   // 水质达标
	FWaterLitres                      // 人均日可获得水量
	FTapWater                         // 自来水入户
	FFetchMinutes                     // 人力取水往返时间
	FDistanceH                        // 取水水平距离
	FDistanceV                        // 取水垂直距离
	FSupplyRate                       // 供水保证率
	FFoodOK                           // 不愁吃
	FClothingOK                       // 不愁穿
	FIncomeWage                       // 工资性收入（全家，元/年）
	FIncomeOperating                  // 经营性收入（净）
	FIncomeProperty                   // 财产性收入
	FIncomeTransfer                   // 转移性收入
	FEligibleExpenses                 // 合规自付支出
	FLastYearPerCapita                // 上年人均纯收入
	NumHouseholdFacts
)

// MFact indexes a member fact. Every member fact is yes/no.
type MFact uint8

// Member facts.
const (
	FInsured            MFact = iota // 参加城乡居民基本医疗保险
	FChronicCoverage                 // 已纳入门诊慢特病保障
	FFamilyDoctor                    // 已签约家庭医生
	FSeriousTreated                  // 大病得到及时救治
	FEnrolled                        // 有学籍（在册）
	FAttending                       // 实际在校就读
	FDisabilityAssessed              // 经县级残疾人教育专家委员会评估鉴定
	FHomeTeaching                    // 已落实送教上门
	FReceivingSchool                 // 有接纳学校
	FSchoolRecordMoved               // 学籍已转入接纳学校
	FStudentAid                      // 享受相应学段学生资助
	FLivingSubsidy                   // 享受困难残疾人生活补贴
	NumMemberFacts
)

const yuan = "元"

// HouseholdFactDefs and MemberFactDefs define the facts, indexed by HFact
// and MFact.
var (
	HouseholdFactDefs = [NumHouseholdFacts]FactDef{
		FHouseGrade:          {Code: "house_grade", Label: "现住房安全等级", Kind: KindGrade},
		FRenovatedNotMoved:   {Code: "renovated_not_moved", Label: "危房改造后未入住（改而未住）", Kind: KindBool},
		FLivingInBoth:        {Code: "living_in_both", Label: "新旧房两头住", Kind: KindBool},
		FMovedBack:           {Code: "moved_back", Label: "搬入新居后又返回危旧房居住", Kind: KindBool},
		FRenovationAccepted:  {Code: "renovation_accepted", Label: "危房改造已竣工验收", Kind: KindBool},
		FSubsidyPaid:         {Code: "subsidy_paid", Label: "改造补助资金已发放到户", Kind: KindBool},
		FRenovationQualityOK: {Code: "renovation_quality_ok", Label: "危房改造质量达标", Kind: KindBool},
		FWaterQualityOK:      {Code: "water_quality_ok", Label: "饮用水水质达标", Kind: KindBool},
		FWaterLitres:         {Code: "water_litres", Label: "每人每天可获得水量", Kind: KindNumber, Unit: "升", Min: 0, Max: 1000},
		FTapWater:            {Code: "tap_water", Label: "自来水入户", Kind: KindBool},
		FFetchMinutes:        {Code: "fetch_minutes", Label: "人力取水往返时间", Kind: KindNumber, Unit: "分钟", Min: 0, Max: 1440},
		FDistanceH:           {Code: "distance_h", Label: "取水水平距离", Kind: KindNumber, Unit: "米", Min: 0, Max: 100000},
		FDistanceV:           {Code: "distance_v", Label: "取水垂直距离", Kind: KindNumber, Unit: "米", Min: 0, Max: 10000},
		FSupplyRate:          {Code: "supply_rate", Label: "供水保证率", Kind: KindNumber, Unit: "%", Min: 0, Max: 100},
		FFoodOK:              {Code: "food_ok", Label: "不愁吃", Kind: KindBool},
		FClothingOK:          {Code: "clothing_ok", Label: "不愁穿", Kind: KindBool},
		FIncomeWage:          {Code: "income_wage", Label: "工资性收入（全家全年）", Kind: KindNumber, Unit: yuan, Min: 0, Max: 1e8},
		FIncomeOperating:     {Code: "income_operating", Label: "经营性净收入（全家全年）", Kind: KindNumber, Unit: yuan, Min: -1e8, Max: 1e8},
		FIncomeProperty:      {Code: "income_property", Label: "财产性收入（全家全年）", Kind: KindNumber, Unit: yuan, Min: -1e8, Max: 1e8},
		FIncomeTransfer:      {Code: "income_transfer", Label: "转移性收入（全家全年）", Kind: KindNumber, Unit: yuan, Min: 0, Max: 1e8},
		FEligibleExpenses:    {Code: "eligible_expenses", Label: "合规自付支出（全家全年）", Kind: KindNumber, Unit: yuan, Min: 0, Max: 1e8},
		FLastYearPerCapita:   {Code: "last_year_per_capita", Label: "上年家庭人均纯收入", Kind: KindNumber, Unit: yuan, Min: -1e7, Max: 1e7},
	}
	MemberFactDefs = [NumMemberFacts]FactDef{
		FInsured:            {Code: "insured", Label: "参加城乡居民基本医疗保险", Kind: KindBool},
		FChronicCoverage:    {Code: "chronic_coverage", Label: "已纳入门诊慢特病保障", Kind: KindBool},
		FFamilyDoctor:       {Code: "family_doctor", Label: "已签约家庭医生", Kind: KindBool},
		FSeriousTreated:     {Code: "serious_treated", Label: "大病得到及时救治", Kind: KindBool},
		FEnrolled:           {Code: "enrolled", Label: "学籍在册", Kind: KindBool},
		FAttending:          {Code: "attending", Label: "实际在校就读（已核实）", Kind: KindBool},
		FDisabilityAssessed: {Code: "disability_assessed", Label: "经县级残疾人教育专家委员会评估鉴定", Kind: KindBool},
		FHomeTeaching:       {Code: "home_teaching", Label: "已落实送教上门", Kind: KindBool},
		FReceivingSchool:    {Code: "receiving_school", Label: "有接纳学校", Kind: KindBool},
		FSchoolRecordMoved:  {Code: "school_record_moved", Label: "学籍已转入接纳学校", Kind: KindBool},
		FStudentAid:         {Code: "student_aid", Label: "享受相应学段学生资助", Kind: KindBool},
		FLivingSubsidy:      {Code: "living_subsidy", Label: "享受困难残疾人生活补贴", Kind: KindBool},
	}
	factByCode = map[string]*FactDef{}
)

func init() {
	for i := range HouseholdFactDefs {
		d := &HouseholdFactDefs[i]
		d.Scope, d.index = ScopeHousehold, uint8(i)
		factByCode[d.Code] = d
	}
	for i := range MemberFactDefs {
		d := &MemberFactDefs[i]
		d.Scope, d.index = ScopeMember, uint8(i)
		factByCode[d.Code] = d
	}
}

// FactByCode returns the definition of a fact code (nil if unknown).
func FactByCode(code string) *FactDef { return factByCode[code] }

// FactDefs lists every fact, household facts first, for the UI.
func FactDefs() []FactDef {
	out := make([]FactDef, 0, len(HouseholdFactDefs)+len(MemberFactDefs))
	out = append(out, HouseholdFactDefs[:]...)
	return append(out, MemberFactDefs[:]...)
}

// Tri is a yes/no fact that may not be known.
type Tri int8

const (
	Unknown Tri = iota
	No
	Yes
)

// Label is the Chinese rendering.
func (t Tri) Label() string {
	switch t {
	case Yes:
		return "是"
	case No:
		return "否"
	}
	return "未核实"
}

// TriOf converts a bool.
func TriOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// House grades, stored as 1..4.
const (
	GradeA = 1
	GradeB = 2
	GradeC = 3
	GradeD = 4
)

// HouseholdFacts holds the household facts known about a household: bit i of
// Known says fact i is recorded, bit i of Roster that its value came from a
// department roster rather than a visit. Booleans are 1 (yes) or 0 (no);
// grades 1..4 (A..D).
type HouseholdFacts struct {
	Known  uint32
	Roster uint32
	V      [NumHouseholdFacts]float64
}

// Get returns a fact and whether it is known.
func (f *HouseholdFacts) Get(c HFact) (float64, bool) {
	return f.V[c], f.Known&(1<<c) != 0
}

// Has reports whether a fact is known.
func (f *HouseholdFacts) Has(c HFact) bool { return f.Known&(1<<c) != 0 }

// Tri returns a yes/no fact.
func (f *HouseholdFacts) Tri(c HFact) Tri {
	if f.Known&(1<<c) == 0 {
		return Unknown
	}
	if f.V[c] != 0 {
		return Yes
	}
	return No
}

// Set records a value.
func (f *HouseholdFacts) Set(c HFact, v float64) {
	f.V[c] = v
	f.Known |= 1 << c
	f.Roster &^= 1 << c
}

// SetBool records a yes/no value.
func (f *HouseholdFacts) SetBool(c HFact, b bool) {
	v := 0.0
	if b {
		v = 1
	}
	f.Set(c, v)
}

// Clear forgets a fact.
func (f *HouseholdFacts) Clear(c HFact) {
	f.V[c] = 0
	f.Known &^= 1 << c
	f.Roster &^= 1 << c
}

// Overlay copies every fact known in g over f: the later source wins fact by
// fact, and what g does not know f keeps. Mark g's facts as department
// roster facts with fromRoster.
func (f *HouseholdFacts) Overlay(g *HouseholdFacts, fromRoster bool) {
	for c := HFact(0); c < NumHouseholdFacts; c++ {
		if g.Known&(1<<c) != 0 {
			f.V[c] = g.V[c]
			f.Known |= 1 << c
			if fromRoster || g.Roster&(1<<c) != 0 {
				f.Roster |= 1 << c
			} else {
				f.Roster &^= 1 << c
			}
		}
	}
}

// MemberFacts holds the yes/no facts known about one member.
type MemberFacts struct {
	MemberID int64
	Known    uint32
	Yes      uint32
	Roster   uint32
}

// Tri returns a fact.
func (f *MemberFacts) Tri(c MFact) Tri {
	if f.Known&(1<<c) == 0 {
		return Unknown
	}
	if f.Yes&(1<<c) != 0 {
		return Yes
	}
	return No
}

// Set records a value.
func (f *MemberFacts) Set(c MFact, b bool) {
	f.Known |= 1 << c
	if b {
		f.Yes |= 1 << c
	} else {
		f.Yes &^= 1 << c
	}
	f.Roster &^= 1 << c
}

// Clear forgets a fact.
func (f *MemberFacts) Clear(c MFact) {
	f.Known &^= 1 << c
	f.Yes &^= 1 << c
	f.Roster &^= 1 << c
}

// Overlay copies every fact known in g over f (see HouseholdFacts.Overlay).
func (f *MemberFacts) Overlay(g *MemberFacts, fromRoster bool) {
	k := g.Known
	f.Known |= k
	f.Yes = f.Yes&^k | g.Yes&k
	if fromRoster {
		f.Roster |= k
	} else {
		f.Roster = f.Roster&^k | g.Roster&k
	}
}

// FactSet is the JSON form of facts as visits carry them: fact code →
// value (true/false, "A".."D", or a number). A null value means not recorded.
type FactSet map[string]any

// validate checks every value of s against its definition.
func (s FactSet) validate(v *apperr.Validation, scope, fieldPrefix, who string) {
	codes := make([]string, 0, len(s))
	for c := range s {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		val := s[code]
		d := FactByCode(code)
		field := fieldPrefix + code
		if d == nil {
			v.Add(field, code, "%s不是已知的排查事实项", who)
			continue
		}
		if d.Scope != scope {
			if scope == ScopeHousehold {
				v.Add(field, d.Label, "是成员的事实，应填写在对应成员下")
			} else {
				v.Add(field, d.Label, "%s：是全户的事实，不能填写在成员下", who)
			}
			continue
		}
		if val == nil {
			continue
		}
		if _, err := d.parse(val); err != "" {
			v.Add(field, d.Label, "%s%s", who, err)
		}
	}
}

// parse converts a JSON value; err is a Chinese reason.
func (d *FactDef) parse(val any) (float64, string) {
	switch d.Kind {
	case KindBool:
		b, ok := val.(bool)
		if !ok {
			return 0, "应为“是”或“否”"
		}
		if b {
			return 1, ""
		}
		return 0, ""
	case KindGrade:
		s, ok := val.(string)
		if !ok {
			return 0, "应为A、B、C、D级之一"
		}
		g := ParseGrade(s)
		if g == 0 {
			return 0, "“" + s + "”不是有效等级，应为A、B、C、D级之一"
		}
		return float64(g), ""
	default:
		var n float64
		switch x := val.(type) {
		case float64:
			n = x
		case int:
			n = float64(x)
		case int64:
			n = float64(x)
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return 0, "应为数字"
			}
			n = f
		default:
			return 0, "应为数字"
		}
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, "应为数字"
		}
		if n < d.Min || n > d.Max {
			return 0, "应在" + fmtNum(d.Min) + "至" + fmtNum(d.Max) + d.Unit + "之间，实际为" + fmtNum(n)
		}
		if d.Integral && n != math.Trunc(n) {
			return 0, "应为整数"
		}
		return n, ""
	}
}

// ParseGrade accepts A–D (any case, optionally followed by 级); 0 if invalid.
func ParseGrade(s string) int {
	s = strings.TrimSuffix(strings.TrimSpace(s), "级")
	switch strings.ToUpper(s) {
	case "A":
		return GradeA
	case "B":
		return GradeB
	case "C":
		return GradeC
	case "D":
		return GradeD
	}
	return 0
}

// Format renders a value of the fact in Chinese.
func (d *FactDef) Format(v float64) string {
	switch d.Kind {
	case KindBool:
		if v != 0 {
			return "是"
		}
		return "否"
	case KindGrade:
		if v >= 1 && v <= 4 {
			return string(rune('A'+int(v)-1)) + "级"
		}
		return "未知等级"
	}
	return fmtNum(v) + d.Unit
}

func fmtNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// householdFacts converts a validated set (invalid values are skipped).
func (s FactSet) householdFacts() HouseholdFacts {
	var f HouseholdFacts
	for code, val := range s {
		d := FactByCode(code)
		if d == nil || d.Scope != ScopeHousehold || val == nil {
			continue
		}
		if n, err := d.parse(val); err == "" {
			f.Set(HFact(d.index), n)
		}
	}
	return f
}

// memberFacts converts a validated set.
func (s FactSet) memberFacts(id int64) MemberFacts {
	f := MemberFacts{MemberID: id}
	for code, val := range s {
		d := FactByCode(code)
		if d == nil || d.Scope != ScopeMember || val == nil {
			continue
		}
		if b, ok := val.(bool); ok {
			f.Set(MFact(d.index), b)
		}
	}
	return f
}

// FactSet returns the JSON form of the known facts.
func (f *HouseholdFacts) FactSet() FactSet {
	s := FactSet{}
	for c := HFact(0); c < NumHouseholdFacts; c++ {
		if !f.Has(c) {
			continue
		}
		d := &HouseholdFactDefs[c]
		switch d.Kind {
		case KindBool:
			s[d.Code] = f.V[c] != 0
		case KindGrade:
			s[d.Code] = string(rune('A' + int(f.V[c]) - 1))
		default:
			s[d.Code] = f.V[c]
		}
	}
	return s
}

// FactSet returns the JSON form of the known facts.
func (f *MemberFacts) FactSet() FactSet {
	s := FactSet{}
	for c := MFact(0); c < NumMemberFacts; c++ {
		if t := f.Tri(c); t != Unknown {
			s[MemberFactDefs[c].Code] = t == Yes
		}
	}
	return s
}

// Binary encodings, for a store that keeps the merged facts of each
// household in one column and loads a county quickly.

const factsVersion = 1

// MarshalBinary encodes the facts: version, Known, Roster, then the known
// values in fact order (float64, little endian).
func (f *HouseholdFacts) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(nil)
}

// AppendBinary appends the encoding to b.
func (f *HouseholdFacts) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, factsVersion)
	b = binary.LittleEndian.AppendUint32(b, f.Known)
	b = binary.LittleEndian.AppendUint32(b, f.Roster)
	for c := HFact(0); c < NumHouseholdFacts; c++ {
		if f.Has(c) {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.V[c]))
		}
	}
	return b, nil
}

var errFactsEncoding = errors.New("screening: bad facts encoding")

// UnmarshalBinary decodes MarshalBinary's output; empty input is no facts.
func (f *HouseholdFacts) UnmarshalBinary(b []byte) error {
	*f = HouseholdFacts{}
	if len(b) == 0 {
		return nil
	}
	if len(b) < 9 || b[0] != factsVersion {
		return errFactsEncoding
	}
	known := binary.LittleEndian.Uint32(b[1:])
	roster := binary.LittleEndian.Uint32(b[5:])
	if known>>NumHouseholdFacts != 0 || roster&^known != 0 {
		return errFactsEncoding
	}
	b = b[9:]
	for c := HFact(0); c < NumHouseholdFacts; c++ {
		if known&(1<<c) == 0 {
			continue
		}
		if len(b) < 8 {
			return errFactsEncoding
		}
		f.V[c] = math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) != 0 {
		return errFactsEncoding
	}
	f.Known, f.Roster = known, roster
	return nil
}
