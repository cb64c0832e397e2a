package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanbao/internal/idcard"
)

// TestRosterCommands: the template is written; an education roster made
// from the demo county's members (one pupil left out, one dropped, an
// unknown and a mistyped row) pushes alerts; importing it again pushes
// nothing new; the rows that did not match come back as a workbook; the
// alerts are listed.
func TestRosterCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "s.db")
	if code, _, errb := run(t, "demo", "--db", dsn, "--households", "300"); code != 0 {
		t.Fatalf("demo: %s", errb)
	}
	tpl := filepath.Join(dir, "模板.xlsx")
	if code, _, errb := run(t, "roster", "template", "--department", "education", "-o", tpl); code != 0 {
		t.Fatalf("template: %s", errb)
	}
	if b, err := os.ReadFile(tpl); err != nil || !strings.HasPrefix(string(b), "PK") {
		t.Fatalf("template file: %v", err)
	}
	raw, err := rawOpen(dsn)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := raw.QueryContext(context.Background(), `SELECT id_number, name FROM members
		WHERE schooling = 'in_school' AND birth_date >= '2011-01-01' AND birth_date <= '2019-12-31' ORDER BY id LIMIT 50`)
	if err != nil {
		t.Fatal(err)
	}
	type pupil struct{ IDNumber, Name string }
	var ms []pupil
	for rows.Next() {
		var p pupil
		rows.Scan(&p.IDNumber, &p.Name)
		ms = append(ms, p)
	}
	rows.Close()
	raw.Close()
	if len(ms) < 3 {
		t.Fatalf("pupils: %d", len(ms))
	}
	var b strings.Builder
	b.WriteString("身份证号,姓名,就读学校,年级,学籍状态\n")
	for i, m := range ms[1:] { // ms[0] is left out
		status := "在校"
		if i == 0 {
			status = "辍学"
		}
		b.WriteString(m.IDNumber + "," + m.Name + ",实验小学,五年级," + status + "\n")
	}
	b.WriteString(idcard.Make("140105", time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), 7) + ",外县学生,某校,三年级,在校\n")
	b.WriteString("14112120140101007,号码有误,某校,三年级,在校\n")
	file := filepath.Join(dir, "学籍.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errb := run(t, "roster", "import", "--db", dsn, "--department", "教育局", "--county", "141121", file)
	if code != 0 || !strings.Contains(out, "不在本县农户信息中 1，有错误 1") {
		t.Fatalf("import: %d %s %s", code, out, errb)
	}
	pushed := regexp.MustCompile(`新推送 (\d+)`).FindStringSubmatch(out)
	if pushed == nil || pushed[1] == "0" {
		t.Fatalf("no alerts pushed: %s", out)
	}
	code, out, _ = run(t, "roster", "import", "--db", dsn, "--department", "education", "--county", "141121", file)
	if code != 0 || !strings.Contains(out, "新推送 0") || !strings.Contains(out, "未重复推送）"+pushed[1]) {
		t.Fatalf("re-import: %s", out)
	}
	errs := filepath.Join(dir, "错误.xlsx")
	if code, _, errb := run(t, "roster", "errors", "--db", dsn, "--upload", "1", "-o", errs); code != 0 {
		t.Fatalf("errors: %s", errb)
	}
	code, out, _ = run(t, "alerts", "list", "--db", dsn, "--department", "education")
	if code != 0 || !strings.Contains(out, "共 "+pushed[1]+" 条") || !strings.Contains(out, "疑似失学辍学") {
		t.Fatalf("alerts list: %s", out)
	}
	if code, _, _ := run(t, "roster", "import", "--db", dsn, "--department", "farm", "--county", "141121", file); code != 1 {
		t.Fatalf("unknown department: %d", code)
	}
}
