package ledger

import (
	"fmt"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/deadline"
	"sanbao/internal/policy"
)

// The clocks of the workflow. "135" runs stage after stage: each level's days
// count from the moment the level before it acted (the township's 3 days
// from the village's verification, the department's 5 days from the
// township's decision). "710" counts from the plan, when the problem enters
// the department's ledger (004 §四(一)1: "建立工作台账").
var (
	verifyRule = policy.Verify1
	decideRule = policy.Decide3
	planRule   = policy.Plan5
	acceptRule = policy.Accept7
)

// Stage key of the time limit set on a rejected rectification (限期整改).
const StageRectifyAgain = "rectify_again"

func stateErr(p *Problem, action string) error {
	return apperr.New(apperr.Conflict, "问题当前状态为「%s」，不能%s", p.State.Label(), action)
}

// begin checks the state, then the fields, then runs the time-limit check,
// so that an action refused leaves the problem untouched.
func (p *Problem) begin(now time.Time, action string, v *apperr.Validation, states ...State) error {
	ok := false
	for _, s := range states {
		ok = ok || p.State == s
	}
	if !ok {
		return stateErr(p, action)
	}
	if err := v.Err(); err != nil {
		return err
	}
	p.CheckOverdue(now)
	return nil
}

// finishCurrent closes the open stage, if any.
func (p *Problem) finishCurrent(now time.Time) {
	if s := p.Current(); s != nil {
		s.Finish(now)
	}
}

// Verification is the village's on-site check (上户核实).
type Verification struct {
	Findings    string // 核查情况, required
	Description string // a corrected description, optional
	Dimension   string // a corrected dimension, optional
	HouseholdID int64  // the household found, optional
}

// Verify records the village's on-site check ("1" of 135) and starts the
// township's 3 days. Level: village (村“两委”干部、驻村干部, 首问负责制).
func (p *Problem) Verify(in Verification, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "findings", in.Findings, true, maxText)
	checkText(&v, "description", in.Description, false, maxText)
	dim := p.Dimension
	if s := strings.TrimSpace(in.Dimension); s != "" {
		var ok bool
		if dim, ok = Dimension.Parse(s); !ok {
			v.Add("dimension", FieldLabel("dimension"), "应为：%s", strings.Join(Dimension.Labels(), "、"))
		}
	}
	if in.HouseholdID < 0 {
		v.Add("household_id", FieldLabel("household_id"), "无效")
	}
	if err := p.begin(now, "上户核实", &v, Reported); err != nil {
		return Event{}, err
	}
	data := map[string]string{}
	if d := strings.TrimSpace(in.Description); d != "" && d != p.Description {
		p.Description = d
		data["description"] = d
	}
	if dim != p.Dimension {
		p.Dimension = dim
		data["dimension"] = dim
	}
	if in.HouseholdID != 0 && in.HouseholdID != p.HouseholdID {
		p.HouseholdID = in.HouseholdID
		data["household_id"] = itoa(in.HouseholdID)
	}
	data["findings"] = strings.TrimSpace(in.Findings)
	p.finishCurrent(now)
	p.State = Verified
	p.Stages = append(p.Stages, deadline.Start(decideRule, now))
	return p.record(now, EventVerified, by, "", data, nil), nil
}

// Decision is the township's opinion (研究确定核查办理意见).
type Decision struct {
	Forward     bool   // true: needs help, forward to the county department
	Opinion     string // 研判意见, required when forwarding
	Department  string // 县行业主管部门 that receives it, required when forwarding
	Explanation string // 说服劝导情况, required when not forwarding
}

// Decide records the township's opinion ("3" of 135): forward to the county
// department, which starts its 5 days, or explain to the household why the
// request falls outside the policy, which ends the problem as not
// applicable. Level: township.
func (p *Problem) Decide(in Decision, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	if in.Forward {
		checkText(&v, "opinion", in.Opinion, true, maxText)
		checkText(&v, "department", in.Department, true, maxName)
	} else {
		checkText(&v, "opinion", in.Opinion, false, maxText)
		checkText(&v, "explanation", in.Explanation, true, maxText)
	}
	if err := p.begin(now, "乡镇研判", &v, Verified); err != nil {
		return Event{}, err
	}
	p.finishCurrent(now)
	if !in.Forward {
		p.State = NotApplicable
		p.Explanation = strings.TrimSpace(in.Explanation)
		return p.record(now, EventDismissed, by, "", map[string]string{
			"opinion": strings.TrimSpace(in.Opinion), "explanation": p.Explanation,
			"source_policy": cite(policy.NotApplicable),
		}, nil), nil
	}
	p.State = Decided
	p.LeadUnit = strings.TrimSpace(in.Department)
	p.Stages = append(p.Stages, deadline.Start(planRule, now))
	return p.record(now, EventForwarded, by, "", map[string]string{
		"opinion": strings.TrimSpace(in.Opinion), "department": p.LeadUnit,
	}, nil), nil
}

// RectificationPlan is the county department's plan (解决方案).
type RectificationPlan struct {
	Severity        Severity  // required
	TaskForce       string    // 专班, optional
	LeadUnit        string    // 牵头单位, required
	SupportingUnits []string  // 配合单位, optional
	Owner           string    // 责任人 (the lead unit's principal), required
	Measures        string    // 整改措施, required
	Deadline        time.Time // 完成时间 (last day); zero: the "710" limit
}

// limitText names the "710" limit for a severity and its last day.
func limitText(sev Severity, last time.Time) string {
	if sev == Major {
		return fmt.Sprintf("重大复杂问题应在1个月内（%s）落实解决，确需延长须经县级领导组织集体研究决定", deadline.FormatDue(last))
	}
	return fmt.Sprintf("一般性问题应在7天内（%s）落实解决，确需延长须经县级领导组织集体研究决定", deadline.FormatDue(last))
}

// checkDeadline validates a rectification deadline against "710" from now and
// returns its last day (the limit when zero).
func checkDeadline(v *apperr.Validation, field string, sev Severity, d, now time.Time) time.Time {
	rule := policy.Rule710(sev == Major)
	limit := deadline.LastDayAfter(now, rule.Days)
	if d.IsZero() {
		return limit
	}
	last := deadline.Day(d)
	switch {
	case last.Before(deadline.Day(now)):
		v.Add(field, FieldLabel(field), "不能早于今天")
	case last.After(limit):
		v.Add(field, FieldLabel(field), "%s", limitText(sev, limit))
	}
	return last
}

func rectifyStage(sev Severity, now, last time.Time) deadline.Stage {
	rule := policy.Rule710(sev == Major)
	s := deadline.Until(rule.Key, rule.Label, now, last)
	if last.Equal(deadline.LastDayAfter(now, rule.Days)) {
		s.Days = rule.Days
	}
	return s
}

func cleanUnits(units []string) []string {
	var out []string
	for _, u := range units {
		out = append(out, splitUnits(u)...)
	}
	return out
}

// Plan records the county department's plan ("5" of 135): owner, measures and
// completion date, and starts the "710" clock. Level: county department.
func (p *Problem) Plan(in RectificationPlan, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	if !SeverityEnum.Has(string(in.Severity)) {
		v.Add("severity", FieldLabel("severity"), "应为：%s", strings.Join(SeverityEnum.Labels(), "、"))
	}
	checkText(&v, "task_force", in.TaskForce, false, maxName)
	checkText(&v, "lead_unit", in.LeadUnit, true, maxName)
	checkText(&v, "owner", in.Owner, true, maxName)
	checkText(&v, "measures", in.Measures, true, maxText)
	units := cleanUnits(in.SupportingUnits)
	checkText(&v, "supporting_units", strings.Join(units, "、"), false, maxText)
	var last time.Time
	if !v.Has("severity") {
		last = checkDeadline(&v, "deadline", in.Severity, in.Deadline, now)
	}
	if err := p.begin(now, "制定整改方案", &v, Decided); err != nil {
		return Event{}, err
	}
	p.finishCurrent(now)
	p.Severity = in.Severity
	p.TaskForce = strings.TrimSpace(in.TaskForce)
	p.LeadUnit = strings.TrimSpace(in.LeadUnit)
	p.SupportingUnits = units
	p.Owner = strings.TrimSpace(in.Owner)
	p.Measures = strings.TrimSpace(in.Measures)
	p.Deadline = last
	p.Result = InProgress
	p.State = Planned
	p.Stages = append(p.Stages, rectifyStage(p.Severity, now, last))
	return p.record(now, EventPlanned, by, "", map[string]string{
		"severity": string(p.Severity), "task_force": p.TaskForce, "lead_unit": p.LeadUnit,
		"supporting_units": strings.Join(p.SupportingUnits, "、"), "owner": p.Owner,
		"measures": p.Measures, "deadline": date(last), "result": string(p.Result),
	}, nil), nil
}

// ProgressEntry is what was actually done on a day (整改进展).
type ProgressEntry struct {
	Date time.Time // the day of the work; zero: today
	Text string    // required
}

// AddProgress records what was actually done. Level: any (the lead unit, a
// supporting unit or the village doing the work).
func (p *Problem) AddProgress(in ProgressEntry, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "text", in.Text, true, maxText)
	day := deadline.Day(now)
	if !in.Date.IsZero() {
		day = deadline.Day(in.Date)
		switch {
		case day.After(deadline.Day(now)):
			v.Add("date", FieldLabel("date"), "不能晚于今天")
		case day.Before(deadline.Day(p.CreatedAt)):
			v.Add("date", FieldLabel("date"), "不能早于问题登记日期%s", deadline.FormatDateCN(p.CreatedAt))
		}
	}
	if err := p.begin(now, "填写整改进展", &v, Planned); err != nil {
		return Event{}, err
	}
	text := strings.TrimSpace(in.Text)
	p.Progress = append(p.Progress, Progress{Date: day, Text: text, Author: by, At: now})
	return p.record(now, EventProgress, by, "", map[string]string{"date": date(day), "text": text}, nil), nil
}

// Extend records a later deadline decided collectively under a county leader
// (004 §四(一)2): the leader, the date of the decision, the reason, the new
// date and the plan. Level: county leader (the decision), entered by the
// county department or office.
func (p *Problem) Extend(in Extension, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "leader", in.Leader, true, maxName)
	checkText(&v, "reason", in.Reason, true, maxText)
	checkText(&v, "plan", in.Plan, true, maxText)
	today := deadline.Day(now)
	switch {
	case in.DecidedOn.IsZero():
		v.Add("decided_on", FieldLabel("decided_on"), "不能为空")
	case deadline.Day(in.DecidedOn).After(today):
		v.Add("decided_on", FieldLabel("decided_on"), "不能晚于今天")
	case deadline.Day(in.DecidedOn).Before(deadline.Day(p.CreatedAt)):
		v.Add("decided_on", FieldLabel("decided_on"), "不能早于问题登记日期%s", deadline.FormatDateCN(p.CreatedAt))
	}
	newLast := deadline.Day(in.NewDeadline)
	switch {
	case in.NewDeadline.IsZero():
		v.Add("new_deadline", FieldLabel("new_deadline"), "不能为空")
	case !newLast.After(p.Deadline):
		v.Add("new_deadline", FieldLabel("new_deadline"), "应晚于原整改时限%s", deadline.FormatDue(p.Deadline))
	case newLast.Before(today):
		v.Add("new_deadline", FieldLabel("new_deadline"), "不能早于今天")
	}
	if err := p.begin(now, "延长整改时限", &v, Planned); err != nil {
		return Event{}, err
	}
	s := p.Current()
	ext := Extension{
		Leader: strings.TrimSpace(in.Leader), DecidedOn: deadline.Day(in.DecidedOn),
		Reason: strings.TrimSpace(in.Reason), NewDeadline: newLast, Plan: strings.TrimSpace(in.Plan),
		PrevDeadline: p.Deadline, At: now, By: by,
	}
	p.Extensions = append(p.Extensions, ext)
	p.Deadline = newLast
	s.Due = deadline.EndOfDay(newLast)
	s.Days = 0
	return p.record(now, EventExtended, by, "", map[string]string{
		"leader": ext.Leader, "decided_on": date(ext.DecidedOn), "reason": ext.Reason,
		"prev_deadline": date(ext.PrevDeadline), "new_deadline": date(newLast), "plan": ext.Plan,
		"source_policy": cite(policy.Extension),
	}, nil), nil
}

func checkEvidence(v *apperr.Validation, items []Evidence) []Evidence {
	if len(items) == 0 {
		v.Add("evidence", FieldLabel("evidence"), "至少提供一项（文字说明、照片或文件）")
		return nil
	}
	out := make([]Evidence, len(items))
	for i, e := range items {
		e.Kind, e.Name, e.Key, e.Text = strings.TrimSpace(e.Kind), strings.TrimSpace(e.Name), strings.TrimSpace(e.Key), strings.TrimSpace(e.Text)
		n := i + 1
		kind, ok := EvidenceKind.Parse(e.Kind)
		switch {
		case !ok:
			v.Add("evidence", FieldLabel("evidence"), "第%d项类型应为：%s", n, strings.Join(EvidenceKind.Labels(), "、"))
		case kind == EvidenceText && e.Text == "":
			v.Add("evidence", FieldLabel("evidence"), "第%d项文字说明不能为空", n)
		case kind != EvidenceText && e.Key == "":
			v.Add("evidence", FieldLabel("evidence"), "第%d项%s未上传", n, EvidenceKind.LabelOf(kind))
		}
		if kind != EvidenceText && e.Name == "" {
			v.Add("evidence", FieldLabel("evidence"), "第%d项缺少名称", n)
		}
		if len([]rune(e.Text)) > maxText || len([]rune(e.Name)) > maxName {
			v.Add("evidence", FieldLabel("evidence"), "第%d项过长", n)
		}
		if kind == EvidenceText && e.Name == "" {
			e.Name = EvidenceKind.LabelOf(EvidenceText)
		}
		e.Kind = kind
		out[i] = e
	}
	return out
}

// Submit hands the rectification in for acceptance with evidence and the
// result claimed (整改完成 or 整改完成长期坚持), and starts the level above's
// acceptance time (policy.Accept7). Level: county department (the owner).
func (p *Problem) Submit(in Submission, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "summary", in.Summary, true, maxText)
	if !in.Result.Finished() {
		v.Add("result", FieldLabel("result"), "提交验收时应为「%s」或「%s」", Done.Label(), DoneSustained.Label())
	}
	ev := checkEvidence(&v, in.Evidence)
	if err := p.begin(now, "提交验收", &v, Planned); err != nil {
		return Event{}, err
	}
	p.finishCurrent(now)
	sub := Submission{Summary: strings.TrimSpace(in.Summary), Result: in.Result, Evidence: ev, At: now, By: by}
	p.Submissions = append(p.Submissions, sub)
	p.Result = in.Result
	p.State = Submitted
	p.Stages = append(p.Stages, deadline.Start(acceptRule, now))
	return p.record(now, EventSubmitted, by, "", map[string]string{
		"summary": sub.Summary, "result": string(sub.Result),
	}, ev), nil
}

// Review is the level above's verdict on a submission.
type Review struct {
	Opinion  string    // 验收意见 / 不合格原因, required
	NewLimit time.Time // 限期整改时限 (last day), required on rejection
}

func (p *Problem) lastSubmission() *Submission {
	if n := len(p.Submissions); n > 0 {
		return &p.Submissions[n-1]
	}
	return nil
}

// Accept closes the problem (验收合格，销号). Level: the level above.
func (p *Problem) Accept(in Review, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "opinion", in.Opinion, true, maxText)
	if err := p.begin(now, "验收", &v, Submitted); err != nil {
		return Event{}, err
	}
	p.finishCurrent(now)
	if s := p.lastSubmission(); s != nil {
		s.Verdict, s.Opinion, s.ReviewedAt, s.ReviewedBy = "accepted", strings.TrimSpace(in.Opinion), now, by
	}
	p.State = Closed
	p.ClosedAt = now
	return p.record(now, EventAccepted, by, "", map[string]string{
		"opinion": strings.TrimSpace(in.Opinion), "result": string(p.Result),
	}, nil), nil
}

// Reject sends the rectification back with a reason and a time limit
// (限期整改). The second rejection in a round puts the problem and its
// owner on the accountability list (002 §二(三)). Level: the level above.
func (p *Problem) Reject(in Review, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "opinion", in.Opinion, true, maxText)
	switch {
	case in.NewLimit.IsZero():
		v.Add("new_limit", FieldLabel("new_limit"), "不能为空")
	case deadline.Day(in.NewLimit).Before(deadline.Day(now)):
		v.Add("new_limit", FieldLabel("new_limit"), "不能早于今天")
	}
	if err := p.begin(now, "验收", &v, Submitted); err != nil {
		return Event{}, err
	}
	acc := p.Current()
	acceptDue := acc.Due
	acc.Finish(now)
	last := deadline.Day(in.NewLimit)
	if s := p.lastSubmission(); s != nil {
		s.Verdict, s.Opinion, s.ReviewedAt, s.ReviewedBy, s.NewLimit = "rejected", strings.TrimSpace(in.Opinion), now, by, last
	}
	p.Rejections++
	p.Result = InProgress
	p.State = Planned
	p.Deadline = last
	p.Stages = append(p.Stages, deadline.Until(StageRectifyAgain, "限期整改", now, last))
	e := p.record(now, EventRejected, by, "", map[string]string{
		"opinion": strings.TrimSpace(in.Opinion), "new_limit": date(last), "result": string(p.Result),
	}, nil)
	if p.Rejections >= int(policy.RejectionsAccountable.Value) {
		p.flag(Flag{
			Code: FlagRejectedTwice, At: now, Stage: acceptRule.Key, StageDue: acceptDue, Level: LevelDepartment,
			Reason: fmt.Sprintf("限期整改后验收仍不合格（第%d次不合格，%s）", p.Rejections, cite(policy.RejectionsAccountable.Source)),
		})
	}
	return e, nil
}

// Reopening is a relapse of a closed problem.
type Reopening struct {
	Reason   string    // required
	Severity Severity  // optional: keeps the problem's severity
	Measures string    // optional: keeps the measures
	Deadline time.Time // optional: the "710" limit from now
}

// Reopen takes a closed problem back to rectification (问题反弹), with a new
// "710" clock; the history, submissions and flags are kept, and the count of
// rejections starts again. Level: any (whoever finds the relapse).
func (p *Problem) Reopen(in Reopening, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "reason", in.Reason, true, maxText)
	checkText(&v, "measures", in.Measures, false, maxText)
	sev := p.Severity
	if in.Severity != "" {
		if !SeverityEnum.Has(string(in.Severity)) {
			v.Add("severity", FieldLabel("severity"), "应为：%s", strings.Join(SeverityEnum.Labels(), "、"))
		}
		sev = in.Severity
	}
	if sev == "" {
		sev = Ordinary
	}
	var last time.Time
	if !v.Has("severity") {
		last = checkDeadline(&v, "deadline", sev, in.Deadline, now)
	}
	if err := p.begin(now, "重新整改", &v, Closed); err != nil {
		return Event{}, err
	}
	p.Severity = sev
	if m := strings.TrimSpace(in.Measures); m != "" {
		p.Measures = m
	}
	p.Reopens++
	p.Rejections = 0
	p.Result = InProgress
	p.State = Planned
	p.ClosedAt = time.Time{}
	p.Deadline = last
	p.Stages = append(p.Stages, rectifyStage(sev, now, last))
	return p.record(now, EventReopened, by, "", map[string]string{
		"reason": strings.TrimSpace(in.Reason), "severity": string(sev),
		"measures": strings.TrimSpace(in.Measures), "deadline": date(last), "result": string(p.Result),
	}, nil), nil
}

// SetResult switches a submitted or closed problem between 整改完成 and
// 整改完成长期坚持. 正在整改 is set by the workflow alone (plan, rejection,
// reopening). Level: county department.
func (p *Problem) SetResult(r Result, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	if !r.Finished() {
		v.Add("result", FieldLabel("result"), "只能改为「%s」或「%s」", Done.Label(), DoneSustained.Label())
	}
	if r.Finished() && r == p.Result {
		v.Add("result", FieldLabel("result"), "已是「%s」", r.Label())
	}
	if err := p.begin(now, "调整整改结果", &v, Submitted, Closed); err != nil {
		return Event{}, err
	}
	p.Result = r
	return p.record(now, EventResultSet, by, "", map[string]string{"result": string(r)}, nil), nil
}

// SetRemarks replaces the remarks (备注). Level: any.
func (p *Problem) SetRemarks(text string, by Actor, now time.Time) (Event, error) {
	var v apperr.Validation
	checkText(&v, "remarks", text, false, maxText)
	if err := v.Err(); err != nil {
		return Event{}, err
	}
	p.CheckOverdue(now)
	p.Remarks = strings.TrimSpace(text)
	return p.record(now, EventRemarks, by, "", map[string]string{"remarks": p.Remarks}, nil), nil
}

// stageLevels names who is to act in each stage.
var stageLevels = map[string]Level{
	verifyRule.Key: LevelVillage,
	decideRule.Key: LevelTownship,
	planRule.Key:   LevelDepartment,
	acceptRule.Key: LevelAbove,
}

// CheckOverdue puts the problem and its owner on the accountability list for
// every stage whose time was missed and not yet flagged: an open stage past
// its due time, or a stage finished late (004 §五(四)); a missed acceptance
// (002 §二(三)). It returns the events it added (none when nothing is new).
// The actions call it first, so a late action is flagged before it is
// recorded. Level: system (a periodic job calls it with the clock's time).
func (p *Problem) CheckOverdue(now time.Time) []Event {
	var out []Event
	for i := range p.Stages {
		s := p.Stages[i]
		if st := s.Status(now); st != deadline.Overdue && st != deadline.DoneLate {
			continue
		}
		if p.flagged(s.Key, s.Due) {
			continue
		}
		f := Flag{Stage: s.Key, StageDue: s.Due, At: now, Level: stageLevels[s.Key]}
		if f.Level == "" {
			f.Level = LevelDepartment
		}
		if s.Key == acceptRule.Key {
			f.Code = FlagAcceptanceMissed
			f.Reason = fmt.Sprintf("「%s」未在%s完成（%s）", s.Label, deadline.FormatDue(s.LastDay()), cite(policy.AcceptanceMissed))
		} else {
			f.Code = FlagStageMissed
			f.Reason = fmt.Sprintf("「%s」未在%s完成（%s）", s.Label, deadline.FormatDue(s.LastDay()), cite(policy.StageMissed))
		}
		out = append(out, p.flag(f))
	}
	return out
}

func (p *Problem) flagged(stage string, due time.Time) bool {
	for _, f := range p.Accountability {
		if f.Code != FlagRejectedTwice && f.Stage == stage && f.StageDue.Equal(due) {
			return true
		}
	}
	return false
}

func (p *Problem) flag(f Flag) Event {
	f.Owner, f.LeadUnit = p.Owner, p.LeadUnit
	p.Accountability = append(p.Accountability, f)
	return p.record(f.At, EventAccountability, System, f.Reason, map[string]string{
		"code": f.Code, "stage": f.Stage, "stage_due": date(deadline.Day(f.StageDue.Add(-time.Nanosecond))),
		"level": string(f.Level), "owner": f.Owner, "lead_unit": f.LeadUnit,
	}, nil)
}
