// Package ledger is the problem ledger (问题排查整改台账) and the rectification
// workflow: a problem is reported, verified by the village, decided by the
// township and planned by the county department under the "135" rule
// (004 §四(一)1), rectified under the "710" rule (004 §四(一)2), submitted with
// evidence and accepted or rejected by the level above (002 §二(三)), and
// closed (销号) or, on relapse, reopened. Every step is an Event in the
// problem's History, from which the dossier (一问题一档案, 002 §三(三)) can be
// printed alone. The package does no I/O and reads no clock: the moment is
// passed in. Who may act for a level is checked by the caller; each action
// names its level (ActingLevel).
//
// "135" runs stage after stage: the township's 3 days count from the
// village's verification, the department's 5 days from the township's
// decision; "710" counts from the plan. Problems fed back by an inspection
// or assessment (考核督查反馈) arrive verified and decided and start at the
// department's plan.
//
// The stage clocks are package deadline's: a problem keeps its stages, one
// open at a time, and CheckOverdue puts the problem and its owner on the
// accountability list when a stage's time is missed (004 §五(四); for
// acceptance 002 §二(三)) or a rectification is rejected a second time
// (002 §二(三)).
package ledger

import (
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/deadline"
	"sanbao/internal/region"
)

// Problem is one entry of the ledger with its whole history.
type Problem struct {
	ID     int64  `json:"id"`     // assigned by the store
	Number string `json:"number"` // 问题编号, unique, printed in 备注 (see ToRow)

	Description string   `json:"description"`            // 对照排查内容排查出的具体问题
	Dimension   string   `json:"dimension"`              // Dimension code
	HouseholdID int64    `json:"household_id,omitempty"` // 0 when the problem is a village's
	Region      string   `json:"region"`                 // 12-digit code, county level or below
	County      string   `json:"county"`                 // 6 digits, from Region
	Source      string   `json:"source"`                 // Source code
	SourceRef   string   `json:"source_ref,omitempty"`   // the alert, finding or complaint it came from
	Severity    Severity `json:"severity,omitempty"`     // set at the latest by Plan

	TaskForce       string     `json:"task_force,omitempty"`       // 专班
	LeadUnit        string     `json:"lead_unit,omitempty"`        // 牵头单位
	SupportingUnits []string   `json:"supporting_units,omitempty"` // 配合单位
	Owner           string     `json:"owner,omitempty"`            // 责任人: the lead unit's principal
	Measures        string     `json:"measures,omitempty"`         // 整改措施
	Progress        []Progress `json:"progress,omitempty"`         // 整改进展
	Deadline        time.Time  `json:"deadline,omitzero"`          // 整改时限: last day, midnight China time
	Result          Result     `json:"result,omitempty"`           // 整改结果, "" before the plan
	Remarks         string     `json:"remarks,omitempty"`          // 备注

	State          State            `json:"state"`
	Stages         []deadline.Stage `json:"stages"`
	Extensions     []Extension      `json:"extensions,omitempty"`
	Submissions    []Submission     `json:"submissions,omitempty"`
	Rejections     int              `json:"rejections"` // in the current round (reset on reopening)
	Reopens        int              `json:"reopens"`
	Explanation    string           `json:"explanation,omitempty"` // why not applicable (说服劝导)
	Accountability []Flag           `json:"accountability,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"` // zero unless State is Closed

	History []Event `json:"history"`
}

// Progress is one entry of 整改进展: what was actually done (002 附件1 填表说明2).
type Progress struct {
	Date   time.Time `json:"date"` // the day the work was done, midnight China time
	Text   string    `json:"text"`
	Author Actor     `json:"author"`
	At     time.Time `json:"at"` // when it was recorded
}

// Evidence is one item of proof. Bytes live in the store under Key.
type Evidence struct {
	Kind string `json:"kind"`           // EvidenceText / EvidencePhoto / EvidenceFile
	Name string `json:"name"`           // file name or title
	Key  string `json:"key,omitempty"`  // storage key; required for photos and files
	Text string `json:"text,omitempty"` // the words of a text item
}

// Submission is one submission of a rectification for acceptance and its verdict.
type Submission struct {
	Summary  string     `json:"summary"`
	Result   Result     `json:"result"`
	Evidence []Evidence `json:"evidence"`
	At       time.Time  `json:"at"`
	By       Actor      `json:"by"`

	Verdict    string    `json:"verdict,omitempty"` // "accepted" / "rejected", "" while pending
	Opinion    string    `json:"opinion,omitempty"` // acceptance opinion or rejection reason
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy Actor     `json:"reviewed_by,omitzero"`
	NewLimit   time.Time `json:"new_limit,omitzero"` // the time limit given on rejection
}

// Extension is a later rectification deadline decided collectively under a
// county leader (004 §四(一)2).
type Extension struct {
	Leader       string    `json:"leader"`        // 组织集体研究的县级领导
	DecidedOn    time.Time `json:"decided_on"`    // 集体研究日期
	Reason       string    `json:"reason"`        // 延期理由
	NewDeadline  time.Time `json:"new_deadline"`  // 新的完成时限 (last day)
	Plan         string    `json:"plan"`          // 解决的时间节点和方案
	PrevDeadline time.Time `json:"prev_deadline"` // filled by Extend
	At           time.Time `json:"at"`            // filled by Extend
	By           Actor     `json:"by"`            // filled by Extend
}

// Accountability reasons.
const (
	FlagStageMissed      = "stage_missed"      // a stage's time limit missed (004 §五(四))
	FlagAcceptanceMissed = "acceptance_missed" // acceptance not done in time (002 §二(三))
	FlagRejectedTwice    = "rejected_twice"    // failed acceptance again after a time limit (002 §二(三))
)

// Flag puts a problem and its owner on the accountability list (约谈/问责).
type Flag struct {
	Code     string    `json:"code"`
	Reason   string    `json:"reason"` // Chinese, with the policy source
	At       time.Time `json:"at"`
	Stage    string    `json:"stage,omitempty"` // the stage key
	StageDue time.Time `json:"stage_due,omitzero"`
	Level    Level     `json:"level"` // the level that was to act
	Owner    string    `json:"owner,omitempty"`
	LeadUnit string    `json:"lead_unit,omitempty"`
}

// Actor is who did something, as the dossier prints it.
type Actor struct {
	AccountID int64  `json:"account_id,omitempty"`
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"` // Chinese role label, e.g. 驻村第一书记
	Unit      string `json:"unit,omitempty"` // e.g. 刘胡兰镇人民政府
}

// System is the actor of the time-limit checks.
var System = Actor{Name: "系统"}

// Draft is a new problem as reported.
type Draft struct {
	Number      string
	Description string
	Dimension   string // code, label or alias
	HouseholdID int64
	Region      string // 12 digits (or its significant prefix), county level or below
	Source      string // code, label or alias
	SourceRef   string
	Severity    Severity // optional until Plan
	Remarks     string
}

// Limits on free text, in characters.
const (
	maxName = 100
	maxText = 2000
)

func checkText(v *apperr.Validation, field, value string, required bool, limit int) {
	switch {
	case required && strings.TrimSpace(value) == "":
		v.Add(field, FieldLabel(field), "不能为空")
	case utf8.RuneCountInString(value) > limit:
		v.Add(field, FieldLabel(field), "不能超过%d个字", limit)
	}
}

// New records a reported problem. It starts the village's 1-day verification
// (135), except for problems fed back by an inspection or assessment, which
// come already verified and decided and start the county department's 5-day
// plan. Level: any (the reporter).
func New(d Draft, by Actor, now time.Time) (*Problem, error) {
	var v apperr.Validation
	d.Description = strings.TrimSpace(d.Description)
	checkText(&v, "description", d.Description, true, maxText)
	dim, ok := Dimension.Parse(strings.TrimSpace(d.Dimension))
	if !ok {
		v.Add("dimension", FieldLabel("dimension"), "应为：%s", strings.Join(Dimension.Labels(), "、"))
	}
	src, ok := Source.Parse(strings.TrimSpace(d.Source))
	if !ok {
		v.Add("source", FieldLabel("source"), "应为：%s", strings.Join(Source.Labels(), "、"))
	}
	code, err := region.Normalize(d.Region)
	switch {
	case strings.TrimSpace(d.Region) == "":
		v.Add("region", FieldLabel("region"), "不能为空")
	case err != nil:
		v.Add("region", FieldLabel("region"), "%s", err.Error())
	case region.LevelOf(code) < region.County:
		v.Add("region", FieldLabel("region"), "应为县级及以下区划（村、乡镇或县），实际为%s级", region.LevelOf(code).Label())
	}
	if d.HouseholdID < 0 {
		v.Add("household_id", FieldLabel("household_id"), "无效")
	}
	if d.Severity != "" && !SeverityEnum.Has(string(d.Severity)) {
		v.Add("severity", FieldLabel("severity"), "应为：%s", strings.Join(SeverityEnum.Labels(), "、"))
	}
	checkText(&v, "number", d.Number, false, 40)
	checkText(&v, "source_ref", d.SourceRef, false, maxName)
	checkText(&v, "remarks", d.Remarks, false, maxText)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &Problem{
		Number: strings.TrimSpace(d.Number), Description: d.Description, Dimension: dim,
		HouseholdID: d.HouseholdID, Region: code, County: region.CountyOf(code),
		Source: src, SourceRef: strings.TrimSpace(d.SourceRef), Severity: d.Severity,
		Remarks: strings.TrimSpace(d.Remarks), CreatedAt: now, UpdatedAt: now,
	}
	data := map[string]string{
		"description": p.Description, "dimension": p.Dimension, "region": p.Region,
		"source": p.Source, "source_ref": p.SourceRef, "severity": string(p.Severity),
		"remarks": p.Remarks, "number": p.Number,
	}
	if p.HouseholdID != 0 {
		data["household_id"] = itoa(p.HouseholdID)
	}
	if src == SourceInspection {
		p.State = Decided
		p.Stages = []deadline.Stage{deadline.Start(planRule, now)}
	} else {
		p.State = Reported
		p.Stages = []deadline.Stage{deadline.Start(verifyRule, now)}
	}
	p.record(now, EventReported, by, "", data, nil)
	return p, nil
}

// Status is the most urgent state of the problem's stages at now: the open
// stage's state, or Done/DoneLate when nothing is open.
func (p *Problem) Status(now time.Time) deadline.State {
	return deadline.Worst(now, p.Stages...)
}

// Current returns the open stage, or nil when none is open.
func (p *Problem) Current() *deadline.Stage {
	if i := deadline.Current(p.Stages); i >= 0 {
		return &p.Stages[i]
	}
	return nil
}

// Marks describes every stage at now, in order, for a page.
func (p *Problem) Marks(now time.Time) []deadline.Mark {
	out := make([]deadline.Mark, len(p.Stages))
	for i, s := range p.Stages {
		out[i] = s.Mark(now)
	}
	return out
}

// OnAccountabilityList reports whether the problem (and its owner) has been
// flagged for admonition or accountability.
func (p *Problem) OnAccountabilityList() bool { return len(p.Accountability) > 0 }

// DeadlineText is the deadline as the template writes it: 2024年8月15日前.
func (p *Problem) DeadlineText() string { return deadline.FormatDue(p.Deadline) }

// DeadlineDate is the deadline as a plain date: 2024-08-15.
func (p *Problem) DeadlineDate() string { return deadline.FormatDate(p.Deadline) }
