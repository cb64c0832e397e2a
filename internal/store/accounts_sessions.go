package store

import (
	"context"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
)

// Session is a signed-in browser. Only the hash of its secret is stored.
type Session struct {
	Hash      string
	AccountID int64
	CreatedAt time.Time
	LastSeen  time.Time
	IP        string
	UserAgent string
}

// Expiry is when the session ends unless used again.
func (s *Session) Expiry() time.Time { return auth.SessionExpiry(s.CreatedAt, s.LastSeen) }

// ErrBadLogin is what every failed password check answers, whether the
// username exists or not.
var ErrBadLogin = apperr.New(apperr.Unauthenticated, "用户名或密码不正确")

// ErrSessionExpired answers a missing, expired or revoked session.
var ErrSessionExpired = apperr.New(apperr.Unauthenticated, "登录已失效或超时，请重新登录")

// Login checks a username and password under the lockout policy and, when
// they are right, opens a session and returns the account and the session's
// secret (for the cookie). The client's address comes from the context's
// Actor. Every attempt is audited: a login, a failed login (with the reason),
// a lockout. A locked or disabled account does not get its password checked.
func (db *DB) Login(ctx context.Context, username, password string, pol auth.LoginPolicy, userAgent string) (*auth.Account, string, error) {
	from, _ := ActorFrom(ctx)
	ip := from.IP
	username = auth.NormalizeUsername(username)
	acc, err := db.AccountByUsername(ctx, username)
	if apperr.Is(err, apperr.NotFound) {
		auth.VerifyNoAccount(password)
		shown := username
		if !auth.ValidUsername(shown) {
			shown = "（格式无效）"
		}
		rerr := db.Record(WithActor(ctx, Actor{IP: ip, Role: "anonymous"}), Change{Action: audit.ActLoginFailed, Object: "session",
			Detail: "用户名不存在：" + shown})
		if rerr != nil {
			return nil, "", rerr
		}
		return nil, "", ErrBadLogin
	}
	if err != nil {
		return nil, "", err
	}
	actx := WithActor(ctx, ActorOf(acc, ip))
	now := db.now()
	if err := pol.Check(*acc, now); err != nil {
		reason := "账号已停用"
		if apperr.Is(err, apperr.RateLimited) {
			reason = "账号已锁定"
		}
		if rerr := db.Record(actx, Change{Action: audit.ActLoginFailed, Object: "account", ObjectID: itoa(acc.ID),
			Region: acc.RegionCode, Detail: reason}); rerr != nil {
			return nil, "", rerr
		}
		return nil, "", err
	}
	ok, rehash, verr := auth.VerifyPassword(acc.PasswordHash, password)
	var newHash string
	if ok && rehash {
		newHash, _ = auth.HashPassword(password)
	}
	var secret string
	var result error
	err = db.write(actx, func(tx *Tx) error {
		cur, err := accountTx(tx, acc.ID) // the counters as they are now, not as read before the slow check
		if err != nil {
			return err
		}
		if !ok {
			c, lockedNow := pol.OnFailure(*cur, now)
			if _, err := tx.exec(`UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE id = ?`,
				c.FailedLogins, optTS(c.LockedUntil), acc.ID); err != nil {
				return err
			}
			detail := "密码错误"
			if verr != nil {
				detail = "密码记录损坏"
			}
			if err := tx.audit(Change{Action: audit.ActLoginFailed, Object: "account", ObjectID: itoa(acc.ID),
				Region: acc.RegionCode, Detail: detail}); err != nil {
				return err
			}
			result = ErrBadLogin
			if lockedNow {
				c.Apply(cur)
				result = pol.Check(*cur, now)
				return tx.audit(Change{Action: audit.ActLockout, Object: "account", ObjectID: itoa(acc.ID), Region: acc.RegionCode,
					Detail: "连续登录失败" + itoa(int64(c.FailedLogins)) + "次，锁定至" + c.LockedUntil.Format(time.RFC3339)})
			}
			return nil
		}
		c := pol.OnSuccess(*cur, now)
		if _, err := tx.exec(`UPDATE accounts SET failed_logins = ?, locked_until = ?, last_login_at = ? WHERE id = ?`,
			c.FailedLogins, optTS(c.LockedUntil), optTS(c.LastLoginAt), acc.ID); err != nil {
			return err
		}
		if newHash != "" {
			if _, err := tx.exec(`UPDATE accounts SET password_hash = ? WHERE id = ?`, newHash, acc.ID); err != nil {
				return err
			}
		}
		plain, hash := auth.NewSecret()
		if _, err := tx.exec(`INSERT INTO sessions (hash, account_id, created_at, last_seen, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, acc.ID, ts(now), ts(now), ts(auth.SessionExpiry(now, now)),
			clip(ip, 64), clip(userAgent, 300)); err != nil {
			return err
		}
		secret = plain
		c.Apply(acc)
		return tx.audit(Change{Action: audit.ActLogin, Object: "account", ObjectID: itoa(acc.ID), Region: acc.RegionCode})
	})
	if err != nil {
		return nil, "", err
	}
	if result != nil {
		return nil, "", result
	}
	return acc, secret, nil
}

// SessionAccount returns the account and session of a session secret, if the
// session is still valid at the DB's clock and the account enabled; it
// records the use (at most once a minute, auth.NeedsTouch). Anything else is
// ErrSessionExpired, and an expired session is deleted.
func (db *DB) SessionAccount(ctx context.Context, secret string) (*auth.Account, *Session, error) {
	if !auth.WellFormedSecret(secret) {
		return nil, nil, ErrSessionExpired
	}
	hash := auth.HashSecret(secret)
	var s Session
	var created, seen string
	acc, err := scanAccount(db.queryRow(ctx, `SELECT `+accountCols+`, s.created_at, s.last_seen, s.ip, s.user_agent
		FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.hash = ?`, hash), &created, &seen, &s.IP, &s.UserAgent)
	if errNoRows(err) {
		return nil, nil, ErrSessionExpired
	}
	if err != nil {
		return nil, nil, translate(err)
	}
	s.Hash, s.AccountID, s.CreatedAt, s.LastSeen = hash, acc.ID, parseTS(created), parseTS(seen)
	now := db.now()
	if acc.Disabled || !auth.SessionValid(s.CreatedAt, s.LastSeen, now) {
		_ = db.write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`DELETE FROM sessions WHERE hash = ?`, hash)
			return err
		})
		return nil, nil, ErrSessionExpired
	}
	if auth.NeedsTouch(s.LastSeen, now) {
		s.LastSeen = now
		if err := db.write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE sessions SET last_seen = ?, expires_at = ? WHERE hash = ?`,
				ts(now), ts(s.Expiry()), hash)
			return err
		}); err != nil {
			return nil, nil, err
		}
	}
	return acc, &s, nil
}

// Logout ends a session and records it.
func (db *DB) Logout(ctx context.Context, secret string) error {
	if !auth.WellFormedSecret(secret) {
		return nil
	}
	hash := auth.HashSecret(secret)
	return db.write(ctx, func(tx *Tx) error {
		var id int64
		var code string
		err := tx.queryRow(`SELECT a.id, a.region_code FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.hash = ?`, hash).Scan(&id, &code)
		if errNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActLogout, Object: "account", ObjectID: itoa(id), Region: code})
	})
}

// endSessions deletes the sessions of an account except keep (a hash, or "").
func endSessions(tx *Tx, accountID int64, keep string) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE account_id = ? AND hash <> ?`, accountID, keep)
	return err
}

// PurgeSessions deletes the sessions that have expired and returns how many.
func (db *DB) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= ?`, ts(db.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
