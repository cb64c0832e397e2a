package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/crosscheck"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/sheet"
)

// RosterImport is one roster file a department uploads for its county.
type RosterImport struct {
	County     string          // the county: 6 digits or its 12-digit code
	Department auth.Department // the uploading department
	// Kind is the roster type (code or label); "" picks the department's
	// only type, or for a department with several the one whose columns
	// the file's header names.
	Kind     string
	FileName string
	File     io.ReaderAt
	Size     int64
	By       crosscheck.Actor
	// LargeOutOfPocket overrides the large-expense alert amount (yuan); 0
	// keeps policy.LargeOutOfPocket.
	LargeOutOfPocket float64
}

// pendingMax bounds how many parsed rows wait for the registry while it
// loads: the file is read while the registry loads, in bounded memory.
const pendingMax = 200_000

type pendingRow struct {
	rec   crosscheck.Record
	cells []string
}

// ImportRoster matches a roster file with the county's registry and pushes
// the alerts it raises: one upload (a round) is stored with the file's
// name, SHA-256 and row counts; rows that are invalid or about nobody of
// the registry are kept for the uploader's error workbook; the roster's
// facts replace the previous upload's of the same kind; alerts are pushed,
// kept, or resolved (crosscheck.Reconcile). The file is refused as a whole
// only when it cannot be read or its header lacks required columns.
//
// The registry loads in the background while the file is read; each row
// is one probe of a hash index of the county's ID numbers.
func (db *DB) ImportRoster(ctx context.Context, sc Scope, in RosterImport) (*crosscheck.Upload, error) {
	start := time.Now()
	now := db.now()
	county, err := countyCode(in.County)
	if err != nil {
		return nil, err
	}
	if !sc.Contains(county + "000000") {
		return nil, apperr.New(apperr.Forbidden, "只能上传本县（%s）的名单", county)
	}
	if _, err := db.Region(ctx, county+"000000"); err != nil {
		return nil, err
	}
	var kinds []*crosscheck.KindInfo
	if strings.TrimSpace(in.Kind) != "" || len(crosscheck.KindsOf(in.Department)) == 1 {
		k, err := crosscheck.ResolveKind(in.Department, in.Kind)
		if err != nil {
			return nil, err
		}
		kinds = []*crosscheck.KindInfo{k}
	} else if kinds = crosscheck.KindsOf(in.Department); len(kinds) == 0 {
		_, err := crosscheck.ResolveKind(in.Department, "")
		return nil, err
	}
	if in.File == nil || in.Size <= 0 {
		return nil, apperr.New(apperr.Invalid, "文件为空")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type regResult struct {
		reg *crosscheck.Registry
		err error
	}
	shac := make(chan string, 1)
	go func() {
		h := sha256.New()
		io.Copy(h, io.NewSectionReader(in.File, 0, in.Size))
		shac <- hex.EncodeToString(h.Sum(nil))
	}()

	r, kind, hdr, err := openRoster(in.File, in.Size, kinds)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var from, to string // the birth window of the registry loaded (none: everyone)
	if w, ok := birthWindow[kind.Kind]; ok {
		today := now.In(clock.China)
		from, to = today.AddDate(-w[1], 0, 0).Format("2006-01-02"), today.AddDate(-w[0], 0, 0).Format("2006-01-02")
	}
	regc := make(chan regResult, 1)
	go func() {
		reg, err := db.crossRegistry(ctx, county, from, to, !villagesOnly[kind.Kind])
		regc <- regResult{reg, err}
	}()

	sp, err := screening.NewParams(county+"000000", nil, now)
	if err != nil {
		return nil, err
	}
	p := crosscheck.NewParams(sp)
	if in.LargeOutOfPocket > 0 {
		p.LargeOutOfPocket = in.LargeOutOfPocket
	}
	pc := crosscheck.NewParseContext(now)

	var (
		match   *crosscheck.Match
		reg     *crosscheck.Registry
		pending []pendingRow
		outside []pendingRow // rows about people born outside the window
		rejects []crosscheck.Reject
		invalid int
	)
	fromKey, toKey := birthKey(from), birthKey(to)
	add := func(rec *crosscheck.Record, cells []string) {
		if why := match.Add(rec); why != "" {
			rejects = append(rejects, crosscheck.Reject{Row: rec.Row, Reason: crosscheck.ReasonUnknown, Message: why, Cells: cells})
		}
	}
	takeRegistry := func(res regResult) error {
		if res.err != nil {
			return res.err
		}
		reg = res.reg
		match = crosscheck.NewMatch(kind, reg)
		for i := range pending {
			add(&pending[i].rec, pending[i].cells)
		}
		pending = nil
		return nil
	}
	rows := readBatches(ctx, r)
	defer func() { // before r.Close: stop the reader and wait for it
		cancel()
		for range rows {
		}
	}()
	for batch := range rows {
		if batch.err != nil {
			return nil, batch.err
		}
		for _, row := range batch.rows {
			rec, perr := kind.Parse(row.Num, row.Get, pc)
			if perr != nil {
				invalid++
				rejects = append(rejects, crosscheck.Reject{Row: row.Num, Reason: crosscheck.ReasonInvalid, Message: apperr.MessageOf(perr), Cells: row.Cells})
				continue
			}
			if b := rec.Key.Birth(); fromKey != 0 && rec.Key != 0 && (b < fromKey || b > toKey) {
				outside = append(outside, pendingRow{rec, row.Cells})
				continue
			}
			if match == nil {
				if len(pending) < pendingMax {
					select {
					case res := <-regc:
						if err := takeRegistry(res); err != nil {
							return nil, err
						}
					default:
						pending = append(pending, pendingRow{rec, row.Cells})
						continue
					}
				} else if err := takeRegistry(<-regc); err != nil {
					return nil, err
				}
			}
			add(&rec, row.Cells)
		}
	}
	if match == nil {
		if err := takeRegistry(<-regc); err != nil {
			return nil, err
		}
	}
	if len(outside) > 0 {
		if err := db.extendRegistry(ctx, reg, county, outside); err != nil {
			return nil, err
		}
		match.Grow()
		for i := range outside {
			add(&outside[i].rec, outside[i].cells)
		}
	}
	for i := 0; i < invalid; i++ {
		match.CountInvalid()
	}

	inputs := &crosscheck.Inputs{Match: match}
	for _, rule := range crosscheck.RulesOf(kind.Kind) {
		for _, other := range rule.Reads {
			if other == crosscheck.KindAssistance && inputs.Assistance == nil {
				blocks, err := db.rosterBlocks(ctx, county, other, "")
				if err != nil {
					return nil, err
				}
				if len(blocks) > 0 {
					if inputs.Assistance, err = reg.States(other, blocks); err != nil {
						return nil, apperr.Wrap(err, "decode roster facts")
					}
				}
			}
		}
	}
	var cands []crosscheck.Candidate
	crosscheck.Evaluate(inputs, p, func(c crosscheck.Candidate) { cands = append(cands, c) })
	blocks := match.Snapshot(p)

	up := &crosscheck.Upload{
		County: county, Department: kind.Department, Kind: kind.Kind, KindLabel: kind.Label,
		AccountID: in.By.AccountID, AccountName: in.By.Name, FileName: rosterFileName(in.FileName), Size: in.Size,
		Format: r.Format().String(), Encoding: r.Encoding(), UploadedAt: now, Year: int(match.Year),
		Rows: match.Rows, Matched: match.Matched, Unknown: match.Unknown, Invalid: match.Invalid, Subjects: match.Subjects,
	}
	up.SHA256 = <-shac
	header, _ := json.Marshal(hdr.Cells)

	err = db.write(ctx, func(tx *Tx) error {
		if db.dialect == Postgres { // one upload of a county's roster kind at a time
			if _, err := tx.exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "roster:"+county+":"+string(kind.Kind)); err != nil {
				return err
			}
		}
		if err := tx.queryRow(`INSERT INTO roster_uploads (county, department, kind, account_id, account_name, file_name, file_sha256,
			file_size, format, encoding, header, uploaded_at, year, rows_total, rows_matched, rows_unknown, rows_invalid, subjects)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			up.County, string(up.Department), string(up.Kind), up.AccountID, up.AccountName, up.FileName, up.SHA256,
			up.Size, up.Format, up.Encoding, string(header), ts(now), up.Year, up.Rows, up.Matched, up.Unknown, up.Invalid, up.Subjects).Scan(&up.ID); err != nil {
			return err
		}
		if err := insertRejects(tx, up.ID, county, kind, rejects); err != nil {
			return err
		}
		if err := replaceRosterFacts(tx, county, kind.Kind, up.ID, blocks); err != nil {
			return err
		}
		latest, err := latestAlerts(tx, county, crosscheck.RulesOf(kind.Kind))
		if err != nil {
			return err
		}
		plan := crosscheck.Reconcile(inputs, p, latest, cands)
		if err := applyPlan(tx, county, kind, up, plan, now); err != nil {
			return err
		}
		up.AlertsNew, up.AlertsSeen, up.AlertsKept, up.AlertsResolved = len(plan.New), len(plan.Seen), plan.Kept, len(plan.Resolve)
		up.DurationMS = time.Since(start).Milliseconds()
		if _, err := tx.exec(`UPDATE roster_uploads SET alerts_new = ?, alerts_seen = ?, alerts_kept = ?, alerts_resolved = ?, duration_ms = ?
			WHERE id = ?`, up.AlertsNew, up.AlertsSeen, up.AlertsKept, up.AlertsResolved, up.DurationMS, up.ID); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActUploadRoster, Object: "roster_upload", ObjectID: itoa(up.ID), Region: county + "000000",
			Detail: fmt.Sprintf("%s上传%s（%s，SHA-256 %s）：%d行，匹配%d，未匹配%d，有错误%d；新推送预警%d，已解决%d",
				up.Department.Label(), up.KindLabel, up.FileName, up.SHA256[:12], up.Rows, up.Matched, up.Unknown, up.Invalid, up.AlertsNew, up.AlertsResolved)})
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

// rosterBatch is a run of rows read from a roster file.
type rosterBatch struct {
	rows []sheet.Row
	err  error
}

// readBatches reads the file in a goroutine of its own, so that reading
// and decoding the file overlap with parsing and matching its rows. The
// channel closes after the last batch (or the one carrying an error).
func readBatches(ctx context.Context, r *sheet.Reader) <-chan rosterBatch {
	out := make(chan rosterBatch, 8)
	go func() {
		defer close(out)
		for {
			b := rosterBatch{rows: make([]sheet.Row, 0, 1024)}
			for len(b.rows) < cap(b.rows) {
				row, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.err = err
					break
				}
				b.rows = append(b.rows, row)
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil || len(b.rows) < cap(b.rows) {
				return
			}
		}
	}()
	return out
}

// countyCode accepts a county as 6 digits or its 12-digit division code.
func countyCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	code, err := region.Normalize(s)
	if err != nil {
		return "", apperr.Field("county", "县", "%s", err.Error())
	}
	if region.LevelOf(code) != region.County {
		return "", apperr.Field("county", "县", "%s不是县级区划代码", s)
	}
	return code[:6], nil
}

func rosterFileName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	if s == "" {
		s = "名单"
	}
	return s
}

// sheetColumns converts a roster's columns for the sheet reader.
func sheetColumns(k *crosscheck.KindInfo) []sheet.Column {
	out := make([]sheet.Column, len(k.Columns))
	for i, c := range k.Columns {
		out[i] = sheet.Column{Key: c.Key, Label: c.Label, Aliases: c.Aliases, Required: c.Required}
	}
	return out
}

// openRoster opens the file and finds its header among the candidate
// kinds: the first whose required columns are all there.
func openRoster(f io.ReaderAt, size int64, kinds []*crosscheck.KindInfo) (*sheet.Reader, *crosscheck.KindInfo, *sheet.Header, error) {
	var firstErr error
	for _, k := range kinds {
		r, err := sheet.Open(f, size, sheet.Options{})
		if err != nil {
			return nil, nil, nil, err
		}
		h, err := r.FindHeader(sheetColumns(k), 0)
		if err == nil {
			return r, k, h, nil
		}
		r.Close()
		if firstErr == nil {
			firstErr = err
		}
	}
	if len(kinds) > 1 {
		labels := make([]string, len(kinds))
		for i, k := range kinds {
			labels[i] = "“" + k.Label + "”"
		}
		return nil, nil, nil, &apperr.Error{Code: apperr.Invalid, Fields: apperr.FieldsOf(firstErr),
			Message: "文件的表头不符合" + strings.Join(labels, "或") + "的格式（" + apperr.MessageOf(firstErr) + "），请下载模板核对列名"}
	}
	return nil, nil, nil, firstErr
}

// crossRegistry loads the county's registry as the cross-check reads it.
//
// A county holds a million members, and a database driver's cost is per
// row and per column (for SQLite, calls through cgo), so the rows are not
// read one by one: the database concatenates each column of a chunk of
// members into one text value (group_concat / string_agg: one aggregate per
// column costs less than one concatenated expression per row), chunks of
// the member table are read in parallel, and the text is parsed here.
//
// from and to ("" for none) limit the members to those born in the window
// (see birthWindow); the households are always all of the county's.
func (db *DB) crossRegistry(ctx context.Context, county, from, to string, households bool) (*crosscheck.Registry, error) {
	var lo, hi sql.NullInt64
	if err := db.queryRow(ctx, `SELECT (SELECT min(id) FROM members), (SELECT max(id) FROM members)`).Scan(&lo, &hi); err != nil {
		return nil, translate(err)
	}
	const chunks = 4
	type part struct {
		cols [6][]byte
		err  error
	}
	results := make([]chan part, chunks+1)
	for i := range results {
		results[i] = make(chan part, 1)
	}
	sem := make(chan struct{}, 2) // two readers at a time
	fetch := func(i, ncol int, q string, args ...any) {
		sem <- struct{}{}
		defer func() { <-sem }()
		var p part
		dst := make([]any, ncol)
		for j := range dst {
			dst[j] = &p.cols[j]
		}
		p.err = translate(db.scanMapped(ctx, q, args, dst))
		results[i] <- p
	}
	if households {
		go fetch(chunks, 5, `SELECT `+db.agg("h.id", ",")+`, `+db.agg("h.region_code", "")+`, `+db.agg("h.category", ",")+`, `+
			db.agg("CASE WHEN h.dibao THEN '1' ELSE '0' END", "")+`, `+db.agg("CASE WHEN h.tekun THEN '1' ELSE '0' END", "")+
			` FROM households h WHERE h.county = ?`, county)
	} else {
		results[chunks] <- part{}
	}
	step := (hi.Int64-lo.Int64)/chunks + 1
	window, wargs := "", []any{}
	if from != "" {
		window, wargs = ` AND m.birth_date >= ? AND m.birth_date <= ?`, []any{from, to}
	}
	for i := 0; i < chunks; i++ {
		first := lo.Int64 + int64(i)*step
		go fetch(i, 6, `SELECT `+db.agg("m.id_number", "")+`, `+db.agg("m.id", ",")+`, `+db.agg("m.household_id", ",")+`, `+
			db.agg("m.schooling", ",")+`, `+db.agg("m.disability_grade", "")+`, `+villagesOf(db, households)+
			` FROM members m WHERE m.id >= ? AND m.id < ? AND m.county = ?`+window, append([]any{first, first + step, county}, wargs...)...)
	}
	hp := <-results[chunks]
	if hp.err != nil {
		return nil, hp.err
	}
	parts := make([]part, chunks)
	n := 0
	for i := 0; i < chunks; i++ {
		if parts[i] = <-results[i]; parts[i].err != nil {
			return nil, parts[i].err
		}
		n += len(parts[i].cols[0]) / 18
	}
	errRecord := apperr.Wrap(errors.New("bad registry aggregate"), "registry")

	// Households: ids, 12-digit villages, categories, dibao and tekun flags.
	nh := len(hp.cols[1]) / 12
	if len(hp.cols[1]) != nh*12 || len(hp.cols[3]) != nh || len(hp.cols[4]) != nh {
		return nil, errRecord
	}
	reg := crosscheck.NewRegistry(county, nh, n)
	byID := &householdIndex{m: map[int64]int32{}}
	ids, cats := hp.cols[0], hp.cols[2]
	var village string
	for i := 0; i < nh; i++ {
		var id int64
		var ok bool
		if id, ids, ok = cutInt(ids); !ok {
			return nil, errRecord
		}
		if v := hp.cols[1][i*12 : i*12+12]; string(v) != village { // one string per village, shared
			village = string(v)
		}
		var cat []byte
		cat, cats = cutField(cats)
		hi := reg.AddHousehold(crosscheck.Household{ID: id, Village: village, Category: screening.ParseCategory(string(cat)),
			Dibao: hp.cols[3][i] == '1', Tekun: hp.cols[4][i] == '1'})
		byID.put(id, hi)
	}
	// Members: ID numbers (18 characters each), ids, households, schooling,
	// disability grades (one character each; "0" is none) and, when the
	// households were not read, their villages (12 characters each).
	for _, p := range parts {
		numbers, ids, hids, school, grades, villages := p.cols[0], p.cols[1], p.cols[2], p.cols[3], p.cols[4], p.cols[5]
		k := len(numbers) / 18
		if len(numbers) != k*18 || len(grades) != k || (!households && len(villages) != k*12) {
			return nil, errRecord
		}
		for i := 0; i < k; i++ {
			m := crosscheck.Member{Key: crosscheck.KeyOfBytes(numbers[i*18 : i*18+18])}
			var hid int64
			var ok1, ok2 bool
			m.ID, ids, ok1 = cutInt(ids)
			hid, hids, ok2 = cutInt(hids)
			if !ok1 || !ok2 {
				return nil, errRecord
			}
			hi, ok := byID.get(hid)
			if !ok && !households {
				if v := villages[i*12 : i*12+12]; string(v) != village {
					village = string(v)
				}
				hi, ok = reg.AddHousehold(crosscheck.Household{ID: hid, Village: village}), true
				byID.put(hid, hi)
			}
			if !ok {
				return nil, errRecord
			}
			var sch []byte
			sch, school = cutField(school)
			m.Schooling = schoolingCodes[string(sch)]
			g := grades[i]
			m.Disabled, m.Severe = g > '0' && g <= '4', g == '1' || g == '2'
			reg.AddMemberAt(hi, m)
		}
	}
	lo2, hi2 := region.Range(county + "000000")
	vrows, err := db.query(ctx, `SELECT code, name FROM regions WHERE code >= ? AND code < ? AND level = 5`, lo2, hi2)
	if err != nil {
		return nil, translate(err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var code, name string
		if err := vrows.Scan(&code, &name); err != nil {
			return nil, translate(err)
		}
		if _, ok := reg.Villages[code]; ok {
			reg.Villages[code] = name
		}
	}
	if err := vrows.Err(); err != nil {
		return nil, translate(err)
	}
	reg.Finish()
	return reg, nil
}

// birthWindow narrows the registry an upload loads to the people a roster
// of its kind can be about, as ages in years before the upload (a county's
// student roster is about its young, not its million members). Rows about
// someone born outside the window are looked up afterwards, a batch at a
// time (extendRegistry), so that no member of the registry is missed.
var birthWindow = map[crosscheck.Kind][2]int{crosscheck.KindStudents: {1, 30}}

// villagesOnly: the rules of these rosters read no household attribute
// (category, dibao), only which household and village a member belongs
// to, so the households table is not read: a member's household and
// village come with the member.
var villagesOnly = map[crosscheck.Kind]bool{crosscheck.KindStudents: true, crosscheck.KindHousing: true, crosscheck.KindWater: true}

// villagesOf aggregates the members' villages when the households are not
// read (a constant otherwise, which costs nothing).
func villagesOf(db *DB, households bool) string {
	if households {
		return "''"
	}
	return db.agg("m.region_code", "")
}

// birthKey turns a date 2006-01-02 into yyyymmdd (0 for "").
func birthKey(d string) int32 {
	if len(d) != 10 {
		return 0
	}
	n, _ := strconv.Atoi(d[:4] + d[5:7] + d[8:])
	return int32(n)
}

// extendRegistry adds to reg the members of the county whose ID numbers
// the rows name, when they were outside the loaded window.
func (db *DB) extendRegistry(ctx context.Context, reg *crosscheck.Registry, county string, rows []pendingRow) error {
	keys := make([]any, 0, 500)
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		rs, err := db.query(ctx, `SELECT m.id_number, m.id, m.household_id, m.schooling, m.disability_grade, m.region_code FROM members m
			WHERE m.county = ? AND m.id_number IN (`+marks(len(keys))+`)`, append([]any{county}, keys...)...)
		if err != nil {
			return translate(err)
		}
		defer rs.Close()
		for rs.Next() {
			var number, school, grade, village string
			var m crosscheck.Member
			var hid int64
			if err := rs.Scan(&number, &m.ID, &hid, &school, &grade, &village); err != nil {
				return translate(err)
			}
			if _, ok := reg.HouseholdIndex(hid); !ok { // households were not read (villagesOnly)
				reg.AddHousehold(crosscheck.Household{ID: hid, Village: village})
			}
			if _, dup := reg.Lookup(crosscheck.KeyOf(number)); dup {
				continue
			}
			m.Key, m.Schooling = crosscheck.KeyOf(number), schoolingCodes[school]
			m.Disabled, m.Severe = grade > "0" && grade <= "4", grade == "1" || grade == "2"
			reg.AddMember(hid, m)
		}
		keys = keys[:0]
		return translate(rs.Err())
	}
	for _, r := range rows {
		keys = append(keys, r.rec.Key.String())
		if len(keys) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	reg.Finish()
	return nil
}

// scanMapped runs a one-row query that reads a large part of the file.
// On SQLite the connection reads the file through a memory map (PRAGMA
// mmap_size) instead of its page cache: a county's member table read in
// one pass would otherwise be copied page by page into caches that are
// allocated as they fill.
func (db *DB) scanMapped(ctx context.Context, q string, args []any, dst []any) error {
	if db.dialect != SQLite {
		return db.queryRow(ctx, q, args...).Scan(dst...)
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA mmap_size = 4294967296`); err != nil {
		return err
	}
	return conn.QueryRowContext(ctx, q, args...).Scan(dst...)
}

// householdIndex maps household ids to registry indexes: a flat slice while
// the ids come dense and ascending (a county loaded at once), a map for
// the others.
type householdIndex struct {
	m    map[int64]int32
	flat []int32 // index+1 by id-base; 0 is absent
	base int64
}

func (x *householdIndex) put(id int64, i int32) {
	if x.flat == nil && len(x.m) == 0 {
		x.base, x.flat = id, []int32{}
	}
	if d := id - x.base; x.flat != nil && d >= 0 && d < int64(len(x.flat))+1<<12 {
		for int64(len(x.flat)) <= d {
			x.flat = append(x.flat, 0)
		}
		x.flat[d] = i + 1
		return
	}
	x.m[id] = i
}

func (x *householdIndex) get(id int64) (int32, bool) {
	if d := id - x.base; d >= 0 && d < int64(len(x.flat)) && x.flat[d] > 0 {
		return x.flat[d] - 1, true
	}
	i, ok := x.m[id]
	return i, ok
}

var schoolingCodes = func() map[string]screening.Schooling {
	out := map[string]screening.Schooling{}
	for _, v := range registry.Schooling.Values {
		out[v.Code] = screening.ParseSchooling(v.Code)
	}
	return out
}()

// agg concatenates a column over the rows, separated by sep (",", or ""
// for fixed-width values).
func (db *DB) agg(expr, sep string) string {
	if db.dialect == Postgres {
		return "string_agg((" + expr + ")::text, '" + sep + "')"
	}
	return "group_concat(" + expr + ", '" + sep + "')"
}

// cutField splits off the text up to the next ','.
func cutField(b []byte) (field, rest []byte) {
	if j := bytes.IndexByte(b, ','); j >= 0 {
		return b[:j], b[j+1:]
	}
	return b, nil
}

// cutInt reads a decimal integer up to a ',' (or the end).
func cutInt(b []byte) (int64, []byte, bool) {
	var v int64
	i := 0
	for ; i < len(b) && b[i] != ','; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, nil, false
		}
		v = v*10 + int64(c-'0')
	}
	if i == 0 {
		return 0, nil, false
	}
	if i < len(b) {
		i++
	}
	return v, b[i:], true
}

// rejectChunk is how many rejected rows one row of roster_rejects holds.
const rejectChunk = 1000

// A chunk of rejects is stored gzipped, each row as: its number, 'i'
// (invalid) or 'u' (unknown), the message (left empty for an unknown row
// with the usual message), and its cells, every number a uvarint and every
// text its length and bytes. A county roster can send back tens of
// thousands of rows of town residents the rural registry does not hold;
// this keeps them small and cheap to write.
func encodeRejects(rs []crosscheck.Reject, usual string) ([]byte, error) {
	var raw []byte
	text := func(s string) {
		raw = binary.AppendUvarint(raw, uint64(len(s)))
		raw = append(raw, s...)
	}
	for _, r := range rs {
		raw = binary.AppendUvarint(raw, uint64(r.Row))
		msg := r.Message
		if r.Reason == crosscheck.ReasonUnknown {
			raw = append(raw, 'u')
			if msg == usual {
				msg = ""
			}
		} else {
			raw = append(raw, 'i')
		}
		text(msg)
		raw = binary.AppendUvarint(raw, uint64(len(r.Cells)))
		for _, c := range r.Cells {
			text(c)
		}
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var errRejects = errors.New("store: bad rejects encoding")

func decodeRejects(data []byte, usual string) ([]crosscheck.Reject, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	num := func() (uint64, bool) {
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			return 0, false
		}
		raw = raw[n:]
		return v, true
	}
	text := func() (string, bool) {
		l, ok := num()
		if !ok || l > uint64(len(raw)) {
			return "", false
		}
		s := string(raw[:l])
		raw = raw[l:]
		return s, true
	}
	var out []crosscheck.Reject
	for len(raw) > 0 {
		row, ok := num()
		if !ok || len(raw) == 0 {
			return nil, errRejects
		}
		r := crosscheck.Reject{Row: int(row), Reason: crosscheck.ReasonInvalid}
		if raw[0] == 'u' {
			r.Reason = crosscheck.ReasonUnknown
		}
		raw = raw[1:]
		if r.Message, ok = text(); !ok {
			return nil, errRejects
		}
		if r.Message == "" && r.Reason == crosscheck.ReasonUnknown {
			r.Message = usual
		}
		n, ok := num()
		if !ok || n > uint64(len(raw)) {
			return nil, errRejects
		}
		r.Cells = make([]string, n)
		for i := range r.Cells {
			if r.Cells[i], ok = text(); !ok {
				return nil, errRejects
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func insertRejects(tx *Tx, upload int64, county string, kind *crosscheck.KindInfo, rejects []crosscheck.Reject) error {
	// Invalid rows are known at once, unknown ones when the registry is in:
	// the report lists them in the file's order.
	sort.SliceStable(rejects, func(i, j int) bool { return rejects[i].Row < rejects[j].Row })
	n := (len(rejects) + rejectChunk - 1) / rejectChunk
	data := make([][]byte, n)
	for i := range data {
		var err error
		if data[i], err = encodeRejects(rejects[i*rejectChunk:min((i+1)*rejectChunk, len(rejects))], crosscheck.UnknownMessage(kind)); err != nil {
			return err
		}
	}
	return batchInsert(tx, "roster_rejects", []string{"upload_id", "county", "chunk", "first_row", "rows", "data"}, n,
		func(i int, row []any) {
			part := rejects[i*rejectChunk : min((i+1)*rejectChunk, len(rejects))]
			row[0], row[1], row[2], row[3], row[4], row[5] = upload, county, i, part[0].Row, len(part), data[i]
		})
}

func replaceRosterFacts(tx *Tx, county string, kind crosscheck.Kind, upload int64, blocks map[string][]byte) error {
	if _, err := tx.exec(`DELETE FROM roster_facts WHERE county = ? AND kind = ?`, county, string(kind)); err != nil {
		return err
	}
	villages := make([]string, 0, len(blocks))
	for v := range blocks {
		villages = append(villages, v)
	}
	return batchInsert(tx, "roster_facts", []string{"county", "kind", "village", "upload_id", "data"}, len(villages),
		func(i int, row []any) {
			row[0], row[1], row[2], row[3], row[4] = county, string(kind), villages[i], upload, blocks[villages[i]]
		})
}

// rosterBlocks reads the latest facts of a roster kind: every village of
// the county, or one village.
func (db *DB) rosterBlocks(ctx context.Context, county string, kind crosscheck.Kind, village string) (map[string][]byte, error) {
	q, args := `SELECT village, data FROM roster_facts WHERE county = ? AND kind = ?`, []any{county, string(kind)}
	if village != "" {
		q += ` AND village = ?`
		args = append(args, village)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var v string
		var b []byte
		if err := rows.Scan(&v, &b); err != nil {
			return nil, translate(err)
		}
		out[v] = b
	}
	return out, translate(rows.Err())
}

// RosterOverlay is the hook a screening run lays the departments' latest
// roster facts with (RunOptions.Roster): for each household, the facts of
// its village's blocks of every roster kind (crosscheck.Facts.Overlay), so
// that a screening run and the cross-check read the same facts. The
// facts of the last village read are kept, as households come village by
// village.
func (db *DB) RosterOverlay(ctx context.Context) RosterFacts {
	var village string
	var facts *crosscheck.Facts
	return func(in *screening.Input) error {
		if v := in.Household.Region; facts == nil || v != village {
			f, err := db.villageFacts(ctx, v)
			if err != nil {
				return err
			}
			village, facts = v, f
		}
		facts.Overlay(in)
		return nil
	}
}

func (db *DB) villageFacts(ctx context.Context, code string) (*crosscheck.Facts, error) {
	rows, err := db.query(ctx, `SELECT kind, data FROM roster_facts WHERE county = ? AND village = ?`, region.CountyOf(code), code)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	f := crosscheck.NewFacts()
	for rows.Next() {
		var kind string
		var b []byte
		if err := rows.Scan(&kind, &b); err != nil {
			return nil, translate(err)
		}
		if err := f.Add(crosscheck.Kind(kind), code, b); err != nil {
			return nil, apperr.Wrap(err, "decode roster facts")
		}
	}
	return f, translate(rows.Err())
}

// RosterFacts returns the facts of the latest roster of every kind for the
// households of a village, for screening: call Facts.Overlay on each
// household's screening.Input. Out of scope is not found.
func (db *DB) RosterFacts(ctx context.Context, sc Scope, village string) (*crosscheck.Facts, error) {
	code, err := region.Normalize(village)
	if err != nil || region.LevelOf(code) != region.Village {
		return nil, apperr.Field("village", "村", "应为村级（12位）区划代码")
	}
	if !sc.Contains(code) {
		return nil, apperr.New(apperr.NotFound, "村%s不存在", code)
	}
	return db.villageFacts(ctx, code)
}
