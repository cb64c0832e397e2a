package store

// The problem ledger (问题台账) in SQL. Package ledger holds the rules: the
// workflow, its clocks and the template; this file keeps problems, their
// append-only history, progress entries, extensions and evidence, always
// inside a Scope.
//
// A problem is one row of problems with the template's fields as columns,
// its stage clocks (JSON), submissions (JSON) and accountability flags
// (JSON), plus two indexed columns for the open stage (stage, stage_due) so
// that lists can filter overdue and due-soon problems per stage without
// decoding anything. Every ledger.Event is one row of problem_events, never
// updated nor deleted (triggers refuse it); progress entries and extensions
// have their own tables; evidence files live in evidence_files.
//
// Every action loads the problem in a write transaction, lets package
// ledger change it, and writes back the row and whatever the action
// appended, in the same transaction.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

// problemCols are the columns scanProblem reads.
const problemCols = `p.id, p.county, p.region_code, p.number, p.household_id, p.description, p.dimension, p.source,
	p.source_ref, p.severity, p.task_force, p.lead_unit, p.supporting_units, p.owner, p.measures, p.deadline,
	p.result, p.remarks, p.explanation, p.state, p.stages, p.submissions, p.flags, p.rejections, p.reopens,
	p.created_at, p.updated_at, p.closed_at, p.version`

// Lighter column sets: the JSON columns a reader does not need are read as
// '[]' (no bytes moved, nothing decoded).
var (
	// problemListCols leave out the submissions (lists, the bulletin).
	problemListCols = strings.Replace(problemCols, "p.submissions", "'[]'", 1)
	// problemRowCols leave out stages, submissions and flags: the template's
	// fields only (exports).
	problemRowCols = strings.NewReplacer("p.stages", "'[]'", "p.submissions", "'[]'", "p.flags", "'[]'").Replace(problemCols)
)

// scanProblem reads one row of problemCols. It returns the row's version.
func scanProblem(sc scanner) (*ledger.Problem, int64, error) {
	var p ledger.Problem
	var units, dl, stages, subs, flags, created, updated, closed string
	var version int64
	err := sc.Scan(&p.ID, &p.County, &p.Region, &p.Number, &p.HouseholdID, &p.Description, &p.Dimension, &p.Source,
		&p.SourceRef, &p.Severity, &p.TaskForce, &p.LeadUnit, &units, &p.Owner, &p.Measures, &dl,
		&p.Result, &p.Remarks, &p.Explanation, &p.State, &stages, &subs, &flags, &p.Rejections, &p.Reopens,
		&created, &updated, &closed, &version)
	if err != nil {
		return nil, 0, err
	}
	p.SupportingUnits = splitUnits(units)
	p.Deadline = parseDay(dl)
	p.CreatedAt, p.UpdatedAt = parseTS(created), parseTS(updated)
	if closed != "" {
		p.ClosedAt = parseTS(closed)
	}
	if err := unmarshalCol(stages, &p.Stages); err != nil {
		return nil, 0, err
	}
	if err := unmarshalCol(subs, &p.Submissions); err != nil {
		return nil, 0, err
	}
	if err := unmarshalCol(flags, &p.Accountability); err != nil {
		return nil, 0, err
	}
	return &p, version, nil
}

func unmarshalCol(s string, v any) error {
	if s == "" || s == "[]" || s == "{}" || s == "null" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return apperr.Wrap(err, "decode ledger column")
	}
	return nil
}

func marshalCol(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// unitSep joins supporting units in one column, as the template writes them.
const unitSep = "、"

func splitUnits(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, unitSep)
}

// parseDay reads a 'YYYY-MM-DD' column as midnight China time ("" → zero).
func parseDay(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", s, clock.China)
	if err != nil {
		return time.Time{}
	}
	return t
}

func day(t time.Time) string { return deadline.FormatDate(t) }

func tsOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

// noDue is the stage_due of a problem with no open stage: "~" sorts after
// every timestamp (byte order), so that ordering by stage_due lists the most
// urgent first and problems with nothing due last, straight from the index,
// and "stage_due <= now" finds the overdue without another condition.
const noDue = "~"

// openStage returns the key and due instant (ts) of the open stage (noDue
// when none), and the due instant again if that stage is already on the
// accountability list.
func openStage(p *ledger.Problem) (key, due, flaggedDue string) {
	s := p.Current()
	if s == nil {
		return "", noDue, ""
	}
	key, due = s.Key, ts(s.Due)
	for _, f := range p.Accountability {
		if f.Code != ledger.FlagRejectedTwice && f.Stage == s.Key && f.StageDue.Equal(s.Due) {
			flaggedDue = due
		}
	}
	return key, due, flaggedDue
}

func lastFlagAt(p *ledger.Problem) string {
	var last time.Time
	for _, f := range p.Accountability {
		if f.At.After(last) {
			last = f.At
		}
	}
	return tsOrEmpty(last)
}

// problemRow is what the problems row holds beyond the template fields.
type problemRow struct {
	p         *ledger.Problem
	version   int64
	createdBy int64
	// counts of what was already stored, so that save appends the rest
	nHistory, nProgress, nExtensions int
}

// problemValues lists the values of the mutable columns, in updateCols order.
func problemValues(p *ledger.Problem) []any {
	stage, due, flagged := openStage(p)
	return []any{p.Region, p.HouseholdID, p.Description, p.Dimension, p.Source, p.SourceRef, string(p.Severity),
		p.TaskForce, p.LeadUnit, strings.Join(p.SupportingUnits, unitSep), p.Owner, p.Measures, day(p.Deadline),
		string(p.Result), p.Remarks, p.Explanation, string(p.State), stage, due, flagged,
		marshalCol(p.Stages), marshalCol(p.Submissions), marshalCol(p.Accountability),
		p.OnAccountabilityList(), lastFlagAt(p), p.Rejections, p.Reopens, ts(p.UpdatedAt), tsOrEmpty(p.ClosedAt)}
}

var updateCols = []string{"region_code", "household_id", "description", "dimension", "source", "source_ref", "severity",
	"task_force", "lead_unit", "supporting_units", "owner", "measures", "deadline",
	"result", "remarks", "explanation", "state", "stage", "stage_due", "flagged_due",
	"stages", "submissions", "flags",
	"accountable", "flagged_at", "rejections", "reopens", "updated_at", "closed_at"}

// insertProblem writes a new problem (p.ID is filled) with its history,
// progress and extensions.
func insertProblem(tx *Tx, p *ledger.Problem, createdBy int64) error {
	cols := append([]string{"county", "number", "created_by", "created_at"}, updateCols...)
	vals := append([]any{p.County, p.Number, createdBy, ts(p.CreatedAt)}, problemValues(p)...)
	q := `INSERT INTO problems (` + strings.Join(cols, ", ") + `) VALUES (` +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `) RETURNING id`
	if err := tx.queryRow(q, vals...).Scan(&p.ID); err != nil {
		if apperr.Is(translate(err), apperr.Conflict) {
			fe := apperr.FieldError{Field: "number", Label: ledger.FieldLabel("number"), Message: "问题编号" + p.Number + "已登记"}
			if p.SourceRef != "" {
				fe.Field, fe.Label, fe.Message = "source_ref", ledger.FieldLabel("source_ref"), "问题编号"+p.Number+"或来源编号"+p.SourceRef+"已登记"
			}
			return &apperr.Error{Code: apperr.Conflict, Message: fe.String(), Fields: []apperr.FieldError{fe}, Err: err}
		}
		return err
	}
	r := &problemRow{p: p, version: 1, createdBy: createdBy}
	return r.appendNew(tx)
}

// save writes back the row and appends what the action added. A row changed
// by someone else since it was read is a conflict.
func (r *problemRow) save(tx *Tx) error {
	sets := make([]string, len(updateCols))
	for i, c := range updateCols {
		sets[i] = c + " = ?"
	}
	args := append(problemValues(r.p), r.p.ID, r.version)
	res, err := tx.exec(`UPDATE problems SET `+strings.Join(sets, ", ")+`, version = version + 1 WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return apperr.New(apperr.Conflict, "问题%s刚被他人修改，请刷新后重试", r.p.Number)
	}
	r.version++
	return r.appendNew(tx)
}

// appendNew inserts the events, progress entries and extensions after the
// stored counts.
func (r *problemRow) appendNew(tx *Tx) error {
	p := r.p
	for _, e := range p.History[min(r.nHistory, len(p.History)):] {
		data := "{}"
		if len(e.Data) > 0 {
			b, _ := json.Marshal(e.Data)
			data = string(b)
		}
		if _, err := tx.exec(`INSERT INTO problem_events (problem_id, county, seq, at, kind, state, actor_id, actor_name,
			actor_role, actor_unit, note, data, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.County, e.Seq, ts(e.At), string(e.Kind), string(e.State), e.Actor.AccountID, e.Actor.Name,
			e.Actor.Role, e.Actor.Unit, e.Note, data, marshalCol(e.Evidence)); err != nil {
			return err
		}
	}
	for _, g := range p.Progress[min(r.nProgress, len(p.Progress)):] {
		if _, err := tx.exec(`INSERT INTO problem_progress (problem_id, county, day, text, author_id, author_name,
			author_role, author_unit, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.County, day(g.Date), g.Text, g.Author.AccountID, g.Author.Name, g.Author.Role, g.Author.Unit, ts(g.At)); err != nil {
			return err
		}
	}
	for _, x := range p.Extensions[min(r.nExtensions, len(p.Extensions)):] {
		if _, err := tx.exec(`INSERT INTO problem_extensions (problem_id, county, leader, decided_on, reason, new_deadline,
			plan, prev_deadline, at, by_id, by_name, by_role, by_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.County, x.Leader, day(x.DecidedOn), x.Reason, day(x.NewDeadline), x.Plan, day(x.PrevDeadline),
			ts(x.At), x.By.AccountID, x.By.Name, x.By.Role, x.By.Unit); err != nil {
			return err
		}
	}
	r.nHistory, r.nProgress, r.nExtensions = len(p.History), len(p.Progress), len(p.Extensions)
	return nil
}

// querier is what both a transaction and the read pool answer.
type querier interface {
	query(query string, args ...any) (*sql.Rows, error)
	queryRow(query string, args ...any) *sql.Row
}

// readQ runs reads on the pool with a context.
type readQ struct {
	db  *DB
	ctx context.Context
}

func (r readQ) query(q string, args ...any) (*sql.Rows, error) { return r.db.query(r.ctx, q, args...) }
func (r readQ) queryRow(q string, args ...any) *sql.Row        { return r.db.queryRow(r.ctx, q, args...) }

var errNoProblem = apperr.New(apperr.NotFound, "问题不存在")

// loadProblem reads a problem inside the scope with its history, progress
// and extensions. forUpdate locks the row on PostgreSQL.
func loadProblem(q querier, d Dialect, sc Scope, id int64, forUpdate bool) (*problemRow, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	lock := ""
	if forUpdate && d == Postgres {
		lock = " FOR UPDATE"
	}
	var createdBy int64
	row := q.queryRow(`SELECT `+problemCols+`, p.created_by FROM problems p
		WHERE p.id = ? AND p.region_code >= ? AND p.region_code < ?`+lock, id, lo, hi)
	p, version, err := scanProblem(scanFunc(func(dest ...any) error {
		return row.Scan(append(dest, &createdBy)...)
	}))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoProblem
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := loadDetails(q, p); err != nil {
		return nil, err
	}
	return &problemRow{p: p, version: version, createdBy: createdBy,
		nHistory: len(p.History), nProgress: len(p.Progress), nExtensions: len(p.Extensions)}, nil
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// loadDetails reads the history, progress entries and extensions of p.
func loadDetails(q querier, p *ledger.Problem) error {
	rows, err := q.query(`SELECT seq, at, kind, state, actor_id, actor_name, actor_role, actor_unit, note, data, evidence
		FROM problem_events WHERE problem_id = ? ORDER BY seq`, p.ID)
	if err != nil {
		return translate(err)
	}
	p.History = []ledger.Event{}
	for rows.Next() {
		var e ledger.Event
		var at, data, ev string
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.State, &e.Actor.AccountID, &e.Actor.Name, &e.Actor.Role,
			&e.Actor.Unit, &e.Note, &data, &ev); err != nil {
			rows.Close()
			return translate(err)
		}
		e.At = parseTS(at)
		if err := unmarshalCol(data, &e.Data); err != nil {
			rows.Close()
			return err
		}
		if err := unmarshalCol(ev, &e.Evidence); err != nil {
			rows.Close()
			return err
		}
		p.History = append(p.History, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	progress, err := progressOf(q, []int64{p.ID})
	if err != nil {
		return err
	}
	p.Progress = progress[p.ID]
	rows, err = q.query(`SELECT leader, decided_on, reason, new_deadline, plan, prev_deadline, at, by_id, by_name, by_role, by_unit
		FROM problem_extensions WHERE problem_id = ? ORDER BY id`, p.ID)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var x ledger.Extension
		var decided, nd, pd, at string
		if err := rows.Scan(&x.Leader, &decided, &x.Reason, &nd, &x.Plan, &pd, &at, &x.By.AccountID, &x.By.Name, &x.By.Role, &x.By.Unit); err != nil {
			return translate(err)
		}
		x.DecidedOn, x.NewDeadline, x.PrevDeadline, x.At = parseDay(decided), parseDay(nd), parseDay(pd), parseTS(at)
		p.Extensions = append(p.Extensions, x)
	}
	return translate(rows.Err())
}

// progressOf reads the progress entries of several problems, in order.
func progressOf(q querier, ids []int64) (map[int64][]ledger.Progress, error) {
	out := make(map[int64][]ledger.Progress, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(`SELECT problem_id, day, text, author_id, author_name, author_role, author_unit, at
		FROM problem_progress WHERE problem_id IN (`+placeholders(len(ids))+`) ORDER BY problem_id, id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var g ledger.Progress
		var d, at string
		if err := rows.Scan(&id, &d, &g.Text, &g.Author.AccountID, &g.Author.Name, &g.Author.Role, &g.Author.Unit, &at); err != nil {
			return nil, translate(err)
		}
		g.Date, g.At = parseDay(d), parseTS(at)
		out[id] = append(out[id], g)
	}
	return out, translate(rows.Err())
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// nextNumber hands out the next problem number of a county and year:
// 141121-2024-00017.
func nextNumber(tx *Tx, county string, year int) (string, error) {
	var n int
	err := tx.queryRow(`INSERT INTO problem_numbers (county, year, last) VALUES (?, ?, 1)
		ON CONFLICT (county, year) DO UPDATE SET last = problem_numbers.last + 1 RETURNING last`, county, year).Scan(&n)
	if err != nil {
		return "", err
	}
	return ledger.NewNumber(county, year, n), nil
}

// checkProblemRegion checks that a problem's region is known and inside the
// scope.
func checkProblemRegion(tx *Tx, sc Scope, code string) error {
	if !sc.Contains(code) {
		return apperr.Field("region", ledger.FieldLabel("region"), "区划%s不在您的管辖范围内", code)
	}
	var lvl int
	err := tx.queryRow(`SELECT level FROM regions WHERE code = ?`, code).Scan(&lvl)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field("region", ledger.FieldLabel("region"), "区划%s未登记", code)
	}
	return err
}

// householdRegion returns the village of a household inside the scope.
func householdRegion(tx *Tx, sc Scope, id int64) (string, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return "", err
	}
	var code string
	err = tx.queryRow(`SELECT region_code FROM households WHERE id = ? AND region_code >= ? AND region_code < ?`, id, lo, hi).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.Field("household_id", ledger.FieldLabel("household_id"), "农户%d不存在或不在您的管辖范围内", id)
	}
	return code, err
}

// CreateProblem turns an item into a problem of the ledger: a screening
// finding, a department alert, a self-declaration, a visit, a complaint or an
// inspection's feedback. It is the one way problems are born (the ledger
// import uses it too), so every area calls it rather than writing rows.
//
//   - d is validated by ledger.New (Chinese messages naming each field).
//     Region may be a village, township or county inside sc; with a
//     HouseholdID the household must be inside sc and inside Region, and the
//     problem is placed in the household's village.
//   - The number is assigned here (county-year-sequence, 141121-2024-00017)
//     unless d.Number is given.
//   - Idempotent per origin: a draft with a SourceRef (e.g. "alert:123",
//     "finding:45") whose county, Source and SourceRef match a problem
//     already recorded is not created twice: CreateProblem returns that
//     problem together with an apperr Conflict error, so a caller may retry
//     safely and link to the existing problem.
//   - The clock is db.Clock; the reporter is by (its AccountID is kept as
//     the problem's creator, for "my work" lists).
//
// Callers that must create the problem in the same transaction as their own
// write use createProblemTx from inside package store.
func (db *DB) CreateProblem(ctx context.Context, sc Scope, d ledger.Draft, by ledger.Actor) (*ledger.Problem, error) {
	var p *ledger.Problem
	now := db.now()
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		p, err = createProblemTx(tx, sc, d, by, now)
		return err
	})
	if apperr.Is(err, apperr.Conflict) && strings.TrimSpace(d.SourceRef) != "" {
		if existing, e := db.problemBySourceRef(ctx, sc, d); e == nil {
			return existing, apperr.New(apperr.Conflict, "该%s（%s）已登记为问题%s", ledger.Source.LabelOf(existing.Source), existing.SourceRef, existing.Number)
		}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// createProblemTx is CreateProblem inside a caller's transaction. prepare,
// when given, completes the new problem before it is numbered and written
// (fields a Draft does not carry, such as the task force and lead unit, set
// together with the first event's data).
func createProblemTx(tx *Tx, sc Scope, d ledger.Draft, by ledger.Actor, now time.Time, prepare ...func(*ledger.Problem)) (*ledger.Problem, error) {
	if d.HouseholdID > 0 {
		village, err := householdRegion(tx, sc, d.HouseholdID)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(d.Region) == "" {
			d.Region = village
		} else if code, err := region.Normalize(d.Region); err == nil {
			if !region.Contains(code, village) {
				return nil, apperr.Field("household_id", ledger.FieldLabel("household_id"), "农户%d不在区划%s内", d.HouseholdID, code)
			}
			d.Region = village
		}
	}
	p, err := ledger.New(d, by, now)
	if err != nil {
		return nil, err
	}
	for _, fn := range prepare {
		fn(p)
	}
	if err := checkProblemRegion(tx, sc, p.Region); err != nil {
		return nil, err
	}
	if err := numberProblem(tx, p, now); err != nil {
		return nil, err
	}
	if err := insertProblem(tx, p, by.AccountID); err != nil {
		return nil, err
	}
	return p, auditProblem(tx, nil, p, 0)
}

// numberProblem assigns the next number when the problem has none, and
// writes it into the history's first event.
func numberProblem(tx *Tx, p *ledger.Problem, now time.Time) error {
	if p.Number != "" {
		return nil
	}
	n, err := nextNumber(tx, p.County, now.In(clock.China).Year())
	if err != nil {
		return err
	}
	p.Number = n
	if len(p.History) > 0 {
		if p.History[0].Data == nil {
			p.History[0].Data = map[string]string{}
		}
		p.History[0].Data["number"] = n
	}
	return nil
}

func (db *DB) problemBySourceRef(ctx context.Context, sc Scope, d ledger.Draft) (*ledger.Problem, error) {
	src, ok := ledger.Source.Parse(strings.TrimSpace(d.Source))
	if !ok {
		return nil, errNoProblem
	}
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.queryRow(ctx, `SELECT id FROM problems WHERE source = ? AND source_ref = ? AND region_code >= ? AND region_code < ?`,
		src, strings.TrimSpace(d.SourceRef), lo, hi).Scan(&id)
	if err != nil {
		return nil, errNoProblem
	}
	return db.Problem(ctx, sc, id)
}

// Problem returns one problem inside the scope with its whole history,
// progress entries, extensions, submissions and flags. Reading it runs the
// time-limit check first, so a stage missed since the last periodic check is
// on the accountability list before anyone sees the problem.
func (db *DB) Problem(ctx context.Context, sc Scope, id int64) (*ledger.Problem, error) {
	r, err := loadProblem(readQ{db, ctx}, db.dialect, sc, id, false)
	if err != nil {
		return nil, err
	}
	if needsCheck(r.p, db.now()) {
		return db.act(systemActs(ctx), sc, id, func(tx *Tx, p *ledger.Problem, now time.Time) error {
			p.CheckOverdue(now)
			return nil
		})
	}
	return r.p, nil
}

// ProblemByNumber returns a problem by its number, inside the scope.
func (db *DB) ProblemByNumber(ctx context.Context, sc Scope, number string) (*ledger.Problem, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.queryRow(ctx, `SELECT id FROM problems WHERE number = ? AND region_code >= ? AND region_code < ?`,
		strings.TrimSpace(number), lo, hi).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoProblem
	}
	if err != nil {
		return nil, translate(err)
	}
	return db.Problem(ctx, sc, id)
}

// systemActs marks what a read triggers (the time-limit check) as the
// system's in the audit trail, not the reader's.
func systemActs(ctx context.Context) context.Context { return WithActor(ctx, Actor{}) }

// needsCheck reports whether the open stage is overdue and not yet flagged.
func needsCheck(p *ledger.Problem, now time.Time) bool {
	_, due, flagged := openStage(p)
	return due != noDue && due <= ts(now) && flagged != due
}

// act runs fn on a problem inside one write transaction and stores the
// result. fn sees the problem as stored and the transaction's time.
func (db *DB) act(ctx context.Context, sc Scope, id int64, fn func(tx *Tx, p *ledger.Problem, now time.Time) error) (*ledger.Problem, error) {
	var out *ledger.Problem
	now := db.now()
	err := db.write(ctx, func(tx *Tx) error {
		r, err := loadProblem(tx, db.dialect, sc, id, true)
		if err != nil {
			return err
		}
		before, n := auditOf(r.p), r.nHistory
		if err := fn(tx, r.p, now); err != nil {
			return err
		}
		out = r.p
		if len(r.p.History) == n {
			return nil // nothing happened
		}
		if err := r.save(tx); err != nil {
			return err
		}
		return auditProblem(tx, &before, r.p, n)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// step adapts a ledger action to act.
func (db *DB) step(ctx context.Context, sc Scope, id int64, do func(p *ledger.Problem, now time.Time) (ledger.Event, error)) (*ledger.Problem, error) {
	return db.act(ctx, sc, id, func(tx *Tx, p *ledger.Problem, now time.Time) error {
		_, err := do(p, now)
		return err
	})
}

// VerifyProblem records the village's on-site check (135: 1 day). A
// household found must be inside the scope and the problem's region.
func (db *DB) VerifyProblem(ctx context.Context, sc Scope, id int64, in ledger.Verification, by ledger.Actor) (*ledger.Problem, error) {
	return db.act(ctx, sc, id, func(tx *Tx, p *ledger.Problem, now time.Time) error {
		if in.HouseholdID > 0 && in.HouseholdID != p.HouseholdID {
			village, err := householdRegion(tx, sc, in.HouseholdID)
			if err != nil {
				return err
			}
			if !region.Contains(p.Region, village) {
				return apperr.Field("household_id", ledger.FieldLabel("household_id"), "农户%d不在问题所在区划%s内", in.HouseholdID, p.Region)
			}
		}
		_, err := p.Verify(in, by, now)
		return err
	})
}

// DecideProblem records the township's opinion (135: 3 days).
func (db *DB) DecideProblem(ctx context.Context, sc Scope, id int64, in ledger.Decision, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Decide(in, by, now) })
}

// PlanProblem records the county department's plan (135: 5 days) and starts
// the 710 clock.
func (db *DB) PlanProblem(ctx context.Context, sc Scope, id int64, in ledger.RectificationPlan, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Plan(in, by, now) })
}

// AddProgress records what was actually done (整改进展).
func (db *DB) AddProgress(ctx context.Context, sc Scope, id int64, in ledger.ProgressEntry, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.AddProgress(in, by, now) })
}

// ExtendProblem records a later deadline decided collectively under a county
// leader.
func (db *DB) ExtendProblem(ctx context.Context, sc Scope, id int64, in ledger.Extension, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Extend(in, by, now) })
}

// AcceptProblem closes the problem (验收合格，销号).
func (db *DB) AcceptProblem(ctx context.Context, sc Scope, id int64, in ledger.Review, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Accept(in, by, now) })
}

// RejectProblem sends the rectification back with a reason and a time limit;
// the second rejection puts the problem on the accountability list.
func (db *DB) RejectProblem(ctx context.Context, sc Scope, id int64, in ledger.Review, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Reject(in, by, now) })
}

// ReopenProblem takes a closed problem back to rectification (relapse).
func (db *DB) ReopenProblem(ctx context.Context, sc Scope, id int64, in ledger.Reopening, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.Reopen(in, by, now) })
}

// SetProblemResult switches a submitted or closed problem between 整改完成
// and 整改完成长期坚持.
func (db *DB) SetProblemResult(ctx context.Context, sc Scope, id int64, r ledger.Result, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.SetResult(r, by, now) })
}

// SetProblemRemarks replaces the remarks (备注).
func (db *DB) SetProblemRemarks(ctx context.Context, sc Scope, id int64, text string, by ledger.Actor) (*ledger.Problem, error) {
	return db.step(ctx, sc, id, func(p *ledger.Problem, now time.Time) (ledger.Event, error) { return p.SetRemarks(text, by, now) })
}
