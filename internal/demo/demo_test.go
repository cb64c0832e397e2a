package demo

import (
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

func generate(t *testing.T, n int, seed uint64) []*registry.Household {
	t.Helper()
	g, err := New(Options{Households: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var out []*registry.Household
	if err := g.Each(func(_ region.Region, hs []*registry.Household) error { out = append(out, hs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(out) != n || g.Count() != n {
		t.Fatalf("got %d households, want %d", len(out), n)
	}
	return out
}

func TestDemoIsValidAndDeterministic(t *testing.T) {
	a := generate(t, 3000, 7)
	b := generate(t, 3000, 7)
	c := generate(t, 3000, 8)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	ids := map[string]bool{}
	numbers := map[string]bool{}
	var members, lifted, monitored, dibao, disabled int
	for i, h := range a {
		if h.Number != b[i].Number || h.Members[0].IDNumber != b[i].Members[0].IDNumber || h.Members[0].Name != b[i].Members[0].Name {
			t.Fatalf("household %d differs between runs with the same seed", i)
		}
		var v apperr.Validation
		h.Normalize()
		h.Validate(&v)
		heads := 0
		for j := range h.Members {
			m := &h.Members[j]
			m.Normalize()
			m.Validate(&v, now)
			if ids[m.IDNumber] {
				t.Fatalf("duplicate ID %s", m.IDNumber)
			}
			ids[m.IDNumber] = true
			if m.Relation == registry.RelationHead {
				heads++
			}
			if m.Disabled() {
				disabled++
			}
		}
		if err := v.Err(); err != nil {
			t.Fatalf("household %s invalid: %v", h.Number, err)
		}
		if heads != 1 {
			t.Fatalf("household %s has %d heads", h.Number, heads)
		}
		if numbers[h.Number] {
			t.Fatalf("duplicate household number %s", h.Number)
		}
		numbers[h.Number] = true
		members += len(h.Members)
		switch h.Category {
		case registry.CategoryLifted:
			lifted++
		case registry.CategoryMonitored:
			monitored++
		}
		if h.Dibao {
			dibao++
		}
	}
	if a[0].Members[0].IDNumber == c[0].Members[0].IDNumber && a[1].Members[0].IDNumber == c[1].Members[0].IDNumber {
		t.Fatal("different seeds gave the same county")
	}
	ratio := float64(members) / float64(len(a))
	if ratio < 2.6 || ratio > 4.2 {
		t.Fatalf("%.2f members per household", ratio)
	}
	if lifted < 200 || lifted > 500 || monitored < 20 || monitored > 90 || dibao < 60 || disabled < 100 {
		t.Fatalf("implausible distribution: lifted %d monitored %d dibao %d disabled %d", lifted, monitored, dibao, disabled)
	}
}
