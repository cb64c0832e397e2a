package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// lgClient talks to a test server as one account (its API token).
type lgClient struct {
	t     *testing.T
	base  string
	hc    *http.Client
	token string
}

func (c *lgClient) do(method, path, ctype string, body io.Reader) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// json sends a JSON body and decodes a JSON answer.
func (c *lgClient) json(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	resp := c.do(method, path, "application/json", rd)
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (c *lgClient) ok(method, path string, body any) map[string]any {
	c.t.Helper()
	st, out := c.json(method, path, body)
	if st/100 != 2 {
		c.t.Fatalf("%s %s: %d %v", method, path, st, out)
	}
	return out
}

func (c *lgClient) upload(path, name string, data []byte) (int, []byte) {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp := c.do("POST", path, mw.FormDataContentType(), &b)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func lgDay(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, clock.China)
}

// lgEnv is a server over a database with two villages of 刘胡兰镇 at a
// manual clock, and one account of each level that works on the ledger.
type lgEnv struct {
	clk                       *clock.Manual
	cadre, town, dept, office *lgClient // 东堡村, 刘胡兰镇, a county department, the county office
}

func lgServer(t *testing.T, db *store.DB, at time.Time) *lgEnv {
	t.Helper()
	c := clock.NewManual(at)
	db.Clock = c
	ctx := t.Context()
	if _, err := db.LoadOfficialRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: "141121104201", Name: "东堡村"}, {Code: "141121104202", Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
	s, ts := webtest.Start(t, db)
	s.Clock = c
	client := func(role auth.Role, code string) *lgClient {
		return &lgClient{t: t, base: ts.URL, hc: ts.Client(), token: webtest.Token(t, db, role, code)}
	}
	return &lgEnv{clk: c, cadre: client(auth.RoleVillageCadre, "141121104201"), town: client(auth.RoleTownship, "141121104000"),
		dept: client(auth.RoleDepartment, "141121000000"), office: client(auth.RoleCountyOffice, "141121000000")}
}

func id(out map[string]any) string { return itoa(int64(out["id"].(float64))) }

func TestLedgerAPIWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := lgServer(t, db, lgDay(2024, 7, 22, 9))
		clk, cadre, town, dept, office := env.clk, env.cadre, env.town, env.dept, env.office
		out := cadre.ok("POST", "/api/v1/problems", map[string]any{"description": "王某家住房出现裂缝", "dimension": "住房安全",
			"region": "141121104201", "source": "群众反映"})
		pid := id(out)
		if out["number"] != "141121-2024-00001" || out["state"] != "reported" || out["current"].(map[string]any)["key"] != "verify" {
			t.Fatalf("created %v", out)
		}
		if acts := out["actions"].([]any); len(acts) < 2 || acts[0] != "verify" {
			t.Fatalf("the village cadre may verify: %v", acts)
		}
		if h := out["history"].([]any)[0].(map[string]any)["actor"].(map[string]any); h["name"] != "测试村两委干部" || h["role"] != "村两委干部" {
			t.Fatalf("actor %v", h)
		}
		// Refusals: the field named; a state that forbids the action is a
		// conflict; a level that does not act here is forbidden.
		for _, tc := range []struct {
			c      *lgClient
			path   string
			body   any
			status int
			field  string
		}{
			{cadre, "/api/v1/problems", map[string]any{"dimension": "天气", "region": "141121104201", "source": "visit"}, 422, "description"},
			{cadre, "/api/v1/problems", map[string]any{"description": "x", "dimension": "water", "region": "141121104202", "source": "visit"}, 422, "region"},
			{cadre, "/api/v1/problems/" + pid + "/verify", map[string]any{}, 422, "findings"},
			{dept, "/api/v1/problems/" + pid + "/plan", map[string]any{"severity": "一般问题", "lead_unit": "县住建局", "owner": "赵局长", "measures": "加固"}, 409, ""},
			{dept, "/api/v1/problems/" + pid + "/verify", map[string]any{"findings": "x"}, 403, ""},
			{cadre, "/api/v1/problems/" + pid + "/decide", map[string]any{"forward": true}, 403, ""},
			{cadre, "/api/v1/problems/" + pid + "/extend", map[string]any{"decided_on": "明天"}, 403, ""},
			{office, "/api/v1/problems/" + pid + "/extend", map[string]any{"decided_on": "明天"}, 422, "decided_on"},
			{cadre, "/api/v1/problems/999999/verify", map[string]any{"findings": "x"}, 404, ""},
		} {
			st, out := tc.c.json("POST", tc.path, tc.body)
			_, field, msg := errField(out)
			if st != tc.status || (tc.field != "" && field != tc.field) || msg == "" {
				t.Errorf("%s: %d %s %q", tc.path, st, field, msg)
			}
		}
		clk.Set(lgDay(2024, 7, 23, 10))
		cadre.ok("POST", "/api/v1/problems/"+pid+"/verify", map[string]any{"findings": "东墙裂缝约2米"})
		town.ok("POST", "/api/v1/problems/"+pid+"/decide", map[string]any{"forward": true, "opinion": "需鉴定", "department": "县住建局"})
		out = dept.ok("POST", "/api/v1/problems/"+pid+"/plan", map[string]any{"severity": "一般问题", "task_force": "住房安全保障专班",
			"lead_unit": "县住建局", "supporting_units": []string{"刘胡兰镇人民政府"}, "owner": "赵局长", "measures": "鉴定并加固", "deadline": "7月28日前"})
		if out["deadline"] != "2024-07-28T00:00:00+08:00" || out["result"] != "in_progress" {
			t.Fatalf("plan %v %v", out["deadline"], out["result"])
		}
		cadre.ok("POST", "/api/v1/problems/"+pid+"/progress", map[string]any{"text": "完成鉴定，为C级"})

		// Evidence: uploaded, then named by its key; served safely.
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2)))
		st, body := dept.upload("/api/v1/problems/"+pid+"/evidence", "加固后\"照片\".png", img.Bytes())
		if st != 201 {
			t.Fatalf("upload %d %s", st, body)
		}
		var ev map[string]any
		json.Unmarshal(body, &ev)
		if st, body := dept.upload("/api/v1/problems/"+pid+"/evidence", "x.png", []byte("<svg onload=alert(1)>")); st != 422 {
			t.Fatalf("svg upload %d %s", st, body)
		}
		resp := town.do("GET", "/api/v1/evidence/"+ev["key"].(string), "", nil)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || !bytes.Equal(got, img.Bytes()) || resp.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(cd, `inline; filename="`) || strings.Count(cd, `"`) != 2 || !strings.Contains(cd, "filename*=UTF-8''") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("evidence %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), cd)
		}

		clk.Set(lgDay(2024, 7, 26, 10))
		dept.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "已加固", "result": "整改完成",
			"evidence": []map[string]any{{"kind": "photo", "key": ev["key"]}, {"kind": "text", "text": "费用已拨付"}}})
		if st, out := dept.json("POST", "/api/v1/problems/"+pid+"/accept", map[string]any{"opinion": "合格"}); st != 403 {
			t.Fatalf("the submitter accepted its own rectification: %d %v", st, out)
		}
		office.ok("POST", "/api/v1/problems/"+pid+"/reject", map[string]any{"opinion": "不彻底", "new_limit": "2024-07-30"})
		dept.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "二次加固", "result": "整改完成",
			"evidence": []map[string]any{{"kind": "text", "text": "已二次加固"}}})
		office.ok("POST", "/api/v1/problems/"+pid+"/reject", map[string]any{"opinion": "仍不合格", "new_limit": "2024-08-02"})
		acc := town.ok("GET", "/api/v1/ledger/accountability", nil)
		if acc["total"].(float64) != 1 || acc["items"].([]any)[0].(map[string]any)["code"] != "rejected_twice" {
			t.Fatalf("accountability %v", acc)
		}
		dept.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "重建", "result": "整改完成长期坚持",
			"evidence": []map[string]any{{"kind": "text", "text": "已重建"}}})
		out = town.ok("POST", "/api/v1/problems/"+pid+"/accept", map[string]any{"opinion": "合格"})
		if out["state"] != "closed" || len(out["dossier"].([]any)) != len(out["history"].([]any)) {
			t.Fatalf("accept %v", out["state"])
		}
		clk.Set(lgDay(2024, 8, 20, 10))
		out = cadre.ok("POST", "/api/v1/problems/"+pid+"/reopen", map[string]any{"reason": "墙体再次开裂"})
		if out["state"] != "planned" || out["reopens"].(float64) != 1 {
			t.Fatalf("reopen %v", out["state"])
		}

		// Lists with filters, each inside the account's scope.
		office.ok("POST", "/api/v1/problems", map[string]any{"description": "饮水不达标", "dimension": "water", "region": "141121104202", "source": "inspection"})
		for _, tc := range []struct {
			c    *lgClient
			q    string
			want float64
		}{
			{office, "", 2}, {cadre, "", 1}, {office, "?region=141121104202", 1}, {cadre, "?region=141121104202", 0},
			{office, "?dimension=饮水安全", 1}, {office, "?state=planned,decided", 2}, {office, "?due=overdue", 0},
			{office, "?accountable=true", 1}, {office, "?result=正在整改", 1}, {office, "?stage=plan", 1},
			{office, "?number=141121-2024-00002", 1}, {cadre, "?mine=true", 1}, {town, "?mine=true", 0}, {office, "?mine=true", 0},
		} {
			out := tc.c.ok("GET", "/api/v1/problems"+tc.q, nil)
			if out["total"].(float64) != tc.want {
				t.Errorf("list%s: %v, want %v", tc.q, out["total"], tc.want)
			}
		}
		if st, out := office.json("GET", "/api/v1/problems?due=late", nil); st != 422 {
			t.Errorf("bad filter: %d %v", st, out)
		}
		if st, _ := cadre.json("GET", "/api/v1/problems/2", nil); st != 404 {
			t.Errorf("another village's problem: %d", st)
		}
		bl := office.ok("GET", "/api/v1/ledger/bulletin?week=2024-08-19", nil)
		if bl["total"].(map[string]any)["open"].(float64) != 2 {
			t.Fatalf("bulletin %v", bl["total"])
		}
		resp = office.do("GET", "/api/v1/ledger/bulletin.xlsx", "", nil)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("PK")) {
			t.Fatalf("bulletin xlsx %d", resp.StatusCode)
		}
		// Every write is in the audit trail, with its account.
		page, err := db.AuditEntries(t.Context(), store.Everywhere, store.AuditFilter{Object: "problem", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range page.Items {
			kinds[string(e.Action)]++
			if e.Region == "" || (e.ObjectID == "" && e.Action != "export") || (e.ActorID == 0 && e.Action != "update") {
				t.Errorf("audit entry without region, object or account: %+v", e)
			}
		}
		if kinds["create"] != 2 || kinds["reject"] != 2 || kinds["accept"] != 1 || kinds["update"] < 8 || kinds["export"] != 1 {
			t.Fatalf("audit entries %v", kinds)
		}
	})
}

// An exported ledger re-imports unchanged through the API; a file with a bad
// row is refused whole, with an error workbook naming the row.
func TestLedgerAPIExportImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := lgServer(t, db, lgDay(2024, 7, 22, 9))
		c, dept := env.office, env.dept
		for i, d := range []string{"送教上门台账不规范", "残疾儿童未落实送教上门"} {
			out := c.ok("POST", "/api/v1/problems", map[string]any{"description": d, "dimension": "education", "region": "141121104201", "source": "inspection"})
			dept.ok("POST", "/api/v1/problems/"+id(out)+"/plan", map[string]any{"severity": "ordinary", "task_force": "控辍保学专班",
				"lead_unit": "县教科局", "owner": "钱局长", "measures": "规范台账" + string(rune('一'+i))})
			dept.ok("POST", "/api/v1/problems/"+id(out)+"/progress", map[string]any{"text": "完成摸排", "date": "2024-07-22"})
		}
		resp := c.do("GET", "/api/v1/ledger/export.xlsx?task_force=控辍保学专班&region=141121104", "", nil)
		file, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export %d", resp.StatusCode)
		}
		f, err := excelize.OpenReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if rows[0][0] != "刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账" || rows[1][0] != "专班:控辍保学专班" ||
			rows[1][9] != "时间:2024年7月22日" || rows[1][7] != "填表人:测试县巩固衔接办" || len(rows) != 6 || rows[3][4] != "2024年7月29日前" {
			t.Fatalf("export rows %q", rows)
		}
		page, err := db.AuditEntries(t.Context(), store.Everywhere, store.AuditFilter{Action: "export", Limit: 5})
		if err != nil || len(page.Items) != 1 || !strings.Contains(page.Items[0].Detail, "导出问题台账 2 条") || page.Items[0].ActorID == 0 {
			t.Fatalf("the export is not in the audit trail: %+v %v", page, err)
		}
		before := c.ok("GET", "/api/v1/problems/1", nil)
		st, body := c.upload("/api/v1/ledger/import", "台账.xlsx", file)
		var res map[string]any
		json.Unmarshal(body, &res)
		if st != 200 || res["unchanged"].(float64) != 2 || res["added"].(float64) != 0 || len(res["warnings"].([]any)) != 0 {
			t.Fatalf("re-import %d %s", st, body)
		}
		after := c.ok("GET", "/api/v1/problems/1", nil)
		if !reflect.DeepEqual(before["history"], after["history"]) {
			t.Fatal("re-import changed the history")
		}

		// A new row and a row with an unknown number: refused whole.
		sh := f.GetSheetName(0)
		f.InsertRows(sh, 6, 2)
		f.SetSheetRow(sh, "A6", &[]any{"3", "新问题", "措施", "", "8月10日前", "正在整改", "县教科局", "", "钱局长", ""})
		f.SetSheetRow(sh, "A7", &[]any{"4", "另一个问题", "措施", "", "", "已完成", "县教科局", "", "钱局长", "编号:141121-2024-00099"})
		var bad bytes.Buffer
		f.Write(&bad)
		st, body = c.upload("/api/v1/ledger/import?region=141121104201", "bad.xlsx", bad.Bytes())
		var e map[string]any
		json.Unmarshal(body, &e)
		_, field, msg := errField(e)
		if st != 422 || field == "" || !strings.Contains(msg, "第7行") {
			t.Fatalf("refused %d %s", st, body)
		}
		st, body = c.upload("/api/v1/ledger/import?region=141121104201&errors=xlsx", "bad.xlsx", bad.Bytes())
		ef, err := excelize.OpenReader(bytes.NewReader(body))
		if st != 422 || err != nil {
			t.Fatalf("error workbook %d %v", st, err)
		}
		erows, _ := ef.GetRows(ef.GetSheetName(0))
		if len(erows) != 3 || erows[2][0] != "7" || !strings.Contains(erows[2][1], "整改时限") || !strings.Contains(erows[2][1], "整改结果") {
			t.Fatalf("error rows %q", erows)
		}
		if out := c.ok("GET", "/api/v1/problems", nil); out["total"].(float64) != 2 {
			t.Fatalf("a refused import added problems: %v", out["total"])
		}
		// Fixed, it goes in: the new row becomes a problem.
		f.SetSheetRow(sh, "A7", &[]any{"4", "另一个问题", "措施", "", "8月9日前", "正在整改", "县教科局", "", "钱局长", ""})
		bad.Reset()
		f.Write(&bad)
		st, body = c.upload("/api/v1/ledger/import?region=141121104201", "ok.xlsx", bad.Bytes())
		json.Unmarshal(body, &res)
		if st != 200 || res["added"].(float64) != 2 || res["unchanged"].(float64) != 2 {
			t.Fatalf("import %d %s", st, body)
		}
	})
}
