// Package web serves Sanbao over HTTP: the JSON API under /api/v1 and the
// server-rendered interface, with templates and static files embedded in the
// binary. Handlers are thin: they parse, call the store, and render.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	DB    *store.DB
	Log   *slog.Logger
	Clock clock.Clock
	// Open lets every request act with the system's scope. It is only ever
	// set for a server bound to a loopback address (see Listen).
	Open bool

	mux *http.ServeMux
}

// New builds a server and its routes.
func New(db *store.DB, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{DB: db, Log: log, Clock: clock.Real{}, mux: http.NewServeMux()}
	s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: 200}
	defer func() {
		if v := recover(); v != nil {
			s.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			if !sw.wrote {
				writeError(sw, r, s.Log, errInternal)
			}
		}
		s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(sw, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// IsLoopback reports whether a listen address binds only the loopback
// interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve runs the HTTP server on l until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of a county's register
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	go s.RunLedgerChecks(ctx, LedgerCheckInterval)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	}
}
