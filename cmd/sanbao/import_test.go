package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sanbao/internal/audit"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

// TestImportHelperProcess is not a test: the kill test runs the test binary
// again as `sanbao` (the arguments after "--"), so that it can kill a real
// import process.
func TestImportHelperProcess(t *testing.T) {
	if os.Getenv("SANBAO_HELPER_PROCESS") != "1" {
		t.Skip("runs only as the helper process of TestKilledImportChangesNothing")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(context.Background(), args, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// dbFingerprint hashes every household and member.
func dbFingerprint(t *testing.T, dsn string) string {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := sha256.New()
	n := 0
	err = db.EachMember(context.Background(), store.Everywhere, "", func(hh *registry.Household, m *registry.Member) error {
		fmt.Fprintf(h, "%+v|%+v\n", *hh, *m)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The indexes too: a first import drops and builds them again.
	idx, err := db.RegistryIndexes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(h, strings.Join(idx, "\n"))
	return fmt.Sprintf("%d:%s", n, hex.EncodeToString(h.Sum(nil)))
}

// startImport runs `sanbao import households file --db dsn` as a process
// and returns it with a channel that is closed when it prints want.
func startImport(t *testing.T, file, dsn, want string) (*exec.Cmd, chan struct{}, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportHelperProcess$", "--", "import", "households", file, "--db", dsn)
	cmd.Env = append(os.Environ(), "SANBAO_HELPER_PROCESS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	var out strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), want) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	return cmd, seen, &out
}

// TestKilledImportChangesNothing kills real `sanbao import` processes at
// growing delays, on SQLite and PostgreSQL: a first import into an empty
// county (new households written while the file is read) and a re-import
// that updates every household. After each kill the data must be exactly as
// before; only an import that ran to its end may have changed it.
func TestKilledImportChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real import processes")
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "kill.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			first := filepath.Join(dir, "first.csv")
			e, _, errb := testEnv(nil)
			if code := Main(context.Background(), []string{"demo", "--db", dsn, "--households", "6000", "--csv", first}, e); code != 0 {
				t.Fatalf("demo: %s", errb)
			}
			second := filepath.Join(dir, "second.csv")
			rewritePhones(t, first, second)

			killLoop := func(file, phase string) {
				before := dbFingerprint(t, dsn)
				midway := 0
				for delay := 50 * time.Millisecond; ; delay = delay * 3 / 2 {
					cmd, seen, out := startImport(t, file, dsn, phase)
					reached := false
					select {
					case <-seen:
						reached = true
						time.Sleep(delay)
					case <-time.After(delay + 5*time.Second):
					}
					cmd.Process.Kill()
					err := cmd.Wait()
					after := dbFingerprint(t, dsn)
					if err == nil || after != before {
						// It committed before the kill (perhaps just before
						// exiting): the import must then be complete, which
						// importing the file once more shows (nothing added or
						// changed).
						e, stdout, errb := testEnv(nil)
						Main(context.Background(), []string{"import", "households", file, "--db", dsn}, e)
						if !strings.Contains(stdout.String(), "新增 0 户、0 人；更新 0 户、0 人") {
							t.Fatalf("killed after %v in %q: the data changed but is not the complete import:\n%s\n%s%s", delay, phase, out, stdout, errb)
						}
						if midway == 0 {
							t.Fatalf("no kill landed during %q before the import finished (first delay %v)", phase, 50*time.Millisecond)
						}
						t.Logf("%s: %d kills during %q left the data unchanged; the import completed at a delay of %v", filepath.Base(file), midway, phase, delay)
						return
					}
					if reached {
						midway++
					}
					if delay > 2*time.Minute {
						t.Fatal("the import never completed")
					}
				}
			}
			killLoop(first, "读取并检查")
			killLoop(second, "写入")
		})
	}
}

// rewritePhones copies a register CSV, giving every household a new phone
// number and address, so that re-importing it updates every household.
func rewritePhones(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	br := bufio.NewReader(in)
	bom := make([]byte, 3)
	if _, err := io.ReadFull(br, bom); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.Write(bom)
	r := csv.NewReader(br)
	w := csv.NewWriter(out)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(header)
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	for n := 0; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		num := rec[idx["户编号"]]
		rec[idx["联系电话"]] = "0358-" + num[len(num)-7:]
		rec[idx["住址"]] += "（新）"
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
}

func TestImportExportTemplateCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cli.db")
	run := func(args ...string) (int, string, string) {
		e, out, errb := testEnv(nil)
		return Main(context.Background(), args, e), out.String(), errb.String()
	}
	if code, out, errb := run("template", "households", "-o", filepath.Join(dir, "t.xlsx")); code != 0 || !strings.Contains(out, "t.xlsx") {
		t.Fatalf("template: %d %s %s", code, out, errb)
	}
	file := filepath.Join(dir, "county.csv")
	if code, _, errb := run("demo", "--db", db, "--households", "40", "--csv", file); code != 0 {
		t.Fatalf("demo --csv: %s", errb)
	}
	code, out, errb := run("import", "households", file, "--db", db, "--dry-run")
	if code != 0 || !strings.Contains(out, "检查通过（试运行，未写入）：新增 40 户") {
		t.Fatalf("dry run: %d %s %s", code, out, errb)
	}
	code, out, _ = run("import", "households", file, "--region", "141121", "--db", db)
	if code != 0 || !strings.Contains(out, "导入完成：新增 40 户") {
		t.Fatalf("import: %d %s", code, out)
	}
	if _, err := os.Stat(strings.TrimSuffix(file, ".csv") + ".errors.xlsx"); !os.IsNotExist(err) {
		t.Fatal("an import without errors left an error workbook")
	}
	export := filepath.Join(dir, "export.xlsx")
	code, out, errb = run("export", "households", "--region", "141121", "-o", export, "--db", db)
	if code != 0 || !strings.Contains(out, "已导出 40 户") {
		t.Fatalf("export: %d %s %s", code, out, errb)
	}
	code, out, _ = run("import", "households", export, "--db", db)
	if code != 0 || !strings.Contains(out, "未变 40 户") {
		t.Fatalf("re-import of the export: %d %s", code, out)
	}
	// Both are in the audit trail, done by the system.
	sdb, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []audit.Action{audit.ActImport, audit.ActExport} {
		page, err := sdb.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: act})
		if err != nil || len(page.Items) == 0 || page.Items[0].Role != "system" {
			t.Fatalf("%s entries: %+v %v", act, page, err)
		}
	}
	sdb.Close()
	// A file with an error: exit status 1, the reason, the workbook.
	b, _ := os.ReadFile(file)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Replace(string(b), ",户主,", ",邻居,", 1)), 0o644)
	code, out, errb = run("import", "households", bad, "--db", db)
	if code != 1 || !strings.Contains(out, "「与户主关系」“邻居”不是有效值") || !strings.Contains(errb, "导入未进行") {
		t.Fatalf("bad file: %d %s %s", code, out, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.errors.xlsx")); err != nil {
		t.Fatalf("no error workbook: %v", err)
	}
	if code, _, _ := run("import", "households", bad, "extra", "--db", db); code != 2 {
		t.Fatal("two files accepted")
	}
}
