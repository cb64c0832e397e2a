package web_test

// Real-browser tests: Debian's headless Chromium driven from Go (chromedp).
// Without Chromium they skip with the reason, unless SANBAO_TEST_REQUIRE=all.

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sanbao/internal/auth"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
	"sanbao/internal/web/webtest"
)

// chromium finds the browser: SANBAO_CHROMIUM, /usr/bin/chromium, or on
// the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SANBAO_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if storetest.Required() {
		t.Fatal("Chromium not found and SANBAO_TEST_REQUIRE=all (apt-get install chromium, or set SANBAO_CHROMIUM)")
	}
	t.Skip("browser tests skipped: Chromium not found (apt-get install chromium, or set SANBAO_CHROMIUM)")
	return ""
}

// browserCtx starts a fresh headless Chromium for one test.
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	bin := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(390, 844), // a phone
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		if storetest.Required() {
			t.Fatalf("Chromium did not start: %v", err)
		}
		t.Skipf("browser tests skipped: Chromium did not start: %v", err)
	}
	return ctx
}

type css = chromedp.CSS

func loginActions(base, username string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#username`)),
		chromedp.SendKeys(css(`#username`), username),
		chromedp.SendKeys(css(`#password`), webtest.Password),
		chromedp.Submit(css(`#password`)),
		chromedp.WaitVisible(css(`.nav`)),
	)
}

// text reads the visible text of the page's main element into *dst.
func text(dst *string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Text(css(`main`))(ctx, t)
		*dst = v
		return err
	})
}

// browserWorld: two villages of 刘胡兰镇, a household of 王建国 in the
// first, a cadre of each village and the county's auditor.
func browserWorld(t *testing.T) (base string, h *registry.Household) {
	t.Helper()
	db := storetest.SQLite(t)
	clk := shellDB(t, db)
	for i := 0; i < 5; i++ {
		addHousehold(t, db, "141121104201", "N"+itoa(int64(i)), "赵"+string(rune('甲'+i)), 200+i)
	}
	h = &registry.Household{RegionCode: "141121104201", Number: "1411211042010099", Category: "monitored", MonitorType: "marginal"}
	err := db.CreateHousehold(context.Background(), store.Everywhere, h, []registry.Member{
		{Name: "王建国", Relation: registry.RelationHead, IDNumber: born(1968, 17)},
		{Name: "李秀英", Relation: "spouse", IDNumber: born(1970, 22)},
	})
	if err != nil {
		t.Fatal(err)
	}
	webtest.Account(t, db, "cadre-east", auth.RoleVillageCadre, "141121104201")
	webtest.Account(t, db, "cadre-west", auth.RoleVillageCadre, "141121104202")
	webtest.Account(t, db, "auditor", auth.RoleAuditor, "141121000000")
	s, ts := webtest.Start(t, db)
	s.Clock = clk
	return ts.URL, h
}

// TestBrowserCadreEditsMember: a village cadre logs in on a phone-sized
// window, finds a household by its head's name, changes a member's health,
// sees the change on the household page and in its history; the county's
// auditor then finds the change in the audit trail.
func TestBrowserCadreEditsMember(t *testing.T) {
	ctx := browserCtx(t)
	base, h := browserWorld(t)
	var spouse registry.Member
	for _, m := range h.Members {
		if m.Name == "李秀英" {
			spouse = m
		}
	}
	var household, history, trail string
	err := chromedp.Do(ctx,
		loginActions(base, "cadre-east"),
		chromedp.Click(css(`a[href="/households"]`)),
		chromedp.WaitVisible(css(`#q`)),
		chromedp.SendKeys(css(`#q`), "王建国"),
		chromedp.Submit(css(`#q`)),
		chromedp.WaitVisible(css(`a[href="/households/`+itoa(h.ID)+`"]`)),
		chromedp.Click(css(`a[href="/households/`+itoa(h.ID)+`"]`)),
		chromedp.WaitVisible(css(`a[href="/members/`+itoa(spouse.ID)+`/edit"]`)),
		chromedp.Click(css(`a[href="/members/`+itoa(spouse.ID)+`/edit"]`)),
		chromedp.WaitVisible(css(`#f-health`)),
		chromedp.SetValue(css(`#f-health`), "serious"),
		chromedp.Click(css(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(css(`.flash`)),
		text(&household),
		chromedp.Click(css(`a[href="/households/`+itoa(h.ID)+`/history"]`)),
		chromedp.WaitVisible(css(`table.list`)),
		text(&history),
		chromedp.Navigate(base+"/me"),
		chromedp.WaitVisible(css(`form[action="/logout"] button`)),
		chromedp.Click(css(`form[action="/logout"] button`)),
		chromedp.WaitVisible(css(`#username`)),
		loginActions(base, "auditor"),
		chromedp.Navigate(base+"/audit?object=member&actor=cadre-east"),
		chromedp.WaitVisible(css(`table.list`)),
		text(&trail),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(household, "已保存") || !strings.Contains(household, registry.Health.LabelOf("serious")) {
		t.Fatalf("household page after the edit:\n%s", household)
	}
	change := "健康状况：健康 → " + registry.Health.LabelOf("serious")
	if !strings.Contains(history, change) || !strings.Contains(history, "cadre-east") {
		t.Fatalf("history lacks %q:\n%s", change, history)
	}
	if !strings.Contains(trail, change) || !strings.Contains(trail, "村两委干部") {
		t.Fatalf("audit trail lacks %q:\n%s", change, trail)
	}
}

// TestBrowserOtherVillageCannotReach: a cadre of the neighbouring village
// typing the household's URL gets 未找到, and nothing of it.
func TestBrowserOtherVillageCannotReach(t *testing.T) {
	ctx := browserCtx(t)
	base, h := browserWorld(t)
	var page, edit string
	err := chromedp.Do(ctx,
		loginActions(base, "cadre-west"),
		chromedp.Navigate(base+"/households/"+itoa(h.ID)),
		chromedp.WaitVisible(css(`h1`)),
		text(&page),
		chromedp.Navigate(base+"/members/"+itoa(h.Members[0].ID)+"/edit"),
		chromedp.WaitVisible(css(`h1`)),
		text(&edit),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{page, edit} {
		if !strings.Contains(text, "未找到") || strings.Contains(text, "王建国") || strings.Contains(text, "1411211042010099") {
			t.Fatalf("other village's cadre saw:\n%s", text)
		}
	}
}
