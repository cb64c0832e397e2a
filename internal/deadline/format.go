package deadline

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
)

// FormatDate writes a day as 2006-01-02 ("" for the zero time).
func FormatDate(day time.Time) string {
	if day.IsZero() {
		return ""
	}
	return day.In(clock.China).Format("2006-01-02")
}

// FormatDateCN writes a day as 2024年8月5日 ("" for the zero time).
func FormatDateCN(day time.Time) string {
	if day.IsZero() {
		return ""
	}
	t := day.In(clock.China)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// FormatDue writes a last day the way the ledger template asks for a time
// limit (002 附件1 填表说明3: "整改时限明确化,如*月*日前"), with the year:
// 2024年8月15日前 ("" for the zero time).
func FormatDue(lastDay time.Time) string {
	if lastDay.IsZero() {
		return ""
	}
	return FormatDateCN(lastDay) + "前"
}

var (
	fullWidth = strings.NewReplacer(
		"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
		"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
		"／", "/", "－", "-", "．", ".", "：", ":", "　", " ")
	reCN      = regexp.MustCompile(`^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?`)
	reISO     = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})`)
	reCompact = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	reSerial  = regexp.MustCompile(`^(\d{5})(?:\.0+)?$`)
	reClock   = regexp.MustCompile(`^[T ]\d{1,2}:\d{2}`)
)

// dueSuffixes may follow a date: "8月15日前", "8月15日之前完成整改并长期坚持".
var dueSuffixes = []string{"之前", "以前", "为止", "前", "止"}

// ParseDate reads a day as officials write it in a ledger: 2024年8月15日前,
// 8月15日前 (the year then comes from defaultYear), 2024-08-15, 2024/8/15,
// 2024.8.15, 20240815, an Excel date serial (45519), or 2024-08-15 00:00:00.
// After a written date may come 前/之前/以前/止/为止 and any words
// ("8月15日前完成整改并长期坚持"). It returns midnight China time of the day,
// or an Invalid error with a Chinese reason.
func ParseDate(s string, defaultYear int) (time.Time, error) {
	orig := s
	s = strings.TrimSpace(fullWidth.Replace(s))
	if s == "" {
		return time.Time{}, apperr.New(apperr.Invalid, "日期为空")
	}
	bad := func(reason string) (time.Time, error) {
		return time.Time{}, apperr.New(apperr.Invalid, "日期%q%s，应写为如2024年8月15日前或2024-08-15", orig, reason)
	}
	if m := reSerial.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 20000 || n > 80000 {
			return bad("不是有效日期")
		}
		// Excel's 1900 date system: serial 1 is 1900-01-01, with the
		// phantom 1900-02-29, so day 0 is 1899-12-30 for every serial > 60.
		return Date(1899, time.December, 30).AddDate(0, 0, n), nil
	}
	var y, mo, d int
	var rest string
	if m := reCompact.FindStringSubmatch(s); m != nil {
		y, mo, d = atoi(m[1]), atoi(m[2]), atoi(m[3])
	} else if m := reISO.FindStringSubmatch(s); m != nil {
		y, mo, d = atoi(m[1]), atoi(m[2]), atoi(m[3])
		rest = s[len(m[0]):]
		if reClock.MatchString(rest) {
			rest = ""
		}
	} else if m := reCN.FindStringSubmatch(s); m != nil {
		if m[1] == "" {
			if defaultYear == 0 {
				return bad("没有写年份")
			}
			y = defaultYear
		} else {
			y = atoi(m[1])
		}
		mo, d = atoi(m[2]), atoi(m[3])
		rest = s[len(m[0]):]
	} else {
		return bad("格式不正确")
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		ok := false
		for _, suf := range dueSuffixes {
			if strings.HasPrefix(rest, suf) {
				ok = true
				break
			}
		}
		if !ok {
			return bad("后面有多余的内容")
		}
	}
	if y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return bad("不是有效日期")
	}
	t := Date(y, time.Month(mo), d)
	if t.Month() != time.Month(mo) {
		return bad("不是有效日期")
	}
	return t, nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
