package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/demo"
	"sanbao/internal/screening"
	"sanbao/internal/store"
)

func init() {
	register(command{"rules", "run the screening rules over a region (sanbao rules run --region CODE)", func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || args[0] != "run" {
			fmt.Fprintln(e.stderr, "usage: sanbao rules run --region CODE [--campaign ID] [--db DSN]")
			return errUsage
		}
		fs := flagSet(e, "rules run", "--region CODE [--campaign ID] [--db DSN]")
		dsn := dbFlag(fs, e)
		code := fs.String("region", "", "12-digit (or shorter) code of a county or a township or village inside one")
		campaign := fs.Int64("campaign", 0, "screen the dimensions of this campaign as of its start (default: routine screening, every dimension, today)")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *code == "" {
			fmt.Fprintln(e.stderr, "sanbao rules run: --region is required")
			return errUsage
		}
		db, err := openDB(ctx, *dsn, e.stdout)
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := db.RunRules(cliActor(ctx), store.Everywhere, store.RunOptions{Region: *code, CampaignID: *campaign, ByName: "命令行", Roster: db.RosterOverlay(ctx)})
		if err != nil {
			return err
		}
		printRun(e.stdout, db, res)
		return nil
	}})
}

func printRun(w io.Writer, db *store.DB, res *store.RunResult) {
	fmt.Fprintf(w, "排查规则已运行（第%d次，%s，范围%s，参考日%s）：%d 户 %d 人，用时 %.2f 秒\n",
		res.ID, db.Dialect(), res.Region, res.RefDate, res.Households, res.Members, res.FinishedAt.Sub(res.StartedAt).Seconds())
	fmt.Fprintf(w, "问题线索 %d 条：新发现 %d 条，仍存在 %d 条；已消除 %d 条", res.Findings, res.Raised, res.Kept, res.Resolved)
	if !res.TownshipPass {
		fmt.Fprint(w, "（未运行乡镇收入最低20%比较：范围须为乡镇或县）")
	}
	fmt.Fprintln(w)
}

// demoVisit makes a visit of the housing, water, income and medical
// items for a demo household, with facts that leave about 0.5–1% of
// households with a problem of each kind (and, by definition, the lowest
// 20% of each township by income).
func demoVisit(rng *rand.Rand, in *screening.Input, at time.Time) *screening.Visit {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	id, _ := screening.NewVisitID(strings.NewReader(string(b[:])))
	n := float64(len(in.Members))
	if n == 0 {
		n = 1
	}
	rare := func(n int) bool { return rng.IntN(n) == 0 }
	grade := []string{"A", "B"}[rng.IntN(2)]
	if rare(150) {
		grade = []string{"C", "D"}[rng.IntN(2)]
	}
	tap := !rare(10)
	litres, supply := float64(20+rng.IntN(80)), float64(90+rng.IntN(11))
	if rare(200) {
		litres = 15
	}
	if rare(200) {
		supply = 85
	}
	pc := float64(7900 + rng.IntN(30000))
	if rare(100) {
		pc -= 2000
	}
	last := pc * (1 + float64(rng.IntN(20))/100)
	if rare(100) {
		last = pc * 1.6
	}
	facts := screening.FactSet{
		"house_grade": grade, "water_quality_ok": !rare(300), "water_litres": litres,
		"tap_water": tap, "supply_rate": supply, "food_ok": true, "clothing_ok": true,
		"income_wage": pc * n, "income_operating": 0.0, "income_property": 0.0, "income_transfer": 600.0, "eligible_expenses": 600.0,
		"last_year_per_capita": last,
	}
	if !tap {
		facts["fetch_minutes"], facts["distance_h"], facts["distance_v"] = float64(rng.IntN(30)), float64(rng.IntN(1200)), float64(rng.IntN(100))
	}
	v := &screening.Visit{ID: id, HouseholdID: in.Household.ID, Dimensions: []string{"medical", "housing", "water", "food_clothing", "income"},
		Cadre: "演示干部", VisitedAt: at.Add(-time.Hour), Facts: facts,
		Answers: []screening.Answer{{Item: "house_grade", Result: screening.ResultMet}, {Item: "water_quality", Result: screening.ResultMet}}}
	if grade >= "C" {
		v.Answers[0] = screening.Answer{Item: "house_grade", Result: screening.ResultNotMet, Note: "房屋墙体开裂"}
	}
	for _, m := range in.Members {
		v.Members = append(v.Members, screening.MemberFactSet{MemberID: m.ID, Facts: screening.FactSet{
			"insured": m.Insured || !rare(2), "family_doctor": !rare(500)}})
	}
	return v
}

// peak samples the Go heap and resets the process's peak resident set, to
// measure one phase's peak memory.
type peak struct {
	heap atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func startPeak() *peak {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM on Linux
	p := &peak{stop: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(p.done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > p.heap.Load() {
				p.heap.Store(v)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// end returns the peak Go heap and the peak resident set (0 if unknown), in MiB.
func (p *peak) end() (heap, rss float64) {
	close(p.stop)
	<-p.done
	return float64(p.heap.Load()) / (1 << 20), float64(vmHWM()) / 1024
}

// vmHWM reads the peak resident set in KiB from /proc/self/status.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// benchRules measures a rules run over the demo county (every rule and the
// township pass, loading included, findings written) against the floor of
// reading the same households and members through the same driver.
func benchRules(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "bench rules", "[--db DSN] [--households N] [--visited F] [--runs N]")
	dsn := dbFlag(fs, e)
	households := fs.Int("households", 300000, "households of the demo county (generated if the database has none)")
	visited := fs.Float64("visited", 1, "share of households given a signed visit with facts (generated once)")
	runs := fs.Int("runs", 3, "runs after the first")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *visited < 0 || *visited > 1 || *runs < 1 {
		return apperr.New(apperr.Invalid, "--visited 应在0到1之间，--runs 至少为1")
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := loadDemo(ctx, db, demoConfig{Households: *households, Seed: 1}, e.stdout); err != nil {
		return err
	}
	county := demo.County + "000000"
	rng := rand.New(rand.NewPCG(7, 7))
	at := db.Clock.Now()
	t0 := time.Now()
	nv, err := db.DemoVisits(cliActor(ctx), county, func(in *screening.Input) *screening.Visit {
		if rng.Float64() >= *visited {
			return nil
		}
		return demoVisit(rng, in, at)
	})
	if err != nil {
		return err
	}
	if nv > 0 {
		fmt.Fprintf(e.stdout, "已生成签字走访 %d 条（用时 %.1f 秒）\n", nv, time.Since(t0).Seconds())
		if err := db.Analyze(ctx); err != nil {
			return err
		}
	}
	sc := store.ScopeOf(county)
	// Warm the caches once: every figure below is with the data in memory.
	if _, _, _, err := db.ScanRegistry(ctx, sc); err != nil {
		return err
	}
	t0 = time.Now()
	nh, nm, err := db.Counts(ctx, sc)
	if err != nil {
		return err
	}
	countTime := time.Since(t0)
	var scans, scanCPUs []time.Duration
	for i := 0; i < *runs; i++ {
		c0 := cpuTime()
		_, _, d, err := db.ScanRegistry(ctx, sc)
		if err != nil {
			return err
		}
		scans, scanCPUs = append(scans, d), append(scanCPUs, cpuTime()-c0)
	}
	pk := startPeak()
	_, _, _, err = db.ScanRegistry(ctx, sc)
	scanHeap, scanRSS := pk.end()
	if err != nil {
		return err
	}
	scan := median(scans)

	type runFig struct {
		d, cpu    time.Duration
		heap, rss float64
		res       *store.RunResult
	}
	one := func() (runFig, error) {
		pk := startPeak()
		c0, t0 := cpuTime(), time.Now()
		res, err := db.RunRules(cliActor(ctx), sc, store.RunOptions{Region: county, ByName: "bench"})
		d, cpu := time.Since(t0), cpuTime()-c0
		heap, rss := pk.end()
		return runFig{d, cpu, heap, rss, res}, err
	}
	first, err := one()
	if err != nil {
		return err
	}
	var steady []runFig
	for i := 0; i < *runs; i++ {
		f, err := one()
		if err != nil {
			return err
		}
		steady = append(steady, f)
	}
	sort.Slice(steady, func(i, j int) bool { return steady[i].d < steady[j].d })
	mid := steady[len(steady)/2]
	facts, err := db.CountHouseholdFacts(ctx, sc)
	if err != nil {
		return err
	}
	w := e.stdout
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(w, "\n排查规则运行（%s，文水县 %d 户 %d 人，其中 %d 户有签字走访事实；%d 核，负载 %s）\n", db.Dialect(), nh, nm, facts,
		runtime.NumCPU(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Fprintf(w, "%-34s %10s %10s %12s %12s %8s\n", "", "用时", "本进程CPU", "Go堆峰值", "RSS峰值", "/基线")
	fmt.Fprintf(w, "%-34s %8.0fms %10s %12s %12s %8s\n", "基线：SELECT count(*) 户+人", ms(countTime), "", "", "", "")
	fmt.Fprintf(w, "%-34s %8.0fms %8.0fms %10.1fMB %10.1fMB %7.2f×\n", "基线：全表读取 户+人（所需列）", ms(scan), ms(median(scanCPUs)),
		scanHeap, scanRSS, 1.0)
	fmt.Fprintf(w, "%-34s %8.0fms %8.0fms %10.1fMB %10.1fMB %7.2f×\n", fmt.Sprintf("规则运行（本次第1次，新发现 %d 条）", first.res.Raised),
		ms(first.d), ms(first.cpu), first.heap, first.rss, float64(first.d)/float64(scan))
	fmt.Fprintf(w, "%-34s %8.0fms %8.0fms %10.1fMB %10.1fMB %7.2f×\n", fmt.Sprintf("规则运行（其后%d次的中位数）", len(steady)),
		ms(mid.d), ms(mid.cpu), mid.heap, mid.rss, float64(mid.d)/float64(scan))
	fmt.Fprintf(w, "问题线索 %d 条；每次运行读 %d 户 %d 人\n", mid.res.Findings, mid.res.Households, mid.res.Members)
	return nil
}

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
