package crosscheck

import "slices"

// Latest is the latest alert of one rule and subject in a county, as the
// store reads them before reconciling an upload.
type Latest struct {
	ID          int64
	Rule        string
	Subject     string
	State       AlertState
	Fingerprint string
	Village     string
	HouseholdID int64
	MemberID    int64
}

// Seen is an open alert raised again by an upload: its evidence is
// refreshed, its clock keeps running.
type Seen struct {
	ID        int64
	Candidate *Candidate
}

// Plan is what an upload does to the alerts of its rules.
type Plan struct {
	New     []*Candidate // pushed to the village
	Seen    []Seen       // already open (pushed or confirmed): not pushed twice
	Resolve []int64      // open alerts the upload shows gone
	// Kept counts candidates the village dismissed before while the
	// department's data said the same (same fingerprint): not pushed again.
	Kept int
}

func planKey(rule, subject string) string { return rule + "|" + subject }

// Reconcile compares an upload's candidates with the latest alert of each
// rule and subject:
//
//   - no alert yet, or the last one resolved: push;
//   - pushed or confirmed: still open, not pushed twice (the unique key of
//     an open alert is county + rule + subject);
//   - dismissed: pushed again only when the roster now says something else
//     (another fingerprint), so that a child studying outside the county,
//     once dismissed with proof, is not pushed every term;
//
// and closes the open alerts of the upload's rules that the upload shows
// gone (Cleared).
func Reconcile(in *Inputs, p *Params, latest []Latest, cands []Candidate) Plan {
	var plan Plan
	byKey := make(map[string]*Latest, len(latest))
	for i := range latest {
		l := &latest[i]
		k := planKey(l.Rule, l.Subject)
		if prev := byKey[k]; prev == nil || l.ID > prev.ID {
			byKey[k] = l
		}
	}
	raised := make(map[string]bool, len(cands))
	for i := range cands {
		c := &cands[i]
		k := planKey(c.Rule.Code, c.Subject)
		raised[k] = true
		l := byKey[k]
		switch {
		case l == nil || l.State == Resolved:
			plan.New = append(plan.New, c)
		case l.State.Open():
			plan.Seen = append(plan.Seen, Seen{ID: l.ID, Candidate: c})
		case l.Fingerprint == c.Fingerprint:
			plan.Kept++
		default:
			plan.New = append(plan.New, c)
		}
	}
	kind := in.Match.Kind.Kind
	for k, l := range byKey {
		if raised[k] || !l.State.Open() {
			continue
		}
		r := RuleByCode(l.Rule)
		if r == nil || r.Kind != kind {
			continue
		}
		c := Candidate{Rule: r, Subject: l.Subject, Village: l.Village, HouseholdID: l.HouseholdID, MemberID: l.MemberID}
		if Cleared(in, p, r, &c) {
			plan.Resolve = append(plan.Resolve, l.ID)
		}
	}
	slices.Sort(plan.Resolve)
	return plan
}
