package crosscheck

import (
	"sort"
)

// Unknown-row reasons, as the uploader's error workbook shows them.
const (
	ReasonInvalid = "invalid" // the row has errors (message names the fields)
	ReasonUnknown = "unknown" // valid, but nobody of the county's registry has this ID number (or village)
)

// UnknownMessage is what an unknown row of a roster of kind k is told
// (rows about a village name the village instead).
func UnknownMessage(k *KindInfo) string {
	if k.Subject == SubjectHousehold {
		return "户主身份证号不在本县农户信息中"
	}
	return "身份证号不在本县农户信息中"
}

// Match folds the valid rows of one upload into one State per subject and
// counts the rows. It is the hash join of the roster with the registry:
// each row costs one probe of the registry's ID index.
type Match struct {
	Kind *KindInfo
	Reg  *Registry

	Members    []State           // by member index (kinds about members)
	Households []State           // by household index (housing, water)
	Villages   map[string]*State // water: village-level rows
	// Texts keeps the text of a row (school and grade, hospital, where) by
	// subject index, for the evidence of alerts.
	Texts map[int32]string

	Rows      int   // data rows of the file (valid or not)
	Invalid   int   // rows with errors
	Unknown   int   // valid rows about nobody of the registry
	Matched   int   // rows folded in
	Subjects  int   // distinct subjects folded in
	Year      int16 // insurance: the latest enrolment year of the file
	keepTexts bool
}

// NewMatch prepares the join of a roster of kind k with reg.
func NewMatch(k *KindInfo, reg *Registry) *Match {
	m := &Match{Kind: k, Reg: reg, Texts: map[int32]string{}}
	switch k.Subject {
	case SubjectMember:
		m.Members = make([]State, len(reg.Members))
	default:
		m.Households = make([]State, len(reg.Households))
		m.Villages = map[string]*State{}
	}
	m.keepTexts = k.Kind == KindStudents || k.Kind == KindDischarge || k.Kind == KindEmployment
	return m
}

// Grow makes room for members added to the registry after the match began
// (Registry.Finish again after AddMember).
func (m *Match) Grow() {
	if m.Members != nil && len(m.Members) < len(m.Reg.Members) {
		m.Members = append(m.Members, make([]State, len(m.Reg.Members)-len(m.Members))...)
	}
}

// CountInvalid counts a row that failed Parse.
func (m *Match) CountInvalid() { m.Rows++; m.Invalid++ }

// Add folds a parsed row in. It returns "" when the row matched, otherwise
// the Chinese reason it did not (the row is then reported as unknown).
func (m *Match) Add(rec *Record) string {
	m.Rows++
	if m.Kind.Kind == KindInsurance && rec.State.Year > m.Year {
		m.Year = rec.State.Year // the roster's year, whoever the row is about
	}
	var st *State
	var text int32 = -1
	switch {
	case rec.Key == 0: // a village-level water row
		code := rec.Village
		if _, ok := m.Reg.Villages[code]; !ok {
			c, ok := m.Reg.VillageByName(code)
			if !ok {
				m.Unknown++
				return "村“" + rec.Village + "”不是本县已登记农户所在的村"
			}
			code = c
		}
		st = m.Villages[code]
		if st == nil {
			st = &State{}
			m.Villages[code] = st
		}
	default:
		mi, ok := m.Reg.Lookup(rec.Key)
		if !ok {
			m.Unknown++
			return UnknownMessage(m.Kind)
		}
		if m.Kind.Subject == SubjectMember {
			st, text = &m.Members[mi], mi
		} else {
			hi := m.Reg.Members[mi].Household
			st, text = &m.Households[hi], hi
		}
	}
	if !st.Present() {
		m.Subjects++
	}
	Fold(m.Kind.Kind, st, &rec.State)
	if m.keepTexts && text >= 0 && rec.Text != "" {
		if _, dup := m.Texts[text]; !dup {
			m.Texts[text] = rec.Text
		}
	}
	m.Matched++
	return ""
}

// MemberIndex returns the index of a member by its ID. Members loaded in ID
// order (as the store loads them) are found by binary search.
func (r *Registry) MemberIndex(id int64) (int32, bool) {
	ms := r.Members
	if r.sortedByID {
		i := sort.Search(len(ms), func(i int) bool { return ms[i].ID >= id })
		if i < len(ms) && ms[i].ID == id {
			return int32(i), true
		}
		return 0, false
	}
	if r.byMember == nil { // loaded in another order: index once
		r.byMember = make(map[int64]int32, len(ms))
		for j := range ms {
			r.byMember[ms[j].ID] = int32(j)
		}
	}
	i, ok := r.byMember[id]
	return i, ok
}
