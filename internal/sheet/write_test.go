package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// tricky are values an export must carry unchanged, formulas included.
var tricky = [][]string{
	{"张三", "110101199003077777", "=1+2", "户主"},
	{"李四", "11010119920307888X", "+8613800138000", "-5"},
	{"王五", "@SUM(A1:A9)", "=HYPERLINK(\"http://x\",\"点我\")", "'=已转义"},
	{"赵六", "''+两个撇号", "'普通撇号", "00123"},
	{"钱七", "多行\n文本", "逗号,分号;引号\"", "-"},
	{"孙八", "", "=", "@"},
	{"周九", "1e5", "0.1", "TRUE"},
}

var trickyHeader = []string{"姓名", "身份证号", "备注", "与户主关系"}

func TestRoundTrip(t *testing.T) {
	for _, format := range []Format{FormatXLSX, FormatCSV} {
		t.Run(format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(format, &buf, "名册", trickyHeader)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range tricky {
				if err := w.WriteRow(row); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r := mustOpen(t, buf.Bytes(), Options{})
			if r.Format() != format {
				t.Fatalf("read back as %v", r.Format())
			}
			h, err := r.FindHeader(memberCols, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h.Cells, trickyHeader) || h.Row != 1 {
				t.Fatalf("header %d %q", h.Row, h.Cells)
			}
			rows := readAll(t, r)
			if len(rows) != len(tricky) {
				t.Fatalf("%d rows, want %d", len(rows), len(tricky))
			}
			for i, row := range rows {
				want := tricky[i]
				if !reflect.DeepEqual(row.Cells, want) || row.Num != i+2 {
					t.Errorf("row %d: %q, want %q", row.Num, row.Cells, want)
				}
			}
			if format == FormatXLSX {
				xml := unzipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
				if strings.Contains(xml, "<f>") || strings.Contains(xml, "<f ") {
					t.Errorf("worksheet has a formula: %s", xml)
				}
				if !strings.Contains(xml, `<t>=1+2</t>`) {
					t.Errorf("=1+2 not written as a text cell")
				}
			} else {
				csv := buf.String()
				if !strings.HasPrefix(csv, "\uFEFF姓名,") || !strings.Contains(csv, "\r\n张三,110101199003077777,'=1+2,户主\r\n") ||
					!strings.Contains(csv, ",'-5\r\n") || !strings.Contains(csv, ",'@SUM(A1:A9),") || !strings.Contains(csv, ",''=已转义\r\n") ||
					!strings.Contains(csv, ",'''+两个撇号,'普通撇号,") {
					t.Errorf("CSV:\n%s", csv)
				}
			}
		})
	}
}

func TestEscapeIsReversible(t *testing.T) {
	for _, v := range []string{"", "'", "''", "=", "'=", "''=", "a", "'a", "=a", "-1", "'-1", "@", "\tx", "'\tx", "''a"} {
		e := v
		if needsEscape(v) {
			e = "'" + v
		}
		if got := unescapeCSV(e); got != v {
			t.Errorf("%q → %q → %q", v, e, got)
		}
		if needsEscape(v) == (v == e) {
			t.Errorf("%q: escape decision inconsistent", v)
		}
	}
}

func TestXLSXRollover(t *testing.T) {
	var buf bytes.Buffer
	x, err := NewXLSXWriter(&buf, "文水县家庭成员名册（2024年度）"+strings.Repeat("村", 20), []string{"姓名", "身份证号"})
	if err != nil {
		t.Fatal(err)
	}
	x.maxRows = 6 // title + header + 4 rows per sheet
	if err := x.Above(TitleLine("家庭成员名册")); err != nil {
		t.Fatal(err)
	}
	if err := x.Below(NoteLine("注：以上共10人")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if err := x.WriteRow([]string{fmt.Sprintf("成员%d", i), fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	f.Close()
	// Only the first worksheet is selected: Excel opens several selected
	// worksheets as a group, where one edit changes them all.
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		selected := bytes.Contains(b, []byte(`tabSelected="true"`)) || bytes.Contains(b, []byte(`tabSelected="1"`))
		if selected != (zf.Name == "xl/worksheets/sheet1.xml") {
			t.Errorf("%s: selected %v", zf.Name, selected)
		}
	}
	base := "文水县家庭成员名册（2024年度）" + strings.Repeat("村", 12) // 29 characters
	want := []string{base + "村村", base + "-2", base + "-3"}
	if !reflect.DeepEqual(sheets, want) {
		t.Fatalf("sheets %q, want %q", sheets, want)
	}
	var names []string
	for i, s := range sheets {
		r := mustOpen(t, buf.Bytes(), Options{Sheet: s})
		h, err := r.FindHeader(memberCols[:2], 0)
		if err != nil || h.Row != 2 {
			t.Fatalf("sheet %s: header %v %v", s, h, err)
		}
		rows := readAll(t, r)
		for _, row := range rows {
			names = append(names, row.Get("name"))
		}
		wantRows := 4
		if i == 2 {
			wantRows = 3 // two members and the note
		}
		if len(rows) != wantRows {
			t.Errorf("sheet %s: %d rows, want %d", s, len(rows), wantRows)
		}
	}
	wantNames := []string{"成员1", "成员2", "成员3", "成员4", "成员5", "成员6", "成员7", "成员8", "成员9", "成员10", "注：以上共10人"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("names %q", names)
	}
	if DefaultMaxRows != 1048576 {
		t.Errorf("DefaultMaxRows %d", DefaultMaxRows)
	}
}

func TestXLSXLinesAndLayout(t *testing.T) {
	var buf bytes.Buffer
	header := []string{"序号", "对照排查内容排查出的具体问题", "整改措施", "整改进展", "整改时限", "整改结果", "牵头单位", "配合单位", "责任人", "备注"}
	x, err := NewXLSXWriter(&buf, "问题排查整改台账", header)
	if err != nil {
		t.Fatal(err)
	}
	x.Above(TitleLine("问题排查整改台账"))
	x.Above(Line{Cells: []string{"专班：教育专班", "", "", "牵头单位：教育局（盖章）", "", "", "填表人：张三", "", "填表日期：2024年3月5日"},
		Spans: []Span{{0, 2}, {3, 5}, {6, 7}, {8, -1}}})
	x.WriteRow([]string{"1", "适龄儿童辍学", "一人一案劝返", "已劝返", "3月20日前", "整改完成", "教育局", "镇政府", "李四", ""})
	x.Below(NoteLine("注：整改结果只能填写“正在整改”“整改完成”“整改完成长期坚持”之一。"))
	if err := x.Above(TitleLine("too late")); err == nil {
		t.Error("Above after WriteRow accepted")
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	merges, _ := f.GetMergeCells("问题排查整改台账")
	var got []string
	for _, m := range merges {
		got = append(got, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	want := []string{"A1:J1", "A2:C2", "D2:F2", "G2:H2", "I2:J2", "A5:J5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merges %q, want %q", got, want)
	}
	panes, _ := f.GetPanes("问题排查整改台账")
	if !panes.Freeze || panes.YSplit != 3 {
		t.Errorf("panes %+v: header row not frozen", panes)
	}
	xml := unzipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	for i, m := range regexp.MustCompile(`<col min="(\d+)"`).FindAllStringSubmatch(xml, -1) {
		if m[1] != strconv.Itoa(i+1) {
			t.Fatalf("<col> elements out of order: %s", xml[strings.Index(xml, "<cols>"):strings.Index(xml, "</cols>")])
		}
	}
	wb, _ := f.GetColWidth("问题排查整改台账", "B")
	wa, _ := f.GetColWidth("问题排查整改台账", "A")
	if wb < 25 || wa > 10 {
		t.Errorf("widths A %.1f B %.1f", wa, wb)
	}
	r := mustOpen(t, buf.Bytes(), Options{})
	cols := []Column{{Key: "no", Label: "序号"}, {Key: "problem", Label: "对照排查内容排查出的具体问题", Required: true}, {Key: "result", Label: "整改结果", Required: true}}
	h, err := r.FindHeader(cols, 0)
	if err != nil || h.Row != 3 {
		t.Fatalf("header %+v %v", h, err)
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Get("result") != "整改完成" || rows[1].Num != 5 {
		t.Errorf("rows %q", cellsOf(rows))
	}
}

func TestWriteTemplate(t *testing.T) {
	var buf bytes.Buffer
	examples := [][]string{{"张三", "110101199003077777", "户主", "13800138000", "5000"}}
	if err := WriteTemplate(&buf, "家庭成员导入模板", memberCols, examples, []string{"每户户主填在第一行。"}); err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, buf.Bytes(), Options{})
	h, err := r.FindHeader(memberCols, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"姓名*", "身份证号*", "与户主关系", "联系电话", "年收入（元）"}
	if h.Row != 2 || !reflect.DeepEqual(h.Cells, wantHeader) || len(h.Index) != len(memberCols) {
		t.Fatalf("header row %d %q %v", h.Row, h.Cells, h.Index)
	}
	rows := readAll(t, r)
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Cells, examples[0]) {
		t.Errorf("example rows %q", cellsOf(rows))
	}
	notes := mustOpen(t, buf.Bytes(), Options{Sheet: "填写说明"})
	var text []string
	for _, row := range readAll(t, notes) {
		text = append(text, strings.Join(row.Cells, "|"))
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"带“*”的列为必填项", "示例", "每户户主填在第一行。", "身份证号|必填|身份证号码、证件号码", "与户主关系||关系"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	f, _ := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	defer f.Close()
	style, _ := f.GetCellStyle("家庭成员导入模板", "B10") // an empty cell officials will fill
	st, _ := f.GetStyle(style)
	if st == nil || st.NumFmt != 49 {
		t.Errorf("data cells are not text formatted: %+v", st)
	}
}

func TestErrorReport(t *testing.T) {
	var buf bytes.Buffer
	e, err := NewErrorReport(&buf, []string{"姓名", "身份证号"})
	if err != nil {
		t.Fatal(err)
	}
	e.Add(5, []string{"张三", "110101199003077778"}, "「身份证号」校验位错误")
	e.Add(9, []string{"=cmd", ""}, "「身份证号」不能为空；「姓名」含有非法字符")
	if e.Rows() != 2 {
		t.Errorf("Rows %d", e.Rows())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, buf.Bytes(), Options{})
	h, err := r.FindHeader(append([]Column{{Key: "row", Label: ReportRowCol}, {Key: "msg", Label: ReportInfoCol}}, memberCols[:2]...), 0)
	if err != nil || h.Row != 2 {
		t.Fatalf("header %+v %v", h, err)
	}
	got := cellsOf(readAll(t, r))
	want := []string{"3:5|「身份证号」校验位错误|张三|110101199003077778", "4:9|「身份证号」不能为空；「姓名」含有非法字符|=cmd|"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if strings.Contains(unzipPart(t, buf.Bytes(), "xl/worksheets/sheet1.xml"), "<f>") {
		t.Error("formula in the error report")
	}
}

func TestSheetName(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "Sheet1",
		"a/b:c*d?e[f]g\\h":      "a_b_c_d_e_f_g_h",
		"'名册'":                  "名册",
		strings.Repeat("村", 40): strings.Repeat("村", 31),
	} {
		if got := SheetName(in); got != want {
			t.Errorf("SheetName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}
