package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

// LedgerImport is a ledger in the official template, read and checked row
// by row (ledger.ParseHeader, ledger.ParseRow), to be stored.
type LedgerImport struct {
	Header ledger.Header
	Rows   []ledger.Row
	// New rows (without a known number) become problems with these: Region
	// is required; Dimension defaults to the one the header's 专班 names
	// (住房安全保障专班 → 住房安全); TaskForce to the header's 专班.
	New    ledger.ImportContext
	DryRun bool // check everything, store nothing
}

// LedgerImportResult says what an import did (or would do, on a dry run).
type LedgerImportResult struct {
	Added     int      `json:"added"`     // new problems
	Updated   int      `json:"updated"`   // known problems with new progress or remarks
	Unchanged int      `json:"unchanged"` // known problems the file did not change
	Numbers   []string `json:"numbers"`   // the number of each row's problem, in row order
	Warnings  []string `json:"warnings"`  // what was not taken from the file, and why
	DryRun    bool     `json:"dry_run"`
}

var errDryRun = errors.New("dry run")

// DimensionOfTaskForce names the dimension a task force (专班) works on,
// from the dimension's label or alias inside its name ("住房安全保障专班" →
// housing), or "" when none is found.
func DimensionOfTaskForce(taskForce string) string {
	taskForce = strings.TrimSpace(taskForce)
	if taskForce == "" {
		return ""
	}
	best, bestLen := "", 0
	for _, v := range ledger.Dimension.Values {
		for _, name := range append([]string{v.Label}, v.Aliases...) {
			if len(name) > bestLen && strings.Contains(taskForce, name) {
				best, bestLen = v.Code, len(name)
			}
		}
	}
	return best
}

// ImportLedger stores a ledger: rows with a known number (编号 in 备注)
// update their problem (new progress entries, changed remarks, see
// ledger.Problem.MergeRow); rows without one become problems
// (ledger.NewFromRow) with numbers assigned here. It is all or nothing: one
// transaction, and any row that cannot be stored refuses the whole file,
// with an Invalid error naming every row, field and reason. Numbers of
// other counties or outside the scope are "not found".
func (db *DB) ImportLedger(ctx context.Context, sc Scope, in LedgerImport, by ledger.Actor) (*LedgerImportResult, error) {
	res := &LedgerImportResult{DryRun: in.DryRun, Numbers: []string{}, Warnings: []string{}}
	newCtx := in.New
	if newCtx.TaskForce == "" {
		newCtx.TaskForce = in.Header.TaskForce
	}
	if newCtx.Dimension == "" {
		newCtx.Dimension = DimensionOfTaskForce(newCtx.TaskForce)
	}
	if code, err := region.Normalize(newCtx.Region); err == nil {
		newCtx.Region = code
	}
	now := db.now()
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		var v apperr.Validation
		rowErr := func(line int, err error) {
			v.Row = line
			if fs := apperr.FieldsOf(err); len(fs) > 0 {
				for _, fe := range fs {
					v.Add(fe.Field, fe.Label, "%s", fe.Message)
				}
				return
			}
			v.Add("row", "", "%s", apperr.MessageOf(err))
		}
		seen := map[string]int{}
		regionChecked := false
		for _, r := range in.Rows {
			if r.Number != "" {
				if first, dup := seen[r.Number]; dup {
					rowErr(r.Line, apperr.Field("remarks", "备注", "编号%s与第%d行重复", r.Number, first))
					continue
				}
				seen[r.Number] = r.Line
				var id int64
				err := tx.queryRow(`SELECT id FROM problems WHERE number = ? AND region_code >= ? AND region_code < ?`, r.Number, lo, hi).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					rowErr(r.Line, apperr.Field("remarks", "备注", "编号%s的问题不存在或不在您的管辖范围内（新问题请不要填写编号）", r.Number))
					continue
				}
				if err != nil {
					return err
				}
				pr, err := loadProblem(tx, db.dialect, sc, id, true)
				if err != nil {
					return err
				}
				before, nh := auditOf(pr.p), pr.nHistory
				events, warn, err := pr.p.MergeRow(r, by, now)
				res.Warnings = append(res.Warnings, warn...)
				if err != nil {
					rowErr(r.Line, err)
					continue
				}
				res.Numbers = append(res.Numbers, r.Number)
				if len(events) == 0 {
					res.Unchanged++
					continue
				}
				if err := pr.save(tx); err != nil {
					return err
				}
				if err := auditProblem(tx, &before, pr.p, nh); err != nil {
					return err
				}
				res.Updated++
				continue
			}
			if !regionChecked {
				regionChecked = true
				if strings.TrimSpace(newCtx.Region) == "" {
					v.Row = 0
					v.Add("region", ledger.FieldLabel("region"), "台账中有新问题（备注中没有编号），请选择问题所在区划")
				} else if _, err := region.Normalize(newCtx.Region); err != nil {
					v.Row = 0
					v.Add("region", ledger.FieldLabel("region"), "%s", err.Error())
				} else if err := checkProblemRegion(tx, sc, newCtx.Region); err != nil {
					rowErr(0, err)
				}
				if newCtx.Dimension == "" {
					v.Row = 0
					v.Add("dimension", ledger.FieldLabel("dimension"), "表头「专班」（%s）未能确定问题类别，请选择问题类别", in.Header.TaskForce)
				}
			}
			if v.Has("region") || v.Has("dimension") {
				continue
			}
			c := newCtx
			number, err := nextNumber(tx, region.CountyOf(newCtx.Region), now.In(clock.China).Year())
			if err != nil {
				return err
			}
			c.Number = number
			p, warn, err := ledger.NewFromRow(r, c, by, now)
			if err != nil {
				rowErr(r.Line, err)
				continue
			}
			res.Warnings = append(res.Warnings, warn...)
			if err := insertProblem(tx, p, by.AccountID); err != nil {
				rowErr(r.Line, err)
				continue
			}
			if err := auditProblem(tx, nil, p, 0); err != nil {
				return err
			}
			res.Numbers = append(res.Numbers, p.Number)
			res.Added++
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}
