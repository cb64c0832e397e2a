package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/store"
	"sanbao/internal/web"
)

// benchPages measures the web interface at county scale: the household
// list page against the JSON API for the same query (p50/p95, the ratio of
// p95s), the list page's weight on the wire (HTML, stylesheet and script,
// gzip), and the cost of a login (argon2id, directly and through the form).
func benchPages(ctx context.Context, e *env, args []string) error {
	fs, bf := benchFlagSet(e, "pages", 200)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, nh, nm, err := bf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	dsn, key, queries := bf.dsn, bf.key, bf.queries
	token, err := benchToken(ctx, db)
	if err != nil {
		return err
	}
	password := web.GeneratePassword()
	acc, err := db.AccountByUsername(ctx, "bench-county")
	if err != nil {
		return err
	}
	if err := db.ResetPassword(cliActor(ctx), nil, acc.ID, password); err != nil {
		return err
	}
	samples, err := sampleMembers(ctx, db, nm, *queries, 7)
	if err != nil {
		return err
	}
	base, stop, err := benchServer(ctx, e, *dsn, *key)
	if err != nil {
		return err
	}
	defer stop()

	// Login cost: argon2id alone, and the whole form round trip.
	hash, _ := auth.HashPassword(password)
	var verify, form latencies
	for i := 0; i < 20; i++ {
		t0 := time.Now()
		auth.VerifyPassword(hash, password)
		verify = append(verify, time.Since(t0))
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := 0; i < 10; i++ {
		t0 := time.Now()
		resp, err := browser.PostForm(base+"/login", url.Values{"username": {"bench-county"}, "password": {password}})
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("login: %d", resp.StatusCode)
		}
		form = append(form, time.Since(t0))
	}
	apiClient := &http.Client{Transport: bearerTransport{token, &http.Transport{MaxIdleConnsPerHost: 4}}}

	get := func(c *http.Client, u string) (time.Duration, error) {
		t0 := time.Now()
		resp, err := c.Get(u)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		return time.Since(t0), err
	}
	kinds := []struct {
		name   string
		params func(s benchSample) url.Values
	}{
		{"全县第一页", func(s benchSample) url.Values { return url.Values{} }},
		{"村", func(s benchSample) url.Values { return url.Values{"region": {s.village}} }},
		{"村+监测户", func(s benchSample) url.Values { return url.Values{"region": {s.village}, "category": {"monitored"}} }},
		{"姓名（全县）", func(s benchSample) url.Values { return url.Values{"q": {s.name}} }},
		{"翻到第11页", func(s benchSample) url.Values { return url.Values{"region": {s.village[:9]}, "offset": {"500"}} }},
	}
	fmt.Fprintf(e.stdout, "\n农户名单页面与接口（%s，%d 户，%d 人，每类 %d 次，每页50条并统计总数，均经gzip传输）\n", db.Dialect(), nh, nm, *queries)
	fmt.Fprintf(e.stdout, "%-14s %10s %10s %10s %10s %10s\n", "类别", "页面p50", "页面p95", "接口p50", "接口p95", "页面/接口")
	for _, k := range kinds {
		var page, api latencies
		for _, s := range samples {
			q := k.params(s).Encode()
			d, err := get(browser, base+"/households?"+q)
			if err != nil {
				return err
			}
			page = append(page, d)
			d, err = get(apiClient, base+"/api/v1/households?"+q)
			if err != nil {
				return err
			}
			api = append(api, d)
		}
		fmt.Fprintf(e.stdout, "%-14s %8.2fms %8.2fms %8.2fms %8.2fms %9.2f×\n", k.name, ms(page.pct(.5)), ms(page.pct(.95)),
			ms(api.pct(.5)), ms(api.pct(.95)), float64(page.pct(.95))/float64(api.pct(.95)))
	}

	// Pages with no JSON twin: the county's home page (counts by category
	// and type) and its region page (counts per township).
	for _, p := range []struct{ name, path string }{{"首页（全县统计）", "/"}, {"区域页（全县各乡镇）", "/regions/141121000000"}} {
		var l latencies
		for i := 0; i < 20; i++ {
			d, err := get(browser, base+p.path)
			if err != nil {
				return err
			}
			l = append(l, d)
		}
		fmt.Fprintf(e.stdout, "%-14s %8.2fms %8.2fms\n", p.name, ms(l.pct(.5)), ms(l.pct(.95)))
	}

	// Weight of the county's first list page on the wire.
	wire := func(path string) (raw, gz int, body string, err error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := browser.Transport.RoundTrip(withCookies(req, jar))
		if err != nil {
			return 0, 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		plain, _ := gunzip(b)
		return len(plain), len(b), string(plain), nil
	}
	raw, gz, html, err := wire("/households")
	if err != nil {
		return err
	}
	totalRaw, totalGz := raw, gz
	fmt.Fprintf(e.stdout, "\n名单页面传输量（县级账号，全县第一页，50户）\n  %-28s %7d 字节，gzip %6d 字节\n", "/households", raw, gz)
	for _, asset := range regexp.MustCompile(`/static/[a-z.]+\?v=[0-9a-f]+`).FindAllString(html, -1) {
		r, g, _, err := wire(asset)
		if err != nil {
			return err
		}
		totalRaw, totalGz = totalRaw+r, totalGz+g
		fmt.Fprintf(e.stdout, "  %-28s %7d 字节，gzip %6d 字节\n", asset, r, g)
	}
	fmt.Fprintf(e.stdout, "  %-28s %7d 字节，gzip %6d 字节（上限 102400）\n", "合计", totalRaw, totalGz)
	fmt.Fprintf(e.stdout, "\n登录耗时（argon2id m=%d KiB, t=%d, p=%d）\n  校验密码 p50 %.1fms p95 %.1fms；登录表单往返 p50 %.1fms p95 %.1fms\n",
		auth.PasswordParams.Memory, auth.PasswordParams.Time, auth.PasswordParams.Threads,
		ms(verify.pct(.5)), ms(verify.pct(.95)), ms(form.pct(.5)), ms(form.pct(.95)))
	return nil
}

func withCookies(r *http.Request, jar http.CookieJar) *http.Request {
	for _, c := range jar.Cookies(r.URL) {
		r.AddCookie(c)
	}
	return r
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b, err
	}
	return io.ReadAll(zr)
}

// benchSample is a real member of the demo county to ask for.
type benchSample struct{ name, surname, id, village string }

// sampleMembers picks n members at random (a fixed seed: the same ones on
// every run) among the nm member ids.
func sampleMembers(ctx context.Context, db *store.DB, nm int64, n int, seed uint64) ([]benchSample, error) {
	rng := rand.New(rand.NewPCG(seed, seed))
	var out []benchSample
	for len(out) < n {
		m, err := db.Member(ctx, store.Everywhere, 1+rng.Int64N(nm))
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		h, err := db.Household(ctx, store.Everywhere, m.HouseholdID)
		if err != nil {
			return nil, err
		}
		out = append(out, benchSample{m.Name, string([]rune(m.Name)[:1]), m.IDNumber, h.RegionCode})
	}
	return out, nil
}

// benchServer runs the real server on a free loopback port until stop.
func benchServer(ctx context.Context, e *env, dsn, key string) (base string, stop func(), err error) {
	ready := make(chan string, 1)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	quiet := &env{stdout: io.Discard, stderr: io.Discard, getenv: e.getenv}
	go func() {
		done <- serve(sctx, quiet, serveConfig{Addr: "127.0.0.1:0", DB: dsn, AuditKey: key, LogLevel: "error"}, ready)
	}()
	select {
	case a := <-ready:
		return "http://" + a, func() { cancel(); <-done }, nil
	case err := <-done:
		cancel()
		return "", nil, err
	}
}

// benchFlags are the flags every bench has.
type benchFlags struct {
	dsn, key            *string
	households, queries *int
}

func benchFlagSet(e *env, name string, queries int) (*flag.FlagSet, benchFlags) {
	fs := flagSet(e, "bench "+name, "[--db DSN] [--households N] [--queries N]")
	return fs, benchFlags{dsn: dbFlag(fs, e), key: keyFlag(fs),
		households: fs.Int("households", 300000, "households of the demo county (generated if the database has none)"),
		queries:    fs.Int("queries", queries, "requests of each kind")}
}

// open opens the database, generates the demo county if it has none, and
// counts its households and members.
func (b benchFlags) open(ctx context.Context, e *env) (db *store.DB, households, members int64, err error) {
	db, _, err = openDBKey(ctx, *b.dsn, *b.key, e.stdout)
	if err != nil {
		return nil, 0, 0, err
	}
	if _, err := loadDemo(ctx, db, demoConfig{Households: *b.households, Seed: 1}, e.stdout); err != nil {
		db.Close()
		return nil, 0, 0, err
	}
	households, members, err = db.Counts(ctx, store.Everywhere)
	if err != nil {
		db.Close()
		return nil, 0, 0, err
	}
	return db, households, members, nil
}
