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

// TestBrowserFindingToLedgerOnPhone: a village cadre, on a phone, opens the
// findings list, unfolds "转为问题（纳入整改台账）" on a finding, chooses the
// severity and submits; the problem's page opens, and back on the list the
// finding shows its problem's number instead of the form. The list fits the
// screen with the form unfolded.
func TestBrowserFindingToLedgerOnPhone(t *testing.T) {
	ctx := browserCtx(t)
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	h := screeningHousehold(t, db, "B1", 11)
	f := dropoutFinding(t, db, h.ID)
	webtest.Account(t, db, "cadre", auth.RoleVillageCadre, "141121104201")
	_, base := startShell(t, db, clk)

	sel := `form[action="/findings/` + itoa(f.ID) + `/problem"]`
	var width, scroll int
	var problem, list string
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 667),
		loginActions(base, "cadre"),
		chromedp.Navigate(base+"/findings"),
		chromedp.Click(css(`details.to-ledger > summary`)),
		chromedp.WaitVisible(css(sel+` select[name="severity"]`)),
		chromedp.SetValue(css(sel+` select[name="severity"]`), "major"),
		chromedp.SetValue(css(sel+` input[name="lead_unit"]`), "县教育局"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			var err error
			if width, err = chromedp.Evaluate[int](`window.innerWidth`)(ctx, tg); err != nil {
				return err
			}
			scroll, err = chromedp.Evaluate[int](`document.documentElement.scrollWidth`)(ctx, tg)
			return err
		}),
		chromedp.Click(css(sel+` button[type="submit"]`)),
		chromedp.WaitVisible(css(`.flash`)),
		text(&problem),
		chromedp.Navigate(base+"/findings"),
		chromedp.WaitVisible(css(`p.in-ledger`)),
		text(&list),
	)
	if err != nil {
		t.Fatal(err)
	}
	if width > 375 || scroll > width {
		t.Errorf("the findings list with the form unfolded does not fit a phone: window %d, page %d pixels wide", width, scroll)
	}
	for _, want := range []string{"问题线索已纳入整改台账", "王建国户（户编号B1）王小明", "重大复杂问题", "县教育局", "规则比对发现"} {
		if !strings.Contains(problem, want) {
			t.Errorf("the problem's page lacks %q:\n%s", want, problem)
		}
	}
	linked, err := db.Finding(context.Background(), store.Everywhere, f.ID)
	if err != nil || linked.ProblemNumber == "" {
		t.Fatalf("link: %+v %v", linked, err)
	}
	if !strings.Contains(list, "已纳入台账 编号 "+linked.ProblemNumber) || strings.Contains(list, "转为问题") {
		t.Errorf("the list after the conversion:\n%s", list)
	}
}
