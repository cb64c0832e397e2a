package ledger

import (
	"fmt"
	"testing"
	"time"

	"sanbao/internal/deadline"
)

func TestWeekOf(t *testing.T) {
	for _, c := range []struct {
		at    time.Time
		start time.Time
	}{
		{cst(2024, 7, 22, 0), deadline.Date(2024, 7, 22)},  // Monday
		{cst(2024, 7, 28, 23), deadline.Date(2024, 7, 22)}, // Sunday
		{cst(2024, 7, 29, 0), deadline.Date(2024, 7, 29)},
		{time.Date(2024, 7, 28, 16, 30, 0, 0, time.UTC), deadline.Date(2024, 7, 29)}, // Monday 00:30 in China
	} {
		w := WeekOf(c.at)
		if !w.Start.Equal(c.start) || !w.End.Equal(c.start.AddDate(0, 0, 7)) {
			t.Errorf("%v: %+v", c.at, w)
		}
	}
	if l := WeekOf(cst(2024, 7, 24, 0)).Label(); l != "2024年7月22日—2024年7月28日" {
		t.Fatal(l)
	}
}

// mk builds a problem in a given state through the workflow.
func mk(t *testing.T, n int, dim, unit string, created time.Time, upto State) *Problem {
	t.Helper()
	d := draft()
	d.Number, d.Dimension, d.Source = fmt.Sprintf("N%03d", n), dim, SourceInspection
	p, err := New(d, above, created)
	if err != nil {
		t.Fatal(err)
	}
	p.ID = int64(n)
	if upto == Decided {
		return p
	}
	must(t)(p.Plan(RectificationPlan{Severity: Ordinary, LeadUnit: unit, Owner: "某", Measures: "措施"}, dept, created))
	if upto == Planned {
		return p
	}
	at := created.Add(2 * time.Hour)
	must(t)(p.Submit(Submission{Summary: "完成", Result: Done, Evidence: []Evidence{photo("x")}}, dept, at))
	if upto == Submitted {
		return p
	}
	must(t)(p.Accept(Review{Opinion: "合格"}, above, at.Add(time.Hour)))
	return p
}

func TestBulletin(t *testing.T) {
	w := WeekOf(cst(2024, 7, 24, 0)) // 22–28 July
	now := cst(2024, 7, 26, 12)
	ps := []*Problem{
		mk(t, 1, DimHousing, "县住建局", cst(2024, 7, 23, 9), Closed),    // new, closed
		mk(t, 2, DimHousing, "县住建局", cst(2024, 7, 10, 9), Planned),   // old, open, 7-day limit 17 July: overdue
		mk(t, 3, DimHousing, "县住建局", cst(2024, 7, 19, 9), Planned),   // old, open, last day 26 July: due soon
		mk(t, 4, DimWater, "县水利局", cst(2024, 7, 22, 9), Planned),     // new, open
		mk(t, 5, DimWater, "县水利局", cst(2024, 7, 12, 9), Submitted),   // old, open; accept by 19 July: overdue
		mk(t, 6, DimEducation, "", cst(2024, 7, 20, 9), Decided),     // old, open; plan by 25 July: overdue
		mk(t, 7, DimEducation, "县教科局", cst(2024, 7, 1, 9), Closed),   // closed before the week
		mk(t, 8, DimEducation, "县教科局", cst(2024, 7, 29, 9), Planned), // after the week: not counted
	}
	// Accountability raised in the week for problem 2 (overdue since 18 July).
	ps[1].CheckOverdue(cst(2024, 7, 23, 8))
	// And before the week for problem 5.
	ps[4].CheckOverdue(cst(2024, 7, 21, 8))

	b := WeeklyBulletin(w, now, ps)
	want := Counts{New: 2, Closed: 1, Open: 5, Overdue: 3, DueSoon: 1, Accountable: 1}
	if b.Total != want {
		t.Fatalf("total %+v, want %+v", b.Total, want)
	}
	dims := map[string]Counts{}
	var order []string
	for _, l := range b.ByDimension {
		dims[l.Key] = l.Counts
		order = append(order, l.Key)
		if l.Label == "" {
			t.Errorf("%s without label", l.Key)
		}
	}
	if fmt.Sprint(order) != "[education housing water]" {
		t.Fatalf("dimension order %v", order)
	}
	if dims[DimHousing] != (Counts{New: 1, Closed: 1, Open: 2, Overdue: 1, DueSoon: 1, Accountable: 1}) {
		t.Errorf("housing %+v", dims[DimHousing])
	}
	if dims[DimWater] != (Counts{New: 1, Open: 2, Overdue: 1}) {
		t.Errorf("water %+v", dims[DimWater])
	}
	if dims[DimEducation] != (Counts{Open: 1, Overdue: 1}) {
		t.Errorf("education %+v", dims[DimEducation])
	}
	var units []string
	for _, l := range b.ByLeadUnit {
		units = append(units, l.Label)
	}
	if fmt.Sprint(units) != "[县住建局 县水利局 （未确定牵头单位）]" {
		t.Fatalf("units %v", units)
	}
	var over []string
	for _, o := range b.Overdue {
		over = append(over, fmt.Sprintf("%s:%s:%d", o.Number, o.Stage, o.DaysOverdue))
	}
	// Most overdue first: N002 due 17 July, N005 acceptance 19 July, N006 plan 25 July.
	if fmt.Sprint(over) != "[N002:rectify_ordinary:9 N005:accept:7 N006:plan:1]" {
		t.Fatalf("overdue %v", over)
	}
	// The builder gives the same as the function.
	bb := NewBulletin(w, now)
	for _, p := range ps {
		bb.Add(p)
	}
	if got := bb.Result(); got.Total != b.Total || len(got.Overdue) != len(b.Overdue) {
		t.Fatal("builder differs")
	}
	// A reopened problem no longer counts as closed in the week.
	must(t)(ps[0].Reopen(Reopening{Reason: "反弹"}, village, cst(2024, 7, 25, 9)))
	if b := WeeklyBulletin(w, now, ps); b.Total.Closed != 0 || b.Total.Open != 6 {
		t.Fatalf("after reopen %+v", b.Total)
	}
}

// benchProblems makes n problems spread over dimensions, units and eight
// weeks, one in closedEvery closed, by hand (not through the workflow) to
// keep set-up quick. Of the open ones most are overdue at the bench's now.
func benchProblems(n, closedEvery int) []*Problem {
	base := cst(2024, 6, 3, 9)
	units := make([]string, 40)
	for i := range units {
		units[i] = fmt.Sprintf("县直单位%02d", i)
	}
	dims := Dimension.Values
	out := make([]*Problem, n)
	for i := range out {
		created := base.Add(time.Duration(i%(56*24)) * time.Hour)
		p := &Problem{
			ID: int64(i + 1), Number: fmt.Sprintf("141121-2024-%06d", i+1), Description: "问题",
			Dimension: dims[i%len(dims)].Code, LeadUnit: units[i%len(units)], Owner: "某",
			Severity: Ordinary, State: Planned, CreatedAt: created,
			Stages: []deadline.Stage{deadline.Until("rectify_ordinary", "一般问题整改", created, created.AddDate(0, 0, 7))},
		}
		if i%closedEvery != 0 {
			p.State, p.ClosedAt = Closed, created.AddDate(0, 0, 5)
			p.Stages[0].Finish(p.ClosedAt)
		} else if i%3 == 0 {
			p.Accountability = []Flag{{Code: FlagStageMissed, At: created.AddDate(0, 0, 8)}}
		}
		out[i] = p
	}
	return out
}

// BenchmarkBulletin200k: 200,000 problems; "open" has every problem open
// (about 6 in 7 of them overdue, the worst case for the sorted list),
// "closed_4of5" four in five closed.
func BenchmarkBulletin200k(b *testing.B) {
	for _, c := range []struct {
		name        string
		closedEvery int
	}{{"open", 1}, {"closed_4of5", 5}} {
		b.Run(c.name, func(b *testing.B) {
			ps := benchProblems(200_000, c.closedEvery)
			w := WeekOf(cst(2024, 7, 24, 0))
			now := cst(2024, 7, 26, 12)
			b.ReportAllocs()
			var r Bulletin
			for b.Loop() {
				r = WeeklyBulletin(w, now, ps)
			}
			if r.Total.Open == 0 || r.Total.Overdue == 0 || len(r.ByLeadUnit) != 40 {
				b.Fatalf("%+v", r.Total)
			}
			b.ReportMetric(float64(r.Total.Overdue), "overdue")
		})
	}
}
