package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sanbao/internal/auth"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// findingFixture gives a scope test record an open finding of the rules
// about its household (its head has no medical insurance).
func findingFixture(t *testing.T, db *store.DB, rec *scopeRecord) {
	t.Helper()
	if _, err := db.RunRules(context.Background(), store.Everywhere, store.RunOptions{Household: rec.Household.ID}); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListFindings(context.Background(), store.Everywhere, store.FindingFilter{Household: rec.Household.ID})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no finding for household %s: %v", rec.Number, err)
	}
	rec.Finding = page.Items[0].ID
}

// dropoutFinding runs the rules over the county and returns the open
// finding of the household's child who dropped out of school.
func dropoutFinding(t *testing.T, db *store.DB, householdID int64) *store.FindingRecord {
	t.Helper()
	county := store.ScopeOf("141121000000")
	if _, err := db.RunRules(context.Background(), county, store.RunOptions{Region: "141121"}); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListFindings(context.Background(), county, store.FindingFilter{Household: householdID, Rule: "edu_dropout"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("dropout finding: %v %+v", err, page)
	}
	return page.Items[0]
}

func TestFindingToProblemAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shellDB(t, db)
		_, ts := webtest.Start(t, db)
		base := ts.URL
		h := screeningHousehold(t, db, "F1", 11)
		f := dropoutFinding(t, db, h.ID)
		path := "/api/v1/findings/" + itoa(f.ID) + "/problem"
		cadre := webtest.Token(t, db, auth.RoleVillageCadre, "141121104201")
		other := webtest.Token(t, db, auth.RoleVillageCadre, "141121104202")
		viewer := webtest.Token(t, db, auth.RoleCityViewer, "141100000000")

		st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/findings?household_id="+itoa(h.ID), nil)
		items, _ := out["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("findings: %d %v", st, out)
		}
		if _, linked := items[0].(map[string]any)["problem_id"]; linked {
			t.Fatalf("an unlinked finding carries problem_id: %v", items[0])
		}
		for _, tc := range []struct {
			name, token string
			body        any
			status      int
		}{
			{"another village", other, map[string]any{"severity": "ordinary"}, 404},
			{"another village, no body", other, nil, 404},
			{"a role that does not report problems", viewer, map[string]any{"severity": "ordinary"}, 403},
			{"no severity", cadre, map[string]any{}, 422},
			{"unknown field", cadre, map[string]any{"severity": "ordinary", "number": "X"}, 422},
			{"not a finding", cadre, map[string]any{"severity": "ordinary"}, 404},
		} {
			p := path
			if tc.name == "not a finding" {
				p = "/api/v1/findings/" + itoa(f.ID+1000) + "/problem"
			}
			if st, out, _ := apiAs(t, base, tc.token, "POST", p, tc.body); st != tc.status {
				t.Errorf("%s: %d %v", tc.name, st, out)
			}
		}
		st, out, _ = apiAs(t, base, cadre, "POST", path, map[string]any{})
		e, _ := out["error"].(map[string]any)
		if fields, _ := e["fields"].([]any); st != 422 || len(fields) != 1 || fields[0].(map[string]any)["field"] != "severity" {
			t.Fatalf("no severity: %d %v", st, out)
		}

		st, out, resp := apiAs(t, base, cadre, "POST", path, map[string]any{"severity": "一般问题", "task_force": "教育保障专班"})
		id, _ := out["id"].(float64)
		if st != 201 || id == 0 || resp.Header.Get("Location") != "/api/v1/problems/"+itoa(int64(id)) || out["source"] != "rule" ||
			out["source_ref"] != "finding:"+itoa(f.ID) || out["severity"] != "ordinary" || out["task_force"] != "教育保障专班" ||
			out["state"] != "reported" || !strings.Contains(out["description"].(string), "王建国户（户编号F1）王小明：") {
			t.Fatalf("convert: %d %v", st, out)
		}
		if actions, _ := out["actions"].([]any); len(actions) == 0 || actions[0] != "verify" {
			t.Fatalf("the village verifies next: %v", out["actions"])
		}
		number := out["number"].(string)
		// Again: the same problem, 200, nothing new.
		st, out, _ = apiAs(t, base, cadre, "POST", path, map[string]any{"severity": "major"})
		if st != 200 || out["id"] != id || out["severity"] != "ordinary" {
			t.Fatalf("again: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/problems?household_id="+itoa(h.ID), nil); st != 200 || out["total"] != float64(1) {
			t.Fatalf("problems of the household: %d %v", st, out)
		}
		st, out, _ = apiAs(t, base, cadre, "GET", "/api/v1/findings?household_id="+itoa(h.ID), nil)
		items, _ = out["items"].([]any)
		if st != 200 || len(items) != 1 || items[0].(map[string]any)["problem_id"] != id || items[0].(map[string]any)["problem_number"] != number {
			t.Fatalf("linked finding in the list: %d %v", st, out)
		}
	})
}

func TestFindingToProblemPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		h := screeningHousehold(t, db, "F1", 11)
		f := dropoutFinding(t, db, h.ID)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		webtest.Account(t, db, "other", auth.RoleVillageCadre, "141121104202")
		webtest.Account(t, db, "viewer", auth.RoleCityViewer, "141100000000")
		_, base := startShell(t, db, clk)
		cadre := webtest.Login(t, base, "cadre", "")
		viewer := webtest.Login(t, base, "viewer", "")
		other := webtest.Login(t, base, "other", "")
		form := `action="/findings/` + itoa(f.ID) + `/problem"`
		screening := "/households/" + itoa(h.ID) + "/screening"

		// The action is offered on the list and the household's page to
		// roles that report problems, not to others.
		for _, p := range []string{"/findings", screening} {
			st, body, _ := cadre.Get(p)
			if st != 200 || !strings.Contains(body, "转为问题（纳入整改台账）") || !strings.Contains(body, form) || !strings.Contains(body, `name="severity"`) {
				t.Fatalf("%s: the action is missing (%d)", p, st)
			}
			st, body, _ = viewer.Get(p)
			if st != 200 || strings.Contains(body, form) || strings.Contains(body, "转为问题") {
				t.Fatalf("%s: a viewer is offered the action (%d)", p, st)
			}
		}
		if st, _, _ := viewer.Post("/findings/"+itoa(f.ID)+"/problem", url.Values{"severity": {"ordinary"}}); st != http.StatusForbidden {
			t.Fatalf("a viewer converts: %d", st)
		}
		if st, _, _ := other.Post("/findings/"+itoa(f.ID)+"/problem", url.Values{"severity": {"ordinary"}}); st != http.StatusNotFound {
			t.Fatalf("another village converts: %d", st)
		}
		if st, _, _ := other.Get("/findings/" + itoa(f.ID) + "/problem"); st != http.StatusNotFound {
			t.Fatalf("another village's form: %d", st)
		}
		// A refused form comes back on the finding's own page with the problem next to the field.
		st, body, _ := cadre.Post("/findings/"+itoa(f.ID)+"/problem", url.Values{"severity": {"紧急"}, "lead_unit": {"县教育局"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-severity"`) || !strings.Contains(body, "应为：一般问题、重大复杂问题") ||
			!strings.Contains(body, `value="县教育局"`) || !strings.Contains(body, "失学辍学") {
			t.Fatalf("refused form: %d %s", st, body)
		}
		if page, _ := db.ListProblems(context.Background(), store.Everywhere, store.ProblemFilter{}); page.Total != 0 {
			t.Fatalf("a refused form created %d problems", page.Total)
		}

		// Converted: to the problem's page.
		st, _, resp := cadre.Post("/findings/"+itoa(f.ID)+"/problem", url.Values{"severity": {"major"}, "lead_unit": {"县教育局"}})
		loc := resp.Header.Get("Location")
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/problems/") || !strings.HasSuffix(loc, "?ok=from_finding") {
			t.Fatalf("convert: %d %s", st, loc)
		}
		pid := strings.TrimSuffix(strings.TrimPrefix(loc, "/problems/"), "?ok=from_finding")
		st, body, _ = cadre.Get(loc)
		if st != 200 || !strings.Contains(body, "问题线索已纳入整改台账") || !strings.Contains(body, "王建国户（户编号F1）王小明") || !strings.Contains(body, "县教育局") {
			t.Fatalf("problem page: %d", st)
		}
		linked, err := db.Finding(context.Background(), store.Everywhere, f.ID)
		if err != nil || itoa(linked.ProblemID) != pid || linked.ProblemNumber == "" {
			t.Fatalf("link: %+v %v", linked, err)
		}

		// Linked findings show the number with a link, and no form.
		for _, b := range []*webtest.Browser{cadre, viewer} {
			for _, p := range []string{"/findings", screening, "/findings/" + itoa(f.ID) + "/problem"} {
				if b == viewer && strings.HasSuffix(p, "/problem") {
					continue
				}
				st, body, _ := b.Get(p)
				if st != 200 || !strings.Contains(body, "已纳入台账") || !strings.Contains(body, `href="/problems/`+pid+`"`) ||
					!strings.Contains(body, linked.ProblemNumber) || strings.Contains(body, form) {
					t.Fatalf("%s after the conversion: %d", p, st)
				}
			}
		}
		// Again: the same problem, said so.
		st, _, resp = cadre.Post("/findings/"+itoa(f.ID)+"/problem", url.Values{"severity": {"ordinary"}})
		if st != http.StatusSeeOther || resp.Header.Get("Location") != "/problems/"+pid+"?ok=in_ledger" {
			t.Fatalf("again: %d %s", st, resp.Header.Get("Location"))
		}
		if page, _ := db.ListProblems(context.Background(), store.Everywhere, store.ProblemFilter{}); page.Total != 1 {
			t.Fatalf("%d problems after two conversions", page.Total)
		}
	})
}
