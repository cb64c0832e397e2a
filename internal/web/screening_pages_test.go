package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sanbao/internal/auth"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

var visitIDField = regexp.MustCompile(`name="visit_id" value="([^"]+)"`)

// housingAnswers answers the housing items: a D-grade house.
func housingAnswers(vid string) url.Values {
	v := url.Values{"visit_id": {vid}, "visited_at": {"2026-11-22T08:30:00Z"}, "dims": {"housing"},
		"answers.house_grade": {"not_met"}, "note.house_grade": {"墙体开裂，屋顶漏雨"}, "facts.house_grade": {"D"}}
	for _, it := range []string{"house_moved_in", "house_moved_back", "house_subsidy", "house_quality", "house_disaster"} {
		v.Set("answers."+it, "na")
	}
	return v
}

// postMultipart submits a form with files as the browser does.
func postMultipart(t *testing.T, b *webtest.Browser, base, path string, vals url.Values, files map[string][]byte) (int, string, *http.Response) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	vals.Set("csrf", b.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, data := range files {
		fw, _ := mw.CreateFormFile(field, "photo.png")
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.Do(req)
}

func TestScreeningPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		h := screeningHousehold(t, db, "P1", 11)
		screeningHousehold(t, db, "P2", 21)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		webtest.Account(t, db, "town", auth.RoleTownship, "141121104000")
		webtest.Account(t, db, "county", auth.RoleCountyOffice, "141121000000")
		_, base := startShell(t, db, clk)
		cadre := webtest.Login(t, base, "cadre", "")
		hid := itoa(h.ID)

		st, body, _ := cadre.Get("/households/" + hid + "/visit?dims=housing")
		m := visitIDField.FindStringSubmatch(body)
		if st != 200 || m == nil || !strings.Contains(body, "现住房屋的安全等级") || strings.Contains(body, "饮用水水质") {
			t.Fatalf("visit form: %d", st)
		}
		vid := m[1]
		// Not met without a note: the form comes back with the problem, nothing signed.
		bad := housingAnswers(vid)
		bad.Del("note.house_grade")
		bad.Set("action", "sign")
		if st, body, _ := postMultipart(t, cadre, base, "/households/"+hid+"/visit", bad, nil); st != 422 || !strings.Contains(body, "须写明具体问题") {
			t.Fatalf("incomplete form: %d", st)
		}
		// Signed with a photo; the same form sent twice records one visit.
		good := housingAnswers(vid)
		good.Set("action", "sign")
		photos := map[string][]byte{"photo.house_grade": pngBytes(t)}
		for i := 0; i < 2; i++ {
			st, _, resp := postMultipart(t, cadre, base, "/households/"+hid+"/visit", good, photos)
			if st != http.StatusSeeOther || resp.Header.Get("Location") != "/visits/"+vid+"?ok=saved" {
				t.Fatalf("submit %d: %d %s", i, st, resp.Header.Get("Location"))
			}
		}
		visits, _ := db.HouseholdVisits(context.Background(), store.ScopeOf("141121000000"), h.ID)
		if len(visits) != 1 || !visits[0].Signed() {
			t.Fatalf("visits after a double submit: %d", len(visits))
		}
		for _, a := range visits[0].Answers {
			if a.Item == "house_grade" && len(a.Photos) != 1 {
				t.Fatalf("photos of the answer: %v", a.Photos)
			}
		}
		// The visit page shows the signature and the findings of the household.
		st, body, _ = cadre.Get("/visits/" + vid)
		if st != 200 || !strings.Contains(body, "已签字") || !strings.Contains(body, "居住在C级或D级危房") ||
			!strings.Contains(body, "失学辍学") || !strings.Contains(body, "/api/v1/photos/") {
			t.Fatalf("visit page: %d", st)
		}
		if st, body, _ := cadre.Get("/visits/" + vid + "/edit"); st != 200 || !strings.Contains(body, "不能修改") || strings.Contains(body, `name="visit_id"`) {
			t.Fatalf("edit a signed visit: %d", st)
		}
		if st, body, _ := cadre.Get("/households/" + hid); st != 200 || !strings.Contains(body, `href="/households/`+hid+`/screening"`) {
			t.Fatalf("household page links to its screening: %d", st)
		}
		st, body, _ = cadre.Get("/households/" + hid + "/screening")
		if st != 200 || !strings.Contains(body, "2条未消除") || !strings.Contains(body, "D级") || !strings.Contains(body, `<img src="/api/v1/photos/`) {
			t.Fatalf("household screening page (findings, facts, photos): %d", st)
		}

		// Coverage: one of the two households visited; the other is listed.
		list, _ := db.ListCampaigns(context.Background(), store.ScopeOf("141121104201"), store.CampaignFilter{Kind: "routine"})
		st, body, _ = cadre.Get("/campaigns/" + itoa(list[0].ID))
		if st != 200 || !strings.Contains(body, "1 / 2") || !strings.Contains(body, "P2") || strings.Contains(body, ">P1<") {
			t.Fatalf("campaign page: %d", st)
		}
		town := webtest.Login(t, base, "town", "")
		if st, body, _ := town.Get("/campaigns/" + itoa(list[0].ID)); st != 200 || !strings.Contains(body, "东堡村") {
			t.Fatalf("township's campaign page: %d", st)
		}
		st, _, resp := town.Post("/campaigns", url.Values{"name": {"冬季排查"}, "region_code": {"141121104000"}, "start_date": {"2026-11-01"},
			"end_date": {"2026-12-31"}, "dimensions": {"water", "housing"}})
		if st != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/campaigns/") {
			t.Fatalf("create campaign: %d", st)
		}
		if st, body, _ := town.Post("/campaigns", url.Values{"name": {"无日期"}, "region_code": {"141121104000"}, "dimensions": {"water"}}); st != 422 ||
			!strings.Contains(body, "集中排查须填写开始日期") {
			t.Fatalf("campaign without dates: %d", st)
		}

		// Findings: filtered, exported to XLSX (audited).
		st, body, _ = cadre.Get("/findings?dimension=housing")
		if st != 200 || !strings.Contains(body, "<b>居住在C级或D级危房</b>") || strings.Count(body, `<li class="card">`) != 1 {
			t.Fatalf("findings page: %d", st)
		}
		st, body, resp = cadre.Get("/findings/export?dimension=housing")
		if st != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", st, body)
		}
		rd, err := sheet.Open(strings.NewReader(body), int64(len(body)), sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rd.FindHeader([]sheet.Column{{Key: "no", Label: "序号"}, {Key: "problem", Label: "问题"}}, 0); err != nil {
			t.Fatal(err)
		}
		row, err := rd.Next()
		if err != nil || row.Get("problem") != "居住在C级或D级危房" {
			t.Fatalf("exported row: %+v %v", row, err)
		}
		trail, _ := db.AuditEntries(context.Background(), store.ScopeOf("141121000000"), store.AuditFilter{Action: "export", Object: "finding"})
		if len(trail.Items) != 1 || !strings.Contains(trail.Items[0].Detail, "导出问题线索1条") {
			t.Fatalf("export audit: %+v", trail.Items)
		}
	})
}
