package store

import (
	"context"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/region"
)

// Accounts. Every change is made by someone: by is the account doing it,
// checked with auth.CheckManage inside the transaction (the administrator
// must reach the account's region, before and after the change), or nil for
// the system itself (the command line run by the server's operator).

const accountCols = `a.id, a.username, a.display_name, a.role, a.department, a.region_code, a.phone, a.disabled,
	a.password_hash, a.failed_logins, a.locked_until, a.last_login_at, a.created_at`

func scanAccount(sc interface{ Scan(...any) error }, extra ...any) (*auth.Account, error) {
	var a auth.Account
	var role, dept, locked, last, created string
	err := sc.Scan(append([]any{&a.ID, &a.Username, &a.DisplayName, &role, &dept, &a.RegionCode, &a.Phone, &a.Disabled,
		&a.PasswordHash, &a.FailedLogins, &locked, &last, &created}, extra...)...)
	if err != nil {
		return nil, err
	}
	a.Role, a.Department = auth.Role(role), auth.Department(dept)
	a.LockedUntil, a.LastLoginAt, a.CreatedAt = parseOptTS(locked), parseOptTS(last), parseTS(created)
	return &a, nil
}

// optTS stores an optional time: "" when zero.
func optTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

func parseOptTS(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return parseTS(s)
}

var errNoAccount = apperr.New(apperr.NotFound, "账号不存在")

func accountTx(tx *Tx, id int64) (*auth.Account, error) {
	a, err := scanAccount(tx.queryRow(`SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`, id))
	if errNoRows(err) {
		return nil, errNoAccount
	}
	return a, err
}

// checkManage applies auth.CheckManage unless by is the system (nil).
func checkManage(by, target *auth.Account) error {
	if by == nil {
		return nil
	}
	return auth.CheckManage(*by, *target)
}

// checkAccount normalises and validates a, and checks its region exists.
func checkAccount(tx *Tx, a *auth.Account) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM regions WHERE code = ?`, a.RegionCode).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("region_code", auth.AccountLabels["region_code"], "区划%s未登记", a.RegionCode)
	}
	return nil
}

func usernameTaken(a *auth.Account) error {
	msg := "用户名“" + a.Username + "”已被使用"
	return &apperr.Error{Code: apperr.Conflict, Message: msg,
		Fields: []apperr.FieldError{{Field: "username", Label: auth.AccountLabels["username"], Message: msg}}}
}

// hashNewPassword checks the password policy and hashes the password (slow:
// argon2id; done before the transaction).
func hashNewPassword(username, password string) (string, error) {
	if err := auth.CheckPasswordPolicy(username, password); err != nil {
		return "", err
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return "", apperr.Wrap(err, "hash password")
	}
	return h, nil
}

// CreateAccount adds an account with a password (checked against the
// password policy) and fills in its ID.
func (db *DB) CreateAccount(ctx context.Context, by *auth.Account, a *auth.Account, password string) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	if err := checkManage(by, a); err != nil {
		return err
	}
	hash, err := hashNewPassword(a.Username, password)
	if err != nil {
		return err
	}
	now := db.now()
	return db.write(ctx, func(tx *Tx) error {
		a.ID, a.Disabled, a.FailedLogins, a.LockedUntil, a.LastLoginAt = 0, false, 0, time.Time{}, time.Time{}
		if err := checkAccount(tx, a); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT count(*) FROM accounts WHERE username = ?`, a.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return usernameTaken(a)
		}
		err := tx.queryRow(`INSERT INTO accounts (username, display_name, role, department, region_code, phone, password_hash,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Username, a.DisplayName, string(a.Role), string(a.Department), a.RegionCode, a.Phone, hash, ts(now), ts(now)).Scan(&a.ID)
		if err != nil {
			return err
		}
		a.PasswordHash, a.CreatedAt = hash, now
		return tx.audit(Change{Action: audit.ActCreate, Object: "account", ObjectID: itoa(a.ID), Region: a.RegionCode, New: a})
	})
}

// UpdateAccount changes the name, role, department, region and phone of an
// account (not its username, password or state) and returns it as it was.
func (db *DB) UpdateAccount(ctx context.Context, by *auth.Account, a *auth.Account) (*auth.Account, error) {
	var old *auth.Account
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		if old, err = accountTx(tx, a.ID); err != nil {
			return err
		}
		if err := checkManage(by, old); err != nil {
			return err
		}
		a.Username = old.Username
		if err := checkAccount(tx, a); err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE accounts SET display_name = ?, role = ?, department = ?, region_code = ?, phone = ?, updated_at = ?
			WHERE id = ?`, a.DisplayName, string(a.Role), string(a.Department), a.RegionCode, a.Phone, ts(db.now()), a.ID); err != nil {
			return err
		}
		a.Disabled, a.PasswordHash, a.FailedLogins, a.LockedUntil, a.LastLoginAt, a.CreatedAt =
			old.Disabled, old.PasswordHash, old.FailedLogins, old.LockedUntil, old.LastLoginAt, old.CreatedAt
		return tx.audit(Change{Action: audit.ActUpdate, Object: "account", ObjectID: itoa(a.ID), Region: a.RegionCode, Old: old, New: a})
	})
	return old, err
}

// SetAccountDisabled disables (ending its sessions) or enables an account.
func (db *DB) SetAccountDisabled(ctx context.Context, by *auth.Account, id int64, disabled bool) error {
	return db.write(ctx, func(tx *Tx) error {
		a, err := accountTx(tx, id)
		if err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			return err
		}
		if a.Disabled == disabled {
			return nil
		}
		if _, err := tx.exec(`UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, ts(db.now()), id); err != nil {
			return err
		}
		act := audit.ActAccountEnable
		if disabled {
			act = audit.ActAccountDisable
			if err := endSessions(tx, id, ""); err != nil {
				return err
			}
		}
		return tx.audit(Change{Action: act, Object: "account", ObjectID: itoa(id), Region: a.RegionCode, Detail: a.Username,
			Old: map[string]bool{"disabled": a.Disabled}, New: map[string]bool{"disabled": disabled}})
	})
}

// ResetPassword sets a new password chosen by an administrator, unlocks the
// account and ends its sessions.
func (db *DB) ResetPassword(ctx context.Context, by *auth.Account, id int64, password string) error {
	a, err := db.accountForManage(ctx, by, id)
	if err != nil {
		return err
	}
	hash, err := hashNewPassword(a.Username, password)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		a, err := accountTx(tx, id)
		if err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = '', updated_at = ? WHERE id = ?`,
			hash, ts(db.now()), id); err != nil {
			return err
		}
		if err := endSessions(tx, id, ""); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActPasswordReset, Object: "account", ObjectID: itoa(id), Region: a.RegionCode, Detail: a.Username})
	})
}

// UnlockAccount clears the failed-login counter and the lock.
func (db *DB) UnlockAccount(ctx context.Context, by *auth.Account, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		a, err := accountTx(tx, id)
		if err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			return err
		}
		c := auth.Unlock(*a)
		if _, err := tx.exec(`UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE id = ?`,
			c.FailedLogins, optTS(c.LockedUntil), id); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActUnlock, Object: "account", ObjectID: itoa(id), Region: a.RegionCode, Detail: a.Username})
	})
}

// ChangePassword is the owner's own change: the current password must be
// right. Every other session of the account ends; keepSession (the hash of
// the session making the change, or "") stays.
func (db *DB) ChangePassword(ctx context.Context, id int64, current, next, keepSession string) error {
	a, err := db.accountByID(ctx, id)
	if err != nil {
		return err
	}
	ok, _, err := auth.VerifyPassword(a.PasswordHash, current)
	if err != nil {
		return apperr.Wrap(err, "verify password")
	}
	if !ok {
		return apperr.Field("current_password", "当前密码", "不正确")
	}
	if next == current {
		return apperr.Field("password", auth.AccountLabels["password"], "新密码不能与当前密码相同")
	}
	hash, err := hashNewPassword(a.Username, next)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE accounts SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, ts(db.now()), id); err != nil {
			return err
		}
		if err := endSessions(tx, id, keepSession); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActPasswordChange, Object: "account", ObjectID: itoa(id), Region: a.RegionCode, Detail: a.Username})
	})
}

func (db *DB) accountByID(ctx context.Context, id int64) (*auth.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.id = ?`, id))
	if errNoRows(err) {
		return nil, errNoAccount
	}
	return a, translate(err)
}

// accountForManage reads an account the actor may manage (before slow work).
func (db *DB) accountForManage(ctx context.Context, by *auth.Account, id int64) (*auth.Account, error) {
	a, err := db.accountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, checkManage(by, a)
}

// Account returns an account whose region lies in the scope.
func (db *DB) Account(ctx context.Context, sc Scope, id int64) (*auth.Account, error) {
	a, err := db.accountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sc.Contains(a.RegionCode) {
		return nil, errNoAccount
	}
	return a, nil
}

// AccountByUsername finds an account by its login name, whatever its region
// (the command line and the login form).
func (db *DB) AccountByUsername(ctx context.Context, username string) (*auth.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountCols+` FROM accounts a WHERE a.username = ?`, auth.NormalizeUsername(username)))
	if errNoRows(err) {
		return nil, errNoAccount
	}
	return a, translate(err)
}

// AccountFilter selects accounts in a list.
type AccountFilter struct {
	Region string // a subtree inside the scope
	Role   auth.Role
	Q      string // username or name prefix
	Limit  int    // default 100, at most 500
	Offset int
}

// AccountRow is an account in a list, with its region's name.
type AccountRow struct {
	auth.Account
	RegionName string `json:"region_name"`
}

// ListAccounts lists the accounts whose region lies in the scope, by region
// then username.
func (db *DB) ListAccounts(ctx context.Context, sc Scope, f AccountFilter) ([]AccountRow, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return nil, apperr.Field("region", "区域", "%s", err.Error())
		}
		f.Region = code
	}
	lo, hi, err := sc.narrow(f.Region)
	if err != nil {
		return nil, err
	}
	where := []string{"a.region_code >= ?", "a.region_code < ?"}
	args := []any{lo, hi}
	if f.Role != "" {
		where, args = append(where, "a.role = ?"), append(args, string(f.Role))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		plo, phi := prefixRange(q)
		ulo, uhi := prefixRange(auth.NormalizeUsername(q))
		where, args = append(where, "((a.username >= ? AND a.username < ?) OR (a.display_name >= ? AND a.display_name < ?))"),
			append(args, ulo, uhi, plo, phi)
	}
	rows, err := db.query(ctx, `SELECT `+accountCols+`, COALESCE(r.name, '') FROM accounts a LEFT JOIN regions r ON r.code = a.region_code
		WHERE `+strings.Join(where, " AND ")+` ORDER BY a.region_code, a.username LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []AccountRow{}
	for rows.Next() {
		var name string
		a, err := scanAccount(rows, &name)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, AccountRow{Account: *a, RegionName: name})
	}
	return out, translate(rows.Err())
}
