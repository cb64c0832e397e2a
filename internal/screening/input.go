package screening

import (
	"time"

	"sanbao/internal/registry"
)

// YMD is a calendar date as the integer yyyymmdd (20240901); 0 is unknown.
// Whole years between two dates are (later-earlier)/10000, which makes an age
// one subtraction and one division.
type YMD int32

// YMDOf returns the date of t (in t's location).
func YMDOf(t time.Time) YMD {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.Date()
	return YMD(y*10000 + int(m)*100 + d)
}

// YMDFromID returns the birth date encoded in an 18-character ID number
// (digits 7–14), 0 if they are not digits. It does not check the checksum:
// the registry validated the number when it was stored.
func YMDFromID(id string) YMD {
	if len(id) != 18 {
		return 0
	}
	v := 0
	for i := 6; i < 14; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + int(c-'0')
	}
	return YMD(v)
}

// Time returns midnight of the date in loc.
func (d YMD) Time(loc *time.Location) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(int(d)/10000, time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, loc)
}

// String formats the date as 2006-01-02.
func (d YMD) String() string {
	if d == 0 {
		return ""
	}
	return d.Time(time.UTC).Format("2006-01-02")
}

// AgeOn returns the age in whole years on day, -1 when the birth is unknown.
func (d YMD) AgeOn(day YMD) int {
	if d == 0 || day == 0 {
		return -1
	}
	return int(day-d) / 10000
}

// Category of a household, compact.
type Category uint8

const (
	CatUnknown Category = iota
	CatLifted
	CatMonitored
	CatOrdinary
)

// ParseCategory maps a registry category code.
func ParseCategory(s string) Category {
	switch s {
	case registry.CategoryLifted:
		return CatLifted
	case registry.CategoryMonitored:
		return CatMonitored
	case registry.CategoryOrdinary:
		return CatOrdinary
	}
	return CatUnknown
}

// Health of a member, compact.
type Health uint8

const (
	HealthUnknown Health = iota
	HealthHealthy
	HealthChronic
	HealthSerious
)

// ParseHealth maps a registry health code.
func ParseHealth(s string) Health {
	switch s {
	case registry.HealthHealthy:
		return HealthHealthy
	case registry.HealthChronic:
		return HealthChronic
	case registry.HealthSerious:
		return HealthSerious
	}
	return HealthUnknown
}

// Schooling of a member, compact.
type Schooling uint8

const (
	SchoolUnknown Schooling = iota
	SchoolNone
	SchoolPreschool
	SchoolInSchool
	SchoolDropout
	SchoolUnable
	SchoolHomeTeaching
	SchoolGraduated
)

// ParseSchooling maps a registry schooling code.
func ParseSchooling(s string) Schooling {
	switch s {
	case registry.SchoolingNone:
		return SchoolNone
	case registry.SchoolingPreschool:
		return SchoolPreschool
	case registry.SchoolingInSchool:
		return SchoolInSchool
	case registry.SchoolingDropout:
		return SchoolDropout
	case registry.SchoolingUnable:
		return SchoolUnable
	case registry.SchoolingHomeTeach:
		return SchoolHomeTeaching
	case registry.SchoolingGraduated:
		return SchoolGraduated
	}
	return SchoolUnknown
}

var schoolingCodes = [...]string{"", registry.SchoolingNone, registry.SchoolingPreschool, registry.SchoolingInSchool,
	registry.SchoolingDropout, registry.SchoolingUnable, registry.SchoolingHomeTeach, registry.SchoolingGraduated}

// Code returns the registry code.
func (s Schooling) Code() string {
	if int(s) < len(schoolingCodes) {
		return schoolingCodes[s]
	}
	return ""
}

// Labour capacity of a member, compact.
type Labour uint8

const (
	LabourUnknown Labour = iota
	LabourNormal
	LabourWeak
	LabourLost
	LabourNone
)

// ParseLabour maps a registry labour code.
func ParseLabour(s string) Labour {
	switch s {
	case registry.LabourNormal:
		return LabourNormal
	case registry.LabourWeak:
		return LabourWeak
	case registry.LabourLost:
		return LabourLost
	case registry.LabourNone:
		return LabourNone
	}
	return LabourUnknown
}

// Household is the screening view of a registry household: only what the
// rules read, in fixed-size fields.
type Household struct {
	ID        int64
	Region    string // 12-digit village code
	Category  Category
	Relocated bool
	Dibao     bool
	Tekun     bool
}

// Key reports a lifted (脱贫) or monitored (监测) household: the key
// population of most guarantees.
func (h *Household) Key() bool { return h.Category == CatLifted || h.Category == CatMonitored }

// Member is the screening view of a registry member.
type Member struct {
	ID        int64
	Birth     YMD
	Health    Health
	Schooling Schooling
	Labour    Labour
	Disabled  bool // any disability
	Severe    bool // grade 1 or 2 (重度残疾)
	Insured   bool // registry: 城乡居民基本医疗保险
}

// HouseholdFrom converts a registry household.
func HouseholdFrom(h *registry.Household) Household {
	return Household{ID: h.ID, Region: h.RegionCode, Category: ParseCategory(h.Category),
		Relocated: h.Relocated, Dibao: h.Dibao, Tekun: h.Tekun}
}

// MemberFrom converts a registry member.
func MemberFrom(m *registry.Member) Member {
	b := YMDOf(m.BirthDate.Time)
	if b == 0 {
		b = YMDFromID(m.IDNumber)
	}
	return Member{ID: m.ID, Birth: b, Health: ParseHealth(m.Health), Schooling: ParseSchooling(m.Schooling),
		Labour: ParseLabour(m.Labour), Disabled: m.Disabled(), Severe: m.SevereDisability(), Insured: m.MedicalInsured}
}

// Input is everything the rules read about one household. Facts and
// MemberFacts are the merged facts of the signed visits with department
// roster facts overlaid (see Merge and Overlay); MemberFacts is nil or
// parallel to Members (MemberFacts[i] belongs to Members[i]). NotMet lists
// the items answered "does not meet" in the latest signed visits; other
// answers are not needed by Evaluate.
type Input struct {
	Household   Household
	Members     []Member
	Facts       HouseholdFacts
	MemberFacts []MemberFacts
	NotMet      []Answer
}

// InputFrom builds an Input from registry records (facts left empty).
func InputFrom(h *registry.Household, ms []registry.Member) Input {
	in := Input{Household: HouseholdFrom(h), Members: make([]Member, len(ms))}
	for i := range ms {
		in.Members[i] = MemberFrom(&ms[i])
	}
	return in
}

// memberFacts returns the facts of member i (a zero value when none).
func (in *Input) memberFacts(i int) MemberFacts {
	if i < len(in.MemberFacts) {
		return in.MemberFacts[i]
	}
	return MemberFacts{}
}

// memberIndex returns the index of a member ID, -1 if absent.
func (in *Input) memberIndex(id int64) int {
	for i := range in.Members {
		if in.Members[i].ID == id {
			return i
		}
	}
	return -1
}

// AlignMemberFacts orders facts keyed by member ID to be parallel to
// members (members without facts get a zero value).
func AlignMemberFacts(members []Member, facts []MemberFacts) []MemberFacts {
	if len(facts) == 0 {
		return nil
	}
	out := make([]MemberFacts, len(members))
	for i := range members {
		out[i].MemberID = members[i].ID
		for j := range facts {
			if facts[j].MemberID == members[i].ID {
				out[i] = facts[j]
				break
			}
		}
	}
	return out
}

// OverlayRoster lays department roster facts over the visit facts of in:
// what a department's roster knows wins, fact by fact, and is marked as
// coming from a roster. members are keyed by MemberID.
func (in *Input) OverlayRoster(household *HouseholdFacts, members []MemberFacts) {
	if household != nil {
		in.Facts.Overlay(household, true)
	}
	if len(members) == 0 {
		return
	}
	if len(in.MemberFacts) < len(in.Members) {
		mf := make([]MemberFacts, len(in.Members))
		copy(mf, in.MemberFacts)
		in.MemberFacts = mf
	}
	for j := range members {
		if i := in.memberIndex(members[j].MemberID); i >= 0 {
			in.MemberFacts[i].MemberID = members[j].MemberID
			in.MemberFacts[i].Overlay(&members[j], true)
		}
	}
}
