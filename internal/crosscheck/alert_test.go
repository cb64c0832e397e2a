package crosscheck

import (
	"sort"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/screening"
)

// latestOf turns alerts into what the store hands Reconcile.
func latestOf(as []*Alert) []Latest {
	out := make([]Latest, len(as))
	for i, a := range as {
		out[i] = Latest{ID: a.ID, Rule: a.Rule, Subject: a.Subject, State: a.State, Fingerprint: a.Fingerprint,
			Village: a.Village, HouseholdID: a.HouseholdID, MemberID: a.MemberID}
	}
	return out
}

// round uploads rows and applies the plan to the alerts so far, as the
// store does; it returns the plan.
func round(t *testing.T, alerts *[]*Alert, upload int64, at time.Time, k Kind, rows ...row) Plan {
	t.Helper()
	p := testParams(t)
	in := &Inputs{Match: uploadRows(t, k, rows...)}
	plan := Reconcile(in, p, latestOf(*alerts), candidates(in, p))
	for _, c := range plan.New {
		a := NewAlert("141121", c, upload, at)
		a.ID = int64(len(*alerts) + 1)
		*alerts = append(*alerts, a)
	}
	for _, id := range plan.Resolve {
		if err := (*alerts)[id-1].Resolve(ResolveNote(KindOf(k), upload, "名单.xlsx", at), upload, at); err != nil {
			t.Fatal(err)
		}
	}
	return plan
}

func uploadRows(t *testing.T, k Kind, rows ...row) *Match {
	return upload(t, testRegistry(), k, rows...)
}

func TestReuploadDoesNotDuplicate(t *testing.T) {
	var as []*Alert
	rows := []row{student(pPupil2, "辍学")} // pupil 1 absent, pupil 2 dropped
	if p := round(t, &as, 1, now, KindStudents, rows...); len(p.New) != 2 {
		t.Fatalf("first upload pushed %d", len(p.New))
	}
	p := round(t, &as, 2, now.Add(time.Hour), KindStudents, rows...)
	if len(p.New) != 0 || len(p.Seen) != 2 || len(p.Resolve) != 0 || len(as) != 2 {
		t.Fatalf("re-upload: %+v, %d alerts", p, len(as))
	}
	// Confirmed alerts are still open: not pushed again either.
	if err := as[0].Verify(Verification{Confirm: true, Findings: "确已辍学在家"}, Actor{Name: "村干部"}, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p := round(t, &as, 3, now.Add(3*time.Hour), KindStudents, rows...); len(p.New) != 0 || len(p.Seen) != 2 {
		t.Fatalf("after confirming: %+v", p)
	}
}

func TestNewerRosterResolves(t *testing.T) {
	var as []*Alert
	round(t, &as, 1, now, KindStudents, student(pPupil2, "辍学"))
	if err := as[1].Verify(Verification{Confirm: true, Findings: "已劝返"}, Actor{Name: "村干部"}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Next term: pupil 2 is back in school, pupil 1 still missing.
	p := round(t, &as, 2, now.AddDate(0, 0, 90), KindStudents, student(pPupil2, "在校"))
	if len(p.Resolve) != 1 || p.Resolve[0] != as[1].ID || len(p.New) != 0 {
		t.Fatalf("plan %+v", p)
	}
	a := as[1]
	if a.State != Resolved || a.ResolvedUpload != 2 || !strings.Contains(a.ResolvedNote, "显示该情况已不存在") {
		t.Fatalf("resolved alert: %+v", a)
	}
	if as[0].State != Pushed {
		t.Fatalf("the other alert changed: %s", as[0].State)
	}
	// A roster that does not mention someone does not resolve their alert.
	var hs []*Alert
	round(t, &hs, 1, now, KindHousing, house(pHead1, "C", "", "", ""))
	if p := round(t, &hs, 2, now.AddDate(0, 1, 0), KindHousing, house(pHead2, "A", "", "", "")); len(p.Resolve) != 0 {
		t.Fatalf("silence resolved an alert: %+v", p)
	}
	if p := round(t, &hs, 3, now.AddDate(0, 2, 0), KindHousing, house(pHead1, "B", "", "", "")); len(p.Resolve) != 1 {
		t.Fatalf("B grade did not resolve: %+v", p)
	}
	// The condition coming back after resolution pushes a new alert.
	if p := round(t, &as, 3, now.AddDate(0, 0, 180), KindStudents, student(pPupil2, "辍学")); len(p.New) != 1 || len(as) != 3 {
		t.Fatalf("relapse: %+v", p)
	}
	// An event is never resolved by a roster.
	var es []*Alert
	round(t, &es, 1, now, KindDischarge, discharge(pHead1, "56000", "", "15000"))
	if p := round(t, &es, 2, now.AddDate(0, 1, 0), KindDischarge, discharge(pHead1, "100", "", "50")); len(p.Resolve) != 0 {
		t.Fatalf("large expense resolved: %+v", p)
	}
}

func TestDismissedNotPushedAgainForSameFacts(t *testing.T) {
	var as []*Alert
	round(t, &as, 1, now, KindStudents, student(pPupil1, "在校")) // pupil 2 absent
	err := as[0].Verify(Verification{Findings: "在太原市某中学就读", Reason: "在县外就读", Proof: "学校出具的在读证明"}, Actor{Name: "村干部"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p := round(t, &as, 2, now.AddDate(0, 0, 90), KindStudents, student(pPupil1, "在校")); len(p.New) != 0 || p.Kept != 1 {
		t.Fatalf("same facts pushed again: %+v", p)
	}
	// Now the roster lists the pupil as dropped: new facts, new alert.
	if p := round(t, &as, 3, now.AddDate(0, 0, 180), KindStudents, student(pPupil1, "在校"), student(pPupil2, "辍学")); len(p.New) != 1 {
		t.Fatalf("new facts not pushed: %+v", p)
	}
}

func TestVerify(t *testing.T) {
	reg := testRegistry()
	p := testParams(t)
	in := &Inputs{Match: upload(t, reg, KindInsurance, insuredAll("2026", pGran1)...)}
	cs := candidates(in, p)
	if len(cs) != 1 {
		t.Fatalf("candidates %d", len(cs))
	}
	fresh := func() *Alert {
		a := NewAlert("141121", &cs[0], 9, now)
		a.ID = 5
		return a
	}
	a := fresh()
	if a.Stage.Key != "verify" || a.Mark(now).State != deadline.Pending && a.Mark(now).State != deadline.DueSoon {
		t.Fatalf("stage %+v", a.Mark(now))
	}
	// The 135 rule's one day: pushed on 1 June, due at 24:00 on 2 June.
	if got := deadline.FormatDate(a.Stage.LastDay()); got != "2026-06-02" {
		t.Fatalf("last day %s", got)
	}
	bad := []struct {
		in   Verification
		want string
	}{
		{Verification{Confirm: true}, "findings"},
		{Verification{Findings: "已在外地参保"}, "reason"},
		{Verification{Findings: "已在外地参保", Reason: "外地参保"}, "proof"},
		{Verification{Findings: "x", Reason: "在县外就读", Proof: "证明", MonitoringCandidate: true}, "monitoring_candidate"},
		{Verification{Confirm: true, Findings: strings.Repeat("字", MaxFindings+1)}, "findings"},
	}
	for _, b := range bad {
		err := fresh().Verify(b.in, Actor{Name: "张三"}, now)
		if !apperr.Is(err, apperr.Invalid) || !hasField(err, b.want) {
			t.Fatalf("Verify(%+v) = %v, want a problem with %s", b.in, err, b.want)
		}
	}
	// Dismissed with an attachment only, in time.
	a = fresh()
	if err := a.Verify(Verification{Findings: "在外地参加职工医保", Reason: "insured_elsewhere", Attachments: 1}, Actor{AccountID: 3, Name: "张三"}, now.Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a.State != Dismissed || a.Reason != "insured_elsewhere" || !a.InTime() || a.Stage.Status(now.AddDate(0, 0, 5)) != deadline.Done {
		t.Fatalf("dismissed: %+v", a)
	}
	if err := a.Verify(Verification{Confirm: true, Findings: "x"}, Actor{Name: "张三"}, now); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second verification: %v", err)
	}
	if err := a.Resolve("x", 2, now); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("resolving a dismissed alert: %v", err)
	}
	// Confirmed late, as a monitoring candidate; the ledger draft says so.
	a = fresh()
	if err := a.Verify(Verification{Confirm: true, Findings: "未参保，已动员参保", MonitoringCandidate: true, Version: 1}, Actor{Name: "李四"}, now.AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	if a.State != Confirmed || a.InTime() || a.Stage.Status(now.AddDate(0, 0, 3)) != deadline.DoneLate || a.Version != 2 {
		t.Fatalf("confirmed late: %+v", a)
	}
	d := ProblemDraft(a)
	if d.Source != ledger.SourceDepartmentAlert || d.SourceRef != "alert:5" || d.Region != v1 || d.HouseholdID != 1 || d.Dimension != screening.DimMedical ||
		!strings.Contains(d.Description, "未参保，已动员参保") || !strings.Contains(d.Remarks, "监测对象候选") {
		t.Fatalf("draft %+v", d)
	}
	if _, err := ledger.New(d, ledger.Actor{Name: "李四"}, now); err != nil {
		t.Fatalf("the ledger refuses the draft: %v", err)
	}
	// A stale form is refused.
	a = fresh()
	if err := a.Verify(Verification{Confirm: true, Findings: "x", Version: 7}, Actor{Name: "李四"}, now); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale version: %v", err)
	}
}

func hasField(err error, field string) bool {
	for _, f := range apperr.FieldsOf(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestSnapshotRoundTrip(t *testing.T) {
	p := testParams(t)
	reg := testRegistry()
	for _, c := range []struct {
		kind Kind
		rows []row
		want map[int64]bool // subject id → present (false: kept as absent)
	}{
		{KindStudents, []row{student(pPupil1, "在校")}, map[int64]bool{102: true, 103: false}},
		{KindInsurance, append(insuredAll("2026", pHead3), insured(pHead3, "2025")), map[int64]bool{101: true, 102: true, 103: true, 104: true, 301: false, 302: true, 201: false, 202: false, 203: false, 401: false}},
		{KindWater, []row{{"village": v1, "quality_ok": "否"}, {"id_number": pHead3.number, "litres": "35.5"}}, map[int64]bool{0: true, 3: true}},
	} {
		m := upload(t, reg, c.kind, c.rows...)
		blocks := m.Snapshot(p)
		got := map[int64]bool{}
		for v, b := range blocks {
			if err := DecodeSnapshot(b, func(id int64, s *State) {
				got[id] = s.Present()
				if c.kind == KindWater && id == 3 {
					if l, ok := s.Number(NumLitres); !ok || l != 35.5 || v != v2 {
						t.Fatalf("water state %+v in %s", s, v)
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) != len(c.want) {
			t.Fatalf("%s: snapshot %v, want %v", c.kind, got, c.want)
		}
		for id, present := range c.want {
			if g, ok := got[id]; !ok || g != present {
				t.Fatalf("%s: subject %d = %v,%v, want %v", c.kind, id, g, ok, present)
			}
		}
	}
	if err := DecodeSnapshot([]byte{1, 5}, func(int64, *State) {}); err == nil {
		t.Fatal("truncated block decoded")
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte{1, 0, 1, 3, 3, 0, 0, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeSnapshot(b, func(int64, *State) {})
	})
}

// TestAlertsAgreeWithScreening: for every alert of a rule that names
// screening rules, running screening over the registry with the roster's
// facts overlaid (Facts.Overlay) raises one of them for the same
// household or member; and a roster that raises no alert makes screening
// raise none of them from its facts.
func TestAlertsAgreeWithScreening(t *testing.T) {
	p := testParams(t)
	uploads := []struct {
		kind Kind
		rows []row
	}{
		{KindStudents, []row{student(pPupil2, "辍学")}},
		{KindStudents, []row{student(pPupil1, "在校"), student(pPupil2, "在校")}},
		{KindInsurance, insuredAll("2026", pGran1, pWorker3)},
		{KindInsurance, insuredAll("2026")},
		{KindDisability, []row{disabled(pGran1, "二级", "否")}},
		{KindDisability, []row{disabled(pGran1, "二级", "是")}},
		{KindHousing, []row{house(pHead1, "D", "", "", ""), house(pHead2, "A", "已竣工", "否", ""), house(pHead3, "B", "已验收", "是", "否")}},
		{KindHousing, []row{house(pHead1, "A", "已验收", "是", "是")}},
		{KindWater, []row{{"village": v1, "quality_ok": "否"}, {"id_number": pHead3.number, "litres": "15", "supply_rate": "70"},
			{"id_number": pHead4.number, "tap_water": "否", "fetch_minutes": "40", "distance_v": "100"}}},
		{KindWater, []row{{"village": v2, "quality_ok": "是", "litres": "40", "tap_water": "是", "supply_rate": "99"}}},
	}
	for _, u := range uploads {
		reg := testRegistry()
		m := upload(t, reg, u.kind, u.rows...)
		in := &Inputs{Match: m}
		facts := NewFacts()
		for v, b := range m.Snapshot(p) {
			if err := facts.Add(u.kind, v, b); err != nil {
				t.Fatal(err)
			}
		}
		// Screening over each household with the roster facts overlaid.
		found := map[string]bool{}
		for hi := range reg.Households {
			sin := screeningInput(reg, int32(hi))
			facts.Overlay(&sin)
			screening.Evaluate(&sin, p.Screening, func(f screening.Finding) {
				found[f.Rule+"@"+subjectOf(f)] = true
			})
		}
		var cands []Candidate
		Evaluate(in, p, func(c Candidate) { cands = append(cands, c) })
		alerted := map[string]bool{}
		for _, c := range cands {
			ok := false
			for _, sr := range c.Rule.Screening {
				for _, subj := range subjectsOf(reg, &c) {
					if found[sr+"@"+subj] {
						ok = true
					}
					alerted[sr+"@"+subj] = true
				}
			}
			if len(c.Rule.Screening) > 0 && !ok {
				t.Fatalf("%s: alert %s@%s has no screening counterpart among %v", u.kind, c.Rule.Code, c.Subject, keys(found))
			}
		}
		// And no counterpart finding without an alert: the test registry
		// raises none of these rules on its own (every member insured, every
		// pupil registered in school), so a finding comes from the roster.
		for _, r := range RulesOf(u.kind) {
			for _, sr := range r.Screening {
				for f := range found {
					if strings.HasPrefix(f, sr+"@") && !alerted[f] {
						t.Fatalf("%s: screening found %s from the roster's facts, no alert", u.kind, f)
					}
				}
			}
		}
	}
}

func screeningInput(reg *Registry, hi int32) screening.Input {
	h := &reg.Households[hi]
	in := screening.Input{Household: screening.Household{ID: h.ID, Region: h.Village, Category: h.Category, Dibao: h.Dibao, Tekun: h.Tekun}}
	for _, mi := range reg.MembersOf(hi) {
		m := &reg.Members[mi]
		in.Members = append(in.Members, screening.Member{ID: m.ID, Birth: m.Birth(), Health: screening.HealthHealthy,
			Schooling: m.Schooling, Labour: screening.LabourNormal, Disabled: m.Disabled, Severe: m.Severe, Insured: true})
	}
	return in
}

func subjectOf(f screening.Finding) string {
	if f.MemberID != 0 {
		return SubjectKey(SubjectMember, f.MemberID, "")
	}
	return SubjectKey(SubjectHousehold, f.HouseholdID, "")
}

// subjectsOf lists the screening subjects an alert stands for: a village
// alert stands for every household of the village.
func subjectsOf(reg *Registry, c *Candidate) []string {
	if c.HouseholdID != 0 || c.MemberID != 0 {
		return []string{c.Subject}
	}
	var out []string
	for _, h := range reg.Households {
		if h.Village == c.Village {
			out = append(out, SubjectKey(SubjectHousehold, h.ID, ""))
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
