package crosscheck

import (
	"math"
	"strconv"

	"sanbao/internal/screening"
)

// State is what a department's roster says about one subject (a member, a
// household or a village), after every row about it has been folded in
// (Fold). It is small and fixed-size: a county's roster of a million rows
// folds into a slice of States, and the latest States of each kind are
// kept per village (Snapshot) for later rounds and for screening.
//
// Which field holds what depends on the kind; the accessors below name
// them. Amounts and measures are hundredths (fixed point), so that sums
// are exact.
type State struct {
	Rows  uint16   // rows folded in; 0: the subject is absent from the roster
	Set   uint16   // bit per flag (Flag*) and number (numBit) that is known
	Yes   uint16   // bit per flag that is yes
	Code  [2]uint8 // kind-specific codes (status, scheme, grade, ...)
	Year  int16    // insurance: the enrolment year
	Date  int32    // yyyymmdd: discharge, start of assistance, appraisal
	Date2 int32    // yyyymmdd: end of assistance
	Num   [5]int64 // hundredths: amounts (yuan), litres, minutes, metres, percent
}

// Present reports whether the roster has a row about the subject.
func (s *State) Present() bool { return s.Rows > 0 }

// Flags of the kinds (one namespace per kind).
const (
	FlagLivingSubsidy = 0 // disability: 困难残疾人生活补贴
	FlagCareSubsidy   = 1 // disability: 重度残疾人护理补贴
	FlagMovedIn       = 0 // housing: 改造后已入住
	FlagSubsidyPaid   = 1 // housing: 补助资金已发放
	FlagQualityOK     = 0 // water: 水质达标
	FlagTapWater      = 1 // water: 自来水入户
	FlagEmployed      = 0 // employment: 已就业
)

// Number slots of the kinds.
const (
	NumTotal       = 0 // discharge: 医疗总费用 (sum)
	NumReimbursed  = 1 // discharge: 报销金额 (sum)
	NumOutOfPocket = 2 // discharge: 个人自付 (sum)
	NumLitres      = 0 // water: 人均日供水量
	NumFetch       = 1 // water: 取水往返时间
	NumDistanceH   = 2 // water: 取水水平距离
	NumDistanceV   = 3 // water: 取水垂直距离
	NumSupplyRate  = 4 // water: 供水保证率
	NumIncome      = 0 // employment: 月收入
)

func numBit(i int) uint16 { return 1 << (8 + i) }

// Tri is a yes/no fact that may be unknown: screening's, so that a flag of
// a roster and a fact of a visit read alike.
type Tri = screening.Tri

// The values of a Tri.
const (
	Unknown = screening.Unknown
	No      = screening.No
	Yes     = screening.Yes
)

// Flag returns a flag of the state.
func (s *State) Flag(f int) Tri {
	if s.Set&(1<<f) == 0 {
		return Unknown
	}
	if s.Yes&(1<<f) != 0 {
		return Yes
	}
	return No
}

// SetFlag records a flag (Unknown clears it).
func (s *State) SetFlag(f int, t Tri) {
	switch t {
	case Unknown:
		s.Set &^= 1 << f
		s.Yes &^= 1 << f
	case Yes:
		s.Set |= 1 << f
		s.Yes |= 1 << f
	default:
		s.Set |= 1 << f
		s.Yes &^= 1 << f
	}
}

// Number returns a number slot in its unit and whether it is known.
func (s *State) Number(i int) (float64, bool) {
	if s.Set&numBit(i) == 0 {
		return 0, false
	}
	return float64(s.Num[i]) / 100, true
}

// SetNumber records a number slot.
func (s *State) SetNumber(i int, v float64) {
	s.Num[i] = int64(math.Round(v * 100))
	s.Set |= numBit(i)
}

func (s *State) hasNum(i int) bool { return s.Set&numBit(i) != 0 }

// Student status codes (学籍状态), Code[0] of a students roster.
const (
	StatusEnrolled    = 1 // 在校
	StatusSuspended   = 2 // 休学
	StatusDropped     = 3 // 辍学
	StatusTransferred = 4 // 转出
)

// Insurance schemes, Code[0] of an insurance roster.
const (
	SchemeResident = 1 // 城乡居民基本医疗保险
	SchemeEmployee = 2 // 职工基本医疗保险
)

// Assistance kinds, bits of Code[0] of an assistance roster (only while in
// force on the day of the upload).
const (
	AssistDibao = 1 // 低保
	AssistTekun = 2 // 特困
)

// Renovation states, Code[1] of a housing roster.
const (
	RenovationNone       = 1 // 未改造
	RenovationInProgress = 2 // 改造中
	RenovationCompleted  = 3 // 已竣工
	RenovationAccepted   = 4 // 已竣工验收
)

// statusRank orders student statuses: when a student appears twice the
// status that shows them in school wins.
var statusRank = [5]uint8{0, 4, 2, 1, 3}

func rankStatus(c uint8) uint8 {
	if int(c) >= len(statusRank) {
		return 0
	}
	return statusRank[c]
}

// Fold merges the state of another row about the same subject into s.
func Fold(kind Kind, s *State, r *State) {
	if s.Rows == 0 {
		*s = *r
		if s.Rows == 0 {
			s.Rows = 1
		}
		return
	}
	if s.Rows < math.MaxUint16 {
		s.Rows++
	}
	switch kind {
	case KindStudents:
		if rankStatus(r.Code[0]) > rankStatus(s.Code[0]) {
			s.Code[0] = r.Code[0]
		}
	case KindInsurance:
		if r.Year > s.Year {
			s.Year, s.Code[0] = r.Year, r.Code[0]
		}
	case KindDischarge:
		for _, i := range []int{NumTotal, NumReimbursed, NumOutOfPocket} {
			if r.hasNum(i) {
				s.Num[i] += r.Num[i]
				s.Set |= numBit(i)
			}
		}
		s.Date = max(s.Date, r.Date)
	case KindAssistance:
		s.Code[0] |= r.Code[0]
		if r.Code[1] != 0 && (s.Code[1] == 0 || r.Code[1] < s.Code[1]) {
			s.Code[1] = r.Code[1]
		}
		if r.Date != 0 && (s.Date == 0 || r.Date < s.Date) {
			s.Date = r.Date
		}
		if s.Date2 != 0 && (r.Date2 == 0 || r.Date2 > s.Date2) {
			s.Date2 = r.Date2
		}
	case KindDisability:
		if r.Code[1] != 0 && (s.Code[1] == 0 || r.Code[1] < s.Code[1]) {
			s.Code[0], s.Code[1] = r.Code[0], r.Code[1]
		}
		for _, f := range []int{FlagLivingSubsidy, FlagCareSubsidy} {
			if r.Flag(f) == Yes || s.Flag(f) == Unknown {
				s.SetFlag(f, r.Flag(f))
			}
		}
	case KindHousing:
		if r.Code[0] > s.Code[0] {
			s.Code[0] = r.Code[0]
		}
		if r.Code[1] > s.Code[1] {
			s.Code[1] = r.Code[1]
		}
		s.Date = max(s.Date, r.Date)
		overlayKnown(s, r)
	case KindWater:
		overlayKnown(s, r)
	case KindEmployment:
		if r.Flag(FlagEmployed) == Yes || s.Flag(FlagEmployed) == Unknown {
			s.SetFlag(FlagEmployed, r.Flag(FlagEmployed))
		}
		if r.hasNum(NumIncome) {
			s.Num[NumIncome] += r.Num[NumIncome]
			s.Set |= numBit(NumIncome)
		}
	}
}

// overlayKnown copies every flag and number r knows over s.
func overlayKnown(s, r *State) {
	for f := 0; f < 8; f++ {
		if r.Set&(1<<f) != 0 {
			s.SetFlag(f, r.Flag(f))
		}
	}
	for i := range s.Num {
		if r.hasNum(i) {
			s.Num[i] = r.Num[i]
			s.Set |= numBit(i)
		}
	}
}

// Money formats hundredths of a yuan: 15000 → "150", 1234567 → "12345.67".
func Money(hundredths int64) string {
	return strconv.FormatFloat(float64(hundredths)/100, 'f', -1, 64)
}
