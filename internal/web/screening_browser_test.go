package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sanbao/internal/auth"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// TestBrowserVisitOnPhone: a village cadre, on a phone-sized window, opens
// a household's visit form, answers the housing items (a D-grade house,
// with a note), signs, and sees the signed record and the finding; the form
// fits the screen, and the visit is recorded once.
func TestBrowserVisitOnPhone(t *testing.T) {
	ctx := browserCtx(t)
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	h := screeningHousehold(t, db, "B1", 11)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	_, base := startShell(t, db, clk)

	choose := func(item, result string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(css(`input[name="answers.` + item + `"][value="` + result + `"]`))
	}
	var width, scroll int
	var wide string // the elements that stick out, if any
	var form, record string
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 667), // a small phone
		loginActions(base, "cadre"),
		chromedp.Navigate(base+"/households/"+itoa(h.ID)+"/screening"),
		chromedp.WaitVisible(css(`a[href^="/households/`+itoa(h.ID)+`/visit"]`)),
		chromedp.Navigate(base+"/households/"+itoa(h.ID)+"/visit?dims=housing"),
		chromedp.WaitVisible(css(`form.visit`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			if width, err = chromedp.Evaluate[int](`window.innerWidth`)(ctx, tg); err != nil {
				return err
			}
			scroll, err = chromedp.Evaluate[int](`document.documentElement.scrollWidth`)(ctx, tg)
			if err != nil {
				return err
			}
			wide, err = chromedp.Evaluate[string](`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + "." + e.className + "#" + e.id + ":" + Math.round(e.getBoundingClientRect().right)).slice(0, 8).join(" ")`)(ctx, tg)
			return err
		}),
		choose("house_grade", "not_met"),
		chromedp.SetValue(css(`select[name="facts.house_grade"]`), "D"),
		chromedp.SetValue(css(`textarea[name="note.house_grade"]`), "墙体开裂，屋顶漏雨"),
		choose("house_moved_in", "na"),
		choose("house_moved_back", "na"),
		choose("house_subsidy", "na"),
		choose("house_quality", "na"),
		choose("house_disaster", "na"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			form, err = chromedp.Text(css(`form.visit`))(ctx, tg)
			return err
		}),
		chromedp.Click(css(`button[value="sign"]`)),
		chromedp.WaitVisible(css(`.flash`)),
		text(&record),
	)
	if err != nil {
		t.Fatal(err)
	}
	if width > 375 || scroll > width {
		t.Errorf("the visit form does not fit a phone: window %d, page %d pixels wide (%s)", width, scroll, wide)
	}
	if !strings.Contains(form, "签字提交") || !strings.Contains(form, "谁排查、谁签字、谁负责") {
		t.Errorf("visit form:\n%s", form)
	}
	for _, want := range []string{"已签字", "居住在C级或D级危房", "D级", "墙体开裂，屋顶漏雨", "测试村两委干部"} {
		if !strings.Contains(record, want) {
			t.Errorf("the signed record lacks %q:\n%s", want, record)
		}
	}
	visits, err := db.HouseholdVisits(context.Background(), store.ScopeOf("141121000000"), h.ID)
	if err != nil || len(visits) != 1 || !visits[0].Signed() {
		t.Fatalf("visits: %v %d", err, len(visits))
	}
}
