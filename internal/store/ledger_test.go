package store_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/ledgerdemo"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

const (
	lgVillage  = "141121104201" // 东堡村, 刘胡兰镇
	lgVillage2 = "141121104202" // 西堡村
	lgTownship = "141121104000"
)

var (
	lgCadre  = ledger.Actor{AccountID: 11, Name: "王村干", Role: "村两委干部", Unit: "东堡村"}
	lgTown   = ledger.Actor{AccountID: 12, Name: "李镇长", Role: "乡镇干部", Unit: "刘胡兰镇"}
	lgDept   = ledger.Actor{AccountID: 13, Name: "赵局长", Role: "县直部门", Unit: "县住建局"}
	lgAbove  = ledger.Actor{AccountID: 14, Name: "孙组长", Role: "县巩固衔接办", Unit: "县专班"}
	lgCounty = store.ScopeOf("141121000000")
)

func lgCST(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, clock.China)
}

// lgSeed loads the regions and two villages, and sets a manual clock.
func lgSeed(t *testing.T, db *store.DB, at time.Time) *clock.Manual {
	t.Helper()
	c := clock.NewManual(at)
	db.Clock = c
	if _, err := db.LoadOfficialRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: lgVillage, Name: "东堡村"}, {Code: lgVillage2, Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func lgMust[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// sameAsStored checks that what an action returned is what the database
// gives back: every field, the stages, the whole history.
func sameAsStored(t *testing.T, db *store.DB, p *ledger.Problem) {
	t.Helper()
	got, err := db.Problem(ctx, lgCounty, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("stored problem differs\nreturned %s\nstored   %s", a, b)
	}
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if field != "" {
		for _, f := range apperr.FieldsOf(err) {
			if f.Field == field {
				return
			}
		}
		t.Fatalf("error does not name %s: %v", field, err)
	}
}

// The whole life of an ordinary problem through the store with a moving
// clock: 135, 710, evidence, a rejected acceptance, a second rejection on
// the accountability list, close-out and a reopening.
func TestLedgerOrdinaryLifeInStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := lgSeed(t, db, lgCST(2024, 7, 22, 9))
		h := &registry.Household{RegionCode: lgVillage, Number: "1411211042010001", Category: "lifted"}
		if err := db.CreateHousehold(ctx, lgCounty, h, []registry.Member{person("王建国", "head", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 11)}); err != nil {
			t.Fatal(err)
		}
		// Reported at township level for a household: placed in its village.
		p, err := db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: "王建国家住房出现裂缝", Dimension: "住房安全",
			HouseholdID: h.ID, Region: lgTownship, Source: "群众反映", SourceRef: "complaint:1"}, lgCadre)
		if err != nil {
			t.Fatal(err)
		}
		if p.Number != "141121-2024-00001" || p.Region != lgVillage || p.State != ledger.Reported || p.History[0].Data["number"] != p.Number {
			t.Fatalf("created %+v", p)
		}
		// The same origin again: not created twice.
		again, err := db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: "x", Dimension: "housing", Region: lgVillage, Source: "complaint", SourceRef: "complaint:1"}, lgCadre)
		wantCode(t, err, apperr.Conflict, "")
		if again == nil || again.ID != p.ID || !strings.Contains(apperr.MessageOf(err), p.Number) {
			t.Fatalf("idempotent create: %+v %v", again, err)
		}
		// Out of scope: not found, and refused creation.
		other := store.ScopeOf(lgVillage2)
		if _, err := db.Problem(ctx, other, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other village read: %v", err)
		}
		if _, err := db.VerifyProblem(ctx, other, p.ID, ledger.Verification{Findings: "x"}, lgCadre); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other village verify: %v", err)
		}
		_, err = db.CreateProblem(ctx, other, ledger.Draft{Description: "x", Dimension: "housing", HouseholdID: h.ID, Source: "visit"}, lgCadre)
		wantCode(t, err, apperr.Invalid, "household_id")

		c.Set(lgCST(2024, 7, 23, 10))
		p = lgMust[*ledger.Problem](t)(db.VerifyProblem(ctx, lgCounty, p.ID, ledger.Verification{Findings: "东墙裂缝约2米"}, lgCadre))
		c.Set(lgCST(2024, 7, 24, 15))
		p = lgMust[*ledger.Problem](t)(db.DecideProblem(ctx, lgCounty, p.ID, ledger.Decision{Forward: true, Opinion: "需鉴定", Department: "县住建局"}, lgTown))
		c.Set(lgCST(2024, 7, 25, 11))
		_, err = db.PlanProblem(ctx, lgCounty, p.ID, ledger.RectificationPlan{Severity: ledger.Ordinary, LeadUnit: "县住建局", Owner: "赵局长",
			Measures: "鉴定并加固", Deadline: deadline.Date(2024, 8, 9)}, lgDept)
		wantCode(t, err, apperr.Invalid, "deadline")
		p = lgMust[*ledger.Problem](t)(db.PlanProblem(ctx, lgCounty, p.ID, ledger.RectificationPlan{Severity: ledger.Ordinary,
			TaskForce: "住房安全保障专班", LeadUnit: "县住建局", SupportingUnits: []string{"刘胡兰镇人民政府", "东堡村"}, Owner: "赵局长",
			Measures: "鉴定并加固"}, lgDept))
		if p.DeadlineText() != "2024年8月1日前" || p.State != ledger.Planned {
			t.Fatalf("plan: %s %s", p.State, p.DeadlineText())
		}
		c.Set(lgCST(2024, 7, 27, 16))
		p = lgMust[*ledger.Problem](t)(db.AddProgress(ctx, lgCounty, p.ID, ledger.ProgressEntry{Text: "完成房屋安全鉴定，为C级"}, lgCadre))
		sameAsStored(t, db, p)

		// Evidence: type from the bytes; another problem's file is refused.
		photo := lgMust[*store.EvidenceFile](t)(db.AddEvidenceFile(ctx, lgCounty, p.ID, "加固后.png", pngBytes(t), lgDept))
		if photo.Kind != ledger.EvidencePhoto || photo.ContentType != "image/png" || photo.Name != "加固后.png" {
			t.Fatalf("photo %+v", photo)
		}
		_, err = db.AddEvidenceFile(ctx, lgCounty, p.ID, "x.jpg", []byte("<html><script>alert(1)</script></html>"), lgDept)
		wantCode(t, err, apperr.Invalid, "file")
		if _, err := db.AddEvidenceFile(ctx, other, p.ID, "a.png", pngBytes(t), lgDept); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("upload out of scope: %v", err)
		}
		c.Set(lgCST(2024, 7, 30, 10))
		_, err = db.SubmitProblem(ctx, lgCounty, p.ID, ledger.Submission{Summary: "已加固", Result: ledger.Done,
			Evidence: []ledger.Evidence{{Kind: "photo", Key: "nope"}}}, lgDept)
		wantCode(t, err, apperr.Invalid, "evidence")
		p = lgMust[*ledger.Problem](t)(db.SubmitProblem(ctx, lgCounty, p.ID, ledger.Submission{Summary: "已完成加固", Result: ledger.Done,
			Evidence: []ledger.Evidence{{Kind: "photo", Key: photo.Key}, {Kind: "text", Text: "加固费用已拨付"}}}, lgDept))
		if p.State != ledger.Submitted || p.Submissions[0].Evidence[0].Name != "加固后.png" {
			t.Fatalf("submit: %+v", p.Submissions)
		}
		files := lgMust[[]store.EvidenceFile](t)(db.EvidenceFiles(ctx, lgCounty, p.ID))
		if len(files) != 1 || !files[0].Submitted {
			t.Fatalf("files %+v", files)
		}
		f, data, err := db.EvidenceData(ctx, lgCounty, photo.Key)
		if err != nil || !bytes.Equal(data, pngBytes(t)) || f.SHA256 != photo.SHA256 {
			t.Fatalf("evidence data: %v", err)
		}
		if _, _, err := db.EvidenceData(ctx, other, photo.Key); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("evidence out of scope: %v", err)
		}

		// First rejection: a new time limit. Second: the accountability list.
		c.Set(lgCST(2024, 7, 31, 9))
		p = lgMust[*ledger.Problem](t)(db.RejectProblem(ctx, lgCounty, p.ID, ledger.Review{Opinion: "加固不彻底", NewLimit: deadline.Date(2024, 8, 5)}, lgAbove))
		if p.State != ledger.Planned || p.Rejections != 1 || p.OnAccountabilityList() {
			t.Fatalf("first rejection: %s %d", p.State, p.Rejections)
		}
		c.Set(lgCST(2024, 8, 3, 9))
		p = lgMust[*ledger.Problem](t)(db.SubmitProblem(ctx, lgCounty, p.ID, ledger.Submission{Summary: "二次加固", Result: ledger.Done,
			Evidence: []ledger.Evidence{{Kind: "text", Text: "已二次加固"}}}, lgDept))
		c.Set(lgCST(2024, 8, 5, 9))
		p = lgMust[*ledger.Problem](t)(db.RejectProblem(ctx, lgCounty, p.ID, ledger.Review{Opinion: "仍不合格", NewLimit: deadline.Date(2024, 8, 8)}, lgAbove))
		list, total, err := db.AccountabilityList(ctx, lgCounty, store.ProblemFilter{})
		if err != nil || total != 1 || len(list) != 1 || list[0].Code != ledger.FlagRejectedTwice || list[0].Owner != "赵局长" || list[0].Number != p.Number {
			t.Fatalf("accountability %+v %d %v", list, total, err)
		}
		sameAsStored(t, db, p)

		c.Set(lgCST(2024, 8, 7, 9))
		p = lgMust[*ledger.Problem](t)(db.SubmitProblem(ctx, lgCounty, p.ID, ledger.Submission{Summary: "重建完成", Result: ledger.DoneSustained,
			Evidence: []ledger.Evidence{{Kind: "text", Text: "已重建"}}}, lgDept))
		c.Set(lgCST(2024, 8, 9, 9))
		p = lgMust[*ledger.Problem](t)(db.AcceptProblem(ctx, lgCounty, p.ID, ledger.Review{Opinion: "验收合格"}, lgAbove))
		if p.State != ledger.Closed || p.Result != ledger.DoneSustained {
			t.Fatalf("accept: %s %s", p.State, p.Result)
		}
		if _, err := db.AcceptProblem(ctx, lgCounty, p.ID, ledger.Review{Opinion: "再次验收"}, lgAbove); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("accepting a closed problem: %v", err)
		}
		if _, err := db.AddEvidenceFile(ctx, lgCounty, p.ID, "a.png", pngBytes(t), lgDept); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("upload to a closed problem: %v", err)
		}

		// Relapse: back to rectification, history kept.
		c.Set(lgCST(2024, 9, 1, 9))
		n := len(p.History)
		p = lgMust[*ledger.Problem](t)(db.ReopenProblem(ctx, lgCounty, p.ID, ledger.Reopening{Reason: "雨后墙体再次开裂"}, lgCadre))
		if p.State != ledger.Planned || p.Reopens != 1 || len(p.History) != n+1 || p.DeadlineText() != "2024年9月8日前" {
			t.Fatalf("reopen: %s %d %s", p.State, len(p.History), p.DeadlineText())
		}
		sameAsStored(t, db, p)
		got := lgMust[*ledger.Problem](t)(db.ProblemByNumber(ctx, lgCounty, p.Number))
		if got.ID != p.ID || len(got.Progress) != 1 || len(got.Submissions) != 3 {
			t.Fatalf("by number: %+v", got)
		}
	})
}

// The whole life of a major problem fed back by an inspection: an extension,
// a missed deadline found by the periodic check, a missed acceptance.
func TestLedgerMajorLifeInStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := lgSeed(t, db, lgCST(2024, 8, 1, 9))
		p, err := db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: "东堡村集中供水工程水质不达标", Dimension: "饮水安全",
			Region: lgVillage, Source: "考核督查反馈"}, lgAbove)
		if err != nil {
			t.Fatal(err)
		}
		if p.State != ledger.Decided || p.Current().Key != "plan" {
			t.Fatalf("%s %+v", p.State, p.Current())
		}
		c.Set(lgCST(2024, 8, 2, 10))
		p = lgMust[*ledger.Problem](t)(db.PlanProblem(ctx, lgCounty, p.ID, ledger.RectificationPlan{Severity: ledger.Major, TaskForce: "饮水安全保障专班",
			LeadUnit: "县水利局", Owner: "钱局长", Measures: "更换净化设备", Deadline: deadline.Date(2024, 9, 1)}, lgDept))

		// Due-soon and overdue per stage, from the indexed due instant.
		c.Set(lgCST(2024, 8, 31, 10))
		due := func(st deadline.State, stage string) int64 {
			t.Helper()
			pg, err := db.ListProblems(ctx, lgCounty, store.ProblemFilter{Due: st, Stage: stage})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Total
		}
		if due(deadline.Pending, "") != 1 || due(deadline.DueSoon, "") != 0 {
			t.Fatal("two days before the deadline it is pending")
		}
		c.Set(lgCST(2024, 9, 1, 10))
		if due(deadline.DueSoon, "rectify_major") != 1 || due(deadline.DueSoon, "verify") != 0 || due(deadline.Overdue, "") != 0 {
			t.Fatal("on the last day it is due soon")
		}

		c.Set(lgCST(2024, 8, 25, 10))
		_, err = db.ExtendProblem(ctx, lgCounty, p.ID, ledger.Extension{Leader: "周副县长"}, lgAbove)
		wantCode(t, err, apperr.Invalid, "reason")
		p = lgMust[*ledger.Problem](t)(db.ExtendProblem(ctx, lgCounty, p.ID, ledger.Extension{Leader: "周副县长", DecidedOn: deadline.Date(2024, 8, 24),
			Reason: "设备到货延迟", Plan: "9月10日到货，9月15日前安装调试", NewDeadline: deadline.Date(2024, 9, 15)}, lgAbove))
		if p.DeadlineText() != "2024年9月15日前" || len(p.Extensions) != 1 {
			t.Fatalf("extend: %s", p.DeadlineText())
		}
		sameAsStored(t, db, p)

		// The periodic check flags the missed deadline once.
		c.Set(lgCST(2024, 9, 15, 23))
		if n := lgMust[int](t)(db.CheckOverdue(ctx, store.Everywhere)); n != 0 {
			t.Fatalf("flagged on the last day: %d", n)
		}
		c.Set(lgCST(2024, 9, 16, 8))
		if due(deadline.Overdue, "rectify_major") != 1 {
			t.Fatal("overdue after the extended deadline")
		}
		if n := lgMust[int](t)(db.CheckOverdue(ctx, store.ScopeOf(lgVillage2))); n != 0 {
			t.Fatalf("the check of another village flagged %d", n)
		}
		if n := lgMust[int](t)(db.CheckOverdue(ctx, store.Everywhere)); n != 1 {
			t.Fatalf("check flagged %d", n)
		}
		if n := lgMust[int](t)(db.CheckOverdue(ctx, store.Everywhere)); n != 0 {
			t.Fatalf("second check flagged %d", n)
		}
		pg := lgMust[*store.ProblemPage](t)(db.ListProblems(ctx, lgCounty, store.ProblemFilter{Accountable: true}))
		if pg.Total != 1 || pg.Items[0].Accountability[0].Code != ledger.FlagStageMissed {
			t.Fatalf("accountable %+v", pg.Items)
		}

		// Submitted late; nobody accepts within 7 days: found on read.
		c.Set(lgCST(2024, 9, 18, 10))
		p = lgMust[*ledger.Problem](t)(db.SubmitProblem(ctx, lgCounty, p.ID, ledger.Submission{Summary: "设备已更换，水质复检达标", Result: ledger.Done,
			Evidence: []ledger.Evidence{{Kind: "text", Text: "复检报告编号2024-118"}}}, lgDept))
		c.Set(lgCST(2024, 9, 26, 8))
		p = lgMust[*ledger.Problem](t)(db.Problem(ctx, lgCounty, p.ID))
		if len(p.Accountability) != 2 || p.Accountability[1].Code != ledger.FlagAcceptanceMissed {
			t.Fatalf("missed acceptance not flagged on read: %+v", p.Accountability)
		}
		list, _, err := db.AccountabilityList(ctx, lgCounty, store.ProblemFilter{})
		if err != nil || len(list) != 2 || list[0].Code != ledger.FlagAcceptanceMissed || list[1].Code != ledger.FlagStageMissed {
			t.Fatalf("list %+v", list)
		}
		p = lgMust[*ledger.Problem](t)(db.AcceptProblem(ctx, lgCounty, p.ID, ledger.Review{Opinion: "复检达标，同意销号"}, lgAbove))
		sameAsStored(t, db, p)
		if n := lgMust[int](t)(db.CheckOverdue(ctx, store.Everywhere)); n != 0 {
			t.Fatalf("closed problem flagged: %d", n)
		}
	})
}

func TestLedgerListFiltersAndBulletin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := lgSeed(t, db, lgCST(2024, 7, 22, 9)) // a Monday
		mk := func(desc, dim, reg, src string) *ledger.Problem {
			t.Helper()
			return lgMust[*ledger.Problem](t)(db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: desc, Dimension: dim, Region: reg, Source: src}, lgCadre))
		}
		a := mk("适龄儿童辍学", "education", lgVillage, "visit")
		b := mk("饮水不达标", "water", lgVillage2, "inspection")
		mk("住房裂缝", "housing", lgVillage2, "visit")
		lgMust[*ledger.Problem](t)(db.PlanProblem(ctx, lgCounty, b.ID, ledger.RectificationPlan{Severity: ledger.Ordinary, TaskForce: "饮水安全保障专班",
			LeadUnit: "县水利局", Owner: "钱局长", Measures: "更换设备"}, lgDept))
		c.Set(lgCST(2024, 7, 24, 9)) // a's verification (due by the end of 23 July) is overdue
		count := func(f store.ProblemFilter) int64 {
			t.Helper()
			pg, err := db.ListProblems(ctx, lgCounty, f)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(pg.Items)) != pg.Total {
				t.Fatalf("page %d items, total %d", len(pg.Items), pg.Total)
			}
			return pg.Total
		}
		cases := []struct {
			name string
			f    store.ProblemFilter
			want int64
		}{
			{"all", store.ProblemFilter{}, 3},
			{"village", store.ProblemFilter{Region: lgVillage2}, 2},
			{"township prefix", store.ProblemFilter{Region: "141121104"}, 3},
			{"dimension label", store.ProblemFilter{Dimension: "饮水安全"}, 1},
			{"task force", store.ProblemFilter{TaskForce: "饮水安全保障专班"}, 1},
			{"lead unit", store.ProblemFilter{LeadUnit: "县水利局"}, 1},
			{"result word", store.ProblemFilter{Result: "正在整改"}, 1},
			{"states", store.ProblemFilter{States: []ledger.State{ledger.Reported}}, 2},
			{"overdue", store.ProblemFilter{Due: deadline.Overdue}, 2},
			{"overdue verify", store.ProblemFilter{Due: deadline.Overdue, Stage: "verify"}, 2},
			{"owner", store.ProblemFilter{Owner: "钱局长"}, 1},
			{"lead units", store.ProblemFilter{LeadUnits: []string{"县水利局", "县教科局"}}, 1},
			{"no lead unit at all", store.ProblemFilter{LeadUnits: []string{}}, 0},
			{"reporter", store.ProblemFilter{CreatedBy: lgCadre.AccountID}, 3},
			{"number prefix", store.ProblemFilter{Number: "141121-2024-0000"}, 3},
			{"number", store.ProblemFilter{Number: a.Number}, 1},
		}
		for _, tc := range cases {
			if got := count(tc.f); got != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
			}
		}
		if _, err := db.ListProblems(ctx, store.ScopeOf(lgVillage), store.ProblemFilter{Region: lgVillage2}); err != nil {
			t.Fatal(err)
		} else if pg, _ := db.ListProblems(ctx, store.ScopeOf(lgVillage), store.ProblemFilter{Region: lgVillage2}); pg.Total != 0 {
			t.Fatalf("a filter outside the scope found %d", pg.Total)
		}
		for _, bad := range []store.ProblemFilter{{Dimension: "天气"}, {Result: "已完成"}, {Due: "late"}, {States: []ledger.State{"x"}}, {Order: "x"}, {Region: "14x"}} {
			if _, err := db.ListProblems(ctx, lgCounty, bad); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		pg := lgMust[*store.ProblemPage](t)(db.ListProblems(ctx, lgCounty, store.ProblemFilter{Order: "due", Limit: 1}))
		if len(pg.Items) != 1 || pg.Items[0].Current().Key != "verify" || pg.Total != 3 {
			t.Fatalf("most urgent first: %+v", pg.Items[0])
		}

		bl := lgMust[ledger.Bulletin](t)(db.Bulletin(ctx, lgCounty, store.BulletinFilter{}))
		if bl.Total.New != 3 || bl.Total.Open != 3 || bl.Total.Overdue != 2 || len(bl.Overdue) != 2 || bl.Week.Label() != "2024年7月22日—2024年7月28日" {
			t.Fatalf("bulletin %+v", bl.Total)
		}
		bl = lgMust[ledger.Bulletin](t)(db.Bulletin(ctx, lgCounty, store.BulletinFilter{TaskForce: "饮水安全保障专班"}))
		if bl.Total.Open != 1 || bl.Total.Overdue != 0 || len(bl.ByLeadUnit) != 1 || bl.ByLeadUnit[0].Key != "县水利局" {
			t.Fatalf("task force bulletin %+v", bl)
		}
		bl = lgMust[ledger.Bulletin](t)(db.Bulletin(ctx, store.ScopeOf(lgVillage), store.BulletinFilter{}))
		if bl.Total.New != 1 {
			t.Fatalf("village bulletin %+v", bl.Total)
		}

		// Streaming every problem with its progress.
		lgMust[*ledger.Problem](t)(db.AddProgress(ctx, lgCounty, b.ID, ledger.ProgressEntry{Text: "设备已采购"}, lgDept))
		var seen []string
		err := db.EachProblem(ctx, lgCounty, store.ProblemFilter{}, func(p *ledger.Problem) error {
			seen = append(seen, p.Number+":"+ledger.FormatProgress(p.Progress))
			return nil
		})
		// Only problems with a plan are in the official ledger.
		if err != nil || len(seen) != 1 || seen[0] != b.Number+":2024年7月24日：设备已采购" {
			t.Fatalf("each %q %v", seen, err)
		}
	})
}

func TestLedgerImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := lgSeed(t, db, lgCST(2024, 7, 25, 10))
		known := lgMust[*ledger.Problem](t)(db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: "送教上门台账不规范", Dimension: "education",
			Region: lgVillage, Source: "inspection"}, lgAbove))
		known = lgMust[*ledger.Problem](t)(db.PlanProblem(ctx, lgCounty, known.ID, ledger.RectificationPlan{Severity: ledger.Ordinary,
			TaskForce: "控辍保学专班", LeadUnit: "县教科局", Owner: "钱局长", Measures: "规范台账"}, lgDept))
		c.Set(lgCST(2024, 7, 27, 10))
		row := func(line int, cells ...string) ledger.Row {
			t.Helper()
			r, err := ledger.ParseRow(cells, line, 2024)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		knownRow := ledger.ToRow(known, 1)
		knownRow[ledger.ColProgress] = "7月26日：完成摸排"
		in := store.LedgerImport{
			Header: ledger.Header{TaskForce: "控辍保学专班", LeadUnit: "县教科局"},
			Rows: []ledger.Row{
				row(5, knownRow...),
				row(6, "2", "残疾儿童未落实送教上门", "落实送教上门", "", "8月3日前", "正在整改", "县教科局", "东堡村", "钱局长", ""),
			},
			New: ledger.ImportContext{Region: lgVillage},
		}
		countAll := func() int64 {
			pg := lgMust[*store.ProblemPage](t)(db.ListProblems(ctx, store.Everywhere, store.ProblemFilter{}))
			return pg.Total
		}
		// A dry run stores nothing.
		in.DryRun = true
		res := lgMust[*store.LedgerImportResult](t)(db.ImportLedger(ctx, lgCounty, in, lgDept))
		if res.Added != 1 || res.Updated != 1 || countAll() != 1 {
			t.Fatalf("dry run %+v", res)
		}
		// A refused file changes nothing, and names every bad row.
		bad := in
		bad.DryRun = false
		bad.Rows = append(append([]ledger.Row(nil), in.Rows...), row(7, "3", "问题", "措施", "", "8月3日前", "正在整改", "县教科局", "", "钱局长", "编号:141121-2024-09999"))
		_, err := db.ImportLedger(ctx, lgCounty, bad, lgDept)
		wantCode(t, err, apperr.Invalid, "remarks")
		if fs := apperr.FieldsOf(err); len(fs) != 1 || fs[0].Row != 7 || !strings.Contains(fs[0].Message, "141121-2024-09999") {
			t.Fatalf("fields %+v", fs)
		}
		if countAll() != 1 || len(lgMust[*ledger.Problem](t)(db.Problem(ctx, lgCounty, known.ID)).Progress) != 0 {
			t.Fatal("a refused import changed the ledger")
		}
		noRegion := in
		noRegion.DryRun, noRegion.New = false, ledger.ImportContext{}
		_, err = db.ImportLedger(ctx, lgCounty, noRegion, lgDept)
		wantCode(t, err, apperr.Invalid, "region")
		_, err = db.ImportLedger(ctx, store.ScopeOf(lgVillage2), store.LedgerImport{Rows: in.Rows[:1]}, lgDept)
		wantCode(t, err, apperr.Invalid, "remarks") // the known number is outside that scope

		in.DryRun = false
		res = lgMust[*store.LedgerImportResult](t)(db.ImportLedger(ctx, lgCounty, in, lgDept))
		if res.Added != 1 || res.Updated != 1 || len(res.Numbers) != 2 || res.Numbers[0] != known.Number {
			t.Fatalf("import %+v", res)
		}
		got := lgMust[*ledger.Problem](t)(db.Problem(ctx, lgCounty, known.ID))
		if len(got.Progress) != 1 || got.Progress[0].Text != "完成摸排" {
			t.Fatalf("progress not merged: %+v", got.Progress)
		}
		added := lgMust[*ledger.Problem](t)(db.ProblemByNumber(ctx, lgCounty, res.Numbers[1]))
		if added.Dimension != ledger.DimEducation || added.TaskForce != "控辍保学专班" || added.State != ledger.Planned || added.DeadlineText() != "2024年8月3日前" {
			t.Fatalf("added %+v", added)
		}
		// The same file again changes nothing.
		in.Rows[1] = row(6, ledger.ToRow(added, 2)...)
		res = lgMust[*store.LedgerImportResult](t)(db.ImportLedger(ctx, lgCounty, in, lgDept))
		if res.Added != 0 || res.Updated != 0 || res.Unchanged != 2 {
			t.Fatalf("re-import %+v", res)
		}
	})
}

func TestDimensionOfTaskForce(t *testing.T) {
	for tf, want := range map[string]string{
		"控辍保学专班": "education", "健康医疗保障专班": "medical", "饮水安全保障专班": "water", "住房安全保障专班": "housing",
		"提升脱贫人口人均收入专班": "income", "就业帮扶专班": "employment", "产业发展专班": "industry", "监督执纪专班": "", "": "",
	} {
		if got := store.DimensionOfTaskForce(tf); got != want {
			t.Errorf("%s: %q, want %q", tf, got, want)
		}
	}
}

func TestSniffEvidence(t *testing.T) {
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}
	cases := []struct {
		name     string
		data     []byte
		ct, kind string
	}{
		{"a.png", pngBytes(t), "image/png", "photo"},
		{"a.exe", jpeg, "image/jpeg", "photo"},
		{"report.pdf", []byte("%PDF-1.4\n..."), "application/pdf", "file"},
		{"a.doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 64)...), "application/msword", "file"},
		{"note.txt", []byte("整改说明"), "text/plain", "file"},
		{"x.heic", append([]byte{0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'}, make([]byte, 16)...), "image/heic", "photo"},
		{"page.html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "", ""},
		{"pic.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", ""},
		{"note.jpg", []byte("plain words"), "", ""},
		{"prog", []byte("MZ\x90\x00\x03"), "", ""},
		{"empty.png", nil, "", ""},
	}
	for _, c := range cases {
		ct, kind, err := store.SniffEvidence(c.name, c.data)
		if c.ct == "" {
			if err == nil {
				t.Errorf("%s accepted as %s", c.name, ct)
			}
			continue
		}
		if err != nil || ct != c.ct || kind != c.kind {
			t.Errorf("%s: %s %s %v", c.name, ct, kind, err)
		}
	}
	if _, _, err := store.SniffEvidence("big.png", make([]byte, store.MaxEvidenceBytes+1)); !apperr.Is(err, apperr.TooLarge) {
		t.Errorf("too large: %v", err)
	}
}

// A generated county's ledger loads in one piece, reads back as generated,
// and the numbers of new problems continue after it.
func TestLoadProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := lgCST(2024, 8, 20, 10)
		lgSeed(t, db, now)
		g, err := ledgerdemo.New(ledgerdemo.Options{Problems: 600, Seed: 3, Now: now, Villages: []string{lgVillage, lgVillage2}})
		if err != nil {
			t.Fatal(err)
		}
		var made []*ledger.Problem
		err = db.LoadProblems(ctx, func(add func([]*ledger.Problem) error) error {
			return g.Each(250, func(ps []*ledger.Problem) error {
				made = append(made, ps...)
				return add(ps)
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AnalyzeLedger(ctx); err != nil {
			t.Fatal(err)
		}
		if n := lgMust[int](t)(db.CheckOverdue(ctx, lgCounty)); n != 0 {
			t.Fatalf("the generated ledger was checked at its time already; %d new flags", n)
		}
		for _, p := range []*ledger.Problem{made[0], made[299], made[599]} {
			sameAsStored(t, db, p)
		}
		pg := lgMust[*store.ProblemPage](t)(db.ListProblems(ctx, lgCounty, store.ProblemFilter{Limit: 1}))
		if pg.Total != 600 {
			t.Fatalf("total %d", pg.Total)
		}
		// Each filter's index agrees with a plain count of what was made.
		want := map[string]int64{}
		for _, p := range made {
			want["state:"+string(p.State)]++
			if p.OnAccountabilityList() {
				want["accountable"]++
			}
			if c := p.Current(); c != nil && c.Status(now) == deadline.Overdue {
				want["overdue"]++
				want["overdue:"+p.TaskForce]++
			}
			want["tf:"+p.TaskForce+":"+string(p.Result)]++
		}
		tf := ""
		for _, p := range made {
			if c := p.Current(); tf == "" && c != nil && c.Status(now) == deadline.Overdue && p.TaskForce != "" {
				tf = p.TaskForce
			}
		}
		for name, f := range map[string]store.ProblemFilter{
			"state:planned":                        {States: []ledger.State{ledger.Planned}},
			"accountable":                          {Accountable: true, Order: "flagged"},
			"overdue":                              {Due: deadline.Overdue, Order: "due"},
			"overdue:" + tf:                        {Due: deadline.Overdue, TaskForce: tf},
			"tf:" + tf + ":" + string(ledger.Done): {TaskForce: tf, Result: "整改完成"},
		} {
			if got := lgMust[*store.ProblemPage](t)(db.ListProblems(ctx, lgCounty, f)).Total; got != want[name] {
				t.Errorf("%s: %d, want %d", name, got, want[name])
			}
		}
		p := lgMust[*ledger.Problem](t)(db.CreateProblem(ctx, lgCounty, ledger.Draft{Description: "新问题", Dimension: "water", Region: lgVillage, Source: "visit"}, lgCadre))
		if p.Number != "141121-2024-00601" {
			t.Fatalf("next number %s", p.Number)
		}
	})
}
