package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/policy"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// screeningHousehold adds a lifted household to 东堡村: a head, and a
// 12-year-old who dropped out of school.
func screeningHousehold(t *testing.T, db *store.DB, number string, seq int) *registry.Household {
	t.Helper()
	head := registry.Member{Name: "王建国", Relation: "head", Labour: "normal", MedicalInsured: true,
		IDNumber: idcard.Make("141121", time.Date(1975, 3, 1, 0, 0, 0, 0, time.UTC), seq)}
	kid := registry.Member{Name: "王小明", Relation: "child", Schooling: "dropout", MedicalInsured: true,
		IDNumber: idcard.Make("141121", time.Date(2014, 3, 1, 0, 0, 0, 0, time.UTC), seq+1)}
	h := &registry.Household{RegionCode: "141121104201", Number: number, Category: "lifted"}
	if err := db.CreateHousehold(context.Background(), store.ScopeOf("141121000000"), h, []registry.Member{head, kid}); err != nil {
		t.Fatal(err)
	}
	return h
}

// apiAs calls the API with a token and returns the status, the decoded
// body and the response.
func apiAs(t *testing.T, base, token, method, path string, body any) (int, map[string]any, *http.Response) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out, resp
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestScreeningAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		shellDB(t, db)
		_, ts := webtest.Start(t, db)
		base := ts.URL
		h := screeningHousehold(t, db, "S1", 11)
		cadre := webtest.Token(t, db, auth.RoleVillageCadre, "141121104201")
		other := webtest.Token(t, db, auth.RoleVillageCadre, "141121104202")
		town := webtest.Token(t, db, auth.RoleTownship, "141121104000")
		county := webtest.Token(t, db, auth.RoleCountyOffice, "141121000000")
		hid := itoa(h.ID)

		st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/campaigns", nil)
		items, _ := out["items"].([]any)
		if st != 200 || len(items) != 1 || items[0].(map[string]any)["kind"] != "routine" || items[0].(map[string]any)["open_today"] != true {
			t.Fatalf("campaigns: %d %v", st, out)
		}
		routine := int64(items[0].(map[string]any)["id"].(float64))
		campaign := map[string]any{"name": "冬季住房排查", "region_code": "141121104", "start_date": "2026-11-01", "end_date": "2026-12-31",
			"dimensions": []string{"住房"}}
		if st, _, _ := apiAs(t, base, cadre, "POST", "/api/v1/campaigns", campaign); st != 403 {
			t.Fatalf("a village cadre organises a campaign: %d", st)
		}
		if st, out, _ := apiAs(t, base, town, "POST", "/api/v1/campaigns", campaign); st != 201 || out["region_code"] != "141121104000" {
			t.Fatalf("create campaign: %d %v", st, out)
		}

		st, out, _ = apiAs(t, base, cadre, "GET", "/api/v1/households/"+hid+"/visit-form", nil)
		qs, _ := out["questions"].([]any)
		if st != 200 || len(qs) < 20 || out["household"].(map[string]any)["number"] != "S1" {
			t.Fatalf("visit form: %d %d", st, len(qs))
		}
		if st, _, _ := apiAs(t, base, other, "GET", "/api/v1/households/"+hid+"/visit-form", nil); st != 404 {
			t.Fatalf("another village's household: %d", st)
		}

		// Photos: type from the content, served as that type only.
		st, out, _ = apiAs(t, base, cadre, "POST", "/api/v1/households/"+hid+"/photos", pngBytes(t))
		key, _ := out["key"].(string)
		if st != 201 || out["content_type"] != "image/png" {
			t.Fatalf("upload: %d %v", st, out)
		}
		if st, _, _ := apiAs(t, base, cadre, "POST", "/api/v1/households/"+hid+"/photos", []byte("<html><script>alert(1)</script>")); st != 422 {
			t.Fatalf("HTML as a photo: %d", st)
		}
		st, _, resp := apiAs(t, base, cadre, "GET", "/api/v1/photos/"+key, nil)
		if st != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("photo: %d %v", st, resp.Header)
		}
		if st, _, _ := apiAs(t, base, other, "GET", "/api/v1/photos/"+key, nil); st != 404 {
			t.Fatalf("photo out of scope: %d", st)
		}

		// A visit: the same PUT twice records it once.
		vid, _ := screening.NewVisitID(bytes.NewReader([]byte("0123456789abcdef")))
		visit := map[string]any{"household_id": h.ID, "dimensions": []string{"housing"}, "visited_at": "2026-11-22T08:00:00Z",
			"cadre": "冒名者", "facts": map[string]any{"house_grade": "D"},
			"answers": []map[string]any{
				{"item": "house_grade", "result": "not_met", "note": "墙体开裂", "photos": []string{key}},
				{"item": "house_moved_in", "result": "na"}, {"item": "house_moved_back", "result": "na"},
				{"item": "house_subsidy", "result": "na"}, {"item": "house_quality", "result": "na"}, {"item": "house_disaster", "result": "na"}}}
		st, out, _ = apiAs(t, base, cadre, "PUT", "/api/v1/visits/"+vid, visit)
		if st != 201 || out["cadre"] != "测试村两委干部" || out["campaign_id"].(float64) != float64(routine) {
			t.Fatalf("put visit: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, cadre, "PUT", "/api/v1/visits/"+vid, visit); st != 200 || out["id"] != vid {
			t.Fatalf("put again: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/households/"+hid+"/visits", nil); st != 200 || len(out["items"].([]any)) != 1 {
			t.Fatalf("visits recorded: %d %v", st, out)
		}
		if st, _, _ := apiAs(t, base, other, "GET", "/api/v1/visits/"+vid, nil); st != 404 {
			t.Fatalf("visit out of scope: %d", st)
		}
		if st, _, _ := apiAs(t, base, county, "POST", "/api/v1/visits/"+vid+"/sign", nil); st != 403 {
			t.Fatalf("the county office signs a cadre's visit: %d", st)
		}
		st, out, _ = apiAs(t, base, cadre, "POST", "/api/v1/visits/"+vid+"/sign", nil)
		if st != 200 || out["signed_by"] != "测试村两委干部" || out["intact"] != true {
			t.Fatalf("sign: %d %v", st, out)
		}
		visit["facts"] = map[string]any{"house_grade": "A"}
		if st, out, _ := apiAs(t, base, cadre, "PUT", "/api/v1/visits/"+vid, visit); st != 409 {
			t.Fatalf("edit after signing: %d %v", st, out)
		}

		// Rules over the township: the D-grade house and the dropout.
		if st, _, _ := apiAs(t, base, cadre, "POST", "/api/v1/rules/run", map[string]any{"region_code": "141121104"}); st != 403 {
			t.Fatalf("a village cadre runs the rules: %d", st)
		}
		st, out, _ = apiAs(t, base, town, "POST", "/api/v1/rules/run", map[string]any{"region_code": "141121104"})
		if st != 200 || out["raised"].(float64) != 2 || out["households"].(float64) != 1 {
			t.Fatalf("run: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, town, "POST", "/api/v1/rules/run", map[string]any{"region_code": "141121104"}); st != 200 ||
			out["raised"].(float64) != 0 || out["kept"].(float64) != 2 {
			t.Fatalf("second run: %d %v", st, out)
		}
		st, out, _ = apiAs(t, base, cadre, "GET", "/api/v1/findings?dimension=housing", nil)
		fs, _ := out["items"].([]any)
		if st != 200 || len(fs) != 1 || fs[0].(map[string]any)["rule"] != "house_dangerous" || out["total"].(float64) != 1 {
			t.Fatalf("findings: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/findings?household_id="+hid+"&rule=edu_dropout", nil); st != 200 ||
			len(out["items"].([]any)) != 1 || out["items"].([]any)[0].(map[string]any)["member_name"] != "王小明" {
			t.Fatalf("dropout finding: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, other, "GET", "/api/v1/findings", nil); st != 200 || out["total"].(float64) != 0 {
			t.Fatalf("findings of another village: %d %v", st, out)
		}
		if st, _, _ := apiAs(t, base, cadre, "GET", "/api/v1/findings?dimension=nonsense", nil); st != 422 {
			t.Fatalf("bad dimension: %d", st)
		}

		st, out, _ = apiAs(t, base, town, "GET", "/api/v1/campaigns/"+itoa(routine), nil)
		cov, _ := out["coverage"].([]any)
		if st != 200 || len(cov) != 2 || cov[0].(map[string]any)["visited"].(float64) != 1 {
			t.Fatalf("coverage: %d %v", st, out)
		}
		screeningHousehold(t, db, "S2", 21)
		if st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/campaigns/"+itoa(routine)+"/unvisited", nil); st != 200 || out["total"].(float64) != 1 {
			t.Fatalf("unvisited: %d %v", st, out)
		}

		st, out, _ = apiAs(t, base, cadre, "GET", "/api/v1/check-items", nil)
		if st != 200 || out["county"] != "141121" || len(out["items"].([]any)) != len(screening.Items) {
			t.Fatalf("check items: %d", st)
		}
		item := map[string]any{"county": "141121", "code": "wx_toilet", "dimension": "housing", "scope": "household",
			"title": "是否完成卫生厕所改造？", "source": map[string]any{"Seed": "004", "Section": "§四(二)3", "Quote": "x"}}
		if st, _, _ := apiAs(t, base, town, "POST", "/api/v1/check-items", item); st != 403 {
			t.Fatalf("a township adds a county item: %d", st)
		}
		if st, out, _ := apiAs(t, base, county, "POST", "/api/v1/check-items", item); st != 201 || out["code"] != "wx_toilet" {
			t.Fatalf("county item: %d %v", st, out)
		}
		if st, out, _ := apiAs(t, base, cadre, "GET", "/api/v1/rules", nil); st != 200 || len(out["items"].([]any)) != len(screening.Rules) {
			t.Fatalf("rules: %d", st)
		}
	})
}

// TestOpenAPIScreeningSchemas keeps the screening schemas of the OpenAPI
// document true to the JSON the types carry.
func TestOpenAPIScreeningSchemas(t *testing.T) {
	db := storetest.SQLite(t)
	_, ts := webtest.Start(t, db)
	resp, err := http.Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		v      any
		extra  []string // fields the handler adds to the type
	}{
		{"Campaign", screening.Campaign{}, []string{"kind_label", "open_today"}},
		{"Coverage", store.CoverageRow{}, nil},
		{"Answer", screening.Answer{}, nil},
		{"MemberFactSet", screening.MemberFactSet{}, nil},
		{"Visit", store.VisitRecord{}, nil},
		{"FactDef", screening.FactDef{}, nil},
		{"Photo", store.Photo{}, nil},
		{"FindingEvidence", screening.Evidence{}, nil},
		{"Finding", store.FindingRecord{}, nil},
		{"FindingPage", store.FindingPage{}, nil},
		{"CheckItem", screening.CheckItem{}, nil},
		{"Rule", screening.Rule{}, nil},
		{"RunResult", store.RunResult{}, nil},
		{"Source", policy.Source{}, nil},
	} {
		want := map[string]bool{}
		jsonFields(reflect.TypeOf(tc.v), want)
		for _, e := range tc.extra {
			want[e] = true
		}
		got := map[string]bool{}
		for k := range doc.Components.Schemas[tc.schema].Properties {
			got[k] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("schema %s has %v, the type %v", tc.schema, keys(got), keys(want))
		}
	}
}

// jsonFields collects the JSON names of a struct's fields, embedded
// structs flattened.
func jsonFields(rt reflect.Type, out map[string]bool) {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch {
		case tag == "-":
		case f.Anonymous && tag == "":
			jsonFields(f.Type, out)
		case tag == "":
			out[f.Name] = true
		default:
			out[tag] = true
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// screeningFixtures gives a scope test record a campaign over its village,
// a photo and a draft visit of its household by its cadre.
func screeningFixtures(t *testing.T, db *store.DB, rec *scopeRecord) {
	t.Helper()
	ctx := context.Background()
	c := &screening.Campaign{Kind: screening.KindIntensive, Name: "住房集中排查", Region: rec.Village, Dimensions: []string{"housing"},
		Start: registry.Date{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, End: registry.Date{Time: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}
	if err := db.CreateCampaign(ctx, store.Everywhere, c); err != nil {
		t.Fatal(err)
	}
	p, err := db.PutPhoto(ctx, store.Everywhere, rec.Household.ID, pngBytes(t), rec.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := screening.NewVisitID(strings.NewReader(rec.Village + "0123456789"))
	v := &screening.Visit{ID: id, CampaignID: c.ID, HouseholdID: rec.Household.ID, Dimensions: []string{"housing"},
		Cadre: rec.Account.DisplayName, CadreID: rec.Account.ID, VisitedAt: db.Clock.Now().Add(-time.Hour),
		Answers: []screening.Answer{{Item: "house_disaster", Result: screening.ResultNA, Photos: []string{p.Key}}}}
	if _, _, err := db.PutVisit(ctx, store.Everywhere, v); err != nil {
		t.Fatal(err)
	}
	rec.Campaign, rec.Visit, rec.Photo = c.ID, v.ID, p.Key
}
