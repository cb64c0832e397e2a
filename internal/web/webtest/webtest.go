// Package webtest helps tests of the web interface and the JSON API: it
// starts a server over a test database, makes accounts, issues tokens, and
// drives pages like a browser (cookies, the CSRF token of forms).
package webtest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"sanbao/internal/auth"
	"sanbao/internal/store"
	"sanbao/internal/web"
)

// CheapHashes makes password hashing cheap; call it from TestMain. Tests
// check behaviour, not cost.
func CheapHashes() {
	auth.PasswordParams = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// Start serves db with a new web.Server until the test ends.
func Start(t testing.TB, db *store.DB) (*web.Server, *httptest.Server) {
	t.Helper()
	s := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

var seq atomic.Int64

// Password is the password of every account Account makes.
const Password = "test-pass-2468"

// Account makes an account of a role at a region (a department account is
// of education). username "" makes one up.
func Account(t testing.TB, db *store.DB, username string, role auth.Role, regionCode string) *auth.Account {
	t.Helper()
	if username == "" {
		username = "t" + strings.ReplaceAll(string(role), "_", "") + strconv.FormatInt(seq.Add(1), 10)
	}
	a := &auth.Account{Username: username, DisplayName: "测试" + role.Label(), Role: role, RegionCode: regionCode}
	if role.NeedsDepartment() {
		a.Department = auth.DeptEducation
	}
	if err := db.CreateAccount(context.Background(), nil, a, Password); err != nil {
		t.Fatalf("webtest: account %s: %v", username, err)
	}
	return a
}

// Token makes an account of a role at a region and issues it an API token.
func Token(t testing.TB, db *store.DB, role auth.Role, regionCode string) string {
	t.Helper()
	a := Account(t, db, "", role, regionCode)
	plain, _, err := db.IssueToken(context.Background(), nil, a.ID, "测试", db.Clock.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// WithToken wraps a handler so that requests without an Authorization
// header carry the token.
func WithToken(h http.Handler, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		h.ServeHTTP(w, r)
	})
}

// Browser is a signed-in (or anonymous) visitor of the pages: it keeps
// cookies, does not follow redirects, and adds the CSRF token it last saw
// on a page to every form it posts.
type Browser struct {
	t      testing.TB
	base   string
	client *http.Client
	csrf   string
}

// NewBrowser returns an anonymous visitor of the server at base.
func NewBrowser(t testing.TB, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Login signs in with a username and password (Password when ""), failing
// the test unless it succeeds, and returns the visitor.
func Login(t testing.TB, base, username, password string) *Browser {
	t.Helper()
	if password == "" {
		password = Password
	}
	b := NewBrowser(t, base)
	st, body, _ := b.Post("/login", url.Values{"username": {username}, "password": {password}})
	if st != http.StatusSeeOther {
		t.Fatalf("webtest: login %s: %d %s", username, st, body)
	}
	b.Get("/") // pick up the CSRF token
	return b
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Do sends a request and returns the status, the body and the response.
func (b *Browser) Do(req *http.Request) (int, string, *http.Response) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body), resp
}

// Get fetches a page.
func (b *Browser) Get(path string) (int, string, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.Do(req)
}

// Post submits a form, with the CSRF token unless the form has one.
func (b *Browser) Post(path string, form url.Values) (int, string, *http.Response) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.Do(req)
}

// CSRF is the token the visitor last saw.
func (b *Browser) CSRF() string { return b.csrf }
