// Package deadline is the one stage-clock mechanism of Sanbao: every time
// rule of the policy (the "135" and "710" rules, acceptance, the monitoring
// procedure's 10/30/15 days and the ≥ 5-day notice) becomes a Stage with a
// start and a due time, and a Stage tells its State at any moment. It does no
// I/O; the moment is always passed in (from a clock.Clock).
//
// # How days are counted
//
// The seeds state time limits as "N天内" ("1天内上门核查", "7天内要落实解决",
// "在1个月内落实解决", policy.Major30 keeps that month as 30 days). Sanbao
// counts them as calendar days in China time (clock.China), the way Chinese
// law counts periods (民法典第二百零一条: 按照日计算期间的，开始的当日不计入，
// 自下一日开始计算; 第二百零三条: 期间的最后一日的截止时间为二十四时):
//
//   - the day the stage starts is not counted;
//   - the last day is the Nth calendar day after the start day;
//   - the stage is due at 24:00 of that last day, i.e. at 00:00 China time of
//     the following day. That instant (Stage.Due) is the first late instant.
//
// A problem reported on 20 July at 15:00 must be verified "1天内": the last
// day is 21 July, Due is 22 July 00:00, and a visit at 21 July 23:59 is on
// time. An ordinary problem planned on 1 August ("7天内") must be solved by
// the end of 8 August ("8月8日前", the template's way of writing a deadline).
// A deadline given as a date ("8月15日前完成") is that date as last day.
//
// policy.Deadline.Due (start plus N days at the same clock time) is not this
// rule; every clock of Sanbao is a Stage made here (Start, Until, DueAfter).
//
// A stage is due soon (临期) when at most DueSoonWindow (24 hours) remains,
// which with Due at midnight means: on its last day. Days are never working
// days: no rule of the seeds counts working days (policy.Deadline).
package deadline

import (
	"fmt"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/policy"
)

// DueSoonWindow is how long before its due time an open stage is marked
// due soon. It is a display rule of Sanbao ("due within a day"), not a figure
// of the policy.
const DueSoonWindow = 24 * time.Hour

// State of a stage at a moment.
type State string

const (
	Pending  State = "pending"   // open, more than a day left
	DueSoon  State = "due_soon"  // open, due within DueSoonWindow
	Overdue  State = "overdue"   // open, past its due time
	Done     State = "done"      // finished before its due time
	DoneLate State = "done_late" // finished at or after its due time
)

var stateLabels = map[State]string{
	Pending:  "未到期",
	DueSoon:  "即将到期",
	Overdue:  "已逾期",
	Done:     "按时完成",
	DoneLate: "逾期完成",
}

// rank orders states by how much attention they need now; Worst picks the
// highest. A finished-late stage ranks below an open one: the set still has
// work in hand, and the lateness stays visible on the stage itself.
var rank = map[State]int{Done: 0, DoneLate: 1, Pending: 2, DueSoon: 3, Overdue: 4}

// States lists every state, from least to most urgent.
var States = []State{Done, DoneLate, Pending, DueSoon, Overdue}

// Label is the Chinese name of the state.
func (s State) Label() string { return stateLabels[s] }

// Class is a CSS-class-friendly code: "pending", "due-soon", "overdue",
// "done", "done-late".
func (s State) Class() string {
	switch s {
	case DueSoon:
		return "due-soon"
	case DoneLate:
		return "done-late"
	}
	return string(s)
}

// Open reports whether the state is one of an unfinished stage.
func (s State) Open() bool { return s == Pending || s == DueSoon || s == Overdue }

// Rank orders states by urgency (Done 0 … Overdue 4).
func (s State) Rank() int { return rank[s] }

// Worse returns the more urgent of a and b.
func Worse(a, b State) State {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Stage is one clocked step of a procedure: "村级上户核实", "一般问题整改",
// "上级验收", "制定帮扶计划"…
type Stage struct {
	Key    string    `json:"key"`            // policy.Deadline.Key, or a key of the caller's for a hand-set date
	Label  string    `json:"label"`          // Chinese name of the stage
	Days   int       `json:"days,omitempty"` // the rule's days; 0 when the last day was set by hand
	Start  time.Time `json:"start"`
	Due    time.Time `json:"due"`              // first late instant: 00:00 China time after the last day
	DoneAt time.Time `json:"done_at,omitzero"` // zero while open
}

// Start opens a stage for the rule d at the moment at: due at 24:00 of the
// d.Days-th calendar day after the start day.
func Start(d policy.Deadline, at time.Time) Stage {
	return Stage{Key: d.Key, Label: d.Label, Days: d.Days, Start: at, Due: DueAfter(at, d.Days)}
}

// Until opens a stage whose last day is given as a date ("8月15日前"): due at
// 24:00 of lastDay.
func Until(key, label string, at, lastDay time.Time) Stage {
	return Stage{Key: key, Label: label, Start: at, Due: EndOfDay(lastDay)}
}

// DueAfter is the due instant of a rule of days calendar days started at
// start: 00:00 China time of the day after the last day.
func DueAfter(start time.Time, days int) time.Time {
	t := start.In(clock.China)
	return time.Date(t.Year(), t.Month(), t.Day()+days+1, 0, 0, 0, 0, clock.China)
}

// LastDayAfter is the last day (midnight China time) of a rule of days
// calendar days started at start.
func LastDayAfter(start time.Time, days int) time.Time {
	t := start.In(clock.China)
	return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, clock.China)
}

// Day returns midnight China time of t's calendar day there.
func Day(t time.Time) time.Time {
	t = t.In(clock.China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, clock.China)
}

// Date returns midnight China time of a calendar date.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, clock.China)
}

// EndOfDay returns 24:00 of day's calendar day in China time (= 00:00 of the
// next day): the due instant of a deadline written as that date.
func EndOfDay(day time.Time) time.Time { return Day(day).AddDate(0, 0, 1) }

// DaysBetween counts calendar days (China time) from a's day to b's day:
// 0 on the same day, negative when b's day is earlier.
func DaysBetween(a, b time.Time) int {
	da, db := Day(a), Day(b)
	// Fixed zone: every day is 24 hours; round against sub-hour noise.
	return int(db.Sub(da).Round(time.Hour) / (24 * time.Hour))
}

// IsDone reports whether the stage is finished.
func (s Stage) IsDone() bool { return !s.DoneAt.IsZero() }

// Finish marks the stage done at at, unless it is already done.
func (s *Stage) Finish(at time.Time) {
	if s.DoneAt.IsZero() {
		s.DoneAt = at
	}
}

// LastDay returns the last day (midnight China time) on which the stage is
// still on time: the day written in the ledger as "*月*日前".
func (s Stage) LastDay() time.Time { return Day(s.Due.Add(-time.Nanosecond)) }

// Status returns the state of the stage at now. A finished stage is done or
// done late whatever now is; an open one is overdue from Due on, due soon
// when at most DueSoonWindow remains, pending before.
func (s Stage) Status(now time.Time) State {
	if !s.DoneAt.IsZero() {
		if s.DoneAt.Before(s.Due) {
			return Done
		}
		return DoneLate
	}
	if !now.Before(s.Due) {
		return Overdue
	}
	if s.Due.Sub(now) <= DueSoonWindow {
		return DueSoon
	}
	return Pending
}

// DaysLeft counts calendar days from now's day to the last day: 0 on the last
// day, 1 the day before, -3 three days after it. For a finished stage it
// counts from the day it was finished.
func (s Stage) DaysLeft(now time.Time) int {
	if !s.DoneAt.IsZero() {
		now = s.DoneAt
	}
	return DaysBetween(now, s.LastDay())
}

// Mark is a stage as a page shows it at a moment.
type Mark struct {
	Key        string    `json:"key"`
	Label      string    `json:"label"`
	Start      time.Time `json:"start"`
	Due        time.Time `json:"due"`
	LastDay    string    `json:"last_day"` // 2006-01-02
	DueText    string    `json:"due_text"` // 2024年8月15日前
	State      State     `json:"state"`
	StateLabel string    `json:"state_label"`
	Class      string    `json:"class"`
	DaysLeft   int       `json:"days_left"`
	Hint       string    `json:"hint"` // 剩3天 / 今日到期 / 逾期2天 / 按时完成 …
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// Mark describes the stage at now.
func (s Stage) Mark(now time.Time) Mark {
	st := s.Status(now)
	left := s.DaysLeft(now)
	m := Mark{
		Key: s.Key, Label: s.Label, Start: s.Start, Due: s.Due, DoneAt: s.DoneAt,
		LastDay: FormatDate(s.LastDay()), DueText: FormatDue(s.LastDay()),
		State: st, StateLabel: st.Label(), Class: st.Class(), DaysLeft: left,
	}
	switch {
	case st == Done:
		m.Hint = st.Label()
	case st == DoneLate:
		m.Hint = fmt.Sprintf("逾期%d天完成", max(-left, 1))
	case st == Overdue:
		m.Hint = fmt.Sprintf("逾期%d天", max(-left, 1))
	case left == 0:
		m.Hint = "今日到期"
	default:
		m.Hint = fmt.Sprintf("剩%d天", left)
	}
	return m
}

// Worst returns the most urgent state of the stages at now (Done for none).
// Open stages outrank finished ones, so a finished-late history does not
// hide a stage still running; see State.Rank.
func Worst(now time.Time, stages ...Stage) State {
	w := Done
	for i := range stages {
		w = Worse(w, stages[i].Status(now))
	}
	return w
}

// WorstOf returns the most urgent of states (Done for none).
func WorstOf(states ...State) State {
	w := Done
	for _, s := range states {
		w = Worse(w, s)
	}
	return w
}

// Count returns how many of the stages are in each state at now.
func Count(now time.Time, stages ...Stage) map[State]int {
	out := make(map[State]int, len(States))
	for i := range stages {
		out[stages[i].Status(now)]++
	}
	return out
}

// Current returns the index of the open stage that started last, or -1 when
// every stage is finished.
func Current(stages []Stage) int {
	for i := len(stages) - 1; i >= 0; i-- {
		if stages[i].DoneAt.IsZero() {
			return i
		}
	}
	return -1
}
