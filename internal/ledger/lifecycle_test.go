package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
)

var (
	village = Actor{AccountID: 11, Name: "王村干", Role: "驻村第一书记", Unit: "刘胡兰村"}
	town    = Actor{AccountID: 12, Name: "李镇长", Role: "乡镇干部", Unit: "刘胡兰镇人民政府"}
	dept    = Actor{AccountID: 13, Name: "赵局长", Role: "局长", Unit: "县住建局"}
	above   = Actor{AccountID: 14, Name: "孙组长", Role: "县住房安全保障专班", Unit: "县专班"}
)

func cst(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, clock.China) }

func must(t *testing.T) func(Event, error) Event {
	return func(e Event, err error) Event {
		t.Helper()
		if err != nil {
			t.Fatalf("%v", err)
		}
		return e
	}
}

// wantFieldErr checks that err is Invalid and names each field.
func wantFieldErr(t *testing.T, err error, fields ...string) {
	t.Helper()
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("want Invalid naming %v, got %v", fields, err)
	}
	for _, f := range fields {
		found := false
		for _, fe := range apperr.FieldsOf(err) {
			if fe.Field == f {
				found = true
				if fe.Label == "" || fe.Message == "" {
					t.Errorf("field %s without Chinese label/message: %+v", f, fe)
				}
			}
		}
		if !found {
			t.Errorf("error does not name %s: %v", f, err)
		}
	}
}

func draft() Draft {
	return Draft{
		Description: "张某某家住房出现裂缝，疑似危房",
		Dimension:   "住房安全",
		HouseholdID: 42,
		Region:      "141121102201",
		Source:      "群众反映",
	}
}

func photo(name string) Evidence {
	return Evidence{Kind: EvidencePhoto, Name: name, Key: "ev/" + name}
}

func stageKeys(p *Problem) []string {
	var out []string
	for _, s := range p.Stages {
		out = append(out, s.Key)
	}
	return out
}

// The whole life of an ordinary problem: 135, 710, two rejections (the
// second lands on the accountability list), acceptance, relapse.
func TestOrdinaryProblemLife(t *testing.T) {
	c := clock.NewManual(cst(2024, 7, 22, 9)) // a Monday
	p, err := New(draft(), village, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.State != Reported || p.Dimension != DimHousing || p.Source != SourceComplaint || p.County != "141121" {
		t.Fatalf("%+v", p)
	}
	if cur := p.Current(); cur.Key != "verify" || !cur.LastDay().Equal(deadline.Date(2024, 7, 23)) {
		t.Fatalf("verify stage %+v", cur)
	}

	// Day 1: due soon on its last day; the village verifies on time.
	c.Set(cst(2024, 7, 23, 10))
	if st := p.Status(c.Now()); st != deadline.DueSoon {
		t.Fatalf("status %s", st)
	}
	_, err = p.Verify(Verification{}, village, c.Now())
	wantFieldErr(t, err, "findings")
	must(t)(p.Verify(Verification{Findings: "上户查看，东墙裂缝约2米", Dimension: "housing"}, village, c.Now()))
	if p.State != Verified || p.Current().Key != "decide" || !p.Current().LastDay().Equal(deadline.Date(2024, 7, 26)) {
		t.Fatalf("after verify: %s %+v", p.State, p.Current())
	}

	// The township forwards to the county department.
	c.Set(cst(2024, 7, 24, 15))
	_, err = p.Decide(Decision{Forward: true}, town, c.Now())
	wantFieldErr(t, err, "opinion", "department")
	must(t)(p.Decide(Decision{Forward: true, Opinion: "需鉴定并改造", Department: "县住建局"}, town, c.Now()))
	if p.State != Decided || p.LeadUnit != "县住建局" || !p.Current().LastDay().Equal(deadline.Date(2024, 7, 29)) {
		t.Fatalf("after decide: %s %+v", p.State, p.Current())
	}

	// The department plans: the 710 limit is 7 days from the plan.
	c.Set(cst(2024, 7, 25, 11))
	plan := RectificationPlan{
		Severity: Ordinary, TaskForce: "住房安全保障专班", LeadUnit: "县住建局",
		SupportingUnits: []string{"刘胡兰镇人民政府、刘胡兰村"}, Owner: "赵局长",
		Measures: "组织房屋安全鉴定，纳入危房改造", Deadline: deadline.Date(2024, 8, 2),
	}
	_, err = p.Plan(plan, dept, c.Now())
	wantFieldErr(t, err, "deadline")
	if !strings.Contains(apperr.MessageOf(err), "2024年8月1日前") {
		t.Errorf("message does not give the limit: %s", apperr.MessageOf(err))
	}
	_, err = p.Plan(RectificationPlan{Severity: "urgent"}, dept, c.Now())
	wantFieldErr(t, err, "severity", "lead_unit", "owner", "measures")
	plan.Deadline = time.Time{}
	must(t)(p.Plan(plan, dept, c.Now()))
	if p.State != Planned || p.Result != InProgress || p.DeadlineText() != "2024年8月1日前" || p.DeadlineDate() != "2024-08-01" {
		t.Fatalf("after plan: %s %s %s", p.State, p.Result, p.DeadlineText())
	}
	if got := strings.Join(p.SupportingUnits, "|"); got != "刘胡兰镇人民政府|刘胡兰村" {
		t.Fatalf("units %q", got)
	}
	if cur := p.Current(); cur.Key != "rectify_ordinary" || cur.Days != 7 {
		t.Fatalf("rectify stage %+v", cur)
	}

	c.Set(cst(2024, 7, 27, 16))
	_, err = p.AddProgress(ProgressEntry{Date: deadline.Date(2024, 7, 28), Text: "x"}, dept, c.Now())
	wantFieldErr(t, err, "date")
	must(t)(p.AddProgress(ProgressEntry{Text: "完成房屋安全鉴定，为C级"}, dept, c.Now()))

	// Submit: evidence is required.
	c.Set(cst(2024, 7, 30, 10))
	_, err = p.Submit(Submission{Summary: "已加固", Result: InProgress}, dept, c.Now())
	wantFieldErr(t, err, "result", "evidence")
	_, err = p.Submit(Submission{Summary: "已加固", Result: Done, Evidence: []Evidence{{Kind: EvidencePhoto, Name: "a.jpg"}}}, dept, c.Now())
	wantFieldErr(t, err, "evidence")
	must(t)(p.Submit(Submission{Summary: "已完成加固", Result: Done, Evidence: []Evidence{photo("after.jpg"), {Kind: "文字说明", Text: "加固费用已拨付"}}}, dept, c.Now()))
	if p.State != Submitted || p.Result != Done || p.Current().Key != "accept" || !p.Current().LastDay().Equal(deadline.Date(2024, 8, 6)) {
		t.Fatalf("after submit: %s %+v", p.State, p.Current())
	}
	if p.Stages[len(p.Stages)-2].Status(c.Now()) != deadline.Done {
		t.Fatal("rectification was on time")
	}

	// First rejection: a time limit, no accountability.
	c.Set(cst(2024, 7, 31, 9))
	_, err = p.Reject(Review{Opinion: "加固不彻底"}, above, c.Now())
	wantFieldErr(t, err, "new_limit")
	must(t)(p.Reject(Review{Opinion: "加固不彻底", NewLimit: deadline.Date(2024, 8, 5)}, above, c.Now()))
	if p.State != Planned || p.Result != InProgress || p.Rejections != 1 || p.OnAccountabilityList() {
		t.Fatalf("after first rejection: %s %s %d %v", p.State, p.Result, p.Rejections, p.Accountability)
	}
	if cur := p.Current(); cur.Key != StageRectifyAgain || p.DeadlineText() != "2024年8月5日前" {
		t.Fatalf("limit %+v %s", cur, p.DeadlineText())
	}
	if s := p.Submissions[0]; s.Verdict != "rejected" || s.ReviewedBy.Name != above.Name || !s.NewLimit.Equal(deadline.Date(2024, 8, 5)) {
		t.Fatalf("submission %+v", s)
	}

	// Second rejection: on the accountability list.
	c.Set(cst(2024, 8, 3, 9))
	must(t)(p.Submit(Submission{Summary: "二次加固", Result: DoneSustained, Evidence: []Evidence{photo("again.jpg")}}, dept, c.Now()))
	c.Set(cst(2024, 8, 5, 9))
	must(t)(p.Reject(Review{Opinion: "仍不合格", NewLimit: deadline.Date(2024, 8, 8)}, above, c.Now()))
	if !p.OnAccountabilityList() || len(p.Accountability) != 1 {
		t.Fatalf("accountability %+v", p.Accountability)
	}
	f := p.Accountability[0]
	if f.Code != FlagRejectedTwice || f.Owner != "赵局长" || f.LeadUnit != "县住建局" || !strings.Contains(f.Reason, "002 §二(三)") {
		t.Fatalf("flag %+v", f)
	}
	last := p.History[len(p.History)-1]
	if last.Kind != EventAccountability || p.History[len(p.History)-2].Kind != EventRejected {
		t.Fatalf("events %s %s", p.History[len(p.History)-2].Kind, last.Kind)
	}

	// Third time lucky: accepted and closed.
	c.Set(cst(2024, 8, 7, 9))
	must(t)(p.Submit(Submission{Summary: "重建完成", Result: DoneSustained, Evidence: []Evidence{photo("new.jpg")}}, dept, c.Now()))
	c.Set(cst(2024, 8, 9, 9))
	_, err = p.Accept(Review{}, above, c.Now())
	wantFieldErr(t, err, "opinion")
	must(t)(p.Accept(Review{Opinion: "验收合格"}, above, c.Now()))
	if p.State != Closed || !p.ClosedAt.Equal(c.Now()) || p.Result != DoneSustained || p.Current() != nil {
		t.Fatalf("after accept: %s %v %s", p.State, p.ClosedAt, p.Result)
	}
	if st := p.Status(c.Now()); st != deadline.Done {
		t.Fatalf("every stage was on time, status %s", st)
	}
	if n := len(p.Accountability); n != 1 {
		t.Fatalf("flags %d", n)
	}
	must(t)(p.SetResult(Done, dept, c.Now()))
	_, err = p.SetResult(Done, dept, c.Now())
	wantFieldErr(t, err, "result")
	_, err = p.SetResult(InProgress, dept, c.Now())
	wantFieldErr(t, err, "result")

	// Relapse: back to rectification with a new 710 clock, history kept.
	c.Set(cst(2024, 9, 1, 9))
	nHist, nSub := len(p.History), len(p.Submissions)
	_, err = p.Reopen(Reopening{}, village, c.Now())
	wantFieldErr(t, err, "reason")
	must(t)(p.Reopen(Reopening{Reason: "雨后墙体再次开裂"}, village, c.Now()))
	if p.State != Planned || p.Result != InProgress || p.Reopens != 1 || p.Rejections != 0 || !p.ClosedAt.IsZero() {
		t.Fatalf("after reopen: %+v", p)
	}
	if p.DeadlineText() != "2024年9月8日前" || len(p.History) != nHist+1 || len(p.Submissions) != nSub || len(p.Accountability) != 1 {
		t.Fatalf("reopen lost history or set a wrong limit: %s", p.DeadlineText())
	}
	want := "verify decide plan rectify_ordinary accept rectify_again accept rectify_again accept rectify_ordinary"
	if got := strings.Join(stageKeys(p), " "); got != want {
		t.Fatalf("stages\n got %s\nwant %s", got, want)
	}
	checkHistory(t, p)
}

// The whole life of a major problem fed back by an inspection: the plan's
// 30 days, an extension, a missed deadline, a missed acceptance.
func TestMajorProblemLife(t *testing.T) {
	c := clock.NewManual(cst(2024, 8, 1, 9))
	d := draft()
	d.Source, d.Description, d.Dimension, d.HouseholdID = SourceInspection, "村集中供水工程水质不达标", DimWater, 0
	p, err := New(d, above, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Fed back already verified: the department's 5 days run at once.
	if p.State != Decided || p.Current().Key != "plan" || !p.Current().LastDay().Equal(deadline.Date(2024, 8, 6)) {
		t.Fatalf("%s %+v", p.State, p.Current())
	}
	c.Set(cst(2024, 8, 2, 10))
	plan := RectificationPlan{Severity: Major, LeadUnit: "县水利局", Owner: "钱局长", Measures: "更换净化设备", Deadline: deadline.Date(2024, 9, 2)}
	_, err = p.Plan(plan, dept, c.Now())
	wantFieldErr(t, err, "deadline") // one day over the month
	plan.Deadline = deadline.Date(2024, 9, 1)
	must(t)(p.Plan(plan, dept, c.Now()))
	if cur := p.Current(); cur.Key != "rectify_major" || cur.Days != 30 {
		t.Fatalf("%+v", cur)
	}

	// Extension: every field of the collective decision is required.
	c.Set(cst(2024, 8, 25, 10))
	_, err = p.Extend(Extension{NewDeadline: deadline.Date(2024, 9, 1)}, dept, c.Now())
	wantFieldErr(t, err, "leader", "decided_on", "reason", "plan", "new_deadline")
	_, err = p.Extend(Extension{Leader: "周副县长", DecidedOn: deadline.Date(2024, 8, 26), Reason: "设备到货延迟", Plan: "9月10日安装", NewDeadline: deadline.Date(2024, 9, 15)}, dept, c.Now())
	wantFieldErr(t, err, "decided_on")
	ext := Extension{Leader: "周副县长", DecidedOn: deadline.Date(2024, 8, 24), Reason: "设备到货延迟", Plan: "9月10日到货，9月15日前安装调试", NewDeadline: deadline.Date(2024, 9, 15)}
	must(t)(p.Extend(ext, dept, c.Now()))
	if p.DeadlineText() != "2024年9月15日前" || len(p.Extensions) != 1 || !p.Extensions[0].PrevDeadline.Equal(deadline.Date(2024, 9, 1)) {
		t.Fatalf("%s %+v", p.DeadlineText(), p.Extensions)
	}
	if cur := p.Current(); !cur.Due.Equal(deadline.Date(2024, 9, 16)) || cur.Days != 0 {
		t.Fatalf("extended stage %+v", cur)
	}

	// The extended deadline passes: the check flags it once.
	c.Set(cst(2024, 9, 15, 23))
	if ev := p.CheckOverdue(c.Now()); len(ev) != 0 {
		t.Fatalf("flagged on the last day: %+v", ev)
	}
	c.Set(cst(2024, 9, 16, 0))
	ev := p.CheckOverdue(c.Now())
	if len(ev) != 1 || p.Status(c.Now()) != deadline.Overdue {
		t.Fatalf("overdue events %+v", ev)
	}
	f := p.Accountability[0]
	if f.Code != FlagStageMissed || f.Stage != "rectify_major" || f.Level != LevelDepartment || f.Owner != "钱局长" || !strings.Contains(f.Reason, "2024年9月15日前") || !strings.Contains(f.Reason, "004 §五(四)") {
		t.Fatalf("flag %+v", f)
	}
	marks := p.Marks(c.Now())
	if len(marks) != 2 || marks[0].Class != "done" || marks[1].State != deadline.Overdue || marks[1].DueText != "2024年9月15日前" || marks[1].Hint != "逾期1天" {
		t.Fatalf("marks %+v", marks)
	}
	if p.Severity.Label() != "重大复杂问题" {
		t.Fatal(p.Severity.Label())
	}
	if again := p.CheckOverdue(cst(2024, 9, 20, 0)); len(again) != 0 {
		t.Fatalf("flagged twice: %+v", again)
	}

	// Submitted late: done late, no second flag for the same stage.
	c.Set(cst(2024, 9, 18, 10))
	must(t)(p.Submit(Submission{Summary: "设备已更换，水质复检达标", Result: Done, Evidence: []Evidence{{Kind: EvidenceFile, Name: "水质检测报告.pdf", Key: "k1"}}}, dept, c.Now()))
	if st := p.Stages[len(p.Stages)-2].Status(c.Now()); st != deadline.DoneLate {
		t.Fatalf("rectify %s", st)
	}
	if len(p.Accountability) != 1 {
		t.Fatalf("%+v", p.Accountability)
	}

	// Nobody accepts within 7 days: acceptance missed.
	c.Set(cst(2024, 9, 25, 23))
	if ev := p.CheckOverdue(c.Now()); len(ev) != 0 || p.Status(c.Now()) != deadline.DueSoon {
		t.Fatalf("last day of acceptance: %v %s", ev, p.Status(c.Now()))
	}
	c.Set(cst(2024, 9, 26, 8))
	ev = p.CheckOverdue(c.Now())
	if len(ev) != 1 || len(p.Accountability) != 2 {
		t.Fatalf("%+v", p.Accountability)
	}
	f = p.Accountability[1]
	if f.Code != FlagAcceptanceMissed || f.Level != LevelAbove || f.Owner != "钱局长" || !strings.Contains(f.Reason, "002 §二(三)") {
		t.Fatalf("flag %+v", f)
	}
	must(t)(p.Accept(Review{Opinion: "复检达标，同意销号"}, above, c.Now()))
	if p.State != Closed || len(p.Accountability) != 2 {
		t.Fatal(p.State)
	}
	if st := p.Status(c.Now()); st != deadline.DoneLate {
		t.Fatalf("closed with late stages: %s", st)
	}
	checkHistory(t, p)
}

// A late action is flagged before it is recorded.
func TestLateActionFlaggedFirst(t *testing.T) {
	c := clock.NewManual(cst(2024, 7, 22, 9))
	p, _ := New(draft(), village, c.Now())
	c.Set(cst(2024, 7, 24, 0)) // verify was due by the end of 23 July
	must(t)(p.Verify(Verification{Findings: "已核实"}, village, c.Now()))
	n := len(p.History)
	if p.History[n-2].Kind != EventAccountability || p.History[n-1].Kind != EventVerified {
		t.Fatalf("%s %s", p.History[n-2].Kind, p.History[n-1].Kind)
	}
	if f := p.Accountability[0]; f.Stage != "verify" || f.Level != LevelVillage || f.Owner != "" {
		t.Fatalf("%+v", f)
	}
	if st := p.Stages[0].Status(c.Now()); st != deadline.DoneLate {
		t.Fatal(st)
	}
}

// The township explains to the household: the problem ends.
func TestDismissed(t *testing.T) {
	c := clock.NewManual(cst(2024, 7, 22, 9))
	p, _ := New(draft(), village, c.Now())
	must(t)(p.Verify(Verification{Findings: "房屋为新建砖混结构"}, village, c.Now()))
	_, err := p.Decide(Decision{}, town, c.Now())
	wantFieldErr(t, err, "explanation")
	must(t)(p.Decide(Decision{Explanation: "经鉴定房屋安全，已向户主解释政策"}, town, c.Now()))
	if p.State != NotApplicable || p.Explanation == "" || p.Current() != nil || !p.State.Terminal() {
		t.Fatalf("%+v", p)
	}
	if e := p.History[len(p.History)-1]; e.Kind != EventDismissed || e.Data["explanation"] == "" || !strings.Contains(e.Data["source_policy"], "004") {
		t.Fatalf("%+v", e)
	}
	// Nothing more is due and nothing is flagged later.
	if ev := p.CheckOverdue(cst(2025, 1, 1, 0)); len(ev) != 0 {
		t.Fatal(ev)
	}
}

// Every action refused in the wrong state, leaving the problem untouched.
func TestWrongState(t *testing.T) {
	now := cst(2024, 7, 22, 9)
	p, _ := New(draft(), village, now)
	before, _ := json.Marshal(p)
	later := cst(2024, 8, 30, 9) // the verify stage is overdue by then: a refused action must not flag it
	actions := []struct {
		name string
		do   func() (Event, error)
	}{
		{"decide", func() (Event, error) {
			return p.Decide(Decision{Forward: true, Opinion: "x", Department: "y"}, town, later)
		}},
		{"plan", func() (Event, error) {
			return p.Plan(RectificationPlan{Severity: Ordinary, LeadUnit: "a", Owner: "b", Measures: "c"}, dept, later)
		}},
		{"progress", func() (Event, error) { return p.AddProgress(ProgressEntry{Text: "x"}, dept, later) }},
		{"extend", func() (Event, error) {
			return p.Extend(Extension{Leader: "a", DecidedOn: now, Reason: "b", Plan: "c", NewDeadline: later}, dept, later)
		}},
		{"submit", func() (Event, error) {
			return p.Submit(Submission{Summary: "a", Result: Done, Evidence: []Evidence{photo("p")}}, dept, later)
		}},
		{"accept", func() (Event, error) { return p.Accept(Review{Opinion: "ok"}, above, later) }},
		{"reject", func() (Event, error) { return p.Reject(Review{Opinion: "no", NewLimit: later}, above, later) }},
		{"reopen", func() (Event, error) { return p.Reopen(Reopening{Reason: "x"}, village, later) }},
		{"result", func() (Event, error) { return p.SetResult(Done, dept, later) }},
	}
	for _, a := range actions {
		_, err := a.do()
		if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "待核实") {
			t.Errorf("%s: %v", a.name, err)
		}
	}
	after, _ := json.Marshal(p)
	if string(before) != string(after) {
		t.Fatalf("a refused action changed the problem")
	}
}

func TestNewValidation(t *testing.T) {
	now := cst(2024, 7, 22, 9)
	_, err := New(Draft{Region: "1411", Dimension: "天气", Source: "梦见", Severity: "huge", HouseholdID: -1}, village, now)
	wantFieldErr(t, err, "description", "dimension", "source", "region", "severity", "household_id")
	if !strings.Contains(apperr.MessageOf(err), "县级及以下") {
		t.Errorf("region message: %s", apperr.MessageOf(err))
	}
	_, err = New(Draft{Description: "x", Region: "14112A", Dimension: "water", Source: "visit"}, village, now)
	wantFieldErr(t, err, "region")
	_, err = New(Draft{Description: strings.Repeat("长", 2001), Region: "141121", Dimension: "water", Source: "visit"}, village, now)
	wantFieldErr(t, err, "description")
	if !strings.Contains(apperr.MessageOf(err), "不能超过2000个字") {
		t.Errorf("length message: %s", apperr.MessageOf(err))
	}
	p, err := New(Draft{Description: "x", Region: "141121102", Dimension: "饮水", Source: "部门预警"}, village, now)
	if err != nil || p.Region != "141121102000" || p.Dimension != DimWater || p.Source != SourceDepartmentAlert || p.HouseholdID != 0 {
		t.Fatalf("%+v %v", p, err)
	}
	// A department alert runs the same 135 clock: verify within 1 day.
	if p.State != Reported || p.Current().Key != "verify" {
		t.Fatalf("%s %+v", p.State, p.Current())
	}
}

// Every action names its level; every event kind has a label.
func TestLevels(t *testing.T) {
	for k := range eventLabels {
		if ActingLevel(k) == "" || ActingLevel(k).Label() == "" || k.Label() == "" {
			t.Errorf("%s has no level or label", k)
		}
	}
	for _, c := range []struct {
		k EventKind
		l Level
	}{{EventVerified, LevelVillage}, {EventForwarded, LevelTownship}, {EventPlanned, LevelDepartment}, {EventAccepted, LevelAbove}, {EventRejected, LevelAbove}, {EventExtended, LevelLeader}} {
		if ActingLevel(c.k) != c.l {
			t.Errorf("%s acted by %s", c.k, ActingLevel(c.k))
		}
	}
}

// checkHistory: sequence numbers, states, and a dossier printable from the
// history alone (JSON round trip of the events, then Describe).
func checkHistory(t *testing.T, p *Problem) {
	t.Helper()
	for i, e := range p.History {
		if e.Seq != i+1 || e.State == "" || e.At.IsZero() || e.Kind.Label() == "" {
			t.Fatalf("event %d: %+v", i, e)
		}
		if i > 0 && e.At.Before(p.History[i-1].At) {
			t.Fatalf("event %d before the one before it", i)
		}
	}
	if last := p.History[len(p.History)-1]; last.State != p.State {
		t.Fatalf("last event state %s, problem %s", last.State, p.State)
	}
	b, err := json.Marshal(p.History)
	if err != nil {
		t.Fatal(err)
	}
	var back []Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	lines := Dossier(back)
	all := strings.Join(lines, "\n")
	for _, want := range []string{p.Description, p.Measures, p.Owner, p.LeadUnit} {
		if !strings.Contains(all, want) {
			t.Errorf("dossier lacks %q:\n%s", want, all)
		}
	}
	for _, e := range p.Extensions {
		if !strings.Contains(all, e.Leader) || !strings.Contains(all, e.Plan) {
			t.Errorf("dossier lacks the extension")
		}
	}
	for _, s := range p.Submissions {
		for _, ev := range s.Evidence {
			if !strings.Contains(all, ev.Name) {
				t.Errorf("dossier lacks evidence %s", ev.Name)
			}
		}
	}
	for _, f := range p.Accountability {
		if !strings.Contains(all, f.Reason) {
			t.Errorf("dossier lacks flag %s", f.Reason)
		}
	}
	// The problem itself survives JSON.
	pb, _ := json.Marshal(p)
	var q Problem
	if err := json.Unmarshal(pb, &q); err != nil {
		t.Fatal(err)
	}
	qb, _ := json.Marshal(&q)
	if string(pb) != string(qb) {
		t.Fatalf("JSON round trip differs")
	}
}
