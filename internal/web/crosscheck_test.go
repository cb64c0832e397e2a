package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/idcard"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// crossCheckScopeWorld gives every county of the scope test a round of the
// cross-check: an education roster (the upload the upload routes name, with
// an unknown row) and an insurance roster that leaves every member out, so
// that each record's (lifted) head gets an alert, dismissed with a file of
// proof.
func crossCheckScopeWorld(t *testing.T, db *store.DB, recs []*scopeRecord) {
	t.Helper()
	ctx := context.Background()
	stranger := idcard.Make("140105", time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), 7)
	uploads := map[string]int64{}
	for _, rec := range recs {
		county := rec.Village[:6]
		if _, done := uploads[county]; done {
			continue
		}
		edu := []byte("身份证号,姓名,就读学校,年级,学籍状态\n" + stranger + ",外县学生,某校,三年级,在校\n")
		up, err := db.ImportRoster(ctx, store.Everywhere, store.RosterImport{County: county, Department: auth.DeptEducation,
			FileName: "学籍.csv", File: bytes.NewReader(edu), Size: int64(len(edu))})
		if err != nil {
			t.Fatal(err)
		}
		uploads[county] = up.ID
		ins := []byte("身份证号,参保险种,参保年度\n" + stranger + ",居民医保,2026\n")
		if _, err := db.ImportRoster(ctx, store.Everywhere, store.RosterImport{County: county, Department: auth.DeptMedicalInsurance,
			Kind: "insurance", FileName: "参保.csv", File: bytes.NewReader(ins), Size: int64(len(ins))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, rec := range recs {
		rec.UploadID = uploads[rec.Village[:6]]
		page, err := db.ListAlerts(ctx, store.ScopeOf(rec.Village), store.AlertFilter{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("alerts of %s: %v %v", rec.Village, page, err)
		}
		rec.AlertID = page.Items[0].ID
		a, err := db.VerifyAlert(ctx, store.Everywhere, rec.AlertID, crosscheck.Verification{Findings: "已在外地参保", Reason: "insured_elsewhere"},
			[]store.AttachmentFile{{Name: "参保证明.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 proof")}}, crosscheck.Actor{Name: "fixture"})
		if err != nil {
			t.Fatal(err)
		}
		rec.AttachmentID = a.Attachments[0].ID
	}
}

// multipartBody builds a form with fields and one file per (field, name, bytes).
func multipartBody(t *testing.T, fields url.Values, files ...[3]string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f[0], f[1])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[2]))
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// ccWorld: two villages; in 东堡村 a lifted household with a pupil, in
// 西堡村 an ordinary household with a pupil; the education bureau, both
// villages' cadres and the county office.
func ccWorld(t *testing.T, db *store.DB) (base string, pupilEast, pupilWest registry.Member) {
	t.Helper()
	clk := shellDB(t, db)
	mk := func(village, number, head, child string, seq int) registry.Member {
		h := &registry.Household{RegionCode: village, Number: number, Category: "lifted"}
		err := db.CreateHousehold(context.Background(), store.Everywhere, h, []registry.Member{
			{Name: head, Relation: registry.RelationHead, IDNumber: born(1975, seq)},
			{Name: child, Relation: "child", Schooling: "in_school", IDNumber: idcard.Make("141121", time.Date(2014, 5, 1, 0, 0, 0, 0, time.UTC), seq+1)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return h.Members[1]
	}
	pupilEast = mk("141121104201", "E1", "王建国", "王小明", 10)
	pupilWest = mk("141121104202", "W1", "李四", "李小军", 20)
	webtest.Account(t, db, "edu", auth.RoleDepartment, "141121000000") // education
	webtest.Account(t, db, "east", auth.RoleVillageCadre, "141121104201")
	webtest.Account(t, db, "west", auth.RoleVillageCadre, "141121104202")
	webtest.Account(t, db, "office", auth.RoleCountyOffice, "141121000000")
	s, ts := webtest.Start(t, db)
	s.Clock = clk
	return ts.URL, pupilEast, pupilWest
}

var alertLink = regexp.MustCompile(`href="/alerts/(\d+)"`)

// TestCrossCheckPages: the education bureau uploads its roster on its page
// and sees the result; each village's inbox shows its own alert with the
// deadline; the east village dismisses with proof, the west village cannot
// see or verify the east's alert; the bureau's feedback view shows the
// answer.
func TestCrossCheckPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base, east, _ := ccWorld(t, db)
		edu := webtest.Login(t, base, "edu", "")
		st, body, _ := edu.Get("/roster")
		if st != 200 || !strings.Contains(body, "学生学籍名单") || !strings.Contains(body, `/roster/template?kind=students`) {
			t.Fatalf("roster page %d", st)
		}
		// A file without the roster's columns is refused on the form.
		st, body, _ = postMultipart(t, edu, base, "/roster", url.Values{"kind": {"students"}}, map[string][]byte{"file": []byte("姓名,年龄\n张三,9\n")})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "身份证号") {
			t.Fatalf("bad file: %d", st)
		}
		// Another department's roster type is refused.
		st, _, _ = postMultipart(t, edu, base, "/roster", url.Values{"kind": {"insurance"}}, map[string][]byte{"file": []byte("身份证号,参保险种,参保年度\n")})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("other department's kind: %d", st)
		}
		// The roster lists neither pupil: two alerts, one per village.
		csv := "身份证号,姓名,就读学校,年级,学籍状态\n" + born(1990, 99) + ",外县,某校,五年级,在校\n"
		st, _, resp := postMultipart(t, edu, base, "/roster", url.Values{"kind": {"students"}}, map[string][]byte{"file": []byte(csv)})
		if st != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/roster/uploads/") {
			t.Fatalf("upload: %d %s", st, resp.Header.Get("Location"))
		}
		st, body, _ = edu.Get(resp.Header.Get("Location"))
		if st != 200 || !strings.Contains(body, "名单已上传并完成比对") || !strings.Contains(body, "下载未匹配和有错误的行") {
			t.Fatalf("result page %d", st)
		}
		st, body, _ = edu.Get(strings.TrimSuffix(resp.Header.Get("Location"), "?ok=roster_uploaded") + "/errors")
		if st != 200 || !strings.HasPrefix(body, "PK") {
			t.Fatalf("error workbook %d", st)
		}

		eastB := webtest.Login(t, base, "east", "")
		st, body, _ = eastB.Get("/alerts")
		ids := alertLink.FindAllStringSubmatch(body, -1)
		if st != 200 || len(ids) != 1 || !strings.Contains(body, "王小明") || strings.Contains(body, "李小军") ||
			!strings.Contains(body, "2026年11月23日前") || !strings.Contains(body, "剩1天") {
			t.Fatalf("east inbox %d %v\n%s", st, ids, body)
		}
		alert := "/alerts/" + ids[0][1]
		westB := webtest.Login(t, base, "west", "")
		if st, _, _ := westB.Get(alert); st != http.StatusNotFound {
			t.Fatalf("west reads east's alert: %d", st)
		}
		westB.Get("/alerts")
		if st, _, _ := postMultipart(t, westB, base, alert+"/verify", url.Values{"result": {"confirm"}, "findings": {"x"}}, nil); st != http.StatusNotFound {
			t.Fatalf("west verifies east's alert: %d", st)
		}
		// Dismissing needs a reason and proof; the form says so next to the fields.
		eastB.Get(alert)
		st, body, _ = postMultipart(t, eastB, base, alert+"/verify", url.Values{"result": {"dismiss"}, "findings": {"在太原上学"}}, nil)
		if st != http.StatusUnprocessableEntity || fieldError(body, "reason") == "" || !strings.Contains(body, "佐证材料") {
			t.Fatalf("dismiss without reason: %d %q", st, fieldError(body, "reason"))
		}
		st, _, resp = postMultipart(t, eastB, base, alert+"/verify",
			url.Values{"result": {"dismiss"}, "findings": {"在太原市某中学就读"}, "reason": {"studying_elsewhere"}},
			map[string][]byte{"files": []byte("\xff\xd8\xff\xe0 jpeg")})
		if st != http.StatusSeeOther {
			t.Fatalf("dismiss: %d", st)
		}
		st, body, _ = eastB.Get(alert)
		if st != 200 || !strings.Contains(body, "不属实（在县外就读）") || !strings.Contains(body, "/alert-files/") || strings.Contains(body, "提交核实结果") {
			t.Fatalf("after dismissal: %d", st)
		}
		// The bureau's feedback view shows the answer.
		st, body, _ = edu.Get("/alerts?state=dismissed")
		if st != 200 || !strings.Contains(body, "教育部门预警核实反馈") || !strings.Contains(body, "在县外就读") {
			t.Fatalf("feedback view %d", st)
		}
		// Statistics of the round on the upload page.
		st, body, _ = edu.Get("/roster")
		if st != 200 || !strings.Contains(body, "比对统计") {
			t.Fatalf("stats %d", st)
		}
		_ = east
	})
}

// TestCrossCheckAPI: an API client of the county office uploads a roster,
// a village cadre's client verifies an alert (confirmed, as a monitoring
// candidate), and the statistics count it.
func TestCrossCheckAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base, east, _ := ccWorld(t, db)
		office := webtest.Token(t, db, auth.RoleCountyOffice, "141121000000")
		cadre := webtest.Token(t, db, auth.RoleVillageCadre, "141121104201")
		do := func(token, method, path string, body *bytes.Buffer, ct string) (int, map[string]any) {
			t.Helper()
			if body == nil {
				body = &bytes.Buffer{}
			}
			req, _ := http.NewRequest(method, base+path, body)
			req.Header.Set("Authorization", "Bearer "+token)
			if ct != "" {
				req.Header.Set("Content-Type", ct)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v map[string]any
			json.NewDecoder(resp.Body).Decode(&v)
			return resp.StatusCode, v
		}
		csv := "身份证号,姓名,就读学校,年级,学籍状态\n" + east.IDNumber + ",王小明,实验小学,五年级,辍学\n"
		body, ct := multipartBody(t, url.Values{"kind": {"students"}}, [3]string{"file", "学籍.csv", csv})
		st, up := do(office, "POST", "/api/v1/roster-uploads", body, ct)
		if st != http.StatusCreated || up["alerts_new"] != 2.0 || up["department"] != "education" {
			t.Fatalf("upload %d %v", st, up)
		}
		st, list := do(cadre, "GET", "/api/v1/alerts?state=open", nil, "")
		items, _ := list["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("cadre's alerts %d %v", st, list)
		}
		a := items[0].(map[string]any)
		if a["id_number"] == east.IDNumber || a["member_name"] != "王小明" {
			t.Fatalf("alert %v", a)
		}
		id := itoa(int64(a["id"].(float64)))
		// The county office may read but not verify.
		b, _ := json.Marshal(map[string]any{"confirm": true, "findings": "x"})
		if st, _ := do(office, "POST", "/api/v1/alerts/"+id+"/verify", bytes.NewBuffer(b), "application/json"); st != http.StatusForbidden {
			t.Fatalf("office verifies: %d", st)
		}
		b, _ = json.Marshal(map[string]any{"confirm": true, "findings": "确已辍学，已劝返", "monitoring_candidate": true})
		st, v := do(cadre, "POST", "/api/v1/alerts/"+id+"/verify", bytes.NewBuffer(b), "application/json")
		if st != 200 || v["state"] != "confirmed" || v["monitoring_candidate"] != true || v["problem_id"] == nil || v["problem_id"] == 0.0 {
			t.Fatalf("verify %d %v", st, v)
		}
		st, stats := do(office, "GET", "/api/v1/crosscheck/stats", nil, "")
		depts, _ := stats["departments"].([]any)
		if st != 200 || len(depts) != 1 {
			t.Fatalf("stats %d %v", st, stats)
		}
		total := depts[0].(map[string]any)["total"].(map[string]any)
		if total["alerts_new"] != 2.0 || total["confirmed"] != 1.0 || total["in_time"] != 1.0 || total["candidates"] != 1.0 || total["problems"] != 1.0 {
			t.Fatalf("stats total %v", total)
		}
		if st, _ := do(cadre, "GET", "/api/v1/crosscheck/stats", nil, ""); st != http.StatusNotFound {
			t.Fatalf("village reads county stats: %d", st)
		}
		if st, kinds := do(cadre, "GET", "/api/v1/roster-kinds", nil, ""); st != 200 || len(kinds["items"].([]any)) != len(crosscheck.Kinds()) {
			t.Fatalf("kinds %d", st)
		}
	})
}

// TestBrowserVillageVerifiesOnPhone: on a phone-sized window a village
// cadre opens the inbox, sees the deadline, opens the alert and dismisses
// it with a reason and proof.
func TestBrowserVillageVerifiesOnPhone(t *testing.T) {
	ctx := browserCtx(t)
	db := storetest.SQLite(t)
	base, _, _ := ccWorld(t, db)
	csv := []byte("身份证号,姓名,就读学校,年级,学籍状态\n")
	if _, err := db.ImportRoster(context.Background(), store.Everywhere, store.RosterImport{County: "141121", Department: auth.DeptEducation,
		FileName: "学籍.csv", File: bytes.NewReader(csv), Size: int64(len(csv))}); err != nil {
		t.Fatal(err)
	}
	var inbox, after, wide string
	var width int
	err := chromedp.Do(ctx,
		loginActions(base, "east"),
		chromedp.Navigate(base+"/alerts"),
		chromedp.WaitVisible(css(`table.list`)),
		text(&inbox),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Headless Chromium keeps a window at least 500 px wide: what
			// matters is that nothing is wider than the window.
			w, err := chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)(ctx, t)
			width = w
			if err != nil {
				return err
			}
			wide, err = chromedp.Evaluate[string](`Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 5).map(e => e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right)).join(' ')`)(ctx, t)
			return err
		}),
		chromedp.Click(css(`table.list a[href^="/alerts/"]`)),
		chromedp.WaitVisible(css(`textarea[name=findings]`)),
		chromedp.Click(css(`input[name=result][value=dismiss]`)),
		chromedp.SendKeys(css(`textarea[name=findings]`), "在太原市某中学就读"),
		chromedp.SetValue(css(`select[name=reason]`), "studying_elsewhere"),
		chromedp.SendKeys(css(`textarea[name=proof]`), "学校出具的在读证明已核对"),
		chromedp.Submit(css(`textarea[name=proof]`)),
		chromedp.WaitVisible(css(`.flash`)),
		text(&after),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inbox, "王小明") || !strings.Contains(inbox, "2026年11月23日前") || strings.Contains(inbox, "李小军") {
		t.Fatalf("inbox: %s", inbox)
	}
	if width > 0 {
		t.Fatalf("the inbox is %d px wider than the phone's window: %s", width, wide)
	}
	if !strings.Contains(after, "核实结果已提交") || !strings.Contains(after, "不属实（在县外就读）") {
		t.Fatalf("after: %s", after)
	}
}

// TestCrossCheckOpenAPISchemas: the documented schemas name exactly the
// JSON fields of the types the cross-check's endpoints answer with.
func TestCrossCheckOpenAPISchemas(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"RosterUpload": crosscheck.Upload{}, "Alert": store.AlertView{}, "RoundStats": crosscheck.RoundStats{}} {
		want := map[string]bool{}
		jsonFields(reflect.TypeOf(v), want)
		props := doc.Components.Schemas[name].Properties
		for k := range want {
			if _, ok := props[k]; !ok {
				t.Errorf("schema %s lacks %s", name, k)
			}
		}
		for k := range props {
			if !want[k] {
				t.Errorf("schema %s documents %s, which the type does not have", name, k)
			}
		}
	}
}
