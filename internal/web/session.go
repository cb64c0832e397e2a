package web

import (
	"context"
	"net"
	"net/http"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/store"
)

// Identity is who makes a request: the account, its scope, and how it
// authenticated (a session for pages, a bearer token for API clients).
type Identity struct {
	Account auth.Account
	// Scope is the account's region subtree (a department account: its
	// county), for every store call that reads or writes household data.
	Scope   store.Scope
	Session *store.Session  // nil for a token
	Token   *store.APIToken // nil for a session
	// CSRF is the session's anti-forgery token, put in every form.
	CSRF string
}

// Can reports whether the account has a capability.
func (id *Identity) Can(c auth.Capability) bool { return id != nil && auth.Can(id.Account.Role, c) }

type identityKey struct{}

// identityOf returns the identity of an authenticated request (nil on public
// routes for an anonymous visitor).
func identityOf(r *http.Request) *Identity {
	id, _ := r.Context().Value(identityKey{}).(*Identity)
	return id
}

// require returns Forbidden unless the request's account has capability c.
// Handlers call it first; the store then limits what they reach to the
// account's scope.
func (s *Server) require(r *http.Request, c auth.Capability) error {
	id := identityOf(r)
	if id == nil {
		return apperr.New(apperr.Unauthenticated, "请先登录")
	}
	if !id.Can(c) {
		return apperr.New(apperr.Forbidden, "您的角色（%s）无权%s", id.Account.Role.Label(), c.Label())
	}
	return nil
}

// scopeFor is require followed by the account's scope.
func (s *Server) scopeFor(r *http.Request, c auth.Capability) (store.Scope, error) {
	if err := s.require(r, c); err != nil {
		return store.Scope{}, err
	}
	return identityOf(r).Scope, nil
}

// storeScope maps an account's scope to the store's.
func storeScope(a auth.Account) store.Scope {
	sc := auth.ScopeOf(a)
	if sc.Empty() {
		return store.Scope{}
	}
	return store.ScopeOf(sc.RegionCode)
}

// clientIP is the address of the client: the peer, or behind a trusted
// proxy the last hop of X-Forwarded-For.
func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secure reports whether the request came over TLS (directly or, behind a
// trusted proxy, to the proxy) or cookies are to be Secure anyway.
func (s *Server) secure(r *http.Request) bool {
	return s.SecureCookies || r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// cookieName is the session cookie's name: with the __Host- prefix when
// Secure, which binds it to this host and path /.
func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return "__Host-sanbao"
	}
	return "sanbao"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: secret, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionAbsolute.Seconds())})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) sessionSecret(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// bearer returns the token of an "Authorization: Bearer ..." header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// authenticate finds the identity of a request: a bearer token (API
// clients) or the session cookie (browsers). It returns nil without error
// when the request carries neither, and ErrSessionExpired/ErrBadToken when
// what it carries is no longer valid.
func (s *Server) authenticate(r *http.Request) (*Identity, error) {
	ctx := store.WithActor(r.Context(), store.Actor{IP: s.clientIP(r)})
	if tok, ok := bearer(r); ok {
		acc, t, err := s.DB.TokenAccount(ctx, tok)
		if err != nil {
			return nil, err
		}
		return &Identity{Account: *acc, Scope: storeScope(*acc), Token: t}, nil
	}
	secret := s.sessionSecret(r)
	if secret == "" {
		return nil, nil
	}
	acc, sess, err := s.DB.SessionAccount(ctx, secret)
	if err != nil {
		return nil, err
	}
	return &Identity{Account: *acc, Scope: storeScope(*acc), Session: sess, CSRF: auth.CSRFToken(s.CSRFKey, sess.Hash)}, nil
}

// withIdentity returns r carrying the identity and, for the audit trail,
// the actor (account and address).
func (s *Server) withIdentity(r *http.Request, id *Identity) *http.Request {
	actor := store.Actor{IP: s.clientIP(r)}
	if id != nil {
		actor = store.ActorOf(&id.Account, actor.IP)
	}
	ctx := context.WithValue(store.WithActor(r.Context(), actor), identityKey{}, id)
	return r.WithContext(ctx)
}

// safeMethod reports methods that change nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

var crossOrigin = http.NewCrossOriginProtection()

// errForged answers a state-changing request whose origin or anti-forgery
// token does not check.
var errForged = apperr.New(apperr.Forbidden, "无法确认请求来自本系统的页面（可能是跨站伪造的请求），请返回页面刷新后重新提交")

// checkForgery refuses a state-changing browser request from another site:
// the browser's Sec-Fetch-Site/Origin headers must not say cross-origin, and
// a request authenticated by the session cookie must carry the session's
// CSRF token (form field "csrf" or header X-CSRF-Token). Requests with a
// bearer token carry no cookie and need neither.
func (s *Server) checkForgery(r *http.Request, id *Identity) error {
	if safeMethod(r.Method) || (id != nil && id.Token != nil) {
		return nil
	}
	if err := crossOrigin.Check(r); err != nil {
		return errForged
	}
	if id == nil || id.Session == nil {
		return nil // public form (login): the origin check above is what applies
	}
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostForm.Get("csrf") // parsed, within its size limit, by the page wrapper
	}
	if !auth.CheckCSRF(s.CSRFKey, id.Session.Hash, tok) {
		return errForged
	}
	return nil
}
