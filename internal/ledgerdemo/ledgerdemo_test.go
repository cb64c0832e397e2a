package ledgerdemo

import (
	"crypto/sha256"
	"encoding/json"
	"testing"

	"sanbao/internal/ledger"
)

var villages = []string{"141121104201", "141121104202", "141121100201"}

func generate(t *testing.T, seed uint64) ([]*ledger.Problem, [32]byte) {
	t.Helper()
	g, err := New(Options{Problems: 3000, Seed: seed, Villages: villages})
	if err != nil {
		t.Fatal(err)
	}
	var all []*ledger.Problem
	h := sha256.New()
	err = g.Each(500, func(ps []*ledger.Problem) error {
		for _, p := range ps {
			b, _ := json.Marshal(p)
			h.Write(b)
		}
		all = append(all, ps...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return all, sum
}

// The ledger is the same for the same seed, and it has every state, overdue
// stages and flags, as a real county's would.
func TestGenerate(t *testing.T) {
	a, ha := generate(t, 1)
	_, hb := generate(t, 1)
	_, hc := generate(t, 2)
	if ha != hb || ha == hc {
		t.Fatal("same seed must give the same ledger, another seed another")
	}
	if len(a) != 3000 {
		t.Fatal(len(a))
	}
	states := map[ledger.State]int{}
	numbers := map[string]bool{}
	flagged, extended, reopened := 0, 0, 0
	for _, p := range a {
		states[p.State]++
		if numbers[p.Number] {
			t.Fatalf("number %s twice", p.Number)
		}
		numbers[p.Number] = true
		if p.OnAccountabilityList() {
			flagged++
		}
		if len(p.Extensions) > 0 {
			extended++
		}
		if p.Reopens > 0 {
			reopened++
		}
		if last := p.History[len(p.History)-1]; last.State != p.State {
			t.Fatalf("%s: history ends in %s, problem is %s", p.Number, last.State, p.State)
		}
	}
	for _, s := range []ledger.State{ledger.Reported, ledger.Verified, ledger.Decided, ledger.Planned, ledger.Submitted, ledger.Closed, ledger.NotApplicable} {
		if states[s] == 0 {
			t.Errorf("no problem is %s: %v", s, states)
		}
	}
	if flagged == 0 || extended == 0 || reopened == 0 {
		t.Errorf("flagged %d extended %d reopened %d", flagged, extended, reopened)
	}
}
