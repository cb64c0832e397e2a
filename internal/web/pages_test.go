package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

func born(y int, seq int) string {
	return idcard.Make("141121", time.Date(y, 3, 4, 0, 0, 0, 0, time.UTC), seq)
}

func addHousehold(t *testing.T, db *store.DB, village, number, head string, seq int) *registry.Household {
	t.Helper()
	h := &registry.Household{RegionCode: village, Number: number, Category: "lifted", Phone: "13812341234"}
	if err := db.CreateHousehold(context.Background(), store.Everywhere, h,
		[]registry.Member{{Name: head, Relation: registry.RelationHead, IDNumber: born(1970, seq)}}); err != nil {
		t.Fatal(err)
	}
	return h
}

// fieldError finds the message shown next to a form field.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<span class="field-error" id="e-` + field + `">([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestHouseholdForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		_, base := startShell(t, db, clk)
		b := webtest.Login(t, base, "cadre", "")

		// Problems are shown next to their fields, with what was typed kept.
		form := url.Values{"region_code": {"141121104201"}, "number": {""}, "category": {"monitored"}, "address": {"东街"},
			"head_name": {"王建国"}, "head_id_number": {"141121197001011234"}}
		st, body, _ := b.Post("/households", form)
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("invalid household: %d", st)
		}
		for field, want := range map[string]string{"number": "不能为空", "monitor_type": "监测户须填写类型"} {
			if got := fieldError(body, field); !strings.Contains(got, want) {
				t.Errorf("field %s: %q, want %q", field, got, want)
			}
		}
		if !strings.Contains(body, `value="东街"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Error("typed values or the invalid marker lost")
		}
		// The head's problems land on the head's fields.
		form.Set("number", "1411211042010001")
		form.Set("monitor_type", "marginal")
		_, body, _ = b.Post("/households", form)
		if got := fieldError(body, "head_id_number"); !strings.Contains(got, "校验") && !strings.Contains(got, "身份证") {
			t.Errorf("head ID problem: %q", got)
		}
		// HTML in a text field is shown as text.
		form.Set("head_id_number", born(1970, 11))
		form.Set("address", `<script>alert("x")</script><b>东街</b>`)
		st, _, resp := b.Post("/households", form)
		if st != http.StatusSeeOther {
			t.Fatalf("create: %d", st)
		}
		hpath := resp.Header.Get("Location")
		hpath = hpath[:strings.Index(hpath, "?")]
		st, body, _ = b.Get(hpath)
		if st != 200 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;东街&lt;/b&gt;") {
			t.Fatalf("script in the address not escaped (status %d)", st)
		}
		if !strings.Contains(body, "王建国") || strings.Contains(body, born(1970, 11)) || !strings.Contains(body, idcard.Mask(born(1970, 11))) {
			t.Fatal("household page: head missing or ID number not masked")
		}
		// Add and edit a member.
		id := strings.TrimPrefix(hpath, "/households/")
		st, body, _ = b.Post(hpath+"/members", url.Values{"name": {"王小"}, "id_number": {born(2012, 21)}, "relation": {"head"},
			"disability_type": {"none"}, "health": {"healthy"}, "schooling": {"in_school"}, "labour": {"none"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, "relation"), "一户只能有一位户主") {
			t.Fatalf("second head: %d %q", st, fieldError(body, "relation"))
		}
		st, _, _ = b.Post(hpath+"/members", url.Values{"name": {"王小"}, "id_number": {born(2012, 21)}, "relation": {"child"},
			"disability_type": {"none"}, "disability_grade": {"0"}, "health": {"healthy"}, "schooling": {"in_school"}, "school": {"刘胡兰中学"}, "labour": {"none"}})
		if st != http.StatusSeeOther {
			t.Fatalf("add member: %d", st)
		}
		h, _ := db.Household(context.Background(), store.Everywhere, mustInt(t, id))
		var child registry.Member
		for _, m := range h.Members {
			if m.Name == "王小" {
				child = m
			}
		}
		// The edit form shows the ID number masked; saving it unchanged keeps the number.
		_, body, _ = b.Get("/members/" + itoa(child.ID) + "/edit")
		if !strings.Contains(body, `value="`+idcard.Mask(child.IDNumber)+`"`) || strings.Contains(body, child.IDNumber) {
			t.Fatal("edit form shows the full ID number")
		}
		st, _, _ = b.Post("/members/"+itoa(child.ID), url.Values{"name": {"王小"}, "id_number": {idcard.Mask(child.IDNumber)}, "relation": {"child"},
			"disability_type": {"physical"}, "disability_grade": {"0"}, "health": {"chronic"}, "schooling": {"in_school"}, "labour": {"none"}})
		if st != http.StatusUnprocessableEntity {
			t.Fatalf("disability without grade: %d", st)
		}
		st, _, _ = b.Post("/members/"+itoa(child.ID), url.Values{"name": {"王小"}, "id_number": {idcard.Mask(child.IDNumber)}, "relation": {"child"},
			"disability_type": {"none"}, "disability_grade": {"0"}, "health": {"chronic"}, "schooling": {"in_school"}, "labour": {"none"}, "medical_insured": {"1"}})
		if st != http.StatusSeeOther {
			t.Fatalf("edit member: %d", st)
		}
		m, _ := db.Member(context.Background(), store.Everywhere, child.ID)
		if m.IDNumber != child.IDNumber || m.Health != "chronic" || !m.MedicalInsured {
			t.Fatalf("member after edit: %+v", m)
		}
		// The change is in the household's history, by the cadre.
		_, body, _ = b.Get(hpath + "/history")
		if !strings.Contains(body, "健康状况：<del>健康</del> → 长期慢性病") || !strings.Contains(body, "cadre") {
			t.Fatalf("history lacks the change:\n%s", body[strings.Index(body, "<main>"):])
		}
		// The list finds it by name, ID number and household number; filters by category.
		for _, q := range []string{"王建", born(1970, 11), "14112110420100"} {
			_, body, _ = b.Get("/households?q=" + url.QueryEscape(q))
			if !strings.Contains(body, "1411211042010001") {
				t.Errorf("search %q did not find the household", q)
			}
		}
		if _, body, _ = b.Get("/households?category=ordinary"); strings.Contains(body, "1411211042010001") {
			t.Error("category filter")
		}
		if st, body, _ = b.Get("/households?region=abc"); st != http.StatusUnprocessableEntity || !strings.Contains(body, "区划代码") {
			t.Errorf("malformed region filter: %d", st)
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestOversizedAndMalformedFields(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	h := addHousehold(t, db, "141121104201", "N1", "王一", 31)
	_, base := startShell(t, db, clk)
	b := webtest.Login(t, base, "cadre", "")
	path := "/households/" + itoa(h.ID)
	base1 := url.Values{"region_code": {"141121104201"}, "number": {"N1"}, "category": {"lifted"}}
	for name, tc := range map[string]struct {
		value, field, want string
	}{
		"too long":     {strings.Repeat("长", 2001), "address", "内容过长"},
		"control":      {"东街\x00", "address", "控制字符"},
		"bad encoding": {"\xff\xfe", "address", "字符编码"},
		"registry cap": {strings.Repeat("长", 201), "address", "不能超过200个字符"},
	} {
		f := url.Values{}
		for k, v := range base1 {
			f[k] = v
		}
		f.Set(tc.field, tc.value)
		st, body, _ := b.Post(path, f)
		if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, tc.field), tc.want) {
			t.Errorf("%s: %d %q", name, st, fieldError(body, tc.field))
		}
	}
	f := url.Values{"address": {strings.Repeat("x", 300<<10)}}
	st, body, _ := b.Post(path, f)
	if st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "提交的内容超过256 KB上限") {
		t.Errorf("oversized body: %d", st)
	}
	if got, _ := db.Household(context.Background(), store.Everywhere, h.ID); got.Address != "" {
		t.Fatal("a refused form changed the household")
	}
}

func TestRevealIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		webtest.Account(t, db, "city", auth.RoleCityViewer, "141100000000")
		webtest.Account(t, db, "auditor", auth.RoleAuditor, "141121000000")
		h := addHousehold(t, db, "141121104201", "N1", "王一", 31)
		mid := h.Members[0].ID
		_, base := startShell(t, db, clk)
		b := webtest.Login(t, base, "cadre", "")
		path := "/households/" + itoa(h.ID)
		_, body, _ := b.Get(path)
		if strings.Contains(body, born(1970, 31)) || strings.Contains(body, "13812341234") || !strings.Contains(body, "138****1234") {
			t.Fatal("numbers not masked before the reveal")
		}
		st, body, _ := b.Post(path+"/reveal", url.Values{"what": {"member-" + itoa(mid)}})
		if st != 200 || !strings.Contains(body, born(1970, 31)) || strings.Contains(body, "13812341234") {
			t.Fatalf("reveal of one ID number: %d", st)
		}
		if st, body, _ = b.Post(path+"/reveal", url.Values{"what": {"phone"}}); !strings.Contains(body, "13812341234") {
			t.Fatalf("reveal of the phone: %d", st)
		}
		if st, _, _ = b.Post(path+"/reveal", url.Values{"what": {"member-999999"}}); st != http.StatusNotFound {
			t.Fatalf("reveal of another household's member: %d", st)
		}
		// A role that may not reveal is refused, and nothing is recorded for it.
		c := webtest.Login(t, base, "city", "")
		c.Get(path)
		if st, _, _ := c.Post(path+"/reveal", url.Values{"what": {"phone"}}); st != http.StatusForbidden {
			t.Fatalf("city viewer reveal: %d", st)
		}
		p, _ := db.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: audit.ActViewFullID})
		if len(p.Items) != 2 || p.Items[1].Actor != "cadre" || p.Items[1].ObjectID != itoa(mid) {
			t.Fatalf("reveal entries: %+v", p.Items)
		}
		// The auditor finds them in the browser.
		a := webtest.Login(t, base, "auditor", "")
		_, body, _ = a.Get("/audit?action=view_full_id&actor=cadre")
		if strings.Count(body, "查看完整身份证号</td>") != 2 || !strings.Contains(body, "王一") {
			t.Fatalf("audit browser:\n%s", body[strings.Index(body, "<main>"):])
		}
		today := clk.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		if _, body, _ = a.Get("/audit?to=2020-01-01"); strings.Contains(body, "查看完整身份证号</td>") {
			t.Fatal("date filter")
		}
		if _, body, _ = a.Get("/audit?from=" + today + "&to=" + today + "&object=member"); !strings.Contains(body, "查看完整身份证号</td>") {
			t.Fatal("date filter excluded today")
		}
		if st, body, _ := a.Get("/audit?from=yesterday"); st != http.StatusUnprocessableEntity || !strings.Contains(body, "起始日期") {
			t.Fatalf("bad date: %d", st)
		}
	})
}

func api(t *testing.T, method, url, token string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func TestAPIAuthenticationAndMasking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		h := addHousehold(t, db, "141121104201", "N1", "王一", 31)
		mid := h.Members[0].ID
		_, ts := webtest.Start(t, db)
		_ = clk
		base := ts.URL + "/api/v1"
		if st, out, hdr := api(t, "GET", base+"/households", "", nil); st != 401 || hdr.Get("WWW-Authenticate") == "" || out["error"] == nil {
			t.Fatalf("no token: %d %v", st, out)
		}
		if st, _, _ := api(t, "GET", base+"/households", "sbk_notatoken", nil); st != 401 {
			t.Fatalf("bad token: %d", st)
		}
		tok := webtest.Token(t, db, auth.RoleVillageCadre, "141121104201")
		st, out, _ := api(t, "GET", base+"/households/"+itoa(h.ID), tok, nil)
		members := out["members"].([]any)
		if st != 200 || out["phone"] != "138****1234" || out["head_id_number"] != idcard.Mask(born(1970, 31)) ||
			members[0].(map[string]any)["id_number"] != idcard.Mask(born(1970, 31)) {
			t.Fatalf("masking: %d %v", st, out)
		}
		// Sending the masked number back keeps it.
		st, out, _ = api(t, "PUT", base+"/members/"+itoa(mid), tok, map[string]any{"id_number": idcard.Mask(born(1970, 31)), "name": "王一", "relation": "head", "health": "serious"})
		if st != 200 || out["health"] != "serious" {
			t.Fatalf("update with the masked number: %d %v", st, out)
		}
		if m, _ := db.Member(context.Background(), store.Everywhere, mid); m.IDNumber != born(1970, 31) {
			t.Fatal("the masked number was stored")
		}
		st, out, _ = api(t, "POST", base+"/members/"+itoa(mid)+"/reveal", tok, nil)
		if st != 200 || out["id_number"] != born(1970, 31) {
			t.Fatalf("reveal: %d %v", st, out)
		}
		if p, _ := db.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: audit.ActViewFullID}); len(p.Items) != 1 {
			t.Fatal("reveal not audited")
		}
		viewer := webtest.Token(t, db, auth.RoleCityViewer, "141100000000")
		if st, _, _ := api(t, "POST", base+"/members/"+itoa(mid)+"/reveal", viewer, nil); st != 403 {
			t.Fatalf("viewer reveal: %d", st)
		}
		if st, _, _ := api(t, "PUT", base+"/members/"+itoa(mid), viewer, map[string]any{"name": "王一"}); st != 403 {
			t.Fatalf("viewer write: %d", st)
		}
		admin := webtest.Token(t, db, auth.RoleAdmin, "141121000000")
		if st, _, _ := api(t, "GET", base+"/households", admin, nil); st != 403 {
			t.Fatalf("admin reads households: %d", st)
		}
		// A session may call the API too, with the CSRF token for writes.
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		b := webtest.Login(t, ts.URL, "cadre", "")
		req, _ := http.NewRequest("POST", base+"/members/"+itoa(mid)+"/reveal", nil)
		if st, _, _ := b.Do(req); st != http.StatusForbidden {
			t.Fatalf("session API write without CSRF: %d", st)
		}
		req, _ = http.NewRequest("POST", base+"/members/"+itoa(mid)+"/reveal", nil)
		req.Header.Set("X-CSRF-Token", b.CSRF())
		if st, _, _ := b.Do(req); st != http.StatusOK {
			t.Fatalf("session API write with CSRF: %d", st)
		}
	})
}

func TestAccountPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		webtest.Account(t, db, "admin", auth.RoleAdmin, "141121000000")
		_, base := startShell(t, db, clk)
		a := webtest.Login(t, base, "admin", "")
		if st, body, _ := a.Get("/households"); st != http.StatusForbidden || !strings.Contains(body, "无权") {
			t.Fatalf("admin on the registry: %d", st)
		}
		// Problems by field.
		st, body, _ := a.Post("/accounts", url.Values{"username": {"A"}, "display_name": {""}, "role": {"village_cadre"}, "region_code": {"141121104"}})
		if st != 422 || !strings.Contains(fieldError(body, "username"), "长度") || !strings.Contains(fieldError(body, "display_name"), "不能为空") ||
			!strings.Contains(fieldError(body, "region_code"), "村") {
			t.Fatalf("invalid account: %d %q %q %q", st, fieldError(body, "username"), fieldError(body, "display_name"), fieldError(body, "region_code"))
		}
		st, body, _ = a.Post("/accounts", url.Values{"username": {"peer"}, "display_name": {"同级"}, "role": {"admin"}, "region_code": {"141121"}})
		if st != 422 || !strings.Contains(body, "上级区划的管理员") {
			t.Fatalf("peer admin: %d", st)
		}
		st, body, _ = a.Post("/accounts", url.Values{"username": {"far"}, "display_name": {"远"}, "role": {"township"}, "region_code": {"141122100"}})
		if st != 422 || !strings.Contains(fieldError(body, "region_code"), "不在您管理的区域内") {
			t.Fatalf("outside the region: %d", st)
		}
		// Created with a generated password, shown once.
		st, body, _ = a.Post("/accounts", url.Values{"username": {"cadre2"}, "display_name": {"<i>李</i>"}, "role": {"village_cadre"}, "region_code": {"141121104202"}})
		pw := regexp.MustCompile(`密码：<b>([a-z0-9-]+)</b>`).FindStringSubmatch(body)
		if st != 200 || pw == nil || !strings.Contains(body, "&lt;i&gt;李&lt;/i&gt;") {
			t.Fatalf("create: %d", st)
		}
		acc, _ := db.AccountByUsername(context.Background(), "cadre2")
		webtest.Login(t, base, "cadre2", pw[1])
		// Disable: the account can no longer sign in.
		if st, _, _ := a.Post("/accounts/"+itoa(acc.ID)+"/disable", nil); st != http.StatusSeeOther {
			t.Fatalf("disable: %d", st)
		}
		anon := webtest.NewBrowser(t, base)
		if st, body, _ := anon.Post("/login", url.Values{"username": {"cadre2"}, "password": {pw[1]}}); st != http.StatusForbidden || !strings.Contains(body, "已停用") {
			t.Fatalf("disabled login: %d", st)
		}
		a.Post("/accounts/"+itoa(acc.ID)+"/enable", nil)
		// A token, shown once, works on the API; revoked, it does not.
		_, body, _ = a.Post("/accounts/"+itoa(acc.ID)+"/tokens", url.Values{"name": {"测试系统"}, "days": {"30"}})
		tok := regexp.MustCompile(`sbk_[A-Za-z0-9_-]{43}`).FindString(body)
		if tok == "" {
			t.Fatal("no token shown")
		}
		if st, _, _ := api(t, "GET", base+"/api/v1/households", tok, nil); st != 200 {
			t.Fatalf("issued token: %d", st)
		}
		toks, _ := db.Tokens(context.Background(), store.Everywhere, acc.ID)
		if st, _, _ := a.Post("/tokens/"+itoa(toks[0].ID)+"/revoke", nil); st != http.StatusSeeOther {
			t.Fatalf("revoke: %d", st)
		}
		if st, _, _ := api(t, "GET", base+"/api/v1/households", tok, nil); st != 401 {
			t.Fatalf("revoked token: %d", st)
		}
		// Reset with a weak password is refused by field; generated works.
		if st, body, _ := a.Post("/accounts/"+itoa(acc.ID)+"/password", url.Values{"reset_password": {"short"}}); st != 422 || fieldError(body, "reset_password") == "" {
			t.Fatalf("weak reset: %d", st)
		}
		if _, body, _ := a.Post("/accounts/"+itoa(acc.ID)+"/password", nil); !strings.Contains(body, "只显示这一次") {
			t.Fatal("reset did not show the new password")
		}
		// The list shows the region's accounts; the owner changes their own password.
		if _, body, _ := a.Get("/accounts?q=cadre"); !strings.Contains(body, "cadre2") || strings.Contains(body, ">admin<") {
			t.Fatal("account search")
		}
		st, body, _ = a.Post("/me/password", url.Values{"current_password": {webtest.Password}, "password": {"new-pass-135"}, "password2": {"new-pass-136"}})
		if st != 422 || !strings.Contains(fieldError(body, "password2"), "不一致") {
			t.Fatalf("mismatched confirmation: %d", st)
		}
		if st, _, _ := a.Post("/me/password", url.Values{"current_password": {webtest.Password}, "password": {"new-pass-135"}, "password2": {"new-pass-135"}}); st != http.StatusSeeOther {
			t.Fatalf("change password: %d", st)
		}
		webtest.Login(t, base, "admin", "new-pass-135")
	})
}

// TestListPageWeight keeps a county's household list page, with its
// stylesheet and script, under 100 KB transferred (gzip).
func TestListPageWeight(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	for i := 0; i < 60; i++ {
		addHousehold(t, db, "141121104201", "14112110420100"+itoa(int64(10+i)), "王"+string(rune('甲'+i)), 100+i)
	}
	webtest.Account(t, db, "county", auth.RoleCountyOffice, "141121000000")
	_, base := startShell(t, db, clk)
	b := webtest.Login(t, base, "county", "")
	_, page, _ := b.Get("/households")
	total := 0
	for _, path := range append([]string{"/households"}, regexp.MustCompile(`/static/[a-z.]+\?v=[0-9a-f]+`).FindAllString(page, -1)...) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		st, body, resp := b.Do(req)
		if st != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d %q", path, st, resp.Header.Get("Content-Encoding"))
		}
		total += len(body)
		zr, _ := gzip.NewReader(strings.NewReader(body))
		raw, _ := io.ReadAll(zr)
		t.Logf("%s: %d bytes, %d gzip", path, len(raw), len(body))
	}
	if total > 100<<10 {
		t.Fatalf("list page weighs %d bytes gzip", total)
	}
}
