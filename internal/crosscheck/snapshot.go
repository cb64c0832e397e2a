package crosscheck

import (
	"encoding/binary"
	"errors"
	"sort"

	"sanbao/internal/screening"
)

// The latest roster of each kind is kept as facts: one encoded block per
// village with the State of every subject the roster spoke about. For a
// complete roster (students, insurance) the members it should have listed
// and did not are kept too, with Rows = 0: "not enrolled", "not insured" is
// a fact of the roster. Later rounds read the blocks (the disability rule
// reads the civil-affairs roster), and screening overlays them on the visit
// facts (Facts.Overlay).

const snapshotVersion = 1

type entry struct {
	id int64 // member or household id; 0 for the village itself
	s  State
}

// Snapshot encodes the states of the upload per village.
func (m *Match) Snapshot(p *Params) map[string][]byte {
	reg := m.Reg
	per := map[string][]entry{}
	switch {
	case m.Members != nil:
		for i := range m.Members {
			s := m.Members[i]
			mem := &reg.Members[i]
			switch {
			case s.Present() && !(m.Kind.Kind == KindInsurance && s.Year < m.Year):
			case m.Kind.Kind == KindInsurance && m.Year != 0:
				s.Rows = 0 // not enrolled in the roster's year
			case m.Kind.Kind == KindStudents:
				if _, ok := schoolAge(mem, p); !ok {
					continue
				}
			default:
				continue
			}
			v := reg.Households[mem.Household].Village
			per[v] = append(per[v], entry{mem.ID, s})
		}
	default:
		for i := range m.Households {
			if m.Households[i].Present() {
				h := &reg.Households[i]
				per[h.Village] = append(per[h.Village], entry{h.ID, m.Households[i]})
			}
		}
		for code, s := range m.Villages {
			per[code] = append(per[code], entry{0, *s})
		}
	}
	out := make(map[string][]byte, len(per))
	for v, es := range per {
		sort.Slice(es, func(i, j int) bool { return es[i].id < es[j].id })
		out[v] = encodeEntries(es)
	}
	return out
}

func encodeEntries(es []entry) []byte {
	b := make([]byte, 0, 1+len(es)*8)
	b = append(b, snapshotVersion)
	var prev int64
	for _, e := range es {
		s := &e.s
		b = binary.AppendUvarint(b, uint64(e.id-prev))
		prev = e.id
		b = binary.AppendUvarint(b, uint64(s.Rows))
		b = binary.AppendUvarint(b, uint64(s.Set))
		b = binary.AppendUvarint(b, uint64(s.Yes))
		b = append(b, s.Code[0], s.Code[1])
		b = binary.AppendVarint(b, int64(s.Year))
		b = binary.AppendVarint(b, int64(s.Date))
		b = binary.AppendVarint(b, int64(s.Date2))
		for i := range s.Num {
			if s.hasNum(i) {
				b = binary.AppendVarint(b, s.Num[i])
			}
		}
	}
	return b
}

var errSnapshot = errors.New("crosscheck: bad roster facts encoding")

// DecodeSnapshot calls fn for each subject of a village's block: id is the
// member or household id, 0 for the village itself.
func DecodeSnapshot(b []byte, fn func(id int64, s *State)) error {
	if len(b) == 0 {
		return nil
	}
	if b[0] != snapshotVersion {
		return errSnapshot
	}
	b = b[1:]
	var prev int64
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			b = nil
			return 0
		}
		b = b[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			b = nil
			return 0
		}
		b = b[n:]
		return v
	}
	for len(b) > 0 {
		var s State
		id := prev + int64(uv())
		prev = id
		s.Rows = uint16(uv())
		s.Set = uint16(uv())
		s.Yes = uint16(uv())
		if len(b) < 2 {
			return errSnapshot
		}
		s.Code[0], s.Code[1] = b[0], b[1]
		b = b[2:]
		s.Year = int16(sv())
		s.Date = int32(sv())
		s.Date2 = int32(sv())
		for i := range s.Num {
			if s.hasNum(i) {
				s.Num[i] = sv()
			}
		}
		if b == nil {
			return errSnapshot
		}
		fn(id, &s)
	}
	return nil
}

// Facts collects the screening facts of the latest rosters for the
// households of some villages. Add every kind's block of a village, then
// Overlay each household's screening input.
type Facts struct {
	households map[int64]*screening.HouseholdFacts
	villages   map[string]*screening.HouseholdFacts // water, by village
	members    map[int64]*screening.MemberFacts
}

// NewFacts returns an empty collection.
func NewFacts() *Facts {
	return &Facts{households: map[int64]*screening.HouseholdFacts{}, villages: map[string]*screening.HouseholdFacts{},
		members: map[int64]*screening.MemberFacts{}}
}

// Add decodes a village's block of a roster kind.
func (f *Facts) Add(kind Kind, village string, block []byte) error {
	ki := KindOf(kind)
	if ki == nil {
		return errSnapshot
	}
	return DecodeSnapshot(block, func(id int64, s *State) {
		if ki.Subject == SubjectMember {
			mf := f.members[id]
			if mf == nil {
				mf = &screening.MemberFacts{MemberID: id}
				f.members[id] = mf
			}
			MemberFactsOf(kind, s, mf)
			return
		}
		var hf *screening.HouseholdFacts
		if id == 0 {
			if hf = f.villages[village]; hf == nil {
				hf = &screening.HouseholdFacts{}
				f.villages[village] = hf
			}
		} else if hf = f.households[id]; hf == nil {
			hf = &screening.HouseholdFacts{}
			f.households[id] = hf
		}
		HouseholdFactsOf(kind, s, hf)
	})
}

// Overlay lays the roster facts of in's household and members over in
// (screening.Input.OverlayRoster): a village-level water row first, the
// household's own rows over it.
func (f *Facts) Overlay(in *screening.Input) {
	var hf screening.HouseholdFacts
	if v := f.villages[in.Household.Region]; v != nil {
		hf.Overlay(v, true)
	}
	if h := f.households[in.Household.ID]; h != nil {
		hf.Overlay(h, true)
	}
	var ms []screening.MemberFacts
	for i := range in.Members {
		if mf := f.members[in.Members[i].ID]; mf != nil {
			ms = append(ms, *mf)
		}
	}
	var hp *screening.HouseholdFacts
	if hf.Known != 0 {
		hp = &hf
	}
	in.OverlayRoster(hp, ms)
}

// Members returns the member facts collected, by member ID.
func (f *Facts) Members() map[int64]*screening.MemberFacts { return f.members }

// MemberFactsOf sets the screening facts a member's roster state carries.
func MemberFactsOf(kind Kind, s *State, f *screening.MemberFacts) {
	switch kind {
	case KindStudents:
		f.Set(screening.FEnrolled, s.Present() && s.Code[0] != StatusDropped)
	case KindInsurance:
		f.Set(screening.FInsured, s.Present())
	case KindDisability:
		if t := s.Flag(FlagLivingSubsidy); t != Unknown {
			f.Set(screening.FLivingSubsidy, t == Yes)
		}
	}
}

// HouseholdFactsOf sets the screening facts a household's (or village's)
// roster state carries.
func HouseholdFactsOf(kind Kind, s *State, f *screening.HouseholdFacts) {
	switch kind {
	case KindHousing:
		if s.Code[0] != 0 {
			f.Set(screening.FHouseGrade, float64(s.Code[0]))
		}
		if s.Code[1] != 0 {
			f.SetBool(screening.FRenovationAccepted, s.Code[1] == RenovationAccepted)
		}
		if s.Code[1] >= RenovationCompleted && s.Flag(FlagMovedIn) != Unknown {
			f.SetBool(screening.FRenovatedNotMoved, s.Flag(FlagMovedIn) == No)
		}
		if t := s.Flag(FlagSubsidyPaid); t != Unknown {
			f.SetBool(screening.FSubsidyPaid, t == Yes)
		}
	case KindWater:
		if t := s.Flag(FlagQualityOK); t != Unknown {
			f.SetBool(screening.FWaterQualityOK, t == Yes)
		}
		if t := s.Flag(FlagTapWater); t != Unknown {
			f.SetBool(screening.FTapWater, t == Yes)
		}
		for slot, fact := range map[int]screening.HFact{NumLitres: screening.FWaterLitres, NumFetch: screening.FFetchMinutes,
			NumDistanceH: screening.FDistanceH, NumDistanceV: screening.FDistanceV, NumSupplyRate: screening.FSupplyRate} {
			if v, ok := s.Number(slot); ok {
				f.Set(fact, v)
			}
		}
	}
}

// States decodes a kind's blocks into states by registry index (members
// for member kinds): the latest roster of another department, as a rule
// reads it.
func (r *Registry) States(kind Kind, blocks map[string][]byte) ([]State, error) {
	ki := KindOf(kind)
	if ki == nil || ki.Subject != SubjectMember {
		return nil, errSnapshot
	}
	out := make([]State, len(r.Members))
	for _, b := range blocks {
		err := DecodeSnapshot(b, func(id int64, s *State) {
			if i, ok := r.MemberIndex(id); ok {
				out[i] = *s
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
