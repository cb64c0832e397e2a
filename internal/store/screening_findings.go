package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/policy"
	"sanbao/internal/region"
	"sanbao/internal/screening"
)

// Finding statuses.
const (
	FindingOpen     = "open"     // found by the latest run that covered it
	FindingResolved = "resolved" // a later run no longer found it
)

// FindingRecord is a stored finding with what a list shows of its household.
type FindingRecord struct {
	ID          int64                `json:"id"`
	Key         string               `json:"key"`
	HouseholdID int64                `json:"household_id"`
	MemberID    int64                `json:"member_id,omitempty"`
	Region      string               `json:"region_code"`
	Rule        string               `json:"rule"`
	Item        string               `json:"item,omitempty"`
	Dimension   string               `json:"dimension"`
	Title       string               `json:"title"`
	Evidence    []screening.Evidence `json:"evidence"`
	Source      policy.Source        `json:"source"`
	Status      string               `json:"status"`
	RaisedAt    time.Time            `json:"raised_at"`
	RaisedRun   int64                `json:"raised_run"`
	ResolvedAt  time.Time            `json:"resolved_at,omitzero"`
	ResolvedRun int64                `json:"resolved_run,omitempty"`
	// ProblemID and ProblemNumber name the problem of the ledger the finding
	// was turned into (FindingToProblem); 0 and "" while it is not.
	ProblemID     int64  `json:"problem_id,omitempty"`
	ProblemNumber string `json:"problem_number,omitempty"`

	HouseholdNumber string `json:"household_number"`
	HeadName        string `json:"head_name"`
	MemberName      string `json:"member_name,omitempty"`
}

// Text renders the finding as one line of Chinese (screening.Finding.Text).
func (f *FindingRecord) Text() string {
	x := screening.Finding{Title: f.Title, Evidence: f.Evidence}
	return x.Text()
}

// FindingFilter selects findings.
type FindingFilter struct {
	Region    string // a region inside the scope ("" = the whole scope)
	Dimension string
	Rule      string
	Status    string // open (default), resolved, all
	Household int64
	Limit     int // default 50, at most 500
	Offset    int
	NoTotal   bool
}

// FindingPage is one page of findings.
type FindingPage struct {
	Items  []*FindingRecord `json:"items"`
	Total  int64            `json:"total"` // -1 when not counted
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

const findingCols = `f.id, f.finding_key, f.household_id, f.member_id, f.region_code, f.rule, f.item, f.dimension, f.title,
	f.evidence, f.source, f.status, f.raised_at, f.raised_run, f.resolved_at, f.resolved_run, f.problem_id, COALESCE(pr.number, ''), h.number,
	COALESCE((SELECT hm.name FROM members hm WHERE hm.household_id = f.household_id AND hm.relation = 'head' ORDER BY hm.id LIMIT 1), ''),
	COALESCE(m.name, '')`

const findingFrom = ` FROM findings f JOIN households h ON h.id = f.household_id LEFT JOIN members m ON m.id = f.member_id
	LEFT JOIN problems pr ON pr.id = f.problem_id AND pr.county = f.county`

func scanFinding(sc scanner) (*FindingRecord, error) {
	var f FindingRecord
	var ev, src, raised, resolved string
	if err := sc.Scan(&f.ID, &f.Key, &f.HouseholdID, &f.MemberID, &f.Region, &f.Rule, &f.Item, &f.Dimension, &f.Title,
		&ev, &src, &f.Status, &raised, &f.RaisedRun, &resolved, &f.ResolvedRun, &f.ProblemID, &f.ProblemNumber,
		&f.HouseholdNumber, &f.HeadName, &f.MemberName); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ev), &f.Evidence); err != nil {
		return nil, apperr.Wrap(err, "finding evidence")
	}
	if err := json.Unmarshal([]byte(src), &f.Source); err != nil {
		return nil, apperr.Wrap(err, "finding source")
	}
	f.RaisedAt = parseTS(raised)
	if resolved != "" {
		f.ResolvedAt = parseTS(resolved)
	}
	return &f, nil
}

// findingWhere builds the condition of a filter.
func findingWhere(sc Scope, f *FindingFilter) (string, []any, error) {
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return "", nil, apperr.Field("region", "区域", "%s", err.Error())
		}
		f.Region = code
	}
	lo, hi, err := sc.narrow(f.Region)
	if err != nil {
		return "", nil, err
	}
	where := []string{"f.region_code >= ?", "f.region_code < ?"}
	args := []any{lo, hi}
	switch f.Status {
	case "", FindingOpen:
		where = append(where, "f.status = 'open'")
	case FindingResolved:
		where = append(where, "f.status = 'resolved'")
	case "all":
	default:
		return "", nil, apperr.Field("status", "状态", "应为open（未销号）、resolved（已消除）或all")
	}
	if f.Dimension != "" {
		d, ok := screening.Dimensions.Parse(f.Dimension)
		if !ok {
			return "", nil, apperr.Field("dimension", "排查方面", "“%s”不是已知的排查方面", f.Dimension)
		}
		where = append(where, "f.dimension = ?")
		args = append(args, d)
	}
	if f.Rule != "" {
		if screening.RuleByCode(f.Rule) == nil {
			return "", nil, apperr.Field("rule", "规则", "“%s”不是已知的规则", f.Rule)
		}
		where = append(where, "f.rule = ?")
		args = append(args, f.Rule)
	}
	if f.Household != 0 {
		where = append(where, "f.household_id = ?")
		args = append(args, f.Household)
	}
	return strings.Join(where, " AND "), args, nil
}

// ListFindings lists findings in the scope by region then age.
func (db *DB) ListFindings(ctx context.Context, sc Scope, f FindingFilter) (*FindingPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	cond, args, err := findingWhere(sc, &f)
	if err != nil {
		return nil, err
	}
	page := &FindingPage{Items: []*FindingRecord{}, Total: -1, Limit: f.Limit, Offset: f.Offset}
	rows, err := db.query(ctx, `SELECT `+findingCols+findingFrom+` WHERE `+cond+` ORDER BY f.region_code, f.id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	items, err := scanAll(rows, err, scanFinding)
	if err != nil {
		return nil, translate(err)
	}
	page.Items = append(page.Items, items...)
	if !f.NoTotal {
		if err := db.queryRow(ctx, `SELECT count(*) FROM findings f WHERE `+cond, args...).Scan(&page.Total); err != nil {
			return nil, translate(err)
		}
	}
	return page, nil
}

// EachFinding calls fn for every finding of the filter (Limit and Offset
// ignored), in list order, reading them as a stream: for exports.
func (db *DB) EachFinding(ctx context.Context, sc Scope, f FindingFilter, fn func(*FindingRecord) error) error {
	cond, args, err := findingWhere(sc, &f)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, `SELECT `+findingCols+findingFrom+` WHERE `+cond+` ORDER BY f.region_code, f.id`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanFinding(rows)
		if err != nil {
			return translate(err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// Finding returns one finding in the scope.
func (db *DB) Finding(ctx context.Context, sc Scope, id int64) (*FindingRecord, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	r, err := scanFinding(db.queryRow(ctx, `SELECT `+findingCols+findingFrom+` WHERE f.id = ? AND f.region_code >= ? AND f.region_code < ?`, id, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "问题线索不存在")
	}
	return r, translate(err)
}

// RuleRuns lists the latest runs over a region inside the scope (newest
// first).
func (db *DB) RuleRuns(ctx context.Context, sc Scope, under string, limit int) ([]*RunResult, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	lo, hi, err := sc.narrow(under)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, region_code, campaign_id, dimensions, ref_date, households, members, findings, raised, kept, resolved,
		started_at, finished_at FROM rule_runs WHERE region_code >= ? AND region_code < ? ORDER BY id DESC LIMIT ?`, lo, hi, limit)
	out, err := scanAll(rows, err, func(sc scanner) (*RunResult, error) {
		var r RunResult
		var dims, ref, started, finished string
		if err := sc.Scan(&r.ID, &r.Region, &r.CampaignID, &dims, &ref, &r.Households, &r.Members, &r.Findings, &r.Raised,
			&r.Kept, &r.Resolved, &started, &finished); err != nil {
			return nil, err
		}
		r.Dimensions = splitSet(dims)
		r.RefDate.Time, _ = time.Parse("2006-01-02", ref)
		r.StartedAt, r.FinishedAt = parseTS(started), parseTS(finished)
		r.TownshipPass = region.LevelOf(r.Region) <= region.Township && strings.Contains(","+dims+",", ","+screening.DimIncome+",")
		return &r, nil
	})
	if out == nil {
		out = []*RunResult{}
	}
	return out, translate(err)
}
