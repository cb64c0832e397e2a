package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web"
	"sanbao/internal/web/webtest"
)

// shellDB is a database with the official regions, two villages of 刘胡兰镇
// and a manual clock.
func shellDB(t *testing.T, db *store.DB) *clock.Manual {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	db.Clock = clk
	if _, err := db.LoadOfficialRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(context.Background(), []region.Region{{Code: "141121104201", Name: "东堡村"}, {Code: "141121104202", Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
	return clk
}

func startShell(t *testing.T, db *store.DB, clk *clock.Manual) (*web.Server, string) {
	s, ts := webtest.Start(t, db)
	s.Clock = clk
	return s, ts.URL
}

func TestLoginLogoutAndForgery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		_, base := startShell(t, db, clk)

		// Anonymous: pages go to the login page and come back after.
		anon := webtest.NewBrowser(t, base)
		st, _, resp := anon.Get("/households?q=王")
		if st != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fhouseholds%3Fq%3D%E7%8E%8B" {
			t.Fatalf("anonymous page: %d %s", st, resp.Header.Get("Location"))
		}
		st, body, _ := anon.Post("/login", url.Values{"username": {"cadre"}, "password": {"wrong-pass-1"}})
		if st != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不正确") {
			t.Fatalf("wrong password: %d", st)
		}
		st, body, _ = anon.Post("/login", url.Values{"username": {"nobody"}, "password": {"wrong-pass-1"}})
		if st != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码不正确") {
			t.Fatalf("unknown user: %d", st)
		}
		st, _, resp = anon.Post("/login", url.Values{"username": {"cadre"}, "password": {webtest.Password}, "next": {"//evil.example/x"}})
		if st != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("login with a foreign next: %d %q", st, resp.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "sanbao" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Fatalf("session cookie: %+v", cookie)
		}
		b := webtest.Login(t, base, "cadre", "")
		if st, body, _ := b.Get("/"); st != 200 || !strings.Contains(body, "东堡村") || !strings.Contains(body, "村两委干部") {
			t.Fatalf("home: %d", st)
		}
		// A form without the token, with a wrong one, or from another site is refused.
		for name, req := range map[string]func() *http.Request{
			"no token": func() *http.Request {
				r, _ := http.NewRequest("POST", base+"/logout", strings.NewReader(""))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			},
			"wrong token": func() *http.Request {
				r, _ := http.NewRequest("POST", base+"/logout", strings.NewReader("csrf=AAAA"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			},
			"cross-site": func() *http.Request {
				r, _ := http.NewRequest("POST", base+"/logout", strings.NewReader("csrf="+b.CSRF()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				return r
			},
		} {
			st, body, _ := b.Do(req())
			if st != http.StatusForbidden || !strings.Contains(body, "跨站") {
				t.Errorf("%s: %d", name, st)
			}
		}
		if st, _, _ := b.Get("/"); st != 200 {
			t.Fatal("a refused logout logged out")
		}
		// Logout ends the session.
		if st, _, resp := b.Post("/logout", nil); st != http.StatusSeeOther || resp.Header.Get("Location") != "/login?bye=1" {
			t.Fatalf("logout: %d", st)
		}
		if st, _, _ := b.Get("/"); st != http.StatusSeeOther {
			t.Fatalf("after logout: %d", st)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	s, base := startShell(t, db, clk)
	s.LoginLimiter = auth.NewRateLimiter(time.Minute, 3, 100)
	b := webtest.NewBrowser(t, base)
	try := func(pw string) (int, string) {
		st, body, _ := b.Post("/login", url.Values{"username": {"cadre"}, "password": {pw}})
		return st, body
	}
	for i := 0; i < 3; i++ {
		try("wrong-pass-1")
	}
	// Per address: the fourth attempt within the minute is refused before any check.
	if st, body := try(webtest.Password); st != http.StatusTooManyRequests || !strings.Contains(body, "过于频繁") {
		t.Fatalf("rate limit: %d", st)
	}
	// Per account: 5 failures lock it, whatever the address.
	clk.Advance(time.Hour)
	s.LoginLimiter = auth.NewRateLimiter(time.Millisecond, 100, 100)
	try("wrong-pass-1")
	try("wrong-pass-1")
	if st, body := try(webtest.Password); st != http.StatusTooManyRequests || !strings.Contains(body, "账号已锁定") {
		t.Fatalf("lockout: %d", st)
	}
	clk.Advance(16 * time.Minute)
	if st, _ := try(webtest.Password); st != http.StatusSeeOther {
		t.Fatalf("after the lock: %d", st)
	}
}

func TestSessionExpiryGoesToLogin(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	_, base := startShell(t, db, clk)
	b := webtest.Login(t, base, "cadre", "")
	clk.Advance(auth.SessionIdle + time.Minute)
	st, _, resp := b.Get("/households")
	if st != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "expired=1") {
		t.Fatalf("expired session: %d %s", st, resp.Header.Get("Location"))
	}
	if _, body, _ := b.Get(resp.Header.Get("Location")); !strings.Contains(body, "登录已超时") {
		t.Fatal("no expiry message on the login page")
	}
	// A form posted after expiry gets the login page, not a silent loss.
	b = webtest.Login(t, base, "cadre", "")
	clk.Advance(auth.SessionAbsolute)
	st, body, _ := b.Post("/logout", nil)
	if st != http.StatusUnauthorized || !strings.Contains(body, "重新登录") {
		t.Fatalf("post after expiry: %d", st)
	}
}

func TestStaticAndCompression(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	_, base := startShell(t, db, clk)
	b := webtest.NewBrowser(t, base)
	_, body, _ := b.Get("/login")
	i := strings.Index(body, "/static/app.css?v=")
	if i < 0 {
		t.Fatal("no stylesheet link")
	}
	link := body[i : i+strings.IndexByte(body[i:], '"')]
	req, _ := http.NewRequest("GET", base+link, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet headers: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !bytes.Contains(css, []byte("--red")) {
		t.Fatal("stylesheet body")
	}
	if resp, _ := http.Get(base + "/static/app.css?v=old"); resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatal("a stale link is cached for a year")
	}
	if !strings.Contains(http.Header(resp.Header).Get("Vary"), "Accept-Encoding") {
		t.Fatal("no Vary")
	}
}

// TestCookiesBehindProxy: behind a TLS-terminating proxy the session
// cookie is Secure with the __Host- prefix, and the audit trail records the
// client's address from X-Forwarded-For.
func TestCookiesBehindProxy(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	s, base := startShell(t, db, clk)
	s.TrustProxy = true
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"username": {"cadre"}, "password": {webtest.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.20")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 || cs[0].Name != "__Host-sanbao" || !cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("cookie behind a proxy: %d %+v", resp.StatusCode, cs)
	}
	p, _ := db.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: "login"})
	if len(p.Items) != 1 || p.Items[0].IP != "198.51.100.20" {
		t.Fatalf("login entry: %+v", p.Items)
	}
}
