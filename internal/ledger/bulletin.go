package ledger

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"sanbao/internal/deadline"
)

// Week is a half-open window [Start, End) of the weekly dispatch bulletin
// (每周调度、每周通报, 002 §二(二)).
type Week struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// WeekOf returns the week (Monday 00:00 to the next Monday 00:00, China
// time) that contains t.
func WeekOf(t time.Time) Week {
	d := deadline.Day(t)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	start := d.AddDate(0, 0, -back)
	return Week{Start: start, End: start.AddDate(0, 0, 7)}
}

// Contains reports whether t lies in the week.
func (w Week) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Label writes the week as 2024年7月22日—2024年7月28日.
func (w Week) Label() string {
	return deadline.FormatDateCN(w.Start) + "—" + deadline.FormatDateCN(w.End.AddDate(0, 0, -1))
}

// Counts are the figures of one line of the bulletin.
type Counts struct {
	New         int `json:"new"`         // reported (or imported) in the week
	Closed      int `json:"closed"`      // closed (销号) in the week and still closed
	Open        int `json:"open"`        // not closed and not dismissed, at now
	Overdue     int `json:"overdue"`     // open with its current stage overdue at now
	DueSoon     int `json:"due_soon"`    // open with its current stage due within a day at now
	Accountable int `json:"accountable"` // put on the accountability list in the week
}

func (c *Counts) add(o *Counts) {
	c.New += o.New
	c.Closed += o.Closed
	c.Open += o.Open
	c.Overdue += o.Overdue
	c.DueSoon += o.DueSoon
	c.Accountable += o.Accountable
}

// BulletinLine is the counts of one dimension or one lead unit.
type BulletinLine struct {
	Key    string `json:"key"`   // dimension code or lead unit name ("" = 未确定)
	Label  string `json:"label"` // Chinese
	Counts `json:"counts"`
}

// OverdueItem is one overdue problem of the bulletin.
type OverdueItem struct {
	ID          int64     `json:"id"`
	Number      string    `json:"number"`
	Description string    `json:"description"`
	Dimension   string    `json:"dimension"`
	Region      string    `json:"region"`
	Severity    Severity  `json:"severity,omitempty"`
	State       State     `json:"state"`
	LeadUnit    string    `json:"lead_unit"`
	Owner       string    `json:"owner"`
	Stage       string    `json:"stage"`
	StageLabel  string    `json:"stage_label"`
	Due         time.Time `json:"due"`
	LastDay     time.Time `json:"last_day"` // midnight China time; deadline.FormatDate writes it
	DaysOverdue int       `json:"days_overdue"`
}

// Bulletin is the weekly dispatch bulletin.
type Bulletin struct {
	Week        Week           `json:"week"`
	Now         time.Time      `json:"now"`
	Total       Counts         `json:"total"`
	ByDimension []BulletinLine `json:"by_dimension"` // in the order of Dimension
	ByLeadUnit  []BulletinLine `json:"by_lead_unit"` // most open first, then by name
	Overdue     []OverdueItem  `json:"overdue"`      // most overdue first, then by number
}

// BulletinBuilder adds problems one at a time (so a store can stream them)
// and yields the bulletin.
type BulletinBuilder struct {
	week    Week
	now     time.Time
	total   Counts
	dims    map[string]*Counts
	units   map[string]*Counts
	overdue []overdueRef
}

// overdueRef keeps an overdue problem small until Result (one pointer, so
// a long list costs the collector little).
type overdueRef struct {
	due    int64  // Unix seconds of the stage's due time
	number string // p.Number, kept here so sorting does not chase p
	p      *Problem
	stage  int
}

// NewBulletin starts a bulletin for week w. Open, overdue and due-soon are
// as at now: for the current week the clock's time, for a past week its End
// (the state a problem is in is its present one; a problem reopened since
// is no longer counted as closed).
func NewBulletin(w Week, now time.Time) *BulletinBuilder {
	return &BulletinBuilder{week: w, now: now, dims: map[string]*Counts{}, units: map[string]*Counts{}}
}

// Add counts one problem.
func (b *BulletinBuilder) Add(p *Problem) {
	var c Counts
	if b.week.Contains(p.CreatedAt) {
		c.New = 1
	}
	if p.State == Closed && b.week.Contains(p.ClosedAt) {
		c.Closed = 1
	}
	for i := range p.Accountability {
		if b.week.Contains(p.Accountability[i].At) {
			c.Accountable = 1
			break
		}
	}
	if !p.State.Terminal() && p.CreatedAt.Before(b.week.End) {
		c.Open = 1
		if i := deadline.Current(p.Stages); i >= 0 {
			s := &p.Stages[i]
			switch s.Status(b.now) {
			case deadline.Overdue:
				c.Overdue = 1
				b.overdue = append(b.overdue, overdueRef{due: s.Due.Unix(), number: p.Number, p: p, stage: i})
			case deadline.DueSoon:
				c.DueSoon = 1
			}
		}
	}
	if c == (Counts{}) {
		return
	}
	b.total.add(&c)
	b.bucket(b.dims, p.Dimension).add(&c)
	b.bucket(b.units, p.LeadUnit).add(&c)
}

func (b *BulletinBuilder) bucket(m map[string]*Counts, key string) *Counts {
	c := m[key]
	if c == nil {
		c = &Counts{}
		m[key] = c
	}
	return c
}

// Result returns the bulletin.
func (b *BulletinBuilder) Result() Bulletin {
	out := Bulletin{Week: b.week, Now: b.now, Total: b.total}
	seen := map[string]bool{}
	for _, v := range Dimension.Values {
		if c := b.dims[v.Code]; c != nil {
			out.ByDimension = append(out.ByDimension, BulletinLine{Key: v.Code, Label: v.Label, Counts: *c})
		}
		seen[v.Code] = true
	}
	for k, c := range b.dims { // codes outside the enum, if any
		if !seen[k] {
			out.ByDimension = append(out.ByDimension, BulletinLine{Key: k, Label: labelOr(Dimension.LabelOf(k), k), Counts: *c})
		}
	}
	for k, c := range b.units {
		label := k
		if k == "" {
			label = "（未确定牵头单位）"
		}
		out.ByLeadUnit = append(out.ByLeadUnit, BulletinLine{Key: k, Label: label, Counts: *c})
	}
	sort.Slice(out.ByLeadUnit, func(i, j int) bool {
		a, b := out.ByLeadUnit[i], out.ByLeadUnit[j]
		if a.Open != b.Open {
			return a.Open > b.Open
		}
		return a.Key < b.Key
	})
	slices.SortFunc(b.overdue, func(x, y overdueRef) int {
		if c := cmp.Compare(x.due, y.due); c != 0 {
			return c
		}
		if c := strings.Compare(x.number, y.number); c != 0 {
			return c
		}
		return cmp.Compare(x.p.ID, y.p.ID)
	})
	out.Overdue = make([]OverdueItem, len(b.overdue))
	for i, r := range b.overdue {
		p, s := r.p, &r.p.Stages[r.stage]
		out.Overdue[i] = OverdueItem{
			ID: p.ID, Number: p.Number, Description: p.Description, Dimension: p.Dimension,
			Region: p.Region, Severity: p.Severity, State: p.State, LeadUnit: p.LeadUnit, Owner: p.Owner,
			Stage: s.Key, StageLabel: s.Label, Due: s.Due, LastDay: s.LastDay(),
			DaysOverdue: -s.DaysLeft(b.now),
		}
	}
	return out
}

// WeeklyBulletin aggregates problems into the bulletin of week w, as at now.
func WeeklyBulletin(w Week, now time.Time, problems []*Problem) Bulletin {
	b := NewBulletin(w, now)
	for _, p := range problems {
		b.Add(p)
	}
	return b.Result()
}
