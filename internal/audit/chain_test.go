package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanbao/internal/clock"
)

var (
	key = []byte("0123456789abcdef0123456789abcdef")
	t0  = time.Date(2026, 3, 2, 9, 0, 0, 123456789, clock.China)
)

// build seals n varied entries.
func build(t testing.TB, c *Chain, n int) []Entry {
	t.Helper()
	out := make([]Entry, 0, n)
	var prev Head
	for i := range n {
		e := Entry{
			At:       t0.Add(time.Duration(i) * 1500 * time.Millisecond),
			Actor:    fmt.Sprintf("user%d", i%7),
			ActorID:  int64(i%7 + 1),
			Role:     "village_cadre",
			IP:       "10.1.2.3",
			Action:   []Action{ActUpdate, ActCreate, ActViewFullID, ActExport}[i%4],
			Object:   "household",
			ObjectID: fmt.Sprint(1000 + i),
			Region:   "141121100201",
			Detail:   fmt.Sprintf("第%d次修改", i),
			Old:      json.RawMessage(fmt.Sprintf(`{"phone": "1381234%04d", "dibao": false}`, i)),
			New:      json.RawMessage(fmt.Sprintf(`{"dibao": true, "phone": "1391234%04d"}`, i)),
		}
		if i%5 == 4 {
			e.Old, e.New = nil, nil
		}
		if err := c.Seal(prev, &e); err != nil {
			t.Fatal(err)
		}
		prev = e.Head()
		out = append(out, e)
	}
	return out
}

func TestSeal(t *testing.T) {
	c := NewChain(key)
	e := Entry{At: t0, Actor: "li", Action: ActUpdate, Old: json.RawMessage(`{ "b": 1e2, "a": "<x>&", "c": [3, {"z":1,"y":2}] }`), New: json.RawMessage(`null`)}
	if err := c.Seal(Head{}, &e); err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || e.PrevHash != "" || len(e.Hash) != 64 {
		t.Fatalf("first entry: seq %d prev %q hash %q", e.Seq, e.PrevHash, e.Hash)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 || !e.At.Equal(t0.Truncate(time.Microsecond)) {
		t.Errorf("At = %v, want UTC microseconds", e.At)
	}
	if string(e.Old) != `{"a":"<x>&","b":1e2,"c":[3,{"y":2,"z":1}]}` || e.New != nil {
		t.Errorf("Old = %s, New = %s", e.Old, e.New)
	}
	if FormatTime(e.At) != "2026-03-02T01:00:00.123456Z" {
		t.Errorf("FormatTime = %s", FormatTime(e.At))
	}
	if h, _ := c.Hash(e); h != e.Hash {
		t.Error("Hash differs from the sealed one")
	}
	e2 := Entry{At: t0, Action: ActLogin}
	if err := c.Seal(e.Head(), &e2); err != nil || e2.Seq != 2 || e2.PrevHash != e.Hash {
		t.Fatalf("second entry: %v %+v", err, e2)
	}
	// the hash depends on the key
	plain := NewChain(nil)
	e3 := Entry{At: t0, Action: ActLogin}
	_ = plain.Seal(Head{}, &e3)
	e4 := Entry{At: t0, Action: ActLogin}
	_ = c.Seal(Head{}, &e4)
	if e3.Hash == e4.Hash || plain.Keyed() || !c.Keyed() {
		t.Error("keyed and plain hashes agree")
	}
	if _, err := Verify(nil, []Entry{e4}); err == nil {
		t.Error("a keyed chain verified without its key")
	}
	if _, err := Verify([]byte("another key"), []Entry{e4}); err == nil {
		t.Error("a keyed chain verified with another key")
	}
}

func TestSealErrors(t *testing.T) {
	c := NewChain(key)
	tests := []struct {
		name string
		prev Head
		e    Entry
		want string
	}{
		{"no time", Head{}, Entry{Action: ActLogin}, "time"},
		{"no action", Head{}, Entry{At: t0}, "action"},
		{"bad action", Head{}, Entry{At: t0, Action: "Login"}, "action"},
		{"bad old", Head{}, Entry{At: t0, Action: ActLogin, Old: json.RawMessage(`{"a":`)}, "old"},
		{"two values", Head{}, Entry{At: t0, Action: ActLogin, New: json.RawMessage(`{} {}`)}, "new"},
		{"garbage after null", Head{}, Entry{At: t0, Action: ActLogin, Old: json.RawMessage(`null x`)}, "old"},
		{"NUL", Head{}, Entry{At: t0, Action: ActLogin, Detail: "a\x00b"}, "detail"},
		{"bad UTF-8", Head{}, Entry{At: t0, Action: ActLogin, Actor: "\xff"}, "actor"},
		{"head without hash", Head{Seq: 3}, Entry{At: t0, Action: ActLogin}, "head"},
		{"hash without seq", Head{Hash: "ab"}, Entry{At: t0, Action: ActLogin}, "head"},
	}
	for _, tc := range tests {
		err := c.Seal(tc.prev, &tc.e)
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.e.Hash != "" {
			t.Errorf("%s: err = %v, hash %q", tc.name, err, tc.e.Hash)
		}
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	base := Entry{Seq: 1, At: t0, Actor: "ab", Role: "c", IP: "1", Action: "x", Object: "o", ObjectID: "1", Detail: "d"}
	variants := []func(*Entry){
		func(e *Entry) { e.Actor, e.Role = "a", "bc" },     // a byte moved across a boundary
		func(e *Entry) { e.Actor, e.Role = "abc", "" },     // into the next field
		func(e *Entry) { e.IP, e.Action = "1x", "" },       // idem
		func(e *Entry) { e.Object, e.ObjectID = "", "o1" }, // idem
		func(e *Entry) { e.Detail = "d\x00" },
		func(e *Entry) { e.Seq, e.ActorID = 11, 0 },
		func(e *Entry) { e.Old = json.RawMessage(`"d"`); e.Detail = "" },
	}
	b0, _ := Canonical(base)
	seen := map[string]int{string(b0): -1}
	for i, f := range variants {
		e := base
		f(&e)
		b, err := Canonical(e)
		if err != nil {
			t.Fatal(err)
		}
		if j, dup := seen[string(b)]; dup {
			t.Errorf("variant %d encodes like %d", i, j)
		}
		seen[string(b)] = i
	}
}

// Every field is covered by the hash: changing any one is caught at that entry.
func TestVerifyEdited(t *testing.T) {
	edits := []struct {
		name string
		f    func(*Entry)
	}{
		{"at +1µs", func(e *Entry) { e.At = e.At.Add(time.Microsecond) }},
		{"actor", func(e *Entry) { e.Actor = "someone" }},
		{"actor id", func(e *Entry) { e.ActorID++ }},
		{"role", func(e *Entry) { e.Role = "admin" }},
		{"ip", func(e *Entry) { e.IP = "10.1.2.4" }},
		{"action", func(e *Entry) { e.Action = ActCreate + "x" }},
		{"object", func(e *Entry) { e.Object = "member" }},
		{"object id", func(e *Entry) { e.ObjectID += "0" }},
		{"region", func(e *Entry) { e.Region = "141121100202" }},
		{"detail", func(e *Entry) { e.Detail += "。" }},
		{"old value", func(e *Entry) { e.Old = json.RawMessage(`{"dibao":true,"phone":"13812340005"}`) }},
		{"old removed or added", func(e *Entry) {
			if e.Old == nil {
				e.Old = json.RawMessage(`{}`)
			} else {
				e.Old = nil
			}
		}},
		{"new value", func(e *Entry) { e.New = json.RawMessage(`{"dibao":false,"phone":"13912340005"}`) }},
		{"new invalid", func(e *Entry) { e.New = json.RawMessage(`{"dibao":`) }},
		{"prev hash", func(e *Entry) { e.PrevHash = strings.Repeat("0", 64) }},
		{"hash", func(e *Entry) { e.Hash = strings.Repeat("0", 64) }},
	}
	for _, keyed := range []bool{true, false} {
		k := key
		if !keyed {
			k = nil
		}
		chain := build(t, NewChain(k), 10)
		if _, err := Verify(k, chain); err != nil {
			t.Fatalf("intact chain: %v", err)
		}
		for _, at := range []int{0, 5, 9} {
			for _, ed := range edits {
				es := append([]Entry(nil), chain...)
				ed.f(&es[at])
				_, err := Verify(k, es)
				ce, ok := err.(*ChainError)
				if !ok || ce.Seq != int64(at+1) || ce.Problem != Edited {
					t.Errorf("keyed=%v entry %d, %s: err = %v", keyed, at+1, ed.name, err)
				}
			}
		}
	}
}

// What a database round trip may change must not break the chain.
func TestVerifyRoundTrip(t *testing.T) {
	chain := build(t, NewChain(key), 10)
	data, err := json.Marshal(chain)
	if err != nil {
		t.Fatal(err)
	}
	var back []Entry
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if head, err := Verify(key, back); err != nil || head != chain[9].Head() {
		t.Fatalf("after JSON: %v, head %+v", err, head)
	}
	// as PostgreSQL (timestamptz in the session's zone, jsonb) or SQLite (text) might return it
	for i := range back {
		back[i].At = back[i].At.In(clock.China)
		if back[i].Old != nil {
			var m map[string]any
			_ = json.Unmarshal(back[i].Old, &m)
			back[i].Old, _ = json.MarshalIndent(m, "", "  ")
			back[i].New = json.RawMessage(" " + string(back[i].New) + "\n")
		} else {
			back[i].New = json.RawMessage("null")
		}
		at, err := ParseTime(FormatTime(back[i].At))
		if err != nil || !at.Equal(back[i].At) {
			t.Fatalf("ParseTime(FormatTime(%v)) = %v, %v", back[i].At, at, err)
		}
	}
	if _, err := Verify(key, back); err != nil {
		t.Fatalf("after re-encoding: %v", err)
	}
}

func problem(t *testing.T, err error) (int64, Problem) {
	t.Helper()
	ce, ok := err.(*ChainError)
	if !ok {
		t.Fatalf("err = %v, want *ChainError", err)
	}
	if ce.Message == "" || !strings.Contains(ce.Message, "审计记录") {
		t.Errorf("message %q", ce.Message)
	}
	return ce.Seq, ce.Problem
}

func without(es []Entry, i int) []Entry {
	return append(append([]Entry(nil), es[:i]...), es[i+1:]...)
}

func TestVerifyDeleted(t *testing.T) {
	chain := build(t, NewChain(key), 10)
	tests := []struct {
		name    string
		entries []Entry
		seq     int64
		problem Problem
	}{
		{"middle", without(chain, 4), 5, Missing},
		{"two", without(without(chain, 4), 4), 5, Missing},
		{"first", chain[1:], 1, Missing},
		{"middle, renumbered", func() []Entry {
			es := without(chain, 4)
			for i := 4; i < len(es); i++ {
				es[i].Seq--
			}
			return es
		}(), 5, Reordered},
		{"first, renumbered", func() []Entry {
			es := append([]Entry(nil), chain[1:]...)
			for i := range es {
				es[i].Seq--
			}
			return es
		}(), 1, Reordered},
		{"middle, renumbered, relinked", func() []Entry {
			es := without(chain, 4)
			for i := 4; i < len(es); i++ {
				es[i].Seq--
				es[i].PrevHash = es[i-1].Hash
			}
			return es
		}(), 5, Edited},
		{"duplicate", append(append([]Entry(nil), chain[:5]...), chain[4:]...), 5, Reordered},
	}
	for _, tc := range tests {
		_, err := Verify(key, tc.entries)
		if seq, p := problem(t, err); seq != tc.seq || p != tc.problem {
			t.Errorf("%s: entry %d %s, want %d %s (%v)", tc.name, seq, p, tc.seq, tc.problem, err)
		}
	}
}

// Without a key, whoever can write the table can delete and re-seal the tail:
// only an anchor recorded elsewhere catches it.
func TestVerifyResealedWithoutKey(t *testing.T) {
	plain := NewChain(nil)
	chain := build(t, plain, 10)
	anchor := chain[9].Head()
	forged := append([]Entry(nil), chain[:4]...)
	prev := forged[3].Head()
	for _, e := range chain[5:] {
		e.Hash = ""
		if err := plain.Seal(prev, &e); err != nil {
			t.Fatal(err)
		}
		forged = append(forged, e)
		prev = e.Head()
	}
	if _, err := Verify(nil, forged); err != nil {
		t.Fatalf("a resealed chain without anchor should verify (the limit of an unkeyed chain): %v", err)
	}
	_, err := Verify(nil, forged, anchor)
	if seq, p := problem(t, err); seq != 10 || p != Truncated {
		t.Errorf("with anchor: %d %s", seq, p)
	}
	// padding the forged chain to the anchor's length does not help
	e := chain[9]
	_ = plain.Seal(prev, &e)
	_, err = Verify(nil, append(forged, e), anchor)
	if seq, p := problem(t, err); seq != 10 || p != Rewritten {
		t.Errorf("padded, with anchor: %d %s", seq, p)
	}
	// nor can the same be done to a keyed chain without the key
	keyed := build(t, NewChain(key), 10)
	forged = append([]Entry(nil), keyed[:4]...)
	prev = forged[3].Head()
	for _, e := range keyed[5:] {
		_ = plain.Seal(prev, &e)
		forged = append(forged, e)
		prev = e.Head()
	}
	_, err = Verify(key, forged)
	if seq, p := problem(t, err); seq != 5 || p != Edited {
		t.Errorf("keyed chain resealed without key: %d %s", seq, p)
	}
}

func TestVerifySwapped(t *testing.T) {
	chain := build(t, NewChain(key), 10)
	// rows 4 and 5 exchange their content, each keeping its Seq
	es := append([]Entry(nil), chain...)
	es[3], es[4] = es[4], es[3]
	es[3].Seq, es[4].Seq = 4, 5
	_, err := Verify(key, es)
	if seq, p := problem(t, err); seq != 4 || p != Reordered || !strings.Contains(err.Error(), "原是第5条") {
		t.Errorf("content swap: %d %s %v", seq, p, err)
	}
	// fed out of order
	es = append([]Entry(nil), chain...)
	es[3], es[4] = es[4], es[3]
	_, err = Verify(key, es)
	if seq, p := problem(t, err); seq != 4 || p != Missing {
		t.Errorf("feed swap: %d %s", seq, p)
	}
	// a moved entry far away is an edit
	es = append([]Entry(nil), chain...)
	es[0], es[9] = es[9], es[0]
	es[0].Seq, es[9].Seq = 1, 10
	_, err = Verify(key, es)
	if seq, p := problem(t, err); seq != 1 || (p != Reordered && p != Edited) {
		t.Errorf("far swap: %d %s", seq, p)
	}
}

func TestAnchors(t *testing.T) {
	chain := build(t, NewChain(key), 10)
	tests := []struct {
		name    string
		entries []Entry
		anchors []Head
		seq     int64 // 0 = valid
		problem Problem
	}{
		{"anchor at head", chain, []Head{chain[9].Head()}, 0, ""},
		{"anchor inside", chain, []Head{chain[4].Head(), chain[7].Head()}, 0, ""},
		{"tail truncated", chain[:8], []Head{chain[9].Head()}, 9, Truncated},
		{"tail truncated, earlier anchor kept", chain[:8], []Head{chain[9].Head(), chain[2].Head()}, 9, Truncated},
		{"all deleted", nil, []Head{chain[9].Head()}, 1, Truncated},
		{"tail truncated, no anchor", chain[:8], nil, 0, ""},
		{"anchor mismatch", chain, []Head{{Seq: 5, Hash: chain[5].Hash}}, 5, Rewritten},
	}
	for _, tc := range tests {
		head, err := Verify(key, tc.entries, tc.anchors...)
		if tc.seq == 0 {
			if err != nil || head != tc.entries[len(tc.entries)-1].Head() {
				t.Errorf("%s: %v, head %+v", tc.name, err, head)
			}
			continue
		}
		if seq, p := problem(t, err); seq != tc.seq || p != tc.problem {
			t.Errorf("%s: entry %d %s, want %d %s", tc.name, seq, p, tc.seq, tc.problem)
		}
	}
}

func TestVerifierFrom(t *testing.T) {
	chain := build(t, NewChain(key), 10)
	v := NewVerifierFrom(key, chain[4].Head())
	v.Anchor(chain[2].Head()) // before the start: already trusted
	v.Anchor(chain[9].Head())
	for _, e := range chain[5:] {
		if err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if head, err := v.Finish(); err != nil || head != chain[9].Head() || v.Count() != 5 {
		t.Fatalf("from head 5: %v %+v %d", err, head, v.Count())
	}
	// a wrong starting head
	v = NewVerifierFrom(key, Head{Seq: 5, Hash: chain[3].Hash})
	err := v.Add(chain[5])
	if seq, p := problem(t, err); seq != 6 || p != Relinked {
		t.Errorf("wrong from: %d %s", seq, p)
	}
	// the first break sticks
	if err2 := v.Add(chain[6]); err2 != err {
		t.Errorf("second Add: %v", err2)
	}
	if _, err3 := v.Finish(); err3 != err {
		t.Errorf("Finish: %v", err3)
	}
	// a chain from genesis must start with an empty PrevHash
	es := append([]Entry(nil), chain[:3]...)
	e := Entry{At: t0, Action: ActLogin}
	_ = NewChain(key).Seal(Head{Seq: 0}, &e)
	e.PrevHash = "x"
	e.Hash, _ = NewChain(key).Hash(e)
	_, err = Verify(key, append([]Entry{e}, es[1:]...))
	if seq, p := problem(t, err); seq != 1 || p != Relinked {
		t.Errorf("genesis with PrevHash: %d %s", seq, p)
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2,{"d":null,"c":"<&>"}]}`, `null`, ``, ` 1e2 `, `"\u2028"`, `{"a":1,"a":2}`, `[`, `{} x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := CanonicalJSON(json.RawMessage(s))
		if err != nil {
			return
		}
		if c != nil && !json.Valid(c) {
			t.Fatalf("canonical form %q of %q is not JSON", c, s)
		}
		again, err := CanonicalJSON(c)
		if err != nil || string(again) != string(c) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, c, again, err)
		}
	})
}

func TestActions(t *testing.T) {
	for _, a := range Actions() {
		if !a.Known() || !a.ValidCode() || a.Label() == string(a) {
			t.Errorf("%s: known %v, valid %v, label %q", a, a.Known(), a.ValidCode(), a.Label())
		}
		if got, ok := ParseAction(a.Label()); !ok || got != a {
			t.Errorf("label %q parses to %q", a.Label(), got)
		}
	}
	for _, want := range []Action{"create", "update", "delete", "login", "login_failed", "logout", "lockout",
		"export", "import", "view_full_id", "password_reset", "account_disable", "token_issue", "token_revoke", "sign"} {
		if !want.Known() {
			t.Errorf("%s missing", want)
		}
	}
	tests := []struct {
		a     Action
		valid bool
	}{
		{"visit_record", true}, {"a", true}, {"a1_b", true}, {"", false}, {"1a", false}, {"_a", false},
		{"Create", false}, {"a-b", false}, {"导出", false}, {Action(strings.Repeat("a", 41)), false},
	}
	for _, tc := range tests {
		if tc.a.ValidCode() != tc.valid {
			t.Errorf("ValidCode(%q) = %v", tc.a, !tc.valid)
		}
	}
	if Action("visit_record").Label() != "visit_record" || Action("visit_record").Known() {
		t.Error("an unknown action shows its code")
	}
	if got, ok := ParseAction("导出"); !ok || got != ActExport {
		t.Error("ParseAction(导出)")
	}
}

const benchN = 100_000

// BenchmarkSeal100k seals 100,000 entries (one op = the whole batch).
func BenchmarkSeal100k(b *testing.B) {
	c := NewChain(key)
	proto := build(b, c, 10)
	b.ResetTimer()
	for b.Loop() {
		var prev Head
		for i := range benchN {
			e := proto[i%10]
			if err := c.Seal(prev, &e); err != nil {
				b.Fatal(err)
			}
			prev = e.Head()
		}
	}
}

// BenchmarkVerify100k verifies a chain of 100,000 entries.
func BenchmarkVerify100k(b *testing.B) {
	c := NewChain(key)
	proto := build(b, c, 10)
	chain := make([]Entry, benchN)
	var prev Head
	for i := range chain {
		chain[i] = proto[i%10]
		_ = c.Seal(prev, &chain[i])
		prev = chain[i].Head()
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Verify(key, chain); err != nil {
			b.Fatal(err)
		}
	}
}
