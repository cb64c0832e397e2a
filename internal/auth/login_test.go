package auth

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in China

// login simulates the web layer: Check, then verify (here: right or wrong),
// then apply the counters.
func login(p LoginPolicy, acc *Account, now time.Time, right bool) (lockedNow bool, err error) {
	if err := p.Check(*acc, now); err != nil {
		return false, err
	}
	if right {
		p.OnSuccess(*acc, now).Apply(acc)
		return false, nil
	}
	c, locked := p.OnFailure(*acc, now)
	c.Apply(acc)
	return locked, apperr.New(apperr.Unauthenticated, "用户名或密码错误")
}

func TestLockout(t *testing.T) {
	p := DefaultLoginPolicy
	if p.MaxFailures != 5 || p.LockFor != 15*time.Minute {
		t.Fatalf("default policy %+v", p)
	}
	clk := clock.NewManual(t0)
	acc := valid(RoleVillageCadre, village)
	steps := []struct {
		advance time.Duration
		right   bool
		want    apperr.Code // "" = logged in
		locks   bool
		failed  int
	}{
		{0, false, apperr.Unauthenticated, false, 1},
		{time.Second, false, apperr.Unauthenticated, false, 2},
		{time.Second, false, apperr.Unauthenticated, false, 3},
		{time.Second, false, apperr.Unauthenticated, false, 4},
		{time.Second, false, apperr.Unauthenticated, true, 5}, // 5th failure locks, until t0+4s+15m
		{time.Second, true, apperr.RateLimited, false, 5},     // locked: even the right password is refused
		{14 * time.Minute, false, apperr.RateLimited, false, 5},
		{58 * time.Second, false, apperr.RateLimited, false, 5}, // t0+15m3s: 1 s before the end
		{time.Second, false, apperr.Unauthenticated, true, 6},   // the end: one try, which relocks at once
		{15*time.Minute - time.Nanosecond, true, apperr.RateLimited, false, 6},
		{time.Nanosecond, true, "", false, 0}, // the right password after the lock resets everything
		{time.Second, false, apperr.Unauthenticated, false, 1},
		{time.Second, true, "", false, 0}, // success resets the count
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		locked, err := login(p, &acc, clk.Now(), s.right)
		if s.want == "" && err != nil || s.want != "" && !apperr.Is(err, s.want) {
			t.Fatalf("step %d at +%s: err = %v, want %s", i, clk.Now().Sub(t0), err, s.want)
		}
		if locked != s.locks || acc.FailedLogins != s.failed {
			t.Fatalf("step %d: locked=%v failed=%d, want %v %d", i, locked, acc.FailedLogins, s.locks, s.failed)
		}
		if s.want == "" && !acc.LastLoginAt.Equal(clk.Now()) {
			t.Fatalf("step %d: LastLoginAt not set", i)
		}
	}
}

func TestCheckMessages(t *testing.T) {
	p := DefaultLoginPolicy
	acc := valid(RoleVillageCadre, village)
	acc.LockedUntil = t0.Add(15 * time.Minute)
	err := p.Check(acc, t0)
	if !apperr.Is(err, apperr.RateLimited) || !strings.Contains(apperr.MessageOf(err), "09:15") {
		t.Errorf("locked: %v (want China time 09:15)", err)
	}
	acc.Disabled = true
	if err := p.Check(acc, t0.Add(time.Hour)); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("disabled: %v", err)
	}
	acc.Disabled = false
	acc.FailedLogins = 9
	c := Unlock(acc)
	c.Apply(&acc)
	if acc.FailedLogins != 0 || !acc.LockedUntil.IsZero() || p.Check(acc, t0) != nil {
		t.Errorf("unlock: %+v", acc)
	}
}

func TestRateLimiter(t *testing.T) {
	l := NewRateLimiter(6*time.Second, 3, 100)
	clk := clock.NewManual(t0)
	steps := []struct {
		advance time.Duration
		key     string
		ok      bool
		retry   time.Duration
	}{
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 6 * time.Second},
		{0, "b", true, 0}, // keys are independent
		{2 * time.Second, "a", false, 4 * time.Second},
		{4 * time.Second, "a", true, 0}, // one token refilled
		{0, "a", false, 6 * time.Second},
		{time.Hour, "a", true, 0}, // refill caps at the burst
		{0, "a", true, 0},
		{0, "a", true, 0},
		{0, "a", false, 6 * time.Second},
		{-time.Minute, "a", false, 6 * time.Second}, // a clock going back adds nothing
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		ok, retry := l.Allow(s.key, clk.Now())
		if ok != s.ok || retry != s.retry {
			t.Fatalf("step %d (%s): ok=%v retry=%s, want %v %s", i, s.key, ok, retry, s.ok, s.retry)
		}
	}
}

func TestRateLimiterBounded(t *testing.T) {
	l := NewRateLimiter(time.Minute, 1, 10)
	for i := range 1000 {
		l.Allow(fmt.Sprint("10.0.0.", i), t0)
	}
	if l.Len() != 10 {
		t.Fatalf("Len = %d, want 10", l.Len())
	}
	// the most recent keys are kept (exhausted), the oldest were dropped
	if ok, _ := l.Allow("10.0.0.999", t0); ok {
		t.Error("recent key lost its state")
	}
	if ok, _ := l.Allow("10.0.0.0", t0); !ok {
		t.Error("dropped key should start afresh")
	}
	// a key in use is not the one dropped
	l = NewRateLimiter(time.Minute, 1, 2)
	l.Allow("a", t0)
	l.Allow("b", t0)
	l.Allow("a", t0) // a is now the most recent
	l.Allow("c", t0) // drops b
	if ok, _ := l.Allow("a", t0); ok {
		t.Error("a was dropped instead of b")
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	l := NewRateLimiter(time.Hour, 50, 1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if ok, _ := l.Allow("shared", t0); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				l.Allow(fmt.Sprint(g, "-", i), t0)
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("allowed %d of the shared key, want exactly the burst 50", allowed)
	}
}
