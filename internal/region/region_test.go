package region

import "testing"

func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		in, full string
		level    Level
		parent   string
	}{
		{"14", "140000000000", Province, ""},
		{"1411", "141100000000", City, "140000000000"},
		{"141121", "141121000000", County, "141100000000"},
		{"141121104", "141121104000", Township, "141121000000"},
		{"141121104201", "141121104201", Village, "141121104000"},
	} {
		full, err := Normalize(tc.in)
		if err != nil || full != tc.full {
			t.Fatalf("Normalize(%s) = %s, %v", tc.in, full, err)
		}
		if LevelOf(full) != tc.level || ParentOf(full) != tc.parent {
			t.Fatalf("%s: level %v parent %s", full, LevelOf(full), ParentOf(full))
		}
	}
	for _, bad := range []string{"", "1", "14112", "14112110400a", "000000000000"} {
		if _, err := Normalize(bad); err == nil {
			t.Fatalf("Normalize(%q) accepted", bad)
		}
	}
	lo, hi := Range("141121104000")
	if lo != "141121104000" || hi != "141121105000" {
		t.Fatalf("Range = %s %s", lo, hi)
	}
	if _, hi := Range("141199000000"); hi != "141200000000" {
		t.Fatalf("Range rollover = %s", hi)
	}
	if !Contains("141121000000", "141121104201") || Contains("141121104000", "141121105001") {
		t.Fatal("Contains")
	}
}

func TestOfficial(t *testing.T) {
	all, err := Official()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 44000 {
		t.Fatalf("only %d divisions", len(all))
	}
	seen := map[string]bool{}
	var found bool
	for _, r := range all {
		if r.Parent != "" && !seen[r.Parent] {
			t.Fatalf("%s %s before its parent %s", r.Code, r.Name, r.Parent)
		}
		seen[r.Code] = true
		if r.Code == "141121104000" && r.Name == "刘胡兰镇" && r.Level == Township {
			found = true
		}
	}
	if !found {
		t.Fatal("刘胡兰镇 missing")
	}
}
