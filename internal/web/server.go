// Package web serves Sanbao over HTTP: the JSON API under /api/v1 and the
// server-rendered interface, with templates and static files embedded in the
// binary. Handlers are thin: they parse, call the store, and render.
package web

import (
	"context"
	"crypto/rand"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/store"
)

// Server holds what the handlers need.
type Server struct {
	DB    *store.DB
	Log   *slog.Logger
	Clock clock.Clock

	// CSRFKey derives the anti-forgery token of each session
	// (auth.CSRFToken). New sets a random one; the server command sets one
	// derived from the key file, so that open forms survive a restart.
	CSRFKey []byte
	// SecureCookies marks the session cookie Secure (and names it with the
	// __Host- prefix). Requests over TLS get it anyway; set it when a proxy
	// terminates TLS in front of the server.
	SecureCookies bool
	// TrustProxy takes the client address from the last X-Forwarded-For hop
	// and the scheme from X-Forwarded-Proto. Set it only behind a proxy
	// that sets them.
	TrustProxy bool
	// LoginPolicy locks an account after repeated failures.
	LoginPolicy auth.LoginPolicy
	// LoginLimiter limits login attempts per client address.
	LoginLimiter *auth.RateLimiter

	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New builds a server and its routes.
func New(db *store.DB, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	key := make([]byte, 32)
	rand.Read(key)
	s := &Server{DB: db, Log: log, Clock: clock.Real{}, mux: http.NewServeMux(), CSRFKey: key,
		LoginPolicy:  auth.DefaultLoginPolicy,
		LoginLimiter: auth.NewRateLimiter(6*time.Second, 10, 10000)}
	s.pages = mustParsePages()
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
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	gz := gzipResponse(sw, r)
	defer gz.Close()
	s.mux.ServeHTTP(gz, r)
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
