package web_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

var (
	lgCadre = ledger.Actor{Name: "王村干", Role: "村两委干部"}
	lgTown  = ledger.Actor{Name: "李镇长", Role: "乡镇干部"}
	lgDept  = ledger.Actor{Name: "赵局长", Role: "县直部门", Unit: "县住建局"}
)

// lgWorld is a database at a manual clock with two villages of 刘胡兰镇, an
// account of each level (cadre-east, cadre-west, town, dept, office) and
// one planned problem in 东堡村; it returns the server's address.
func lgWorld(t *testing.T, db *store.DB) (string, *clock.Manual, *ledger.Problem) {
	t.Helper()
	ctx := t.Context()
	clk := clock.NewManual(lgDay(2024, 7, 22, 9))
	db.Clock = clk
	if _, err := db.LoadOfficialRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: "141121104201", Name: "东堡村"}, {Code: "141121104202", Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		name string
		role auth.Role
		code string
	}{{"cadre-east", auth.RoleVillageCadre, "141121104201"}, {"cadre-west", auth.RoleVillageCadre, "141121104202"},
		{"town", auth.RoleTownship, "141121104000"}, {"dept", auth.RoleDepartment, "141121000000"}, {"office", auth.RoleCountyOffice, "141121000000"}} {
		webtest.Account(t, db, a.name, a.role, a.code)
	}
	sc := store.ScopeOf("141121000000")
	p, err := db.CreateProblem(ctx, sc, ledger.Draft{Description: "王建国家住房出现裂缝", Dimension: "housing", Region: "141121104201", Source: "complaint"}, lgCadre)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() (*ledger.Problem, error){
		func() (*ledger.Problem, error) {
			return db.VerifyProblem(ctx, sc, p.ID, ledger.Verification{Findings: "东墙裂缝约2米"}, lgCadre)
		},
		func() (*ledger.Problem, error) {
			return db.DecideProblem(ctx, sc, p.ID, ledger.Decision{Forward: true, Opinion: "需鉴定", Department: "县住建局"}, lgTown)
		},
		func() (*ledger.Problem, error) {
			return db.PlanProblem(ctx, sc, p.ID, ledger.RectificationPlan{Severity: ledger.Ordinary, TaskForce: "住房安全保障专班",
				LeadUnit: "县住建局", Owner: "赵局长", Measures: "鉴定并加固"}, lgDept)
		},
	}
	for _, step := range steps {
		if p, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	s, ts := webtest.Start(t, db)
	s.Clock = clk
	return ts.URL, clk, p
}

// postFile submits a multipart form with one file, as a browser would.
func postFile(t *testing.T, b *webtest.Browser, base, path string, fields url.Values, name string, data []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.CSRF())
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, out, _ := b.Do(req)
	return st, out
}

func mustHave(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The pages through a whole rectification: the cadre's work list, progress
// and a photo recorded, the submission; the township's acceptance; the
// dossier; the lists, the bulletin, the accountability list; reporting a
// problem; refusals shown next to the fields; another village's cadre
// finds nothing.
func TestLedgerPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		base, clk, p := lgWorld(t, db)
		pp := "/problems/" + itoa(p.ID)
		clk.Set(lgDay(2024, 7, 24, 17)) // sessions expire when idle: sign in after moving the clock
		cadre := webtest.Login(t, base, "cadre-east", "")

		st, body, _ := cadre.Get("/ledger/mine")
		if st != 200 {
			t.Fatalf("mine: %d", st)
		}
		mustHave(t, "my work", body, p.Number, "王建国家住房出现裂缝", "一般问题整改 · 剩")
		st, body, _ = cadre.Get(pp)
		mustHave(t, "problem page", body, "填写整改进展", "上传整改材料", "提交验收", "鉴定并加固", "2024年7月29日前")
		if strings.Contains(body, `action="`+pp+`/accept"`) {
			t.Error("the cadre is offered acceptance")
		}

		// A refused progress entry: the problem next to the field, nothing stored.
		st, body, _ = cadre.Post(pp+"/progress", url.Values{"text": {" "}, "date": {"2024-07-24"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "不能为空") {
			t.Fatalf("empty progress: %d", st)
		}
		st, _, resp := cadre.Post(pp+"/progress", url.Values{"text": {"已完成房屋安全鉴定，为C级"}, "date": {"2024-07-24"}})
		if st != http.StatusSeeOther || resp.Header.Get("Location") != pp+"?ok=progress" {
			t.Fatalf("progress: %d %s", st, resp.Header.Get("Location"))
		}
		_, body, _ = cadre.Get(pp + "?ok=progress")
		mustHave(t, "after progress", body, "整改进展已记录", "2024年7月24日", "已完成房屋安全鉴定，为C级")

		// A photo, then the submission choosing it.
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
		if st, body := postFile(t, cadre, base, pp+"/evidence", nil, "加固后.png", img.Bytes()); st != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", st, body)
		}
		if st, body := postFile(t, cadre, base, pp+"/evidence", nil, "x.png", []byte("<script>alert(1)</script>")); st != 422 || !strings.Contains(body, "文件类型不支持") {
			t.Fatalf("script upload: %d", st)
		}
		_, body, _ = cadre.Get(pp)
		m := regexp.MustCompile(`name="file" value="([0-9a-f]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the submit form does not offer the photo")
		}
		st, _, _ = cadre.Post(pp+"/submit", url.Values{"summary": {"加固完成"}, "result": {"done"}, "file": {m[1]}})
		if st != http.StatusSeeOther {
			t.Fatalf("submit: %d", st)
		}

		town := webtest.Login(t, base, "town", "")
		_, body, _ = town.Get(pp)
		mustHave(t, "township's page", body, "验收合格，销号", "加固完成", `/api/v1/evidence/`+m[1])
		st, body, _ = town.Post(pp+"/reject", url.Values{"opinion": {"不彻底"}})
		if st != 422 || !strings.Contains(body, "限期整改时限") {
			t.Fatalf("rejection without a limit: %d", st)
		}
		if st, _, _ = town.Post(pp+"/accept", url.Values{"opinion": {"验收合格"}}); st != http.StatusSeeOther {
			t.Fatalf("accept: %d", st)
		}
		got, _ := db.Problem(t.Context(), store.Everywhere, p.ID)
		if got.State != ledger.Closed || got.Submissions[0].Evidence[0].Kind != ledger.EvidencePhoto {
			t.Fatalf("after accept: %s %+v", got.State, got.Submissions[0].Evidence)
		}
		st, body, _ = town.Get(pp + "/dossier")
		mustHave(t, "dossier", body, "一问题一档案", p.Number, "签字确认", "上户核实", "验收销号", "测试乡镇干部", "已完成房屋安全鉴定，为C级",
			"盖章", `<img src="/api/v1/evidence/`+m[1])
		if st != 200 {
			t.Fatalf("dossier %d", st)
		}

		// Lists, bulletin, accountability, for the county office.
		clk.Set(lgDay(2024, 8, 20, 10))
		office := webtest.Login(t, base, "office", "")
		for path, wants := range map[string][]string{
			"/problems":                        {p.Number, "已逾期 0", "导出台账（官方模板）", "住房安全保障专班"},
			"/problems?result=整改完成":            {p.Number},
			"/problems?due=overdue":            {"没有符合条件的问题"},
			"/ledger/bulletin?week=2024-07-24": {"问题整改每周调度通报（2024年7月22日—2024年7月28日）", "按问题类别", "住房安全保障", "下载Excel"},
			"/ledger/accountability":           {"没有列入约谈问责的问题"},
			"/problems/new":                    {"登记问题", "问题来源"},
			"/ledger/import":                   {"导入问题台账"},
		} {
			st, body, _ := office.Get(path)
			if st != 200 {
				t.Errorf("%s: %d", path, st)
			}
			mustHave(t, path, body, wants...)
		}
		if st, body, _ := office.Get("/problems?dimension=天气"); st != 200 || !strings.Contains(body, "不是有效值") {
			t.Errorf("bad filter: %d", st)
		}

		// Reporting: refused with the field named, then created.
		cadre = webtest.Login(t, base, "cadre-east", "")
		st, body, _ = cadre.Post("/problems", url.Values{"description": {""}, "dimension": {"water"}, "region": {"141121104201"}, "source": {"visit"}})
		if st != 422 || !strings.Contains(body, "不能为空") {
			t.Fatalf("empty report: %d", st)
		}
		st, _, resp = cadre.Post("/problems", url.Values{"description": {"<b>自来水</b>浑浊"}, "dimension": {"water"}, "region": {"141121104201"}, "source": {"visit"}})
		if st != http.StatusSeeOther {
			t.Fatalf("report: %d", st)
		}
		_, body, _ = cadre.Get(resp.Header.Get("Location"))
		mustHave(t, "new problem", body, "&lt;b&gt;自来水&lt;/b&gt;浑浊", "上户核实（村级，1天内）")

		// Another village's cadre: not found, and not in its lists.
		west := webtest.Login(t, base, "cadre-west", "")
		if st, _, _ := west.Get(pp); st != 404 {
			t.Fatalf("another village's problem: %d", st)
		}
		if st, _, _ := west.Post(pp+"/progress", url.Values{"text": {"x"}}); st != 404 {
			t.Fatalf("another village's progress: %d", st)
		}
		if _, body, _ := west.Get("/problems"); strings.Contains(body, p.Number) {
			t.Fatal("another village's problem listed")
		}
	})
}

// A ledger refused on the import page: every problem listed, and the error
// workbook to download.
func TestLedgerImportPage(t *testing.T) {
	db := storetest.SQLite(t)
	base, _, _ := lgWorld(t, db)
	office := webtest.Login(t, base, "office", "")
	office.Get("/ledger/import")
	csv := "序号,对照排查内容排查出的具体问题,整改措施,整改进展,整改时限,整改结果,牵头单位,配合单位,责任人,备注\n" +
		"1,问题一,措施,,8月1日前,正在整改,县教科局,,钱局长,\n2,问题二,,,,已完成,县教科局,,钱局长,\n"
	st, body := postFile(t, office, base, "/ledger/import", url.Values{"region": {"141121104201"}, "dimension": {"education"}}, "台账.csv", []byte(csv))
	if st != 422 {
		t.Fatalf("import: %d", st)
	}
	mustHave(t, "refusal", body, "文件未导入", "第3行", "整改措施", "整改结果", "下载错误明细")
	m := regexp.MustCompile(`/ledger/import/errors/([0-9a-f]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no error workbook link")
	}
	st, xlsx, resp := office.Get(m[0])
	if st != 200 || !strings.HasPrefix(xlsx, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("error workbook: %d", st)
	}
	if st, _, _ := webtest.Login(t, base, "town", "").Get(m[0]); st != 404 {
		t.Fatalf("another account fetched the error workbook: %d", st)
	}
	good := strings.Replace(csv, "2,问题二,,,,已完成", "2,问题二,措施二,,8月2日前,正在整改", 1)
	st, body = postFile(t, office, base, "/ledger/import", url.Values{"region": {"141121104201"}, "dimension": {"education"}}, "台账.csv", []byte(good))
	if st != 200 {
		t.Fatalf("import: %d", st)
	}
	mustHave(t, "result", body, "导入完成：新增 2 个问题")
}
