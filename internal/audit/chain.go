package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// canonicalTag starts every canonical encoding; a new encoding gets a new tag.
const canonicalTag = "sanbao/audit/v1"

// FormatTime is the canonical text of an entry's time: UTC, truncated to
// microseconds (the precision of PostgreSQL timestamptz), RFC 3339 with as
// many fractional digits as needed (time.RFC3339Nano), e.g.
// "2026-03-02T01:00:00.123456Z". Stores that keep times as text (SQLite)
// should store this.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// ParseTime parses what FormatTime produced.
func ParseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// Canonical returns the byte string an entry's Hash is computed over:
//
//	"sanbao/audit/v1", then for each field in this order its length as a
//	4-byte big-endian number followed by its bytes:
//	Seq (decimal), At (FormatTime), Actor, ActorID (decimal), Role, IP,
//	Action, Object, ObjectID, Region, Detail, Old, New (canonical JSON, ""
//	when empty or null), PrevHash.
//
// The length prefixes make it unambiguous: no two different entries encode
// alike, whatever bytes their fields hold. Hash itself is not included.
// Old and New are canonicalised (CanonicalJSON), so an entry read back from
// SQLite or PostgreSQL (json or jsonb) encodes as it did when sealed. An
// error means Old or New is not valid JSON.
func Canonical(e Entry) ([]byte, error) {
	oldJ, err := CanonicalJSON(e.Old)
	if err != nil {
		return nil, fmt.Errorf("audit: old: %w", err)
	}
	newJ, err := CanonicalJSON(e.New)
	if err != nil {
		return nil, fmt.Errorf("audit: new: %w", err)
	}
	return encodeFields(e, oldJ, newJ), nil
}

// encodeFields is Canonical with Old and New already canonical.
func encodeFields(e Entry, oldJ, newJ []byte) []byte {
	fields := [...][]byte{
		[]byte(strconv.FormatInt(e.Seq, 10)),
		[]byte(FormatTime(e.At)),
		[]byte(e.Actor),
		[]byte(strconv.FormatInt(e.ActorID, 10)),
		[]byte(e.Role),
		[]byte(e.IP),
		[]byte(e.Action),
		[]byte(e.Object),
		[]byte(e.ObjectID),
		[]byte(e.Region),
		[]byte(e.Detail),
		oldJ,
		newJ,
		[]byte(e.PrevHash),
	}
	n := len(canonicalTag)
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, canonicalTag...)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// CanonicalJSON returns the canonical form of a JSON value: no insignificant
// white space, object keys sorted, no HTML escaping, numbers as written.
// Empty input and the literal null give nil (an absent value).
func CanonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, errors.New("invalid JSON: data after the value")
	}
	if v == nil {
		return nil, nil
	}
	return encodeCanonical(v)
}

func encodeCanonical(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps are written with sorted keys
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Chain seals entries. The key may be nil (plain SHA-256); see the package
// documentation for why a key kept outside the database matters.
type Chain struct {
	key []byte
}

// NewChain returns a chain hashing with HMAC-SHA256 under key, or with plain
// SHA-256 if key is empty. Use at least 32 random bytes.
func NewChain(key []byte) *Chain { return &Chain{key: bytes.Clone(key)} }

// Keyed reports whether the chain uses a key.
func (c *Chain) Keyed() bool { return len(c.key) > 0 }

func newHash(key []byte) hash.Hash {
	if len(key) > 0 {
		return hmac.New(sha256.New, key)
	}
	return sha256.New()
}

func hashOf(key []byte, e Entry) (string, error) {
	b, err := Canonical(e)
	if err != nil {
		return "", err
	}
	return sum(key, b), nil
}

func sum(key, b []byte) string {
	h := newHash(key)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Hash computes the hash e should carry (whatever its Hash field says).
func (c *Chain) Hash(e Entry) (string, error) { return hashOf(c.key, e) }

// Seal makes e the entry after prev (the zero Head for the first entry): it
// sets Seq and PrevHash, brings At to UTC microseconds and Old/New to
// canonical JSON, checks the fields, and sets Hash. Store e as Seal left it.
// It fails, leaving e's Hash empty, when At is zero, the action code is
// malformed, Old or New is not JSON, or a text field holds invalid UTF-8 or a
// NUL byte (which PostgreSQL would refuse or alter).
func (c *Chain) Seal(prev Head, e *Entry) error {
	e.Hash = ""
	if prev.Seq < 0 || (prev.Seq == 0) != (prev.Hash == "") {
		return fmt.Errorf("audit: bad previous head %+v", prev)
	}
	if e.At.IsZero() {
		return errors.New("audit: entry without a time")
	}
	if !e.Action.ValidCode() {
		return fmt.Errorf("audit: malformed action %q", e.Action)
	}
	for _, f := range [...]struct{ name, s string }{{"actor", e.Actor}, {"role", e.Role}, {"ip", e.IP},
		{"object", e.Object}, {"object_id", e.ObjectID}, {"region", e.Region}, {"detail", e.Detail}} {
		if !utf8.ValidString(f.s) || strings.IndexByte(f.s, 0) >= 0 {
			return fmt.Errorf("audit: %s: invalid UTF-8 or NUL byte", f.name)
		}
	}
	var err error
	if e.Old, err = CanonicalJSON(e.Old); err != nil {
		return fmt.Errorf("audit: old: %w", err)
	}
	if e.New, err = CanonicalJSON(e.New); err != nil {
		return fmt.Errorf("audit: new: %w", err)
	}
	e.Seq = prev.Seq + 1
	e.PrevHash = prev.Hash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = sum(c.key, encodeFields(*e, e.Old, e.New))
	return nil
}

// Problem classifies a break in the chain.
type Problem string

const (
	Edited    Problem = "edited"    // the entry's content (or Seq) changed: its hash does not match
	Missing   Problem = "missing"   // entries are missing before this one: a gap in Seq
	Relinked  Problem = "relinked"  // the entry does not link to the one before: that one was deleted or replaced
	Reordered Problem = "reordered" // the entry is out of place (moved, swapped, duplicated)
	Rewritten Problem = "rewritten" // the entry differs from an anchor recorded outside the database
	Truncated Problem = "truncated" // the chain ends before an anchor: newest entries deleted
)

// ChainError names the first entry where the chain breaks. Message is
// Chinese, for the auditor.
type ChainError struct {
	Seq     int64
	Problem Problem
	Message string
}

func (e *ChainError) Error() string { return e.Message }

// reorderWindow is how far from its Seq a moved entry is looked for, to tell
// a swap from an edit. It costs hashes only once, on the failure path.
const reorderWindow = 16

// Verifier checks a chain fed entry by entry in Seq order, in constant
// memory. The first break is kept: Add returns it for that entry and every
// later one, and Finish returns it.
type Verifier struct {
	key     []byte
	last    Head
	count   int64
	anchors []Head // sorted by Seq
	err     *ChainError
}

// NewVerifier returns a verifier of a whole chain, from entry 1.
func NewVerifier(key []byte) *Verifier { return &Verifier{key: bytes.Clone(key)} }

// NewVerifierFrom returns a verifier of the part of a chain after a trusted
// head (e.g. the last archived entry, or the last entry before a key change).
func NewVerifierFrom(key []byte, from Head) *Verifier {
	return &Verifier{key: bytes.Clone(key), last: from}
}

// Anchor adds a head recorded outside the database. The chain must reach it
// and carry the same hash there; see the package documentation.
func (v *Verifier) Anchor(h Head) {
	i := len(v.anchors)
	for i > 0 && v.anchors[i-1].Seq > h.Seq {
		i--
	}
	v.anchors = append(v.anchors, Head{})
	copy(v.anchors[i+1:], v.anchors[i:])
	v.anchors[i] = h
}

func (v *Verifier) fail(seq int64, p Problem, format string, args ...any) error {
	v.err = &ChainError{Seq: seq, Problem: p, Message: fmt.Sprintf(format, args...)}
	return v.err
}

// Add checks the next entry.
func (v *Verifier) Add(e Entry) error {
	if v.err != nil {
		return v.err
	}
	want := v.last.Seq + 1
	switch {
	case e.Seq < want:
		return v.fail(e.Seq, Reordered, "审计记录顺序错乱：第%d条出现在第%d条之后（被移动或重复）", e.Seq, v.last.Seq)
	case e.Seq > want:
		if e.Seq == want+1 {
			return v.fail(want, Missing, "审计记录第%d条缺失（被删除）", want)
		}
		return v.fail(want, Missing, "审计记录第%d条至第%d条缺失（被删除）", want, e.Seq-1)
	}
	h, err := hashOf(v.key, e)
	if err != nil {
		return v.fail(e.Seq, Edited, "审计记录第%d条已被改动（新旧值不是有效的JSON）", e.Seq)
	}
	if !hmac.Equal([]byte(h), []byte(e.Hash)) {
		if from, ok := v.movedFrom(e); ok {
			return v.fail(e.Seq, Reordered, "审计记录第%d条原是第%d条：记录被调换位置，或其前的记录被删除后重新编号", e.Seq, from)
		}
		return v.fail(e.Seq, Edited, "审计记录第%d条已被改动（哈希校验不符）", e.Seq)
	}
	if e.PrevHash != v.last.Hash {
		if v.last.Seq == 0 {
			return v.fail(e.Seq, Relinked, "审计记录第%d条不是链的开头：之前的记录被删除", e.Seq)
		}
		return v.fail(e.Seq, Relinked, "审计记录第%d条与第%d条不衔接：其间的记录被删除或替换", e.Seq, v.last.Seq)
	}
	for _, a := range v.anchors {
		if a.Seq == e.Seq && a.Hash != e.Hash {
			return v.fail(e.Seq, Rewritten, "审计记录第%d条与另行保存的校验值不符：记录被整体重写", e.Seq)
		}
	}
	v.last = e.Head()
	v.count++
	return nil
}

// movedFrom looks for the Seq at which e's hash would be right: an entry
// moved from there. It tries the Seqs near e.Seq.
func (v *Verifier) movedFrom(e Entry) (int64, bool) {
	for d := int64(1); d <= reorderWindow; d++ {
		for _, s := range []int64{e.Seq - d, e.Seq + d} {
			if s < 1 {
				continue
			}
			m := e
			m.Seq = s
			if h, err := hashOf(v.key, m); err == nil && hmac.Equal([]byte(h), []byte(e.Hash)) {
				return s, true
			}
		}
	}
	return 0, false
}

// Count is the number of entries verified so far.
func (v *Verifier) Count() int64 { return v.count }

// Finish ends the verification: it returns the head of the verified chain
// (to be recorded as an anchor) and the first break, including a chain that
// ends before one of its anchors.
func (v *Verifier) Finish() (Head, error) {
	if v.err != nil {
		return v.last, v.err
	}
	for _, a := range v.anchors {
		if a.Seq > v.last.Seq {
			return v.last, v.fail(v.last.Seq+1, Truncated,
				"审计记录在第%d条之后被截断：另行保存的校验值表明至少应有%d条", v.last.Seq, a.Seq)
		}
	}
	return v.last, nil
}

// Verify checks a whole chain held in memory, with optional anchors.
func Verify(key []byte, entries []Entry, anchors ...Head) (Head, error) {
	v := NewVerifier(key)
	for _, a := range anchors {
		v.Anchor(a)
	}
	for _, e := range entries {
		if err := v.Add(e); err != nil {
			return v.last, err
		}
	}
	return v.Finish()
}
