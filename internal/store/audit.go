package store

// The audit trail in the store.
//
// Every write records what it did in the same transaction as the write
// itself, so that the data and its trail cannot disagree: the write function
// calls tx.audit(Change{...}) inside db.write, and db.write seals the queued
// entries with the chain (package audit) and appends them just before it
// commits. Who did it comes from the context (WithActor, set by the web layer
// for every request and by the command line for its own writes); a context
// without an actor records the system.
//
// To audit a new write in another file of this package:
//
//	return db.write(ctx, func(tx *Tx) error {
//		old, err := ...read the row in scope...
//		...write...
//		return tx.audit(Change{Action: audit.ActUpdate, Object: "problem",
//			ObjectID: itoa(p.ID), Region: p.RegionCode, Old: old, New: p})
//	})
//
// Old and New are any JSON-encodable values (usually the record's struct);
// only the top-level fields that differ are kept (audit.Diff), and ID numbers
// and phones are masked (auditMask). Events that change no table (an export,
// revealing a full ID number) are recorded with db.Record.
//
// The chain has one writer at a time: appending locks the one-row
// audit_head table (on SQLite the write transaction already holds the
// database lock), so Seq has no gaps, and because entries are appended last
// the lock is held only until the commit.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
)

// Actor is who performs a request: the account (none for the system or an
// anonymous caller) and the client address.
type Actor struct {
	AccountID int64
	Username  string
	Role      string // auth.Role code, or "system"
	IP        string
}

type actorKey struct{}

// WithActor returns a context carrying the actor every audit entry written
// under it records.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of a context.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// ActorOf is the actor of an account acting from ip.
func ActorOf(a *auth.Account, ip string) Actor {
	return Actor{AccountID: a.ID, Username: a.Username, Role: string(a.Role), IP: ip}
}

// SetAuditKey sets the key audit entries are sealed and verified with
// (HMAC-SHA256; nil for plain SHA-256). The key is kept outside the database;
// set it once, right after Open, before any write.
func (db *DB) SetAuditKey(key []byte) {
	db.chain, db.auditKey = audit.NewChain(key), append([]byte(nil), key...)
}

// AuditKeyed reports whether an audit key is set.
func (db *DB) AuditKeyed() bool { return db.chain.Keyed() }

// Change describes one write, or one event, for the audit trail.
type Change struct {
	Action   audit.Action
	Object   string // e.g. "household", "member", "account", "session"
	ObjectID string
	Region   string // 12-digit code of the object's region (scopes the entry)
	Detail   string // Chinese, e.g. "导出农户名单 132 户"
	Old, New any    // the record before and after; nil for none
}

// auditDiff drops what every write changes or what queries fill in, and
// masks personal data (audit.DiffOptions.Mask): the trail shows that an ID
// number or phone changed, not the numbers.
var auditDiff = audit.DiffOptions{
	Omit: []string{"created_at", "updated_at", "members", "member_count", "head_name", "head_id_number",
		"failed_logins", "locked_until", "last_login_at"},
	Mask: map[string]func(string) string{"id_number": idcard.Mask, "phone": auth.MaskPhone},
}

// audit queues an entry for c; db.write appends it before committing.
func (tx *Tx) audit(c Change) error {
	oldJ, newJ, err := audit.DiffWith(c.Old, c.New, auditDiff)
	if err != nil {
		return err
	}
	a, _ := ActorFrom(tx.ctx)
	if a.Role == "" && a.AccountID == 0 {
		a.Role = "system"
	}
	tx.pending = append(tx.pending, audit.Entry{
		Actor: a.Username, ActorID: a.AccountID, Role: a.Role, IP: clip(a.IP, 64),
		Action: c.Action, Object: c.Object, ObjectID: c.ObjectID, Region: c.Region, Detail: clip(c.Detail, 500),
		Old: oldJ, New: newJ,
	})
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func countyOfRegion(code string) string {
	if len(code) == 12 && region.LevelOf(code) >= region.County {
		return region.CountyOf(code)
	}
	return ""
}

// flushAudit seals the queued entries after the chain's head and appends
// them, holding the head's lock until the transaction ends.
func (tx *Tx) flushAudit() error {
	if len(tx.pending) == 0 {
		return nil
	}
	lock := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if tx.db.dialect == Postgres {
		lock += ` FOR UPDATE`
	}
	var head audit.Head
	if err := tx.queryRow(lock).Scan(&head.Seq, &head.Hash); err != nil {
		return apperr.Wrap(err, "audit head")
	}
	now := tx.db.now()
	for i := range tx.pending {
		e := &tx.pending[i]
		e.At = now
		if err := tx.db.chain.Seal(head, e); err != nil {
			return apperr.Wrap(err, "audit seal")
		}
		head = e.Head()
	}
	// Many rows to a statement: an import appends hundreds of thousands
	// of entries, and one round trip each would cost more than the rows.
	insert := func(table string, cols []string, n int, fill func(i int, row []any)) error {
		return batchInsert(tx, table, cols, n, fill)
	}
	if tx.bulk != nil {
		insert = tx.bulk
	}
	if err := insert("audit_log", auditInsertCols, len(tx.pending), func(i int, row []any) {
		e := &tx.pending[i]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = e.Seq, ts(e.At), e.Actor, e.ActorID, e.Role, e.IP, string(e.Action), e.Object
		row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15] = e.ObjectID, e.Region, countyOfRegion(e.Region), e.Detail, string(e.Old), string(e.New), e.PrevHash, e.Hash
	}); err != nil {
		return err
	}
	tx.pending = nil
	_, err := tx.exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, head.Seq, head.Hash)
	return err
}

// Record appends an entry for an event that changes no table (a login, an
// export, revealing a full ID number) in a transaction of its own.
func (db *DB) Record(ctx context.Context, c Change) error {
	return db.write(ctx, func(tx *Tx) error { return tx.audit(c) })
}

var auditInsertCols = []string{"seq", "at", "actor", "actor_id", "role", "ip", "action", "object", "object_id", "region",
	"county", "detail", "old", "new", "prev_hash", "hash"}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const auditCols = `seq, at, actor, actor_id, role, ip, action, object, object_id, region, detail, old, new, prev_hash, hash`

func scanEntry(sc interface{ Scan(...any) error }) (audit.Entry, error) {
	var e audit.Entry
	var at, action, oldJ, newJ string
	err := sc.Scan(&e.Seq, &at, &e.Actor, &e.ActorID, &e.Role, &e.IP, &action, &e.Object, &e.ObjectID, &e.Region,
		&e.Detail, &oldJ, &newJ, &e.PrevHash, &e.Hash)
	e.At, e.Action = parseTS(at), audit.Action(action)
	if oldJ != "" {
		e.Old = []byte(oldJ)
	}
	if newJ != "" {
		e.New = []byte(newJ)
	}
	return e, err
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Region   string // a subtree inside the scope ("" = the whole scope)
	Actor    string // username (exact)
	Action   audit.Action
	Object   string
	ObjectID string
	From, To time.Time // At in [From, To); zero = unbounded
	Before   int64     // entries with Seq < Before (keyset paging); 0 = from the newest
	Limit    int       // default 50, at most 500
}

// AuditPage is a page of entries, newest first.
type AuditPage struct {
	Items []audit.Entry `json:"items"`
	// Next is the Before of the next page, 0 when this is the last.
	Next int64 `json:"next"`
}

// AuditEntries lists the entries whose region lies in the scope, newest
// first. Entries with no region (a failed login with an unknown username)
// belong to the province level: a scope of a whole province sees them too.
func (db *DB) AuditEntries(ctx context.Context, sc Scope, f AuditFilter) (*AuditPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
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
	cond := "(region >= ? AND region < ?)"
	args := []any{lo, hi}
	if f.Region == "" && (sc.Region == "*" || (len(sc.Region) == 12 && region.LevelOf(sc.Region) == region.Province)) {
		cond = "(" + cond + " OR region = '')"
	}
	where := []string{cond}
	add := func(c string, v any) { where, args = append(where, c), append(args, v) }
	if f.Actor != "" {
		add("actor = ?", auth.NormalizeUsername(f.Actor))
	}
	if f.Action != "" {
		add("action = ?", string(f.Action))
	}
	if f.Object != "" {
		add("object = ?", f.Object)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", ts(f.To))
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	page := &AuditPage{Items: []audit.Entry{}}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, translate(err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.Next = page.Items[f.Limit-1].Seq
	}
	return page, nil
}

// AuditHead returns the head of the chain as the head table records it.
func (db *DB) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	return h, translate(err)
}

// VerifyAudit checks the whole chain with the DB's key (SetAuditKey), in Seq
// order and constant memory, against optional anchors recorded outside the
// database. It returns the head of the verified chain and how many entries
// it checked; a break is an *audit.ChainError naming the first bad entry.
// It also checks that the chain ends where the head table says.
func (db *DB) VerifyAudit(ctx context.Context, anchors ...audit.Head) (audit.Head, int64, error) {
	v := audit.NewVerifier(db.auditKey)
	for _, a := range anchors {
		v.Anchor(a)
	}
	const batch = 5000
	var after int64
	for {
		rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, batch)
		if err != nil {
			return audit.Head{}, v.Count(), translate(err)
		}
		n := 0
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return audit.Head{}, v.Count(), translate(err)
			}
			n++
			after = e.Seq
			if err := v.Add(e); err != nil {
				rows.Close()
				head, _ := v.Finish()
				return head, v.Count(), err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return audit.Head{}, v.Count(), translate(err)
		}
		if n < batch {
			break
		}
	}
	head, err := v.Finish()
	if err != nil {
		return head, v.Count(), err
	}
	recorded, err := db.AuditHead(ctx)
	if err != nil {
		return head, v.Count(), err
	}
	switch {
	case recorded.Seq > head.Seq:
		return head, v.Count(), &audit.ChainError{Seq: head.Seq + 1, Problem: audit.Truncated,
			Message: "审计记录在第" + itoa(head.Seq) + "条之后被截断：链头记录表明应有" + itoa(recorded.Seq) + "条"}
	case recorded != head:
		return head, v.Count(), &audit.ChainError{Seq: head.Seq, Problem: audit.Rewritten,
			Message: "审计记录第" + itoa(head.Seq) + "条与链头记录不符：记录被改写"}
	}
	return head, v.Count(), nil
}

// errNoRows reports sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
