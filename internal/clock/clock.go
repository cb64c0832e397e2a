// Package clock makes time injectable: production code asks a Clock for the
// time, tests move a Manual clock to check deadlines (1/3/5, 7/30, 10/30 days,
// notice ≥ 5 days) without waiting.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }

// Manual is a clock that moves only when told to. Safe for concurrent use.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a clock stopped at t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

// AddDays moves the clock forward by whole calendar days.
func (m *Manual) AddDays(n int) {
	m.mu.Lock()
	m.t = m.t.AddDate(0, 0, n)
	m.mu.Unlock()
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Today returns midnight of now in loc (Asia/Shanghai for the policy's days).
func Today(c Clock) time.Time {
	t := c.Now().In(China)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, China)
}

// China is UTC+8, the zone of every policy deadline. A fixed zone, so that
// the binary needs no time-zone database.
var China = time.FixedZone("CST", 8*3600)
