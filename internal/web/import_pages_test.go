package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web"
	"sanbao/internal/web/webtest"
)

// registerCSV is a register of n households of three, as CSV.
func registerCSV(n int, broken bool) []byte {
	var b strings.Builder
	b.WriteString(strings.Join(registry.RegisterHeader(), ",") + "\r\n")
	for i := 0; i < n; i++ {
		h := registry.Household{RegionCode: "141121104201", Number: "D" + strconv.Itoa(i), Category: registry.CategoryLifted, Phone: "13912345678"}
		for j, rel := range []string{"head", "spouse", "child"} {
			birth := time.Date(1950+j*25, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
			m := registry.Member{Name: "王建" + string(rune('一'+j)), Relation: rel, IDNumber: idcard.Make("141121", birth, 10+j)}
			if broken && i == n-1 && j == 2 {
				m.IDNumber = m.IDNumber[:17] + "Z"
			}
			m.Normalize()
			b.WriteString(strings.Join(registry.FormatRow(&h, &m, "刘胡兰镇", "东堡村"), ",") + "\r\n")
		}
	}
	return []byte(b.String())
}

// upload posts a file to the import page as a browser would.
func upload(t *testing.T, b *webtest.Browser, base, name string, content []byte, fields map[string]string) (int, string, *http.Response) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.CSRF())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.Do(req)
}

// waitJob reloads a job page until the import has ended.
func waitJob(t *testing.T, b *webtest.Browser, path string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, body, _ := b.Get(path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		if !strings.Contains(body, "data-refresh") {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("import did not end:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImportUploadRunsInTheBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		webtest.Account(t, db, "county", auth.RoleCountyOffice, "141121000000")
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		_, base := startShell(t, db, clk)
		b := webtest.Login(t, base, "county", "")

		st, body, _ := b.Get("/imports")
		if st != http.StatusOK || !strings.Contains(body, "/imports/template.xlsx") || !strings.Contains(body, `enctype="multipart/form-data"`) {
			t.Fatalf("upload page: %d", st)
		}
		// The template downloads and reads back.
		st, tpl, resp := b.Get("/imports/template.xlsx")
		if st != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Fatalf("template: %d %v", st, resp.Header)
		}
		if f, err := excelize.OpenReader(strings.NewReader(tpl)); err != nil || len(f.GetSheetList()) != 2 {
			t.Fatalf("template workbook: %v", err)
		}

		// A file with one bad row: refused, nothing written, the error workbook offered.
		st, _, resp = upload(t, b, base, "花名册.csv", registerCSV(20, true), nil)
		if st != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/imports/") {
			t.Fatalf("upload: %d %s", st, resp.Header.Get("Location"))
		}
		job := resp.Header.Get("Location")
		body = waitJob(t, b, job)
		if !strings.Contains(body, "导入未进行") || !strings.Contains(body, "第61行「身份证号」") || !strings.Contains(body, job+"/errors.xlsx") {
			t.Fatalf("refused import page:\n%s", body)
		}
		if n, _, _ := db.Counts(context.Background(), store.Everywhere); n != 0 {
			t.Fatalf("%d households written by a refused file", n)
		}
		st, wb, _ := b.Get(job + "/errors.xlsx")
		f, err := excelize.OpenReader(strings.NewReader(wb))
		if st != http.StatusOK || err != nil {
			t.Fatalf("error workbook: %d %v", st, err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		if len(rows) != 3 || rows[1][0] != sheet.ReportRowCol || rows[2][0] != "61" {
			t.Fatalf("error workbook rows: %q", rows)
		}

		// A good file: imported; the page reloads to the counts; the job
		// list shows it after a reload.
		st, _, resp = upload(t, b, base, "花名册.csv", registerCSV(20, false), nil)
		if st != http.StatusSeeOther {
			t.Fatalf("upload: %d", st)
		}
		body = waitJob(t, b, resp.Header.Get("Location"))
		if !strings.Contains(body, "导入完成：新增 20 户、60 人") {
			t.Fatalf("import page:\n%s", body)
		}
		if _, body, _ = b.Get("/imports"); !strings.Contains(body, "花名册.csv") || !strings.Contains(body, "已完成") {
			t.Fatal("job list does not show the import")
		}
		page, err := db.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: audit.ActImport})
		if err != nil || len(page.Items) != 1 || page.Items[0].Actor != "county" {
			t.Fatalf("import audit entry: %+v %v", page, err)
		}

		// Refusals with a message on the form.
		st, body, _ = upload(t, b, base, "", nil, nil)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, "请选择要导入的") {
			t.Fatalf("no file: %d", st)
		}
		st, body, _ = upload(t, b, base, "x.csv", registerCSV(1, false), map[string]string{"region_code": "141121100000"})
		if st != http.StatusSeeOther {
			t.Fatalf("region in scope: %d %s", st, body)
		}
		body = waitJob(t, b, "/imports/3")
		if !strings.Contains(body, "不在本次导入的区域") {
			t.Fatalf("household outside the chosen region:\n%s", body)
		}

		// A job left "running" by a server that stopped is shown as
		// interrupted (its transaction was rolled back).
		stale := &store.ImportJob{RegionCode: "141121000000", AccountID: 1, Username: "county", FileName: "旧.csv", FileSize: 9}
		if err := db.CreateImportJob(context.Background(), store.Everywhere, stale); err != nil {
			t.Fatal(err)
		}
		clk.Advance(5 * time.Minute)
		if _, body, _ = b.Get("/imports/" + strconv.FormatInt(stale.ID, 10)); !strings.Contains(body, "导入中断") || strings.Contains(body, "data-refresh") {
			t.Fatalf("interrupted job:\n%s", body)
		}

		// A village cadre may not import, nor see the jobs.
		c := webtest.Login(t, base, "cadre", "")
		if st, _, _ := c.Get("/imports"); st != http.StatusForbidden {
			t.Fatalf("cadre import page: %d", st)
		}
		if st, _, _ := c.Get(job); st != http.StatusForbidden {
			t.Fatalf("cadre job page: %d", st)
		}
	})
}

func TestImportUploadTooLarge(t *testing.T) {
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "county", auth.RoleCountyOffice, "141121000000")
	_, base := startShell(t, db, clk)
	b := webtest.Login(t, base, "county", "")
	// A body over the limit, streamed (not held in memory).
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("csrf", b.CSRF())
		fw, _ := mw.CreateFormFile("file", "big.csv")
		chunk := bytes.Repeat([]byte("户编号,姓名\r\n"), 1<<16)
		for n := 0; n < web.MaxUpload+(2<<20); n += len(chunk) {
			if _, err := fw.Write(chunk); err != nil {
				break
			}
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	st, body, _ := b.Do(req)
	pr.CloseWithError(io.ErrClosedPipe)
	if st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "上限") {
		t.Fatalf("too large: %d", st)
	}
}

func TestExportFromTheListIsMaskedAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := shellDB(t, db)
		h := addHousehold(t, db, "141121104201", "E0001", "王建国", 11)
		addHousehold(t, db, "141121104202", "E0002", "李四", 13)
		webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
		webtest.Account(t, db, "city", auth.RoleCityViewer, "141100000000")
		_, base := startShell(t, db, clk)
		b := webtest.Login(t, base, "cadre", "")
		_, body, _ := b.Get("/households")
		if !strings.Contains(body, `action="/exports/households"`) || !strings.Contains(body, `name="full"`) {
			t.Fatal("list page has no export form")
		}
		full := born(1970, 11)
		// Masked by default: says so, hides numbers, stays in the scope.
		st, csv, resp := b.Post("/exports/households", url.Values{"format": {"csv"}})
		if st != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %v", st, resp.Header)
		}
		if !strings.Contains(csv, "仅供查阅") || strings.Contains(csv, full) || !strings.Contains(csv, "1411**********") ||
			!strings.Contains(csv, "E0001") || strings.Contains(csv, "E0002") {
			t.Fatalf("masked export:\n%s", csv)
		}
		// Full numbers for a role that may reveal them, audited as such.
		st, x, _ := b.Post("/exports/households", url.Values{"format": {"xlsx"}, "full": {"1"}})
		f, err := excelize.OpenReader(strings.NewReader(x))
		if st != http.StatusOK || err != nil {
			t.Fatalf("full export: %d %v", st, err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		if !regexp.MustCompile(full).MatchString(strings.Join(rows[2], ",")) {
			t.Fatalf("full export rows: %q", rows)
		}
		page, _ := db.AuditEntries(context.Background(), store.Everywhere, store.AuditFilter{Action: audit.ActExport})
		if len(page.Items) != 2 || !strings.Contains(page.Items[0].Detail, "完整号码") || !strings.Contains(page.Items[1].Detail, "脱敏") ||
			page.Items[0].Region != h.RegionCode {
			t.Fatalf("export entries: %+v", page.Items)
		}
		// A region outside the scope is not found; a viewer may not ask for full numbers.
		if st, _, _ := b.Post("/exports/households", url.Values{"region_code": {"141121104202"}}); st != http.StatusNotFound {
			t.Fatalf("outside the scope: %d", st)
		}
		v := webtest.Login(t, base, "city", "")
		if st, _, _ := v.Post("/exports/households", url.Values{"full": {"1"}}); st != http.StatusForbidden {
			t.Fatalf("viewer full export: %d", st)
		}
		if st, csv, _ := v.Post("/exports/households", url.Values{"format": {"csv"}}); st != http.StatusOK || strings.Contains(csv, full) || !strings.Contains(csv, "E0002") {
			t.Fatalf("viewer masked export: %d", st)
		}
	})
}
