package store

// Findings into the ledger: a finding of the rules (or a "不符合" answer of
// a signed visit, which the rules list as item_not_met) becomes a problem of
// the rectification ledger, created with CreateProblem's own steps
// (createProblemTx) in the same transaction that links the finding to it
// (findings.problem_id). The problem starts like any reported problem, at
// the village's on-site verification of "135" (004 §四(一)1): a finding is a
// lead, which the ledger's workflow checks on the spot.

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
)

// FindingDraft is what the user adds to a finding to make it a problem.
type FindingDraft struct {
	Severity  ledger.Severity // 问题性质: ordinary or major (required)
	TaskForce string          // 专班 (optional)
	LeadUnit  string          // 牵头单位 (optional)
}

// maxUnitName bounds the task force and lead unit, as package ledger does.
const maxUnitName = 100

func (in *FindingDraft) check() error {
	var v apperr.Validation
	if !ledger.SeverityEnum.Has(string(in.Severity)) {
		v.Add("severity", ledger.FieldLabel("severity"), "应为：%s", strings.Join(ledger.SeverityEnum.Labels(), "、"))
	}
	in.TaskForce, in.LeadUnit = strings.TrimSpace(in.TaskForce), strings.TrimSpace(in.LeadUnit)
	for _, f := range []struct{ field, value string }{{"task_force", in.TaskForce}, {"lead_unit", in.LeadUnit}} {
		if utf8.RuneCountInString(f.value) > maxUnitName {
			v.Add(f.field, ledger.FieldLabel(f.field), "不能超过%d个字", maxUnitName)
		}
	}
	return v.Err()
}

// FindingSourceRef is the ledger's SourceRef of a finding: "finding:45".
// With the county and Source "rule" it identifies the problem made of the
// finding (CreateProblem is idempotent per origin).
func FindingSourceRef(findingID int64) string { return "finding:" + itoa(findingID) }

// maxDescription is the ledger's limit on a problem's description.
const maxDescription = 2000

// findingDescription writes the problem as the ledger's 具体问题 column
// reads, naming the household (the template has no household column):
// "王建国户（户编号R1）王小明：义务教育阶段适龄儿童失学辍学（就学状况：辍学）".
func findingDescription(f *FindingRecord) string {
	var b strings.Builder
	if f.HeadName != "" {
		b.WriteString(f.HeadName + "户")
	} else {
		b.WriteString("农户")
	}
	b.WriteString("（户编号" + f.HouseholdNumber + "）")
	if f.MemberID != 0 && f.MemberName != "" {
		b.WriteString(f.MemberName)
	}
	b.WriteString("：")
	b.WriteString(f.Text())
	s := b.String()
	if utf8.RuneCountInString(s) > maxDescription {
		s = string([]rune(s)[:maxDescription-1]) + "…"
	}
	return s
}

// findingDraft is the ledger's draft of a finding.
func findingDraft(f *FindingRecord, in FindingDraft) ledger.Draft {
	dim := f.Dimension
	if dim == "" {
		dim = ledger.DimOther // an item_not_met of an item the county dropped
	}
	return ledger.Draft{Description: findingDescription(f), Dimension: dim, HouseholdID: f.HouseholdID,
		Source: ledger.SourceRule, SourceRef: FindingSourceRef(f.ID), Severity: in.Severity}
}

// findingLink is what the audit trail keeps of a finding's link.
type findingLink struct {
	ProblemID     int64  `json:"problem_id"`
	ProblemNumber string `json:"problem_number"`
}

// FindingToProblem turns a finding inside sc into a problem of the ledger
// (Source "rule", SourceRef FindingSourceRef) and links the finding to it,
// in one transaction: the description names the household and member and
// gives the finding's title and evidence; the dimension and household are
// the finding's; severity, task force and lead unit are the user's; the
// first event of the problem's history cites the rule's policy source.
// by is the reporter as the dossier prints it.
//
// It is idempotent: a finding already linked, or whose problem was recorded
// another way (CreateProblem with its SourceRef), answers that problem with
// created false (whatever in says), and nothing is created twice. The scope
// comes first: a finding outside sc is NotFound, whatever in says; then an
// unlinked finding that a later run resolved is a Conflict, and a draft
// without a valid severity (or with a task force or lead unit over 100
// characters) is Invalid, naming the field.
func (db *DB) FindingToProblem(ctx context.Context, sc Scope, findingID int64, in FindingDraft, by ledger.Actor) (p *ledger.Problem, created bool, err error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, false, err
	}
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE OF f"
	}
	now := db.now()
	var existing int64
	err = db.write(ctx, func(tx *Tx) error {
		f, err := scanFinding(tx.queryRow(`SELECT `+findingCols+findingFrom+` WHERE f.id = ? AND f.region_code >= ? AND f.region_code < ?`+lock,
			findingID, lo, hi))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "问题线索不存在")
		}
		if err != nil {
			return err
		}
		if f.ProblemID != 0 {
			existing = f.ProblemID
			return nil
		}
		var id int64
		var number string
		err = tx.queryRow(`SELECT id, number FROM problems WHERE county = ? AND source = ? AND source_ref = ?`,
			region.CountyOf(f.Region), ledger.SourceRule, FindingSourceRef(f.ID)).Scan(&id, &number)
		switch {
		case err == nil:
			existing = id
			return linkFinding(tx, f, id, number)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		case f.Status != FindingOpen:
			return apperr.New(apperr.Conflict, "该问题线索已消除（排查规则已不再发现），不能转为问题")
		}
		if err := in.check(); err != nil {
			return err
		}
		p, err = createProblemTx(tx, sc, findingDraft(f, in), by, now, func(p *ledger.Problem) {
			p.TaskForce, p.LeadUnit = in.TaskForce, in.LeadUnit
			data := p.History[0].Data
			if data == nil {
				data = map[string]string{}
				p.History[0].Data = data
			}
			for k, v := range map[string]string{"task_force": in.TaskForce, "lead_unit": in.LeadUnit, "source_policy": f.Source.String()} {
				if strings.TrimSpace(v) != "" {
					data[k] = v
				}
			}
		})
		if err != nil {
			return err
		}
		return linkFinding(tx, f, p.ID, p.Number)
	})
	if err != nil {
		return nil, false, err
	}
	if existing == 0 {
		return p, true, nil
	}
	p, err = db.Problem(ctx, sc, existing)
	if apperr.Is(err, apperr.NotFound) {
		return nil, false, apperr.New(apperr.Conflict, "该问题线索已纳入整改台账，相应问题不在您的管辖范围内")
	}
	return p, false, err
}

// linkFinding records the problem of a finding, with its audit entry.
func linkFinding(tx *Tx, f *FindingRecord, problemID int64, number string) error {
	if _, err := tx.exec(`UPDATE findings SET problem_id = ? WHERE id = ?`, problemID, f.ID); err != nil {
		return err
	}
	detail := "问题线索转为问题" + number + "（纳入整改台账）：" + f.Title
	return tx.audit(Change{Action: audit.ActUpdate, Object: "finding", ObjectID: itoa(f.ID), Region: f.Region, Detail: detail,
		Old: findingLink{}, New: findingLink{ProblemID: problemID, ProblemNumber: number}})
}
