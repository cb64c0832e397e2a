package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/demo"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// benchImport measures the import and export figures of docs/BENCHMARKS.md
// in one run, each against its baseline in the same run:
//
//   - the demo county (N households, about 3.2 members each) as a CSV and an
//     XLSX register, written by the deterministic demo generator;
//   - CSV into SQLite with full validation vs the sqlite3 shell's .import of
//     the same file into a bare table;
//   - CSV into PostgreSQL vs psql's \copy of the same file into a bare table;
//   - the floor under both: the database's own cost of putting the same rows
//     into Sanbao's tables (constraints, indexes, foreign keys), as one
//     INSERT … SELECT from the bare table, no validation;
//   - XLSX into SQLite and PostgreSQL: time and peak memory;
//   - export of the county to XLSX: time and peak memory.
//
// Every import and export runs as a child `sanbao` process, so that its peak
// memory (maximum resident set) is its own.
func benchImport(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "bench import", "[--households N] [--dir DIR] [--postgres URL] [--skip-xlsx]")
	households := fs.Int("households", 315000, "households of the demo county (315,000 gives about 1,000,000 member rows)")
	dir := fs.String("dir", "", "working directory for the files and databases (default: a new temporary one, removed after)")
	pgURL := fs.String("postgres", e.getenv("SANBAO_TEST_POSTGRES"), "PostgreSQL server URL whose user may create databases (default: env SANBAO_TEST_POSTGRES; empty skips PostgreSQL)")
	skipXLSX := fs.Bool("skip-xlsx", false, "skip the XLSX figures")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, tool := range []string{"sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			return apperr.New(apperr.Unavailable, "需要 %s 命令作为对照（apt-get install sqlite3）", tool)
		}
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "sanbao-bench-import-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	out := e.stdout
	csvPath, xlsxPath := filepath.Join(*dir, "county.csv"), filepath.Join(*dir, "county.xlsx")
	if *skipXLSX {
		xlsxPath = ""
	}
	t0 := time.Now()
	if err := demoFiles(ctx, nil, demoConfig{Households: *households, Seed: 1}, csvPath, xlsxPath, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "生成文件用时 %.1f 秒\n", time.Since(t0).Seconds())
	rows, err := countLines(csvPath)
	if err != nil {
		return err
	}
	rows-- // header

	// A database with the official regions and the demo villages, ready for
	// an import: built once, copied for each SQLite run.
	g, err := demo.New(demo.Options{Households: *households, Seed: 1})
	if err != nil {
		return err
	}
	seed := filepath.Join(*dir, "seed.db")
	prepare := func(dsn string) error {
		db, err := openDB(ctx, dsn, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.AddVillages(ctx, append([]region.Region(nil), g.Villages...))
	}
	if err := prepare(seed); err != nil {
		return err
	}
	var results []benchRow
	add := func(r benchRow) {
		results = append(results, r)
		mem := "—"
		if r.maxRSS > 0 {
			mem = fmt.Sprintf("%d MiB", r.maxRSS>>20)
		}
		fmt.Fprintf(out, "  %-44s %8.1f s  CPU %6.1f s  峰值内存 %s\n", r.what, r.wall.Seconds(), r.cpu.Seconds(), mem)
	}
	fmt.Fprintf(out, "\n%d 行（%d 户）：\n", rows, *households)

	// SQLite.
	fresh := func(name string) (string, error) {
		p := filepath.Join(*dir, name)
		return p, copyFile(seed, p)
	}
	bare := filepath.Join(*dir, "bare.db")
	os.Remove(bare)
	r, err := runTimed(ctx, "sqlite3 .import（裸表，无校验）", "sqlite3", bare, "-cmd", ".mode csv", ".import "+csvPath+" bare")
	if err != nil {
		return err
	}
	add(r)
	sqliteBase := r.wall
	floor, err := fresh("floor.db")
	if err != nil {
		return err
	}
	r, err = runTimed(ctx, "sqlite3 INSERT…SELECT 到 Sanbao 表（下限）", "sqlite3", floor, sqliteFloorSQL(bare, nil, nil))
	if err != nil {
		return err
	}
	add(r)
	sqliteFloor := r.wall
	os.Remove(floor)
	// The same with the indexes built after the rows, as a first import.
	if floor, err = fresh("floor2.db"); err != nil {
		return err
	}
	drop, restore, err := bulkStatements(ctx, floor)
	if err != nil {
		return err
	}
	r, err = runTimed(ctx, "同上，索引在写入后建立（首次导入的做法）", "sqlite3", floor, sqliteFloorSQL(bare, drop, restore))
	if err != nil {
		return err
	}
	add(r)
	sqliteBulkFloor := r.wall
	os.Remove(floor)
	dbPath, err := fresh("csv.db")
	if err != nil {
		return err
	}
	r, err = runTimed(ctx, "sanbao import CSV → SQLite（完整校验）", self, "import", "households", csvPath, "--db", dbPath)
	if err != nil {
		return err
	}
	add(r)
	sqliteCSV := r.wall
	r, err = runTimed(ctx, "sanbao import 同一 CSV 再次导入（全部未变）", self, "import", "households", csvPath, "--db", dbPath)
	if err != nil {
		return err
	}
	add(r)
	exportPath := filepath.Join(*dir, "export.xlsx")
	r, err = runTimed(ctx, "sanbao export → XLSX（SQLite）", self, "export", "households", "--region", demo.County, "-o", exportPath, "--db", dbPath)
	if err != nil {
		return err
	}
	add(r)
	os.Remove(exportPath)
	if xlsxPath != "" {
		x, err := fresh("xlsx.db")
		if err != nil {
			return err
		}
		r, err = runTimed(ctx, "sanbao import XLSX → SQLite", self, "import", "households", xlsxPath, "--db", x)
		if err != nil {
			return err
		}
		add(r)
		os.Remove(x)
	}
	os.Remove(bare)

	// PostgreSQL.
	var pgBase, pgFloor, pgBulkFloor, pgCSV time.Duration
	if *pgURL != "" {
		if _, err := exec.LookPath("psql"); err != nil {
			return apperr.New(apperr.Unavailable, "需要 psql 命令作为对照")
		}
		// The baseline and the floor in a database of their own: the floor's
		// rolled-back rows would otherwise lie dead in the indexes the
		// import then writes to.
		floorDSN, dropFloor, err := benchDatabase(ctx, *pgURL, "floor")
		if err != nil {
			return err
		}
		defer dropFloor()
		if err := prepare(floorDSN); err != nil {
			return err
		}
		dsn, drop, err := benchDatabase(ctx, *pgURL, "import")
		if err != nil {
			return err
		}
		defer drop()
		if err := prepare(dsn); err != nil {
			return err
		}
		cols := make([]string, len(registry.RegisterColumns))
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d text", i+1)
		}
		if _, err := runTimed(ctx, "", "psql", floorDSN, "-qv", "ON_ERROR_STOP=1", "-c", "CREATE TABLE bare ("+strings.Join(cols, ", ")+")"); err != nil {
			return err
		}
		r, err := runTimed(ctx, "psql \\copy（裸表，无校验）", "psql", floorDSN, "-qv", "ON_ERROR_STOP=1", "-c", `\copy bare FROM '`+csvPath+`' WITH (FORMAT csv, HEADER true)`)
		if err != nil {
			return err
		}
		add(r)
		pgBase = r.wall
		dropIx, buildIx, err := bulkStatements(ctx, floorDSN)
		if err != nil {
			return err
		}
		r, err = runTimed(ctx, "INSERT…SELECT 到 Sanbao 表（下限）", "psql", floorDSN, "-qv", "ON_ERROR_STOP=1", "-c", pgFloorSQL(nil, nil))
		if err != nil {
			return err
		}
		add(r)
		pgFloor = r.wall
		// The rolled-back rows vacuumed away, then the same with the
		// indexes and keys built after the rows, as a first import.
		if _, err := runTimed(ctx, "", "psql", floorDSN, "-qv", "ON_ERROR_STOP=1", "-c", "VACUUM households, members"); err != nil {
			return err
		}
		r, err = runTimed(ctx, "同上，索引和外键在写入后建立（首次导入的做法）", "psql", floorDSN, "-qv", "ON_ERROR_STOP=1", "-c", pgFloorSQL(dropIx, append([]string{"SET LOCAL maintenance_work_mem = '256MB'"}, buildIx...)))
		if err != nil {
			return err
		}
		add(r)
		pgBulkFloor = r.wall
		dropFloor()
		r, err = runTimed(ctx, "sanbao import CSV → PostgreSQL（完整校验）", self, "import", "households", csvPath, "--db", dsn)
		if err != nil {
			return err
		}
		add(r)
		pgCSV = r.wall
		r, err = runTimed(ctx, "sanbao export → XLSX（PostgreSQL）", self, "export", "households", "--region", demo.County, "-o", exportPath, "--db", dsn)
		if err != nil {
			return err
		}
		add(r)
		os.Remove(exportPath)
		if xlsxPath != "" {
			if _, err := runTimed(ctx, "", "psql", dsn, "-qv", "ON_ERROR_STOP=1", "-c", "TRUNCATE members, households CASCADE"); err != nil {
				return err
			}
			r, err = runTimed(ctx, "sanbao import XLSX → PostgreSQL", self, "import", "households", xlsxPath, "--db", dsn)
			if err != nil {
				return err
			}
			add(r)
		}
	}

	fmt.Fprintf(out, "\nCSV → SQLite：%.2f× sqlite3 .import（目标 ≤ 1.5×）；数据库自身下限 %.2f×（索引写入后建立 %.2f×）；导入 / 后者 %.2f×\n",
		ratio(sqliteCSV, sqliteBase), ratio(sqliteFloor, sqliteBase), ratio(sqliteBulkFloor, sqliteBase), ratio(sqliteCSV, sqliteBulkFloor))
	if pgBase > 0 {
		fmt.Fprintf(out, "CSV → PostgreSQL：%.2f× psql \\copy（目标 ≤ 1.5×）；数据库自身下限 %.2f×（索引写入后建立 %.2f×）；导入 / 后者 %.2f×\n",
			ratio(pgCSV, pgBase), ratio(pgFloor, pgBase), ratio(pgBulkFloor, pgBase), ratio(pgCSV, pgBulkFloor))
	}
	return nil
}

type benchRow struct {
	what      string
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// runTimed runs a command and measures its wall time, CPU time and, for
// sanbao itself, peak resident memory (as the child reports it: the kernel's
// figure for a child includes its parent's memory at the fork).
func runTimed(ctx context.Context, what, name string, args ...string) (benchRow, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "SANBAO_TRACE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	t0 := time.Now()
	err := cmd.Run()
	r := benchRow{what: what, wall: time.Since(t0)}
	if err != nil {
		return r, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if i := strings.LastIndex(stderr.String(), "peak_rss_kib "); i >= 0 {
		var kib int64
		fmt.Sscan(stderr.String()[i+len("peak_rss_kib "):], &kib)
		r.maxRSS = kib << 10
	}
	return r, nil
}

// sqliteFloorSQL puts the bare table's rows into Sanbao's tables with
// constant values where the file has labels: the database's own share of
// an import (constraints, four indexes per table, foreign keys), without
// any checking.
//
// With drop and restore (store.DB.BulkLoadStatements), the indexes are
// dropped first and built after the rows, as a county's first import does.
func sqliteFloorSQL(bare string, drop, restore []string) string {
	return `PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-524288;
ATTACH '` + bare + `' AS b;
CREATE TEMP TABLE hh AS SELECT min(rowid) AS id, "户编号" AS number, "村区划代码" AS rc, "联系电话" AS phone, "住址" AS addr FROM b.bare GROUP BY "户编号";
BEGIN;
` + statements(drop) + `INSERT INTO households (id, county, region_code, number, category, phone, address, created_at, updated_at)
  SELECT id, substr(rc, 1, 6), rc, number, 'ordinary', phone, addr, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM hh;
INSERT INTO members (household_id, county, region_code, id_number, name, sex, birth_date, relation, school, medical_insured, created_at, updated_at)
  SELECT h.id, substr(h.rc, 1, 6), h.rc, "身份证号", "姓名", 'male', "出生日期", 'head', "就读学校", 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
  FROM b.bare JOIN hh h ON h.number = "户编号";
` + statements(restore) + `COMMIT;`
}

func statements(qs []string) string {
	var b strings.Builder
	for _, q := range qs {
		b.WriteString(q + ";\n")
	}
	return b.String()
}

// pgFloorSQL is sqliteFloorSQL for PostgreSQL (columns c1… of the bare
// table in register order), rolled back.
func pgFloorSQL(drop, restore []string) string {
	c := func(key string) string {
		for i, col := range registry.RegisterColumns {
			if col.Key == key {
				return fmt.Sprintf("c%d", i+1)
			}
		}
		panic(key)
	}
	return `BEGIN;
` + statements(drop) + `CREATE TEMP TABLE hh AS SELECT ` + c("number") + ` AS number, min(` + c("region_code") + `) AS rc, COALESCE(min(` + c("phone") + `), '') AS phone, COALESCE(min(` + c("address") + `), '') AS addr FROM bare GROUP BY 1;
INSERT INTO households (county, region_code, number, category, phone, address, created_at, updated_at)
  SELECT substr(rc, 1, 6), rc, number, 'ordinary', phone, addr, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM hh;
INSERT INTO members (household_id, county, region_code, id_number, name, sex, birth_date, relation, school, medical_insured, created_at, updated_at)
  SELECT h.id, h.county, h.region_code, b.` + c("id_number") + `, b.` + c("name") + `, 'male', b.` + c("birth_date") + `, 'head', COALESCE(b.` + c("school") + `, ''), true, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
  FROM bare b JOIN households h ON h.number = b.` + c("number") + `;
` + statements(restore) + `ROLLBACK;`
}

// bulkStatements reads from the database at dsn how a first import drops
// and builds again the registry's indexes.
func bulkStatements(ctx context.Context, dsn string) (drop, restore []string, err error) {
	db, err := openDB(ctx, dsn, nil)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	return db.BulkLoadStatements(ctx)
}

// benchDatabase creates a fresh database on the server for the run.
func benchDatabase(ctx context.Context, base, what string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("sanbao_bench_%s_%d", what, os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	var once sync.Once
	return u.String(), func() {
		once.Do(func() {
			admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		})
	}, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			break
		}
	}
	return n, nil
}
