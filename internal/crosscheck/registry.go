package crosscheck

import (
	"sanbao/internal/screening"
)

// Household is the cross-check's view of a registry household: what the
// rules read, in fixed-size fields.
type Household struct {
	ID       int64
	Village  string // 12-digit village code
	Category screening.Category
	Dibao    bool
	Tekun    bool
}

// Key reports a lifted (脱贫) or monitored (监测) household.
func (h *Household) Key() bool {
	return h.Category == screening.CatLifted || h.Category == screening.CatMonitored
}

// Member is the cross-check's view of a registry member.
type Member struct {
	ID        int64
	Household int32 // index in Registry.Households
	Key       IDKey
	Schooling screening.Schooling
	Disabled  bool // any disability in the registry
	Severe    bool // grade 1 or 2 in the registry
}

// Birth returns the birth date from the ID number.
func (m *Member) Birth() screening.YMD { return screening.YMD(m.Key.Birth()) }

// Registry is the registry of one county as the cross-check reads it, with
// a hash index of ID numbers. Build it with AddHousehold and AddMember (in
// any order of members), then call Finish.
type Registry struct {
	County     string
	Households []Household
	Members    []Member
	// Villages maps the county's village codes to their names (for water
	// rosters written by village name, and for pages).
	Villages map[string]string

	byHousehold map[int64]int32 // built on first use (HouseholdIndex)
	lastVillage string
	index       idIndex
	first       []int32 // members of household i: order[first[i]:first[i+1]]
	order       []int32
	sortedByID  bool
	byMember    map[int64]int32 // built on first use when not sortedByID
}

// NewRegistry starts a registry with room for nh households and nm members.
func NewRegistry(county string, nh, nm int) *Registry {
	return &Registry{County: county, Households: make([]Household, 0, nh), Members: make([]Member, 0, nm), Villages: map[string]string{}}
}

// AddHousehold adds a household and returns its index.
func (r *Registry) AddHousehold(h Household) int32 {
	i := int32(len(r.Households))
	if r.byHousehold != nil {
		r.byHousehold[h.ID] = i
	}
	r.Households = append(r.Households, h)
	if h.Village != r.lastVillage {
		if _, ok := r.Villages[h.Village]; !ok {
			r.Villages[h.Village] = ""
		}
		r.lastVillage = h.Village
	}
	return i
}

// AddMember adds a member of an added household; it reports false when the
// household is unknown.
func (r *Registry) AddMember(householdID int64, m Member) bool {
	hi, ok := r.HouseholdIndex(householdID)
	if !ok {
		return false
	}
	r.AddMemberAt(hi, m)
	return true
}

// AddMemberAt adds a member of the household of index hi (as AddHousehold
// returned it).
func (r *Registry) AddMemberAt(hi int32, m Member) {
	m.Household = hi
	r.Members = append(r.Members, m)
}

// Finish builds the ID index and the members of each household.
func (r *Registry) Finish() {
	r.index = newIDIndex(len(r.Members))
	r.sortedByID, r.byMember = true, nil
	for i := range r.Members {
		r.index.put(r.Members[i].Key, int32(i))
		if i > 0 && r.Members[i].ID <= r.Members[i-1].ID {
			r.sortedByID = false
		}
	}
	r.first = make([]int32, len(r.Households)+1)
	for i := range r.Members {
		r.first[r.Members[i].Household+1]++
	}
	for i := 1; i < len(r.first); i++ {
		r.first[i] += r.first[i-1]
	}
	r.order = make([]int32, len(r.Members))
	next := append([]int32(nil), r.first[:len(r.Households)]...)
	for i := range r.Members {
		h := r.Members[i].Household
		r.order[next[h]] = int32(i)
		next[h]++
	}
}

// Lookup returns the index of the member with an ID number.
func (r *Registry) Lookup(k IDKey) (int32, bool) { return r.index.get(k) }

// HouseholdIndex returns the index of a household by its ID.
func (r *Registry) HouseholdIndex(id int64) (int32, bool) {
	if r.byHousehold == nil { // built on first use: loading does not need it
		r.byHousehold = make(map[int64]int32, len(r.Households))
		for i := range r.Households {
			r.byHousehold[r.Households[i].ID] = int32(i)
		}
	}
	i, ok := r.byHousehold[id]
	return i, ok
}

// MembersOf returns the indexes of the members of household i.
func (r *Registry) MembersOf(i int32) []int32 { return r.order[r.first[i]:r.first[i+1]] }

// VillageByName returns the code of the county's only village with a name.
func (r *Registry) VillageByName(name string) (string, bool) {
	code := ""
	for c, n := range r.Villages {
		if n == name {
			if code != "" {
				return "", false
			}
			code = c
		}
	}
	return code, code != ""
}

// idIndex is an open-addressing hash table from ID keys to member indexes:
// a county's million numbers in two flat arrays, probed linearly.
type idIndex struct {
	keys  []IDKey
	vals  []int32
	shift uint
}

func newIDIndex(n int) idIndex {
	size, bits := 16, uint(4)
	for size < 2*n {
		size <<= 1
		bits++
	}
	return idIndex{keys: make([]IDKey, size), vals: make([]int32, size), shift: 64 - bits}
}

func (x *idIndex) slot(k IDKey) uint64 { return (uint64(k) * 0x9E3779B97F4A7C15) >> x.shift }

func (x *idIndex) put(k IDKey, v int32) {
	if k == 0 {
		return
	}
	mask := uint64(len(x.keys) - 1)
	for i := x.slot(k); ; i = (i + 1) & mask {
		switch x.keys[i] {
		case 0:
			x.keys[i], x.vals[i] = k, v
			return
		case k:
			return // the registry holds each number once; keep the first
		}
	}
}

func (x *idIndex) get(k IDKey) (int32, bool) {
	if k == 0 || len(x.keys) == 0 {
		return 0, false
	}
	mask := uint64(len(x.keys) - 1)
	for i := x.slot(k); ; i = (i + 1) & mask {
		switch x.keys[i] {
		case 0:
			return 0, false
		case k:
			return x.vals[i], true
		}
	}
}
