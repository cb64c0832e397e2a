package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web"
)

// lgClient talks to a test server as one account.
type lgClient struct {
	t    *testing.T
	base string
	hc   *http.Client
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

// lgServer serves a database with two villages of 刘胡兰镇 at a manual clock.
func lgServer(t *testing.T, db *store.DB, at time.Time) (*clock.Manual, *lgClient) {
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
	s := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Clock = c
	s.Open = true
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return c, &lgClient{t: t, base: ts.URL, hc: ts.Client()}
}

func id(out map[string]any) string { return itoa(int64(out["id"].(float64))) }

func TestLedgerAPIWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk, c := lgServer(t, db, lgDay(2024, 7, 22, 9))
		out := c.ok("POST", "/api/v1/problems", map[string]any{"description": "王某家住房出现裂缝", "dimension": "住房安全",
			"region": "141121104201", "source": "群众反映"})
		pid := id(out)
		if out["number"] != "141121-2024-00001" || out["state"] != "reported" || out["current"].(map[string]any)["key"] != "verify" {
			t.Fatalf("created %v", out)
		}
		if acts := out["actions"].([]any); len(acts) == 0 || acts[0] != "verify" {
			t.Fatalf("actions %v", acts)
		}
		// Refusals name the field; a state that forbids the action is a conflict.
		for _, tc := range []struct {
			path   string
			body   any
			status int
			field  string
		}{
			{"/api/v1/problems", map[string]any{"dimension": "天气", "region": "141121104201", "source": "visit"}, 422, "description"},
			{"/api/v1/problems/" + pid + "/verify", map[string]any{}, 422, "findings"},
			{"/api/v1/problems/" + pid + "/plan", map[string]any{"severity": "一般问题", "lead_unit": "县住建局", "owner": "赵局长", "measures": "加固"}, 409, ""},
			{"/api/v1/problems/" + pid + "/extend", map[string]any{"decided_on": "明天"}, 422, "decided_on"},
			{"/api/v1/problems/999999/verify", map[string]any{"findings": "x"}, 404, ""},
		} {
			st, out := c.json("POST", tc.path, tc.body)
			_, field, msg := errField(out)
			if st != tc.status || (tc.field != "" && field != tc.field) || msg == "" {
				t.Errorf("%s: %d %s %q", tc.path, st, field, msg)
			}
		}
		clk.Set(lgDay(2024, 7, 23, 10))
		c.ok("POST", "/api/v1/problems/"+pid+"/verify", map[string]any{"findings": "东墙裂缝约2米"})
		c.ok("POST", "/api/v1/problems/"+pid+"/decide", map[string]any{"forward": true, "opinion": "需鉴定", "department": "县住建局"})
		out = c.ok("POST", "/api/v1/problems/"+pid+"/plan", map[string]any{"severity": "一般问题", "task_force": "住房安全保障专班",
			"lead_unit": "县住建局", "supporting_units": []string{"刘胡兰镇人民政府"}, "owner": "赵局长", "measures": "鉴定并加固", "deadline": "7月28日前"})
		if out["deadline"] != "2024-07-28T00:00:00+08:00" || out["result"] != "in_progress" {
			t.Fatalf("plan %v %v", out["deadline"], out["result"])
		}
		c.ok("POST", "/api/v1/problems/"+pid+"/progress", map[string]any{"text": "完成鉴定，为C级"})

		// Evidence: uploaded, then named by its key; served safely.
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2)))
		st, body := c.upload("/api/v1/problems/"+pid+"/evidence", "加固后\"照片\".png", img.Bytes())
		if st != 201 {
			t.Fatalf("upload %d %s", st, body)
		}
		var ev map[string]any
		json.Unmarshal(body, &ev)
		if st, body := c.upload("/api/v1/problems/"+pid+"/evidence", "x.png", []byte("<svg onload=alert(1)>")); st != 422 {
			t.Fatalf("svg upload %d %s", st, body)
		}
		resp := c.do("GET", "/api/v1/evidence/"+ev["key"].(string), "", nil)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != 200 || !bytes.Equal(got, img.Bytes()) || resp.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(cd, `inline; filename="`) || strings.Count(cd, `"`) != 2 || !strings.Contains(cd, "filename*=UTF-8''") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("evidence %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), cd)
		}

		clk.Set(lgDay(2024, 7, 26, 10))
		c.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "已加固", "result": "整改完成",
			"evidence": []map[string]any{{"kind": "photo", "key": ev["key"]}, {"kind": "text", "text": "费用已拨付"}}})
		c.ok("POST", "/api/v1/problems/"+pid+"/reject", map[string]any{"opinion": "不彻底", "new_limit": "2024-07-30"})
		c.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "二次加固", "result": "整改完成",
			"evidence": []map[string]any{{"kind": "text", "text": "已二次加固"}}})
		c.ok("POST", "/api/v1/problems/"+pid+"/reject", map[string]any{"opinion": "仍不合格", "new_limit": "2024-08-02"})
		acc := c.ok("GET", "/api/v1/ledger/accountability", nil)
		if acc["total"].(float64) != 1 || acc["items"].([]any)[0].(map[string]any)["code"] != "rejected_twice" {
			t.Fatalf("accountability %v", acc)
		}
		c.ok("POST", "/api/v1/problems/"+pid+"/submit", map[string]any{"summary": "重建", "result": "整改完成长期坚持",
			"evidence": []map[string]any{{"kind": "text", "text": "已重建"}}})
		out = c.ok("POST", "/api/v1/problems/"+pid+"/accept", map[string]any{"opinion": "合格"})
		if out["state"] != "closed" || len(out["dossier"].([]any)) != len(out["history"].([]any)) {
			t.Fatalf("accept %v", out["state"])
		}
		clk.Set(lgDay(2024, 8, 20, 10))
		out = c.ok("POST", "/api/v1/problems/"+pid+"/reopen", map[string]any{"reason": "墙体再次开裂"})
		if out["state"] != "planned" || out["reopens"].(float64) != 1 {
			t.Fatalf("reopen %v", out["state"])
		}

		// Lists with filters.
		c.ok("POST", "/api/v1/problems", map[string]any{"description": "饮水不达标", "dimension": "water", "region": "141121104202", "source": "inspection"})
		for q, want := range map[string]float64{
			"": 2, "?region=141121104202": 1, "?dimension=饮水安全": 1, "?state=planned,decided": 2, "?due=overdue": 0,
			"?accountable=true": 1, "?result=正在整改": 1, "?mine=true": 2, "?stage=plan": 1, "?number=141121-2024-00002": 1,
		} {
			out := c.ok("GET", "/api/v1/problems"+q, nil)
			if out["total"].(float64) != want {
				t.Errorf("list%s: %v, want %v", q, out["total"], want)
			}
		}
		if st, out := c.json("GET", "/api/v1/problems?due=late", nil); st != 422 {
			t.Errorf("bad filter: %d %v", st, out)
		}
		bl := c.ok("GET", "/api/v1/ledger/bulletin?week=2024-08-19", nil)
		if bl["total"].(map[string]any)["open"].(float64) != 2 {
			t.Fatalf("bulletin %v", bl["total"])
		}
		resp = c.do("GET", "/api/v1/ledger/bulletin.xlsx", "", nil)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("PK")) {
			t.Fatalf("bulletin xlsx %d", resp.StatusCode)
		}
	})
}

// An exported ledger re-imports unchanged through the API; a file with a bad
// row is refused whole, with an error workbook naming the row.
func TestLedgerAPIExportImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, c := lgServer(t, db, lgDay(2024, 7, 22, 9))
		for i, d := range []string{"送教上门台账不规范", "残疾儿童未落实送教上门"} {
			out := c.ok("POST", "/api/v1/problems", map[string]any{"description": d, "dimension": "education", "region": "141121104201", "source": "inspection"})
			c.ok("POST", "/api/v1/problems/"+id(out)+"/plan", map[string]any{"severity": "ordinary", "task_force": "控辍保学专班",
				"lead_unit": "县教科局", "owner": "钱局长", "measures": "规范台账" + string(rune('一'+i))})
			c.ok("POST", "/api/v1/problems/"+id(out)+"/progress", map[string]any{"text": "完成摸排", "date": "2024-07-22"})
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
			rows[1][9] != "时间:2024年7月22日" || rows[1][7] != "填表人:本机用户" || len(rows) != 6 || rows[3][4] != "2024年7月29日前" {
			t.Fatalf("export rows %q", rows)
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
