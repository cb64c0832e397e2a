package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAccountCommands runs user, token and audit commands against one
// SQLite file, then tampers with the audit table and expects verification
// to name the entry.
func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "s.db")
	db := []string{"--db", dsn}
	mustRun := func(want int, args ...string) string {
		t.Helper()
		code, out, errs := run(t, append(args, db...)...)
		if code != want {
			t.Fatalf("sanbao %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errs)
		}
		return out + errs
	}
	out := mustRun(0, "user", "add", "--username", "Admin1", "--name", "周管理", "--role", "管理员", "--region", "141121")
	if !strings.Contains(out, "已新增账号 admin1") || !strings.Contains(out, "初始密码") || !strings.Contains(out, "已生成审计密钥") {
		t.Fatalf("user add:\n%s", out)
	}
	if _, err := os.Stat(dsn + ".audit-key"); err != nil {
		t.Fatalf("audit key file: %v", err)
	}
	out = mustRun(1, "user", "add", "--username", "admin1", "--name", "重名", "--role", "admin", "--region", "141121")
	if !strings.Contains(out, "已被使用") {
		t.Fatalf("duplicate:\n%s", out)
	}
	out = mustRun(1, "user", "add", "--username", "cadre", "--name", "村干", "--role", "village_cadre", "--region", "141121", "--password", "good-pass-123")
	if !strings.Contains(out, "村级") {
		t.Fatalf("wrong level:\n%s", out)
	}
	mustRun(2, "user", "add", "--username", "x", "--bogus")
	mustRun(0, "user", "add", "--username", "edu", "--name", "赵教育", "--role", "department", "--department", "教育局", "--region", "141121", "--password", "good-pass-123")
	out = mustRun(0, "user", "list", "--region", "141121")
	if !strings.Contains(out, "admin1") || !strings.Contains(out, "县直部门（教育）") {
		t.Fatalf("list:\n%s", out)
	}
	mustRun(0, "user", "disable", "--username", "edu")
	if out = mustRun(0, "user", "list"); !strings.Contains(out, "已停用") {
		t.Fatalf("list after disable:\n%s", out)
	}
	mustRun(0, "user", "enable", "--username", "edu")
	out = mustRun(0, "user", "reset-password", "--username", "edu")
	if !regexp.MustCompile(`新密码：[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}`).MatchString(out) {
		t.Fatalf("reset:\n%s", out)
	}
	mustRun(1, "user", "reset-password", "--username", "nobody")
	out = mustRun(0, "token", "issue", "--username", "edu", "--name", "学籍比对", "--days", "30")
	if tokenLine.FindString(out) == "" {
		t.Fatalf("token issue:\n%s", out)
	}
	if out = mustRun(0, "token", "list"); !strings.Contains(out, "学籍比对") || !strings.Contains(out, "sbk_") {
		t.Fatalf("token list:\n%s", out)
	}
	mustRun(0, "token", "revoke", "--id", "1")
	if out = mustRun(0, "token", "list", "--username", "edu"); !strings.Contains(out, "已吊销") {
		t.Fatalf("token list after revoke:\n%s", out)
	}
	out = mustRun(0, "audit", "verify")
	if !strings.Contains(out, "审计记录完整") {
		t.Fatalf("verify:\n%s", out)
	}
	head := regexp.MustCompile(`链头：(\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if head == nil {
		t.Fatalf("no head in:\n%s", out)
	}
	mustRun(0, "audit", "verify", "--anchor", head[1])

	// Edit the third entry behind the program's back.
	raw, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_log SET detail = 'x' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if out = mustRun(1, "audit", "verify"); !strings.Contains(out, "第3条已被改动") {
		t.Fatalf("verify after an edit:\n%s", out)
	}
	// Without its key file the trail cannot continue.
	os.Rename(dsn+".audit-key", dsn+".moved")
	if out = mustRun(1, "user", "list"); !strings.Contains(out, "请恢复原密钥文件") {
		t.Fatalf("missing key:\n%s", out)
	}
	if out = mustRun(0, "user", "list", "--audit-key", dsn+".moved"); !strings.Contains(out, "admin1") {
		t.Fatalf("key by flag:\n%s", out)
	}
}
