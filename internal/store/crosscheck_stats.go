package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/sheet"
)

const uploadCols = `id, county, department, kind, account_id, account_name, file_name, file_sha256, file_size, format, encoding,
	uploaded_at, year, rows_total, rows_matched, rows_unknown, rows_invalid, subjects, alerts_new, alerts_seen, alerts_kept,
	alerts_resolved, duration_ms`

func scanUpload(sc interface{ Scan(...any) error }) (*crosscheck.Upload, error) {
	var u crosscheck.Upload
	var dept, kind, at string
	if err := sc.Scan(&u.ID, &u.County, &dept, &kind, &u.AccountID, &u.AccountName, &u.FileName, &u.SHA256, &u.Size, &u.Format,
		&u.Encoding, &at, &u.Year, &u.Rows, &u.Matched, &u.Unknown, &u.Invalid, &u.Subjects, &u.AlertsNew, &u.AlertsSeen,
		&u.AlertsKept, &u.AlertsResolved, &u.DurationMS); err != nil {
		return nil, err
	}
	u.Department, u.Kind, u.UploadedAt = auth.Department(dept), crosscheck.Kind(kind), parseTS(at)
	if k := crosscheck.KindOf(u.Kind); k != nil {
		u.KindLabel = k.Label
	}
	return &u, nil
}

// uploadScope returns the range of county division codes (12 digits) whose
// uploads the scope reaches: the county's own accounts (departments, the
// county office) and the levels above. Villages and townships see the
// alerts of their area, not the departments' files (whose rejected rows
// carry the ID numbers of the whole county).
func uploadScope(sc Scope) (lo, hi string, err error) { return sc.bounds() }

// UploadFilter selects uploads.
type UploadFilter struct {
	County     string
	Department auth.Department
	Kind       string
	Limit      int // default 50, at most 500
}

// RosterUploads lists uploads, newest first.
func (db *DB) RosterUploads(ctx context.Context, sc Scope, f UploadFilter) ([]*crosscheck.Upload, error) {
	lo, hi, err := uploadScope(sc)
	if err != nil {
		return nil, err
	}
	where, args := []string{"county || '000000' >= ?", "county || '000000' < ?"}, []any{lo, hi}
	if f.County != "" {
		c, err := countyCode(f.County)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "county = ?"), append(args, c)
	}
	if f.Department != "" {
		where, args = append(where, "department = ?"), append(args, string(f.Department))
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := db.query(ctx, `SELECT `+uploadCols+` FROM roster_uploads WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`,
		append(args, min(f.Limit, 500))...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*crosscheck.Upload{}
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// RosterUpload returns one upload in the scope.
func (db *DB) RosterUpload(ctx context.Context, sc Scope, id int64) (*crosscheck.Upload, error) {
	lo, hi, err := uploadScope(sc)
	if err != nil {
		return nil, err
	}
	u, err := scanUpload(db.queryRow(ctx, `SELECT `+uploadCols+` FROM roster_uploads WHERE id = ? AND county || '000000' >= ? AND county || '000000' < ?`, id, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "上传记录不存在")
	}
	return u, translate(err)
}

// RosterRejects calls fn for each row of an upload that was not matched,
// in row order, and returns the file's header.
func (db *DB) RosterRejects(ctx context.Context, sc Scope, uploadID int64, fn func(crosscheck.Reject) error) ([]string, error) {
	up, err := db.RosterUpload(ctx, sc, uploadID)
	if err != nil {
		return nil, err
	}
	var headerJSON string
	if err := db.queryRow(ctx, `SELECT header FROM roster_uploads WHERE id = ?`, uploadID).Scan(&headerJSON); err != nil {
		return nil, translate(err)
	}
	var header []string
	json.Unmarshal([]byte(headerJSON), &header)
	rows, err := db.query(ctx, `SELECT data FROM roster_rejects WHERE upload_id = ? ORDER BY chunk`, uploadID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	usual := ""
	if k := crosscheck.KindOf(up.Kind); k != nil {
		usual = crosscheck.UnknownMessage(k)
	}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, translate(err)
		}
		part, err := decodeRejects(data, usual)
		if err != nil {
			return nil, apperr.Wrap(err, "rejects")
		}
		for _, r := range part {
			if err := fn(r); err != nil {
				return nil, err
			}
		}
	}
	return header, translate(rows.Err())
}

// WriteRejectsWorkbook writes the rows of an upload that were not matched
// as an error workbook (sheet.ErrorReport): the row number in the file,
// the reason, and the row's own cells.
func (db *DB) WriteRejectsWorkbook(ctx context.Context, sc Scope, uploadID int64, w io.Writer) error {
	up, err := db.RosterUpload(ctx, sc, uploadID)
	if err != nil {
		return err
	}
	var rejects []crosscheck.Reject
	header, err := db.RosterRejects(ctx, sc, uploadID, func(r crosscheck.Reject) error {
		rejects = append(rejects, r)
		return nil
	})
	if err != nil {
		return err
	}
	// The rows carry ID numbers of people the registry does not hold: the
	// download is recorded.
	if err := db.Record(ctx, Change{Action: audit.ActExport, Object: "roster_upload", ObjectID: itoa(uploadID), Region: up.County + "000000",
		Detail: "下载名单未匹配和有错误的行（" + itoa(int64(len(rejects))) + "行）"}); err != nil {
		return err
	}
	rep, err := sheet.NewErrorReport(w, header)
	if err != nil {
		return apperr.Wrap(err, "error report")
	}
	for _, r := range rejects {
		msg := r.Message
		if r.Reason == crosscheck.ReasonUnknown {
			msg = "未匹配：" + msg
		}
		if err := rep.Add(r.Row, r.Cells, msg); err != nil {
			return apperr.Wrap(err, "error report")
		}
	}
	return rep.Close()
}

// CrossCheckStats returns the statistics of every round of the county's
// departments (one department's when dept is set) at the current moment:
// rows, matched, unknown, alerts pushed, verified in time, confirmed,
// dismissed, overdue.
func (db *DB) CrossCheckStats(ctx context.Context, sc Scope, county string, dept auth.Department, rounds int) ([]*crosscheck.DepartmentStats, error) {
	c, err := countyCode(county)
	if err != nil {
		return nil, err
	}
	lo, hi, err := uploadScope(sc)
	if err != nil {
		return nil, err
	}
	if cc := c + "000000"; cc < lo || cc >= hi {
		return nil, apperr.New(apperr.NotFound, "县%s不在您的管辖范围内", c)
	}
	if rounds <= 0 {
		rounds = 10
	}
	now := ts(db.now())
	q := `SELECT ` + uploadCols + ` FROM roster_uploads WHERE county = ?`
	args := []any{c}
	if dept != "" {
		q += ` AND department = ?`
		args = append(args, string(dept))
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, translate(err)
	}
	var ups []*crosscheck.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err)
		}
		ups = append(ups, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	counts := map[int64]*crosscheck.RoundStats{}
	rows, err = db.query(ctx, `SELECT upload_id,
		sum(CASE WHEN verified_at <> '' THEN 1 ELSE 0 END),
		sum(CASE WHEN verified_at <> '' AND verified_at < due_at THEN 1 ELSE 0 END),
		sum(CASE WHEN verified_at <> '' AND verified_at >= due_at THEN 1 ELSE 0 END),
		sum(CASE WHEN state = 'confirmed' OR (state = 'resolved' AND verified_at <> '' AND reason = '') THEN 1 ELSE 0 END),
		sum(CASE WHEN state = 'dismissed' THEN 1 ELSE 0 END),
		sum(CASE WHEN state = 'pushed' AND due_at > ? THEN 1 ELSE 0 END),
		sum(CASE WHEN state = 'pushed' AND due_at <= ? THEN 1 ELSE 0 END),
		sum(CASE WHEN state = 'resolved' THEN 1 ELSE 0 END),
		sum(CASE WHEN problem_id <> 0 THEN 1 ELSE 0 END),
		sum(CASE WHEN monitoring_candidate THEN 1 ELSE 0 END)
		FROM alerts WHERE county = ? GROUP BY upload_id`, now, now, c)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r crosscheck.RoundStats
		if err := rows.Scan(&id, &r.Verified, &r.InTime, &r.Late, &r.Confirmed, &r.Dismissed, &r.Pending, &r.Overdue, &r.Resolved,
			&r.Problems, &r.Candidate); err != nil {
			return nil, translate(err)
		}
		counts[id] = &r
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	byDept := map[auth.Department]*crosscheck.DepartmentStats{}
	var out []*crosscheck.DepartmentStats
	for _, u := range ups {
		d := byDept[u.Department]
		if d == nil {
			d = &crosscheck.DepartmentStats{Department: u.Department, DepartmentLabel: u.Department.Label()}
			byDept[u.Department] = d
			out = append(out, d)
		}
		r := crosscheck.RoundStats{}
		if c := counts[u.ID]; c != nil {
			r = *c
		}
		r.Upload = *u
		d.Add(r)
		if len(d.Latest) < rounds {
			d.Latest = append(d.Latest, r)
		}
	}
	return out, nil
}

// WriteRosterTemplate writes the workbook a department downloads to fill
// in its roster: the columns (required ones marked), an example row and
// the notes, with every column's other accepted names.
func WriteRosterTemplate(w io.Writer, k *crosscheck.KindInfo) error {
	return sheet.WriteTemplate(w, k.Department.Label()+"部门"+k.Label, sheetColumns(k), k.Example, k.Notes)
}
