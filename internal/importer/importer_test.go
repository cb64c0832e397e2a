package importer_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/idcard"
	"sanbao/internal/importer"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

var county = store.ScopeOf("141121000000")

func run(t *testing.T, db *store.DB, path string, opts importer.Options) (*importer.Result, [][]string) {
	t.Helper()
	if opts.Scope.Region == "" {
		opts.Scope = county
	}
	opts.Now = testNow
	var errs bytes.Buffer
	opts.Errors = &errs
	res, err := importer.Run(ctx, db, path, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var report [][]string
	if errs.Len() > 0 {
		report = readAll(t, writeBytes(t, "errors.xlsx", errs.Bytes()))
	}
	return res, report
}

func TestImportThenReimportIsUnchanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		rs := demoRows(t, db, 120)
		for _, format := range []sheet.Format{sheet.FormatCSV, sheet.FormatXLSX} {
			path := writeFile(t, format, rs)
			res, report := run(t, db, path, importer.Options{})
			if !res.OK() || report != nil {
				t.Fatalf("%v: %s %v", format, res.Summary(), res.Problems)
			}
			if format == sheet.FormatCSV && (res.HouseholdsAdded != 120 || res.MembersAdded != len(rs) || !res.Committed) {
				t.Fatalf("first import: %+v", res)
			}
			if format == sheet.FormatXLSX && (res.HouseholdsUnchanged != 120 || res.MembersUnchanged != len(rs) || res.Committed) {
				t.Fatalf("second import (xlsx): %s", res.Summary())
			}
		}
		before := fingerprint(t, db)
		// An export imports back unchanged, in both formats.
		for _, format := range []sheet.Format{sheet.FormatCSV, sheet.FormatXLSX} {
			var buf bytes.Buffer
			ex, err := importer.Export(ctx, db, &buf, importer.ExportOptions{Scope: county, Format: format, Title: "文水县农户花名册"})
			if err != nil || ex.Households != 120 || ex.Members != len(rs) {
				t.Fatalf("export %v: %+v %v", format, ex, err)
			}
			res, _ := run(t, db, writeBytes(t, "export."+strings.ToLower(format.String()), buf.Bytes()), importer.Options{})
			if !res.OK() || res.HouseholdsUnchanged != 120 || res.MembersUnchanged != len(rs) || res.HouseholdsChanged+res.HouseholdsAdded != 0 {
				t.Fatalf("re-import of the %v export: %s", format, res.Summary())
			}
		}
		if fingerprint(t, db) != before {
			t.Fatal("re-importing changed the data")
		}

		// Change a member and a household, add a member: updated in place.
		first := rs[0][col("number")]
		var edited [][]string
		for _, r := range rs {
			r = append([]string(nil), r...)
			if r[col("number")] == first {
				r[col("address")] = "新地址1号"
				if r[col("relation")] == "户主" {
					r[col("health")] = "患有大病"
				}
			}
			edited = append(edited, r)
		}
		baby := append([]string(nil), edited[0]...)
		baby[col("name")], baby[col("id_number")], baby[col("relation")] = "王小宝", id(2025, 999), "孙子女"
		baby[col("sex")], baby[col("birth_date")], baby[col("schooling")], baby[col("school")], baby[col("labour")] = "", "", "", "", ""
		baby[col("disability_type")], baby[col("disability_grade")], baby[col("health")] = "", "", ""
		edited = append(edited, baby)
		res, _ := run(t, db, writeFile(t, sheet.FormatCSV, edited), importer.Options{})
		if !res.OK() || res.HouseholdsChanged != 1 || res.HouseholdsUnchanged != 119 || res.MembersAdded != 1 || res.MembersChanged < 1 || res.HouseholdsAdded != 0 {
			t.Fatalf("edit: %s", res.Summary())
		}
		page, err := db.ListHouseholds(ctx, county, store.HouseholdFilter{Q: first})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("find %s: %v %v", first, page, err)
		}
		h, err := db.Household(ctx, county, page.Items[0].ID)
		if err != nil || h.Address != "新地址1号" {
			t.Fatalf("address not updated: %+v %v", h, err)
		}
		var head, added bool
		for _, m := range h.Members {
			head = head || (m.Relation == "head" && m.Health == registry.HealthSerious)
			added = added || m.Name == "王小宝"
		}
		if !head || !added {
			t.Fatalf("members not updated: %+v", h.Members)
		}
		// And again: all unchanged.
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, edited), importer.Options{})
		if res.HouseholdsUnchanged != 120 || res.MembersUnchanged != len(edited) || res.Committed {
			t.Fatalf("third import: %s", res.Summary())
		}
	})
}

// badFile is a file that must be refused with a message.
type badFile struct {
	name string
	make func(t *testing.T) string
	msg  string // part of the Chinese message
}

func badFiles(good [][]string) []badFile {
	return []badFile{
		{"truncated xlsx", func(t *testing.T) string {
			b, _ := os.ReadFile(writeFile(t, sheet.FormatXLSX, good))
			return writeBytes(t, "cut.xlsx", b[:len(b)/2])
		}, "不完整或已损坏"},
		{"not a spreadsheet (PNG)", func(t *testing.T) string {
			return writeBytes(t, "photo.xlsx", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2}, 300)...))
		}, "不是电子表格"},
		{"old xls", func(t *testing.T) string {
			return writeBytes(t, "old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...))
		}, "另存为"},
		{"xlsx bomb", func(t *testing.T) string {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
				w, _ := zw.Create(name)
				w.Write([]byte("<x/>"))
			}
			w, _ := zw.Create("xl/worksheets/sheet1.xml")
			chunk := bytes.Repeat([]byte(" "), 1<<20)
			for i := 0; i < 64; i++ {
				w.Write(chunk)
			}
			zw.Close()
			return writeBytes(t, "bomb.xlsx", buf.Bytes())
		}, "解压后过大"},
		{"empty file", func(t *testing.T) string { return writeBytes(t, "empty.csv", nil) }, "文件是空的"},
		{"only spaces and line breaks", func(t *testing.T) string { return writeBytes(t, "blank.csv", []byte("\xef\xbb\xbf \r\n\r\n")) }, "文件是空的"},
		{"wrong headers", func(t *testing.T) string {
			return writeBytes(t, "other.csv", []byte("商品,价格,数量\n苹果,5,40\n"))
		}, "没有找到表头"},
		{"headers of another table", func(t *testing.T) string {
			return writeBytes(t, "school.csv", []byte("学校,班级,人数\n一中,1,40\n"))
		}, "缺少必填列「户编号」「户类型」「姓名」「身份证号」「与户主关系」"},
		{"missing required column", func(t *testing.T) string {
			h := registry.RegisterHeader()
			var rs [][]string
			idx := col("id_number")
			h = append(h[:idx:idx], h[idx+1:]...)
			for _, r := range good {
				rs = append(rs, append(append([]string(nil), r[:idx]...), r[idx+1:]...))
			}
			return writeWith(t, sheet.FormatCSV, h, rs)
		}, "缺少必填列「身份证号」"},
		{"no village column", func(t *testing.T) string {
			h := registry.RegisterHeader()
			h[col("region_code")], h[col("village")] = "备注1", "备注2"
			return writeWith(t, sheet.FormatCSV, h, good)
		}, "缺少「村区划代码」或「村」列"},
		{"header only", func(t *testing.T) string { return writeFile(t, sheet.FormatCSV, nil) }, "没有数据行"},
		{"mixed encodings", func(t *testing.T) string {
			gbk, _ := simplifiedchinese.GBK.NewEncoder().String(csvText(registry.RegisterHeader(), good[:1], "\r\n"))
			return writeBytes(t, "mixed.csv", []byte(gbk+csvText(nil, good[1:], "\r\n")[2:]))
		}, "编码不一致"},
		{"no such sheet", func(t *testing.T) string { return writeFile(t, sheet.FormatXLSX, good) + "#sheet" }, "没有名为"},
	}
}

func TestImportRefusesBadFilesAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		good := rows(family(villageA, "A0001", 1), family(villageB, "B0001", 2))
		if res, _ := run(t, db, writeFile(t, sheet.FormatCSV, good[:3]), importer.Options{}); !res.OK() {
			t.Fatal(res.Summary())
		}
		before := fingerprint(t, db)
		for _, c := range badFiles(good) {
			t.Run(c.name, func(t *testing.T) {
				path := c.make(t)
				opts := importer.Options{Scope: county, Now: testNow}
				if p, ok := strings.CutSuffix(path, "#sheet"); ok {
					path, opts.Sheet = p, "第二页"
				}
				res, err := importer.Run(ctx, db, path, opts)
				if err == nil || !strings.Contains(apperr.MessageOf(err), c.msg) {
					t.Fatalf("want an error with %q, got %v %+v", c.msg, err, res)
				}
				if code := apperr.CodeOf(err); code != apperr.Invalid && code != apperr.TooLarge {
					t.Fatalf("code %s: %v", code, err)
				}
				if fingerprint(t, db) != before {
					t.Fatal("the database changed")
				}
			})
		}
	})
}

// rowFile is a file whose rows are refused (or accepted).
type rowFile struct {
	name    string
	rows    func() [][]string
	ok      bool
	row     int // row number in the file with the problem (header is row 1)
	message string
}

func TestImportRowProblemsChangeNothingAndComeBackAsAWorkbook(t *testing.T) {
	a, b, c := family(villageA, "A0001", 1), family(villageB, "B0001", 2), family(villageA, "A0002", 3)
	cases := []rowFile{
		{"bad checksum", func() [][]string {
			rs := rows(a, b)
			v := rs[4][col("id_number")]
			rs[4][col("id_number")] = v[:17] + map[bool]string{true: "1", false: "2"}[v[17] == '2']
			return rs
		}, false, 6, "校验位错误"},
		{"formula in a name", func() [][]string {
			rs := rows(a, b)
			rs[1][col("name")] = "=HYPERLINK(\"http://x\",\"点我\")"
			return rs
		}, false, 3, "不允许的字符"},
		{"sex disagrees with the ID", func() [][]string { rs := rows(a); rs[1][col("sex")] = "男"; return rs }, false, 3, "性别"},
		{"unknown village", func() [][]string { rs := rows(a); rs[0][col("region_code")] = "141121104299"; return rs }, false, 2, "未在系统中登记"},
		{"not a village", func() [][]string {
			rs := rows(a)
			for _, r := range rs {
				r[col("region_code")] = "141121104000"
			}
			return rs
		}, false, 2, "不是村"},
		{"village outside the county", func() [][]string {
			rs := rows(a)
			for _, r := range rs {
				r[col("region_code")] = "140105001001"
			}
			return rs
		}, false, 2, ""},
		{"two heads", func() [][]string { rs := rows(a); rs[1][col("relation")] = "户主"; return rs }, false, 3, "只能有一位户主"},
		{"no head", func() [][]string { rs := rows(a); rs[0][col("relation")] = "其他"; return rs }, false, 2, "没有户主"},
		{"same person twice", func() [][]string {
			rs := rows(a, b)
			rs[5][col("id_number")] = rs[1][col("id_number")]
			rs[5][col("name")], rs[5][col("sex")], rs[5][col("birth_date")] = rs[1][col("name")], "", ""
			return rs
		}, false, 7, "与第3行重复"},
		{"household fields disagree", func() [][]string { rs := rows(a); rs[2][col("category")] = "一般农户"; return rs }, false, 4, "不一致"},
		{"monitored without a type", func() [][]string {
			rs := rows(a)
			rs[0][col("category")] = "监测户"
			for _, r := range rs[1:] {
				r[col("category")] = ""
			}
			return rs
		}, false, 2, "监测户须填写类型"},
		{"trailing spaces in ID numbers", func() [][]string {
			rs := rows(a)
			for _, r := range rs {
				r[col("id_number")] += "  "
			}
			return rs
		}, true, 0, ""},
		{"household fields on the head's row only (merged cells)", func() [][]string {
			rs := rows(a, b)
			for _, r := range append(rs[1:3:3], rs[4:]...) {
				for i, c := range registry.RegisterColumns {
					if c.Household {
						r[i] = ""
					}
				}
			}
			return rs
		}, true, 0, ""},
		{"rows of a household apart", func() [][]string {
			rs := rows(a, b)
			return [][]string{rs[0], rs[3], rs[1], rs[4], rs[2], rs[5]}
		}, true, 0, ""},
		{"village by name, no code", func() [][]string {
			rs := rows(a, c)
			for _, r := range rs {
				r[col("region_code")] = ""
			}
			return rs
		}, true, 0, ""},
		{"formula-looking text in an address is kept as text", func() [][]string {
			rs := rows(a)
			for _, r := range rs {
				r[col("address")] = "=cmd|' /C calc'!A0"
			}
			return rs
		}, true, 0, ""},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		for _, format := range []sheet.Format{sheet.FormatCSV, sheet.FormatXLSX} {
			for _, c := range cases {
				t.Run(format.String()+"/"+c.name, func(t *testing.T) {
					before := fingerprint(t, db)
					res, report := run(t, db, writeFile(t, format, c.rows()), importer.Options{Region: "141121"})
					if c.ok {
						if !res.OK() || res.HouseholdsAdded+res.HouseholdsChanged+res.HouseholdsUnchanged == 0 {
							t.Fatalf("refused: %s %v", res.Summary(), res.Problems)
						}
						return
					}
					if res.OK() || res.Committed || res.HouseholdsAdded+res.HouseholdsChanged != 0 {
						t.Fatalf("accepted: %s", res.Summary())
					}
					if fingerprint(t, db) != before {
						t.Fatal("the database changed")
					}
					found := false
					for _, p := range res.Problems {
						found = found || (p.Row == c.row && strings.Contains(p.Message, c.message))
					}
					if !found {
						t.Fatalf("want row %d: …%s…, got %v", c.row, c.message, res.Problems)
					}
					// The workbook: a title, then 原行号, 错误说明 and the file's columns.
					hdr := -1
					for i, r := range report {
						if len(r) > 2 && r[0] == sheet.ReportRowCol && r[1] == sheet.ReportInfoCol {
							hdr = i
						}
					}
					if hdr < 0 || len(report) < hdr+2 {
						t.Fatalf("error workbook: %q", report)
					}
					listed := false
					for _, r := range report[hdr+1:] {
						listed = listed || (r[0] == strconv.Itoa(c.row) && strings.Contains(r[1], c.message) && r[2] != "")
					}
					if !listed {
						t.Fatalf("row %d not in the workbook: %q", c.row, report)
					}
				})
			}
		}
		// The formula-looking address is stored as text and exported so that
		// no spreadsheet runs it.
		var buf bytes.Buffer
		if _, err := importer.Export(ctx, db, &buf, importer.ExportOptions{Scope: county, Format: sheet.FormatXLSX}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rs, _ := f.GetRows(f.GetSheetList()[0])
		for i, r := range rs {
			for j, v := range r {
				if strings.HasPrefix(v, "=") {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
					if formula, _ := f.GetCellFormula(f.GetSheetList()[0], cell); formula != "" {
						t.Fatalf("%s holds a formula %q", cell, formula)
					}
				}
			}
		}
		var csvBuf bytes.Buffer
		if _, err := importer.Export(ctx, db, &csvBuf, importer.ExportOptions{Scope: county, Format: sheet.FormatCSV}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(csvBuf.String(), ",'=cmd|") {
			t.Fatal("CSV export does not neutralise the formula")
		}
	})
}

func TestImportLineEndingsAndEncodings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		rs := rows(family(villageA, "A0001", 1))
		text := csvText(registry.RegisterHeader(), rs, "\n")
		gbk, err := simplifiedchinese.GB18030.NewEncoder().String(csvText(registry.RegisterHeader(), rs, "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{
			"unix.csv":    []byte(text),
			"windows.csv": []byte(strings.ReplaceAll(text, "\n", "\r\n")),
			"bom.csv":     append([]byte("\xef\xbb\xbf"), text...),
			"gbk.csv":     []byte(gbk),
		}
		for _, name := range []string{"unix.csv", "windows.csv", "bom.csv", "gbk.csv"} {
			res, _ := run(t, db, writeBytes(t, name, files[name]), importer.Options{})
			if !res.OK() || res.MembersAdded+res.MembersUnchanged != 3 {
				t.Fatalf("%s: %s %v", name, res.Summary(), res.Problems)
			}
			if name != "unix.csv" && (res.MembersUnchanged != 3 || res.HouseholdsUnchanged != 1) {
				t.Fatalf("%s did not read the same as unix.csv: %s", name, res.Summary())
			}
		}
	})
}

func TestImportTenThousandInvalidRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		before := fingerprint(t, db)
		var rs [][]string
		for i := 0; i < 10000; i++ {
			r := rows(family(villageA, "N"+strconv.Itoa(i), i%400))[0]
			v := idcard.Make("141121", testNow.AddDate(-30, 0, -i), 11)
			r[col("id_number")] = v[:17] + map[bool]string{true: "1", false: "2"}[v[17] == '2'] // wrong check character
			r[col("sex")], r[col("birth_date")] = "", ""
			rs = append(rs, r)
		}
		path := writeFile(t, sheet.FormatCSV, rs)
		var errs bytes.Buffer
		res, err := importer.Run(ctx, db, path, importer.Options{Scope: county, Now: testNow, Errors: &errs})
		if err != nil {
			t.Fatal(err)
		}
		if res.OK() || res.RowsRejected != 10000 || res.ProblemCount < 10000 || res.Committed || len(res.Problems) == 0 {
			t.Fatalf("%s (%d rejected rows, %d problems)", res.Summary(), res.RowsRejected, res.ProblemCount)
		}
		if fingerprint(t, db) != before {
			t.Fatal("the database changed")
		}
		report := readAll(t, writeBytes(t, "e.xlsx", errs.Bytes()))
		if len(report) != 10000+2 { // title, header, rows
			t.Fatalf("workbook has %d rows", len(report))
		}
	})
}

func TestImportSkipInvalidAndDryRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		a, b := family(villageA, "A0001", 1), family(villageB, "B0001", 2)
		rs := rows(a, b)
		rs[4][col("labour")] = "会开拖拉机" // a row of household B

		before := fingerprint(t, db)
		res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(a, b)), importer.Options{DryRun: true})
		if !res.OK() || res.HouseholdsAdded != 2 || res.Committed || fingerprint(t, db) != before {
			t.Fatalf("dry run: %s", res.Summary())
		}
		res, report := run(t, db, writeFile(t, sheet.FormatCSV, rs), importer.Options{SkipInvalid: true})
		if res.OK() || res.HouseholdsAdded != 1 || res.MembersAdded != 3 || res.HouseholdsRejected != 1 || res.RowsRejected != 3 || !res.Committed {
			t.Fatalf("skip invalid: %s (%+v)", res.Summary(), res)
		}
		// B's three rows are reported: the bad one with its reason, the
		// others as not imported with it.
		if !contains(report, "劳动技能") || !contains(report, "整户未导入") {
			t.Fatalf("report %q", report)
		}
		if n, _, _ := db.Counts(ctx, store.ScopeOf(villageB)); n != 0 {
			t.Fatal("household B was imported")
		}
		if n, _, _ := db.Counts(ctx, store.ScopeOf(villageA)); n != 1 {
			t.Fatal("household A was not imported")
		}
	})
}

func TestImportAgainstTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		a, b, c := family(villageA, "A0001", 1), family(villageB, "B0001", 2), family(villageC, "C0001", 3)
		if res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(a, b, c)), importer.Options{}); !res.OK() {
			t.Fatal(res.Summary())
		}
		before := fingerprint(t, db)

		// A person already in another household is refused, naming it.
		x := family(villageA, "A0009", 9)
		x.members[2] = b.members[2]
		res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(x)), importer.Options{})
		if res.OK() || fingerprint(t, db) != before {
			t.Fatalf("duplicate accepted: %s", res.Summary())
		}
		p := res.Problems[0]
		if p.Row != 4 || p.Field != "id_number" || !strings.Contains(p.Message, "户编号B0001") || !strings.Contains(p.Message, "户主王建国") || !strings.Contains(p.Message, "西堡村") {
			t.Fatalf("problem %+v", p)
		}

		// The same person twice: inside a household the database holds, and
		// in a new household and one the database holds.
		a2 := a
		a2.members = append(append([]registry.Member(nil), a.members...), a.members[2])
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(a2)), importer.Options{})
		if res.OK() || fingerprint(t, db) != before || !strings.Contains(res.Problems[0].Message, "重复") {
			t.Fatalf("twice in one household: %s %v", res.Summary(), res.Problems)
		}
		newcomer := registry.Member{Name: "赵六", IDNumber: id(1990, 901), Relation: "other"}
		n := family(villageA, "A0100", 100)
		n.members = append(n.members, newcomer)
		a3 := a
		a3.members = append(append([]registry.Member(nil), a.members...), newcomer)
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(n, a3)), importer.Options{})
		if res.OK() || fingerprint(t, db) != before || !strings.Contains(res.Problems[0].Message, "重复") {
			t.Fatalf("new and existing household: %s %v", res.Summary(), res.Problems)
		}

		// A township account may not touch a household of another township.
		township := store.ScopeOf("141121104000")
		cc := c
		cc.h.RegionCode = villageA
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(cc)), importer.Options{Scope: township})
		if res.OK() || !strings.Contains(res.Problems[0].Message, "不在您的管辖范围内") || fingerprint(t, db) != before {
			t.Fatalf("out of scope: %s %v", res.Summary(), res.Problems)
		}
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(c)), importer.Options{Scope: township})
		if res.OK() || !strings.Contains(res.Problems[0].Message, "不在您的管辖范围内") {
			t.Fatalf("village outside the scope: %v", res.Problems)
		}
		if _, err := importer.Run(ctx, db, writeFile(t, sheet.FormatCSV, rows(a)), importer.Options{Scope: township, Region: "141121100000"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("region outside the scope: %v", err)
		}

		// A member moved by the file from one household to another (both in
		// the file) is a move, not a duplicate.
		a2, b2 := a, b
		a2.members = a.members[:2]
		child := a.members[2]
		child.Relation = "grandchild"
		b2.members = append(append([]registry.Member(nil), b.members...), child)
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(a2, b2)), importer.Options{})
		if !res.OK() || res.MembersMoved != 1 || res.HouseholdsChanged != 2 {
			t.Fatalf("move: %s %v", res.Summary(), res.Problems)
		}

		// A new head while the old one is left out of the file: refused.
		c2 := c
		c2.members = []registry.Member{c.members[1], c.members[2]}
		c2.members[0].Relation = "head"
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(c2)), importer.Options{})
		if res.OK() || !strings.Contains(res.Problems[0].Message, "一户只能有一位户主") {
			t.Fatalf("two heads with the database: %s %v", res.Summary(), res.Problems)
		}
		// Members the file leaves out are kept and counted.
		c3 := c
		c3.members = c.members[:2]
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(c3)), importer.Options{})
		if !res.OK() || res.MembersNotInFile != 1 || res.HouseholdsUnchanged != 1 {
			t.Fatalf("left out: %s", res.Summary())
		}
	})
}

func TestMaskedExportSaysSoAndDoesNotImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		if res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(family(villageA, "A0001", 1))), importer.Options{}); !res.OK() {
			t.Fatal(res.Summary())
		}
		before := fingerprint(t, db)
		for _, format := range []sheet.Format{sheet.FormatCSV, sheet.FormatXLSX} {
			var buf bytes.Buffer
			if _, err := importer.Export(ctx, db, &buf, importer.ExportOptions{Scope: county, Format: format, Mask: true}); err != nil {
				t.Fatal(err)
			}
			path := writeBytes(t, "masked."+strings.ToLower(format.String()), buf.Bytes())
			all := readAll(t, path)
			if !contains(all, "仅供查阅") || contains(all, id(1968, 3)) || !contains(all, "139****5678") {
				t.Fatalf("%v masked export: %q", format, all)
			}
			res, _ := run(t, db, path, importer.Options{})
			if res.OK() || !strings.Contains(res.Problems[0].Message, "脱敏") || fingerprint(t, db) != before {
				t.Fatalf("masked file imported: %s %v", res.Summary(), res.Problems)
			}
		}
		// Export stays inside the scope.
		if _, err := importer.Export(ctx, db, &bytes.Buffer{}, importer.ExportOptions{Scope: store.ScopeOf(villageB), Region: villageA, Format: sheet.FormatCSV}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("export outside the scope: %v", err)
		}
	})
}

func TestTemplateReadsBackAndListsColumns(t *testing.T) {
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	path := writeBytes(t, "template.xlsx", buf.Bytes())
	r, err := sheet.OpenFile(path, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h, err := r.FindHeader(importer.Columns(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Index) != len(registry.RegisterColumns) {
		t.Fatalf("template maps %d of %d columns", len(h.Index), len(registry.RegisterColumns))
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		res, _ := run(t, db, path, importer.Options{DryRun: true})
		if !res.OK() || res.HouseholdsAdded != 1 || res.MembersAdded != 3 {
			t.Fatalf("template example: %s %v", res.Summary(), res.Problems)
		}
	})
}

func TestImportIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		a, b := family(villageA, "A0001", 1), family(villageB, "B0001", 2)
		actx := store.WithActor(ctx, store.Actor{AccountID: 7, Username: "county_office", Role: "county_office", IP: "10.0.0.9"})
		path := writeFile(t, sheet.FormatCSV, rows(a, b))
		if res, err := importer.Run(actx, db, path, importer.Options{Scope: county, Now: testNow}); err != nil || !res.OK() {
			t.Fatalf("%v %v", res, err)
		}
		entries := func(f store.AuditFilter) []audit.Entry {
			t.Helper()
			page, err := db.AuditEntries(ctx, store.Everywhere, f)
			if err != nil {
				t.Fatal(err)
			}
			return page.Items
		}
		sum := entries(store.AuditFilter{Action: audit.ActImport})
		if len(sum) != 1 || sum[0].Actor != "county_office" || sum[0].Region != "141121000000" ||
			!strings.Contains(sum[0].Detail, "register.csv") || !strings.Contains(sum[0].Detail, "SHA-256 ") || !strings.Contains(sum[0].Detail, "新增 2 户、6 人") {
			t.Fatalf("summary entry: %+v", sum)
		}
		if created := entries(store.AuditFilter{Action: audit.ActCreate, Object: "household"}); len(created) != 2 {
			t.Fatalf("created entries: %+v", created)
		}
		// A re-import changing the phone and one member: their entries, with the change.
		b.h.Phone = "13800001111"
		b.members[1].Health = registry.HealthSerious
		if res, err := importer.Run(actx, db, writeFile(t, sheet.FormatCSV, rows(a, b)), importer.Options{Scope: county, Now: testNow}); err != nil || !res.OK() || res.HouseholdsChanged != 1 {
			t.Fatalf("%v %v", res.Summary(), err)
		}
		upd := entries(store.AuditFilter{Action: audit.ActUpdate, Object: "household"})
		if len(upd) != 1 || !strings.Contains(string(upd[0].New), "phone") || strings.Contains(string(upd[0].New), "13800001111") {
			t.Fatalf("household update entry (phone changed, masked): %+v", upd)
		}
		mem := entries(store.AuditFilter{Action: audit.ActUpdate, Object: "member"})
		if len(mem) != 1 || !strings.Contains(string(mem[0].Old), "healthy") || !strings.Contains(string(mem[0].New), "serious") {
			t.Fatalf("member update entry: %+v", mem)
		}
		if _, n, err := db.VerifyAudit(ctx); err != nil || n < 6 {
			t.Fatalf("chain: %d entries, %v", n, err)
		}
		// A refused or dry-run import writes nothing, not even to the trail.
		before := len(entries(store.AuditFilter{Limit: 500}))
		importer.Run(actx, db, writeFile(t, sheet.FormatCSV, rows(a, b)), importer.Options{Scope: county, Now: testNow, DryRun: true})
		if after := len(entries(store.AuditFilter{Limit: 500})); after != before {
			t.Fatalf("dry run wrote %d entries", after-before)
		}
	})
}

// A county's first import into an empty registry drops the registry's
// secondary indexes and builds them after the rows: they must all be back,
// exactly, and still refuse what they refused before.
func TestFirstImportBuildsTheIndexesAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		before, err := db.RegistryIndexes(ctx)
		if err != nil || len(before) < 8 {
			t.Fatalf("indexes before: %v %v", before, err)
		}
		rs := demoRows(t, db, 80)
		res, report := run(t, db, writeFile(t, sheet.FormatCSV, rs), importer.Options{})
		if !res.OK() || report != nil || res.HouseholdsAdded != 80 {
			t.Fatalf("first import: %s %v", res.Summary(), res.Problems)
		}
		after, err := db.RegistryIndexes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(before, "\n") != strings.Join(after, "\n") {
			t.Fatalf("indexes after the first import differ:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
		}
		// The rebuilt unique index still holds: the same person in a new
		// household of a second file is refused, and nothing changes.
		fp := fingerprint(t, db)
		x := family(villageA, "X0001", 90)
		x.members[0].IDNumber = rs[0][col("id_number")]
		x.members[0].Name = rs[0][col("name")]
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(x)), importer.Options{})
		if res.OK() || res.Committed || !strings.Contains(fmt.Sprint(res.Problems), "一人只能在一户") {
			t.Fatalf("a registered person in a new household: %s %v", res.Summary(), res.Problems)
		}
		if fingerprint(t, db) != fp {
			t.Fatal("a refused file changed the registry")
		}
	})
}

// Two new households of a first import naming the same person: the rebuilt
// unique index refuses the rows, and the import answers with both rows, as
// for any other file.
func TestFirstImportFindsAPersonTwiceAcrossNewHouseholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		before, _ := db.RegistryIndexes(ctx)
		var hs []hh
		for i := 0; i < 30; i++ {
			hs = append(hs, family(villageA, fmt.Sprintf("A%04d", i+1), i+1))
		}
		hs[25].members[2].IDNumber = hs[3].members[2].IDNumber
		res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(hs...)), importer.Options{})
		if res.OK() || res.Committed || !strings.Contains(fmt.Sprint(res.Problems), "重复") {
			t.Fatalf("%s %v", res.Summary(), res.Problems)
		}
		if nh, nm, _ := db.Counts(ctx, store.Everywhere); nh != 0 || nm != 0 {
			t.Fatalf("written: %d households, %d members", nh, nm)
		}
		if after, _ := db.RegistryIndexes(ctx); strings.Join(before, "\n") != strings.Join(after, "\n") {
			t.Fatalf("indexes differ after a refused first import:\n%s\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
		}
	})
}

// A re-import lets unchanged households go as it reads them; one that
// lists a member twice in place of another is not unchanged, and is
// refused as in a first import.
func TestReimportFindsAPersonTwiceInAnUnchangedLookingHousehold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		a, b := family(villageA, "A0001", 1), family(villageA, "A0002", 2)
		if res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rows(a, b)), importer.Options{}); !res.OK() {
			t.Fatalf("first import: %s %v", res.Summary(), res.Problems)
		}
		fp := fingerprint(t, db)
		rs := rows(a, b)
		copy(rs[5], rs[4]) // A0002's child row replaced by its spouse's, again
		res, _ := run(t, db, writeFile(t, sheet.FormatCSV, rs), importer.Options{})
		if res.OK() || res.Committed || !strings.Contains(fmt.Sprint(res.Problems), "重复") {
			t.Fatalf("%s %v", res.Summary(), res.Problems)
		}
		if fingerprint(t, db) != fp {
			t.Fatal("a refused file changed the registry")
		}
		res, _ = run(t, db, writeFile(t, sheet.FormatCSV, rows(a, b)), importer.Options{})
		if !res.OK() || res.Committed || res.HouseholdsUnchanged != 2 || res.MembersUnchanged != 6 {
			t.Fatalf("unchanged re-import: %s", res.Summary())
		}
	})
}
