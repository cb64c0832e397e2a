// Package audit defines Sanbao's audit trail: who did what to which record,
// when, from where, with the values before and after; and the hash chain
// that makes the trail tamper-evident. It does no I/O: the store appends and
// reads entries, this package seals and verifies them.
//
// # The chain
//
// Every entry carries the hash of the one before it (PrevHash) and its own
// Hash over a canonical encoding of all its fields, Seq and PrevHash
// included (see Canonical). Hash is HMAC-SHA256 under a key when one is
// configured, plain SHA-256 otherwise. A Verifier fed the entries in Seq
// order finds the first entry that was edited (its hash no longer matches),
// deleted (a gap in Seq, or a PrevHash that no longer links), inserted,
// moved or swapped.
//
// # What it protects against, and what it does not
//
// Without a key, the chain catches corruption and careless edits, but anyone
// who can write to the database can recompute every hash after a change: the
// chain then verifies. With a key kept outside the database (in the server's
// configuration or environment, not in the database nor in its backups),
// someone who holds only the database (a leaked password, an SQL injection, a
// tampered backup, a DBA) cannot forge a hash: any edit, deletion, insertion
// or reordering before the last entry is detected.
//
// Two things remain. Deleting the newest entries leaves a shorter chain that
// still verifies; and whoever holds the key as well (the server itself, its
// operator) can rewrite the tail from any point on. Both are caught by
// anchors: the head (Seq, Hash) recorded from time to time outside the
// database and out of the operator's reach (the application log shipped
// elsewhere, a monthly report printed and signed, a message to the city).
// Verifier.Anchor takes them; a chain that ends before an anchor, or differs
// from it, fails. Nothing catches what was never written (a compromised
// server can simply not log), and the chain does not hide anything: Old and
// New are readable by whoever may read the trail, so personal data in them
// should be masked (DiffOptions.Mask).
//
// # Rules for the store
//
//   - Append under a lock (one writer: a transaction that reads the head and
//     inserts, serialised e.g. by a row lock on a one-row head table or an
//     advisory lock), calling Chain.Seal with the current head. Seq comes
//     from the chain, never from a database sequence: sequences leave gaps on
//     rollback, which the verifier would report as deletions.
//   - Store what Seal leaves in the Entry, unchanged: At has microsecond
//     precision in UTC (timestamptz in PostgreSQL; in SQLite store
//     FormatTime(At) as text), Old and New are canonical JSON (store them as
//     text or json; jsonb is tolerated since verification canonicalises
//     again, but it may rewrite numbers such as 1e2).
//   - Never UPDATE or DELETE entries. Archiving old entries is done by
//     recording the last archived Head and verifying from it
//     (NewVerifierFrom).
//   - Key rotation: seal with the new key from some entry on, record that
//     entry's predecessor's Head, and verify the two segments with their keys.
//   - The auditor browses entries whose Region lies in their scope
//     (auth.Scope.Range). Entries with an empty Region (e.g. a failed login
//     with an unknown username) are for an auditor of the province.
package audit

import (
	"encoding/json"
	"time"
)

// Entry is one line of the audit trail.
type Entry struct {
	Seq      int64           `json:"seq"`       // 1, 2, 3, ... without gaps
	At       time.Time       `json:"at"`        // UTC, microseconds
	Actor    string          `json:"actor"`     // username; "" for the system or an anonymous caller
	ActorID  int64           `json:"actor_id"`  // account id; 0 if none
	Role     string          `json:"role"`      // the actor's role code at the time
	IP       string          `json:"ip"`        // client address
	Action   Action          `json:"action"`    // what was done
	Object   string          `json:"object"`    // table or kind, e.g. "household", "account", "ledger"
	ObjectID string          `json:"object_id"` // its id, as text
	Region   string          `json:"region"`    // 12-digit code of the object's region, for scoping
	Detail   string          `json:"detail"`    // free text in Chinese, e.g. "导出问题台账 132 条"
	Old      json.RawMessage `json:"old,omitempty"`
	New      json.RawMessage `json:"new,omitempty"`
	PrevHash string          `json:"prev_hash"` // Hash of entry Seq-1; "" for entry 1
	Hash     string          `json:"hash"`      // lower-case hex
}

// Head identifies the last entry of a chain: enough to continue it (Seal) or
// to check it later (Anchor, NewVerifierFrom). The zero Head is the start of
// an empty chain.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Head returns the head of a chain ending at e.
func (e Entry) Head() Head { return Head{Seq: e.Seq, Hash: e.Hash} }

// Action is what an entry records. The code name is stored; the label is
// shown. Actions not in the table below are allowed (any code of lower-case
// letters, digits and '_', starting with a letter) so that new features can
// log new actions; they show their code until given a label here.
type Action string

const (
	ActCreate         Action = "create"          // 新增
	ActUpdate         Action = "update"          // 修改
	ActDelete         Action = "delete"          // 删除
	ActLogin          Action = "login"           // 登录
	ActLoginFailed    Action = "login_failed"    // 登录失败
	ActLogout         Action = "logout"          // 退出登录
	ActLockout        Action = "lockout"         // 账号锁定
	ActUnlock         Action = "account_unlock"  // 解除锁定
	ActExport         Action = "export"          // 导出
	ActImport         Action = "import"          // 导入
	ActViewFullID     Action = "view_full_id"    // 查看完整身份证号/电话
	ActPasswordReset  Action = "password_reset"  // 重置密码
	ActPasswordChange Action = "password_change" // 修改密码
	ActAccountDisable Action = "account_disable" // 停用账号
	ActAccountEnable  Action = "account_enable"  // 启用账号
	ActTokenIssue     Action = "token_issue"     // 签发接口令牌
	ActTokenRevoke    Action = "token_revoke"    // 吊销接口令牌
	ActRunRules       Action = "run_rules"       // 运行排查规则
	ActUploadRoster   Action = "upload_roster"   // 上传部门名单
	ActVerifyAlert    Action = "verify_alert"    // 核实反馈预警
	ActAccept         Action = "accept"          // 验收
	ActExtend         Action = "extend"          // 延长整改时限
	ActReview         Action = "review"          // 审核
	ActApprove        Action = "approve"         // 审定
	ActReject         Action = "reject"          // 退回
	ActSign           Action = "sign"            // 签字 (a visit: 谁排查、谁签字、谁负责)
)

var actions = []struct {
	act   Action
	label string
}{
	{ActCreate, "新增"},
	{ActUpdate, "修改"},
	{ActDelete, "删除"},
	{ActLogin, "登录"},
	{ActLoginFailed, "登录失败"},
	{ActLogout, "退出登录"},
	{ActLockout, "账号锁定"},
	{ActUnlock, "解除锁定"},
	{ActExport, "导出"},
	{ActImport, "导入"},
	{ActViewFullID, "查看完整身份证号"},
	{ActPasswordReset, "重置密码"},
	{ActPasswordChange, "修改密码"},
	{ActAccountDisable, "停用账号"},
	{ActAccountEnable, "启用账号"},
	{ActTokenIssue, "签发接口令牌"},
	{ActTokenRevoke, "吊销接口令牌"},
	{ActRunRules, "运行排查规则"},
	{ActUploadRoster, "上传部门名单"},
	{ActVerifyAlert, "核实反馈预警"},
	{ActAccept, "验收"},
	{ActExtend, "延长整改时限"},
	{ActReview, "审核"},
	{ActApprove, "审定"},
	{ActReject, "退回"},
	{ActSign, "签字"},
}

// Actions lists the known actions in display order.
func Actions() []Action {
	out := make([]Action, len(actions))
	for i, a := range actions {
		out[i] = a.act
	}
	return out
}

// Known reports whether a is in the table.
func (a Action) Known() bool {
	for _, x := range actions {
		if x.act == a {
			return true
		}
	}
	return false
}

// Label is the Chinese name of the action, or its code if it has none.
func (a Action) Label() string {
	for _, x := range actions {
		if x.act == a {
			return x.label
		}
	}
	return string(a)
}

func (a Action) String() string { return string(a) }

// ValidCode reports whether a is a well-formed action code: 1 to 40
// lower-case letters, digits and '_', starting with a letter.
func (a Action) ValidCode() bool {
	if len(a) == 0 || len(a) > 40 || a[0] < 'a' || a[0] > 'z' {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ParseAction accepts a code name or a Chinese label of a known action.
func ParseAction(s string) (Action, bool) {
	for _, x := range actions {
		if s == string(x.act) || s == x.label {
			return x.act, true
		}
	}
	return "", false
}
