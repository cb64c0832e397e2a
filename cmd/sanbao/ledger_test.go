package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The ledger commands: the demo ledger, the time-limit check, an export in
// the official template that imports back unchanged, a refused import that
// leaves an error workbook, and the benchmark at a small scale.
func TestLedgerCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "l.db")
	run := func(want int, args ...string) string {
		t.Helper()
		e, out, errb := testEnv(map[string]string{"SANBAO_DB": db})
		if code := Main(context.Background(), args, e); code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, out, errb)
		}
		return out.String() + errb.String()
	}
	if out := run(0, "ledger", "demo", "--problems", "400"); !strings.Contains(out, "400 个问题") {
		t.Fatal(out)
	}
	if out := run(1, "ledger", "demo", "--problems", "400"); !strings.Contains(out, "未重复生成") {
		t.Fatal(out)
	}
	if out := run(0, "ledger", "check"); !strings.Contains(out, "时限检查完成") {
		t.Fatal(out)
	}
	xlsx := filepath.Join(dir, "台账.xlsx")
	if out := run(0, "ledger", "export", "--region", "141121", "--filled-by", "王某", "--out", xlsx); !strings.Contains(out, "已导出 378 个问题") {
		t.Fatal(out)
	}
	if out := run(0, "ledger", "import", "--dry-run", xlsx); !strings.Contains(out, "新增 0，更新 0，未变 378") {
		t.Fatal(out)
	}
	errs := filepath.Join(dir, "errors.xlsx")
	if out := run(1, "ledger", "import", "--errors", errs, filepath.Join(dir, "missing.xlsx")); !strings.Contains(out, "missing.xlsx") {
		t.Fatal(out)
	}
	run(2, "ledger")
	run(2, "ledger", "nonsense")
	if out := run(0, "bench", "ledger", "--problems", "400", "--queries", "2", "--export", "300"); !strings.Contains(out, "导出官方模板") || !strings.Contains(out, "问责名单") {
		t.Fatal(out)
	}
}
