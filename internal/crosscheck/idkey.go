package crosscheck

import (
	"time"

	"sanbao/internal/idcard"
)

// IDKey is an 18-character ID number packed into an integer: the first 17
// digits times 11 plus the check character (0–9, X as 10). It is what the
// registry index hashes and what matching compares; 0 is no number.
type IDKey uint64

// KeyOf packs a valid, normalised 18-character ID number (as the registry
// stores them). It returns 0 for anything else.
func KeyOf(number string) IDKey {
	if len(number) != 18 {
		return 0
	}
	return keyOfBytes(number)
}

func keyOfBytes[T string | []byte](n T) IDKey {
	var v uint64
	for i := 0; i < 17; i++ {
		c := n[i]
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	var last uint64
	switch c := n[17]; {
	case c >= '0' && c <= '9':
		last = uint64(c - '0')
	case c == 'X':
		last = 10
	default:
		return 0
	}
	return IDKey(v*11 + last + 1)
}

// KeyOfBytes is KeyOf for a byte slice (a database row read without
// copying).
func KeyOfBytes(number []byte) IDKey {
	if len(number) != 18 {
		return 0
	}
	return keyOfBytes(number)
}

// String unpacks the key into the 18-character number ("" for 0).
func (k IDKey) String() string {
	if k == 0 {
		return ""
	}
	v := uint64(k) - 1
	last := v % 11
	v /= 11
	var b [18]byte
	if last == 10 {
		b[17] = 'X'
	} else {
		b[17] = byte('0' + last)
	}
	for i := 16; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:])
}

// Birth returns the birth date encoded in the number, as yyyymmdd.
func (k IDKey) Birth() int32 {
	if k == 0 {
		return 0
	}
	v := (uint64(k) - 1) / 11 // 17 digits
	v /= 1000                 // drop the sequence code
	return int32(v % 100000000)
}

// ParseID validates an ID number as a roster cell holds it and returns its
// key and normalised form. Clean 18-character cells take a fast path that
// accepts exactly what idcard.Parse accepts (see FuzzParseID); anything else
// (spaces, a lower-case x, full-width digits, 15 digits, errors) goes through
// idcard.Parse, whose Chinese reason is returned.
func ParseID(s string, now time.Time) (IDKey, error) {
	if k := fastKey(s, now); k != 0 {
		return k, nil
	}
	id, err := idcard.Parse(s, now)
	if err != nil {
		return 0, err
	}
	return KeyOf(id.Number), nil
}

// fastKey returns the key of a clean, valid 18-character number, or 0 when
// the slow path must decide.
func fastKey(s string, now time.Time) IDKey {
	if len(s) != 18 || s[0] == '0' {
		return 0
	}
	k := keyOfBytes(s)
	if k == 0 {
		return 0
	}
	if idcard.CheckChar(s[:17]) != s[17] {
		return 0
	}
	y := int(s[6]-'0')*1000 + int(s[7]-'0')*100 + int(s[8]-'0')*10 + int(s[9]-'0')
	m := int(s[10]-'0')*10 + int(s[11]-'0')
	d := int(s[12]-'0')*10 + int(s[13]-'0')
	if y < 1880 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0
	}
	if !now.IsZero() && time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).After(now) {
		return 0
	}
	return k
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
