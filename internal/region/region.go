// Package region models the five levels of administrative divisions and their
// 12-digit statistical codes (统计用区划代码): province (2 significant digits),
// city (4), county (6), township (9), village (12). Lower levels are padded with
// zeros: 山西省 = 140000000000, 文水县 = 141121000000. A code's significant prefix
// selects its subtree.
package region

import (
	"fmt"
	"strings"
)

// Level of a division.
type Level int

const (
	Province Level = 1
	City     Level = 2
	County   Level = 3
	Township Level = 4
	Village  Level = 5
)

var levelNames = [...]string{"", "省", "市", "县", "乡镇", "村"}
var levelCodes = [...]string{"", "province", "city", "county", "township", "village"}

// digits is the count of significant digits per level.
var digits = [...]int{0, 2, 4, 6, 9, 12}

func (l Level) String() string {
	if l < Province || l > Village {
		return "?"
	}
	return levelCodes[l]
}

// Label is the Chinese name of the level.
func (l Level) Label() string {
	if l < Province || l > Village {
		return "?"
	}
	return levelNames[l]
}

// Digits is the number of significant digits of a code at this level.
func (l Level) Digits() int { return digits[l] }

// Region is one division.
type Region struct {
	Code   string `json:"code"`   // 12 digits
	Name   string `json:"name"`   // e.g. 刘胡兰镇
	Level  Level  `json:"level"`  // 1..5
	Parent string `json:"parent"` // 12 digits, "" for a province
}

// Normalize accepts a code of 2, 4, 6, 9 or 12 digits (the significant prefix
// or the full code) and returns the full 12-digit code.
func Normalize(code string) (string, error) {
	code = strings.TrimSpace(code)
	switch len(code) {
	case 2, 4, 6, 9, 12:
	default:
		return "", fmt.Errorf("区划代码应为12位数字（或2、4、6、9位前缀），实际为%q", code)
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", fmt.Errorf("区划代码只能由数字组成：%q", code)
		}
	}
	full := code + strings.Repeat("0", 12-len(code))
	if full[:2] == "00" {
		return "", fmt.Errorf("区划代码%q无效", code)
	}
	return full, nil
}

// LevelOf returns the level of a 12-digit code from its trailing zeros.
func LevelOf(code string) Level {
	if len(code) != 12 {
		return 0
	}
	switch {
	case code[2:] == "0000000000":
		return Province
	case code[4:] == "00000000":
		return City
	case code[6:] == "000000":
		return County
	case code[9:] == "000":
		return Township
	default:
		return Village
	}
}

// Prefix returns the significant digits of a 12-digit code.
func Prefix(code string) string {
	l := LevelOf(code)
	if l == 0 {
		return code
	}
	return code[:digits[l]]
}

// ParentOf returns the code of the parent division ("" for a province).
func ParentOf(code string) string {
	l := LevelOf(code)
	if l <= Province {
		return ""
	}
	p := code[:digits[l-1]]
	return p + strings.Repeat("0", 12-len(p))
}

// CountyOf returns the 6-digit county code of a county-or-lower code, the
// distribution key of every household-level table.
func CountyOf(code string) string {
	if len(code) < 6 {
		return ""
	}
	return code[:6]
}

// Contains reports whether code lies in the subtree of scope.
func Contains(scope, code string) bool {
	return strings.HasPrefix(code, Prefix(scope))
}

// Range returns the half-open interval [lo, hi) of 12-digit codes inside the
// subtree of scope, for an indexed range query.
func Range(scope string) (lo, hi string) {
	p := Prefix(scope)
	lo = p + strings.Repeat("0", 12-len(p))
	// the next prefix of the same length; "99" rolls over to ":" which still
	// sorts after every digit.
	b := []byte(p)
	i := len(b) - 1
	for i >= 0 && b[i] == '9' {
		b[i] = '0'
		i--
	}
	if i < 0 {
		return lo, ":"
	}
	b[i]++
	hi = string(b) + strings.Repeat("0", 12-len(p))
	return lo, hi
}

// Path returns the codes from the province down to code, inclusive.
func Path(code string) []string {
	l := LevelOf(code)
	out := make([]string, 0, l)
	for i := Province; i <= l; i++ {
		p := code[:digits[i]]
		out = append(out, p+strings.Repeat("0", 12-len(p)))
	}
	return out
}
