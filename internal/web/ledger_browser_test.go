package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sanbao/internal/ledger"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

// lgArrived waits until the page's address has what a form's redirect adds.
func lgArrived(query string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			// The page may be navigating: errors until the new one is there.
			ok, err := chromedp.Evaluate[bool](`document.readyState === "complete" && location.search.includes(`+strconv.Quote(query)+`)`)(ctx, t)
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// lgShot saves a screenshot when SANBAO_SCREENSHOTS names a directory.
func lgShot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		dir := os.Getenv("SANBAO_SCREENSHOTS")
		if dir == "" {
			return nil
		}
		b, err := chromedp.FullScreenshot(100)(ctx, t)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
	})
}

// TestBrowserLedgerOnPhone: a village cadre, on a phone-sized window,
// opens its work list, records what was done on a problem, adds a photo
// from the phone and submits the rectification; the township then accepts
// it, and the problem is closed.
func TestBrowserLedgerOnPhone(t *testing.T) {
	ctx := browserCtx(t)
	db := storetest.SQLite(t)
	base, clk, p := lgWorld(t, db)
	clk.Set(lgDay(2024, 7, 24, 17))
	photo := filepath.Join(t.TempDir(), "加固后.png")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		img.Set(x, x%48, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	pp := base + "/problems/" + itoa(p.ID)
	var mine, afterProgress, afterSubmit, accepted, dossier string
	var width int
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile, chromedp.EmulateTouch), // a phone
		loginActions(base, "cadre-east"),
		chromedp.Click(css(`.nav a[href="/ledger/mine"]`)),
		chromedp.WaitVisible(css(`table.ledger`)),
		text(&mine),
		lgShot("mine"),
		chromedp.Click(css(`table.ledger a[href="/problems/`+itoa(p.ID)+`"]`)),
		chromedp.WaitVisible(css(`#f-text`)),
		chromedp.SendKeys(css(`#f-text`), "已请施工队上门，东墙裂缝已用钢筋网加固"),
		chromedp.Click(css(`#progress button[type=submit]`)),
		lgArrived("ok=progress"),
		text(&afterProgress),
		lgShot("problem"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			w, err := chromedp.Evaluate[int](`document.documentElement.scrollWidth`)(ctx, tg)
			width = w
			return err
		}),
		chromedp.SetUploadFiles(css(`#f-file`), []string{photo}),
		chromedp.Click(css(`#evidence button[type=submit]`)),
		lgArrived("ok=uploaded"),
		chromedp.WaitVisible(css(`#submit input[name=file]`)),
		chromedp.SendKeys(css(`#f-summary`), "东墙加固完成，已拍照留存"),
		chromedp.Click(css(`#submit button[type=submit]`)),
		lgArrived("ok=done"),
		text(&afterSubmit),
		lgShot("problem-submitted"),
		chromedp.Click(css(`.nav form button`)), // 退出
		chromedp.WaitVisible(css(`#username`)),
		loginActions(base, "town"),
		chromedp.Navigate(pp),
		chromedp.WaitVisible(css(`#f-opinion-a`)),
		chromedp.SendKeys(css(`#f-opinion-a`), "经现场查看，加固到位，验收合格"),
		chromedp.Click(css(`#accept form[action$="/accept"] button`)),
		lgArrived("ok=done"),
		text(&accepted),
		chromedp.Navigate(pp+"/dossier"),
		chromedp.WaitVisible(css(`.dossier`)),
		text(&dossier),
		lgShot("dossier"),
	)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, "the cadre's work list", mine, p.Number, "王建国家住房出现裂缝")
	mustHave(t, "after recording progress", afterProgress, "整改进展已记录", "已请施工队上门，东墙裂缝已用钢筋网加固", "2024年7月24日")
	if width > 400 {
		t.Errorf("the problem page is %d px wide on a 390 px phone", width)
	}
	mustHave(t, "after submitting", afterSubmit, "待验收", "东墙加固完成，已拍照留存")
	mustHave(t, "after acceptance", accepted, "已销号", "经现场查看，加固到位，验收合格")
	mustHave(t, "the dossier", dossier, "一问题一档案", "签字确认", "验收销号", "已请施工队上门，东墙裂缝已用钢筋网加固")
	got, err := db.Problem(context.Background(), store.Everywhere, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != ledger.Closed || len(got.Progress) != 1 || len(got.Submissions) != 1 ||
		got.Submissions[0].Evidence[0].Kind != ledger.EvidencePhoto || !strings.HasSuffix(got.Submissions[0].Evidence[0].Name, ".png") {
		t.Fatalf("stored: %s %+v %+v", got.State, got.Progress, got.Submissions)
	}
}
