package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/store"
)

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/login", Public: true, Handle: (*Server).loginPage},
		pageRoute{Method: "POST", Path: "/login", Public: true, Handle: (*Server).login},
		pageRoute{Method: "POST", Path: "/logout", Handle: (*Server).logout},
	)
}

type loginData struct {
	Message  string
	Username string
	Next     string
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, username, next string) error {
	return s.render(w, r, status, "login", &view{Title: "登录", Data: loginData{Message: msg, Username: username, Next: next}})
}

// safeNext keeps a "come back here" target only if it is a path on this
// site (no scheme, no host, no "//" that a browser reads as a host).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	// Re-encoding may turn "/%2F" into "//": check the result again.
	out := u.RequestURI()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") {
		return "/"
	}
	return out
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if identityOf(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	msg := ""
	switch {
	case r.URL.Query().Get("expired") != "":
		msg = "登录已超时或已在别处退出，请重新登录"
	case r.URL.Query().Get("bye") != "":
		msg = "您已安全退出"
	}
	return s.renderLogin(w, r, http.StatusOK, msg, "", next)
}

// login checks the per-address rate limit, then the username and password
// (the store applies the account lockout and audits every attempt), and
// opens a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	vals, err := s.readForm(r, map[string]string{"username": "用户名", "password": "密码"})
	if err != nil {
		return err
	}
	username, password, next := strings.TrimSpace(vals.Get("username")), vals.Get("password"), safeNext(vals.Get("next"))
	if len(username) > 64 {
		username = username[:64]
	}
	if ok, wait := s.LoginLimiter.Allow(s.clientIP(r), s.Clock.Now()); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		return s.renderLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf("登录尝试过于频繁，请%d秒后再试", secs), username, next)
	}
	if username == "" || password == "" {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, "请输入用户名和密码", username, next)
	}
	if len(password) > 4*auth.PasswordMax {
		return s.renderLogin(w, r, http.StatusUnauthorized, apperr.MessageOf(store.ErrBadLogin), username, next)
	}
	_, secret, err := s.DB.Login(r.Context(), username, password, s.LoginPolicy, r.UserAgent())
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Unauthenticated, apperr.RateLimited, apperr.Forbidden:
			return s.renderLogin(w, r, Status(err), apperr.MessageOf(err), username, next)
		}
		return err
	}
	s.setSessionCookie(w, r, secret)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.DB.Logout(r.Context(), s.sessionSecret(r)); err != nil {
		return err
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login?bye=1", http.StatusSeeOther)
	return nil
}
