package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/clock"
	"sanbao/internal/policy"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
)

// RosterFacts lays department roster facts over a household's visit facts
// during a rules run (screening.Input.OverlayRoster). It is called once per
// household, in household ID order, with the Input the rules are about to
// read; it must not keep in.
type RosterFacts func(in *screening.Input) error

// RunOptions say what a rules run covers.
type RunOptions struct {
	Region     string      // 12-digit code of a county or a region inside one
	Household  int64       // instead of Region: one household (no township pass)
	CampaignID int64       // 0: routine screening (every dimension, reference date today)
	Roster     RosterFacts // nil: no department rosters yet
	By         int64       // account that runs it (0: the system)
	ByName     string
}

// RunResult counts what a run did.
type RunResult struct {
	ID          int64         `json:"id"`
	Region      string        `json:"region_code"`
	HouseholdID int64         `json:"household_id,omitempty"` // a run over one household
	CampaignID  int64         `json:"campaign_id,omitempty"`
	Dimensions  []string      `json:"dimensions"`
	RefDate     registry.Date `json:"ref_date"`
	Households  int           `json:"households"`
	Members     int           `json:"members"`
	Findings    int           `json:"findings"` // found by this run: raised + kept
	Raised      int           `json:"raised"`   // new findings
	Kept        int           `json:"kept"`     // already open, found again
	Resolved    int           `json:"resolved"` // open before, no longer found
	// TownshipPass: the lowest-20% income rule ran (the region is a
	// township or a county, and income is screened).
	TownshipPass bool      `json:"township_pass"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
}

// hFlags packs what the rules read of a household into one integer: the
// category as screening.Category, then relocated, dibao and tekun bits.
const hFlags = `CASE h.category WHEN 'lifted' THEN 1 WHEN 'monitored' THEN 2 WHEN 'ordinary' THEN 3 ELSE 0 END
	+ CASE WHEN h.relocated THEN 4 ELSE 0 END + CASE WHEN h.dibao THEN 8 ELSE 0 END + CASE WHEN h.tekun THEN 16 ELSE 0 END`

// memberPacked packs what the rules read of a member into one integer:
// birth date (yyyymmdd) × 4096, then health (2 bits), schooling (3 bits)
// and labour (3 bits) as screening's compact codes, then disabled, severely
// disabled and insured bits. On SQLite the migration 0300 indexes exactly
// this expression (members_screening), so the member query reads the index
// alone.
const memberPacked = `CAST(replace(birth_date, '-', '') AS BIGINT) * 4096
    + CASE health WHEN 'healthy' THEN 1 WHEN 'chronic' THEN 2 WHEN 'serious' THEN 3 ELSE 0 END
    + CASE schooling WHEN 'none' THEN 4 WHEN 'preschool' THEN 8 WHEN 'in_school' THEN 12 WHEN 'dropout' THEN 16
        WHEN 'unable' THEN 20 WHEN 'home_teaching' THEN 24 WHEN 'graduated' THEN 28 ELSE 0 END
    + CASE labour WHEN 'normal' THEN 32 WHEN 'weak' THEN 64 WHEN 'lost' THEN 96 WHEN 'none' THEN 128 ELSE 0 END
    + CASE WHEN disability_type <> 'none' THEN 256 ELSE 0 END
    + CASE WHEN disability_type <> 'none' AND disability_grade IN ('1', '2') THEN 512 ELSE 0 END
    + CASE WHEN medical_insured THEN 1024 ELSE 0 END`

func unpackMember(id, v int64, m *screening.Member) {
	*m = screening.Member{
		ID:        id,
		Birth:     screening.YMD(v >> 12),
		Health:    screening.Health(v & 3),
		Schooling: screening.Schooling(v >> 2 & 7),
		Labour:    screening.Labour(v >> 5 & 7),
		Disabled:  v&256 != 0,
		Severe:    v&512 != 0,
		Insured:   v&1024 != 0,
	}
}

func unpackHousehold(id, v int64, village string, h *screening.Household) {
	*h = screening.Household{ID: id, Region: village, Category: screening.Category(v & 3),
		Relocated: v&4 != 0, Dibao: v&8 != 0, Tekun: v&16 != 0}
}

// Rows travel from the reading goroutines to the rules in batches, reused.
const (
	hBatchSize = 512
	mBatchSize = 2048
	batches    = 4
)

type hRow struct {
	h        screening.Household
	facts    screening.HouseholdFacts
	mf0, mf1 int32 // the household's member facts: batch.mf[mf0:mf1]
	notMet   []screening.Answer
}

type mRow struct {
	household int64
	m         screening.Member
}

// rowBatch is a batch of rows; a batch of households also holds the member
// facts its rows point into.
type rowBatch[R any] struct {
	rows []R
	mf   []screening.MemberFacts
	err  error
}

type (
	hBatch = rowBatch[hRow]
	mBatch = rowBatch[mRow]
)

// queryer is what the readers query through: the read pool, or a
// transaction holding a snapshot.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readRows runs a query, scanning each row into dest and appending it to
// the current batch with add, and sends the batches down out, size rows at
// a time, reusing those that come back on free. An error travels as a batch
// of its own; out is closed at the end.
func readRows[R any](ctx context.Context, q queryer, query string, args []any, size int, dest []any,
	out chan<- *rowBatch[R], free chan *rowBatch[R], add func(b *rowBatch[R]) error) {
	defer close(out)
	fail := func(err error) { send(ctx, out, &rowBatch[R]{err: err}) }
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		fail(err)
		return
	}
	defer rows.Close()
	b := <-free
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			fail(err)
			return
		}
		if err := add(b); err != nil {
			fail(err)
			return
		}
		if len(b.rows) == size {
			if !send(ctx, out, b) {
				return
			}
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
		}
	}
	if err := rows.Err(); err != nil {
		fail(err)
		return
	}
	if len(b.rows) > 0 {
		send(ctx, out, b)
	}
}

// readHouseholds streams the households of [lo, hi) in ID order with their
// merged visit facts.
func (db *DB) readHouseholds(ctx context.Context, q queryer, lo, hi string, wide bool, out chan<- *hBatch, free chan *hBatch) {
	cond := `h.region_code >= ? AND h.region_code < ?`
	if wide && db.dialect == SQLite {
		// A county or more: scan the table in ID order rather than sort the
		// region index's rows (unary + keeps SQLite off the index).
		cond = `+h.region_code >= ? AND +h.region_code < ?`
	}
	villages := map[string]string{}
	var id, flags any
	var village, facts, members, notMet sql.RawBytes
	readRows(ctx, q, db.q(`SELECT h.id, h.region_code, `+hFlags+`, f.facts, f.member_facts, f.not_met
		FROM households h LEFT JOIN household_facts f ON f.household_id = h.id
		WHERE `+cond+` ORDER BY h.id`), []any{lo, hi}, hBatchSize, []any{&id, &village, &flags, &facts, &members, &notMet},
		out, free, func(b *hBatch) error {
			v, ok := villages[string(village)]
			if !ok {
				v = string(village)
				villages[v] = v
			}
			b.rows = append(b.rows, hRow{})
			r := &b.rows[len(b.rows)-1]
			unpackHousehold(asInt(id), asInt(flags), v, &r.h)
			if len(facts) == 0 {
				return nil
			}
			if err := r.facts.UnmarshalBinary(facts); err != nil {
				return apperr.Wrap(err, "household facts")
			}
			r.mf0 = int32(len(b.mf))
			var err error
			if b.mf, err = decodeMemberFacts(members, b.mf); err != nil {
				return apperr.Wrap(err, "member facts")
			}
			r.mf1 = int32(len(b.mf))
			if len(notMet) > 0 {
				if err := json.Unmarshal(notMet, &r.notMet); err != nil {
					return apperr.Wrap(err, "answers")
				}
			}
			return nil
		})
}

// readMembers streams the members of the households first..last (IDs) in
// household order; the merge skips those of households outside the run.
// On SQLite the range is read from members_screening alone.
func (db *DB) readMembers(ctx context.Context, q queryer, first, last int64, out chan<- *mBatch, free chan *mBatch) {
	var hh, id, packed any
	readRows(ctx, q, db.q(`SELECT m.household_id, m.id, `+memberPacked+` FROM members m
		WHERE m.household_id >= ? AND m.household_id <= ? ORDER BY m.household_id, m.id`), []any{first, last}, mBatchSize, []any{&hh, &id, &packed},
		out, free, func(b *mBatch) error {
			b.rows = append(b.rows, mRow{household: asInt(hh)})
			unpackMember(asInt(id), asInt(packed), &b.rows[len(b.rows)-1].m)
			return nil
		})
}

func send[T any](ctx context.Context, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

// asInt reads an integer column scanned into an any.
func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case []byte:
		var n int64
		for _, c := range x {
			n = n*10 + int64(c-'0')
		}
		return n
	}
	return 0
}

// readers are the two read snapshots a run streams through, and how to end
// them.
type readers struct {
	h, m  queryer
	close func()
}

// openReaders prepares the two streams. On PostgreSQL both run in one
// exported snapshot, so that households and members agree even while the
// registry is being edited; on SQLite the caller holds the write lock, so
// nothing commits between the two reads.
func (db *DB) openReaders(ctx context.Context) (*readers, error) {
	if db.dialect != Postgres {
		return &readers{h: db.r, m: db.r, close: func() {}}, nil
	}
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	t1, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	var snap string
	if err := t1.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snap); err != nil {
		t1.Rollback()
		return nil, err
	}
	for _, c := range snap {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c == '-') {
			t1.Rollback()
			return nil, apperr.New(apperr.Internal, "unexpected snapshot id %q", snap)
		}
	}
	t2, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		t1.Rollback()
		return nil, err
	}
	if _, err := t2.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+snap+`'`); err != nil {
		t1.Rollback()
		t2.Rollback()
		return nil, err
	}
	return &readers{h: t1, m: t2, close: func() { t2.Rollback(); t1.Rollback() }}, nil
}

// stream reads the households of [lo, hi) with their members and merged
// facts and calls fn once per household, in ID order, with an Input that is
// reused: fn must not keep it. Two goroutines read households and members
// at once; the caller's goroutine merges them.
func (db *DB) stream(ctx context.Context, rd *readers, lo, hi string, wide bool, fn func(in *screening.Input) error) (households, members int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hOut, hFree := make(chan *hBatch, batches), make(chan *hBatch, batches)
	mOut, mFree := make(chan *mBatch, batches), make(chan *mBatch, batches)
	for i := 0; i < batches; i++ {
		hFree <- &hBatch{rows: make([]hRow, 0, hBatchSize)}
		mFree <- &mBatch{rows: make([]mRow, 0, mBatchSize)}
	}
	// The households' IDs bound the members to read.
	var first, last sql.NullInt64
	if err := rd.m.QueryRowContext(ctx, db.q(`SELECT min(h.id), max(h.id) FROM households h
		WHERE h.region_code >= ? AND h.region_code < ?`), lo, hi).Scan(&first, &last); err != nil {
		return 0, 0, err
	}
	if !first.Valid {
		return 0, 0, nil
	}
	done := make(chan struct{}, 2)
	go func() { db.readHouseholds(ctx, rd.h, lo, hi, wide, hOut, hFree); done <- struct{}{} }()
	go func() { db.readMembers(ctx, rd.m, first.Int64, last.Int64, mOut, mFree); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	var mb *mBatch
	mi := 0
	mDone := false
	// peek returns the next member row without consuming it (nil at the end).
	peek := func() (*mRow, error) {
		for !mDone && (mb == nil || mi == len(mb.rows)) {
			if mb != nil {
				mb.rows = mb.rows[:0]
				mFree <- mb
				mb = nil
			}
			b, ok := <-mOut
			if !ok {
				if err := ctx.Err(); err != nil {
					return nil, err // cut short, not the end
				}
				mDone = true
				break
			}
			if b.err != nil {
				return nil, b.err
			}
			mb, mi = b, 0
		}
		if mDone {
			return nil, nil
		}
		return &mb.rows[mi], nil
	}
	var in screening.Input
	mfBuf := make([]screening.MemberFacts, 0, 16)
	for hb := range hOut {
		if hb.err != nil {
			return households, members, hb.err
		}
		for i := range hb.rows {
			r := &hb.rows[i]
			in.Household = r.h
			in.Members = in.Members[:0]
			for {
				m, err := peek()
				if err != nil {
					return households, members, err
				}
				if m == nil || m.household > r.h.ID {
					break
				}
				if m.household == r.h.ID {
					in.Members = append(in.Members, m.m)
				}
				mi++ // members of households outside the run are skipped
			}
			in.Facts = r.facts
			in.MemberFacts = nil
			if r.mf1 > r.mf0 {
				mfBuf = alignFacts(mfBuf[:0], in.Members, hb.mf[r.mf0:r.mf1])
				in.MemberFacts = mfBuf
			}
			in.NotMet = r.notMet
			if err := fn(&in); err != nil {
				return households, members, err
			}
			households++
			members += len(in.Members)
		}
		hb.rows = hb.rows[:0]
		hb.mf = hb.mf[:0]
		hFree <- hb
	}
	if err := ctx.Err(); err != nil {
		return households, members, err // cut short: not every household was read
	}
	// Drain the members of households past the last one.
	for {
		m, err := peek()
		if err != nil || m == nil {
			return households, members, err
		}
		mi++
	}
}

// alignFacts is screening.AlignMemberFacts into a reused buffer.
func alignFacts(out []screening.MemberFacts, members []screening.Member, facts []screening.MemberFacts) []screening.MemberFacts {
	for i := range members {
		f := screening.MemberFacts{MemberID: members[i].ID}
		for j := range facts {
			if facts[j].MemberID == members[i].ID {
				f = facts[j]
				break
			}
		}
		out = append(out, f)
	}
	return out
}

// appendFindingKey appends screening.FindingKey of f to b.
func appendFindingKey(b []byte, f *screening.Finding) []byte {
	b = append(b, f.Rule...)
	if f.Item != "" {
		b = append(b, '.')
		b = append(b, f.Item...)
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, f.HouseholdID, 10)
	b = append(b, ':')
	return strconv.AppendInt(b, f.MemberID, 10)
}

// openFinding is an open finding a run may keep or resolve.
type openFinding struct {
	id     int64
	region string
	seen   bool
}

// keepOpenElsewhere removes from fresh the findings already open in the
// county (outside what the run loaded), calling kept with the open one's ID
// and the region the finding now belongs to.
func keepOpenElsewhere(tx *Tx, county string, fresh []newFinding, kept func(id int64, region string)) ([]newFinding, error) {
	if len(fresh) == 0 {
		return fresh, nil
	}
	open := map[string]int64{}
	for start := 0; start < len(fresh); start += 500 {
		chunk := fresh[start:min(start+500, len(fresh))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, county)
		for i := range chunk {
			args = append(args, chunk[i].f.Key())
		}
		rows, err := tx.query(`SELECT id, finding_key FROM findings WHERE county = ? AND status = 'open' AND finding_key IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, err
			}
			open[key] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(open) == 0 {
		return fresh, nil
	}
	out := fresh[:0]
	for _, nf := range fresh {
		if id, ok := open[nf.f.Key()]; ok {
			kept(id, nf.region)
			continue
		}
		out = append(out, nf)
	}
	return out, nil
}

// newFinding is a finding a run raises.
type newFinding struct {
	f      screening.Finding
	region string
}

// findingsLockKey serialises runs over one county on PostgreSQL.
func findingsLockKey(county string) int64 {
	h := fnv.New64a()
	h.Write([]byte("sanbao.findings." + county))
	return int64(h.Sum64())
}

// RunRules runs every rule of the screening over a region (a county or a
// region inside one), or over one household, and writes the findings in one
// transaction: new ones are raised, those still open are kept (never raised
// twice), and open ones the run no longer finds are resolved. It streams the
// registry with the merged facts of the signed visits; the township pass
// (lowest 20% by income) runs when the region is a township or a whole
// county, never for one household.
func (db *DB) RunRules(ctx context.Context, sc Scope, opt RunOptions) (*RunResult, error) {
	var code string
	var one *registry.Household
	if opt.Household != 0 {
		h, err := db.Household(ctx, sc, opt.Household)
		if err != nil {
			return nil, err
		}
		one, code = h, h.RegionCode
	} else {
		var err error
		if code, err = region.Normalize(opt.Region); err != nil {
			return nil, apperr.Field("region_code", "排查范围", "%s", err.Error())
		}
		if region.LevelOf(code) < region.County {
			return nil, apperr.Field("region_code", "排查范围", "规则按县运行，请选择县或县以下区域（%s是%s）", code, region.LevelOf(code))
		}
		if !sc.Contains(code) {
			return nil, apperr.New(apperr.Forbidden, "%s不在您的管辖范围内", code)
		}
	}
	county := region.CountyOf(code)
	items, err := db.CheckItems(ctx, county)
	if err != nil {
		return nil, err
	}
	var camp *screening.Campaign
	if opt.CampaignID != 0 {
		if camp, err = db.Campaign(ctx, sc, opt.CampaignID); err != nil {
			return nil, err
		}
		if !region.Contains(camp.Region, code) && !region.Contains(code, camp.Region) {
			return nil, apperr.Field("campaign_id", "排查活动", "“%s”的范围不包括%s", camp.Name, code)
		}
	}
	start := db.now()
	p, err := screening.NewParams(code, camp, start.In(clock.China))
	if err != nil {
		return nil, err
	}
	p.Items = items
	lo, hi := region.Range(code)
	level := region.LevelOf(code)
	res := &RunResult{Region: code, HouseholdID: opt.Household, CampaignID: opt.CampaignID, Dimensions: p.Dimensions, StartedAt: start,
		RefDate:      registry.Date{Time: p.RefDate},
		TownshipPass: one == nil && level <= region.Township && p.DimensionOn(screening.DimIncome)}
	if res.Dimensions == nil {
		res.Dimensions = dimensionCodes()
	}
	err = db.write(ctx, func(tx *Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.exec(`SELECT pg_advisory_xact_lock(?)`, findingsLockKey(county)); err != nil {
				return err
			}
		}
		if err := tx.queryRow(`INSERT INTO rule_runs (county, region_code, campaign_id, dimensions, ref_date, run_by, run_by_name, started_at, finished_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, county, code, opt.CampaignID, strings.Join(res.Dimensions, ","),
			res.RefDate.String(), opt.By, opt.ByName, ts(start), ts(start)).Scan(&res.ID); err != nil {
			return err
		}
		// The open findings this run answers for: in its region, of its
		// dimensions, and of the township rule when the township pass runs.
		cond := `county = ? AND status = 'open' AND region_code >= ? AND region_code < ?`
		args := []any{county, lo, hi}
		if len(p.Dimensions) > 0 {
			cond += ` AND dimension IN (` + strings.TrimSuffix(strings.Repeat("?,", len(p.Dimensions)), ",") + `)`
			for _, d := range p.Dimensions {
				args = append(args, d)
			}
		}
		if !res.TownshipPass {
			cond += ` AND rule <> ?`
			args = append(args, screening.RuleIncomeLowest)
		}
		if one != nil {
			cond += ` AND household_id = ?`
			args = append(args, one.ID)
		}
		var open []openFinding
		index := map[string]int32{}
		rows, err := tx.query(`SELECT id, finding_key, region_code FROM findings WHERE `+cond, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o openFinding
			var key string
			if err := rows.Scan(&o.id, &key, &o.region); err != nil {
				rows.Close()
				return err
			}
			index[key] = int32(len(open))
			open = append(open, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		var fresh []newFinding
		var moved []*openFinding
		village := ""
		now := db.now()
		// A run over a whole county and every dimension loaded every open
		// finding, so a finding it has not loaded is new: it writes the new
		// ones while it reads. Another run first checks them (see below).
		everything := one == nil && level == region.County && len(p.Dimensions) == 0 && res.TownshipPass
		var writer *findingWriter
		sent := 0
		if everything {
			writer = startFindingWriter(tx, county, res.ID, now)
			defer writer.finish(nil)
		}
		var kb []byte
		emit := func(f screening.Finding) {
			kb = appendFindingKey(kb[:0], &f)
			if i, ok := index[string(kb)]; ok { // no allocation to look up
				if i < 0 {
					return // raised earlier in this run
				}
				o := &open[i]
				if !o.seen {
					o.seen = true
					res.Kept++
					if o.region != village {
						o.region = village
						moved = append(moved, o)
					}
				}
				return
			}
			index[string(kb)] = -1
			fresh = append(fresh, newFinding{f: f, region: village})
			if writer != nil && len(fresh)-sent >= 2000 {
				writer.send(fresh[sent:])
				sent = len(fresh)
			}
		}
		if one != nil {
			in := screening.InputFrom(one, one.Members)
			m, err := db.HouseholdFacts(ctx, sc, one.ID)
			if err != nil {
				return err
			}
			if m != nil {
				m.ApplyTo(&in)
			}
			if opt.Roster != nil {
				if err := opt.Roster(&in); err != nil {
					return err
				}
			}
			village = one.RegionCode
			screening.Evaluate(&in, p, emit)
			res.Households, res.Members = 1, len(in.Members)
		} else if err := db.runRegion(ctx, lo, hi, level <= region.County, p, opt.Roster, res, &village, emit); err != nil {
			return err
		}
		if writer != nil {
			if err := writer.finish(fresh[sent:]); err != nil {
				return err
			}
		} else {
			// A new finding may be open already outside what this run
			// answers for (its household moved from another village): keep it.
			if fresh, err = keepOpenElsewhere(tx, county, fresh, func(id int64, region string) {
				res.Kept++
				moved = append(moved, &openFinding{id: id, region: region})
			}); err != nil {
				return err
			}
			if err := insertFindings(tx, county, res.ID, now, fresh); err != nil {
				return err
			}
		}
		res.Raised = len(fresh)
		res.Findings = res.Raised + res.Kept
		for _, o := range moved {
			if _, err := tx.exec(`UPDATE findings SET region_code = ? WHERE id = ?`, o.region, o.id); err != nil {
				return err
			}
		}
		var gone []int64
		for i := range open {
			if !open[i].seen {
				gone = append(gone, open[i].id)
			}
		}
		res.Resolved = len(gone)
		for start := 0; start < len(gone); start += 500 {
			chunk := gone[start:min(start+500, len(gone))]
			args := make([]any, 0, len(chunk)+2)
			args = append(args, ts(now), res.ID)
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := tx.exec(`UPDATE findings SET status = 'resolved', resolved_at = ?, resolved_run = ?
				WHERE status = 'open' AND id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...); err != nil {
				return err
			}
		}
		res.FinishedAt = db.now()
		if _, err = tx.exec(`UPDATE rule_runs SET households = ?, members = ?, findings = ?, raised = ?, kept = ?, resolved = ?, finished_at = ?
			WHERE id = ?`, res.Households, res.Members, res.Findings, res.Raised, res.Kept, res.Resolved, ts(res.FinishedAt), res.ID); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActRunRules, Object: "rule_run", ObjectID: itoa(res.ID), Region: code,
			Detail: fmt.Sprintf("运行排查规则：%d户%d人，新发现%d条，仍存在%d条，已消除%d条", res.Households, res.Members,
				res.Raised, res.Kept, res.Resolved), New: res})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// runRegion streams the households of [lo, hi) through the rules and the
// township pass, calling emit with each finding while *village names the
// finding's village.
func (db *DB) runRegion(ctx context.Context, lo, hi string, wide bool, p *screening.Params, roster RosterFacts, res *RunResult,
	village *string, emit func(screening.Finding)) error {
	// Households with a known income, in ID order, for the township pass's
	// findings (IncomeRank names households only).
	type hv struct {
		id      int64
		village string
	}
	var incomes []hv
	var rank screening.IncomeRank
	rd, err := db.openReaders(ctx)
	if err != nil {
		return err
	}
	defer rd.close()
	res.Households, res.Members, err = db.stream(ctx, rd, lo, hi, wide, func(in *screening.Input) error {
		if roster != nil {
			if err := roster(in); err != nil {
				return err
			}
		}
		*village = in.Household.Region
		screening.Evaluate(in, p, emit)
		if res.TownshipPass {
			if _, ok := screening.PerCapita(in); ok {
				rank.Add(in)
				incomes = append(incomes, hv{in.Household.ID, *village})
			}
		}
		return nil
	})
	rd.close()
	if err != nil {
		return err
	}
	if res.TownshipPass {
		rank.Findings(p, func(f screening.Finding) {
			i := sort.Search(len(incomes), func(i int) bool { return incomes[i].id >= f.HouseholdID })
			*village = ""
			if i < len(incomes) && incomes[i].id == f.HouseholdID {
				*village = incomes[i].village
			}
			emit(f)
		})
	}
	return nil
}

func dimensionCodes() []string {
	out := make([]string, len(screening.Dimensions.Values))
	for i, v := range screening.Dimensions.Values {
		out[i] = v.Code
	}
	return out
}

// findingWriter inserts new findings in its own goroutine while a run
// reads on (the transaction is not used by anyone else meanwhile).
type findingWriter struct {
	ch     chan []newFinding
	done   chan error
	closed bool
}

func startFindingWriter(tx *Tx, county string, run int64, now time.Time) *findingWriter {
	w := &findingWriter{ch: make(chan []newFinding, 4), done: make(chan error, 1)}
	go func() {
		var err error
		for part := range w.ch {
			if err == nil {
				err = insertFindings(tx, county, run, now, part)
			}
		}
		w.done <- err
	}()
	return w
}

// send queues findings to insert; they must not change afterwards.
func (w *findingWriter) send(part []newFinding) { w.ch <- part }

// finish queues the rest, waits for every insert and returns the first
// error; later calls do nothing.
func (w *findingWriter) finish(rest []newFinding) error {
	if w.closed {
		return nil
	}
	w.closed = true
	if len(rest) > 0 {
		w.ch <- rest
	}
	close(w.ch)
	return <-w.done
}

var findingInsertCols = []string{"county", "finding_key", "household_id", "member_id", "region_code", "rule", "item", "dimension",
	"title", "evidence", "source", "status", "raised_at", "raised_run"}

func insertFindings(tx *Tx, county string, run int64, now time.Time, fresh []newFinding) error {
	at := ts(now)
	var encErr error
	sources := map[policy.Source]string{} // a rule's source, encoded once
	if tx.db.dialect == Postgres {
		return insertFindingsPG(tx, county, run, at, fresh, sources)
	}
	err := batchInsert(tx, "findings", findingInsertCols, len(fresh), func(i int, row []any) {
		nf := &fresh[i]
		f := &nf.f
		ev, src, err := findingJSON(f, sources)
		if err != nil && encErr == nil {
			encErr = err
		}
		row[0], row[1], row[2], row[3], row[4], row[5], row[6] = county, f.Key(), f.HouseholdID, f.MemberID, nf.region, f.Rule, f.Item
		row[7], row[8], row[9], row[10], row[11], row[12], row[13] = f.Dimension, f.Title, ev, src, "open", at, run
	})
	if err != nil {
		return err
	}
	if encErr != nil {
		return apperr.Wrap(encErr, "finding")
	}
	return nil
}

// findingJSON encodes a finding's evidence and (once per rule) its source.
func findingJSON(f *screening.Finding, sources map[policy.Source]string) (evidence, source string, err error) {
	ev := f.Evidence
	if ev == nil {
		ev = []screening.Evidence{}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return "", "", err
	}
	src, ok := sources[f.Source]
	if !ok {
		s, err := json.Marshal(f.Source)
		if err != nil {
			return "", "", err
		}
		src = string(s)
		sources[f.Source] = src
	}
	return string(b), src, nil
}

// insertFindingsPG inserts findings on PostgreSQL with one statement per
// 5,000 rows, the columns passed as arrays (unnest): a first run over a
// county writes tens of thousands at once.
func insertFindingsPG(tx *Tx, county string, run int64, at string, fresh []newFinding, sources map[policy.Source]string) error {
	const chunk = 5000
	for start := 0; start < len(fresh); start += chunk {
		part := fresh[start:min(start+chunk, len(fresh))]
		n := len(part)
		keys, regions, rules, items, dims, titles, evs, srcs := make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		hh, mm := make([]int64, n), make([]int64, n)
		for i := range part {
			f := &part[i].f
			ev, src, err := findingJSON(f, sources)
			if err != nil {
				return apperr.Wrap(err, "finding")
			}
			keys[i], hh[i], mm[i], regions[i], rules[i], items[i] = f.Key(), f.HouseholdID, f.MemberID, part[i].region, f.Rule, f.Item
			dims[i], titles[i], evs[i], srcs[i] = f.Dimension, f.Title, ev, src
		}
		if _, err := tx.exec(`INSERT INTO findings (county, finding_key, household_id, member_id, region_code, rule, item, dimension,
			title, evidence, source, status, raised_at, raised_run)
			SELECT ?, k, h, m, r, ru, it, d, ti, e, s, 'open', ?, ? FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(k, h, m, r, ru, it, d, ti, e, s)`,
			county, at, run, keys, hh, mm, regions, rules, items, dims, titles, evs, srcs); err != nil {
			return err
		}
	}
	return nil
}
