// Package registry holds households (农户) and their members (家庭成员), with
// the validation every entry path (forms, API, imports) shares. It does no I/O.
package registry

import (
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
)

// Household is one rural household, placed in exactly one village.
type Household struct {
	ID              int64     `json:"id"`
	County          string    `json:"county"`      // 6 digits, distribution key
	RegionCode      string    `json:"region_code"` // 12-digit village code
	Number          string    `json:"number"`      // 户编号, unique in the county
	Category        string    `json:"category"`    // lifted / monitored / ordinary
	MonitorType     string    `json:"monitor_type,omitempty"`
	Relocated       bool      `json:"relocated"`        // 易地扶贫搬迁户
	HousingPriority []string  `json:"housing_priority"` // subset of the six groups
	Dibao           bool      `json:"dibao"`
	DibaoTier       string    `json:"dibao_tier,omitempty"` // "1".."3" when Dibao
	Tekun           bool      `json:"tekun"`                // 分散供养特困
	Phone           string    `json:"phone,omitempty"`
	Address         string    `json:"address,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	// Read-only, filled by queries.
	HeadName    string   `json:"head_name,omitempty"`
	HeadID      string   `json:"head_id_number,omitempty"`
	MemberCount int      `json:"member_count"`
	Members     []Member `json:"members,omitempty"`
}

// Member is one person of a household.
type Member struct {
	ID              int64     `json:"id"`
	HouseholdID     int64     `json:"household_id"`
	County          string    `json:"county"`
	IDNumber        string    `json:"id_number"`
	Name            string    `json:"name"`
	Sex             string    `json:"sex"`        // male / female, from the ID number
	BirthDate       Date      `json:"birth_date"` // from the ID number
	Relation        string    `json:"relation"`
	DisabilityType  string    `json:"disability_type"`
	DisabilityGrade string    `json:"disability_grade"` // "0".."4"
	Health          string    `json:"health"`
	Schooling       string    `json:"schooling"`
	School          string    `json:"school,omitempty"`
	Labour          string    `json:"labour"`
	MedicalInsured  bool      `json:"medical_insured"` // 城乡居民基本医疗保险
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// SevereDisability reports a grade 1 or 2 disability (重度残疾).
func (m *Member) SevereDisability() bool {
	return m.DisabilityType != "" && m.DisabilityType != "none" && (m.DisabilityGrade == "1" || m.DisabilityGrade == "2")
}

// Disabled reports any disability.
func (m *Member) Disabled() bool { return m.DisabilityType != "" && m.DisabilityType != "none" }

// Age on a day.
func (m *Member) Age(day time.Time) int { return idcard.AgeOn(m.BirthDate.Time, day) }

// Field labels, shared by forms, imports and exports.
var Labels = map[string]string{
	"region_code": "所属村", "number": "户编号", "category": "户类型", "monitor_type": "监测对象类型",
	"relocated": "易地扶贫搬迁户", "housing_priority": "住房六类重点对象", "dibao": "低保户",
	"dibao_tier": "低保类别", "tekun": "特困供养", "phone": "联系电话", "address": "住址",
	"id_number": "身份证号", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
	"relation": "与户主关系", "disability_type": "残疾类别", "disability_grade": "残疾等级",
	"health": "健康状况", "schooling": "在校生状况", "school": "就读学校", "labour": "劳动技能",
	"medical_insured": "参加城乡居民基本医疗保险", "household_id": "所属农户",
}

func label(field string) string { return Labels[field] }

// Normalize trims text fields and fills defaults, before Validate.
func (h *Household) Normalize() {
	h.RegionCode = strings.TrimSpace(h.RegionCode)
	h.Number = strings.TrimSpace(h.Number)
	h.Phone = strings.TrimSpace(h.Phone)
	h.Address = strings.TrimSpace(h.Address)
	if h.Category != CategoryMonitored {
		h.MonitorType = ""
	}
	if !h.Dibao {
		h.DibaoTier = ""
	}
	if h.HousingPriority == nil {
		h.HousingPriority = []string{}
	}
	if len(h.RegionCode) == 12 {
		h.County = region.CountyOf(h.RegionCode)
	}
}

// Validate checks a household on its own; the village's existence and the
// caller's scope are checked by the store.
func (h *Household) Validate(v *apperr.Validation) {
	if h.RegionCode == "" {
		v.Add("region_code", label("region_code"), "不能为空")
	} else if code, err := region.Normalize(h.RegionCode); err != nil {
		v.Add("region_code", label("region_code"), "%s", err.Error())
	} else if region.LevelOf(code) != region.Village {
		v.Add("region_code", label("region_code"), "应为村级（12位）区划代码，%s不是村", code)
	}
	if h.Number == "" {
		v.Add("number", label("number"), "不能为空")
	} else if utf8.RuneCountInString(h.Number) > 40 {
		v.Add("number", label("number"), "不能超过40个字符")
	}
	if !Category.Has(h.Category) {
		v.Add("category", label("category"), "应为：%s", strings.Join(Category.Labels(), "、"))
	}
	if h.Category == CategoryMonitored && !MonitorType.Has(h.MonitorType) {
		v.Add("monitor_type", label("monitor_type"), "监测户须填写类型：%s", strings.Join(MonitorType.Labels(), "、"))
	}
	for _, g := range h.HousingPriority {
		if !HousingPriority.Has(g) {
			v.Add("housing_priority", label("housing_priority"), "未知的类别%q", g)
			break
		}
	}
	if h.Dibao && !DibaoTier.Has(h.DibaoTier) {
		v.Add("dibao_tier", label("dibao_tier"), "低保户须填写低保类别：%s", strings.Join(DibaoTier.Labels(), "、"))
	}
	if h.Phone != "" && !ValidPhone(h.Phone) {
		v.Add("phone", label("phone"), "号码%q格式不正确（应为11位手机号或带区号的固定电话）", h.Phone)
	}
	if utf8.RuneCountInString(h.Address) > 200 {
		v.Add("address", label("address"), "不能超过200个字符")
	}
}

// ValidPhone accepts an 11-digit mobile number starting with 1, or a
// landline: 7–8 digits, or with its area code (starting with 0) up to 12,
// with optional '-' or ' ' separators inside.
func ValidPhone(p string) bool {
	n := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= '0' && c <= '9':
			n++
		case (c == '-' || c == ' ') && i > 0 && i < len(p)-1:
		default:
			return false
		}
	}
	if n == 11 && p[0] == '1' {
		return true
	}
	return n >= 7 && n <= 12 && (p[0] == '0' || n <= 8)
}

// Normalize trims fields, normalises the ID number and fills defaults.
func (m *Member) Normalize() {
	m.IDNumber = idcard.Normalize(m.IDNumber)
	m.Name = strings.TrimSpace(m.Name)
	m.School = strings.TrimSpace(m.School)
	if m.DisabilityType == "" {
		m.DisabilityType = "none"
	}
	if m.DisabilityType == "none" {
		m.DisabilityGrade = "0"
	}
	if m.DisabilityGrade == "" {
		m.DisabilityGrade = "0"
	}
	if m.Health == "" {
		m.Health = HealthHealthy
	}
	if m.Schooling == "" {
		m.Schooling = SchoolingNone
	}
	if m.Labour == "" {
		m.Labour = LabourNone
	}
}

// Validate checks a member against the ID number: the birth date and sex are
// derived from it, and when given they must agree. now bounds birth dates.
func (m *Member) Validate(v *apperr.Validation, now time.Time) {
	id, err := idcard.Parse(m.IDNumber, now)
	if err != nil {
		v.Add("id_number", label("id_number"), "%s", err.Error())
	} else {
		m.IDNumber = id.Number
		if !m.BirthDate.IsZero() && !m.BirthDate.Equal(id.Birth) {
			v.Add("birth_date", label("birth_date"), "%s与身份证号中的出生日期%s不一致",
				m.BirthDate.Format("2006-01-02"), id.Birth.Format("2006-01-02"))
		}
		if m.Sex != "" && m.Sex != string(id.Sex) {
			v.Add("sex", label("sex"), "“%s”与身份证号中的性别“%s”不一致", Sex.LabelOf(m.Sex), Sex.LabelOf(string(id.Sex)))
		}
		m.BirthDate = Date{id.Birth}
		m.Sex = string(id.Sex)
	}
	if !m.BirthDate.IsZero() && m.BirthDate.After(now) && !v.Has("id_number") {
		v.Add("birth_date", label("birth_date"), "不能晚于今天")
	}
	name := m.Name
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.Add("name", label("name"), "不能为空")
	case n > 30:
		v.Add("name", label("name"), "不能超过30个字符")
	case strings.ContainsAny(name, "<>\"'&;\\/\n\r\t0123456789"):
		v.Add("name", label("name"), "含有不允许的字符")
	}
	check := func(e *Enum, val string) {
		if !e.Has(val) {
			v.Add(e.Name, e.Label, "“%s”不是有效值，应为：%s", val, strings.Join(e.Labels(), "、"))
		}
	}
	check(Relation, m.Relation)
	check(DisabilityType, m.DisabilityType)
	check(DisabilityGrade, m.DisabilityGrade)
	check(Health, m.Health)
	check(Schooling, m.Schooling)
	check(Labour, m.Labour)
	if m.DisabilityType != "none" && m.DisabilityGrade == "0" && !v.Has("disability_grade") {
		v.Add("disability_grade", label("disability_grade"), "有残疾类别时须填写残疾等级")
	}
	if utf8.RuneCountInString(m.School) > 100 {
		v.Add("school", label("school"), "不能超过100个字符")
	}
}

// Date is a calendar date, JSON "2006-01-02".
type Date struct{ time.Time }

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte(`null`), nil
	}
	return []byte(`"` + d.Format("2006-01-02") + `"`), nil
}

func (d *Date) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		d.Time = time.Time{}
		return nil
	}
	t, err := ParseDate(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// String formats the date as 2006-01-02, "" when zero.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format("2006-01-02")
}

// ParseDate accepts the date forms officials type: 2006-01-02, 2006/1/2,
// 2006.1.2, 20060102, 2006年1月2日.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
	for _, layout := range []string{"2006-1-2", "20060102", "2006-01-02T15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, apperr.New(apperr.Invalid, "日期%q格式不正确，应为如2024-03-01", s)
}
