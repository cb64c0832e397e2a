package auth

import (
	"sanbao/internal/registry"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
)

// Account is one user of the system. It belongs to exactly one region; its
// scope is that region's subtree.
type Account struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`     // login name, see ValidUsername
	DisplayName  string     `json:"display_name"` // 姓名
	Role         Role       `json:"role"`
	Department   Department `json:"department,omitempty"` // only for RoleDepartment
	RegionCode   string     `json:"region_code"`          // 12 digits, level per Role.Levels
	Phone        string     `json:"phone,omitempty"`
	Disabled     bool       `json:"disabled"`
	PasswordHash string     `json:"-"` // PHC string, see HashPassword; never serialised
	FailedLogins int        `json:"failed_logins"`
	LockedUntil  time.Time  `json:"locked_until,omitzero"`
	LastLoginAt  time.Time  `json:"last_login_at,omitzero"`
	CreatedAt    time.Time  `json:"created_at"`
}

// AccountLabels are the Chinese names of the account fields, for messages
// and forms.
var AccountLabels = map[string]string{
	"username": "用户名", "display_name": "姓名", "role": "角色", "department": "部门",
	"region_code": "所属区划", "phone": "手机号", "password": "密码", "disabled": "停用",
}

// Username rules.
const (
	UsernameMin = 3
	UsernameMax = 32
)

// NormalizeUsername trims and lower-cases a login name; usernames compare
// case-insensitively.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidUsername reports whether s (already normalised) is 3–32 characters of
// a–z, 0–9, '.', '_' and '-', starting with a letter or a digit.
func ValidUsername(s string) bool { return usernameProblem(s) == "" }

func usernameProblem(s string) string {
	if s == "" {
		return "不能为空"
	}
	if len(s) < UsernameMin || len(s) > UsernameMax {
		return "长度应为3至32个字符"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return "只能由小写字母、数字和“.”“_”“-”组成，且以字母或数字开头"
		}
	}
	return ""
}

// Normalize trims the text fields, lower-cases the username, expands a short
// region code (e.g. "141121") to 12 digits and clears the department of a
// role that has none. Call it before Validate.
func (a *Account) Normalize() {
	a.Username = NormalizeUsername(a.Username)
	a.DisplayName = strings.TrimSpace(a.DisplayName)
	a.Phone = strings.TrimSpace(a.Phone)
	a.RegionCode = strings.TrimSpace(a.RegionCode)
	if code, err := region.Normalize(a.RegionCode); err == nil {
		a.RegionCode = code
	}
	if !a.Role.NeedsDepartment() {
		a.Department = ""
	}
}

// Validate checks the account on its own: username, name, role, the level of
// its region against the role, the department of a department account, the
// phone. Whether the region exists, whether the username is taken and
// whether the actor may manage the account are for the store and
// CheckManage. It returns an apperr Invalid error naming every bad field.
func (a *Account) Validate() error {
	var v apperr.Validation
	lbl := func(f string) string { return AccountLabels[f] }
	if p := usernameProblem(a.Username); p != "" {
		v.Add("username", lbl("username"), "%s", p)
	}
	if a.DisplayName == "" {
		v.Add("display_name", lbl("display_name"), "不能为空")
	} else if utf8.RuneCountInString(a.DisplayName) > 50 {
		v.Add("display_name", lbl("display_name"), "不能超过50个字符")
	}
	if !a.Role.Valid() {
		v.Add("role", lbl("role"), "应为：%s", strings.Join(RoleLabels(), "、"))
	}
	switch {
	case a.RegionCode == "":
		v.Add("region_code", lbl("region_code"), "不能为空")
	case len(a.RegionCode) != 12:
		v.Add("region_code", lbl("region_code"), "应为12位区划代码，实际为%q", a.RegionCode)
	default:
		if _, err := region.Normalize(a.RegionCode); err != nil {
			v.Add("region_code", lbl("region_code"), "%s", err.Error())
		} else if a.Role.Valid() && !a.Role.AllowsLevel(region.LevelOf(a.RegionCode)) {
			v.Add("region_code", lbl("region_code"), "%s账号应属于%s级区划，%s是%s级",
				a.Role.Label(), levelLabels(a.Role.Levels()), a.RegionCode, region.LevelOf(a.RegionCode).Label())
		}
	}
	if a.Role.NeedsDepartment() {
		if a.Department == "" {
			v.Add("department", lbl("department"), "县直部门账号须选择部门：%s", strings.Join(DepartmentLabels(), "、"))
		} else if !a.Department.Valid() {
			v.Add("department", lbl("department"), "未知的部门%q，应为：%s", string(a.Department), strings.Join(DepartmentLabels(), "、"))
		}
	} else if a.Department != "" && a.Role.Valid() {
		v.Add("department", lbl("department"), "只有县直部门账号才有部门，%s账号不应填写", a.Role.Label())
	}
	if a.Phone != "" && !validPhone(a.Phone) {
		v.Add("phone", lbl("phone"), "号码%q格式不正确（应为11位手机号或带区号的固定电话）", a.Phone)
	}
	return v.Err()
}

func levelLabels(ls []region.Level) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Label()
	}
	return strings.Join(parts, "、")
}

// validPhone is the registry's phone rule, shared by accounts and households.
func validPhone(p string) bool { return registry.ValidPhone(p) }

// Locked reports whether the account is locked out at now.
func (a Account) Locked(now time.Time) bool { return now.Before(a.LockedUntil) }

// Scope is the part of the data an account may see: the subtree of its
// region. A department account's region is its county; Department is kept so
// that the web layer can narrow what the department works on (its own
// rosters and alerts), not to widen anything.
type Scope struct {
	RegionCode string     // 12 digits
	Department Department // "" unless a department account
}

// ScopeOf returns the scope of an account. A disabled account, or one with a
// malformed region, has an empty scope that contains nothing.
func ScopeOf(a Account) Scope {
	if a.Disabled || len(a.RegionCode) != 12 || region.LevelOf(a.RegionCode) == 0 {
		return Scope{}
	}
	if _, err := region.Normalize(a.RegionCode); err != nil {
		return Scope{}
	}
	s := Scope{RegionCode: a.RegionCode}
	if a.Role.NeedsDepartment() {
		s.Department = a.Department
	}
	return s
}

// Empty reports whether the scope contains nothing.
func (s Scope) Empty() bool { return len(s.RegionCode) != 12 }

// Level is the level of the scope's region (0 if empty).
func (s Scope) Level() region.Level {
	if s.Empty() {
		return 0
	}
	return region.LevelOf(s.RegionCode)
}

// Contains reports whether the 12-digit code lies in the scope. An empty
// scope contains nothing, and a code that is not 12 digits is in no scope.
func (s Scope) Contains(code string) bool {
	if s.Empty() || len(code) != 12 {
		return false
	}
	return region.Contains(s.RegionCode, code)
}

// Range returns the half-open interval [lo, hi) of 12-digit codes in the
// scope, for an indexed query: `region_code >= lo AND region_code < hi`.
// An empty scope returns lo == hi == "", an interval with nothing in it.
func (s Scope) Range() (lo, hi string) {
	if s.Empty() {
		return "", ""
	}
	return region.Range(s.RegionCode)
}

// Check returns nil when code is in the scope and otherwise the NotFound
// error every out-of-scope record answers with, so that a record's
// existence is not revealed. what names the record, e.g. "农户".
func (s Scope) Check(code, what string) error {
	if s.Contains(code) {
		return nil
	}
	if what == "" {
		what = "记录"
	}
	return apperr.New(apperr.NotFound, "%s不存在", what)
}

// CheckManage decides whether actor may create, change, disable, unlock or
// reset the password of target. When an account is changed, call it with the
// account as it is and as it will be: both must be manageable.
//
//   - the actor must have CapManageAccounts, else Forbidden;
//   - the target's region must lie in the actor's scope, else NotFound;
//   - nobody manages their own account this way (a password change by its
//     owner is a separate flow), else Forbidden;
//   - administrator and auditor accounts are managed only from a higher
//     region: a county administrator cannot make or disable another county
//     administrator, nor the auditor who watches it. The first accounts of
//     the top region are made from the command line. Else Forbidden.
func CheckManage(actor, target Account) error {
	if actor.Disabled || !Can(actor.Role, CapManageAccounts) {
		return apperr.New(apperr.Forbidden, "无权管理账号")
	}
	if !ScopeOf(actor).Contains(target.RegionCode) {
		return apperr.New(apperr.NotFound, "账号不存在")
	}
	if target.ID != 0 && target.ID == actor.ID {
		return apperr.New(apperr.Forbidden, "不能在账号管理中修改自己的账号")
	}
	if target.Role == RoleAdmin || target.Role == RoleAuditor {
		if region.LevelOf(target.RegionCode) <= region.LevelOf(actor.RegionCode) {
			return apperr.New(apperr.Forbidden, "%s账号只能由上级区划的管理员管理", target.Role.Label())
		}
	}
	return nil
}
