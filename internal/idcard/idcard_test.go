package idcard

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	valid := Make("141121", time.Date(1985, 3, 7, 0, 0, 0, 0, time.UTC), 123)
	tests := []struct {
		name, in, want string
		sex            Sex
		errHas         string
	}{
		{"valid 18", valid, valid, Male, ""},
		{"lower-case x", "11010519491231002x", "11010519491231002X", Female, ""},
		{"spaces and quote", " '" + valid + " ", valid, Male, ""},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", Female, ""},
		{"15 to 18", "110105491231002", "11010519491231002X", Female, ""},
		{"bad checksum", valid[:17] + "0", "", "", "校验位"},
		{"too short", "1234", "", "", "应为18位"},
		{"empty", "", "", "", "不能为空"},
		{"letters", "11010519491231A02X", "", "", "数字"},
		{"bad date", "110105194913310021", "", "", "出生日期"},
		{"future", Make("141121", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 1), "", "", "晚于今天"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := Parse(tc.in, now)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("Parse(%q) error = %v, want containing %q", tc.in, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if id.Number != tc.want || id.Sex != tc.sex {
				t.Fatalf("Parse(%q) = %+v, want %s %s", tc.in, id, tc.want, tc.sex)
			}
		})
	}
}

func TestMaskAndAge(t *testing.T) {
	if got := Mask("14112119850307123X"); got != "1411**********123X" {
		t.Fatalf("Mask = %s", got)
	}
	b := time.Date(2010, 11, 23, 0, 0, 0, 0, time.UTC)
	if AgeOn(b, now) != 15 || AgeOn(b, now.AddDate(0, 0, 1)) != 16 {
		t.Fatal("AgeOn wrong around birthday")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("110105491231002")
	f.Add("１１０１０５１９４９１２３１００２Ｘ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s, now)
		if err != nil {
			return
		}
		if len(id.Number) != 18 || !Valid(id.Number) {
			t.Fatalf("Parse(%q) returned invalid %q", s, id.Number)
		}
		again, err := Parse(id.Number, now)
		if err != nil || again != id {
			t.Fatalf("not idempotent: %q -> %+v -> %+v %v", s, id, again, err)
		}
	})
}
