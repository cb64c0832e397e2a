package deadline

import (
	"testing"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/policy"
)

func at(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, clock.China)
}

// Each rule of the policy, started at 15:00 on 20 July 2024: the last day is
// the Nth calendar day after, due at 24:00 of it.
func TestStartDueOfEveryRule(t *testing.T) {
	start := at(2024, 7, 20, 15, 0, 0)
	cases := []struct {
		rule    policy.Deadline
		lastDay time.Time
	}{
		{policy.Verify1, Date(2024, 7, 21)},
		{policy.Decide3, Date(2024, 7, 23)},
		{policy.Plan5, Date(2024, 7, 25)},
		{policy.Ordinary7, Date(2024, 7, 27)},
		{policy.Major30, Date(2024, 8, 19)},
		{policy.AssistPlan10, Date(2024, 7, 30)},
		{policy.Identify15, Date(2024, 8, 4)},
	}
	for _, c := range cases {
		s := Start(c.rule, start)
		if s.Key != c.rule.Key || s.Label != c.rule.Label || s.Days != c.rule.Days {
			t.Errorf("%s: stage %+v", c.rule.Key, s)
		}
		if !s.LastDay().Equal(c.lastDay) {
			t.Errorf("%s: last day %v, want %v", c.rule.Key, s.LastDay(), c.lastDay)
		}
		if want := c.lastDay.AddDate(0, 0, 1); !s.Due.Equal(want) {
			t.Errorf("%s: due %v, want %v", c.rule.Key, s.Due, want)
		}
		if !LastDayAfter(start, c.rule.Days).Equal(c.lastDay) {
			t.Errorf("%s: LastDayAfter %v", c.rule.Key, LastDayAfter(start, c.rule.Days))
		}
	}
}

// The start instant is read in China time whatever zone it comes in.
func TestStartInOtherZone(t *testing.T) {
	// 2024-07-20 17:30 UTC is 2024-07-21 01:30 in China: the start day is the 21st.
	s := Start(policy.Verify1, time.Date(2024, 7, 20, 17, 30, 0, 0, time.UTC))
	if want := Date(2024, 7, 22); !s.LastDay().Equal(want) {
		t.Fatalf("last day %v, want %v", s.LastDay(), want)
	}
	// Across a month and a year end.
	s = Start(policy.Ordinary7, at(2024, 12, 28, 9, 0, 0))
	if want := Date(2025, 1, 4); !s.LastDay().Equal(want) {
		t.Fatalf("last day %v, want %v", s.LastDay(), want)
	}
	s = Start(policy.Major30, at(2024, 2, 1, 0, 0, 0))
	if want := Date(2024, 3, 2); !s.LastDay().Equal(want) { // 2024 is a leap year
		t.Fatalf("last day %v, want %v", s.LastDay(), want)
	}
}

// The clock moves across every boundary of a "1天内" stage.
func TestStatusBoundaries(t *testing.T) {
	c := clock.NewManual(at(2024, 7, 20, 15, 0, 0))
	s := Start(policy.Verify1, c.Now()) // last day 21 July, due 22 July 00:00
	steps := []struct {
		to   time.Time
		want State
		left int
	}{
		{at(2024, 7, 20, 15, 0, 0), Pending, 1},
		{at(2024, 7, 20, 23, 59, 59), Pending, 1},
		{at(2024, 7, 21, 0, 0, 0), DueSoon, 0}, // exactly 24h left
		{at(2024, 7, 21, 23, 59, 59), DueSoon, 0},
		{at(2024, 7, 22, 0, 0, 0), Overdue, -1}, // 24:00 of the last day
		{at(2024, 7, 25, 10, 0, 0), Overdue, -4},
	}
	for _, st := range steps {
		c.Set(st.to)
		if got := s.Status(c.Now()); got != st.want {
			t.Errorf("at %v: %s, want %s", st.to, got, st.want)
		}
		if got := s.DaysLeft(c.Now()); got != st.left {
			t.Errorf("at %v: %d days left, want %d", st.to, got, st.left)
		}
	}
	// One nanosecond before the start of the last day: still pending.
	if got := s.Status(at(2024, 7, 21, 0, 0, 0).Add(-time.Nanosecond)); got != Pending {
		t.Errorf("just before the last day: %s", got)
	}
	if got := s.Status(s.Due.Add(-time.Nanosecond)); got != DueSoon {
		t.Errorf("one ns before due: %s", got)
	}

	done := s
	done.Finish(s.Due.Add(-time.Nanosecond))
	if got := done.Status(at(2030, 1, 1, 0, 0, 0)); got != Done {
		t.Errorf("finished 1ns before due: %s", got)
	}
	late := s
	late.Finish(s.Due)
	if got := late.Status(at(2024, 7, 20, 16, 0, 0)); got != DoneLate {
		t.Errorf("finished at due: %s", got)
	}
	again := late
	again.Finish(at(2024, 7, 21, 0, 0, 0)) // a second Finish keeps the first time
	if !again.DoneAt.Equal(s.Due) {
		t.Errorf("Finish overwrote DoneAt: %v", again.DoneAt)
	}
}

func TestUntil(t *testing.T) {
	s := Until("rectify_again", "限期整改", at(2024, 8, 1, 10, 0, 0), at(2024, 8, 15, 18, 0, 0))
	if !s.Due.Equal(Date(2024, 8, 16)) || !s.LastDay().Equal(Date(2024, 8, 15)) || s.Days != 0 {
		t.Fatalf("%+v", s)
	}
	if got := s.Status(at(2024, 8, 15, 23, 0, 0)); got != DueSoon {
		t.Fatalf("on the last day: %s", got)
	}
}

func TestMark(t *testing.T) {
	s := Start(policy.Ordinary7, at(2024, 8, 1, 9, 0, 0)) // last day 8 August
	cases := []struct {
		now                  time.Time
		state                State
		class, hint, dueText string
	}{
		{at(2024, 8, 5, 9, 0, 0), Pending, "pending", "剩3天", "2024年8月8日前"},
		{at(2024, 8, 8, 9, 0, 0), DueSoon, "due-soon", "今日到期", "2024年8月8日前"},
		{at(2024, 8, 9, 0, 0, 0), Overdue, "overdue", "逾期1天", "2024年8月8日前"},
		{at(2024, 8, 11, 12, 0, 0), Overdue, "overdue", "逾期3天", "2024年8月8日前"},
	}
	for _, c := range cases {
		m := s.Mark(c.now)
		if m.State != c.state || m.Class != c.class || m.Hint != c.hint || m.DueText != c.dueText || m.LastDay != "2024-08-08" {
			t.Errorf("at %v: %+v", c.now, m)
		}
		if m.StateLabel != c.state.Label() || m.StateLabel == "" {
			t.Errorf("label %q", m.StateLabel)
		}
	}
	late := s
	late.Finish(at(2024, 8, 10, 8, 0, 0))
	if m := late.Mark(at(2024, 9, 1, 0, 0, 0)); m.State != DoneLate || m.Hint != "逾期2天完成" || m.Class != "done-late" {
		t.Errorf("late: %+v", m)
	}
	ok := s
	ok.Finish(at(2024, 8, 2, 8, 0, 0))
	if m := ok.Mark(at(2024, 9, 1, 0, 0, 0)); m.State != Done || m.Hint != "按时完成" {
		t.Errorf("done: %+v", m)
	}
}

func TestWorst(t *testing.T) {
	now := at(2024, 8, 10, 12, 0, 0)
	done := Start(policy.Verify1, at(2024, 8, 1, 9, 0, 0))
	done.Finish(at(2024, 8, 1, 10, 0, 0))
	late := Start(policy.Decide3, at(2024, 8, 1, 10, 0, 0))
	late.Finish(at(2024, 8, 6, 10, 0, 0))
	pending := Start(policy.Major30, at(2024, 8, 6, 10, 0, 0))
	soon := Start(policy.Verify1, at(2024, 8, 9, 9, 0, 0))
	over := Start(policy.Verify1, at(2024, 8, 1, 9, 0, 0))
	cases := []struct {
		stages []Stage
		want   State
	}{
		{nil, Done},
		{[]Stage{done}, Done},
		{[]Stage{done, late}, DoneLate},
		{[]Stage{done, late, pending}, Pending},
		{[]Stage{pending, soon, late}, DueSoon},
		{[]Stage{soon, over, pending}, Overdue},
	}
	for i, c := range cases {
		if got := Worst(now, c.stages...); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
	if WorstOf(Pending, Done, DueSoon) != DueSoon || WorstOf() != Done {
		t.Error("WorstOf")
	}
	n := Count(now, done, late, pending, soon, over)
	if n[Done] != 1 || n[DoneLate] != 1 || n[Pending] != 1 || n[DueSoon] != 1 || n[Overdue] != 1 {
		t.Errorf("count %v", n)
	}
	if Current([]Stage{done, pending, late}) != 1 || Current([]Stage{done, late}) != -1 {
		t.Error("Current")
	}
	for _, s := range States {
		if s.Label() == "" || s.Class() == "" {
			t.Errorf("state %s has no label or class", s)
		}
	}
}

func TestDaysBetween(t *testing.T) {
	if n := DaysBetween(at(2024, 7, 20, 23, 59, 0), at(2024, 7, 21, 0, 1, 0)); n != 1 {
		t.Errorf("across midnight: %d", n)
	}
	if n := DaysBetween(at(2024, 7, 21, 0, 1, 0), at(2024, 7, 20, 23, 59, 0)); n != -1 {
		t.Errorf("backwards: %d", n)
	}
	if n := DaysBetween(at(2024, 1, 1, 0, 0, 0), at(2025, 1, 1, 0, 0, 0)); n != 366 {
		t.Errorf("leap year: %d", n)
	}
}
