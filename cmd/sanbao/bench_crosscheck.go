package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/demo"
	"sanbao/internal/idcard"
	"sanbao/internal/store"
)

// benchCrossCheck measures a roster file to alerts, end to end, at county
// scale (sanbao demo --households 300000: 959,900 members): an education
// roster of 250,000 rows and an insurance roster of 1,000,000 rows, made
// deterministically from the registry with realistic gaps. Each is imported
// on SQLite and on PostgreSQL, and in the same run compared with
//
//   - the same comparison done by hand in SQL: the sqlite3 shell importing
//     the CSV (.import) and running the NOT EXISTS queries, psql doing the
//     same with \copy;
//   - the floor: a minimal program that loads the registry's ID numbers into
//     a hash set, reads the CSV with encoding/csv and probes the set.
func benchCrossCheck(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "bench crosscheck", "[--db SQLITE] [--pg URL] [--households N] [--runs N] [--dir DIR]")
	dsn := fs.String("db", "/tmp/sanbao-bench-crosscheck.db", "SQLite database (the demo county is generated if empty)")
	pg := fs.String("pg", e.getenv("SANBAO_BENCH_PG"), "PostgreSQL URL (env SANBAO_BENCH_PG); empty: SQLite only")
	households := fs.Int("households", 300000, "households of the demo county")
	students := fs.Int("students", 250000, "rows of the education roster")
	insured := fs.Int("insured", 1000000, "rows of the insurance roster")
	runs := fs.Int("runs", 3, "runs of each measurement (the median is shown)")
	dir := fs.String("dir", "", "directory for the roster CSVs (default: a temporary directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "sanbao-rosters")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	type target struct{ name, dsn string }
	targets := []target{{"SQLite", *dsn}}
	if *pg != "" {
		targets = append(targets, target{"PostgreSQL", *pg})
	}
	for _, t := range targets {
		db, err := openDB(ctx, t.dsn, e.stdout)
		if err != nil {
			return err
		}
		_, err = loadDemo(ctx, db, demoConfig{Households: *households, Seed: 1}, e.stdout)
		db.Close()
		if err != nil {
			return err
		}
	}
	raw, err := rawOpen(*dsn)
	if err != nil {
		return err
	}
	files, err := writeBenchRosters(ctx, raw, *dir, *students, *insured)
	raw.Close()
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(e.stdout, "%s：%d 行（其中本县农户 %d 行，外县或非农户 %d 行，身份证号有误 %d 行），%.1f MB\n", f.label, f.rows, f.known, f.unknown, f.invalid, float64(f.size)/1e6)
	}
	for _, t := range targets {
		fmt.Fprintf(e.stdout, "\n%s（%d 次取中位数；括号内为CPU时间，PostgreSQL 不含服务器进程）\n", t.name, *runs)
		fmt.Fprintf(e.stdout, "%-10s %18s %18s %18s %12s %11s %11s %7s %7s\n", "名单", "Sanbao", "手工SQL", "下限", "下限(仅读探)", "Sanbao/手工", "Sanbao/下限", "预警", "未匹配")
		for _, f := range files {
			var ours, manual, floor []measure
			var probe []time.Duration
			var up *crosscheck.Upload
			for i := 0; i < *runs; i++ { // interleaved, so that load on the machine hits all three alike
				m, u, err := benchOurs(ctx, t.dsn, f)
				if err != nil {
					return err
				}
				ours, up = append(ours, m), u
				if m, err = benchManual(ctx, t.dsn, f); err != nil {
					return err
				}
				manual = append(manual, m)
				m, p, err := benchFloor(ctx, t.dsn, f)
				if err != nil {
					return err
				}
				floor, probe = append(floor, m), append(probe, p)
			}
			ow, oc := medians(ours)
			mw, mc := medians(manual)
			fw, fc := medians(floor)
			fmt.Fprintf(e.stdout, "%-10s %7.2fs (%5.2fs) %7.2fs (%5.2fs) %7.2fs (%5.2fs) %11.2fs %10.2f× %10.2f× %7d %7d\n", f.kind,
				ow.Seconds(), oc.Seconds(), mw.Seconds(), mc.Seconds(), fw.Seconds(), fc.Seconds(), median(probe).Seconds(),
				ow.Seconds()/mw.Seconds(), ow.Seconds()/fw.Seconds(), up.AlertsNew, up.Unknown+up.Invalid)
		}
	}
	return nil
}

// measure is one run's wall time and CPU time (user + system: of this
// process for what runs in it, of the child for the shells).
type measure struct{ wall, cpu time.Duration }

func medians(ms []measure) (wall, cpu time.Duration) {
	var w, c []time.Duration
	for _, m := range ms {
		w, c = append(w, m.wall), append(c, m.cpu)
	}
	return median(w), median(c)
}

// rawOpen opens the database without the store, for the baselines.
func rawOpen(dsn string) (*sql.DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return sql.Open("pgx", dsn)
	}
	return sql.Open("sqlite3", "file:"+dsn+"?_busy_timeout=10000")
}

type benchRoster struct {
	kind, label, path             string
	dept                          auth.Department
	rows, known, unknown, invalid int
	size                          int64
	cols                          []string // the temp table's columns for the manual comparison
	alertSQL                      string   // the hand-written NOT EXISTS query for the alerts
}

// writeBenchRosters makes the two rosters from the registry, the same
// every time: each member of the county is listed unless a gap (1.5%)
// drops them; some are listed as dropped out or under last year's
// enrolment; people the registry does not hold (students and insured of the
// county town) fill the file up to its size, with a few mistyped numbers.
func writeBenchRosters(ctx context.Context, raw *sql.DB, dir string, nStudents, nInsured int) ([]*benchRoster, error) {
	rows, err := raw.QueryContext(ctx, `SELECT m.id_number, m.name, m.birth_date, m.schooling FROM members m WHERE m.county = '`+demo.County+`' ORDER BY m.id`)
	if err != nil {
		return nil, err
	}
	type person struct{ id, name, birth, schooling string }
	var people []person
	for rows.Next() {
		var p person
		if err := rows.Scan(&p.id, &p.name, &p.birth, &p.schooling); err != nil {
			rows.Close()
			return nil, err
		}
		people = append(people, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	schools := []string{"文水县实验小学", "凤城镇中心小学", "刘胡兰中学", "文水县第二中学", "开栅镇中心校", "南庄镇初级中学", "文水中学", "文水县职业中学"}
	grades := []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级", "高一", "高二", "高三"}
	outsider := func(rng *rand.Rand, minAge, maxAge int) string {
		area := []string{"141102", "141122", "141181", "140105", "140106"}[rng.IntN(5)]
		b := time.Date(2026-minAge-rng.IntN(maxAge-minAge+1), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		return idcard.Make(area, b, rng.IntN(1000))
	}
	mistype := func(rng *rand.Rand, id string) string { // a wrong check digit
		b := []byte(id)
		b[17] = "0123456789X"[(strings.IndexByte("0123456789X", b[17])+1+rng.IntN(9))%11]
		return string(b)
	}
	var out []*benchRoster

	// Education: everyone in school, pre-school or of compulsory age.
	st := &benchRoster{kind: "students", label: "学生学籍名单", dept: auth.DeptEducation, path: filepath.Join(dir, "students.csv"),
		cols: []string{"id_number", "name", "school", "grade", "status"},
		alertSQL: `SELECT m.id FROM members m WHERE m.county = '141121' AND m.birth_date > '2009-08-31' AND m.birth_date <= '2019-08-31'
  AND m.schooling NOT IN ('unable', 'home_teaching')
  AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.id_number = m.id_number AND r.status <> '辍学')`}
	err = writeCSV(st, []string{"身份证号", "姓名", "就读学校", "年级", "学籍状态"}, func(w *csv.Writer) error {
		rng := rand.New(rand.NewPCG(7, 1))
		for _, p := range people {
			inSchool := p.schooling == "in_school" || p.schooling == "preschool" || p.schooling == "home_teaching" || p.schooling == "dropout"
			compulsory := p.birth > "2009-08-31" && p.birth <= "2019-08-31"
			if !inSchool && !compulsory || st.rows >= nStudents {
				continue
			}
			x := rng.Float64()
			if x < 0.015 {
				continue // a gap: not in the roster
			}
			status := "在校"
			switch {
			case x < 0.019:
				status = "辍学"
			case x < 0.021:
				status = "休学"
			case x < 0.026:
				status = "转出"
			}
			id := p.id
			if rng.IntN(2000) == 0 {
				id, st.invalid = mistype(rng, id), st.invalid+1
			} else {
				st.known++
			}
			st.rows++
			if err := w.Write([]string{id, p.name, schools[rng.IntN(len(schools))], grades[rng.IntN(len(grades))], status}); err != nil {
				return err
			}
		}
		for st.rows < nStudents {
			st.rows++
			st.unknown++
			if err := w.Write([]string{outsider(rng, 6, 18), "城镇学生", schools[rng.IntN(len(schools))], grades[rng.IntN(len(grades))], "在校"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out = append(out, st)

	// Insurance: everyone, for 2026.
	in := &benchRoster{kind: "insurance", label: "城乡居民医保参保名单", dept: auth.DeptMedicalInsurance, path: filepath.Join(dir, "insurance.csv"),
		cols: []string{"id_number", "name", "scheme", "year"},
		alertSQL: `SELECT m.id FROM members m JOIN households h ON h.id = m.household_id
  WHERE m.county = '141121' AND h.category IN ('lifted', 'monitored')
  AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.id_number = m.id_number AND r.year = '2026')`}
	err = writeCSV(in, []string{"身份证号", "姓名", "参保险种", "参保年度"}, func(w *csv.Writer) error {
		rng := rand.New(rand.NewPCG(7, 2))
		for _, p := range people {
			if in.rows >= nInsured {
				break
			}
			x := rng.Float64()
			if x < 0.015 {
				continue
			}
			year, scheme := "2026", "城乡居民基本医疗保险"
			if x < 0.02 {
				year = "2025" // last year's enrolment only
			}
			if rng.IntN(20) == 0 {
				scheme = "职工基本医疗保险"
			}
			id := p.id
			if rng.IntN(2000) == 0 {
				id, in.invalid = mistype(rng, id), in.invalid+1
			} else {
				in.known++
			}
			in.rows++
			if err := w.Write([]string{id, p.name, scheme, year}); err != nil {
				return err
			}
		}
		for in.rows < nInsured {
			in.rows++
			in.unknown++
			if err := w.Write([]string{outsider(rng, 0, 90), "城镇居民", "城乡居民基本医疗保险", "2026"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, in), nil
}

func writeCSV(r *benchRoster, header []string, fill func(w *csv.Writer) error) error {
	f, err := os.Create(r.path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(header)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	st, _ := f.Stat()
	r.size = st.Size()
	return f.Close()
}

// clearCrossCheck empties the cross-check's tables, so that each run is a
// first upload.
func clearCrossCheck(ctx context.Context, dsn string) error {
	raw, err := rawOpen(dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	for _, t := range []string{"alert_attachments", "alerts", "roster_facts", "roster_rejects", "roster_uploads"} {
		if _, err := raw.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	return nil
}

// benchOurs imports the roster through the store: file to alerts.
func benchOurs(ctx context.Context, dsn string, r *benchRoster) (measure, *crosscheck.Upload, error) {
	if err := clearCrossCheck(ctx, dsn); err != nil {
		return measure{}, nil, err
	}
	db, err := openDB(ctx, dsn, io.Discard)
	if err != nil {
		return measure{}, nil, err
	}
	defer db.Close()
	t0, c0 := time.Now(), cpuTime()
	f, err := os.Open(r.path)
	if err != nil {
		return measure{}, nil, err
	}
	defer f.Close()
	up, err := db.ImportRoster(ctx, store.Everywhere, store.RosterImport{County: demo.County, Department: r.dept, Kind: r.kind,
		FileName: filepath.Base(r.path), File: f, Size: r.size, By: crosscheck.Actor{Name: "bench"}})
	if err != nil {
		return measure{}, nil, err
	}
	return measure{time.Since(t0), cpuTime() - c0}, up, nil
}

// benchManual runs the comparison as a clerk would by hand: import the CSV
// into a table with the database's own shell, then the NOT EXISTS queries
// (the registry's members missing from the roster; the roster's rows
// missing from the registry).
func benchManual(ctx context.Context, dsn string, r *benchRoster) (measure, error) {
	cols := strings.Join(r.cols, " TEXT, ") + " TEXT"
	unknownSQL := `SELECT r.* FROM roster r WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id_number = r.id_number)`
	var cmd *exec.Cmd
	var script string
	if strings.HasPrefix(dsn, "postgres") {
		script = "\\set ON_ERROR_STOP on\nCREATE TEMP TABLE roster (" + cols + ");\n" +
			"\\copy roster FROM '" + r.path + "' WITH (FORMAT csv, HEADER true)\n\\o /dev/null\n" +
			r.alertSQL + ";\n" + unknownSQL + ";\n"
		cmd = exec.CommandContext(ctx, "psql", "-X", "-q", dsn)
	} else {
		// SQLite plans the correlated NOT EXISTS as a scan of the roster for
		// every member (no automatic index): the index a clerk adds after
		// the import is part of the comparison.
		script = ".bail on\nCREATE TEMP TABLE roster (" + cols + ");\n.mode csv\n.import --skip 1 " + r.path + " roster\n" +
			"CREATE INDEX temp.roster_id ON roster (id_number);\n.output /dev/null\n" +
			r.alertSQL + ";\n" + unknownSQL + ";\n"
		cmd = exec.CommandContext(ctx, "sqlite3", dsn)
	}
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return measure{}, fmt.Errorf("%s: %v: %s", cmd.Path, err, stderr.String())
	}
	return measure{time.Since(t0), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// benchFloor is the least any program can do: load the registry's ID
// numbers into a hash set, read the CSV and probe the set for every row.
// It returns the whole time and the time of reading and probing alone.
func benchFloor(ctx context.Context, dsn string, r *benchRoster) (total measure, probe time.Duration, err error) {
	t0, c0 := time.Now(), cpuTime()
	raw, err := rawOpen(dsn)
	if err != nil {
		return measure{}, 0, err
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT id_number FROM members WHERE county = '`+demo.County+`'`)
	if err != nil {
		return measure{}, 0, err
	}
	set := make(map[string]struct{}, 1<<20)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return measure{}, 0, err
		}
		set[id] = struct{}{}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return measure{}, 0, err
	}
	t1 := time.Now()
	f, err := os.Open(r.path)
	if err != nil {
		return measure{}, 0, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	matched := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return measure{}, 0, err
		}
		if _, ok := set[rec[0]]; ok {
			matched++
		}
	}
	if matched == 0 {
		return measure{}, 0, fmt.Errorf("floor matched nothing")
	}
	return measure{time.Since(t0), cpuTime() - c0}, time.Since(t1), nil
}
