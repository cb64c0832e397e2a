package store

import (
	"context"
	"slices"
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
	LeadUnits   []string       // any of these lead units (a department's names); empty but not nil: none
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

// ProblemPage is one page of the ledger. Items carry their stages and
// flags but no history, progress, extensions or submissions (Problem reads
// those).
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
	switch {
	case f.LeadUnits == nil:
	case len(f.LeadUnits) == 0:
		where = append(where, "1 = 0")
	default:
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
		where = append(where, "p.stage_due <= ?")
		args = append(args, ts(now))
	case deadline.DueSoon:
		where = append(where, "p.stage_due > ?", "p.stage_due <= ?")
		args = append(args, ts(now), ts(now.Add(deadline.DueSoonWindow)))
	case deadline.Pending:
		where = append(where, "p.stage_due > ?", "p.stage_due < ?")
		args = append(args, ts(now.Add(deadline.DueSoonWindow)), noDue)
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

// from names the table of a filter's query. SQLite's planner (built without
// STAT4) cannot tell how selective a range is, so on a county it would walk
// the region range and read every problem to test "overdue"; the filter
// chooses the index to drive from instead, most selective first. A village
// is small enough to drive from the region index whatever else is asked.
// PostgreSQL plans from its own statistics.
// count: for counting, where the order does not matter.
func (f *ProblemFilter) from(d Dialect, sc Scope, count bool) string {
	if d != SQLite {
		return "problems p"
	}
	code := f.Region
	if code == "" {
		code = sc.Region
	}
	idx := "problems_region"
	switch {
	case f.HouseholdID > 0:
		idx = "problems_household"
	case code != "*" && code != "" && region.LevelOf(code) == region.Village:
	case f.Accountable && f.Order == "flagged" && !count:
		idx = "problems_flagged" // in order, newest first
	case f.Accountable:
		idx = "problems_accountable"
	case f.Stage != "":
		idx = "problems_stage"
	case f.Due == deadline.Overdue || f.Due == deadline.DueSoon:
		idx = "problems_due"
	case f.TaskForce != "":
		idx = "problems_task_force"
	case f.LeadUnit != "" || len(f.LeadUnits) > 0:
		idx = "problems_lead_unit"
	case f.Dimension != "":
		idx = "problems_dimension"
	case len(f.States) > 0:
		idx = "problems_state"
	case f.Result != "":
		idx = "problems_result"
	case f.Order == "due" && !count:
		idx = "problems_due"
	}
	return "problems p INDEXED BY " + idx
}

func (f *ProblemFilter) orderBy() (string, error) {
	switch f.Order {
	case "":
		return "p.region_code, p.id", nil
	case "due":
		return "p.stage_due, p.id", nil
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
	rows, err := db.query(ctx, `SELECT `+problemListCols+` FROM `+f.from(db.dialect, sc, false)+` WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
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
		if err := db.queryRow(ctx, `SELECT count(*) FROM `+f.from(db.dialect, sc, true)+` WHERE `+cond, args...).Scan(&page.Total); err != nil {
			return nil, translate(err)
		}
	}
	return page, nil
}

// ProblemIDs runs the bare indexed queries under ListProblems: the ids of
// the first limit problems of a filter, in its order, and their count (no
// rows decoded). It is the benchmark's baseline.
func (db *DB) ProblemIDs(ctx context.Context, sc Scope, f ProblemFilter, limit int) ([]int64, int64, error) {
	cond, args, err := f.where(sc, db.now())
	if err != nil {
		return nil, 0, err
	}
	order, err := f.orderBy()
	if err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT p.id FROM `+f.from(db.dialect, sc, false)+` WHERE `+cond+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, translate(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, 0, translate(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err)
	}
	var total int64
	err = db.queryRow(ctx, `SELECT count(*) FROM `+f.from(db.dialect, sc, true)+` WHERE `+cond, args...).Scan(&total)
	return out, total, translate(err)
}

// LedgerStates are the states of the problems the official ledger lists:
// those with a plan (measures, owner, deadline, result), that is from the
// county department's plan on (004 §四(一)1: "建立工作台账"). Given states
// are narrowed to these (none left: nil).
func LedgerStates(states []ledger.State) []ledger.State {
	in := []ledger.State{ledger.Planned, ledger.Submitted, ledger.Closed}
	if len(states) == 0 {
		return in
	}
	var out []ledger.State
	for _, s := range states {
		if slices.Contains(in, s) {
			out = append(out, s)
		}
	}
	return out
}

// EachProblem streams the problems of a filter that are in the official
// ledger (LedgerStates), every page, by region then id (f.Order, Limit and
// Offset are ignored), with the template's fields and their progress
// entries, for exports; stages, flags, submissions, history and extensions
// are not read. Memory stays bounded: problems are read in batches.
func (db *DB) EachProblem(ctx context.Context, sc Scope, f ProblemFilter, fn func(p *ledger.Problem) error) error {
	if f.States = LedgerStates(f.States); len(f.States) == 0 {
		return nil
	}
	const batch = 1000
	now := db.now()
	cond, args, err := f.where(sc, now)
	if err != nil {
		return err
	}
	// Keyset paging on (region_code, id): the ledger's order.
	const keyCol = "p.region_code"
	f.Order, f.Offset = "", 0
	from := f.from(db.dialect, sc, false)
	lastKey, lastID := "", int64(0)
	q := readQ{db, ctx}
	for {
		kc, ka := cond, append([]any(nil), args...)
		if lastID > 0 {
			// where() puts the region range first: start the next batch's
			// index range at the last key, so that every batch is a short
			// range scan and not a scan from the start of the scope.
			if lastKey > ka[0].(string) {
				ka[0] = lastKey
			}
			kc += " AND (" + keyCol + " > ? OR p.id > ?)"
			ka = append(ka, lastKey, lastID)
		}
		rows, err := db.query(ctx, `SELECT `+problemRowCols+`, `+keyCol+` FROM `+from+` WHERE `+kc+
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
	if _, err := db.CheckOverdue(systemActs(ctx), sc); err != nil {
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
	// Open problems are those with a stage due; the others count only when
	// created, closed or flagged since the week began. Each term has its
	// index; above a village SQLite reads their union rather than the
	// whole region.
	code := pf.Region
	if code == "" {
		code = sc.Region
	}
	if db.dialect == SQLite && f.TaskForce == "" && f.LeadUnit == "" && (code == "*" || region.LevelOf(code) < region.Village) {
		cond = strings.Replace(cond, "p.region_code >= ? AND p.region_code < ?", "+p.region_code >= ? AND +p.region_code < ?", 1)
	}
	cond += ` AND (p.stage_due < ? OR (p.created_at >= ? AND p.created_at < ?) OR p.closed_at >= ? OR (p.accountable = ? AND p.flagged_at >= ?))`
	args = append(args, noDue, start, end, start, true, start)
	rows, err := db.query(ctx, `SELECT `+problemListCols+` FROM problems p WHERE `+cond+` ORDER BY p.id`, args...)
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
		from := "problems p"
		if db.dialect == SQLite {
			from += " INDEXED BY problems_due"
		}
		rows, err := db.query(ctx, `SELECT p.id FROM `+from+` WHERE p.stage_due <= ?
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
				before, nh := auditOf(r.p), r.nHistory
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
				if err := auditProblem(tx, &before, r.p, nh); err != nil {
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

// CountProblems counts the problems of a filter (its order and paging
// aside), from the index the filter chooses.
func (db *DB) CountProblems(ctx context.Context, sc Scope, f ProblemFilter) (int64, error) {
	cond, args, err := f.where(sc, db.now())
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.queryRow(ctx, `SELECT count(*) FROM `+f.from(db.dialect, sc, true)+` WHERE `+cond, args...).Scan(&n)
	return n, translate(err)
}
