package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"sanbao/internal/apperr"
	"sanbao/internal/web"
)

type serveConfig struct {
	Addr       string
	DB         string
	Demo       bool
	Households int
	Seed       uint64
	LogLevel   string
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
	fs.BoolVar(&c.Demo, "demo", false, "generate the demo county on first start")
	fs.IntVar(&c.Households, "households", 30000, "households of the demo county")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the demo county")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return c, err
	}
	c.DB = *dsn
	return c, nil
}

// serve runs the server until ctx ends. ready, if not nil, receives the
// address actually bound (useful with port 0).
func serve(ctx context.Context, e *env, c serveConfig, ready chan<- string) error {
	if !web.IsLoopback(c.Addr) {
		return apperr.New(apperr.Forbidden, "尚未启用账号登录时只能在本机回环地址上提供服务（如 127.0.0.1:8080），拒绝监听 %s", c.Addr)
	}
	log := logger(e.stderr, c.LogLevel)
	db, err := openDB(ctx, c.DB, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.Demo {
		if _, err := loadDemo(ctx, db, demoConfig{DB: c.DB, Households: c.Households, Seed: c.Seed}, e.stdout); err != nil {
			return err
		}
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	s := web.New(db, log)
	s.Open = true
	fmt.Fprintf(e.stdout, "Sanbao 已启动（%s）：http://%s/\n", db.Dialect(), l.Addr())
	if ready != nil {
		ready <- l.Addr().String()
	}
	return s.Serve(ctx, l)
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
