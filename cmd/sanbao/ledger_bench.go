package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/demo"
	"sanbao/internal/ledger"
	"sanbao/internal/ledgerfile"
	"sanbao/internal/store"
	"sanbao/internal/web"
)

// benchLedger measures the ledger at county scale: a generated county of
// --problems problems (deterministic), the list with each kind of filter
// through the API and through the store, against the bare indexed query
// (ids only, same WHERE and ORDER) in the same run; then the export of
// --export rows in the official template, its time and peak memory.
func benchLedger(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "bench ledger", "[--db DSN] [--problems N] [--queries N] [--export N]")
	dsn := dbFlag(fs, e)
	problems := fs.Int("problems", 200000, "problems of the demo county (generated if the database has none)")
	queries := fs.Int("queries", 200, "queries of each kind (0: skip the list)")
	exportRows := fs.Int("export", 100000, "rows to export in the official template (0: skip)")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Clock = clock.NewManual(demoLedgerNow)
	made, err := loadLedgerDemo(ctx, db, *problems, 1, e)
	if err != nil {
		return err
	}
	if made && db.Dialect() == store.Postgres {
		// A server with synchronous_commit off (the test cluster) sets no
		// visibility bits for rows whose commit is not yet on disk; vacuum
		// again once the WAL writer has flushed, so that counts are
		// index-only scans, as they are on a server that commits
		// synchronously.
		time.Sleep(time.Second)
		if err := db.AnalyzeLedger(ctx); err != nil {
			return err
		}
	}
	county := store.ScopeOf(demo.County + "000000")
	all, err := db.ListProblems(ctx, county, store.ProblemFilter{Limit: 1})
	if err != nil {
		return err
	}
	if n, err := db.CheckOverdue(ctx, county); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(e.stdout, "时限检查：新列入问责 %d 件\n", n)
	}
	villages, err := demoVillages(ctx, db)
	if err != nil {
		return err
	}
	taskForces, leadUnits, err := db.LedgerNames(ctx, county)
	if err != nil {
		return err
	}

	// The API, in process, on the loopback.
	srv := web.New(db, logger(io.Discard, "error"))
	token, err := benchToken(ctx, db)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, l) }()
	defer func() { cancel(); <-done }()
	base := "http://" + l.Addr().String() + "/api/v1/problems?"
	client := &http.Client{Transport: bearerTransport{token, &http.Transport{MaxIdleConnsPerHost: 4}}}

	rng := rand.New(rand.NewPCG(7, 7))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	dims := []string{ledger.DimEducation, ledger.DimMedical, ledger.DimHousing, ledger.DimWater, ledger.DimSafetyNet}
	type kind struct {
		name string
		make func() url.Values
	}
	kinds := []kind{
		{"全县", func() url.Values { return url.Values{} }},
		{"村", func() url.Values { return url.Values{"region": {pick(villages)}} }},
		{"乡镇+问题类别", func() url.Values { return url.Values{"region": {pick(villages)[:9]}, "dimension": {pick(dims)}} }},
		{"牵头单位", func() url.Values { return url.Values{"lead_unit": {pick(leadUnits)}} }},
		{"专班+整改结果", func() url.Values { return url.Values{"task_force": {pick(taskForces)}, "result": {"整改完成"}} }},
		{"全县逾期（最急在前）", func() url.Values { return url.Values{"due": {"overdue"}, "order": {"due"}} }},
		{"乡镇逾期", func() url.Values { return url.Values{"region": {pick(villages)[:9]}, "due": {"overdue"}} }},
		{"整改环节临期", func() url.Values {
			return url.Values{"stage": {pick([]string{"rectify_ordinary", "rectify_major"})}, "due": {"due_soon"}}
		}},
		{"村待办（核实、整改中）", func() url.Values {
			return url.Values{"region": {pick(villages)}, "state": {"reported,planned"}, "order": {"due"}}
		}},
		{"问责名单", func() url.Values { return url.Values{"accountable": {"true"}, "order": {"flagged"}} }},
	}
	filterOf := func(q url.Values) store.ProblemFilter {
		f := store.ProblemFilter{Region: q.Get("region"), Dimension: q.Get("dimension"), LeadUnit: q.Get("lead_unit"),
			TaskForce: q.Get("task_force"), Result: q.Get("result"), Due: deadline.State(q.Get("due")), Stage: q.Get("stage"),
			Order: q.Get("order"), Accountable: q.Get("accountable") == "true"}
		if s := q.Get("state"); s != "" {
			for _, x := range strings.Split(s, ",") {
				f.States = append(f.States, ledger.State(x))
			}
		}
		return f
	}
	if *queries <= 0 {
		kinds = nil
	} else {
		fmt.Fprintf(e.stdout, "\n问题台账列表（%s，全县 %d 个问题，每类 %d 次，每页50条并统计总数；时钟 %s）\n",
			db.Dialect(), all.Total, *queries, demoLedgerNow.Format("2006-01-02 15:04"))
		fmt.Fprintf(e.stdout, "%-22s %8s %9s %9s %9s %11s %11s %9s\n", "筛选", "命中中位", "API p50", "API p95", "API p99", "store p95", "裸查询p95", "API/裸查询")
	}
	// 裸查询: the same SQL (ids of the page, and the count) without decoding rows, JSON or HTTP.
	for _, k := range kinds {
		var api, direct, bare latencies
		var totals []int
		for i := 0; i < *queries; i++ {
			q := k.make()
			// Warm: the three measures below read the same pages; without
			// this the first of them would pay the disk reads alone.
			if _, err := db.ListProblems(ctx, county, filterOf(q)); err != nil {
				return err
			}
			t0 := time.Now()
			resp, err := client.Get(base + q.Encode())
			if err != nil {
				return err
			}
			var page struct {
				Total int `json:"total"`
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				return fmt.Errorf("GET %s: %d %v", q.Encode(), resp.StatusCode, err)
			}
			api = append(api, time.Since(t0))
			totals = append(totals, page.Total)
			f := filterOf(q)
			t0 = time.Now()
			if _, err := db.ListProblems(ctx, county, f); err != nil {
				return err
			}
			direct = append(direct, time.Since(t0))
			t0 = time.Now()
			if _, _, err := db.ProblemIDs(ctx, county, f, 50); err != nil {
				return err
			}
			bare = append(bare, time.Since(t0))
		}
		sort.Ints(totals)
		fmt.Fprintf(e.stdout, "%-22s %8d %7.2fms %7.2fms %7.2fms %9.2fms %9.2fms %8.1f×\n", k.name, totals[len(totals)/2],
			ms(api.pct(.5)), ms(api.pct(.95)), ms(api.pct(.99)), ms(direct.pct(.95)), ms(bare.pct(.95)),
			float64(api.pct(.95))/float64(bare.pct(.95)))
	}
	if *exportRows > 0 {
		return benchLedgerExport(ctx, e, db, county, *exportRows)
	}
	return nil
}

var errEnough = errors.New("enough rows")

// benchLedgerExport writes the first n problems of the county in the
// official template to a temporary file: time, file size, and peak memory
// (Go heap sampled every 10 ms; the process's peak resident set, reset
// before the export where Linux allows it), against reading the same rows
// without writing them.
func benchLedgerExport(ctx context.Context, e *env, db *store.DB, county store.Scope, n int) error {
	read := func(fn func(p *ledger.Problem) error) (int, error) {
		rows := 0
		err := db.EachProblem(ctx, county, store.ProblemFilter{}, func(p *ledger.Problem) error {
			if rows == n {
				return errEnough
			}
			rows++
			return fn(p)
		})
		if errors.Is(err, errEnough) {
			err = nil
		}
		return rows, err
	}
	runtime.GC()
	t0 := time.Now()
	rows, err := read(func(*ledger.Problem) error { return nil })
	if err != nil {
		return err
	}
	readTime := time.Since(t0)

	dir, err := os.MkdirTemp("", "sanbao-bench-ledger")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ledger.xlsx")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	resetPeakRSS()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := base.HeapInuse
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	t0 = time.Now()
	w := bufio.NewWriterSize(f, 1<<20)
	x, err := ledgerfile.NewExport(w, ledger.TemplateTitle("文水县", 2024), ledger.Header{FilledBy: "基准测试", Date: deadline.Day(demoLedgerNow)})
	if err != nil {
		return err
	}
	if _, err := read(x.Add); err != nil {
		return err
	}
	if err := x.Close(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	took := time.Since(t0)
	close(stop)
	<-sampled
	st, _ := f.Stat()
	fmt.Fprintf(e.stdout, "\n导出官方模板（%s）：%d 行，用时 %.2f 秒（只读取同样的行 %.2f 秒，%.1f×），文件 %.1f MB\n",
		db.Dialect(), rows, took.Seconds(), readTime.Seconds(), took.Seconds()/readTime.Seconds(), float64(st.Size())/(1<<20))
	fmt.Fprintf(e.stdout, "峰值内存：Go 堆 %.0f MB（导出前 %.0f MB）", float64(peak)/(1<<20), float64(base.HeapInuse)/(1<<20))
	if rss := peakRSS(); rss > 0 {
		fmt.Fprintf(e.stdout, "，进程常驻内存峰值 %.0f MB", float64(rss)/(1<<20))
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// resetPeakRSS resets the process's peak resident set size (Linux).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads the process's peak resident set size in bytes (Linux), 0
// when unknown.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
