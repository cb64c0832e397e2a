package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"sanbao/internal/store"
)

// benches are the figures `sanbao bench NAME` measures at scale; their
// results are recorded in docs/BENCHMARKS.md.
var benches = map[string]func(ctx context.Context, e *env, args []string) error{
	"search":     benchSearch,
	"rules":      benchRules,
	"pages":      benchPages,
	"ledger":     benchLedger,
	"import":     benchImport,
	"crosscheck": benchCrossCheck,
}

func init() {
	register(command{"bench", "measure a figure at scale (sanbao bench search|...)", func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || benches[args[0]] == nil {
			fmt.Fprintln(e.stderr, "usage: sanbao bench <name> [flags]; names:")
			for n := range benches {
				fmt.Fprintln(e.stderr, "  "+n)
			}
			return errUsage
		}
		return benches[args[0]](ctx, e, args[1:])
	}})
}

// latencies summarises a set of durations.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchSearch measures household search through the API at county scale:
// by full name, by surname, by ID number and by village, each p50/p95/p99,
// against the same store query called directly (no HTTP, no JSON).
func benchSearch(ctx context.Context, e *env, args []string) error {
	fs, bf := benchFlagSet(e, "search", 300)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, nh, nm, err := bf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	dsn, queries := bf.dsn, bf.queries
	samples, err := sampleMembers(ctx, db, nm, *queries, 42)
	if err != nil {
		return err
	}
	base, stop, err := benchServer(ctx, e, *dsn, *bf.key)
	if err != nil {
		return err
	}
	defer stop()
	token, err := benchToken(ctx, db)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: bearerTransport{token, &http.Transport{MaxIdleConnsPerHost: 4}}}
	county := store.ScopeOf("141121000000")
	kinds := []struct {
		name   string
		params func(s benchSample) url.Values
		filter func(s benchSample) store.HouseholdFilter
	}{
		{"姓名", func(s benchSample) url.Values { return url.Values{"q": {s.name}} }, func(s benchSample) store.HouseholdFilter { return store.HouseholdFilter{Q: s.name} }},
		{"身份证号", func(s benchSample) url.Values { return url.Values{"q": {s.id}} }, func(s benchSample) store.HouseholdFilter { return store.HouseholdFilter{Q: s.id} }},
		{"村", func(s benchSample) url.Values { return url.Values{"region": {s.village}} }, func(s benchSample) store.HouseholdFilter { return store.HouseholdFilter{Region: s.village} }},
		{"村+姓氏", func(s benchSample) url.Values { return url.Values{"region": {s.village}, "q": {s.surname}} }, func(s benchSample) store.HouseholdFilter {
			return store.HouseholdFilter{Region: s.village, Q: s.surname}
		}},
		{"姓氏（全县）", func(s benchSample) url.Values { return url.Values{"q": {s.surname}} }, func(s benchSample) store.HouseholdFilter { return store.HouseholdFilter{Q: s.surname} }},
	}
	fmt.Fprintf(e.stdout, "\n农户搜索（%s，%d 户，%d 人，每类 %d 次，每页50条并统计总数）\n", db.Dialect(), nh, nm, *queries)
	fmt.Fprintf(e.stdout, "%-14s %10s %10s %10s %12s %10s\n", "类别", "API p50", "API p95", "API p99", "直接查询p95", "API/直接")
	for _, k := range kinds {
		var api, direct latencies
		for _, s := range samples {
			u := base + "/api/v1/households?" + k.params(s).Encode()
			t0 := time.Now()
			resp, err := client.Get(u)
			if err != nil {
				return err
			}
			var page struct {
				Total int64 `json:"total"`
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				return fmt.Errorf("GET %s: %d %v", u, resp.StatusCode, err)
			}
			api = append(api, time.Since(t0))
			if page.Total < 1 {
				return fmt.Errorf("GET %s found nothing", u)
			}
			t0 = time.Now()
			if _, err := db.ListHouseholds(ctx, county, k.filter(s)); err != nil {
				return err
			}
			direct = append(direct, time.Since(t0))
		}
		fmt.Fprintf(e.stdout, "%-14s %8.2fms %8.2fms %8.2fms %10.2fms %9.2f×\n", k.name, ms(api.pct(.5)), ms(api.pct(.95)), ms(api.pct(.99)),
			ms(direct.pct(.95)), float64(api.pct(.95))/float64(direct.pct(.95)))
	}
	return nil
}
