package store

import (
	"encoding/binary"
	"errors"

	"sanbao/internal/screening"
)

// Merged facts are kept per household in household_facts, in binary: the
// household's as screening.HouseholdFacts.MarshalBinary (a version byte,
// two bit sets, then the known values), the members' as below. A rules run
// over a county decodes them straight into its reusable Input without
// parsing text or allocating; the JSON of each visit stays the signed record.

const memberFactsVersion = 1

var errMemberFacts = errors.New("store: bad member facts encoding")

// appendMemberFacts encodes facts: a version byte, the count, then per
// member its ID and the Known, Yes and Roster bit sets, as uvarints.
func appendMemberFacts(b []byte, fs []screening.MemberFacts) []byte {
	b = append(b, memberFactsVersion)
	b = binary.AppendUvarint(b, uint64(len(fs)))
	for i := range fs {
		f := &fs[i]
		b = binary.AppendUvarint(b, uint64(f.MemberID))
		b = binary.AppendUvarint(b, uint64(f.Known))
		b = binary.AppendUvarint(b, uint64(f.Yes))
		b = binary.AppendUvarint(b, uint64(f.Roster))
	}
	return b
}

// decodeMemberFacts appends the facts encoded in b to out (empty input is
// no facts).
func decodeMemberFacts(b []byte, out []screening.MemberFacts) ([]screening.MemberFacts, error) {
	if len(b) == 0 {
		return out, nil
	}
	if b[0] != memberFactsVersion {
		return out, errMemberFacts
	}
	b = b[1:]
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	n, ok := next()
	if !ok || n > uint64(len(b)) {
		return out, errMemberFacts
	}
	for i := uint64(0); i < n; i++ {
		id, ok1 := next()
		known, ok2 := next()
		yes, ok3 := next()
		roster, ok4 := next()
		if !(ok1 && ok2 && ok3 && ok4) || known>>32 != 0 || yes>>32 != 0 || roster>>32 != 0 {
			return out, errMemberFacts
		}
		out = append(out, screening.MemberFacts{MemberID: int64(id), Known: uint32(known), Yes: uint32(yes), Roster: uint32(roster)})
	}
	if len(b) != 0 {
		return out, errMemberFacts
	}
	return out, nil
}
