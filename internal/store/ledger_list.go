package store

import (
	"context"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

// ProblemFilter selects problems of the ledger. Empty fields do not filter.
type ProblemFilter struct {
	Region      string         // 12-digit code (or prefix) of a subtree inside the scope
	TaskForce   string         // 专班, exact
	LeadUnit    string         // 牵头单位, exact
	Dimension   string         // code, label or alias
	Result      string         // code or one of the three words
	States      []ledger.State // any of
	Stage       string         // key of the open stage (verify, decide, plan, rectify_ordinary, …)
	Due         deadline.State // of the open stage: overdue, due_soon or pending
	Accountable bool           // on the accountability list
	Owner       string         // 责任人, exact
	LeadUnits   []string       // any of these lead units (a department's names)
	HouseholdID int64
	CreatedBy   int64  // account that reported it
	Number      string // problem number, or its prefix
	// Order: "" lists by region then id; "due" lists the most urgent open
	// stage first; "flagged" the latest accountability flag first.
	Order   string
	Limit   int // default 50, at most 500
	Offset  int
	NoTotal bool // skip counting the whole result
}

// ProblemPage is one page of the ledger. Items carry no history, progress
// or extensions (Problem reads those).
type ProblemPage struct {
	Items  []*ledger.Problem `json:"items"`
	Total  int64             `json:"total"` // -1 when not counted
	Limit  int               `json:"limit"`
	Offset int               `json:"offset"`
	Now    time.Time         `json:"now"` // the moment the marks are computed at
}

// where builds the WHERE clause of a filter inside the scope, at now.
func (f *ProblemFilter) where(sc Scope, now time.Time) (string, []any, error) {
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return "", nil, apperr.Field("region", ledger.FieldLabel("region"), "%s", err.Error())
		}
		f.Region = code
	}
	lo, hi, err := sc.narrow(f.Region)
	if err != nil {
		return "", nil, err
	}
	where := []string{"p.region_code >= ?", "p.region_code < ?"}
	args := []any{lo, hi}
	eq := func(col string, v any) {
		where = append(where, "p."+col+" = ?")
		args = append(args, v)
	}
	if f.TaskForce != "" {
		eq("task_force", strings.TrimSpace(f.TaskForce))
	}
	if f.LeadUnit != "" {
		eq("lead_unit", strings.TrimSpace(f.LeadUnit))
	}
	if f.Owner != "" {
		eq("owner", strings.TrimSpace(f.Owner))
	}
	if len(f.LeadUnits) > 0 {
		for _, u := range f.LeadUnits {
			args = append(args, u)
		}
		where = append(where, "p.lead_unit IN ("+placeholders(len(f.LeadUnits))+")")
	}
	if f.Dimension != "" {
		code, ok := ledger.Dimension.Parse(strings.TrimSpace(f.Dimension))
		if !ok {
			return "", nil, apperr.Field("dimension", ledger.FieldLabel("dimension"), "“%s”不是有效值", f.Dimension)
		}
		eq("dimension", code)
	}
	if f.Result != "" {
		code, ok := ledger.ResultEnum.Parse(strings.TrimSpace(f.Result))
		if !ok {
			return "", nil, apperr.Field("result", ledger.FieldLabel("result"), "“%s”不是有效值", f.Result)
		}
		eq("result", code)
	}
	if len(f.States) > 0 {
		for _, s := range f.States {
			if !ledger.StateEnum.Has(string(s)) {
				return "", nil, apperr.Field("state", "办理状态", "“%s”不是有效值", s)
			}
			args = append(args, string(s))
		}
		where = append(where, "p.state IN ("+placeholders(len(f.States))+")")
	}
	if f.Stage != "" {
		eq("stage", strings.TrimSpace(f.Stage))
	}
	switch f.Due {
	case "":
	case deadline.Overdue:
		where = append(where, "p.stage_due > ''", "p.stage_due <= ?")
		args = append(args, ts(now))
	case deadline.DueSoon:
		where = append(where, "p.stage_due > ?", "p.stage_due <= ?")
		args = append(args, ts(now), ts(now.Add(deadline.DueSoonWindow)))
	case deadline.Pending:
		where = append(where, "p.stage_due > ?")
		args = append(args, ts(now.Add(deadline.DueSoonWindow)))
	default:
		return "", nil, apperr.Field("due", "时限状态", "应为overdue（已逾期）、due_soon（即将到期）或pending（未到期）")
	}
	if f.Accountable {
		eq("accountable", true)
	}
	if f.HouseholdID > 0 {
		eq("household_id", f.HouseholdID)
	}
	if f.CreatedBy > 0 {
		eq("created_by", f.CreatedBy)
	}
	if n := strings.TrimSpace(f.Number); n != "" {
		plo, phi := prefixRange(n)
		where = append(where, "p.number >= ?", "p.number < ?")
		args = append(args, plo, phi)
	}
	return strings.Join(where, " AND "), args, nil
}

func (f *ProblemFilter) orderBy() (string, error) {
	switch f.Order {
	case "":
		return "p.region_code, p.id", nil
	case "due":
		return "p.stage_due = '', p.stage_due, p.id", nil
	case "flagged":
		return "p.flagged_at DESC, p.id DESC", nil
	}
	return "", apperr.Field("order", "排序", "应为due（最紧急在前）或flagged（最近列入问责在前）")
}

// ListProblems lists the ledger inside the scope with filters and paging.
// Overdue and due-soon are computed at the clock's time from the indexed due
// instant of the open stage.
func (db *DB) ListProblems(ctx context.Context, sc Scope, f ProblemFilter) (*ProblemPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	now := db.now()
	cond, args, err := f.where(sc, now)
	if err != nil {
		return nil, err
	}
	order, err := f.orderBy()
	if err != nil {
		return nil, err
	}
	page := &ProblemPage{Items: []*ledger.Problem{}, Total: -1, Limit: f.Limit, Offset: f.Offset, Now: now}
	rows, err := db.query(ctx, `SELECT `+problemCols+` FROM problems p WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, _, err := scanProblem(rows)
		if err != nil {
			return nil, translate(err)
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if !f.NoTotal {
		if err := db.queryRow(ctx, `SELECT count(*) FROM problems p WHERE `+cond, args...).Scan(&page.Total); err != nil {
			return nil, translate(err)
		}
	}
	return page, nil
}

// ProblemIDs returns the ids of the first limit problems of a filter, in its
// order: the bare indexed query under ListProblems (the benchmark's
// baseline).
func (db *DB) ProblemIDs(ctx context.Context, sc Scope, f ProblemFilter, limit int) ([]int64, error) {
	cond, args, err := f.where(sc, db.now())
	if err != nil {
		return nil, err
	}
	order, err := f.orderBy()
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT p.id FROM problems p WHERE `+cond+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// EachProblem streams the problems of a filter (every page, by region then
// id; f.Order, Limit and Offset are ignored) with their progress entries, for exports; history and extensions are not
// read. Memory stays bounded: problems are read in batches.
func (db *DB) EachProblem(ctx context.Context, sc Scope, f ProblemFilter, fn func(p *ledger.Problem) error) error {
	const batch = 1000
	now := db.now()
	cond, args, err := f.where(sc, now)
	if err != nil {
		return err
	}
	// Keyset paging on (region_code, id): the ledger's order.
	const keyCol = "p.region_code"
	lastKey, lastID := "", int64(0)
	q := readQ{db, ctx}
	for {
		kc, ka := cond, append([]any(nil), args...)
		if lastID > 0 {
			kc += " AND (" + keyCol + " > ? OR (" + keyCol + " = ? AND p.id > ?))"
			ka = append(ka, lastKey, lastKey, lastID)
		}
		rows, err := db.query(ctx, `SELECT `+problemCols+`, `+keyCol+` FROM problems p WHERE `+kc+
			` ORDER BY `+keyCol+`, p.id LIMIT ?`, append(ka, batch)...)
		if err != nil {
			return translate(err)
		}
		var items []*ledger.Problem
		for rows.Next() {
			var key string
			p, _, err := scanProblem(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &key)...) }))
			if err != nil {
				rows.Close()
				return translate(err)
			}
			items = append(items, p)
			lastKey, lastID = key, p.ID
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		ids := make([]int64, len(items))
		for i, p := range items {
			ids[i] = p.ID
		}
		progress, err := progressOf(q, ids)
		if err != nil {
			return err
		}
		for _, p := range items {
			p.Progress = progress[p.ID]
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(items) < batch {
			return nil
		}
	}
}

// AccountabilityEntry is one line of the accountability list (约谈/问责名单):
// a flag with its problem.
type AccountabilityEntry struct {
	ProblemID   int64        `json:"problem_id"`
	Number      string       `json:"number"`
	Description string       `json:"description"`
	Region      string       `json:"region"`
	Dimension   string       `json:"dimension"`
	TaskForce   string       `json:"task_force,omitempty"`
	State       ledger.State `json:"state"`
	ledger.Flag
}

// AccountabilityList returns the flags of the problems inside the scope that
// are on the accountability list, the latest first. The filter's region,
// task force, lead unit, owner and dimension apply; paging is by problem.
// It runs the time-limit check of the scope first.
func (db *DB) AccountabilityList(ctx context.Context, sc Scope, f ProblemFilter) ([]AccountabilityEntry, int64, error) {
	if _, err := db.CheckOverdue(ctx, sc); err != nil {
		return nil, 0, err
	}
	f.Accountable, f.Order = true, "flagged"
	page, err := db.ListProblems(ctx, sc, f)
	if err != nil {
		return nil, 0, err
	}
	out := []AccountabilityEntry{}
	for _, p := range page.Items {
		for i := len(p.Accountability) - 1; i >= 0; i-- {
			out = append(out, AccountabilityEntry{ProblemID: p.ID, Number: p.Number, Description: p.Description,
				Region: p.Region, Dimension: p.Dimension, TaskForce: p.TaskForce, State: p.State, Flag: p.Accountability[i]})
		}
	}
	return out, page.Total, nil
}

// BulletinFilter selects the problems of a weekly dispatch bulletin.
type BulletinFilter struct {
	Region    string // subtree inside the scope ("" = the whole scope)
	TaskForce string // 专班 ("" = every task force)
	LeadUnit  string
	Week      ledger.Week // zero: the clock's current week
}

// Bulletin builds the weekly dispatch bulletin (每周调度通报, 002 §二(二)):
// new, closed, open, overdue and due-soon problems by dimension and lead
// unit, with the overdue list. Open and overdue are as at the clock's time
// for the current week, as at the week's end for a past week. Only problems
// that can count are read: open ones, and those created, closed or flagged
// since the week began.
func (db *DB) Bulletin(ctx context.Context, sc Scope, f BulletinFilter) (ledger.Bulletin, error) {
	now := db.now()
	w := f.Week
	if w.Start.IsZero() {
		w = ledger.WeekOf(now)
	}
	at := now
	if w.End.Before(now) {
		at = w.End
	}
	pf := ProblemFilter{Region: f.Region, TaskForce: f.TaskForce, LeadUnit: f.LeadUnit}
	cond, args, err := pf.where(sc, now)
	if err != nil {
		return ledger.Bulletin{}, err
	}
	start, end := ts(w.Start), ts(w.End)
	cond += ` AND (p.state NOT IN (?, ?) OR (p.created_at >= ? AND p.created_at < ?) OR p.closed_at >= ? OR p.flagged_at >= ?)`
	args = append(args, string(ledger.Closed), string(ledger.NotApplicable), start, end, start, start)
	rows, err := db.query(ctx, `SELECT `+problemCols+` FROM problems p WHERE `+cond+` ORDER BY p.id`, args...)
	if err != nil {
		return ledger.Bulletin{}, translate(err)
	}
	defer rows.Close()
	b := ledger.NewBulletin(w, at)
	for rows.Next() {
		p, _, err := scanProblem(rows)
		if err != nil {
			return ledger.Bulletin{}, translate(err)
		}
		p.Submissions = nil // not needed; keeps a county's bulletin small
		b.Add(p)
	}
	if err := rows.Err(); err != nil {
		return ledger.Bulletin{}, translate(err)
	}
	return b.Result(), nil
}

// CheckOverdue is the periodic time-limit check: every problem inside the
// scope whose open stage is past its due time and not yet flagged is put,
// with its owner, on the accountability list (ledger.Problem.CheckOverdue),
// in batches of short transactions. It returns how many problems it flagged.
// The server runs it on a ticker; reading a problem or the accountability
// list runs it too.
func (db *DB) CheckOverdue(ctx context.Context, sc Scope) (int, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return 0, err
	}
	flagged := 0
	for {
		now := db.now()
		rows, err := db.query(ctx, `SELECT p.id FROM problems p WHERE p.stage_due > '' AND p.stage_due <= ?
			AND p.flagged_due <> p.stage_due AND p.region_code >= ? AND p.region_code < ? ORDER BY p.stage_due LIMIT 200`, ts(now), lo, hi)
		if err != nil {
			return flagged, translate(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return flagged, translate(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return flagged, translate(err)
		}
		if len(ids) == 0 {
			return flagged, nil
		}
		n := 0
		err = db.write(ctx, func(tx *Tx) error {
			for _, id := range ids {
				r, err := loadProblem(tx, db.dialect, sc, id, true)
				if err != nil {
					return err
				}
				if len(r.p.CheckOverdue(now)) == 0 {
					// Already flagged: mend the marker so the row is not picked again.
					_, _, fd := openStage(r.p)
					if _, err := tx.exec(`UPDATE problems SET flagged_due = ? WHERE id = ?`, fd, id); err != nil {
						return err
					}
					continue
				}
				if err := r.save(tx); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return flagged, err
		}
		flagged += n
		if n == 0 {
			return flagged, nil // nothing changed: avoid looping on rows that cannot be flagged
		}
	}
}

// LedgerNames lists the task forces and lead units used by the problems
// inside the scope, for the filters of a page.
func (db *DB) LedgerNames(ctx context.Context, sc Scope) (taskForces, leadUnits []string, err error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, nil, err
	}
	read := func(col string) ([]string, error) {
		rows, err := db.query(ctx, `SELECT DISTINCT `+col+` FROM problems WHERE region_code >= ? AND region_code < ? AND `+col+` <> '' ORDER BY `+col+` LIMIT 500`, lo, hi)
		if err != nil {
			return nil, translate(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, translate(err)
			}
			out = append(out, v)
		}
		return out, translate(rows.Err())
	}
	if taskForces, err = read("task_force"); err != nil {
		return nil, nil, err
	}
	leadUnits, err = read("lead_unit")
	return taskForces, leadUnits, err
}
