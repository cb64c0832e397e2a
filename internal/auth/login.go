package auth

import (
	"container/list"
	"sync"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
)

// LoginPolicy locks an account out after too many consecutive failed logins.
//
// After MaxFailures consecutive failures the account is locked for LockFor.
// The counter is not reset by the lock: once past the limit, every further
// failure locks again, so a guesser gets MaxFailures tries and then one try
// per LockFor (about 100 a day with the defaults), while the owner who then
// remembers the password gets in at the first try after the lock. A success,
// or an administrator's unlock, resets the counter.
type LoginPolicy struct {
	MaxFailures int
	LockFor     time.Duration
}

// DefaultLoginPolicy: 5 failures, 15 minutes.
var DefaultLoginPolicy = LoginPolicy{MaxFailures: 5, LockFor: 15 * time.Minute}

// Counters are the login fields of an Account that a login attempt changes.
// The store persists them; Apply copies them onto an Account.
type Counters struct {
	FailedLogins int
	LockedUntil  time.Time
	LastLoginAt  time.Time
}

// Apply copies the counters onto acc.
func (c Counters) Apply(acc *Account) {
	acc.FailedLogins, acc.LockedUntil, acc.LastLoginAt = c.FailedLogins, c.LockedUntil, c.LastLoginAt
}

// Check tells whether acc may try to log in at now. Call it before verifying
// the password: a locked account does not get its password checked at all,
// so that a right guess during the lock teaches nothing. It returns
// RateLimited while locked (the message gives the time in China time) and
// Forbidden for a disabled account.
func (p LoginPolicy) Check(acc Account, now time.Time) error {
	if acc.Disabled {
		return apperr.New(apperr.Forbidden, "账号已停用，请联系管理员")
	}
	if acc.Locked(now) {
		return apperr.New(apperr.RateLimited, "登录失败次数过多，账号已锁定，请于%s后再试或联系管理员解锁",
			acc.LockedUntil.In(clock.China).Format("15:04"))
	}
	return nil
}

// OnFailure returns the counters after a failed login at now, and whether
// this failure locked the account (audit it as a lockout).
func (p LoginPolicy) OnFailure(acc Account, now time.Time) (c Counters, lockedNow bool) {
	c = Counters{FailedLogins: acc.FailedLogins + 1, LockedUntil: acc.LockedUntil, LastLoginAt: acc.LastLoginAt}
	if p.MaxFailures > 0 && c.FailedLogins >= p.MaxFailures {
		c.LockedUntil = now.Add(p.LockFor)
		lockedNow = true
	}
	return c, lockedNow
}

// OnSuccess returns the counters after a successful login at now.
func (p LoginPolicy) OnSuccess(acc Account, now time.Time) Counters {
	return Counters{LastLoginAt: now}
}

// Unlock returns the counters after an administrator unlocks acc.
func Unlock(acc Account) Counters { return Counters{LastLoginAt: acc.LastLoginAt} }

// RateLimiter is a token-bucket limiter per key (a client IP), safe for
// concurrent use. Each key may make burst requests at once and then one per
// every (see NewRateLimiter). Memory is bounded: at most maxKeys buckets are
// kept, and when a new key arrives at the limit the least recently used
// bucket is dropped (a dropped key starts again with a full bucket, which an
// attacker holding maxKeys addresses could have anyway). Time is passed in.
type RateLimiter struct {
	every   time.Duration
	slack   time.Duration // (burst-1)*every
	maxKeys int

	mu  sync.Mutex
	m   map[string]*list.Element
	lru *list.List // front = most recent
}

// bucket holds the state of one key as in GCRA, the integer form of a token
// bucket: tat is the time at which the bucket would be full again, at the
// last time the key was seen (a clock going backwards is ignored).
type bucket struct {
	key string
	tat time.Time
	at  time.Time
}

// NewRateLimiter returns a limiter allowing burst requests at once and one
// more per every, for at most maxKeys keys. For the login form, e.g.
// NewRateLimiter(6*time.Second, 10, 10000): 10 attempts at once, then 10 a
// minute per IP; a bucket costs about 200 bytes, so 10,000 keys about 2 MB.
func NewRateLimiter(every time.Duration, burst, maxKeys int) *RateLimiter {
	if every <= 0 {
		every = time.Second
	}
	if burst < 1 {
		burst = 1
	}
	if maxKeys < 1 {
		maxKeys = 1
	}
	return &RateLimiter{every: every, slack: time.Duration(burst-1) * every, maxKeys: maxKeys,
		m: make(map[string]*list.Element), lru: list.New()}
}

// Allow takes one token for key at now. When none is left it returns false
// and how long until the next token (for a Retry-After header).
func (l *RateLimiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, found := l.m[key]; found {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
	} else {
		for l.lru.Len() >= l.maxKeys {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.m, old.Value.(*bucket).key)
		}
		b = &bucket{key: key, tat: now, at: now}
		l.m[key] = l.lru.PushFront(b)
	}
	if now.Before(b.at) {
		now = b.at
	}
	b.at = now
	tat := b.tat
	if tat.Before(now) {
		tat = now
	}
	if over := tat.Sub(now) - l.slack; over > 0 {
		return false, over
	}
	b.tat = tat.Add(l.every)
	return true, 0
}

// Len is the number of keys tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
