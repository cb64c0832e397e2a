package web

// The page shell: how Sanbao's server-rendered pages are built. Read this
// before adding a page.
//
// # Adding a page
//
// Put the handlers of an area in internal/web/<area>*.go and register their
// routes from an init function of that file, so that no shared list has to
// be edited:
//
//	func init() {
//		registerPages(
//			pageRoute{Method: "GET", Path: "/problems", Cap: auth.CapViewReports, Handle: (*Server).problemList},
//			pageRoute{Method: "POST", Path: "/problems/{id}", Cap: auth.CapLedgerRectify, Handle: (*Server).problemSave},
//		)
//		registerNav(navItem{Label: "问题台账", Path: "/problems", Cap: auth.CapViewReports, Order: 40})
//	}
//
// Every route is signed-in unless Public is set: the shell finds the
// account (session cookie), refuses a missing or expired session (GET:
// redirect to the login page and back; other methods: the login page with a
// message), refuses an account without Cap (403 page), and refuses a
// state-changing request without the session's CSRF token or from another
// site (403 page). The request's context then carries the Identity
// (identityOf(r): account, store.Scope, CSRF token) and the store.Actor
// that every audit entry written under it records. Handlers pass
// identityOf(r).Scope (or s.scopeFor(r, cap)) to every store call; a record
// outside the scope is NotFound, which the shell shows as the 404 page
// "未找到" — never "forbidden", so that existence does not leak.
//
// A handler returns an error to have the shell render the error page with
// the status of web.statusOf (Chinese message, internal causes only in the
// log). Forms with field problems are not errors: the handler re-renders
// its form with the problems next to the fields (status 422).
//
// # Templates
//
// Templates live in internal/web/templates/<area>/<name>.html and are named
// "<area>/<name>" (templates/home.html is "home"). Each page template
// defines "content" (and may define "head" for a page-specific <title>
// suffix); the layout (templates/layout.html) wraps it: header, navigation,
// flash message, footer. Files whose name starts with "_" are partials,
// parsed into every page: define blocks with names prefixed by the area
// ("ledger/row") to avoid clashes. Render with
//
//	s.render(w, r, http.StatusOK, "ledger/list", &view{Title: "问题台账", Data: data})
//
// A view's Data is the page's own; view also carries the Identity (Me), the
// CSRF token and the form (values and field problems). html/template
// escapes everything: text typed by users (names, addresses, notes) is
// shown as text, never run. Never use template.HTML on user data.
//
// Template functions: asset (static URL with cache-busting), label (Chinese
// label of a registry enum code: {{label "category" .Category}}), enum (the
// enum itself, for selects), can (capability check: {{if can $.Me
// "edit_registry"}}), date, datetime (China time), add, sub, pageURL (the
// current URL with one query parameter changed), roleLabel, itoa, and the
// form helpers input, choice, check and pager (see templates/_shell.html).
//
// # Personal data
//
// ID numbers and phones are masked in the handler, before rendering, with
// maskHousehold/maskMember (the same functions the JSON API uses), so that
// a template cannot show a full number by mistake. A full number is shown
// only after an audited reveal (revealMember/revealHousehold), and only on
// the page that answers it.
//
// # Forms
//
// Write forms as plain HTML posting to the same path; put
// {{template "csrf" .}} inside every form (the hidden CSRF field), and for
// each field use the "field" partial or show {{.Form.Err "name"}} next to
// it. In the handler:
//
//	vals, err := s.readForm(r)          // size and character checks, Chinese messages
//	if err != nil { return err }          // (too large / malformed: error page)
//	...build the record from vals...
//	if err := s.DB.Save(r.Context(), sc, rec); apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
//		return s.render(w, r, http.StatusUnprocessableEntity, "area/form", &view{Form: formOf(vals, err), ...})
//	}
//	http.Redirect(w, r, "/area/"+id, http.StatusSeeOther)  // POST-redirect-GET
//
// apperr field errors carry the field's code name (the form field's name)
// and a Chinese message: formOf maps them onto the fields; problems with no
// matching field show at the top of the form.
//
// # Writes, exports and the audit trail
//
// Store writes record themselves in the audit trail (see store/audit.go),
// with the actor the shell put in the request's context. Reads that hand
// data out in bulk are recorded by the handler before the file is sent:
//
//	err := s.DB.Record(r.Context(), store.Change{Action: audit.ActExport, Object: "household",
//		Region: regionCode, Detail: fmt.Sprintf("导出农户名单%d户", n)})
//
// Export needs auth.CapExport; numbers in exports stay masked like on pages.
//
// # Static files, weight, phones
//
// internal/web/static holds the one stylesheet (app.css) and the one script
// (app.js); add rules there rather than new files. Pages are phone-first
// (readable at 360 px wide, tap targets of 44 px, no framework, no web
// fonts), work without JavaScript (the script only adds confirmations and
// auto-submitting filters), and stay under 100 KB transferred for a list
// page; text responses are gzip-compressed. No inline scripts or styles:
// the Content-Security-Policy forbids them.

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/registry"
)

// contentSecurityPolicy allows only this site's own script and stylesheet.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

//go:embed all:templates static
var assets embed.FS

// pageRoute is one page (or form target) of the web interface.
type pageRoute struct {
	Method, Path string
	// Cap is the capability the account needs; "" lets every signed-in
	// account in.
	Cap auth.Capability
	// Public routes need no sign-in (the login page). A public route that
	// changes anything is still refused when the browser says it comes from
	// another site.
	Public bool
	// MaxBody bounds the request body (default maxFormBody); raise it for
	// uploads.
	MaxBody int64
	Handle  func(s *Server, w http.ResponseWriter, r *http.Request) error
}

var (
	pageRoutesMu sync.Mutex
	pageRoutes   []pageRoute
)

// registerPages adds page routes; call it from an init function.
func registerPages(ps ...pageRoute) {
	pageRoutesMu.Lock()
	defer pageRoutesMu.Unlock()
	pageRoutes = append(pageRoutes, ps...)
}

// PageRoute describes a page route for tests that enumerate them.
type PageRoute struct {
	Method, Path string
	Cap          auth.Capability
	Public       bool
}

// PageRoutes lists every page route, sorted by path then method.
func PageRoutes() []PageRoute {
	pageRoutesMu.Lock()
	defer pageRoutesMu.Unlock()
	out := make([]PageRoute, len(pageRoutes))
	for i, p := range pageRoutes {
		out[i] = PageRoute{Method: p.Method, Path: p.Path, Cap: p.Cap, Public: p.Public}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// navItem is one entry of the navigation bar, shown to accounts with Cap.
type navItem struct {
	Label, Path string
	Cap         auth.Capability // "" for everyone
	Order       int
}

var (
	navMu    sync.Mutex
	navItems []navItem
)

// registerNav adds navigation entries; call it from an init function.
func registerNav(items ...navItem) {
	navMu.Lock()
	defer navMu.Unlock()
	navItems = append(navItems, items...)
	sort.SliceStable(navItems, func(i, j int) bool { return navItems[i].Order < navItems[j].Order })
}

// navFor lists the entries an account sees.
func navFor(id *Identity) []navItem {
	navMu.Lock()
	defer navMu.Unlock()
	var out []navItem
	for _, n := range navItems {
		if n.Cap == "" || id.Can(n.Cap) {
			out = append(out, n)
		}
	}
	return out
}

// maxFormBody bounds an ordinary form submission.
const maxFormBody = 256 << 10

// maxFieldRunes bounds one text field of a form; registry validation has
// tighter limits for its own fields.
const maxFieldRunes = 2000

// registerPageRoutes puts the page routes, the static files and the
// catch-all 404 on the mux.
func (s *Server) registerPageRoutes() {
	pageRoutesMu.Lock()
	routes := append([]pageRoute(nil), pageRoutes...)
	pageRoutesMu.Unlock()
	for _, pr := range routes {
		s.mux.HandleFunc(pr.Method+" "+pr.Path, s.page(pr))
	}
	s.mux.HandleFunc("GET /static/{name}", s.static)
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.mux.HandleFunc("/", s.page(pageRoute{Handle: func(s *Server, w http.ResponseWriter, r *http.Request) error {
		return apperr.New(apperr.NotFound, "页面不存在")
	}}))
}

// page wraps a page handler with authentication, the capability check,
// the forgery check and error pages.
func (s *Server) page(pr pageRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !safeMethod(r.Method) {
			max := pr.MaxBody
			if max <= 0 {
				max = maxFormBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			if err := parseBody(r, max); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		id, err := s.authenticate(r)
		if err != nil && !apperr.Is(err, apperr.Unauthenticated) {
			s.pageError(w, r, err)
			return
		}
		if id == nil && !pr.Public {
			s.toLogin(w, r, err != nil || s.sessionSecret(r) != "")
			return
		}
		r = s.withIdentity(r, id)
		forgeryID := id
		if pr.Public {
			forgeryID = nil // public forms act with no session's authority: the origin check applies
		}
		if err := s.checkForgery(r, forgeryID); err != nil {
			s.pageError(w, r, err)
			return
		}
		if pr.Cap != "" {
			if err := s.require(r, pr.Cap); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		if err := pr.Handle(s, w, r); err != nil {
			s.pageError(w, r, err)
		}
	}
}

// parseBody parses a form body within the limit, with a Chinese message
// when it is too large or malformed.
func parseBody(r *http.Request, max int64) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return apperr.New(apperr.TooLarge, "提交的内容超过%s上限", byteSize(max))
	default:
		return apperr.New(apperr.Invalid, "提交的内容格式不正确")
	}
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d字节", n)
}

// toLogin sends an anonymous visitor to the login page: a GET comes back
// to where it was after signing in.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	if expired {
		s.clearSessionCookie(w, r)
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("expired", "1")
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target := "/login"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	msg := "请先登录"
	if expired {
		msg = "登录已超时，请重新登录后再提交"
	}
	s.renderLogin(w, r, http.StatusUnauthorized, msg, "", "/")
}

// readForm returns the submitted form's values after checking every field:
// at most maxFieldRunes characters, valid UTF-8, no control characters other
// than line breaks and tabs. Problems name the field (its Chinese label from
// labels, if given) and are returned as one Invalid error.
func (s *Server) readForm(r *http.Request, labels map[string]string) (url.Values, error) {
	if r.PostForm == nil {
		if err := parseBody(r, maxFormBody); err != nil {
			return nil, err
		}
	}
	var v apperr.Validation
	for name, vals := range r.PostForm {
		label := labels[name]
		if label == "" {
			label = name
		}
		for _, val := range vals {
			switch {
			case !utf8.ValidString(val):
				v.Add(name, label, "含有无效的字符编码")
			case utf8.RuneCountInString(val) > maxFieldRunes:
				v.Add(name, label, "内容过长（不能超过%d个字符）", maxFieldRunes)
			case hasControl(val):
				v.Add(name, label, "含有不可见的控制字符")
			default:
				continue
			}
			break
		}
	}
	if err := v.Err(); err != nil {
		return r.PostForm, err
	}
	return r.PostForm, nil
}

func hasControl(s string) bool {
	for _, c := range s {
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f {
			return true
		}
	}
	return false
}

// form is what a form shows: the values typed and the problem of each
// field.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Message string // problems that belong to no field on the form
}

// Get returns the value of a field.
func (f *form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether a (multi-valued) field has the value.
func (f *form) Has(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Err returns the problem of a field ("" if none).
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// newForm is a form showing values (nil for an empty form).
func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Values: values, Errors: map[string]string{}}
}

// formOf is a form showing values and the problems of err: field problems
// next to the fields named in fields (the form's fields), the rest at the top.
func formOf(values url.Values, err error, fields ...string) *form {
	f := newForm(values)
	if err == nil {
		return f
	}
	on := map[string]bool{}
	for _, n := range fields {
		on[n] = true
	}
	var top []string
	for _, fe := range apperr.FieldsOf(err) {
		if on[fe.Field] || (len(fields) == 0 && fe.Field != "") {
			if f.Errors[fe.Field] == "" {
				f.Errors[fe.Field] = fe.Message
			}
			continue
		}
		top = append(top, fe.String())
	}
	if len(apperr.FieldsOf(err)) == 0 {
		top = append(top, apperr.MessageOf(err))
	}
	f.Message = strings.Join(top, "；")
	return f
}

// view is what every page template gets.
type view struct {
	Title string
	Me    *Identity
	Nav   []navItem
	Path  string // the request path, for the active navigation entry
	Query url.Values
	Flash string // one-line notice at the top ("已保存")
	Form  *form
	Data  any
	// Region names of the account's region, for the header.
	Where string
}

// CSRF is the anti-forgery token for forms.
func (v *view) CSRF() string {
	if v.Me == nil {
		return ""
	}
	return v.Me.CSRF
}

// render executes a page template inside the layout. name is "area/page".
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	if v == nil {
		v = &view{}
	}
	if v.Me == nil {
		v.Me = identityOf(r)
	}
	if v.Form == nil {
		v.Form = newForm(nil)
	}
	v.Path, v.Query = r.URL.Path, r.URL.Query()
	if v.Me != nil {
		v.Nav = navFor(v.Me)
		v.Where = s.regionLabel(r, v.Me.Account.RegionCode)
	}
	if v.Flash == "" {
		v.Flash = flashes[r.URL.Query().Get("ok")]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return apperr.Wrap(err, "render %s", name)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// flashes are the notices a redirect after a successful POST asks for with
// ?ok=<code>, so that no user text travels in the URL.
var flashes = map[string]string{
	"saved":    "已保存",
	"created":  "已新增",
	"disabled": "账号已停用",
	"enabled":  "账号已启用",
	"reset":    "密码已重置，该账号的登录已全部退出",
	"unlocked": "账号已解除锁定",
	"revoked":  "令牌已吊销",
	"password": "密码已修改，其他设备上的登录已退出",
}

// regionLabel names a region with its parents below the province, e.g.
// "文水县刘胡兰镇东堡村"; names are cached (regions rarely change).
func (s *Server) regionLabel(r *http.Request, code string) string {
	if v, ok := regionLabels.Load(code); ok {
		return v.(string)
	}
	path, err := s.DB.RegionPath(r.Context(), code)
	if err != nil || len(path) == 0 {
		return code
	}
	var b strings.Builder
	for i, p := range path {
		if i == 0 && len(path) > 1 {
			continue
		}
		if i == 1 && len(path) > 2 {
			continue // the city is implied below the county
		}
		b.WriteString(p.Name)
	}
	regionLabels.Store(code, b.String())
	return b.String()
}

var regionLabels sync.Map

// pageError renders the error page of err: 401 goes to the login page, a
// NotFound is "未找到" whatever the reason (absent or outside the scope).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	if code == apperr.Internal || code == apperr.Unavailable {
		s.Log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == apperr.Unauthenticated {
		s.toLogin(w, r, true)
		return
	}
	titles := map[apperr.Code]string{
		apperr.NotFound: "未找到", apperr.Forbidden: "无权访问", apperr.TooLarge: "提交的内容过大",
		apperr.Invalid: "提交的内容有误", apperr.Conflict: "无法完成操作", apperr.RateLimited: "操作过于频繁",
		apperr.Unavailable: "系统繁忙", apperr.Internal: "系统内部错误",
	}
	data := struct{ Heading, Message string }{titles[code], apperr.MessageOf(err)}
	if data.Heading == "" {
		data.Heading = "出错了"
	}
	if rerr := s.render(w, r, Status(err), "error", &view{Title: data.Heading, Data: data}); rerr != nil {
		s.Log.Error("error page failed", "err", rerr)
		http.Error(w, data.Heading, Status(err))
	}
}

// Static files: embedded, served with a content hash in the URL so that
// browsers cache them for a year and fetch them again when they change.

type staticFile struct {
	body  []byte
	hash  string
	ctype string
}

var staticFiles = func() map[string]*staticFile {
	out := map[string]*staticFile{}
	entries, err := fs.ReadDir(assets, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := assets.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[e.Name()] = &staticFile{body: b, hash: hex.EncodeToString(sum[:])[:10], ctype: ct}
	}
	return out
}()

// assetURL is the URL of a static file with its content hash.
func assetURL(name string) string {
	f := staticFiles[name]
	if f == nil {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + f.hash
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	f := staticFiles[r.PathValue("name")]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	if r.URL.Query().Get("v") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.body)
}

// Templates.

var enums = map[string]*registry.Enum{}

func init() {
	for _, e := range []*registry.Enum{registry.Category, registry.MonitorType, registry.HousingPriority, registry.DibaoTier,
		registry.Sex, registry.Relation, registry.DisabilityType, registry.DisabilityGrade, registry.Health,
		registry.Schooling, registry.Labour} {
		enums[e.Name] = e
	}
}

var templateFuncs = template.FuncMap{
	"asset": assetURL,
	"label": func(enum, code string) string {
		if e := enums[enum]; e != nil {
			if l := e.LabelOf(code); l != "" {
				return l
			}
		}
		return code
	},
	"enum": func(name string) *registry.Enum { return enums[name] },
	"can":  func(me *Identity, c string) bool { return me.Can(auth.Capability(c)) },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.China).Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.China).Format("2006-01-02 15:04")
	},
	"add":       func(a, b int) int { return a + b },
	"sub":       func(a, b int) int { return a - b },
	"pageURL":   pageURL,
	"roleLabel": func(r auth.Role) string { return r.Label() },
	"itoa":      func(n int64) string { return strconv.FormatInt(n, 10) },
	"navActive": func(current, item string) bool {
		if item == "/" {
			return current == "/"
		}
		return current == item || strings.HasPrefix(current, item+"/")
	},
	"input":  inputOf,
	"choice": choiceOf,
	"check": func(v *view, name, label string) checkField {
		return checkField{Name: name, Label: label, Checked: v.Form.Get(name) != "" && v.Form.Get(name) != "0", Err: v.Form.Err(name)}
	},
	"pager": pagerOf,
}

// inputField is what the "input" partial shows.
type inputField struct {
	Name, Label, Type, Value, Err, Hint, List string
	Max                                       int
	Required                                  bool
}

// inputOf describes a text input; opts may add "required", "max=N",
// "hint=text" (a placeholder) and "list=id" (a datalist of suggestions).
func inputOf(v *view, name, label, typ string, opts ...string) inputField {
	f := inputField{Name: name, Label: label, Type: typ, Value: v.Form.Get(name), Err: v.Form.Err(name)}
	for _, o := range opts {
		switch {
		case o == "required":
			f.Required = true
		case strings.HasPrefix(o, "max="):
			f.Max, _ = strconv.Atoi(o[4:])
		case strings.HasPrefix(o, "hint="):
			f.Hint = o[5:]
		case strings.HasPrefix(o, "list="):
			f.List = o[5:]
		}
	}
	return f
}

type option struct {
	Value, Label string
	Selected     bool
}

// selectField is what the "select" partial shows.
type selectField struct {
	Name, Label, Err string
	Options          []option
}

// choiceOf describes a select over an enum (*registry.Enum) or a list of
// [2]string{value, label}; blank adds an empty first option with that label.
func choiceOf(v *view, name, label string, values any, blank ...string) selectField {
	f := selectField{Name: name, Label: label, Err: v.Form.Err(name)}
	cur := v.Form.Get(name)
	if len(blank) > 0 {
		f.Options = append(f.Options, option{Value: "", Label: blank[0], Selected: cur == ""})
	}
	switch vs := values.(type) {
	case *registry.Enum:
		for _, e := range vs.Values {
			f.Options = append(f.Options, option{Value: e.Code, Label: e.Label, Selected: cur == e.Code})
		}
	case [][2]string:
		for _, e := range vs {
			f.Options = append(f.Options, option{Value: e[0], Label: e[1], Selected: cur == e[0]})
		}
	}
	return f
}

type checkField struct {
	Name, Label, Err string
	Checked          bool
}

type pagerLinks struct{ Prev, Next, Where string }

// pagerOf builds the previous/next links of a list paged by "offset".
func pagerOf(v *view, offset, limit int, total int64) pagerLinks {
	var p pagerLinks
	link := func(off int) string { return pageURL(v.Path, v.Query, "offset", off) }
	if offset > 0 {
		prev := offset - limit
		if prev < 0 {
			prev = 0
		}
		p.Prev = link(prev)
	}
	if total < 0 || int64(offset+limit) < total {
		p.Next = link(offset + limit)
	}
	if total > 0 {
		end := int64(offset + limit)
		if end > total {
			end = total
		}
		p.Where = fmt.Sprintf("第%d–%d条，共%d条", offset+1, end, total)
	}
	return p
}

// mustParsePages parses every page template with the layout and partials.
func mustParsePages() map[string]*template.Template {
	var pages, partials []string
	err := fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		switch {
		case p == "templates/layout.html":
		case strings.HasPrefix(path.Base(p), "_"):
			partials = append(partials, p)
		default:
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	base := template.Must(template.New("layout").Funcs(templateFuncs).ParseFS(assets, append([]string{"templates/layout.html"}, partials...)...))
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		t := template.Must(template.Must(base.Clone()).ParseFS(assets, p))
		out[name] = t
	}
	return out
}

// pageURL is path with the query q, one parameter changed (removed when
// value is empty or 0).
func pageURL(path string, q url.Values, key string, value any) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	s := fmt.Sprint(value)
	if s == "" || s == "0" {
		c.Del(key)
	} else {
		c.Set(key, s)
	}
	if len(c) == 0 {
		return path
	}
	return path + "?" + c.Encode()
}
