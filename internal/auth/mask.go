package auth

import (
	"strings"

	"sanbao/internal/idcard"
)

// MaskPhone hides the middle of a phone number, keeping separators:
//
//	13812341234   → 138****1234   (mobile: first 3 and last 4 digits kept)
//	0358-1234567  → 0358-***4567  (landline: area code and last 4 kept)
//	12345678      → ****5678
//
// Fewer than 5 digits are masked entirely. Anything that is not a digit is
// kept as is.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	b := []byte(p)
	// with a separator: keep what precedes it (an area code), mask the rest
	start := 0
	if i := strings.IndexAny(p, "- "); i > 0 {
		start = i + 1
	}
	var pos []int
	for i := start; i < len(b); i++ {
		if b[i] >= '0' && b[i] <= '9' {
			pos = append(pos, i)
		}
	}
	keepHead, keepTail := 0, 4
	switch {
	case start == 0 && len(pos) >= 11:
		keepHead = 3
	case len(pos) < 5:
		keepTail = 0
	}
	for k, i := range pos {
		if k >= keepHead && k < len(pos)-keepTail {
			b[i] = '*'
		}
	}
	return string(b)
}

// MaskID hides the middle of an ID number (idcard.Mask): 1411**********0018.
func MaskID(id string) string { return idcard.Mask(id) }

// DisplayID returns what role sees of an ID number by default: the number
// itself for roles that see full numbers (SeesFullID), otherwise masked.
// A reveal (CapViewFullID) goes through the web layer, which audits it and
// then shows the number unmasked.
func DisplayID(role Role, id string) string {
	if SeesFullID(role) {
		return id
	}
	return MaskID(id)
}

// DisplayPhone is DisplayID for phones.
func DisplayPhone(role Role, phone string) string {
	if SeesFullID(role) {
		return phone
	}
	return MaskPhone(phone)
}
