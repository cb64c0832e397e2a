package deadline

import (
	"testing"
	"time"

	"sanbao/internal/apperr"
)

func TestFormat(t *testing.T) {
	d := Date(2024, 8, 5)
	if FormatDate(d) != "2024-08-05" || FormatDateCN(d) != "2024年8月5日" || FormatDue(d) != "2024年8月5日前" {
		t.Fatal(FormatDate(d), FormatDateCN(d), FormatDue(d))
	}
	// A UTC instant late on 4 August is 5 August in China.
	if got := FormatDate(time.Date(2024, 8, 4, 20, 0, 0, 0, time.UTC)); got != "2024-08-05" {
		t.Fatal(got)
	}
	if FormatDate(time.Time{}) != "" || FormatDue(time.Time{}) != "" {
		t.Fatal("zero time")
	}
}

func TestParseDate(t *testing.T) {
	want := Date(2024, 8, 15)
	good := []string{
		"2024年8月15日前", "2024年8月15日", "2024 年 8 月 15 日前", "8月15日前", "8月15日",
		"8月15日前完成整改并长期坚持", "8月15日之前", "2024-08-15", "2024/8/15", "2024.8.15",
		"20240815", "45519", "45519.0", "2024-08-15 00:00:00", "2024-08-15T00:00:00+08:00",
		"２０２４年８月１５日前", " 2024-8-15 ", "2024年08月15号", "2024-08-15前",
	}
	for _, s := range good {
		got, err := ParseDate(s, 2024)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%q: %v", s, got)
		}
	}
	bad := []string{"", "下周", "8月15日后", "2024-02-30", "2024-13-01", "8月32日", "12345", "2024-08-15 另行通知", "15/08/2024"}
	for _, s := range bad {
		if _, err := ParseDate(s, 2024); err == nil {
			t.Errorf("%q accepted", s)
		} else if !apperr.Is(err, apperr.Invalid) || apperr.MessageOf(err) == "" {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseDate("8月15日前", 0); err == nil {
		t.Error("a date without a year and no default year was accepted")
	}
	// Round trip of the formatter.
	for d := Date(2023, 12, 25); d.Before(Date(2024, 3, 5)); d = d.AddDate(0, 0, 1) {
		for _, s := range []string{FormatDue(d), FormatDate(d), FormatDateCN(d)} {
			if got, err := ParseDate(s, 0); err != nil || !got.Equal(d) {
				t.Errorf("%q: %v %v", s, got, err)
			}
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024年8月15日前", "8月15日", "2024-08-15", "45519", "20240815", "2024/2/29", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, 2024)
		if err != nil {
			if apperr.MessageOf(err) == "" {
				t.Fatalf("empty message for %q", s)
			}
			return
		}
		if !d.Equal(Day(d)) {
			t.Fatalf("%q: not a midnight: %v", s, d)
		}
		// What is accepted formats and parses back to the same day.
		if back, err := ParseDate(FormatDue(d), 0); err != nil || !back.Equal(d) {
			t.Fatalf("%q → %v → %q → %v %v", s, d, FormatDue(d), back, err)
		}
	})
}
