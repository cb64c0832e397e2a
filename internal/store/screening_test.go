package store_test

import (
	"bytes"
	"crypto/rand"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sort"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/clock"
	"sanbao/internal/demo"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

var countyScope = store.ScopeOf("141121000000")

// family adds a lifted household to a village: a head born in 1970
// (uninsured when uninsured), a spouse, and a child born in 2014 with the
// given schooling.
func family(t *testing.T, db *store.DB, village, number string, seq int, schooling string, uninsured bool) *registry.Household {
	t.Helper()
	head := person("王建国", "head", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), seq)
	head.MedicalInsured, head.Labour = !uninsured, "normal"
	wife := person("李秀英", "spouse", time.Date(1972, 6, 2, 0, 0, 0, 0, time.UTC), seq+100)
	wife.MedicalInsured, wife.Labour = true, "weak"
	kid := person("王小明", "child", time.Date(2014, 3, 1, 0, 0, 0, 0, time.UTC), seq+200)
	kid.MedicalInsured, kid.Schooling = true, schooling
	h := &registry.Household{RegionCode: village, Number: number, Category: "lifted"}
	if err := db.CreateHousehold(ctx, countyScope, h, []registry.Member{head, wife, kid}); err != nil {
		t.Fatal(err)
	}
	return h
}

func newID(t *testing.T) string {
	t.Helper()
	id, err := screening.NewVisitID(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// housingVisit is a complete housing visit recording the house's grade.
func housingVisit(t *testing.T, db *store.DB, h *registry.Household, grade string) *screening.Visit {
	t.Helper()
	return &screening.Visit{ID: newID(t), HouseholdID: h.ID, Dimensions: []string{screening.DimHousing},
		Cadre: "李四", CadreID: 7, VisitedAt: db.Clock.Now().Add(-time.Hour),
		Facts: screening.FactSet{"house_grade": grade},
		Answers: []screening.Answer{
			{Item: "house_grade", Result: map[bool]string{true: screening.ResultMet, false: screening.ResultNotMet}[grade < "C"], Note: "房屋开裂"},
			{Item: "house_moved_in", Result: screening.ResultNA}, {Item: "house_moved_back", Result: screening.ResultNA},
			{Item: "house_subsidy", Result: screening.ResultNA}, {Item: "house_quality", Result: screening.ResultNA},
			{Item: "house_disaster", Result: screening.ResultNA},
		}}
}

func TestCheckItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		items, err := db.CheckItems(ctx, "141121")
		if err != nil || len(items) != len(screening.Items) {
			t.Fatalf("built-in checklist: %d items, %v", len(items), err)
		}
		for i := range items {
			if items[i].Code != screening.Items[i].Code || items[i].Source != screening.Items[i].Source {
				t.Fatalf("item %d: %+v", i, items[i])
			}
		}
		if err := db.SyncCheckItems(ctx); err != nil {
			t.Fatal(err)
		}
		own := screening.CheckItem{Code: "wx_toilet", Dimension: screening.DimHousing, Scope: screening.ScopeHousehold,
			Title: "是否完成卫生厕所改造？", Source: screening.Items[0].Source}
		for _, tc := range []struct {
			name   string
			sc     store.Scope
			county string
			edit   func(it *screening.CheckItem)
			code   apperr.Code
			field  string
		}{
			{"built-in code", countyScope, "141121", func(it *screening.CheckItem) { it.Code = "house_grade" }, apperr.Invalid, "code"},
			{"facts on a county item", countyScope, "141121", func(it *screening.CheckItem) { it.Facts = []string{"house_grade"} }, apperr.Invalid, "facts"},
			{"no source", countyScope, "141121", func(it *screening.CheckItem) { it.Source.Quote = "" }, apperr.Invalid, "source"},
			{"out of scope", store.ScopeOf(village), "141121", nil, apperr.Forbidden, ""},
			{"not a county", countyScope, "1411", nil, apperr.Invalid, "county"},
		} {
			it := own
			if tc.edit != nil {
				tc.edit(&it)
			}
			err := db.AddCheckItem(ctx, tc.sc, tc.county, &it, 1)
			if !apperr.Is(err, tc.code) || (tc.field != "" && apperr.FieldsOf(err)[0].Field != tc.field) {
				t.Errorf("%s: %v %+v", tc.name, err, apperr.FieldsOf(err))
			}
		}
		if err := db.AddCheckItem(ctx, countyScope, "141121", &own, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.AddCheckItem(ctx, countyScope, "141121", &own, 1); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("the same code twice: %v", err)
		}
		items, _ = db.CheckItems(ctx, "141121")
		if len(items) != len(screening.Items)+1 || items[len(items)-1].Code != "wx_toilet" {
			t.Fatalf("county items come last: %d", len(items))
		}
		if other, _ := db.CheckItems(ctx, "141122"); len(other) != len(screening.Items) {
			t.Fatal("another county sees the item")
		}
	})
}

func TestCampaigns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		c := &screening.Campaign{Kind: "集中排查", Name: "2026年冬季集中排查", Region: "141121", Dimensions: []string{"饮水", "housing"},
			Start: registry.Date{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, End: registry.Date{Time: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}
		if err := db.CreateCampaign(ctx, countyScope, c); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Region != "141121000000" || strings.Join(c.Dimensions, ",") != "housing,water" {
			t.Fatalf("created %+v", c)
		}
		for _, tc := range []struct {
			name string
			sc   store.Scope
			c    screening.Campaign
			code apperr.Code
		}{
			{"out of scope", store.ScopeOf(village), *c, apperr.Invalid},
			{"no dates", countyScope, screening.Campaign{Kind: "intensive", Name: "x", Region: "141121", Dimensions: []string{"water"}}, apperr.Invalid},
			{"routine by hand", countyScope, screening.Campaign{Kind: "routine", Name: "x", Region: "141121", Dimensions: []string{"water"}}, apperr.Invalid},
			{"unknown region", countyScope, screening.Campaign{Kind: "intensive", Name: "x", Region: "141121104299", Dimensions: []string{"water"},
				Start: c.Start, End: c.End}, apperr.Invalid},
		} {
			cc := tc.c
			cc.ID = 0
			if err := db.CreateCampaign(ctx, tc.sc, &cc); !apperr.Is(err, tc.code) {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		// A village sees the county's campaigns and its routine one.
		list, err := db.ListCampaigns(ctx, store.ScopeOf(village), store.CampaignFilter{})
		if err != nil || len(list) != 2 || list[0].Kind != screening.KindRoutine || list[1].ID != c.ID {
			t.Fatalf("village list: %v %+v", err, list)
		}
		again, _ := db.ListCampaigns(ctx, countyScope, store.CampaignFilter{})
		if len(again) != 2 || again[0].ID != list[0].ID {
			t.Fatalf("the routine campaign is made once: %+v", again)
		}
		if got, err := db.Campaign(ctx, store.ScopeOf(village), c.ID); err != nil || got.Name != c.Name {
			t.Fatalf("get: %v", err)
		}
		if _, err := db.Campaign(ctx, store.ScopeOf("141122000000"), c.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another county's campaign: %v", err)
		}
		if other, _ := db.ListCampaigns(ctx, store.ScopeOf("141122000000"), store.CampaignFilter{Kind: "intensive"}); len(other) != 0 {
			t.Fatal("another county lists the campaign")
		}
	})
}

func TestVisitIdempotentAndImmutable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		h := family(t, db, village, "V1", 11, "in_school", false)
		v := housingVisit(t, db, h, "B")
		count := func() int {
			vs, err := db.HouseholdVisits(ctx, countyScope, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(vs)
		}
		put := func(v screening.Visit) (*store.VisitRecord, screening.Action, error) {
			v.Answers = append([]screening.Answer(nil), v.Answers...)
			return db.PutVisit(ctx, countyScope, &v)
		}
		r, act, err := put(*v)
		if err != nil || act != screening.ActionCreate || r.CampaignID == 0 {
			t.Fatalf("create: %v %v %+v", act, err, r)
		}
		// The same visit sent again (the routine campaign left out, as the
		// phone sent it) is recorded once.
		if _, act, err := put(*v); err != nil || act != screening.ActionDuplicate || count() != 1 {
			t.Fatalf("resend: %v %v %d", act, err, count())
		}
		// A draft may be edited by its cadre, not by another.
		edit := *v
		edit.Answers = append([]screening.Answer(nil), v.Answers...)
		edit.Answers[1].Note = "已入住"
		if _, act, err := put(edit); err != nil || act != screening.ActionUpdate {
			t.Fatalf("edit draft: %v %v", act, err)
		}
		other := edit
		other.CadreID, other.Cadre = 8, "赵六"
		if _, _, err := put(other); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("another cadre edits the draft: %v", err)
		}
		// Signing needs the cadre who visited.
		if _, err := db.SignVisit(ctx, countyScope, v.ID, "赵六", 8); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("signed by another: %v", err)
		}
		signed, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7)
		if err != nil || !signed.Signed() || !signed.Intact || signed.SignedBy != "李四" {
			t.Fatalf("sign: %v %+v", err, signed)
		}
		again, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7)
		if err != nil || !again.SignedAt.Equal(signed.SignedAt) {
			t.Fatalf("double sign: %v", err)
		}
		// After signing: the same content is still a duplicate, any change a conflict.
		if _, act, err := put(edit); err != nil || act != screening.ActionDuplicate {
			t.Fatalf("resend after signing: %v %v", act, err)
		}
		changed := edit
		changed.Answers = append([]screening.Answer(nil), edit.Answers...)
		changed.Answers[1].Note = "改了"
		if _, _, err := put(changed); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("edit a signed visit: %v", err)
		}
		stored, err := db.Visit(ctx, countyScope, v.ID)
		if err != nil || !stored.Intact || stored.Answers[0].Note != "" && stored.Answers[1].Note != "已入住" {
			t.Fatalf("stored: %v %+v", err, stored)
		}
		if _, err := db.Visit(ctx, store.ScopeOf("141121104202"), v.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("out of scope: %v", err)
		}
		// The same ID for another household is refused.
		h2 := family(t, db, village, "V2", 12, "in_school", false)
		elsewhere := edit
		elsewhere.HouseholdID = h2.ID
		if _, _, err := put(elsewhere); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("ID reused for another household: %v", err)
		}
		// Every write is in the audit trail: created, edited, signed; the
		// resent duplicates wrote nothing.
		trail, err := db.AuditEntries(ctx, countyScope, store.AuditFilter{Object: "visit", ObjectID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range trail.Items {
			acts = append(acts, string(e.Action))
		}
		if strings.Join(acts, " ") != "sign update create" {
			t.Fatalf("audit trail of the visit: %v", acts)
		}
		facts, err := db.HouseholdFacts(ctx, countyScope, h.ID)
		if err != nil || facts == nil || facts.Visits != 1 || facts.LastVisitID != v.ID {
			t.Fatalf("merged facts: %v %+v", err, facts)
		}
		if g, _ := facts.Facts.Get(screening.FHouseGrade); g != screening.GradeB {
			t.Fatalf("grade %v", g)
		}

		// A correction supersedes the signed visit: its facts win, the old
		// visit stays as it was.
		fix := housingVisit(t, db, h, "D")
		fix.Supersedes = v.ID
		if _, _, err := put(*fix); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignVisit(ctx, countyScope, fix.ID, "李四", 7); err != nil {
			t.Fatal(err)
		}
		old, _ := db.Visit(ctx, countyScope, v.ID)
		if old.SupersededBy != fix.ID || !old.Intact {
			t.Fatalf("superseded visit: %+v", old)
		}
		facts, _ = db.HouseholdFacts(ctx, countyScope, h.ID)
		if g, _ := facts.Facts.Get(screening.FHouseGrade); g != screening.GradeD || facts.Visits != 1 || len(facts.NotMet()) != 1 {
			t.Fatalf("facts after the correction: grade %v, %+v", g, facts)
		}
		twice := housingVisit(t, db, h, "A")
		twice.Supersedes = v.ID
		if _, _, err := put(*twice); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("correcting an already corrected visit: %v", err)
		}
		// An incomplete visit cannot be signed.
		part := housingVisit(t, db, h2, "A")
		part.Answers = part.Answers[:2]
		if _, _, err := put(*part); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignVisit(ctx, countyScope, part.ID, "李四", 7); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("incomplete visit signed: %v", err)
		}
	})
}

func TestCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		a := family(t, db, village, "C1", 11, "in_school", false)
		family(t, db, village, "C2", 12, "in_school", false)
		c := family(t, db, "141121104202", "C3", 13, "in_school", false)
		routine, err := db.RoutineCampaign(ctx, "141121")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []*registry.Household{a, c} {
			v := housingVisit(t, db, h, "A")
			if _, _, err := db.PutVisit(ctx, countyScope, v); err != nil {
				t.Fatal(err)
			}
			if h == a {
				if _, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7); err != nil {
					t.Fatal(err)
				}
			}
		}
		rows, err := db.CampaignCoverage(ctx, countyScope, routine, "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int{}
		for _, r := range rows {
			got[r.Region] = [2]int{r.Total, r.Visited}
		}
		want := map[string][2]int{"141121000000": {3, 1}, "141121104000": {3, 1}, village: {2, 1}, "141121104202": {1, 0}}
		if len(got) != len(want) || rows[0].Region != "141121000000" || rows[0].Name != "文水县" {
			t.Fatalf("coverage %+v", rows)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %v, want %v", k, got[k], w)
			}
		}
		// A village's cadre sees its own village only.
		rows, _ = db.CampaignCoverage(ctx, store.ScopeOf("141121104202"), routine, "")
		if len(rows) != 1 || rows[0].Region != "141121104202" || rows[0].Total != 1 {
			t.Fatalf("village coverage %+v", rows)
		}
		un, err := db.Unvisited(ctx, countyScope, routine, "", 10, 0)
		if err != nil || un.Total != 2 || len(un.Items) != 2 || un.Items[0].Number != "C2" || un.Items[1].Number != "C3" {
			t.Fatalf("unvisited %v %+v", err, un)
		}
		un, _ = db.Unvisited(ctx, countyScope, routine, village, 10, 0)
		if un.Total != 1 || un.Items[0].Number != "C2" {
			t.Fatalf("unvisited in a village %+v", un)
		}
	})
}

// findingSet runs the rules and returns the open findings as rule@member.
func openFindings(t *testing.T, db *store.DB, sc store.Scope) []string {
	t.Helper()
	page, err := db.ListFindings(ctx, sc, store.FindingFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range page.Items {
		s := f.Rule
		if f.Item != "" {
			s += "." + f.Item
		}
		if f.MemberID != 0 {
			s += "@" + f.MemberName
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestRulesRunDedupeAndResolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		h := family(t, db, village, "R1", 11, "dropout", true)
		family(t, db, "141121104202", "R2", 21, "in_school", false)
		run := func(opt store.RunOptions) *store.RunResult {
			t.Helper()
			if opt.Region == "" {
				opt.Region = "141121"
			}
			res, err := db.RunRules(ctx, countyScope, opt)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		res := run(store.RunOptions{})
		want := []string{"edu_dropout@王小明", "med_uninsured@王建国"}
		if got := openFindings(t, db, countyScope); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("findings %v, want %v", got, want)
		}
		if res.Households != 2 || res.Members != 6 || res.Raised != 2 || res.Kept != 0 || res.Resolved != 0 || !res.TownshipPass {
			t.Fatalf("first run %+v", res)
		}
		res = run(store.RunOptions{})
		if res.Raised != 0 || res.Kept != 2 || res.Resolved != 0 || len(openFindings(t, db, countyScope)) != 2 {
			t.Fatalf("second run raised again: %+v", res)
		}
		// The child goes back to school: the finding is resolved.
		full, _ := db.Household(ctx, countyScope, h.ID)
		var kid registry.Member
		for _, m := range full.Members {
			if m.Relation == "child" {
				kid = m
			}
		}
		kid.Schooling = "in_school"
		if _, err := db.UpdateMember(ctx, countyScope, &kid); err != nil {
			t.Fatal(err)
		}
		// A run over the other village resolves nothing here.
		if res := run(store.RunOptions{Region: "141121104202"}); res.Resolved != 0 || res.TownshipPass {
			t.Fatalf("run over another village: %+v", res)
		}
		res = run(store.RunOptions{})
		if res.Resolved != 1 || res.Kept != 1 {
			t.Fatalf("third run %+v", res)
		}
		all, _ := db.ListFindings(ctx, countyScope, store.FindingFilter{Status: "resolved"})
		if all.Total != 1 || all.Items[0].Rule != "edu_dropout" || all.Items[0].ResolvedRun != res.ID {
			t.Fatalf("resolved %+v", all.Items)
		}
		// A run over one household raises and resolves for it alone.
		other := family(t, db, "141121104202", "R3", 31, "dropout", false)
		if res := run(store.RunOptions{Household: other.ID}); res.Raised != 1 || res.Households != 1 || res.Resolved != 0 || res.TownshipPass {
			t.Fatalf("household run %+v", res)
		}
		if _, err := db.RunRules(ctx, store.ScopeOf(village), store.RunOptions{Household: other.ID}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("household run out of scope: %v", err)
		}
		// It recurs: a new finding, the resolved one kept as history.
		kid.Schooling = "dropout"
		db.UpdateMember(ctx, countyScope, &kid)
		res = run(store.RunOptions{})
		all, _ = db.ListFindings(ctx, countyScope, store.FindingFilter{Status: "all", Rule: "edu_dropout", Household: h.ID})
		if res.Raised != 1 || all.Total != 2 || all.Items[0].ID == all.Items[1].ID {
			t.Fatalf("recurrence: %+v %+v", res, all.Items)
		}
		// A campaign screening housing only neither raises nor resolves other dimensions.
		camp := &screening.Campaign{Kind: "intensive", Name: "住房", Region: "141121", Dimensions: []string{"housing"},
			Start: registry.Date{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, End: registry.Date{Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
		if err := db.CreateCampaign(ctx, countyScope, camp); err != nil {
			t.Fatal(err)
		}
		if res := run(store.RunOptions{CampaignID: camp.ID}); res.Findings != 0 || res.Resolved != 0 {
			t.Fatalf("housing run %+v", res)
		}
		// A signed visit finding a D-grade house raises house_dangerous.
		v := housingVisit(t, db, h, "D")
		v.CampaignID = camp.ID
		if _, _, err := db.PutVisit(ctx, countyScope, v); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7); err != nil {
			t.Fatal(err)
		}
		res = run(store.RunOptions{CampaignID: camp.ID})
		got := openFindings(t, db, countyScope)
		if res.Raised != 1 || strings.Join(got, " ") != "edu_dropout@王小明 edu_dropout@王小明 house_dangerous med_uninsured@王建国" {
			t.Fatalf("after the visit: %+v %v", res, got)
		}
		page, _ := db.ListFindings(ctx, countyScope, store.FindingFilter{Dimension: "住房", Region: village})
		if page.Total != 1 || page.Items[0].Evidence[0].Value != "D级" || page.Items[0].HouseholdNumber != "R1" || page.Items[0].HeadName != "王建国" {
			t.Fatalf("housing finding %+v", page.Items)
		}
		if page, _ := db.ListFindings(ctx, store.ScopeOf("141121104202"), store.FindingFilter{}); page.Total != 1 || page.Items[0].HouseholdNumber != "R3" {
			t.Fatalf("findings leak out of scope: %+v", page.Items)
		}
		if _, err := db.RunRules(ctx, store.ScopeOf("141121104202"), store.RunOptions{Region: "141121"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("run out of scope: %v", err)
		}
		if _, err := db.RunRules(ctx, countyScope, store.RunOptions{Region: "141100"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("run over a city: %v", err)
		}
		// The household moves to the other village: a run there keeps its
		// open findings (not raised twice) and files them under the new village.
		moved, _ := db.Household(ctx, countyScope, h.ID)
		moved.RegionCode = "141121104202"
		if _, err := db.UpdateHousehold(ctx, countyScope, moved); err != nil {
			t.Fatal(err)
		}
		res = run(store.RunOptions{Region: "141121104202"})
		if res.Raised != 0 || res.Kept != 4 {
			t.Fatalf("run after the move: %+v", res)
		}
		if page, _ := db.ListFindings(ctx, store.ScopeOf("141121104202"), store.FindingFilter{}); page.Total != 4 {
			t.Fatalf("findings follow the household: %d", page.Total)
		}
		if trail, _ := db.AuditEntries(ctx, countyScope, store.AuditFilter{Action: audit.ActRunRules}); len(trail.Items) < 5 ||
			!strings.Contains(trail.Items[0].Detail, "新发现") {
			t.Fatalf("runs in the audit trail: %+v", trail.Items)
		}
		runs, err := db.RuleRuns(ctx, countyScope, "", 10)
		if err != nil || len(runs) < 5 || runs[0].ID != res.ID {
			t.Fatalf("runs %v %+v", err, runs)
		}
	})
}

func tinyPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniffPhoto(t *testing.T) {
	var jp bytes.Buffer
	jpeg.Encode(&jp, image.NewGray(image.Rect(0, 0, 4, 3)), nil)
	webp := []byte("RIFF\x14\x00\x00\x00WEBPVP8 \x08\x00\x00\x00abcdefgh")
	for _, tc := range []struct {
		name string
		data []byte
		ct   string
		code apperr.Code
	}{
		{"png", tinyPNG(t, 3, 2), "image/png", ""},
		{"jpeg", jp.Bytes(), "image/jpeg", ""},
		{"webp", webp, "image/webp", ""},
		{"empty", nil, "", apperr.Invalid},
		{"html", []byte("<html><script>alert(1)</script></html>"), "", apperr.Invalid},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", apperr.Invalid},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "", apperr.Invalid},
		{"jpeg magic, junk after", []byte("\xff\xd8\xff<html>"), "", apperr.Invalid},
		{"truncated webp", webp[:20], "", apperr.Invalid},
		{"too large", append([]byte("\xff\xd8\xff"), make([]byte, store.MaxPhotoBytes)...), "", apperr.TooLarge},
		{"too many pixels", tinyPNG(t, store.MaxPhotoSide+1, 1), "", apperr.Invalid},
	} {
		ct, _, err := store.SniffPhoto(tc.data)
		if ct != tc.ct || (tc.code == "" && err != nil) || (tc.code != "" && !apperr.Is(err, tc.code)) {
			t.Errorf("%s: %q %v", tc.name, ct, err)
		}
	}
}

func FuzzSniffPhoto(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, ext, err := store.SniffPhoto(b)
		if err == nil && !(ct == "image/jpeg" && ext == "jpg" || ct == "image/png" && ext == "png" || ct == "image/webp" && ext == "webp") {
			t.Fatalf("accepted %q as %q", b, ct)
		}
	})
}

func TestPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		h := family(t, db, village, "P1", 11, "in_school", false)
		img := tinyPNG(t, 8, 8)
		p, err := db.PutPhoto(ctx, countyScope, h.ID, img, 7)
		if err != nil || p.ContentType != "image/png" || !strings.HasSuffix(p.Key, ".png") {
			t.Fatalf("put: %v %+v", err, p)
		}
		again, err := db.PutPhoto(ctx, countyScope, h.ID, img, 7)
		if err != nil || again.Key != p.Key {
			t.Fatalf("same photo twice: %v %+v", err, again)
		}
		got, err := db.Photo(ctx, countyScope, p.Key)
		if err != nil || !bytes.Equal(got.Data, img) || got.ContentType != "image/png" {
			t.Fatalf("get: %v", err)
		}
		if _, err := db.Photo(ctx, store.ScopeOf("141121104202"), p.Key); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("photo out of scope: %v", err)
		}
		if _, err := db.PutPhoto(ctx, store.ScopeOf("141121104202"), h.ID, img, 7); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("upload out of scope: %v", err)
		}
		// A visit may only name photos of its own household.
		v := housingVisit(t, db, h, "C")
		v.Answers[0].Photos = []string{p.Key}
		if _, _, err := db.PutVisit(ctx, countyScope, v); err != nil {
			t.Fatal(err)
		}
		h2 := family(t, db, village, "P2", 12, "in_school", false)
		w := housingVisit(t, db, h2, "C")
		w.Answers[0].Photos = []string{p.Key}
		if _, _, err := db.PutVisit(ctx, countyScope, w); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("another household's photo: %v", err)
		}
	})
}

// countyVisit is a complete visit of the water, housing and income items
// with facts drawn from k, so that some households trip the rules.
func countyVisit(t *testing.T, db *store.DB, h *registry.Household, k int) *screening.Visit {
	t.Helper()
	ok := func(b bool) string {
		if b {
			return screening.ResultMet
		}
		return screening.ResultNotMet
	}
	grade := []string{"A", "B", "B", "C", "D"}[k%5]
	litres := []float64{45, 30, 15}[k%3]
	tap := k%4 != 0
	supply := []float64{95, 92, 80}[k%3]
	wage := []float64{60000, 30000, 9000, 2000}[k%4]
	facts := screening.FactSet{"house_grade": grade, "water_quality_ok": k%7 != 0, "water_litres": litres, "tap_water": tap,
		"supply_rate": supply, "income_wage": wage, "income_operating": 1000.0, "income_property": 0.0, "income_transfer": 2000.0,
		"eligible_expenses": 500.0, "last_year_per_capita": 12000.0}
	if !tap {
		facts["fetch_minutes"], facts["distance_h"], facts["distance_v"] = 30.0, 1000.0, 10.0
	}
	ans := []screening.Answer{
		{Item: "house_grade", Result: ok(grade < "C")}, {Item: "house_moved_in", Result: screening.ResultNA},
		{Item: "house_moved_back", Result: screening.ResultNA}, {Item: "house_subsidy", Result: screening.ResultNA},
		{Item: "house_quality", Result: screening.ResultNA}, {Item: "house_disaster", Result: screening.ResultNA},
		{Item: "water_quality", Result: ok(k%7 != 0)}, {Item: "water_quantity", Result: ok(litres >= 20)},
		{Item: "water_convenience", Result: ok(tap)}, {Item: "water_reliability", Result: ok(supply >= 90)},
		{Item: "water_facility", Result: ok(k%11 != 0)}, {Item: "water_seasonal", Result: screening.ResultMet},
		{Item: "water_cistern", Result: screening.ResultNA}, {Item: "water_hazard", Result: screening.ResultNA},
		{Item: "inc_income", Result: screening.ResultMet}, {Item: "inc_last_year", Result: screening.ResultMet},
		{Item: "inc_hardship", Result: screening.ResultMet},
	}
	for i := range ans {
		if ans[i].Result == screening.ResultNotMet {
			ans[i].Note = "入户核实不符合"
		}
	}
	return &screening.Visit{ID: newID(t), HouseholdID: h.ID, Dimensions: []string{"housing", "water", "income"},
		Cadre: "李四", CadreID: 7, VisitedAt: db.Clock.Now().Add(-time.Hour), Facts: facts, Answers: ans}
}

// TestRulesRunMatchesDomain runs the rules over a generated county through
// the store's streaming path and checks that the open findings are exactly
// those of screening.Evaluate and the township pass applied household by
// household to the registry and the merged visit facts.
func TestRulesRunMatchesDomain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		db.Clock = clock.NewManual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
		if _, err := db.LoadOfficialRegions(ctx); err != nil {
			t.Fatal(err)
		}
		g, err := demo.New(demo.Options{Households: 1200, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddVillages(ctx, g.Villages); err != nil {
			t.Fatal(err)
		}
		err = db.BulkLoad(ctx, func(l *store.Loader) error {
			return g.Each(func(v region.Region, hs []*registry.Household) error { return l.Add(hs) })
		})
		if err != nil {
			t.Fatal(err)
		}
		var all []*registry.Household
		for off := 0; ; off += 500 {
			page, err := db.ListHouseholds(ctx, countyScope, store.HouseholdFilter{Limit: 500, Offset: off, NoTotal: true})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Items...)
			if len(page.Items) < 500 {
				break
			}
		}
		// Every 6th household visited and signed; a draft for every 13th.
		for i, h := range all {
			if i%6 != 0 && i%13 != 0 {
				continue
			}
			v := countyVisit(t, db, h, i/6)
			if _, _, err := db.PutVisit(ctx, countyScope, v); err != nil {
				t.Fatalf("visit %d: %v", i, err)
			}
			if i%6 == 0 {
				if _, err := db.SignVisit(ctx, countyScope, v.ID, "李四", 7); err != nil {
					t.Fatalf("sign %d: %v", i, err)
				}
			}
		}
		res, err := db.RunRules(ctx, countyScope, store.RunOptions{Region: "141121000000"})
		if err != nil {
			t.Fatal(err)
		}

		// The same, household by household, through the domain package.
		p, err := screening.NewParams("141121000000", nil, db.Clock.Now().In(clock.China))
		if err != nil {
			t.Fatal(err)
		}
		if p.Items, err = db.CheckItems(ctx, "141121"); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		rules := map[string]int{}
		emit := func(f screening.Finding) { want[f.Key()] = true; rules[f.Rule]++ }
		var rank screening.IncomeRank
		members := 0
		for _, h := range all {
			full, err := db.Household(ctx, countyScope, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := screening.InputFrom(full, full.Members)
			members += len(in.Members)
			m, err := db.HouseholdFacts(ctx, countyScope, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				m.ApplyTo(&in)
			}
			screening.Evaluate(&in, p, emit)
			rank.Add(&in)
		}
		rank.Findings(p, emit)
		if res.Households != len(all) || res.Members != members || res.Raised != len(want) {
			t.Fatalf("run %+v; want %d households, %d members, %d findings", res, len(all), members, len(want))
		}
		got := map[string]bool{}
		err = db.EachFinding(ctx, countyScope, store.FindingFilter{}, func(f *store.FindingRecord) error {
			got[f.Key] = true
			if f.Region == "" || f.Title == "" || f.Source.Quote == "" {
				t.Errorf("finding %+v", f)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing %s", k)
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("unexpected %s", k)
			}
		}
		// The generated county trips rules of every kind of input.
		for _, r := range []string{"house_dangerous", "water_quantity", "water_convenience", "water_reliability", "water_quality",
			"inc_below_threshold", "inc_sharp_fall", screening.RuleIncomeLowest, screening.RuleItemNotMet, "med_uninsured",
			"edu_disabled_unassessed", "sn_no_labour"} {
			if rules[r] == 0 {
				t.Errorf("no %s finding in the generated county (%v)", r, rules)
			}
		}
	})
}
