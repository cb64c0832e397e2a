package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/region"
	"sanbao/internal/store"
)

// Account management for administrators (within their region, by
// auth.CheckManage, enforced in the store), and every account's own page
// with its password change.

func init() {
	m := auth.CapManageAccounts
	registerPages(
		pageRoute{Method: "GET", Path: "/accounts", Cap: m, Handle: (*Server).accountList},
		pageRoute{Method: "GET", Path: "/accounts/new", Cap: m, Handle: (*Server).accountNew},
		pageRoute{Method: "POST", Path: "/accounts", Cap: m, Handle: (*Server).accountCreate},
		pageRoute{Method: "GET", Path: "/accounts/{id}", Cap: m, Handle: (*Server).accountPage},
		pageRoute{Method: "POST", Path: "/accounts/{id}", Cap: m, Handle: (*Server).accountUpdate},
		pageRoute{Method: "POST", Path: "/accounts/{id}/disable", Cap: m, Handle: (*Server).accountDisable},
		pageRoute{Method: "POST", Path: "/accounts/{id}/enable", Cap: m, Handle: (*Server).accountEnable},
		pageRoute{Method: "POST", Path: "/accounts/{id}/unlock", Cap: m, Handle: (*Server).accountUnlock},
		pageRoute{Method: "POST", Path: "/accounts/{id}/password", Cap: m, Handle: (*Server).accountResetPassword},
		pageRoute{Method: "POST", Path: "/accounts/{id}/tokens", Cap: m, Handle: (*Server).tokenIssue},
		pageRoute{Method: "POST", Path: "/tokens/{id}/revoke", Cap: m, Handle: (*Server).tokenRevoke},
		pageRoute{Method: "GET", Path: "/me", Handle: (*Server).mePage},
		pageRoute{Method: "POST", Path: "/me/password", Handle: (*Server).meChangePassword},
	)
	registerNav(
		navItem{Label: "账号管理", Path: "/accounts", Cap: m, Order: 80},
		navItem{Label: "我的账号", Path: "/me", Order: 100},
	)
}

var accountFields = []string{"username", "display_name", "role", "department", "region_code", "phone", "password"}

var accountFormLabels = func() map[string]string {
	m := map[string]string{"current_password": "当前密码", "password2": "确认新密码", "reset_password": "新密码", "name": "用途",
		"days": "有效天数", "q": "搜索"}
	for k, v := range auth.AccountLabels {
		m[k] = v
	}
	return m
}()

func roleChoices() [][2]string {
	var out [][2]string
	for _, r := range auth.Roles() {
		out = append(out, [2]string{string(r), r.Label()})
	}
	return out
}

func deptChoices() [][2]string {
	var out [][2]string
	for _, d := range auth.Departments() {
		out = append(out, [2]string{string(d), d.Label()})
	}
	return out
}

// accountRegionChoices lists the administrator's region and the regions
// two levels below it, for the region field's suggestions.
func (s *Server) accountRegionChoices(r *http.Request) ([][2]string, error) {
	root := identityOf(r).Account.RegionCode
	rs, err := s.DB.Subregions(r.Context(), root, 2)
	if err != nil {
		return nil, err
	}
	out := [][2]string{{root, s.regionLabel(r, root)}}
	names := map[string]string{}
	for _, x := range rs {
		names[x.Code] = x.Name
		label := x.Name
		if p := names[x.Parent]; p != "" {
			label = p + " " + x.Name
		}
		out = append(out, [2]string{region.Prefix(x.Code), label})
	}
	return out, nil
}

func (s *Server) accountList(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 {
		offset = 0
	}
	f := store.AccountFilter{Q: strings.TrimSpace(q.Get("q")), Limit: 100, Offset: offset}
	if role := q.Get("role"); role != "" {
		f.Role, _ = auth.ParseRole(role)
	}
	rows, err := s.DB.ListAccounts(r.Context(), me.Scope, f)
	if err != nil {
		return err
	}
	next := ""
	if len(rows) == f.Limit {
		next = pageURL(r.URL.Path, q, "offset", offset+f.Limit)
	}
	return s.render(w, r, http.StatusOK, "accounts/list", &view{Title: "账号管理", Form: newForm(q), Data: struct {
		Rows  []store.AccountRow
		Roles [][2]string
		Next  string
		Now   time.Time
	}{rows, roleChoices(), next, s.DB.Clock.Now()}})
}

type accountFormData struct {
	ID      int64
	Roles   [][2]string
	Depts   [][2]string
	Regions [][2]string
}

func (s *Server) renderAccountForm(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	regions, err := s.accountRegionChoices(r)
	if err != nil {
		return err
	}
	return s.render(w, r, status, "accounts/new", &view{Title: "新增账号", Form: f,
		Data: accountFormData{Roles: roleChoices(), Depts: deptChoices(), Regions: regions}})
}

func (s *Server) accountNew(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccountForm(w, r, http.StatusOK, newForm(url.Values{"role": {string(auth.RoleVillageCadre)}}))
}

func accountFromForm(v url.Values) *auth.Account {
	return &auth.Account{Username: v.Get("username"), DisplayName: v.Get("display_name"), Role: auth.Role(v.Get("role")),
		Department: auth.Department(v.Get("department")), RegionCode: v.Get("region_code"), Phone: v.Get("phone")}
}

// GeneratePassword makes a password that satisfies the password policy and
// is easy to type on a phone: three groups of four lower-case letters and
// digits (about 59 bits).
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
	for {
		var raw [12]byte
		rand.Read(raw[:])
		var b strings.Builder
		for i, c := range raw {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(alphabet[int(c)%len(alphabet)])
		}
		p := b.String()
		if strings.ContainsAny(p, "23456789") && strings.ContainsAny(p, "abcdefghjkmnpqrstuvwxyz") {
			return p
		}
	}
}

func (s *Server) accountCreate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals, err := s.readForm(r, accountFormLabels)
	if err != nil {
		return s.renderAccountForm(w, r, http.StatusUnprocessableEntity, formOf(vals, err, accountFields...))
	}
	a := accountFromForm(vals)
	pw := vals.Get("password")
	generated := pw == ""
	if generated {
		pw = GeneratePassword()
	}
	if err := s.DB.CreateAccount(r.Context(), &me.Account, a, pw); err != nil {
		if formProblem(err) || apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.NotFound) {
			if apperr.Is(err, apperr.NotFound) {
				err = apperr.Field("region_code", auth.AccountLabels["region_code"], "不在您管理的区域内")
			}
			return s.renderAccountForm(w, r, http.StatusUnprocessableEntity, formOf(vals, err, accountFields...))
		}
		return err
	}
	shown := ""
	if generated {
		shown = pw
	}
	return s.showAccount(w, r, a.ID, accountExtras{Flash: "已新增账号", Password: shown})
}

// accountExtras are shown once on the account page after an action.
type accountExtras struct {
	Flash    string
	Password string // a password just set by the system
	Token    string // a token just issued
	Form     *form
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showAccount(w, r, id, accountExtras{})
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, id int64, x accountExtras) error {
	me := identityOf(r)
	a, err := s.DB.Account(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	toks, err := s.DB.Tokens(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	regions, err := s.accountRegionChoices(r)
	if err != nil {
		return err
	}
	f := newForm(url.Values{"display_name": {a.DisplayName}, "role": {string(a.Role)}, "department": {string(a.Department)},
		"region_code": {a.RegionCode}, "phone": {a.Phone}, "days": {"365"}})
	status := http.StatusOK
	if x.Form != nil { // a form with problems: what was typed, over the account's values
		status = http.StatusUnprocessableEntity
		for k, v := range x.Form.Values {
			if k != "csrf" && !strings.Contains(k, "password") {
				f.Values[k] = v
			}
		}
		f.Errors, f.Message = x.Form.Errors, x.Form.Message
	}
	now := s.DB.Clock.Now()
	return s.render(w, r, status, "accounts/account", &view{Title: "账号 " + a.Username, Flash: x.Flash, Form: f, Data: struct {
		A         *auth.Account
		Where     string
		Locked    bool
		Self      bool
		Manage    string // why the actor may not manage it ("" if it may)
		Tokens    []store.APIToken
		Now       time.Time
		Password  string
		Token     string
		Roles     [][2]string
		Depts     [][2]string
		Regions   [][2]string
		AccountID int64
	}{a, s.regionLabel(r, a.RegionCode), a.Locked(now), a.ID == me.Account.ID, manageProblem(me, a), toks, now,
		x.Password, x.Token, roleChoices(), deptChoices(), regions, a.ID}})
}

func manageProblem(me *Identity, a *auth.Account) string {
	if err := auth.CheckManage(me.Account, *a); err != nil {
		return apperr.MessageOf(err)
	}
	return ""
}

func (s *Server) accountUpdate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, accountFormLabels)
	if err != nil {
		return s.showAccount(w, r, id, accountExtras{Form: formOf(vals, err, accountFields...)})
	}
	a := accountFromForm(vals)
	a.ID = id
	if _, err := s.DB.UpdateAccount(r.Context(), &me.Account, a); err != nil {
		if apperr.Is(err, apperr.NotFound) && vals.Get("region_code") != "" {
			if _, rerr := s.DB.Account(r.Context(), me.Scope, id); rerr != nil {
				return rerr
			}
			err = apperr.Field("region_code", auth.AccountLabels["region_code"], "不在您管理的区域内")
		}
		if formProblem(err) || apperr.Is(err, apperr.Forbidden) {
			return s.showAccount(w, r, id, accountExtras{Form: formOf(vals, err, accountFields...)})
		}
		return err
	}
	http.Redirect(w, r, "/accounts/"+itoa(id)+"?ok=saved", http.StatusSeeOther)
	return nil
}

// accountAction runs a state change on an account and goes back to it.
func (s *Server) accountAction(w http.ResponseWriter, r *http.Request, ok string, fn func(by *auth.Account, id int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := fn(&identityOf(r).Account, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts/"+itoa(id)+"?ok="+ok, http.StatusSeeOther)
	return nil
}

func (s *Server) accountDisable(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "disabled", func(by *auth.Account, id int64) error {
		return s.DB.SetAccountDisabled(r.Context(), by, id, true)
	})
}

func (s *Server) accountEnable(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "enabled", func(by *auth.Account, id int64) error {
		return s.DB.SetAccountDisabled(r.Context(), by, id, false)
	})
}

func (s *Server) accountUnlock(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "unlocked", func(by *auth.Account, id int64) error {
		return s.DB.UnlockAccount(r.Context(), by, id)
	})
}

func (s *Server) accountResetPassword(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, accountFormLabels)
	if err != nil {
		return err
	}
	pw := vals.Get("reset_password")
	generated := pw == ""
	if generated {
		pw = GeneratePassword()
	}
	if err := s.DB.ResetPassword(r.Context(), &me.Account, id, pw); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			for _, fe := range apperr.FieldsOf(err) {
				err = apperr.Field("reset_password", "新密码", "%s", fe.Message)
			}
			return s.showAccount(w, r, id, accountExtras{Form: formOf(vals, err, "reset_password")})
		}
		return err
	}
	shown := ""
	if generated {
		shown = pw
	}
	return s.showAccount(w, r, id, accountExtras{Flash: flashes["reset"], Password: shown})
}

func (s *Server) tokenIssue(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, accountFormLabels)
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSpace(vals.Get("days")))
	if err != nil || days < 0 || days > 3650 {
		return s.showAccount(w, r, id, accountExtras{Form: formOf(vals, apperr.Field("days", "有效天数", "应为0到3650之间的整数（0为长期有效）"), "days", "name")})
	}
	var expires time.Time
	if days > 0 {
		expires = s.DB.Clock.Now().AddDate(0, 0, days)
	}
	plain, _, err := s.DB.IssueToken(r.Context(), &me.Account, id, vals.Get("name"), expires)
	if err != nil {
		if formProblem(err) {
			return s.showAccount(w, r, id, accountExtras{Form: formOf(vals, err, "days", "name")})
		}
		return err
	}
	return s.showAccount(w, r, id, accountExtras{Flash: "已签发接口令牌", Token: plain})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	toks, err := s.DB.Tokens(r.Context(), me.Scope, 0)
	if err != nil {
		return err
	}
	var account int64
	for _, t := range toks {
		if t.ID == id {
			account = t.AccountID
		}
	}
	if account == 0 {
		return apperr.New(apperr.NotFound, "令牌不存在")
	}
	if err := s.DB.RevokeToken(r.Context(), &me.Account, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts/"+itoa(account)+"?ok=revoked", http.StatusSeeOther)
	return nil
}

func (s *Server) renderMe(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	me := identityOf(r)
	return s.render(w, r, status, "accounts/me", &view{Title: "我的账号", Form: f, Data: struct {
		A     auth.Account
		Where string
		Caps  []auth.Capability
	}{me.Account, s.regionLabel(r, me.Account.RegionCode), auth.CapabilitiesOf(me.Account.Role)}})
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request) error {
	return s.renderMe(w, r, http.StatusOK, nil)
}

func (s *Server) meChangePassword(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals, err := s.readForm(r, accountFormLabels)
	if err != nil {
		return s.renderMe(w, r, http.StatusUnprocessableEntity, formOf(nil, err))
	}
	fields := []string{"current_password", "password", "password2"}
	if vals.Get("password") != vals.Get("password2") {
		return s.renderMe(w, r, http.StatusUnprocessableEntity, formOf(nil, apperr.Field("password2", "确认新密码", "两次输入的新密码不一致"), fields...))
	}
	keep := ""
	if me.Session != nil {
		keep = me.Session.Hash
	}
	if err := s.DB.ChangePassword(r.Context(), me.Account.ID, vals.Get("current_password"), vals.Get("password"), keep); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.renderMe(w, r, http.StatusUnprocessableEntity, formOf(nil, err, fields...))
		}
		return err
	}
	http.Redirect(w, r, "/me?ok=password", http.StatusSeeOther)
	return nil
}
