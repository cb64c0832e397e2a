package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

var (
	problemInsertCols = append([]string{"id", "county", "number", "created_by", "created_at"}, updateCols...)
	eventInsertCols   = []string{"problem_id", "county", "seq", "at", "kind", "state", "actor_id", "actor_name", "actor_role", "actor_unit", "note", "data", "evidence"}
	progressCols      = []string{"problem_id", "county", "day", "text", "author_id", "author_name", "author_role", "author_unit", "at"}
)

// LoadProblems stores many problems made by package ledger (each with its
// number, history and progress) in one transaction: all or none. It is for
// loading a whole county at once (the benchmark's generated county, a
// migration from another system); problems from people go through
// CreateProblem and the actions. The regions must exist; the numbers
// sequence of each county and year continues after the highest number
// loaded.
func (db *DB) LoadProblems(ctx context.Context, fn func(add func(ps []*ledger.Problem) error) error) error {
	return db.write(ctx, func(tx *Tx) error {
		high := map[[2]string]int{}
		loaded, firstRegion := 0, ""
		add := func(ps []*ledger.Problem) error {
			if len(ps) > 0 && firstRegion == "" {
				firstRegion = region.CountyOf(ps[0].Region) + "000000"
			}
			loaded += len(ps)
			ids, err := allocIDs(tx, "problems", len(ps))
			if err != nil {
				return err
			}
			var events, progress int
			for i, p := range ps {
				if p.Number == "" || p.County != region.CountyOf(p.Region) {
					return apperr.New(apperr.Invalid, "第%d个问题没有编号或区划不符", i+1)
				}
				p.ID = ids[i]
				events += len(p.History)
				progress += len(p.Progress)
				if parts := strings.Split(p.Number, "-"); len(parts) == 3 {
					if n, err := strconv.Atoi(parts[2]); err == nil {
						k := [2]string{parts[0], parts[1]}
						high[k] = max(high[k], n)
					}
				}
			}
			if err := batchInsert(tx, "problems", problemInsertCols, len(ps), func(i int, row []any) {
				p := ps[i]
				row[0], row[1], row[2], row[3], row[4] = p.ID, p.County, p.Number, int64(0), ts(p.CreatedAt)
				copy(row[5:], problemValues(p))
			}); err != nil {
				return err
			}
			type ref struct {
				p *ledger.Problem
				i int
			}
			evs := make([]ref, 0, events)
			prs := make([]ref, 0, progress)
			for _, p := range ps {
				for i := range p.History {
					evs = append(evs, ref{p, i})
				}
				for i := range p.Progress {
					prs = append(prs, ref{p, i})
				}
			}
			if err := batchInsert(tx, "problem_events", eventInsertCols, len(evs), func(i int, row []any) {
				p, e := evs[i].p, &evs[i].p.History[evs[i].i]
				data := "{}"
				if len(e.Data) > 0 {
					b, _ := json.Marshal(e.Data)
					data = string(b)
				}
				row[0], row[1], row[2], row[3], row[4], row[5] = p.ID, p.County, e.Seq, ts(e.At), string(e.Kind), string(e.State)
				row[6], row[7], row[8], row[9], row[10], row[11], row[12] = e.Actor.AccountID, e.Actor.Name, e.Actor.Role, e.Actor.Unit, e.Note, data, marshalCol(e.Evidence)
			}); err != nil {
				return err
			}
			return batchInsert(tx, "problem_progress", progressCols, len(prs), func(i int, row []any) {
				p, g := prs[i].p, &prs[i].p.Progress[prs[i].i]
				row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = p.ID, p.County, day(g.Date), g.Text,
					g.Author.AccountID, g.Author.Name, g.Author.Role, g.Author.Unit, ts(g.At)
			})
		}
		if err := fn(add); err != nil {
			return err
		}
		if loaded > 0 {
			if err := tx.audit(Change{Action: audit.ActImport, Object: "problem", Region: firstRegion,
				Detail: fmt.Sprintf("批量载入问题台账 %d 条", loaded)}); err != nil {
				return err
			}
		}
		for k, n := range high {
			year, _ := strconv.Atoi(k[1])
			var last int
			err := tx.queryRow(`SELECT last FROM problem_numbers WHERE county = ? AND year = ?`, k[0], year).Scan(&last)
			if err == nil {
				if n > last {
					_, err = tx.exec(`UPDATE problem_numbers SET last = ? WHERE county = ? AND year = ?`, n, k[0], year)
				}
			} else {
				_, err = tx.exec(`INSERT INTO problem_numbers (county, year, last) VALUES (?, ?, ?)`, k[0], year, n)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// AnalyzeLedger refreshes the planner's statistics of the ledger's tables
// after LoadProblems. On PostgreSQL it vacuums them too, which marks the
// freshly written pages all-visible, so that counts are answered from the
// indexes alone (index-only scans) instead of visiting every row.
func (db *DB) AnalyzeLedger(ctx context.Context) error {
	if db.dialect != Postgres {
		return db.Analyze(ctx)
	}
	_, err := db.w.ExecContext(ctx, `VACUUM (ANALYZE) problems, problem_events, problem_progress`)
	return translate(err)
}
