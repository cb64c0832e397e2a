package store_test

import (
	"strings"
	"testing"

	"sanbao/internal/apperr"
	"sanbao/internal/ledger"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

// findingOf returns the finding of a rule (and item) at a household, in any
// status, as the list shows it.
func findingOf(t *testing.T, db *store.DB, hh int64, rule, item string) *store.FindingRecord {
	t.Helper()
	page, err := db.ListFindings(ctx, countyScope, store.FindingFilter{Household: hh, Status: "all", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var found *store.FindingRecord
	for _, f := range page.Items {
		if f.Rule == rule && f.Item == item {
			found = f // the latest
		}
	}
	if found == nil {
		t.Fatalf("no finding %s.%s at household %d among %d", rule, item, hh, len(page.Items))
	}
	return found
}

func problemCount(t *testing.T, db *store.DB) int64 {
	t.Helper()
	page, err := db.ListProblems(ctx, countyScope, store.ProblemFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

func TestFindingToProblem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		h := family(t, db, village, "R1", 11, "dropout", true)
		h3 := family(t, db, "141121104202", "R3", 31, "dropout", false)
		if _, err := db.RunRules(ctx, countyScope, store.RunOptions{Region: "141121"}); err != nil {
			t.Fatal(err)
		}
		dropout := findingOf(t, db, h.ID, "edu_dropout", "")
		uninsured := findingOf(t, db, h.ID, "med_uninsured", "")
		villageScope := store.ScopeOf(village)
		cadre := ledger.Actor{AccountID: 11, Name: "王村干", Role: "村两委干部", Unit: "东堡村"}

		// Refused drafts and findings outside the scope create nothing.
		for _, tc := range []struct {
			name  string
			sc    store.Scope
			id    int64
			in    store.FindingDraft
			code  apperr.Code
			field string
		}{
			{"no severity", villageScope, dropout.ID, store.FindingDraft{}, apperr.Invalid, "severity"},
			{"unknown severity", villageScope, dropout.ID, store.FindingDraft{Severity: "urgent"}, apperr.Invalid, "severity"},
			{"long task force", villageScope, dropout.ID, store.FindingDraft{Severity: ledger.Ordinary, TaskForce: strings.Repeat("专", 101)}, apperr.Invalid, "task_force"},
			{"long lead unit", villageScope, dropout.ID, store.FindingDraft{Severity: ledger.Ordinary, LeadUnit: strings.Repeat("局", 101)}, apperr.Invalid, "lead_unit"},
			{"another village", store.ScopeOf("141121104202"), dropout.ID, store.FindingDraft{Severity: ledger.Ordinary}, apperr.NotFound, ""},
			{"another village, no severity (the scope first)", store.ScopeOf("141121104202"), dropout.ID, store.FindingDraft{}, apperr.NotFound, ""},
			{"another county", store.ScopeOf("141122000000"), dropout.ID, store.FindingDraft{Severity: ledger.Ordinary}, apperr.NotFound, ""},
			{"no such finding", countyScope, dropout.ID + 1000, store.FindingDraft{Severity: ledger.Ordinary}, apperr.NotFound, ""},
		} {
			p, created, err := db.FindingToProblem(ctx, tc.sc, tc.id, tc.in, cadre)
			if p != nil || created {
				t.Fatalf("%s: created %+v", tc.name, p)
			}
			if tc.field != "" {
				wantCode(t, err, tc.code, tc.field)
			} else if !apperr.Is(err, tc.code) {
				t.Fatalf("%s: want %s, got %v", tc.name, tc.code, err)
			}
		}
		if n := problemCount(t, db); n != 0 {
			t.Fatalf("refused conversions left %d problems", n)
		}
		if f := findingOf(t, db, h.ID, "edu_dropout", ""); f.ProblemID != 0 {
			t.Fatalf("refused conversion linked the finding: %+v", f)
		}

		// The conversion: a reported problem at the household's village.
		p, created, err := db.FindingToProblem(ctx, villageScope, dropout.ID,
			store.FindingDraft{Severity: ledger.Ordinary, TaskForce: " 教育保障专班 ", LeadUnit: "县教育局"}, cadre)
		if err != nil || !created {
			t.Fatalf("convert: %v %v", created, err)
		}
		wantDesc := "王建国户（户编号R1）王小明：" + dropout.Text()
		if p.Description != wantDesc || p.Dimension != "education" || p.HouseholdID != h.ID || p.Region != village ||
			p.Source != ledger.SourceRule || p.SourceRef != "finding:"+itoa(dropout.ID) || p.Severity != ledger.Ordinary ||
			p.TaskForce != "教育保障专班" || p.LeadUnit != "县教育局" || p.State != ledger.Reported || p.Number == "" {
			t.Fatalf("problem %+v\nwant description %q", p, wantDesc)
		}
		if !strings.Contains(p.Description, "义务教育") && !strings.Contains(p.Description, dropout.Title) {
			t.Fatalf("description lacks the title: %q", p.Description)
		}
		first := p.History[0]
		if first.Kind != ledger.EventReported || first.Actor.Name != "王村干" || first.Data["task_force"] != "教育保障专班" ||
			first.Data["lead_unit"] != "县教育局" || first.Data["source_policy"] != dropout.Source.String() || first.Data["number"] != p.Number {
			t.Fatalf("first event %+v", first)
		}
		if line := ledger.Dossier(p.History)[0]; !strings.Contains(line, "政策依据："+dropout.Source.String()) || !strings.Contains(line, "规则比对发现") {
			t.Fatalf("dossier line %q", line)
		}
		sameAsStored(t, db, p)

		// The list shows the link on that finding only.
		if f := findingOf(t, db, h.ID, "edu_dropout", ""); f.ProblemID != p.ID || f.ProblemNumber != p.Number {
			t.Fatalf("linked finding %+v", f)
		}
		if f := findingOf(t, db, h.ID, "med_uninsured", ""); f.ProblemID != 0 || f.ProblemNumber != "" {
			t.Fatalf("other finding %+v", f)
		}
		if f, err := db.Finding(ctx, villageScope, dropout.ID); err != nil || f.ProblemNumber != p.Number {
			t.Fatalf("Finding: %+v %v", f, err)
		}

		// Idempotent: again (another severity, a wider scope) answers the same problem.
		again, created, err := db.FindingToProblem(ctx, countyScope, dropout.ID, store.FindingDraft{Severity: ledger.Major}, cadre)
		if err != nil || created || again.ID != p.ID || again.Severity != ledger.Ordinary {
			t.Fatalf("second call: %v %v %+v", created, err, again)
		}
		if n := problemCount(t, db); n != 1 {
			t.Fatalf("%d problems after two calls", n)
		}
		// The ledger knows the origin too: a problem reported with the same
		// source and reference is the same problem.
		dup, err := db.CreateProblem(ctx, countyScope, ledger.Draft{Description: "重复登记", Dimension: "education", HouseholdID: h.ID,
			Source: "规则比对发现", SourceRef: store.FindingSourceRef(dropout.ID)}, cadre)
		if !apperr.Is(err, apperr.Conflict) || dup == nil || dup.ID != p.ID {
			t.Fatalf("CreateProblem with the finding's reference: %v %+v", err, dup)
		}

		// A problem already recorded from a finding another way (the API's
		// POST /problems with its reference) is linked, not doubled.
		earlier, err := db.CreateProblem(ctx, countyScope, ledger.Draft{Description: "王建国未参加基本医疗保险", Dimension: "medical",
			HouseholdID: h.ID, Source: "rule", SourceRef: store.FindingSourceRef(uninsured.ID)}, cadre)
		if err != nil {
			t.Fatal(err)
		}
		got, created, err := db.FindingToProblem(ctx, villageScope, uninsured.ID, store.FindingDraft{Severity: ledger.Ordinary}, cadre)
		if err != nil || created || got.ID != earlier.ID {
			t.Fatalf("finding with a problem recorded before: %v %v %+v", created, err, got)
		}
		if f := findingOf(t, db, h.ID, "med_uninsured", ""); f.ProblemID != earlier.ID || f.ProblemNumber != earlier.Number {
			t.Fatalf("linked to the earlier problem: %+v", f)
		}
		if n := problemCount(t, db); n != 2 {
			t.Fatalf("%d problems", n)
		}

		// A finding the rules no longer find cannot become a problem; a
		// linked one keeps its link when resolved.
		resolveDropout := func(hh *registry.Household) {
			full, _ := db.Household(ctx, countyScope, hh.ID)
			for _, m := range full.Members {
				if m.Relation == "child" {
					m.Schooling = "in_school"
					if _, err := db.UpdateMember(ctx, countyScope, &m); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		resolveDropout(h)
		resolveDropout(h3)
		if _, err := db.RunRules(ctx, countyScope, store.RunOptions{Region: "141121"}); err != nil {
			t.Fatal(err)
		}
		stale := findingOf(t, db, h3.ID, "edu_dropout", "")
		if stale.Status != store.FindingResolved {
			t.Fatalf("not resolved: %+v", stale)
		}
		if _, _, err := db.FindingToProblem(ctx, countyScope, stale.ID, store.FindingDraft{Severity: ledger.Ordinary}, cadre); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("resolved finding: %v", err)
		}
		if f := findingOf(t, db, h.ID, "edu_dropout", ""); f.Status != store.FindingResolved || f.ProblemID != p.ID {
			t.Fatalf("resolved linked finding %+v", f)
		}

		// A "不符合" answer of a signed visit (item_not_met) works the same way.
		v := housingVisit(t, db, h, "B")
		for i := range v.Answers {
			if v.Answers[i].Item == "house_disaster" {
				v.Answers[i].Result, v.Answers[i].Note = screening.ResultNotMet, "屋顶被冰雹砸坏，尚未鉴定"
			}
		}
		if _, _, err := db.PutVisit(ctx, countyScope, v); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RunRules(ctx, countyScope, store.RunOptions{Household: h.ID}); err != nil {
			t.Fatal(err)
		}
		notMet := findingOf(t, db, h.ID, screening.RuleItemNotMet, "house_disaster")
		q, created, err := db.FindingToProblem(ctx, villageScope, notMet.ID, store.FindingDraft{Severity: ledger.Major}, cadre)
		if err != nil || !created {
			t.Fatalf("convert item_not_met: %v %v", created, err)
		}
		if q.Dimension != "housing" || q.Severity != ledger.Major || q.Source != ledger.SourceRule || q.SourceRef != "finding:"+itoa(notMet.ID) ||
			!strings.HasPrefix(q.Description, "王建国户（户编号R1）：排查不符合：住房是否因灾受损") ||
			!strings.Contains(q.Description, "排查情况：屋顶被冰雹砸坏，尚未鉴定") || q.TaskForce != "" {
			t.Fatalf("item_not_met problem %+v", q)
		}
		if again, created, err := db.FindingToProblem(ctx, villageScope, notMet.ID, store.FindingDraft{Severity: ledger.Major}, cadre); err != nil || created || again.ID != q.ID {
			t.Fatalf("item_not_met again: %v %v", created, err)
		}

		// The audit trail has the problem's creation and the finding's link.
		trail, err := db.AuditEntries(ctx, countyScope, store.AuditFilter{Object: "finding"})
		if err != nil {
			t.Fatal(err)
		}
		if len(trail.Items) != 3 || !strings.Contains(trail.Items[0].Detail, "问题线索转为问题"+q.Number) ||
			!strings.Contains(string(trail.Items[0].New), `"problem_id":`+itoa(q.ID)) {
			t.Fatalf("finding links in the audit trail: %+v", trail.Items)
		}
		created3, err := db.AuditEntries(ctx, countyScope, store.AuditFilter{Object: "problem", ObjectID: itoa(q.ID)})
		if err != nil || len(created3.Items) != 1 || created3.Items[0].Action != "create" {
			t.Fatalf("problem creation in the audit trail: %v %+v", err, created3.Items)
		}
	})
}
