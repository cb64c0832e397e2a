// Package idcard parses and checks resident ID numbers (居民身份证号码) under
// GB 11643-1999: 6-digit address code, 8-digit birth date, 3-digit sequence
// (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
// 15-digit numbers (first generation, birth year without century) are
// converted to 18 digits.
package idcard

import (
	"fmt"
	"strings"
	"time"
)

// Sex derived from the sequence code.
type Sex string

const (
	Male   Sex = "male"
	Female Sex = "female"
)

// ID is a parsed, valid 18-character ID number.
type ID struct {
	Number string    // normalised: 18 characters, upper-case X
	Area   string    // first six digits: the address code at issue
	Birth  time.Time // UTC midnight
	Sex    Sex
}

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckChar computes the check character of the first 17 digits.
func CheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Normalize trims spaces (including full-width), upper-cases x and converts
// full-width digits; it does not validate.
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteByte(byte('0' + (r - '０')))
		case r == 'x' || r == 'ｘ' || r == 'Ｘ':
			b.WriteByte('X')
		case r == ' ' || r == '\u3000' || r == '\t' || r == '\u00a0' || r == '\ufeff' || r == '\'':
			// Excel users prefix a quote to keep the number as text.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Error explains why a number is not valid, in Chinese.
type Error struct{ Reason string }

func (e *Error) Error() string { return e.Reason }

func fail(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Parse validates s (after Normalize) and returns the 18-character ID.
// now bounds the birth date: a birth in the future is refused.
func Parse(s string, now time.Time) (ID, error) {
	n := Normalize(s)
	switch len(n) {
	case 18:
	case 15:
		for i := 0; i < 15; i++ {
			if n[i] < '0' || n[i] > '9' {
				return ID{}, fail("15位身份证号码只能由数字组成")
			}
		}
		// Numbers of the first generation carry the year without century;
		// all of them were issued to people born in the 1900s.
		n17 := n[:6] + "19" + n[6:]
		n = n17 + string(CheckChar(n17))
	case 0:
		return ID{}, fail("不能为空")
	default:
		return ID{}, fail("应为18位（或15位），实际为%d位", len([]rune(n)))
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return ID{}, fail("前17位只能是数字")
		}
	}
	last := n[17]
	if !(last >= '0' && last <= '9') && last != 'X' {
		return ID{}, fail("最后一位只能是数字或X")
	}
	if n[0] == '0' || n[:2] == "00" {
		return ID{}, fail("地址码无效")
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil {
		return ID{}, fail("出生日期%s无效", n[6:14])
	}
	if birth.Year() < 1880 {
		return ID{}, fail("出生日期%s过早", birth.Format("2006-01-02"))
	}
	if !now.IsZero() && birth.After(now) {
		return ID{}, fail("出生日期%s晚于今天", birth.Format("2006-01-02"))
	}
	if want := CheckChar(n[:17]); want != last {
		return ID{}, fail("校验位错误（应为%c）", want)
	}
	sex := Female
	if (n[16]-'0')%2 == 1 {
		sex = Male
	}
	return ID{Number: n, Area: n[:6], Birth: birth, Sex: sex}, nil
}

// Valid reports whether s is a valid ID number.
func Valid(s string) bool {
	_, err := Parse(s, time.Time{})
	return err == nil
}

// Make builds a valid 18-character number from an area code, birth date and
// sequence (0..999); used by the demo generator and tests.
func Make(area string, birth time.Time, seq int) string {
	n17 := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq%1000)
	return n17 + string(CheckChar(n17))
}

// Mask hides the middle of a number: 1411**********0018.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 8 {
		if len(r) <= 2 {
			return strings.Repeat("*", len(r))
		}
		return string(r[:1]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1:])
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// AgeOn returns the age in whole years on day.
func AgeOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}
