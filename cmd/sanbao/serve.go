package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"time"

	"sanbao/internal/web"
)

type serveConfig struct {
	Addr          string
	DB            string
	AuditKey      string
	Demo          bool
	Households    int
	Seed          uint64
	LogLevel      string
	SecureCookies bool
	TrustProxy    bool
}

func parseServe(e *env, args []string) (serveConfig, error) {
	fs := flagSet(e, "serve", "[--addr HOST:PORT] [--db DSN] [--demo]")
	var c serveConfig
	def := e.getenv("SANBAO_ADDR")
	if def == "" {
		def = "127.0.0.1:8080"
	}
	fs.StringVar(&c.Addr, "addr", def, "address to listen on (env SANBAO_ADDR)")
	dsn := dbFlag(fs, e)
	key := keyFlag(fs)
	fs.BoolVar(&c.Demo, "demo", false, "generate the demo county and its demo accounts on first start")
	fs.IntVar(&c.Households, "households", 30000, "households of the demo county")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the demo county")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark the session cookie Secure (when a proxy terminates HTTPS)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For and the scheme from X-Forwarded-Proto (only behind a proxy)")
	if err := parse(fs, args); err != nil {
		return c, err
	}
	c.DB, c.AuditKey = *dsn, *key
	return c, nil
}

// serve runs the server until ctx ends. ready, if not nil, receives the
// address actually bound (useful with port 0). Every request is
// authenticated: sessions for pages, bearer tokens for the API.
func serve(ctx context.Context, e *env, c serveConfig, ready chan<- string) error {
	log := logger(e.stderr, c.LogLevel)
	db, key, err := openDBKey(ctx, c.DB, c.AuditKey, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.Demo {
		if _, err := loadDemo(ctx, db, demoConfig{DB: c.DB, Households: c.Households, Seed: c.Seed}, e.stdout); err != nil {
			return err
		}
		if err := ensureDemoAccounts(ctx, db, e.stdout); err != nil {
			return err
		}
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	s := web.New(db, log)
	s.CSRFKey = deriveKey(key, "csrf")
	s.SecureCookies, s.TrustProxy = c.SecureCookies, c.TrustProxy
	go purgeSessions(ctx, s)
	fmt.Fprintf(e.stdout, "Sanbao 已启动（%s）：http://%s/\n", db.Dialect(), l.Addr())
	if host, _, _ := net.SplitHostPort(l.Addr().String()); !c.SecureCookies && !net.ParseIP(host).IsLoopback() {
		fmt.Fprintln(e.stdout, "提示：正在本机以外的地址上提供服务，请在 HTTPS 反向代理之后运行，并加 --secure-cookies（及 --trust-proxy）")
	}
	if ready != nil {
		ready <- l.Addr().String()
	}
	return s.Serve(ctx, l)
}

// purgeSessions deletes expired sessions every hour.
func purgeSessions(ctx context.Context, s *web.Server) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.DB.PurgeSessions(ctx); err != nil {
				s.Log.Warn("purge sessions", "err", err)
			}
		}
	}
}

func init() {
	register(command{"serve", "run the web server (embedded SQLite by default)", func(ctx context.Context, e *env, args []string) error {
		c, err := parseServe(e, args)
		if err != nil {
			return err
		}
		return serve(ctx, e, c, nil)
	}})
	_ = flag.ErrHelp
}
