package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

// latestAlerts reads every alert of the rules in the county, for
// crosscheck.Reconcile (which keeps the latest of each subject).
func latestAlerts(tx *Tx, county string, rules []*crosscheck.Rule) ([]crosscheck.Latest, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	args := []any{county}
	for _, r := range rules {
		args = append(args, r.Code)
	}
	rows, err := tx.query(`SELECT id, rule, subject, state, fingerprint, region_code, household_id, member_id FROM alerts
		WHERE county = ? AND rule IN (`+marks(len(rules))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crosscheck.Latest
	for rows.Next() {
		var l crosscheck.Latest
		var state string
		if err := rows.Scan(&l.ID, &l.Rule, &l.Subject, &state, &l.Fingerprint, &l.Village, &l.HouseholdID, &l.MemberID); err != nil {
			return nil, err
		}
		l.State = crosscheck.AlertState(state)
		out = append(out, l)
	}
	return out, rows.Err()
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

var alertInsertCols = []string{"county", "region_code", "household_id", "member_id", "subject", "rule", "kind", "department", "dimension",
	"evidence", "fingerprint", "state", "upload_id", "last_upload_id", "pushed_at", "due_at", "updated_at", "version"}

// applyPlan pushes the new alerts, refreshes the ones raised again and
// resolves the ones the upload shows gone.
func applyPlan(tx *Tx, county string, kind *crosscheck.KindInfo, up *crosscheck.Upload, plan crosscheck.Plan, now time.Time) error {
	alerts := make([]*crosscheck.Alert, len(plan.New))
	evidence := make([]string, len(plan.New))
	for i, c := range plan.New {
		alerts[i] = crosscheck.NewAlert(county, c, up.ID, now)
		b, _ := json.Marshal(c.Evidence)
		evidence[i] = string(b)
	}
	nowS := ts(now)
	err := batchInsert(tx, "alerts", alertInsertCols, len(alerts), func(i int, row []any) {
		a := alerts[i]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8] = county, a.Village, a.HouseholdID, a.MemberID, a.Subject,
			a.Rule, string(a.Kind), string(a.Department), a.Dimension
		row[9], row[10], row[11], row[12], row[13], row[14], row[15], row[16], row[17] = evidence[i], a.Fingerprint, string(a.State),
			up.ID, up.ID, nowS, ts(a.Stage.Due), nowS, 1
	})
	if err != nil {
		return err
	}
	// Raised again while open: the clock keeps running; the evidence is
	// refreshed only when the roster now says something else.
	var same []int64
	for _, s := range plan.Seen {
		b, _ := json.Marshal(s.Candidate.Evidence)
		res, err := tx.exec(`UPDATE alerts SET last_upload_id = ?, evidence = ?, fingerprint = ?, updated_at = ?
			WHERE id = ? AND fingerprint <> ?`, up.ID, string(b), s.Candidate.Fingerprint, nowS, s.ID, s.Candidate.Fingerprint)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			same = append(same, s.ID)
		}
	}
	for start := 0; start < len(same); start += 500 {
		ids := same[start:min(start+500, len(same))]
		args := []any{up.ID}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := tx.exec(`UPDATE alerts SET last_upload_id = ? WHERE id IN (`+marks(len(ids))+`)`, args...); err != nil {
			return err
		}
	}
	note := crosscheck.ResolveNote(kind, up.ID, up.FileName, now)
	for start := 0; start < len(plan.Resolve); start += 500 {
		ids := plan.Resolve[start:min(start+500, len(plan.Resolve))]
		args := []any{up.ID, nowS, note, nowS, nowS}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := tx.exec(`UPDATE alerts SET state = 'resolved', resolved_upload_id = ?, resolved_at = ?, resolved_note = ?,
			done_at = CASE WHEN done_at = '' THEN ? ELSE done_at END, updated_at = ?, version = version + 1
			WHERE state IN ('pushed', 'confirmed') AND id IN (`+marks(len(ids))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// AlertView is an alert as pages and the API show it: with the household
// and the person it is about (ID number masked), the village's name and
// the verification clock at the moment of reading.
type AlertView struct {
	crosscheck.Alert
	VillageName     string        `json:"village_name"`
	HouseholdNumber string        `json:"household_number,omitempty"`
	HeadName        string        `json:"head_name,omitempty"`
	MemberName      string        `json:"member_name,omitempty"`
	IDNumber        string        `json:"id_number,omitempty"` // masked
	KindLabel       string        `json:"kind_label"`
	DepartmentLabel string        `json:"department_label"`
	StateLabel      string        `json:"state_label"`
	ReasonLabel     string        `json:"reason_label,omitempty"`
	Criterion       string        `json:"criterion"`
	Mark            deadline.Mark `json:"mark"`
}

const alertCols = `a.id, a.county, a.region_code, a.household_id, a.member_id, a.subject, a.rule, a.kind, a.department, a.dimension,
	a.evidence, a.fingerprint, a.state, a.upload_id, a.last_upload_id, a.pushed_at, a.due_at, a.done_at, a.verified_at,
	a.verified_by, a.verified_by_name, a.findings, a.reason, a.proof, a.monitoring_candidate, a.problem_id, a.resolved_at,
	a.resolved_upload_id, a.resolved_note, a.updated_at, a.version,
	COALESCE(r.name, ''), COALESCE(h.number, ''),
	COALESCE((SELECT hm.name FROM members hm WHERE hm.household_id = a.household_id AND hm.relation = 'head' ORDER BY hm.id LIMIT 1), ''),
	COALESCE(m.name, ''), COALESCE(m.id_number, '')`

const alertFrom = ` FROM alerts a LEFT JOIN regions r ON r.code = a.region_code
	LEFT JOIN households h ON h.id = a.household_id LEFT JOIN members m ON m.id = a.member_id`

func scanAlert(sc interface{ Scan(...any) error }, now time.Time) (*AlertView, error) {
	var v AlertView
	a := &v.Alert
	var kind, dept, evidence, state, pushed, due, done, verified, resolved, updated, idNumber string
	err := sc.Scan(&a.ID, &a.County, &a.Village, &a.HouseholdID, &a.MemberID, &a.Subject, &a.Rule, &kind, &dept, &a.Dimension,
		&evidence, &a.Fingerprint, &state, &a.UploadID, &a.LastUpload, &pushed, &due, &done, &verified,
		&a.VerifiedBy.AccountID, &a.VerifiedBy.Name, &a.Findings, &a.Reason, &a.Proof, &a.MonitoringCandidate, &a.ProblemID, &resolved,
		&a.ResolvedUpload, &a.ResolvedNote, &updated, &a.Version,
		&v.VillageName, &v.HouseholdNumber, &v.HeadName, &v.MemberName, &idNumber)
	if err != nil {
		return nil, err
	}
	a.Kind, a.Department, a.State = crosscheck.Kind(kind), auth.Department(dept), crosscheck.AlertState(state)
	if err := json.Unmarshal([]byte(evidence), &a.Evidence); err != nil {
		return nil, err
	}
	a.PushedAt, a.UpdatedAt = parseTS(pushed), parseTS(updated)
	a.Stage = deadline.Stage{Key: "verify", Label: "村级上户核实", Days: 1, Start: a.PushedAt, Due: parseTS(due)}
	if r := crosscheck.RuleByCode(a.Rule); r != nil {
		a.Title, a.Source, v.Criterion = r.Title, r.Source, r.Criterion
		a.Stage.Label = "村级上户核实"
	}
	if done != "" {
		a.Stage.DoneAt = parseTS(done)
	}
	if verified != "" {
		a.VerifiedAt = parseTS(verified)
	}
	if resolved != "" {
		a.ResolvedAt = parseTS(resolved)
	}
	if k := crosscheck.KindOf(a.Kind); k != nil {
		v.KindLabel = k.Label
	}
	v.DepartmentLabel = a.Department.Label()
	v.StateLabel = a.State.Label()
	v.ReasonLabel = crosscheck.DismissReason.LabelOf(a.Reason)
	if idNumber != "" {
		v.IDNumber = auth.MaskID(idNumber)
	}
	v.Mark = a.Stage.Mark(now)
	return &v, nil
}

// AlertFilter selects alerts in a list.
type AlertFilter struct {
	Region     string          // a subtree inside the scope ("" = whole scope)
	State      string          // pushed / confirmed / dismissed / resolved; "open" = pushed
	Department auth.Department // only this department's alerts (a department's feedback view)
	Kind       string
	Rule       string
	UploadID   int64
	Due        string // "overdue" or "due_soon": pushed alerts by their clock
	Limit      int    // default 50, at most 500
	Offset     int
}

// AlertPage is one page of alerts.
type AlertPage struct {
	Items  []*AlertView `json:"items"`
	Total  int64        `json:"total"`
	Limit  int          `json:"limit"`
	Offset int          `json:"offset"`
}

// ListAlerts lists the alerts in the scope: a village sees its village's,
// a department (with Department set) its own in the county. Pushed alerts
// come first, the most urgent first.
func (db *DB) ListAlerts(ctx context.Context, sc Scope, f AlertFilter) (*AlertPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
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
	now := db.now()
	where := []string{"a.region_code >= ?", "a.region_code < ?"}
	args := []any{lo, hi}
	switch f.State {
	case "":
	case "open":
		where = append(where, "a.state = 'pushed'")
	default:
		if crosscheck.AlertState(f.State).Label() == "" {
			return nil, apperr.Field("state", "状态", "“%s”不是有效值", f.State)
		}
		where = append(where, "a.state = ?")
		args = append(args, f.State)
	}
	if f.Department != "" {
		where = append(where, "a.department = ?")
		args = append(args, string(f.Department))
	}
	if f.Kind != "" {
		where = append(where, "a.kind = ?")
		args = append(args, f.Kind)
	}
	if f.Rule != "" {
		where = append(where, "a.rule = ?")
		args = append(args, f.Rule)
	}
	if f.UploadID != 0 {
		where = append(where, "a.upload_id = ?")
		args = append(args, f.UploadID)
	}
	switch f.Due {
	case "":
	case "overdue":
		where = append(where, "a.state = 'pushed' AND a.due_at <= ?")
		args = append(args, ts(now))
	case "due_soon":
		where = append(where, "a.state = 'pushed' AND a.due_at > ? AND a.due_at <= ?")
		args = append(args, ts(now), ts(now.Add(deadline.DueSoonWindow)))
	default:
		return nil, apperr.Field("due", "期限", "应为overdue或due_soon")
	}
	cond := strings.Join(where, " AND ")
	rows, err := db.query(ctx, `SELECT `+alertCols+alertFrom+` WHERE `+cond+`
		ORDER BY CASE WHEN a.state = 'pushed' THEN 0 ELSE 1 END, CASE WHEN a.state = 'pushed' THEN a.due_at ELSE '' END, a.id DESC
		LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	page := &AlertPage{Items: []*AlertView{}, Limit: f.Limit, Offset: f.Offset}
	for rows.Next() {
		v, err := scanAlert(rows, now)
		if err != nil {
			return nil, translate(err)
		}
		page.Items = append(page.Items, v)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if err := db.queryRow(ctx, `SELECT count(*) FROM alerts a WHERE `+cond, args...).Scan(&page.Total); err != nil {
		return nil, translate(err)
	}
	return page, nil
}

// Alert returns one alert with its attachments, if it is in the scope.
func (db *DB) Alert(ctx context.Context, sc Scope, id int64) (*AlertView, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	v, err := scanAlert(db.queryRow(ctx, `SELECT `+alertCols+alertFrom+` WHERE a.id = ? AND a.region_code >= ? AND a.region_code < ?`, id, lo, hi), db.now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "预警不存在")
	}
	if err != nil {
		return nil, translate(err)
	}
	rows, err := db.query(ctx, `SELECT id, name, content_type, size, sha256 FROM alert_attachments WHERE alert_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var at crosscheck.Attachment
		if err := rows.Scan(&at.ID, &at.Name, &at.ContentType, &at.Size, &at.SHA256); err != nil {
			return nil, translate(err)
		}
		v.Attachments = append(v.Attachments, at)
	}
	return v, translate(rows.Err())
}

// AttachmentFile is a file of proof sent with a verification.
type AttachmentFile struct {
	Name        string
	ContentType string
	Data        []byte
}

// Limits of proof files.
const (
	MaxAttachments    = 5
	MaxAttachmentSize = 10 << 20
)

var attachmentTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "image/heic": true, "application/pdf": true}

// VerifyAlert records the village's verification of an alert in the scope
// (crosscheck.Alert.Verify) with its files of proof, in one transaction. A
// confirmed alert becomes a problem of the ledger in the same transaction
// (createProblemTx with crosscheck.ProblemDraft: source 部门筛查预警,
// reference alert:<id>), already verified on the spot — the alert's
// confirmation is the village's check of "135" — so the township's three
// days start at once.
func (db *DB) VerifyAlert(ctx context.Context, sc Scope, id int64, in crosscheck.Verification, files []AttachmentFile, by crosscheck.Actor) (*AlertView, error) {
	return db.VerifyAlertAs(ctx, sc, id, in, files, by, "")
}

// VerifyAlertAs is VerifyAlert with the verifier's role (Chinese label)
// for the ledger's history.
func (db *DB) VerifyAlertAs(ctx context.Context, sc Scope, id int64, in crosscheck.Verification, files []AttachmentFile, by crosscheck.Actor, role string) (*AlertView, error) {
	if len(files) > MaxAttachments {
		return nil, apperr.Field("attachments", "附件", "最多上传%d个附件", MaxAttachments)
	}
	for i, f := range files {
		switch {
		case len(f.Data) == 0:
			return nil, apperr.Field("attachments", "附件", "第%d个附件是空文件", i+1)
		case len(f.Data) > MaxAttachmentSize:
			return nil, &apperr.Error{Code: apperr.TooLarge, Message: "附件“" + f.Name + "”超过10MB"}
		case !attachmentTypes[f.ContentType]:
			return nil, apperr.Field("attachments", "附件", "附件“%s”的类型不支持（只接受照片和PDF）", f.Name)
		}
	}
	in.Attachments = len(files)
	now := db.now()
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, func(tx *Tx) error {
		v, err := scanAlert(tx.queryRow(`SELECT `+alertCols+alertFrom+` WHERE a.id = ? AND a.region_code >= ? AND a.region_code < ?`, id, lo, hi), now)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "预警不存在")
		}
		if err != nil {
			return err
		}
		a := &v.Alert
		old := a.Version
		if err := a.Verify(in, by, now); err != nil {
			return err
		}
		if a.State == crosscheck.Confirmed {
			if a.ProblemID, err = fileAlertProblem(tx, sc, a, ledger.Actor{AccountID: by.AccountID, Name: by.Name, Role: role}, now); err != nil {
				return err
			}
		}
		res, err := tx.exec(`UPDATE alerts SET state = ?, verified_at = ?, verified_by = ?, verified_by_name = ?, findings = ?, reason = ?,
			proof = ?, monitoring_candidate = ?, problem_id = ?, done_at = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?`,
			string(a.State), ts(now), by.AccountID, by.Name, a.Findings, a.Reason, a.Proof, a.MonitoringCandidate, a.ProblemID,
			ts(a.Stage.DoneAt), ts(now), a.Version, a.ID, old)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "该预警已被他人更新，请刷新后重试")
		}
		type verification struct {
			State               crosscheck.AlertState `json:"state"`
			Findings            string                `json:"findings,omitempty"`
			Reason              string                `json:"reason,omitempty"`
			Proof               string                `json:"proof,omitempty"`
			MonitoringCandidate bool                  `json:"monitoring_candidate,omitempty"`
			Attachments         int                   `json:"attachments,omitempty"`
		}
		if err := tx.audit(Change{Action: audit.ActVerifyAlert, Object: "alert", ObjectID: itoa(a.ID), Region: a.Village,
			Detail: v.Title + "：" + a.State.Label(),
			Old:    verification{State: crosscheck.Pushed},
			New:    verification{a.State, a.Findings, a.Reason, a.Proof, a.MonitoringCandidate, len(files)}}); err != nil {
			return err
		}
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			name := rosterFileName(f.Name)
			if utf8.RuneCountInString(name) > 100 {
				name = string([]rune(name)[:100])
			}
			if _, err := tx.exec(`INSERT INTO alert_attachments (alert_id, county, name, content_type, size, sha256, data, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.County, name, f.ContentType, len(f.Data), hex.EncodeToString(sum[:]), f.Data, ts(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Alert(ctx, sc, id)
}

// fileAlertProblem enters a confirmed alert in the ledger inside the
// verification's transaction and records the village's on-site check on it.
func fileAlertProblem(tx *Tx, sc Scope, a *crosscheck.Alert, by ledger.Actor, now time.Time) (int64, error) {
	p, err := createProblemTx(tx, sc, crosscheck.ProblemDraft(a), by, now)
	if err != nil {
		return 0, err
	}
	r, err := loadProblem(tx, tx.db.dialect, sc, p.ID, true)
	if err != nil {
		return 0, err
	}
	before, n := auditOf(r.p), r.nHistory
	if _, err := r.p.Verify(ledger.Verification{Findings: a.Findings}, by, now); err != nil {
		return 0, err
	}
	if err := r.save(tx); err != nil {
		return 0, err
	}
	return p.ID, auditProblem(tx, &before, r.p, n)
}

// AlertAttachment returns a file of proof of an alert in the scope.
func (db *DB) AlertAttachment(ctx context.Context, sc Scope, id int64) (*crosscheck.Attachment, []byte, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, nil, err
	}
	var at crosscheck.Attachment
	var data []byte
	err = db.queryRow(ctx, `SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.data FROM alert_attachments f
		JOIN alerts a ON a.id = f.alert_id WHERE f.id = ? AND a.region_code >= ? AND a.region_code < ?`,
		id, lo, hi).Scan(&at.ID, &at.Name, &at.ContentType, &at.Size, &at.SHA256, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.New(apperr.NotFound, "附件不存在")
	}
	if err != nil {
		return nil, nil, translate(err)
	}
	return &at, data, nil
}
