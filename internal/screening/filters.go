package screening

// Filters say which households and members an item or rule concerns. They
// are codes (not functions) so that items can live in a database table.

// Household filters.
const (
	HHAll       = ""          // every household
	HHKey       = "key"       // lifted (脱贫户) or monitored (监测户)
	HHRelocated = "relocated" // 易地扶贫搬迁户
	HHDibao     = "dibao"     // 低保户
)

// Member filters.
const (
	MAll               = ""                    // every member
	MSchoolAge         = "school_age"          // of compulsory-school age on the school reference date
	MCompulsoryStudent = "compulsory_student"  // of school age and registered in school
	MStudent           = "student"             // registered in school, any stage
	MDisabledSchoolAge = "disabled_school_age" // disabled and of school age
	MRelocatedStudent  = "relocated_student"   // of school age or in school (use with HHRelocated)
	MChronic           = "chronic"             // chronic or serious illness
	MSerious           = "serious"             // serious illness (大病)
	MDisabled          = "disabled"            // any disability
	MSevereDisabled    = "severe_disabled"     // grade 1 or 2
	MLabour            = "labour"              // of working age with normal or weak labour
)

// HouseholdFilters and MemberFilters label the filters for the UI.
var (
	HouseholdFilters = map[string]string{
		HHAll: "全部农户", HHKey: "脱贫户和监测户", HHRelocated: "易地扶贫搬迁户", HHDibao: "低保户",
	}
	MemberFilters = map[string]string{
		MAll: "全部成员", MSchoolAge: "义务教育阶段适龄儿童少年", MCompulsoryStudent: "义务教育阶段在校生",
		MStudent: "在校生", MDisabledSchoolAge: "适龄残疾儿童少年", MRelocatedStudent: "适龄儿童少年及在校生",
		MChronic: "慢性病、大病患者", MSerious: "大病患者", MDisabled: "残疾人", MSevereDisabled: "重度残疾人",
		MLabour: "劳动年龄内有劳动能力的成员",
	}
)

// householdOK applies a household filter.
func householdOK(filter string, h *Household) bool {
	switch filter {
	case HHAll:
		return true
	case HHKey:
		return h.Key()
	case HHRelocated:
		return h.Relocated
	case HHDibao:
		return h.Dibao
	}
	return false
}

// schoolAge reports compulsory-school age on the school reference date.
func (p *Params) schoolAge(m *Member) bool {
	a := m.Birth.AgeOn(p.schoolRef)
	return a >= p.SchoolAgeMin && a <= p.SchoolAgeMax
}

// workingAge reports working age on the reference date.
func (p *Params) workingAge(m *Member) bool {
	a := m.Birth.AgeOn(p.ref)
	return a >= p.WorkingAgeMin && a <= p.WorkingAgeMax
}

// memberOK applies a member filter.
func memberOK(filter string, m *Member, p *Params) bool {
	switch filter {
	case MAll:
		return true
	case MSchoolAge:
		return p.schoolAge(m)
	case MCompulsoryStudent:
		return m.Schooling == SchoolInSchool && p.schoolAge(m)
	case MStudent:
		return m.Schooling == SchoolInSchool
	case MDisabledSchoolAge:
		return m.Disabled && p.schoolAge(m)
	case MRelocatedStudent:
		return m.Schooling == SchoolInSchool || p.schoolAge(m)
	case MChronic:
		return m.Health == HealthChronic || m.Health == HealthSerious
	case MSerious:
		return m.Health == HealthSerious
	case MDisabled:
		return m.Disabled
	case MSevereDisabled:
		return m.Severe
	case MLabour:
		return (m.Labour == LabourNormal || m.Labour == LabourWeak) && p.workingAge(m)
	}
	return false
}
