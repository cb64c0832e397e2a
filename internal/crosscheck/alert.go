package crosscheck

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/policy"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
)

// State of an alert.
type AlertState string

const (
	Pushed    AlertState = "pushed"    // 已推送，待村核实
	Confirmed AlertState = "confirmed" // 核实属实
	Dismissed AlertState = "dismissed" // 核实不属实
	Resolved  AlertState = "resolved"  // 部门新名单显示已解决
)

var alertStateLabels = map[AlertState]string{
	Pushed: "待核实", Confirmed: "核实属实", Dismissed: "核实不属实", Resolved: "已解决",
}

// Label is the Chinese name of the state.
func (s AlertState) Label() string { return alertStateLabels[s] }

// Open reports whether the alert still needs the village (pushed) or is a
// confirmed problem a newer roster may resolve.
func (s AlertState) Open() bool { return s == Pushed || s == Confirmed }

// AlertStates lists the states.
var AlertStates = []AlertState{Pushed, Confirmed, Dismissed, Resolved}

// Dismissal reasons (核实不属实的原因).
var DismissReason = &registry.Enum{Name: "reason", Label: "不属实原因", Values: []registry.EnumValue{
	{Code: "studying_elsewhere", Label: "在县外就读", Aliases: []string{"县外就读", "外地就读", "异地就读"}},
	{Code: "insured_elsewhere", Label: "在外地参保或参加职工医保", Aliases: []string{"外地参保", "异地参保", "职工医保"}},
	{Code: "moved_or_deceased", Label: "已迁出或已去世", Aliases: []string{"已迁出", "已去世", "死亡", "迁出"}},
	{Code: "already_solved", Label: "已解决（部门数据未更新）", Aliases: []string{"已解决", "已落实"}},
	{Code: "data_error", Label: "部门数据有误", Aliases: []string{"数据错误", "信息有误"}},
	{Code: "not_applicable", Label: "不符合政策条件", Aliases: []string{"不符合条件"}},
	{Code: "other", Label: "其他", Aliases: nil},
}}

// Attachment is a file of proof kept with an alert (the bytes live in the
// store under the attachment's ID).
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Actor is who verified.
type Actor struct {
	AccountID int64  `json:"account_id,omitempty"`
	Name      string `json:"name"`
}

// Alert is one suspected problem pushed to a village.
type Alert struct {
	ID          int64                `json:"id"`
	County      string               `json:"county"`
	Village     string               `json:"village"` // 12-digit code; the alert's scope
	HouseholdID int64                `json:"household_id,omitempty"`
	MemberID    int64                `json:"member_id,omitempty"`
	Subject     string               `json:"subject"`
	Rule        string               `json:"rule"`
	Kind        Kind                 `json:"kind"`
	Department  auth.Department      `json:"department"`
	Dimension   string               `json:"dimension"`
	Title       string               `json:"title"`
	Evidence    []screening.Evidence `json:"evidence"`
	Fingerprint string               `json:"-"`
	Source      policy.Source        `json:"source"`

	State      AlertState     `json:"state"`
	Stage      deadline.Stage `json:"stage"` // the village's on-site check, policy.Verify1
	UploadID   int64          `json:"upload_id"`
	LastUpload int64          `json:"last_upload_id"`
	PushedAt   time.Time      `json:"pushed_at"`

	// Verification by the village.
	VerifiedAt          time.Time    `json:"verified_at,omitzero"`
	VerifiedBy          Actor        `json:"verified_by,omitzero"`
	Findings            string       `json:"findings,omitempty"` // 核实情况
	Reason              string       `json:"reason,omitempty"`   // DismissReason code
	Proof               string       `json:"proof,omitempty"`    // proof as text
	Attachments         []Attachment `json:"attachments,omitempty"`
	MonitoringCandidate bool         `json:"monitoring_candidate"`
	ProblemID           int64        `json:"problem_id,omitempty"`

	// Resolution by a newer roster.
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	ResolvedUpload int64     `json:"resolved_upload_id,omitempty"`
	ResolvedNote   string    `json:"resolved_note,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// NewAlert pushes a candidate raised by an upload at now: the village's
// one-day check starts (the "1" of the 135 rule).
func NewAlert(county string, c *Candidate, upload int64, now time.Time) *Alert {
	r := c.Rule
	return &Alert{
		County: county, Village: c.Village, HouseholdID: c.HouseholdID, MemberID: c.MemberID, Subject: c.Subject,
		Rule: r.Code, Kind: r.Kind, Department: r.Department, Dimension: r.Dimension, Title: r.Title,
		Evidence: c.Evidence, Fingerprint: c.Fingerprint, Source: r.Source,
		State: Pushed, Stage: deadline.Start(policy.Verify1, now), UploadID: upload, LastUpload: upload,
		PushedAt: now, UpdatedAt: now, Version: 1,
	}
}

// Mark is the verification clock as a page shows it at now.
func (a *Alert) Mark(now time.Time) deadline.Mark { return a.Stage.Mark(now) }

// Verification is the village's answer.
type Verification struct {
	Confirm             bool   `json:"confirm"`  // true: 属实; false: 不属实
	Findings            string `json:"findings"` // 核实情况, required
	Reason              string `json:"reason"`   // required when dismissing (DismissReason)
	Proof               string `json:"proof"`    // required when dismissing, unless attachments are given
	Attachments         int    `json:"-"`        // how many files of proof come with it
	MonitoringCandidate bool   `json:"monitoring_candidate"`
	Version             int    `json:"version,omitempty"` // the version the form was read at (0: do not check)
}

// Limits of verification text, in characters.
const (
	MaxFindings = 2000
	MaxProof    = 2000
)

// Verify records the village's on-site check: confirmed (a problem for the
// ledger, and/or a monitoring candidate) or dismissed with a reason and
// proof. It finishes the verification stage (on time or late).
func (a *Alert) Verify(in Verification, by Actor, now time.Time) error {
	var v apperr.Validation
	in.Findings = strings.TrimSpace(in.Findings)
	in.Proof = strings.TrimSpace(in.Proof)
	if in.Findings == "" {
		v.Add("findings", "核实情况", "不能为空")
	} else if utf8.RuneCountInString(in.Findings) > MaxFindings {
		v.Add("findings", "核实情况", "不能超过%d个字", MaxFindings)
	}
	if utf8.RuneCountInString(in.Proof) > MaxProof {
		v.Add("proof", "佐证材料说明", "不能超过%d个字", MaxProof)
	}
	reason := ""
	if !in.Confirm {
		code, ok := DismissReason.Parse(strings.TrimSpace(in.Reason))
		if !ok {
			v.Add("reason", "不属实原因", "应为：%s", strings.Join(DismissReason.Labels(), "、"))
		}
		reason = code
		if in.Proof == "" && in.Attachments == 0 {
			v.Add("proof", "佐证材料", "核实不属实须提供佐证材料（文字说明或附件），如县外学校的在读证明")
		}
		if in.MonitoringCandidate {
			v.Add("monitoring_candidate", "纳入监测对象候选", "核实不属实的预警不能列为监测对象候选")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if a.State != Pushed {
		return apperr.New(apperr.Conflict, "该预警%s，不能再核实", a.State.Label())
	}
	if in.Version != 0 && in.Version != a.Version {
		return apperr.New(apperr.Conflict, "该预警已被他人更新，请刷新后重试")
	}
	if in.Confirm {
		a.State = Confirmed
		a.MonitoringCandidate = in.MonitoringCandidate
	} else {
		a.State = Dismissed
		a.Reason = reason
	}
	a.Findings, a.Proof = in.Findings, in.Proof
	a.VerifiedAt, a.VerifiedBy = now, by
	a.Stage.Finish(now)
	a.UpdatedAt = now
	a.Version++
	return nil
}

// InTime reports whether the village verified before the stage was due.
func (a *Alert) InTime() bool { return !a.VerifiedAt.IsZero() && a.VerifiedAt.Before(a.Stage.Due) }

// Resolve closes an open alert that a newer roster shows gone.
func (a *Alert) Resolve(note string, upload int64, now time.Time) error {
	if !a.State.Open() {
		return apperr.New(apperr.Conflict, "该预警%s，不能标记为已解决", a.State.Label())
	}
	a.State = Resolved
	a.ResolvedAt, a.ResolvedUpload, a.ResolvedNote = now, upload, note
	a.Stage.Finish(now)
	a.UpdatedAt = now
	a.Version++
	return nil
}

// ResolveNote is the note a newer roster writes on the alerts it closes.
func ResolveNote(k *KindInfo, upload int64, fileName string, at time.Time) string {
	return k.Department.Label() + "部门" + at.In(clock.China).Format("2006年1月2日") + "上传的新" + k.Label + "（第" +
		strconv.FormatInt(upload, 10) + "号上传，" + fileName + "）显示该情况已不存在，自动标记为已解决"
}
