package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
)

// APIToken is a bearer token issued to an account for an API client. The
// client acts as that account: its role and its scope. Only the hash of the
// token is stored; the plain token is shown once, when issued.
type APIToken struct {
	ID         int64     `json:"id"`
	AccountID  int64     `json:"account_id"`
	Username   string    `json:"username"`
	Name       string    `json:"name"` // what it is for, e.g. "教育局学籍比对"
	Hint       string    `json:"hint"` // e.g. "sbk_Xy3q…"
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

const tokenCols = `t.id, t.account_id, a.username, t.name, t.hint, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.last_used_at`

func scanToken(sc interface{ Scan(...any) error }) (*APIToken, error) {
	var t APIToken
	var created, expires, revoked, used string
	if err := sc.Scan(&t.ID, &t.AccountID, &t.Username, &t.Name, &t.Hint, &created, &t.CreatedBy, &expires, &revoked, &used); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = parseTS(created), parseOptTS(expires), parseOptTS(revoked), parseOptTS(used)
	return &t, nil
}

// IssueToken issues a token for an account the actor manages (nil: the
// system). expires may be zero (no expiry). It returns the plain token, to
// be shown once.
func (db *DB) IssueToken(ctx context.Context, by *auth.Account, accountID int64, name string, expires time.Time) (string, *APIToken, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, apperr.Field("name", "用途", "不能为空（写明令牌给谁、做什么用）")
	case n > 100:
		return "", nil, apperr.Field("name", "用途", "不能超过100个字符")
	}
	now := db.now()
	if !expires.IsZero() && !expires.After(now) {
		return "", nil, apperr.Field("expires_at", "有效期", "应晚于现在")
	}
	plain, hash := auth.NewAPIToken()
	var tok *APIToken
	err := db.write(ctx, func(tx *Tx) error {
		a, err := accountTx(tx, accountID)
		if err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			return err
		}
		if a.Disabled {
			return apperr.New(apperr.Conflict, "账号%s已停用，不能签发令牌", a.Username)
		}
		createdBy := "system"
		if by != nil {
			createdBy = by.Username
		}
		tok = &APIToken{AccountID: a.ID, Username: a.Username, Name: name, Hint: auth.APITokenHint(plain), CreatedAt: now,
			CreatedBy: createdBy, ExpiresAt: expires.UTC()}
		if err := tx.queryRow(`INSERT INTO api_tokens (hash, hint, account_id, name, created_at, created_by, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, hash, tok.Hint, a.ID, name, ts(now), createdBy, optTS(tok.ExpiresAt)).Scan(&tok.ID); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActTokenIssue, Object: "api_token", ObjectID: itoa(tok.ID), Region: a.RegionCode,
			Detail: "为" + a.Username + "签发：" + name, New: tok})
	})
	if err != nil {
		return "", nil, err
	}
	return plain, tok, nil
}

// RevokeToken revokes a token of an account the actor manages.
func (db *DB) RevokeToken(ctx context.Context, by *auth.Account, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		t, err := scanToken(tx.queryRow(`SELECT `+tokenCols+` FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?`, id))
		if errNoRows(err) {
			return apperr.New(apperr.NotFound, "令牌不存在")
		}
		if err != nil {
			return err
		}
		a, err := accountTx(tx, t.AccountID)
		if err != nil {
			return err
		}
		if err := checkManage(by, a); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.New(apperr.NotFound, "令牌不存在")
			}
			return err
		}
		if !t.RevokedAt.IsZero() {
			return nil
		}
		if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, ts(db.now()), id); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActTokenRevoke, Object: "api_token", ObjectID: itoa(id), Region: a.RegionCode,
			Detail: "吊销" + a.Username + "的令牌：" + t.Name})
	})
}

// Tokens lists the tokens of the accounts in the scope (of one account when
// accountID is not 0), newest first.
func (db *DB) Tokens(ctx context.Context, sc Scope, accountID int64) ([]APIToken, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + tokenCols + ` FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE a.region_code >= ? AND a.region_code < ?`
	args := []any{lo, hi}
	if accountID != 0 {
		q += ` AND t.account_id = ?`
		args = append(args, accountID)
	}
	rows, err := db.query(ctx, q+` ORDER BY t.id DESC`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, *t)
	}
	return out, translate(rows.Err())
}

// ErrBadToken answers a missing, malformed, revoked or expired token.
var ErrBadToken = apperr.New(apperr.Unauthenticated, "接口令牌无效、已过期或已吊销")

// TokenAccount returns the account a bearer token acts as, if the token is
// active and the account enabled, and records its use (at most once a
// minute).
func (db *DB) TokenAccount(ctx context.Context, plain string) (*auth.Account, *APIToken, error) {
	if !auth.WellFormedAPIToken(plain) {
		return nil, nil, ErrBadToken
	}
	t, err := scanToken(db.queryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?`,
		auth.HashSecret(plain)))
	if errNoRows(err) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, translate(err)
	}
	now := db.now()
	if !t.Active(now) {
		return nil, nil, ErrBadToken
	}
	acc, err := db.accountByID(ctx, t.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if acc.Disabled {
		return nil, nil, ErrBadToken
	}
	if t.LastUsedAt.IsZero() || auth.NeedsTouch(t.LastUsedAt, now) {
		t.LastUsedAt = now
		if err := db.write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(now), t.ID)
			return err
		}); err != nil {
			return nil, nil, err
		}
	}
	return acc, t, nil
}
