package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sanbao/internal/auth"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// TestBrowserImportShowsProgressThenResult: the county office uploads a
// register on a phone-sized window; the job page follows the import by
// itself (it reloads while the import runs) and ends with the counts.
func TestBrowserImportShowsProgressThenResult(t *testing.T) {
	ctx := browserCtx(t)
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	webtest.Account(t, db, "county", auth.RoleCountyOffice, "141121000000")
	s, ts := webtest.Start(t, db)
	s.Clock = clk
	file := filepath.Join(t.TempDir(), "花名册.csv")
	if err := os.WriteFile(file, registerCSV(3000, false), 0o644); err != nil {
		t.Fatal(err)
	}
	var result string
	err := chromedp.Do(ctx,
		loginActions(ts.URL, "county"),
		chromedp.Click(css(`a[href="/imports"]`)),
		chromedp.WaitVisible(css(`#f-file`)),
		chromedp.SetUploadFiles(css(`#f-file`), []string{file}),
		chromedp.Click(css(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(css(`p.flash`)),
		text(&result),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "导入完成：新增 3000 户、9000 人") || !strings.Contains(result, "第1号导入") {
		t.Fatalf("job page:\n%s", result)
	}
}
