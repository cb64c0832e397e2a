package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web"
	"sanbao/internal/web/webtest"
)

func newServer(t *testing.T, db *store.DB) *httptest.Server {
	t.Helper()
	db.Clock = clock.NewManual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	if _, err := db.LoadOfficialRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(context.Background(), []region.Region{{Code: "141121104201", Name: "东堡村"}}); err != nil {
		t.Fatal(err)
	}
	s := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(webtest.WithToken(s, webtest.Token(t, db, auth.RoleCountyOffice, "141121000000")))
	t.Cleanup(ts.Close)
	return ts
}

func call(t *testing.T, ts *httptest.Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			buf, _ := json.Marshal(b)
			rd = bytes.NewReader(buf)
		}
	}
	req, _ := http.NewRequest(method, ts.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func errField(out map[string]any) (code, field, msg string) {
	e, _ := out["error"].(map[string]any)
	if e == nil {
		return "", "", ""
	}
	code, _ = e["code"].(string)
	msg, _ = e["message"].(string)
	if fs, ok := e["fields"].([]any); ok && len(fs) > 0 {
		field, _ = fs[0].(map[string]any)["field"].(string)
	}
	return
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		head := idcard.Make("141121", time.Date(1968, 2, 3, 0, 0, 0, 0, time.UTC), 17)
		st, out := call(t, ts, "POST", "/api/v1/households", map[string]any{
			"region_code": "141121104201", "number": "1411211042010001", "category": "lifted",
			"members": []map[string]any{{"id_number": strings.ToLower(head), "name": "王建国", "relation": "head", "medical_insured": true}},
		})
		if st != 201 {
			t.Fatalf("create: %d %v", st, out)
		}
		id := int64(out["id"].(float64))
		if out["head_name"] != "王建国" || out["member_count"].(float64) != 1 {
			t.Fatalf("created household: %v", out)
		}
		st, out = call(t, ts, "GET", "/api/v1/households?q=王建&region=141121104000", nil)
		if st != 200 || out["total"].(float64) != 1 {
			t.Fatalf("search: %d %v", st, out)
		}
		st, out = call(t, ts, "GET", "/api/v1/households/"+itoa(id), nil)
		members := out["members"].([]any)
		if st != 200 || len(members) != 1 || members[0].(map[string]any)["birth_date"] != "1968-02-03" {
			t.Fatalf("get: %d %v", st, out)
		}

		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
			code, field        string
		}{
			{"bad ID", "POST", "/api/v1/members", map[string]any{"household_id": id, "id_number": "141121199001011234", "name": "王二", "relation": "child"}, 422, "invalid", "id_number"},
			{"duplicate person", "POST", "/api/v1/members", map[string]any{"household_id": id, "id_number": head, "name": "王二", "relation": "child"}, 409, "conflict", "id_number"},
			{"unknown region", "POST", "/api/v1/households", map[string]any{"region_code": "141121104999", "number": "N2", "category": "ordinary"}, 422, "invalid", "region_code"},
			{"missing field", "POST", "/api/v1/households", map[string]any{"region_code": "141121104201", "category": "ordinary"}, 422, "invalid", "number"},
			{"bad enum", "POST", "/api/v1/households", map[string]any{"region_code": "141121104201", "number": "N3", "category": "rich"}, 422, "invalid", "category"},
			{"future birth", "POST", "/api/v1/members", map[string]any{"household_id": id, "id_number": idcard.Make("141121", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 2), "name": "王三", "relation": "child"}, 422, "invalid", "id_number"},
			{"wrong type", "POST", "/api/v1/households", `{"region_code": 5}`, 422, "invalid", "region_code"},
			{"unknown field", "POST", "/api/v1/households", `{"region": "x"}`, 422, "invalid", ""},
			{"not JSON", "POST", "/api/v1/households", `<html>`, 422, "invalid", ""},
			{"missing household", "GET", "/api/v1/households/999999", nil, 404, "not_found", ""},
			{"bad id", "GET", "/api/v1/households/abc", nil, 404, "not_found", ""},
			{"unknown endpoint", "GET", "/api/v1/nothing", nil, 404, "not_found", ""},
		} {
			st, out := call(t, ts, tc.method, tc.path, tc.body)
			code, field, msg := errField(out)
			if st != tc.status || code != tc.code || (tc.field != "" && field != tc.field) || msg == "" {
				t.Errorf("%s: %d %s %s %q", tc.name, st, code, field, msg)
			}
		}
		hh, mm, _ := db.Counts(context.Background(), store.Everywhere)
		if hh != 1 || mm != 1 {
			t.Fatalf("refused requests wrote data: %d households %d members", hh, mm)
		}

		st, out = call(t, ts, "GET", "/api/v1/regions/141121104", nil)
		if st != 200 || out["name"] != "刘胡兰镇" || out["households"].(float64) != 1 {
			t.Fatalf("region: %d %v", st, out)
		}
		st, out = call(t, ts, "GET", "/api/v1/regions/141121/children", nil)
		if st != 200 || len(out["items"].([]any)) < 10 {
			t.Fatalf("children: %d %v", st, out)
		}
		st, out = call(t, ts, "GET", "/healthz", nil)
		if st != 200 || out["status"] != "ok" {
			t.Fatalf("healthz: %d %v", st, out)
		}
	})
}

func itoa(n int64) string    { return strings.TrimSpace(strings.Replace(jsonNum(n), "\n", "", -1)) }
func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestOpenAPIMatchesRoutes keeps the OpenAPI document true: every route is
// documented, every documented path answers, and the schemas name exactly the
// JSON fields the types carry.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	db := storetest.SQLite(t)
	ts := newServer(t, db)
	resp, err := http.Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(documented)
	routes := web.APIRoutes()
	sort.Strings(routes)
	if !reflect.DeepEqual(documented, routes) {
		t.Fatalf("OpenAPI paths %v\nroutes %v", documented, routes)
	}
	check := func(schema string, v any, skip ...string) {
		props := doc.Components.Schemas[schema].Properties
		want := map[string]bool{}
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if tag != "" && tag != "-" {
				want[tag] = true
			}
		}
		for _, s := range skip {
			delete(want, s)
		}
		for k := range want {
			if _, ok := props[k]; !ok {
				t.Errorf("schema %s lacks %s", schema, k)
			}
		}
		for k := range props {
			if !want[k] {
				t.Errorf("schema %s documents %s, which the type does not have", schema, k)
			}
		}
	}
	check("Household", registry.Household{})
	check("Member", registry.Member{})
}
