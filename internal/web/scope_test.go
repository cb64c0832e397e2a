package web_test

// TestScopeNeverLeaks is generated from the route tables: every role, with
// a bearer token (API) and with a session (pages), calls every JSON
// endpoint and every page route about records inside and outside its
// region. It fails when a response shows a record outside the scope, when
// an out-of-scope record answers anything but 404/403 on a route that names
// it, or when a request about an out-of-scope record changes it. New routes
// are covered automatically; a route with a path parameter the test does
// not know fails until a fixture is added to paramFixtures below.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web"
	"sanbao/internal/web/webtest"
)

// scopeRecord is everything the test world has in one village: a household
// with one member, an account of a village cadre and its API token. Its
// markers (the head's name and the household number) must never appear in
// a response to an account whose region does not contain the village.
type scopeRecord struct {
	Village   string
	Household *registry.Household
	Member    registry.Member
	Account   *auth.Account
	TokenID   int64
	ImportJob int64  // an import job of the village (refused, with an error workbook)
	Name      string // marker: the head's name
	Number    string // marker: the household number
	Problem   int64  // a problem of the ledger about the household (its description names the head)
	Evidence  string // the key of a photo of that problem

	Campaign int64  // an intensive campaign over the village
	Visit    string // a draft visit of the household (by the village's cadre)
	Photo    string // a photo of the household

	Finding int64 // an open finding of the rules about the household (findingFixture)
	// Cross-check records of the village's county (crosscheck_test.go).
	UploadID, AlertID, AttachmentID int64
}

var scopeVillages = []struct{ code, village, name string }{
	{"141121104201", "东堡村", "甲户主"},  // 文水县刘胡兰镇
	{"141121104202", "西堡村", "乙户主"},  // 文水县刘胡兰镇, another village
	{"141121100201", "南街村", "丙户主"},  // 文水县凤城镇, another township
	{"141122100201", "北关村", "丁户主"},  // 交城县, another county
	{"110101001201", "东厂社区", "戊户主"}, // 北京市东城区, another province
}

// scopeRoles puts one account of every role at a region containing the
// first village.
var scopeRoles = []struct {
	role   auth.Role
	region string
}{
	{auth.RoleVillageCadre, "141121104201"}, {auth.RoleWorkTeam, "141121104201"}, {auth.RoleTownship, "141121104000"},
	{auth.RoleDepartment, "141121000000"}, {auth.RoleCountyOffice, "141121000000"}, {auth.RoleCityViewer, "141100000000"},
	{auth.RoleProvinceViewer, "140000000000"}, {auth.RoleAuditor, "141121000000"}, {auth.RoleAdmin, "141121000000"},
}

// paramFixtures fill a route's path parameters from a record, by the
// route's path prefix. Add a line here for a new kind of record.
var paramFixtures = []struct {
	prefix, param string
	value         func(r *scopeRecord) string
}{
	{"/api/v1/households/", "id", func(r *scopeRecord) string { return itoa(r.Household.ID) }},
	{"/households/", "id", func(r *scopeRecord) string { return itoa(r.Household.ID) }},
	{"/api/v1/members/", "id", func(r *scopeRecord) string { return itoa(r.Member.ID) }},
	{"/members/", "id", func(r *scopeRecord) string { return itoa(r.Member.ID) }},
	{"/api/v1/regions/", "code", func(r *scopeRecord) string { return r.Village }},
	{"/regions/", "code", func(r *scopeRecord) string { return r.Village }},
	{"/accounts/", "id", func(r *scopeRecord) string { return itoa(r.Account.ID) }},
	{"/tokens/", "id", func(r *scopeRecord) string { return itoa(r.TokenID) }},
	{"/api/v1/problems/", "id", func(r *scopeRecord) string { return itoa(r.Problem) }},
	{"/problems/", "id", func(r *scopeRecord) string { return itoa(r.Problem) }},
	{"/problems/", "action", func(r *scopeRecord) string { return "progress" }},
	{"/api/v1/evidence/", "key", func(r *scopeRecord) string { return r.Evidence }},
	{"/api/v1/campaigns/", "id", func(r *scopeRecord) string { return itoa(r.Campaign) }},
	{"/campaigns/", "id", func(r *scopeRecord) string { return itoa(r.Campaign) }},
	{"/api/v1/visits/", "id", func(r *scopeRecord) string { return r.Visit }},
	{"/visits/", "id", func(r *scopeRecord) string { return r.Visit }},
	{"/api/v1/photos/", "key", func(r *scopeRecord) string { return r.Photo }},
	{"/api/v1/findings/", "id", func(r *scopeRecord) string { return itoa(r.Finding) }},
	{"/findings/", "id", func(r *scopeRecord) string { return itoa(r.Finding) }},
	{"/imports/", "id", func(r *scopeRecord) string { return itoa(r.ImportJob) }},
	{"/api/v1/roster-uploads/", "id", func(r *scopeRecord) string { return itoa(r.UploadID) }},
	{"/roster/uploads/", "id", func(r *scopeRecord) string { return itoa(r.UploadID) }},
	{"/api/v1/alerts/", "id", func(r *scopeRecord) string { return itoa(r.AlertID) }},
	{"/alerts/", "id", func(r *scopeRecord) string { return itoa(r.AlertID) }},
	{"/api/v1/alert-attachments/", "id", func(r *scopeRecord) string { return itoa(r.AttachmentID) }},
	{"/alert-files/", "id", func(r *scopeRecord) string { return itoa(r.AttachmentID) }},
}

// referenceRoutes serve public reference data (the official division
// codes and names), the same for everyone: they may answer about any
// region, but must still show no household outside the scope.
var referenceRoutes = map[string]bool{
	"GET /api/v1/regions/{code}": true, "GET /api/v1/regions/{code}/children": true,
}

// skipRoutes are not about records: signing in and out.
var skipRoutes = map[string]string{
	"GET /login": "public", "POST /login": "public", "POST /logout": "ends the session the test uses",
	"GET /ledger/import/errors/{token}": "a refused import's error workbook, kept for the account that imported",
}

func fillPath(t *testing.T, path string, rec *scopeRecord) (string, bool) {
	t.Helper()
	out := path
	for strings.Contains(out, "{") {
		i := strings.Index(out, "{")
		j := strings.Index(out[i:], "}") + i
		param := strings.TrimSuffix(out[i+1:j], "...")
		if param == "$" {
			out = out[:i] + out[j+1:]
			continue
		}
		found := false
		for _, f := range paramFixtures {
			if strings.HasPrefix(path, f.prefix) && f.param == param {
				out = out[:i] + f.value(rec) + out[j+1:]
				found = true
				break
			}
		}
		if !found {
			t.Errorf("route %s: no fixture for {%s}; add one to paramFixtures in scope_test.go", path, param)
			return "", false
		}
	}
	return out, true
}

// requestBody is a plausible body for a write about rec: for a route that
// names the record, its own values (so that an in-scope write changes
// nothing that matters); for one that creates, new values in its village
// under its household (not the markers, which a refused form shows back).
// JSON for the API (a member's for member routes, else a household's), a
// form for pages.
func requestBody(rec *scopeRecord, path string, named bool) (any, url.Values) {
	h, m := *rec.Household, rec.Member
	if !named {
		h.Number, m.Name, m.Relation = "NEW"+rec.Village, "新成员", "child"
		m.IDNumber = idcard.Make(rec.Village[:6], time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC), 77)
	}
	var js any = map[string]any{"region_code": h.RegionCode, "number": h.Number, "category": h.Category, "phone": h.Phone}
	if strings.Contains(path, "/members") {
		js = map[string]any{"household_id": h.ID, "id_number": m.IDNumber, "name": m.Name, "relation": m.Relation}
	}
	form := url.Values{
		"region_code": {h.RegionCode}, "number": {h.Number}, "category": {h.Category}, "phone": {h.Phone},
		"household_id": {itoa(h.ID)}, "id_number": {m.IDNumber}, "name": {m.Name}, "relation": {m.Relation},
		"health": {m.Health}, "disability_type": {"none"}, "disability_grade": {"0"}, "schooling": {"none"}, "labour": {"normal"},
		"username": {"new-" + rec.Village}, "display_name": {"新账号"}, "role": {"village_cadre"}, "days": {"30"},
		"what": {"member-" + itoa(m.ID)}, "password": {"long-enough-9"}, "reset_password": {""},
	}
	if strings.HasPrefix(path, "/accounts") || strings.HasPrefix(path, "/tokens") {
		form.Set("name", "测试用途") // a token's purpose, not a person
	}
	return js, form
}

// query asks list routes for the record by every filter they might have.
func listQuery(rec *scopeRecord) string {
	return url.Values{"region": {rec.Village}, "q": {rec.Member.IDNumber}, "household_id": {itoa(rec.Household.ID)},
		"object_id": {itoa(rec.Household.ID)}}.Encode()
}

// snapshot is what a refused write must leave unchanged.
func snapshot(t *testing.T, db *store.DB, rec *scopeRecord) string {
	t.Helper()
	ctx := context.Background()
	h, err := db.Household(ctx, store.Everywhere, rec.Household.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.UpdatedAt = time.Time{}
	a, _ := db.AccountByUsername(ctx, rec.Account.Username)
	toks, _ := db.Tokens(ctx, store.Everywhere, rec.Account.ID)
	nh, nm, _ := db.Counts(ctx, store.ScopeOf(rec.Village))
	p, err := db.Problem(ctx, store.Everywhere, rec.Problem)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := db.EvidenceFiles(ctx, store.Everywhere, rec.Problem)
	f, err := db.Finding(ctx, store.Everywhere, rec.Finding)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{h, a.Disabled, a.PasswordHash, a.DisplayName, a.Role, a.RegionCode, toks[0].RevokedAt, nh, nm,
		p.State, len(p.History), p.Remarks, len(files), f.ProblemID})
	return string(b)
}

func buildScopeWorld(t *testing.T, db *store.DB) []*scopeRecord {
	t.Helper()
	ctx := context.Background()
	shellDB(t, db)
	var vs []region.Region
	for _, v := range scopeVillages {
		vs = append(vs, region.Region{Code: v.code, Name: v.village})
	}
	if err := db.AddVillages(ctx, vs); err != nil {
		t.Fatal(err)
	}
	var recs []*scopeRecord
	for i, v := range scopeVillages {
		rec := &scopeRecord{Village: v.code, Name: v.name, Number: fmt.Sprintf("SCOPE%c%d", 'A'+i, i)}
		rec.Household = &registry.Household{RegionCode: v.code, Number: rec.Number, Category: "lifted", Phone: "1390000000" + itoa(int64(i))}
		head := registry.Member{Name: v.name, Relation: registry.RelationHead,
			IDNumber: idcard.Make(v.code[:6], time.Date(1970, 1, 1+i, 0, 0, 0, 0, time.UTC), 11)}
		if err := db.CreateHousehold(ctx, store.Everywhere, rec.Household, []registry.Member{head}); err != nil {
			t.Fatal(err)
		}
		rec.Member = rec.Household.Members[0]
		rec.Member.Normalize()
		rec.Account = webtest.Account(t, db, fmt.Sprintf("fixture%d", i), auth.RoleVillageCadre, v.code)
		_, tok, err := db.IssueToken(ctx, nil, rec.Account.ID, "fixture", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		rec.TokenID = tok.ID
		p, err := db.CreateProblem(ctx, store.Everywhere, ledger.Draft{Description: v.name + "家住房出现裂缝", Dimension: "housing",
			HouseholdID: rec.Household.ID, Source: "visit"}, ledger.Actor{Name: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		rec.Problem = p.ID
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2)))
		f, err := db.AddEvidenceFile(ctx, store.Everywhere, p.ID, "照片.png", img.Bytes(), ledger.Actor{Name: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		rec.Evidence = f.Key
		screeningFixtures(t, db, rec)
		findingFixture(t, db, rec)
		job := &store.ImportJob{RegionCode: v.code, AccountID: rec.Account.ID, Username: rec.Account.Username, FileName: "scope.csv", FileSize: 1}
		if err := db.CreateImportJob(ctx, store.Everywhere, job); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishImportJob(ctx, job.ID, store.JobRefused, "有误", "", 1, []byte("PK")); err != nil {
			t.Fatal(err)
		}
		rec.ImportJob = job.ID
		recs = append(recs, rec)
	}
	crossCheckScopeWorld(t, db, recs)
	return recs
}

func TestScopeNeverLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		recs := buildScopeWorld(t, db)
		_, ts := webtest.Start(t, db)
		apiRoutes := web.APIRoutes()
		pageRoutes := web.PageRoutes()
		if len(apiRoutes) < 10 || len(pageRoutes) < 20 {
			t.Fatalf("route tables look empty: %d API, %d pages", len(apiRoutes), len(pageRoutes))
		}
		reached := map[string]bool{} // routes that answered 200 about an in-scope record for some role
		for _, sr := range scopeRoles {
			acc := webtest.Account(t, db, "", sr.role, sr.region)
			token, _, err := db.IssueToken(context.Background(), nil, acc.ID, "scope", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			browser := webtest.Login(t, ts.URL, acc.Username, "")
			scope := auth.ScopeOf(*acc)
			for _, rec := range recs {
				inside := scope.Contains(rec.Village)
				var outsideMarkers []string
				for _, o := range recs {
					if !scope.Contains(o.Village) || !auth.Can(sr.role, auth.CapViewRegistry) {
						outsideMarkers = append(outsideMarkers, o.Name, o.Number)
					}
				}
				check := func(route, method, path string, named bool, st int, body string, before string) {
					t.Helper()
					where := fmt.Sprintf("%s %s → %s %s (%s, record in %s, inside=%v)", method, route, method, path, sr.role, rec.Village, inside)
					if st >= 500 {
						t.Errorf("%s: status %d: %.300s", where, st, body)
					}
					for _, m := range outsideMarkers {
						if strings.Contains(body, m) {
							t.Errorf("%s: LEAK of %q (status %d)", where, m, st)
						}
					}
					if !inside {
						if named && st != http.StatusNotFound && st != http.StatusForbidden {
							t.Errorf("%s: out-of-scope record answered %d, want 404 or 403", where, st)
						}
						if !named && method != "GET" && st >= 200 && st < 400 {
							t.Errorf("%s: out-of-scope write answered %d", where, st)
						}
						if before != "" {
							if after := snapshot(t, db, rec); after != before {
								t.Errorf("%s: out-of-scope record changed:\n%s\n%s", where, before, after)
							}
						}
					}
					if inside && st == http.StatusOK && named && method == "GET" {
						reached[route] = true
					}
				}
				for _, rt := range apiRoutes {
					method, p, _ := strings.Cut(rt, " ")
					path, ok := fillPath(t, p, rec)
					if !ok {
						continue
					}
					named := path != p
					js, _ := requestBody(rec, path, named)
					var bodyR io.Reader
					if method != "GET" {
						b, _ := json.Marshal(js)
						bodyR = bytes.NewReader(b)
					} else if !named {
						path += "?" + listQuery(rec)
					}
					before := ""
					if !inside && method != "GET" {
						before = snapshot(t, db, rec)
					}
					req, _ := http.NewRequest(method, ts.URL+path, bodyR)
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					check(rt, method, path, named && !referenceRoutes[rt], resp.StatusCode, string(body), before)
				}
				for _, pr := range pageRoutes {
					key := pr.Method + " " + pr.Path
					if _, skip := skipRoutes[key]; skip {
						continue
					}
					path, ok := fillPath(t, pr.Path, rec)
					if !ok {
						continue
					}
					named := path != strings.ReplaceAll(pr.Path, "{$}", "")
					before := ""
					var st int
					var body string
					if pr.Method == "GET" {
						if !named {
							path += "?" + listQuery(rec)
						}
						st, body, _ = browser.Get(path)
					} else {
						if !inside {
							before = snapshot(t, db, rec)
						}
						_, form := requestBody(rec, path, named)
						st, body, _ = browser.Post(path, form)
					}
					if st == http.StatusSeeOther && pr.Method == "GET" && strings.HasPrefix(path, "/regions") && !named {
						continue // /regions redirects to the account's own region
					}
					check(key, pr.Method, path, named, st, body, before)
					if inside && pr.Method == "GET" && named && auth.Can(sr.role, pr.Cap) && pr.Cap != "" && st != http.StatusOK {
						t.Errorf("%s %s (%s): in-scope record answered %d, want 200", pr.Method, path, sr.role, st)
					}
				}
			}
		}
		// The test is not vacuous: every GET route naming a record reached
		// one inside the scope of some role.
		for _, rt := range apiRoutes {
			if strings.HasPrefix(rt, "GET ") && strings.Contains(rt, "{") && !referenceRoutes[rt] && !reached[rt] {
				t.Errorf("no role reached an in-scope record through %s", rt)
			}
		}
		for _, pr := range web.PageRoutes() {
			key := pr.Method + " " + pr.Path
			if _, skip := skipRoutes[key]; pr.Method == "GET" && strings.Contains(pr.Path, "{") && !strings.Contains(pr.Path, "{$}") && !reached[key] && !skip {
				t.Errorf("no role reached an in-scope record through %s", key)
			}
		}
	})
}
