package registry

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/idcard"
)

// The household register as a table (花名册): one row per member, the
// household's own fields repeated (or left empty, e.g. under merged cells)
// on every row of the household. This is the layout of the import template,
// of exports and of what imports read; the mapping below is pure (no I/O)
// and shared by all three.

// Column keys of the register that are not fields of Household or Member.
const (
	ColTownship = "township" // 乡镇 name, informative (or to find the village by name)
	ColVillage  = "village"  // 村 name: finds the village when its code is not given
)

// RegisterColumn is one column of the register table.
type RegisterColumn struct {
	Key       string   // field code name (Labels), or ColTownship/ColVillage
	Label     string   // the header written in templates and exports
	Aliases   []string // other headers officials use for it
	Required  bool     // a file without the column is refused
	Household bool     // a household-level field (same on every row of a household)
	Note      string   // how to fill it in, for the template's notes
}

// RegisterColumns are the register's columns in template order. Either the
// village code or the village name must be present (checked by the importer).
var RegisterColumns = []RegisterColumn{
	{Key: "number", Label: "户编号", Aliases: []string{"户号", "户编码", "农户编号", "家庭编号", "家庭户编号"}, Required: true, Household: true,
		Note: "同一户的每个成员填同一户编号（合并单元格也可以）；户编号在本县内唯一"},
	{Key: ColTownship, Label: "乡镇", Aliases: []string{"乡（镇）", "乡镇（街道）", "所属乡镇", "乡镇名称", "乡镇街道"}, Household: true,
		Note: "乡镇名称；未填村区划代码时用来确定村"},
	{Key: ColVillage, Label: "村", Aliases: []string{"所属村", "村名", "村名称", "行政村", "村（社区）", "村居"}, Household: true,
		Note: "村名称；未填村区划代码时按乡镇和村名确定村"},
	{Key: "region_code", Label: "村区划代码", Aliases: []string{"所属村区划代码", "村级区划代码", "村代码", "区划代码", "行政区划代码", "统计用区划代码"}, Household: true,
		Note: "12位统计用区划代码，须是已登记的村；与“村”至少填一项"},
	{Key: "category", Label: "户类型", Aliases: []string{"农户类型", "户类别", "户属性"}, Required: true, Household: true,
		Note: "脱贫户、监测户或一般农户；也可写“监测户（边缘易致贫户）”"},
	{Key: "monitor_type", Label: "监测对象类型", Aliases: []string{"监测对象类别", "监测类型", "监测户类型"}, Household: true,
		Note: "监测户必填：脱贫不稳定户、边缘易致贫户或突发严重困难户"},
	{Key: "relocated", Label: "易地扶贫搬迁户", Aliases: []string{"是否易地扶贫搬迁户", "是否易地搬迁", "易地搬迁户", "是否搬迁户"}, Household: true, Note: "是或否"},
	{Key: "housing_priority", Label: "住房六类重点对象", Aliases: []string{"六类重点对象", "住房保障对象类别"}, Household: true,
		Note: "可填多项，用顿号分隔，如“低保户、易返贫致贫户”"},
	{Key: "dibao", Label: "低保户", Aliases: []string{"是否低保户", "是否享受低保", "低保"}, Household: true, Note: "是或否"},
	{Key: "dibao_tier", Label: "低保类别", Aliases: []string{"低保类型", "低保档次"}, Household: true, Note: "低保户必填：一类、二类或三类"},
	{Key: "tekun", Label: "特困供养", Aliases: []string{"是否特困供养", "特困人员", "是否特困", "特困供养户"}, Household: true, Note: "是或否"},
	{Key: "phone", Label: "联系电话", Aliases: []string{"电话", "手机号", "手机号码", "联系方式", "电话号码"}, Household: true},
	{Key: "address", Label: "住址", Aliases: []string{"家庭住址", "地址", "详细地址", "居住地址"}, Household: true},
	{Key: "name", Label: "姓名", Aliases: []string{"成员姓名", "人员姓名", "家庭成员姓名"}, Required: true},
	{Key: "id_number", Label: "身份证号", Aliases: []string{"身份证号码", "证件号码", "公民身份号码", "身份证件号码", "证件号", "身份号码", "居民身份证号码", "成员身份证号"}, Required: true,
		Note: "18位（15位的自动升为18位）；请用文本格式，不要存成数值"},
	{Key: "sex", Label: "性别", Note: "可不填；填了须与身份证号一致"},
	{Key: "birth_date", Label: "出生日期", Aliases: []string{"出生年月日", "出生年月", "生日"}, Note: "可不填；填了须与身份证号一致，如2001-03-05"},
	{Key: "relation", Label: "与户主关系", Aliases: []string{"与户主的关系", "家庭关系", "关系", "户主关系"}, Required: true,
		Note: "每户有且只有一位“户主”"},
	{Key: "disability_type", Label: "残疾类别", Aliases: []string{"残疾类型", "残疾种类"}, Note: "无残疾填“无”或不填"},
	{Key: "disability_grade", Label: "残疾等级", Aliases: []string{"残疾级别"}, Note: "一级至四级"},
	{Key: "health", Label: "健康状况", Aliases: []string{"健康状态"}, Note: "健康、长期慢性病或患有大病；不填为健康"},
	{Key: "schooling", Label: "在校生状况", Aliases: []string{"在校生情况", "在校情况", "就学状况", "在校状况"}},
	{Key: "school", Label: "就读学校", Aliases: []string{"学校名称", "在读学校", "学校"}},
	{Key: "labour", Label: "劳动技能", Aliases: []string{"劳动能力", "劳动力状况"}},
	{Key: "medical_insured", Label: "参加城乡居民基本医疗保险", Aliases: []string{"是否参加城乡居民基本医疗保险", "参加医保", "是否参加医疗保险", "医保参保", "参加基本医疗保险", "是否参保"}, Note: "是或否"},
}

// RegisterHeader is the header row of templates and exports.
func RegisterHeader() []string {
	out := make([]string, len(RegisterColumns))
	for i, c := range RegisterColumns {
		out[i] = c.Label
	}
	return out
}

// ColumnLabel is the register's header for a key (Labels as fallback).
func ColumnLabel(key string) string {
	for _, c := range RegisterColumns {
		if c.Key == key {
			return c.Label
		}
	}
	return Labels[key]
}

// HouseholdFields is a set of household-level column keys, as bits in
// RegisterColumns order.
type HouseholdFields uint32

// Has reports whether the column key is in the set.
func (f HouseholdFields) Has(key string) bool { return f&fieldBit(key) != 0 }

// fieldBits maps column keys to their bit (rows are parsed a million at a
// time: no linear search per cell).
var fieldBits = func() map[string]HouseholdFields {
	m := make(map[string]HouseholdFields, len(RegisterColumns))
	for i, c := range RegisterColumns {
		m[c.Key] = 1 << i
	}
	return m
}()

func fieldBit(key string) HouseholdFields { return fieldBits[key] }

// RowValues are the household-level values one row carries (and, merged,
// a household's): the household's fields, compact since a county's
// households are held in memory at once, and the names of the township and
// village.
type RowValues struct {
	Number, Township, Village, RegionCode string
	Category, MonitorType, DibaoTier      string // code names
	HousingPriority                       string // code names in the enum's order, comma-separated
	Phone, Address                        string
	Relocated, Dibao, Tekun               bool
	// Present lists the household-level columns filled in; the others are
	// empty on the row and come from another row of the household.
	Present HouseholdFields
}

// Household returns the household the values describe.
func (r *RowValues) Household() Household {
	return Household{Number: r.Number, RegionCode: r.RegionCode, Category: r.Category, MonitorType: r.MonitorType,
		Relocated: r.Relocated, HousingPriority: splitList(r.HousingPriority), Dibao: r.Dibao, DibaoTier: r.DibaoTier,
		Tekun: r.Tekun, Phone: r.Phone, Address: r.Address}
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Own passes every text value through own (with its column key): values
// read from a file are pieces of the row's text, and a household kept in
// memory must not keep whole rows alive (own clones them, or interns values
// that repeat, such as village names).
func (r *RowValues) Own(own func(key, value string) string) {
	for _, key := range []string{"number", ColTownship, ColVillage, "region_code", "housing_priority", "phone", "address"} {
		if p := r.field(key); *p != "" {
			*p = own(key, *p)
		}
	}
}

// field returns a pointer to the text value of a household-level column,
// nil for the yes/no ones.
func (r *RowValues) field(key string) *string {
	switch key {
	case "number":
		return &r.Number
	case ColTownship:
		return &r.Township
	case ColVillage:
		return &r.Village
	case "region_code":
		return &r.RegionCode
	case "category":
		return &r.Category
	case "monitor_type":
		return &r.MonitorType
	case "housing_priority":
		return &r.HousingPriority
	case "dibao_tier":
		return &r.DibaoTier
	case "phone":
		return &r.Phone
	case "address":
		return &r.Address
	}
	return nil
}

func (r *RowValues) flag(key string) *bool {
	switch key {
	case "relocated":
		return &r.Relocated
	case "dibao":
		return &r.Dibao
	case "tekun":
		return &r.Tekun
	}
	return nil
}

// Get returns the household-level value of a column as text, for comparing
// rows of one household ("" for an empty column).
func (r *RowValues) Get(key string) string {
	if p := r.field(key); p != nil {
		return *p
	}
	if b := r.flag(key); b != nil {
		return boolText(*b)
	}
	return ""
}

// DisplayValue is how a household-level value (as Get returns it) reads in
// a message.
func DisplayValue(key, v string) string {
	switch key {
	case "category":
		return Category.LabelOf(v)
	case "monitor_type":
		return MonitorType.LabelOf(v)
	case "dibao_tier":
		return DibaoTier.LabelOf(v)
	case "relocated", "dibao", "tekun":
		if v == "1" {
			return "是"
		}
		return "否"
	case "housing_priority":
		if v == "" {
			return ""
		}
		parts := strings.Split(v, ",")
		for i, p := range parts {
			parts[i] = HousingPriority.LabelOf(p)
		}
		return strings.Join(parts, "、")
	}
	return v
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// ParseRow maps one register row, read through get (column key → cell
// text, "" when the file lacks the column), to the household-level values
// it carries and the member it describes. Problems are added to v (whose Row
// the caller sets), labelled with the register's column names. The member is
// normalised and validated on its own (ID number with checksum and 15→18,
// birth date and sex agreeing with it, enumerations, lengths); household
// fields are only parsed here, since they may come from several rows: the
// caller merges the rows of a household (Merge) and then validates the
// household (Household.Validate).
func ParseRow(get func(key string) string, now time.Time, v *apperr.Validation) (RowValues, Member) {
	var rv RowValues
	h := &rv
	cell := func(key string) string {
		s := foldSpace(get(key))
		if s != "" {
			rv.Present |= fieldBit(key)
		}
		return s
	}
	bad := func(key, format string, args ...any) { v.Add(key, ColumnLabel(key), format, args...) }

	h.Number = cell("number")
	if utf8.RuneCountInString(h.Number) > 40 {
		bad("number", "不能超过40个字符")
	} else if scientific(h.Number) {
		bad("number", "“%s”是被 Excel 存成数值（科学计数法）的户编号，后几位已丢失；请把该列设为文本格式后重新填写", h.Number)
	}
	h.Township = cell(ColTownship)
	h.Village = cell(ColVillage)
	h.RegionCode = cell("region_code")
	if scientific(h.RegionCode) {
		bad("region_code", "“%s”是被 Excel 存成数值（科学计数法）的区划代码；请把该列设为文本格式后重新填写", h.RegionCode)
	}
	if s := cell("category"); s != "" {
		cat, mt, ok := parseCategory(s)
		if !ok {
			bad("category", "“%s”不是有效值，应为：%s", s, strings.Join(Category.Labels(), "、"))
		}
		h.Category, h.MonitorType = cat, mt
		if mt != "" {
			rv.Present |= fieldBit("monitor_type")
		}
	}
	if s := foldSpace(get("monitor_type")); s != "" {
		code, ok := MonitorType.Parse(s)
		if !ok {
			code, ok = MonitorType.Parse(strings.TrimLeft(strings.TrimRight(strings.TrimPrefix(strings.TrimPrefix(s, "监测户"), "监测对象"), ")）"), "(（"))
		}
		switch {
		case !ok:
			bad("monitor_type", "“%s”不是有效值，应为：%s", s, strings.Join(MonitorType.Labels(), "、"))
		case h.MonitorType != "" && h.MonitorType != code:
			bad("monitor_type", "“%s”与户类型中写的“%s”不一致", s, MonitorType.LabelOf(h.MonitorType))
		default:
			h.MonitorType = code
			rv.Present |= fieldBit("monitor_type")
		}
	}
	h.Relocated = parseBoolCell(cell("relocated"), "relocated", bad)
	if s := cell("housing_priority"); s != "" {
		groups, unknown := ParseHousingPriority(s)
		if unknown != "" {
			bad("housing_priority", "“%s”不是六类重点对象之一，应为：%s", unknown, strings.Join(HousingPriority.Labels(), "、"))
		}
		h.HousingPriority = CanonicalPriority(groups)
	}
	h.Dibao = parseBoolCell(cell("dibao"), "dibao", bad)
	if s := cell("dibao_tier"); s != "" {
		if code, ok := DibaoTier.Parse(s); ok {
			h.DibaoTier = code
		} else {
			bad("dibao_tier", "“%s”不是有效值，应为：%s", s, strings.Join(DibaoTier.Labels(), "、"))
		}
	}
	h.Tekun = parseBoolCell(cell("tekun"), "tekun", bad)
	h.Phone = cell("phone")
	h.Address = cell("address")

	var m Member
	m.Name = get("name")
	rawID := get("id_number")
	m.IDNumber = idcard.Normalize(rawID)
	if hint := excelNumberHint(m.IDNumber); hint != "" {
		bad("id_number", "%s", hint)
	}
	if s := foldSpace(get("sex")); s != "" {
		if code, ok := Sex.Parse(s); ok {
			m.Sex = code
		} else if code, ok := Sex.Parse(strings.TrimSuffix(s, "性")); ok {
			m.Sex = code
		} else {
			bad("sex", "“%s”不是有效值，应为：男、女", s)
		}
	}
	if s := foldSpace(get("birth_date")); s != "" {
		if t, err := ParseCellDate(s); err == nil {
			m.BirthDate = Date{t}
		} else {
			bad("birth_date", "“%s”不是有效的日期，应为如1980-03-05", s)
		}
	}
	enum := func(key string, e *Enum, lenient func(string) (string, bool), dst *string) {
		s := foldSpace(get(key))
		if s == "" {
			return
		}
		if code, ok := e.Parse(s); ok {
			*dst = code
			return
		}
		if lenient != nil {
			if code, ok := lenient(s); ok {
				*dst = code
				return
			}
		}
		bad(key, "“%s”不是有效值，应为：%s", s, strings.Join(e.Labels(), "、"))
	}
	enum("relation", Relation, parseRelation, &m.Relation)
	if m.Relation == "" && !v.Has("relation") {
		bad("relation", "不能为空，应为：%s", strings.Join(Relation.Labels(), "、"))
	}
	enum("disability_type", DisabilityType, func(s string) (string, bool) { return DisabilityType.Parse(strings.TrimSuffix(s, "残疾")) }, &m.DisabilityType)
	enum("disability_grade", DisabilityGrade, parseGrade, &m.DisabilityGrade)
	enum("health", Health, nil, &m.Health)
	enum("schooling", Schooling, parseSchooling, &m.Schooling)
	m.School = get("school")
	enum("labour", Labour, nil, &m.Labour)
	m.MedicalInsured = parseBoolCell(foldSpace(get("medical_insured")), "medical_insured", bad)

	m.Normalize()
	var mv apperr.Validation
	if !v.Has("id_number") {
		m.Validate(&mv, now)
	} else {
		// The number is already reported; check the rest without it.
		keep := m.IDNumber
		m.IDNumber = ""
		m.Validate(&mv, now)
		m.IDNumber = keep
	}
	for _, f := range mv.Fields() {
		if f.Field == "id_number" && v.Has("id_number") {
			continue
		}
		if v.Has(f.Field) {
			continue
		}
		label := ColumnLabel(f.Field)
		msg := f.Message
		if f.Field == "id_number" && rawID != "" && strings.HasSuffix(m.IDNumber, "000") && len(m.IDNumber) == 18 {
			msg += "（末尾是000，可能被 Excel 当作数值保存，后几位已丢失；请把该列设为文本格式后重新填写）"
		}
		v.Add(f.Field, label, "%s", msg)
	}
	return rv, m
}

// Merge folds the household-level values of another row of the same
// household into acc: values acc lacks are taken (through own, see Own),
// and values both have must agree. It returns the keys that disagree (acc
// keeps its value).
func (acc *RowValues) Merge(row *RowValues, own func(key, value string) string) (conflicts []string) {
	for _, c := range RegisterColumns {
		bit := fieldBit(c.Key)
		if !c.Household || row.Present&bit == 0 {
			continue
		}
		if acc.Present&bit == 0 {
			if p := acc.field(c.Key); p != nil {
				*p = own(c.Key, *row.field(c.Key))
			} else if f := acc.flag(c.Key); f != nil {
				*f = *row.flag(c.Key)
			}
			acc.Present |= bit
			continue
		}
		if acc.Get(c.Key) != row.Get(c.Key) {
			conflicts = append(conflicts, c.Key)
		}
	}
	return conflicts
}

// Validate checks the merged household (after the village code is known),
// labelling problems with the register's column names, and returns it
// normalised.
func (r *RowValues) Validate(v *apperr.Validation) Household {
	h := r.Household()
	h.Normalize()
	empty := h.Category == ""
	if empty {
		v.Add("category", ColumnLabel("category"), "不能为空，应为：%s", strings.Join(Category.Labels(), "、"))
		h.Category = CategoryOrdinary // reported; keeps Validate from saying it twice
	}
	var hv apperr.Validation
	h.Validate(&hv)
	for _, f := range hv.Fields() {
		v.Add(f.Field, ColumnLabel(f.Field), "%s", f.Message)
	}
	if empty {
		h.Category = ""
	}
	return h
}

// FormatRow writes one member's row of the register, in RegisterColumns
// order: labels, not code names, so that the file reads as officials write
// it and imports back unchanged. township and village are the names of the
// household's township and village.
func FormatRow(h *Household, m *Member, township, village string) []string {
	return AppendRow(nil, h, m, township, village)
}

// AppendRow is FormatRow appending to dst (reused between rows).
func AppendRow(dst []string, h *Household, m *Member, township, village string) []string {
	prio := ""
	if len(h.HousingPriority) > 0 {
		labels := make([]string, 0, len(h.HousingPriority))
		for _, g := range h.HousingPriority {
			if l := HousingPriority.LabelOf(g); l != "" {
				labels = append(labels, l)
			}
		}
		prio = strings.Join(labels, "、")
	}
	return append(dst[:0],
		h.Number, township, village, h.RegionCode,
		Category.LabelOf(h.Category), MonitorType.LabelOf(h.MonitorType), yesNo(h.Relocated), prio,
		yesNo(h.Dibao), DibaoTier.LabelOf(h.DibaoTier), yesNo(h.Tekun), h.Phone, h.Address,
		m.Name, m.IDNumber, Sex.LabelOf(m.Sex), m.BirthDate.String(), Relation.LabelOf(m.Relation),
		DisabilityType.LabelOf(m.DisabilityType), DisabilityGrade.LabelOf(m.DisabilityGrade),
		Health.LabelOf(m.Health), Schooling.LabelOf(m.Schooling), m.School, Labour.LabelOf(m.Labour),
		yesNo(m.MedicalInsured),
	)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ParseHousingPriority reads a list of the six groups separated by 、 , ，
// ; ； / or spaces, into code names in the enum's order without duplicates.
// unknown is the first item that is not a group ("" when all are).
func ParseHousingPriority(s string) (groups []string, unknown string) {
	seen := make([]bool, len(HousingPriority.Values))
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("、,，;；/／ \u3000|", r)
	}) {
		code, ok := HousingPriority.Parse(part)
		if !ok {
			if unknown == "" {
				unknown = part
			}
			continue
		}
		for i, v := range HousingPriority.Values {
			if v.Code == code {
				seen[i] = true
			}
		}
	}
	groups = []string{}
	for i, ok := range seen {
		if ok {
			groups = append(groups, HousingPriority.Values[i].Code)
		}
	}
	return groups, unknown
}

// CanonicalPriority returns the groups in the enum's order, without
// duplicates, joined by commas: the stored form.
func CanonicalPriority(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	var b strings.Builder
	for _, v := range HousingPriority.Values {
		for _, g := range groups {
			if g == v.Code {
				if b.Len() > 0 {
					b.WriteByte(',')
				}
				b.WriteString(g)
				break
			}
		}
	}
	return b.String()
}

// parseCategory accepts a category, and the form officials' systems export
// for monitored households: "监测户（边缘易致贫户）" or a monitoring type alone.
func parseCategory(s string) (cat, monitor string, ok bool) {
	if code, ok := Category.Parse(s); ok {
		return code, "", true
	}
	if mt, ok := MonitorType.Parse(s); ok {
		return CategoryMonitored, mt, true
	}
	open := strings.IndexAny(s, "(（")
	if open > 0 {
		base := s[:open]
		inner := strings.TrimRight(s[open:], ")）")
		inner = strings.TrimLeft(inner, "(（")
		if code, ok := Category.Parse(base); ok {
			if code != CategoryMonitored {
				return code, "", true
			}
			if mt, ok := MonitorType.Parse(inner); ok {
				return code, mt, true
			}
		}
	}
	return "", "", false
}

// parseRelation accepts "之子", "之女", "之孙子" as officials' systems write
// relations.
func parseRelation(s string) (string, bool) {
	if t := strings.TrimPrefix(s, "之"); t != s {
		return Relation.Parse(t)
	}
	if strings.HasPrefix(s, "户主") {
		return RelationHead, true
	}
	return "", false
}

func parseGrade(s string) (string, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "残疾"), "级")
	switch s {
	case "一", "1", "Ⅰ", "I":
		return "1", true
	case "二", "2", "Ⅱ", "II":
		return "2", true
	case "三", "3", "Ⅲ", "III":
		return "3", true
	case "四", "4", "Ⅳ", "IV":
		return "4", true
	}
	return "", false
}

// parseSchooling reads the stage or grade officials often write instead of
// a status ("九年级", "普通高中一年级", "本科二年级") as "在校生".
func parseSchooling(s string) (string, bool) {
	if strings.Contains(s, "学前") {
		return SchoolingPreschool, true
	}
	for _, k := range []string{"年级", "小学", "初中", "高中", "中职", "中专", "高职", "大专", "专科", "本科", "大学", "研究生", "技校", "技工"} {
		if strings.Contains(s, k) {
			return SchoolingInSchool, true
		}
	}
	return "", false
}

// ParseYesNo reads a yes/no cell: 是/否, Y/N, 1/0, √/×, true/false, 有/无;
// empty is no.
func ParseYesNo(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "", "否", "n", "no", "0", "×", "x", "false", "无", "不是", "未参加", "未参保", "f":
		return false, true
	case "是", "y", "yes", "1", "√", "✓", "true", "有", "已参加", "已参保", "参加", "参保", "t":
		return true, true
	}
	return false, false
}

func parseBoolCell(s, key string, bad func(key, format string, args ...any)) bool {
	b, ok := ParseYesNo(s)
	if !ok {
		bad(key, "“%s”应填“是”或“否”", s)
	}
	return b
}

// ParseCellDate reads a date as officials type it (ParseDate), and also a
// date Excel stored as a serial number (e.g. 29586 for 1981-01-01) when the
// cell was not formatted as a date.
func ParseCellDate(s string) (time.Time, error) {
	if t, ok := isoDate(s); ok {
		return t, nil
	}
	if len(s) == 5 && s[0] >= '1' && s[0] <= '9' {
		if n, err := strconv.Atoi(s); err == nil {
			// Excel's day 1 is 1900-01-01, counting a 29 February 1900 that
			// never was: serials from 61 on are one day ahead.
			return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), nil
		}
	}
	return ParseDate(s)
}

// isoDate reads 2006-01-02 without allocating: the form exports and most
// files use.
func isoDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			if b[i] < '0' || b[i] > '9' {
				return 0, false
			}
			n = n*10 + int(b[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 2023-02-30
	}
	return t, true
}

// scientific reports a number Excel wrote in scientific notation
// ("1.41121E+15"): the digits of a long code are lost.
func scientific(s string) bool {
	i := strings.IndexAny(s, "Ee")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for j, c := range s {
		switch {
		case c >= '0' && c <= '9', j == i, c == '.' && j < i, (c == '+' || c == '-') && j == i+1:
		default:
			return false
		}
	}
	return true
}

// excelNumberHint explains ID numbers Excel turned into numbers.
func excelNumberHint(id string) string {
	if scientific(id) {
		return "“" + id + "”是被 Excel 存成数值（科学计数法）的身份证号，后几位已丢失；请把该列设为文本格式后重新填写"
	}
	if strings.Contains(id, "*") {
		return "“" + id + "”是脱敏（带*号）的身份证号：脱敏导出的文件仅供查阅，不能导入；请使用完整号码"
	}
	return ""
}

// foldSpace trims a cell and folds full-width letters and digits to
// half width, so that "ＹＥＳ" and "１" read like "YES" and "1".
func foldSpace(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	// Full-width forms are U+FF01–U+FF5E (bytes EF BC/BD …) and the
	// ideographic space U+3000 (E3 80 80): without them nothing folds.
	if strings.IndexByte(s, 0xEF) < 0 && !strings.Contains(s, "\u3000") {
		return s
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E && r != 0xFF08 && r != 0xFF09 {
			return r - 0xFEE0
		}
		if r == '\u3000' {
			return ' '
		}
		return r
	}, s))
}
