package store_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/crosscheck"
	"sanbao/internal/idcard"
	"sanbao/internal/ledger"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

const (
	ccVillage1 = "141121104201"
	ccVillage2 = "141121104202"
	ccCounty   = "141121000000"
)

// ccWorld is a small county: two villages, a lifted household with two
// pupils in village 1, an ordinary household with a pupil in village 2.
type ccWorld struct {
	db                     *store.DB
	clk                    *clock.Manual
	h1, h2                 *registry.Household
	head1, pupil1, pupil2  registry.Member
	head2, pupil3          registry.Member
	county, vill1, vill2   store.Scope
	educationBy, villageBy crosscheck.Actor
}

func ccSeed(t *testing.T, db *store.DB) *ccWorld {
	t.Helper()
	w := &ccWorld{db: db, clk: clock.NewManual(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))} // 10:00 in China
	db.Clock = w.clk
	if _, err := db.LoadOfficialRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: ccVillage1, Name: "东堡村"}, {Code: ccVillage2, Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
	mk := func(name, rel string, y, m, d, seq int) registry.Member {
		return registry.Member{Name: name, Relation: rel, IDNumber: idcard.Make("141121", time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), seq),
			Schooling: map[bool]string{true: "in_school", false: "graduated"}[y > 2010]}
	}
	w.county, w.vill1, w.vill2 = store.ScopeOf(ccCounty), store.ScopeOf(ccVillage1), store.ScopeOf(ccVillage2)
	w.h1 = &registry.Household{RegionCode: ccVillage1, Number: "H1", Category: "lifted"}
	ms1 := []registry.Member{mk("王建国", "head", 1975, 3, 1, 11), mk("王小明", "child", 2014, 5, 1, 12), mk("王小红", "child", 2012, 3, 1, 14)}
	if err := db.CreateHousehold(ctx, w.county, w.h1, ms1); err != nil {
		t.Fatal(err)
	}
	w.head1, w.pupil1, w.pupil2 = w.h1.Members[0], w.h1.Members[1], w.h1.Members[2]
	w.h2 = &registry.Household{RegionCode: ccVillage2, Number: "H2", Category: "ordinary"}
	ms2 := []registry.Member{mk("李四", "head", 1980, 7, 7, 21), mk("李小军", "child", 2013, 9, 9, 23)}
	if err := db.CreateHousehold(ctx, w.county, w.h2, ms2); err != nil {
		t.Fatal(err)
	}
	w.head2, w.pupil3 = w.h2.Members[0], w.h2.Members[1]
	w.educationBy = crosscheck.Actor{AccountID: 7, Name: "教育局张老师"}
	w.villageBy = crosscheck.Actor{AccountID: 9, Name: "东堡村王支书"}
	return w
}

// csvFile renders rows under a header as CSV bytes (UTF-8).
func csvFile(header []string, rows ...[]string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.Bytes()
}

var studentHeader = []string{"身份证号", "姓名", "就读学校", "年级", "学籍状态"}

func (w *ccWorld) importFile(t *testing.T, dept auth.Department, kind, name string, data []byte) *crosscheck.Upload {
	t.Helper()
	up, err := w.db.ImportRoster(ctx, w.county, store.RosterImport{County: "141121", Department: dept, Kind: kind, FileName: name,
		File: bytes.NewReader(data), Size: int64(len(data)), By: w.educationBy})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return up
}

func openAlerts(t *testing.T, db *store.DB, sc store.Scope) []*store.AlertView {
	t.Helper()
	page, err := db.ListAlerts(ctx, sc, store.AlertFilter{State: "open"})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestRosterImportAlertsAndRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		file := csvFile(studentHeader,
			[]string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "五年级", "在校"},                                                   // row 2: matched
			[]string{w.pupil2.IDNumber, "王小红", "文水县第二中学", "八年级", "辍学"},                                                   // row 3: dropped → alert
			[]string{idcard.Make("140105", time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC), 5), "外县学生", "太原某校", "六年级", "在校"}, // row 4: unknown
			[]string{"14112120130909002", "坏号码", "文水县实验小学", "六年级", "在校"},                                                 // row 5: invalid
			[]string{strings.ToLower(w.pupil1.IDNumber[:17]) + w.pupil1.IDNumber[17:], "王小明", "文水县实验小学", "五年级", "请假"},    // row 6: invalid status
		)
		up := w.importFile(t, auth.DeptEducation, "", "2026春季学籍.csv", file)
		if up.Kind != crosscheck.KindStudents || up.Rows != 5 || up.Matched != 2 || up.Unknown != 1 || up.Invalid != 2 || up.Subjects != 2 ||
			up.Format != "CSV" || len(up.SHA256) != 64 || up.AccountName != "教育局张老师" || up.FileName != "2026春季学籍.csv" {
			t.Fatalf("upload %+v", up)
		}
		// Pupil 2 dropped (village 1), pupil 3 absent (village 2).
		if up.AlertsNew != 2 {
			t.Fatalf("alerts new = %d", up.AlertsNew)
		}
		all := openAlerts(t, db, w.county)
		if len(all) != 2 {
			t.Fatalf("open alerts %d", len(all))
		}
		v1 := openAlerts(t, db, w.vill1)
		if len(v1) != 1 || v1[0].MemberID != w.pupil2.ID || v1[0].VillageName != "东堡村" || v1[0].MemberName != "王小红" ||
			v1[0].IDNumber == w.pupil2.IDNumber || !strings.Contains(v1[0].IDNumber, "*") || v1[0].HeadName != "王建国" ||
			v1[0].Mark.LastDay != "2026-06-02" || v1[0].Title == "" || v1[0].Department != auth.DeptEducation {
			t.Fatalf("village 1 alert %+v", v1)
		}
		// Unknown and invalid rows are kept, in row order, with their cells.
		var rejects []crosscheck.Reject
		header, err := db.RosterRejects(ctx, w.county, up.ID, func(r crosscheck.Reject) error { rejects = append(rejects, r); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(header) != 5 || len(rejects) != 3 || rejects[0].Row != 4 || rejects[0].Reason != "unknown" ||
			rejects[1].Row != 5 || rejects[1].Reason != "invalid" || !strings.Contains(rejects[1].Message, "身份证号") ||
			rejects[2].Row != 6 || !strings.Contains(rejects[2].Message, "学籍状态") || rejects[0].Cells[1] != "外县学生" {
			t.Fatalf("rejects %+v", rejects)
		}
		// The error workbook reads back with the original row numbers.
		var wb bytes.Buffer
		if err := db.WriteRejectsWorkbook(ctx, w.county, up.ID, &wb); err != nil {
			t.Fatal(err)
		}
		r, err := sheet.Open(bytes.NewReader(wb.Bytes()), int64(wb.Len()), sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.FindHeader([]sheet.Column{{Key: "row", Label: sheet.ReportRowCol, Required: true}, {Key: "why", Label: sheet.ReportInfoCol, Required: true},
			{Key: "id", Label: "身份证号"}}, 0); err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row.Get("row")+":"+row.Get("why"))
		}
		if len(got) != 3 || !strings.HasPrefix(got[0], "4:未匹配") || !strings.HasPrefix(got[1], "5:") {
			t.Fatalf("workbook rows %v", got)
		}
		// Uploads: the county sees them; a village does not.
		if ups, err := db.RosterUploads(ctx, w.county, store.UploadFilter{}); err != nil || len(ups) != 1 || ups[0].ID != up.ID {
			t.Fatalf("uploads %v %v", ups, err)
		}
		if _, err := db.RosterUpload(ctx, w.vill1, up.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village reads an upload: %v", err)
		}
		if _, err := db.RosterRejects(ctx, w.vill1, up.ID, func(crosscheck.Reject) error { return nil }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village reads rejects: %v", err)
		}
		// The roster's facts reach screening: pupil 2 not enrolled.
		facts, err := db.RosterFacts(ctx, w.vill1, ccVillage1)
		if err != nil {
			t.Fatal(err)
		}
		in := screening.InputFrom(w.h1, w.h1.Members)
		facts.Overlay(&in)
		var findings []string
		p, _ := screening.NewParams(ccCounty, nil, w.clk.Now())
		screening.Evaluate(&in, p, func(f screening.Finding) {
			findings = append(findings, fmt.Sprintf("%s@%d", f.Rule, f.MemberID))
		})
		if !contains(findings, fmt.Sprintf("edu_dropout@%d", w.pupil2.ID)) || contains(findings, fmt.Sprintf("edu_dropout@%d", w.pupil1.ID)) {
			t.Fatalf("screening with roster facts: %v", findings)
		}
		if _, err := db.RosterFacts(ctx, w.vill2, ccVillage1); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another village's facts: %v", err)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestRosterReuploadAndResolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		first := csvFile(studentHeader,
			[]string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "五年级", "在校"},
			[]string{w.pupil2.IDNumber, "王小红", "文水县第二中学", "八年级", "辍学"})
		up1 := w.importFile(t, auth.DeptEducation, "students", "a.csv", first)
		if up1.AlertsNew != 2 {
			t.Fatalf("first: %+v", up1)
		}
		// The same file again: nothing new, nothing duplicated.
		w.clk.Advance(time.Hour)
		up2 := w.importFile(t, auth.DeptEducation, "students", "a.csv", first)
		if up2.AlertsNew != 0 || up2.AlertsSeen != 2 || up2.AlertsResolved != 0 || up2.SHA256 != up1.SHA256 {
			t.Fatalf("re-upload: %+v", up2)
		}
		page, err := db.ListAlerts(ctx, w.county, store.AlertFilter{})
		if err != nil || page.Total != 2 {
			t.Fatalf("alerts after re-upload: %d, %v", page.Total, err)
		}
		for _, a := range page.Items {
			if a.UploadID != up1.ID || a.LastUpload != up2.ID {
				t.Fatalf("alert %d upload %d last %d", a.ID, a.UploadID, a.LastUpload)
			}
		}
		// Next term: pupil 2 back in school, pupil 3 enrolled in the new roster.
		w.clk.Advance(90 * 24 * time.Hour)
		newer := csvFile(studentHeader,
			[]string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "六年级", "在校"},
			[]string{w.pupil2.IDNumber, "王小红", "文水县第二中学", "九年级", "在校"},
			[]string{w.pupil3.IDNumber, "李小军", "文水县第二中学", "七年级", "在校"})
		up3 := w.importFile(t, auth.DeptEducation, "", "b.csv", newer)
		if up3.AlertsNew != 0 || up3.AlertsResolved != 2 {
			t.Fatalf("newer roster: %+v", up3)
		}
		page, _ = db.ListAlerts(ctx, w.county, store.AlertFilter{State: "resolved"})
		if page.Total != 2 || page.Items[0].ResolvedUpload != up3.ID || !strings.Contains(page.Items[0].ResolvedNote, "b.csv") ||
			page.Items[0].Mark.State != "done_late" {
			t.Fatalf("resolved: %+v", page.Items)
		}
		if len(openAlerts(t, db, w.county)) != 0 {
			t.Fatal("alerts still open")
		}
	})
}

func TestVerifyAlertEachWayAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		up := w.importFile(t, auth.DeptEducation, "", "a.csv", csvFile(studentHeader,
			[]string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "五年级", "辍学"})) // pupil 1 dropped, pupil 2 and 3 absent
		if up.AlertsNew != 3 {
			t.Fatalf("alerts %d", up.AlertsNew)
		}
		v1 := openAlerts(t, db, w.vill1)
		v2 := openAlerts(t, db, w.vill2)
		if len(v1) != 2 || len(v2) != 1 {
			t.Fatalf("village inboxes %d, %d", len(v1), len(v2))
		}
		// Another village can neither read nor verify.
		if _, err := db.Alert(ctx, w.vill2, v1[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village 2 reads village 1's alert: %v", err)
		}
		confirm := crosscheck.Verification{Confirm: true, Findings: "该生已辍学在家务农", MonitoringCandidate: true}
		if _, err := db.VerifyAlert(ctx, w.vill2, v1[0].ID, confirm, nil, w.villageBy); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village 2 verifies village 1's alert: %v", err)
		}
		// Confirmed, in time.
		w.clk.Advance(3 * time.Hour)
		a, err := db.VerifyAlert(ctx, w.vill1, v1[0].ID, confirm, nil, w.villageBy)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != crosscheck.Confirmed || !a.MonitoringCandidate || a.VerifiedBy.Name != "东堡村王支书" || a.Mark.State != "done" || !a.InTime() {
			t.Fatalf("confirmed %+v", a)
		}
		if _, err := db.VerifyAlert(ctx, w.vill1, v1[0].ID, confirm, nil, w.villageBy); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second verification: %v", err)
		}
		// The confirmed alert is a problem of the ledger, verified by the
		// village: the township's three days run.
		if a.ProblemID == 0 {
			t.Fatal("confirmed alert without a problem")
		}
		p, err := db.Problem(ctx, w.vill1, a.ProblemID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Source != ledger.SourceDepartmentAlert || p.SourceRef != crosscheck.ProblemRef(a.ID) || p.State != ledger.Verified ||
			p.HouseholdID != w.h1.ID || p.Region != ccVillage1 || !strings.Contains(p.Description, "该生已辍学在家务农") {
			t.Fatalf("problem %+v", p)
		}
		// Dismissed late, with a photo of the school's certificate.
		w.clk.Advance(3 * 24 * time.Hour)
		photo := store.AttachmentFile{Name: "在读证明.jpg", ContentType: "image/jpeg", Data: []byte("\xff\xd8\xff jpeg bytes")}
		dismiss := crosscheck.Verification{Findings: "在太原市某中学就读", Reason: "在县外就读"}
		if _, err := db.VerifyAlert(ctx, w.vill1, v1[1].ID, dismiss, []store.AttachmentFile{{Name: "x.exe", ContentType: "application/x-msdownload", Data: []byte("MZ")}}, w.villageBy); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("executable accepted: %v", err)
		}
		d, err := db.VerifyAlert(ctx, w.vill1, v1[1].ID, dismiss, []store.AttachmentFile{photo}, w.villageBy)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != crosscheck.Dismissed || d.Reason != "studying_elsewhere" || d.ReasonLabel != "在县外就读" || len(d.Attachments) != 1 || d.InTime() {
			t.Fatalf("dismissed %+v", d)
		}
		at, data, err := db.AlertAttachment(ctx, w.vill1, d.Attachments[0].ID)
		if err != nil || !bytes.Equal(data, photo.Data) || at.Name != "在读证明.jpg" {
			t.Fatalf("attachment %+v %v", at, err)
		}
		if _, _, err := db.AlertAttachment(ctx, w.vill2, d.Attachments[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village 2 reads the attachment: %v", err)
		}
		// The department sees the feedback of its alerts.
		page, err := db.ListAlerts(ctx, w.county, store.AlertFilter{Department: auth.DeptEducation})
		if err != nil || page.Total != 3 {
			t.Fatalf("department view: %v %v", page, err)
		}
		if page, _ := db.ListAlerts(ctx, w.county, store.AlertFilter{Department: auth.DeptHousing}); page.Total != 0 {
			t.Fatalf("housing sees education's alerts")
		}
		// Village 2's alert is overdue now.
		if page, _ := db.ListAlerts(ctx, w.vill2, store.AlertFilter{Due: "overdue"}); page.Total != 1 {
			t.Fatalf("overdue: %d", page.Total)
		}
		// Statistics of the round.
		stats, err := db.CrossCheckStats(ctx, w.county, "141121", "", 0)
		if err != nil || len(stats) != 1 {
			t.Fatalf("stats %v %v", stats, err)
		}
		r := stats[0].Latest[0]
		if r.Rows != 1 || r.Matched != 1 || r.AlertsNew != 3 || r.Verified != 2 || r.InTime != 1 || r.Late != 1 || r.Confirmed != 1 ||
			r.Dismissed != 1 || r.Overdue != 1 || r.Pending != 0 || r.Problems != 1 || r.Candidate != 1 || stats[0].Total.AlertsNew != 3 {
			t.Fatalf("round stats %+v", r)
		}
		if _, err := db.CrossCheckStats(ctx, w.vill1, "141121", "", 0); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("village reads county stats: %v", err)
		}
	})
}

func TestRosterImportRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		good := csvFile(studentHeader, []string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "五年级", "在校"})
		imp := func(sc store.Scope, in store.RosterImport) error {
			if in.File == nil {
				in.File, in.Size = bytes.NewReader(good), int64(len(good))
			}
			_, err := db.ImportRoster(ctx, sc, in)
			return err
		}
		// Another county's account cannot upload for this county.
		if err := imp(store.ScopeOf("141102000000"), store.RosterImport{County: "141121", Department: auth.DeptEducation}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("other county: %v", err)
		}
		if err := imp(w.vill1, store.RosterImport{County: "141121", Department: auth.DeptEducation}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("village: %v", err)
		}
		// A roster of another department, and a header that is not a roster.
		if err := imp(w.county, store.RosterImport{County: "141121", Department: auth.DeptEducation, Kind: "insurance"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("other department's kind: %v", err)
		}
		bad := csvFile([]string{"姓名", "年龄"}, []string{"王小明", "12"})
		err := imp(w.county, store.RosterImport{County: "141121", Department: auth.DeptEducation, File: bytes.NewReader(bad), Size: int64(len(bad))})
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), "身份证号") {
			t.Fatalf("bad header: %v", err)
		}
		// Medical insurance has two rosters: the header picks one.
		dis := csvFile([]string{"身份证号", "出院日期", "医疗总费用", "报销金额", "个人自付"},
			[]string{w.head1.IDNumber, "2026-05-20", "56000", "41000", "15000"})
		up, err := db.ImportRoster(ctx, w.county, store.RosterImport{County: "141121", Department: auth.DeptMedicalInsurance, FileName: "出院.csv",
			File: bytes.NewReader(dis), Size: int64(len(dis))})
		if err != nil || up.Kind != crosscheck.KindDischarge || up.AlertsNew != 1 {
			t.Fatalf("discharge roster: %+v %v", up, err)
		}
		if err := imp(w.county, store.RosterImport{County: "141121", Department: auth.DeptMedicalInsurance, File: bytes.NewReader(bad), Size: int64(len(bad))}); !apperr.Is(err, apperr.Invalid) ||
			!strings.Contains(apperr.MessageOf(err), "出院患者医疗费用名单") {
			t.Fatalf("neither medical roster: %v", err)
		}
	})
}

// TestRosterHouseholdAndVillageRows: housing rows by the head's number and
// water rows by village reach the right household and village.
func TestRosterHouseholdAndVillageRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		house := csvFile([]string{"户主身份证号", "户主姓名", "房屋安全等级", "改造状态"},
			[]string{w.head1.IDNumber, "王建国", "C级", "改造中"}, []string{w.head2.IDNumber, "李四", "B级", ""})
		if up := w.importFile(t, auth.DeptHousing, "", "鉴定.csv", house); up.AlertsNew != 1 || up.Matched != 2 {
			t.Fatalf("housing %+v", up)
		}
		water := csvFile([]string{"村代码", "户主身份证号", "水质达标", "供水保证率（%）"},
			[]string{ccVillage2, "", "否", "95"}, []string{"", w.pupil1.IDNumber, "是", "80"}, []string{"141121104299", "", "是", ""})
		up := w.importFile(t, auth.DeptWater, "", "供水.csv", water)
		if up.AlertsNew != 2 || up.Matched != 2 || up.Unknown != 1 {
			t.Fatalf("water %+v", up)
		}
		page, err := db.ListAlerts(ctx, w.county, store.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range page.Items {
			got[a.Rule+"@"+a.Subject] = true
		}
		for _, want := range []string{"house_dangerous@h" + itoa(w.h1.ID), "water_unsafe@v" + ccVillage2, "water_unsafe@h" + itoa(w.h1.ID)} {
			if !got[want] {
				t.Fatalf("alerts %v lack %s", got, want)
			}
		}
		// The village alert reaches the village, not the other one.
		if v := openAlerts(t, db, w.vill2); len(v) != 1 || v[0].HouseholdID != 0 || v[0].VillageName != "西堡村" {
			t.Fatalf("village 2 inbox %+v", v)
		}
	})
}

// TestRosterFactsReachScreening: a screening rules run with the roster
// hook raises edu_dropout for the pupil the education roster lists as
// dropped (the registry still says in school), and not without it.
func TestRosterFactsReachScreening(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := ccSeed(t, db)
		w.importFile(t, auth.DeptEducation, "", "学籍.csv", csvFile(studentHeader,
			[]string{w.pupil1.IDNumber, "王小明", "文水县实验小学", "五年级", "在校"},
			[]string{w.pupil2.IDNumber, "王小红", "文水县第二中学", "八年级", "辍学"},
			[]string{w.pupil3.IDNumber, "李小军", "文水县第二中学", "七年级", "在校"}))
		dropouts := func() []int64 {
			page, err := db.ListFindings(ctx, w.county, store.FindingFilter{Rule: "edu_dropout"})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, f := range page.Items {
				ids = append(ids, f.MemberID)
			}
			return ids
		}
		if _, err := db.RunRules(ctx, w.county, store.RunOptions{Region: ccCounty}); err != nil {
			t.Fatal(err)
		}
		if got := dropouts(); len(got) != 0 {
			t.Fatalf("without the roster: %v", got)
		}
		if _, err := db.RunRules(ctx, w.county, store.RunOptions{Region: ccCounty, Roster: db.RosterOverlay(ctx)}); err != nil {
			t.Fatal(err)
		}
		if got := dropouts(); len(got) != 1 || got[0] != w.pupil2.ID {
			t.Fatalf("with the roster: %v, want [%d]", got, w.pupil2.ID)
		}
	})
}
