package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/apperr"
)

// readOutcome is everything a caller can observe of reading a file.
type readOutcome struct {
	rows     []string // "num:a|b|c"
	err      string   // the final error other than io.EOF: code and message
	progress Progress
	fast     bool // the fast reader read it all, without excelize
}

// readWith reads data through the fast reader (fast) or excelize alone.
func readWith(t testing.TB, data []byte, opts Options, fast bool) readOutcome {
	t.Helper()
	defer func(v bool) { xlsxFastPath = v }(xlsxFastPath)
	xlsxFastPath = fast
	var out readOutcome
	r, err := Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		out.err = errText(t, err)
		return out
	}
	defer r.Close()
	src, _ := r.src.(*xlsxSource)
	out.fast = src != nil && src.fast != nil
	for len(out.rows) < 100000 {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.err = errText(t, err)
			break
		}
		out.rows = append(out.rows, fmt.Sprintf("%d:%s", row.Num, strings.Join(row.Cells, "|")))
	}
	out.progress = r.Progress()
	if src != nil && src.f != nil {
		out.fast = false // excelize took over
	}
	return out
}

func errText(t testing.TB, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %T %v is not *apperr.Error", err, err)
	}
	return fmt.Sprintf("%s: %s", ae.Code, ae.Message)
}

// sameAsExcelize reads data both ways and fails unless the outcomes agree;
// it returns whether the fast reader read the file by itself.
func sameAsExcelize(t testing.TB, data []byte, opts Options) bool {
	t.Helper()
	fast := readWith(t, data, opts, true)
	slow := readWith(t, data, opts, false)
	if !reflect.DeepEqual(fast.rows, slow.rows) {
		n := min(len(fast.rows), len(slow.rows))
		for i := range n {
			if fast.rows[i] != slow.rows[i] {
				t.Fatalf("row %d differs:\nfast     %q\nexcelize %q", i, fast.rows[i], slow.rows[i])
			}
		}
		t.Fatalf("fast reader read %d rows, excelize %d:\nfast     %q\nexcelize %q", len(fast.rows), len(slow.rows), fast.rows[n:], slow.rows[n:])
	}
	if fast.err != slow.err {
		t.Fatalf("errors differ:\nfast     %s\nexcelize %s", fast.err, slow.err)
	}
	if fast.progress != slow.progress {
		t.Fatalf("progress %+v, excelize %+v", fast.progress, slow.progress)
	}
	return fast.fast
}

// replacePart returns the zip data with the part name's content replaced
// (or added).
func replacePart(t testing.TB, data []byte, name, body string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	done := false
	for _, f := range zr.File {
		if f.Name == name {
			w, _ := zw.Create(name)
			io.WriteString(w, body)
			done = true
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if !done {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// excelizeWorkbook writes a workbook with excelize's cell API (shared
// strings, rich text, numbers, dates, booleans, formulas) and a second
// sheet with its stream writer (inline strings, formulas with cached
// results), filled from rng.
func excelizeWorkbook(t testing.TB, rng *rand.Rand, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904})
	}
	custom := func(code string) int {
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	builtin := func(n int) int {
		id, err := f.NewStyle(&excelize.Style{NumFmt: n})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	styles := []int{0, builtin(14), builtin(22), builtin(2), builtin(4), builtin(49), builtin(20), builtin(31), builtin(57),
		custom(`yyyy"年"m"月"d"日"`), custom("yyyy/m/d h:mm"), custom(`yyyy"年"m"月"`), custom("[$-804]yyyy-mm-dd;@"),
		custom("0.000"), custom(`"编号"@`), custom("yyyy-mm-dd;@"), custom("[DBNum1]yyyy\"年\"m\"月\"d\"日\"")}
	texts := []string{"张三", "  李四 ", "王五\u3000", "户主", "a&b<c>\"d'", "_x0041_", "_x005F_x0041_", "第1组\n第2组", "line\r\nbreak",
		"110101199003077777", "0012", "1e5", "TRUE", "=1+2", "", " ", "\u00a0x", "Ünïcödé 𠀀", "tab\there", "x_x00e9_y"}
	numbers := []string{"0", "1", "-1", "42", "3.14159", "-0.5", "1234567890", "110101199003077777", "123456789012345",
		"1234567890123456", "0.30000000000000004", "1E-10", "1.5e+20", "-2.5E-3", "45356", "45356.5", "45356.999999", "60", "61", "1",
		"0.25", "2958465", "2958466", "100000000000000000000", "12345678901234567890", "-45356", "1e308", "36526.000011574"}
	pick := func(list []string) string { return list[rng.Intn(len(list))] }
	sheet := "名册"
	f.SetSheetName("Sheet1", sheet)
	cell := func(col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row)
		return name
	}
	for row := 1; row <= 60; row++ {
		if rng.Intn(6) == 0 {
			continue // a row gap
		}
		for col := 1; col <= 12; col++ {
			if rng.Intn(4) == 0 {
				continue // a column gap
			}
			c := cell(col, row)
			switch rng.Intn(9) {
			case 0, 1:
				f.SetCellStr(sheet, c, pick(texts))
			case 2:
				f.SetCellDefault(sheet, c, pick(numbers))
			case 3:
				f.SetCellInt(sheet, c, rng.Int63n(1e18)*int64(1-2*rng.Intn(2)))
			case 4:
				f.SetCellFloat(sheet, c, rng.NormFloat64()*1e4, -1, 64)
			case 5:
				f.SetCellValue(sheet, c, time.Date(1900+rng.Intn(150), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), rng.Intn(24), rng.Intn(60), rng.Intn(60), 0, time.UTC))
			case 6:
				f.SetCellBool(sheet, c, rng.Intn(2) == 0)
			case 7:
				f.SetCellFormula(sheet, c, fmt.Sprintf("A%d&\"x\"", row))
			case 8:
				f.SetCellRichText(sheet, c, []excelize.RichTextRun{
					{Text: pick(texts), Font: &excelize.Font{Bold: true, Color: "FF0000", Size: 12, Family: "宋体"}},
					{Text: pick(texts)},
				})
			}
			if rng.Intn(3) == 0 {
				f.SetCellStyle(sheet, c, c, styles[rng.Intn(len(styles))])
			}
		}
	}
	// The stream writer: inline strings and cached formula results.
	stream := "流式"
	if _, err := f.NewSheet(stream); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(stream)
	if err != nil {
		t.Fatal(err)
	}
	for row := 1; row <= 60; row++ {
		if rng.Intn(5) == 0 {
			continue
		}
		var vals []any
		for range 10 {
			s := styles[rng.Intn(len(styles))]
			switch rng.Intn(8) {
			case 0:
				vals = append(vals, nil)
			case 1, 2:
				vals = append(vals, excelize.Cell{StyleID: s, Value: pick(texts)})
			case 3:
				vals = append(vals, excelize.Cell{StyleID: s, Value: rng.Float64() * 50000})
			case 4:
				vals = append(vals, excelize.Cell{StyleID: s, Formula: "1+1", Value: pick(numbers)})
			case 5:
				vals = append(vals, excelize.Cell{StyleID: s, Formula: "A1&\"\"", Value: pick(texts)})
			case 6:
				vals = append(vals, excelize.Cell{StyleID: s, Value: rng.Intn(2) == 1})
			case 7:
				vals = append(vals, []excelize.RichTextRun{{Text: pick(texts), Font: &excelize.Font{Italic: true}}, {Text: pick(texts)}})
			}
		}
		if err := sw.SetRow(cell(1, row), vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestXLSXFastMatchesExcelize: workbooks excelize writes read the same
// through the fast reader, which reads them by itself.
func TestXLSXFastMatchesExcelize(t *testing.T) {
	fast, all := 0, 0
	for seed := range 40 {
		rng := rand.New(rand.NewSource(int64(seed)))
		data := excelizeWorkbook(t, rng, seed%5 == 4)
		for _, sheet := range []string{"名册", "流式"} {
			t.Run(fmt.Sprintf("%d/%s", seed, sheet), func(t *testing.T) {
				all++
				if sameAsExcelize(t, data, Options{Sheet: sheet}) {
					fast++
				}
			})
		}
	}
	// Text like "_x0041_" under a format with a text section goes to
	// excelize; little else does.
	if fast < all*4/5 {
		t.Errorf("the fast reader read %d of %d worksheets by itself", fast, all)
	}
}

// TestXLSXFastWriters: the package's own writers.
func TestXLSXFastWriters(t *testing.T) {
	var buf bytes.Buffer
	x, err := NewXLSXWriter(&buf, "家庭成员", benchHeader)
	if err != nil {
		t.Fatal(err)
	}
	x.Above(TitleLine("文水县刘胡兰镇家庭成员信息表"))
	rng := rand.New(rand.NewSource(1))
	for i := range 500 {
		x.WriteRow(memberRow(rng, i))
	}
	x.Below(NoteLine("注：  以上信息由本人核实 & 确认 "))
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if !sameAsExcelize(t, buf.Bytes(), Options{}) {
		t.Error("excelize read the file")
	}
	buf.Reset()
	if err := WriteTemplate(&buf, "家庭成员信息采集表", memberCols, [][]string{{"张三", "110101199003077777"}}, []string{"说明"}); err != nil {
		t.Fatal(err)
	}
	if !sameAsExcelize(t, buf.Bytes(), Options{}) {
		t.Error("excelize read the template")
	}
}

// TestXLSXFastMarkup: hand-written worksheets with markup excelize does not
// write. fast tells whether the fast reader should read them by itself.
func TestXLSXFastMarkup(t *testing.T) {
	shared := []string{"姓名", "身份证号", "张三", "  李四  ", "a &amp; b", "_x0041_", "2024/3/5", ""}
	tests := []struct {
		name string
		data string
		fast bool
	}{
		{"plain", `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>110101199003077777</v></c></row>`, true},
		{"prefixes", `<x:row r="1" xmlns:x="` + nsMain + `"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>内联</x:t></x:is></x:c></x:row>`, true},
		{"no references", `<row><c t="s"><v>0</v></c><c><v>1</v></c><c/><c t="s"><v>2</v></c></row><row><c><v>2</v></c></row><row r="5"><c><v>5</v></c></row><row><c r="C6"><v>6</v></c><c><v>7</v></c></row>`, true},
		{"gaps", `<row r="3"><c r="B3"><v>1</v></c><c r="E3" t="s"><v>3</v></c></row><row r="7" spans="1:5"><c r="A7"><v>2</v></c></row>`, true},
		{"entities and references", `<row r="1"><c r="A1" t="inlineStr"><is><t>&lt;&gt;&amp;&quot;&apos;&#20013;&#x6587;&#9;x&#13;&#10;</t></is></c><c r="B1" t="str"><v>a&amp;b</v></c></row>`, true},
		{"CDATA", `<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b>&amp;</b>]]> 后</t></is></c><c r="B1" t="str"><v><![CDATA[x]]></v></c></row>`, true},
		{"line ends", "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\r\nb\rc</t></is></c></row>", true},
		{"space and escapes", `<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  _x0041__x005F_x0042_ _xD800_ </t></is></c><c r="B1" t="s"><v>5</v></c></row>`, true},
		{"rich inline", `<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/><rFont val="宋体"/></rPr><t>红</t></r><r><t xml:space="preserve"> 字</t></r><rPh sb="0" eb="1"><t>hong</t></rPh><phoneticPr fontId="1"/></is></c></row>`, true},
		{"empty elements", `<row r="1"><c r="A1"/><c r="B1"><v/></c><c r="C1" t="s"><v></v></c><c r="D1" t="inlineStr"><is/></c><c r="E1"><f/></c><c r="F1" t="str"><f>A1</f><v></v></c><c r="G1"><v>0</v></c></row><row r="2"/>`, true},
		{"types", `<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="b"><v>2</v></c><c r="D1" t="e"><v>#N/A</v></c><c r="E1" t="n"><v>1.50</v></c><c r="F1" t="str"><v> 7 </v></c><c r="G1" t="s"><v>99</v></c></row>`, true},
		{"numbers", `<row r="1"><c r="A1"><v>1E-10</v></c><c r="B1"><v>-0</v></c><c r="C1"><v>007</v></c><c r="D1"><v>1234567890123456789</v></c><c r="E1"><v>100000000000000000000</v></c><c r="F1"><v>NaN</v></c><c r="G1"><v>Inf</v></c><c r="H1"><v>1_000</v></c><c r="I1"><v>0x1p-2</v></c><c r="J1"><v>abc</v></c></row>`, true},
		{"dates", `<row r="1"><c r="A1" s="1"><v>45356</v></c><c r="B1" s="3"><v>45356.99999</v></c><c r="C1" s="1"><v>60</v></c><c r="D1" s="1"><v>-5</v></c><c r="E1" s="3"><v>45356.0000057870</v></c><c r="F1" s="1" t="s"><v>6</v></c><c r="G1" s="8"><v>45356</v></c><c r="H1" s="6"><v>1</v></c><c r="I1" s="1"><v>abc</v></c><c r="J1" s="1"><v>2958466</v></c><c r="K1" s="7"><v>45356</v></c><c r="L1" s="1" t="b"><v>1</v></c></row>`, true},
		{"text in a partial date", `<row r="1"><c r="A1" s="8" t="s"><v>6</v></c></row>`, true},
		{"style out of range", `<row r="1"><c r="A1" s="99"><v>45356</v></c><c r="B1" s="0"><v>45356</v></c></row>`, true},
		{"columns out of order", `<row r="1"><c r="C1"><v>3</v></c><c r="A1"><v>1</v></c><c r="C1"><v>4</v></c><c><v>5</v></c></row>`, true},
		{"formula without value", `<row r="1"><c r="A1"><f>1+1</f></c><c r="C1" t="str"><f t="shared" ref="C1:C3" si="0">B1</f><v>x</v></c></row><row r="2"><c r="C2" t="str"><f t="shared" si="0"/><v></v></c></row>`, true},
		{"comments", `<row r="1"><c r="A1"><v>1</v></c></row><!-- note --><row r="2"><c r="A2"><v>2</v></c></row>`, false},
		{"rows out of order", `<row r="2"><c r="A2"><v>2</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>`, false},
		{"duplicate row", `<row r="1"><c r="A1"><v>1</v></c></row><row r="1"><c r="B1"><v>2</v></c></row>`, false},
		{"cell outside a row", `<row r="1"><c r="A1"><v>1</v></c></row><c r="B1"><v>2</v></c><row r="2"><c r="A2"><v>3</v></c></row>`, false},
		{"date type", `<row r="1"><c r="A1" t="d"><v>2024-03-05T00:00:00Z</v></c></row>`, false},
		{"lower-case reference", `<row r="1"><c r="b1"><v>1</v></c></row>`, false},
		{"unknown element in a cell", `<row r="1"><c r="A1"><extLst><v>9</v></extLst><v>1</v></c></row>`, false},
		{"bad formula attribute", `<row r="1"><c r="A1"><f ca="maybe">1</f><v>1</v></c><c r="B1"><v>2</v></c></row>`, false},
		{"row past the limit", `<row r="1048577"><c r="A1048577"><v>1</v></c></row>`, false},
		{"undefined entity in a cell", `<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>`, false},
		{"bad attribute mid-sheet", `<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r=A2><v>2</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>`, false},
		{"unclosed cell", `<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></row><row r="3"><c r="A3"><v>3</v></c></row>`, false},
		{"invalid character", "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\x01b</v></c></row>", false},
		{"invalid UTF-8", "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\" t=\"str\"><v>a\xffb</v></c></row>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := buildXLSX(t, shared, testSheet{name: "名册", data: tt.data, dim: "A1:L9"})
			if fast := sameAsExcelize(t, data, Options{}); fast != tt.fast {
				t.Errorf("read by the fast reader alone: %v, want %v", fast, tt.fast)
			}
		})
	}
}

// TestXLSXFastParts: shared strings, workbook structure and whole
// worksheets the fast reader does or does not take on.
func TestXLSXFastParts(t *testing.T) {
	base := buildXLSX(t, []string{"姓名", "张三"}, testSheet{name: "名册", data: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`})
	sheetXML := func(body string) string {
		return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + body
	}
	sst := func(items string) string {
		return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst xmlns="` + nsMain + `" count="3" uniqueCount="3">` + items + `</sst>`
	}
	tests := []struct {
		name, part, body string
		fast             bool
	}{
		{"rich shared strings", "xl/sharedStrings.xml", sst(`<si><r><rPr><b/><i val="0"/><sz val="11"/><color theme="1" tint="-0.5"/><rFont val="宋体"/><family val="3"/><charset val="134"/><scheme val="minor"/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r></si><si><t>a</t><rPh sb="0" eb="1"><t>b</t></rPh><phoneticPr fontId="1" type="noConversion"/></si><si/>`), true},
		{"prefixed shared strings", "xl/sharedStrings.xml", `<x:sst xmlns:x="` + nsMain + `"><x:si><x:t>甲</x:t></x:si><x:si><x:t>乙</x:t></x:si></x:sst>`, true},
		{"shared strings without namespace", "xl/sharedStrings.xml", `<sst><si><t>甲</t></si></sst>`, false},
		{"bad count", "xl/sharedStrings.xml", `<sst xmlns="` + nsMain + `" count="x"><si><t>甲</t></si></sst>`, false},
		{"bad run property", "xl/sharedStrings.xml", sst(`<si><r><rPr><b val="maybe"/></rPr><t>甲</t></r></si>`), false},
		{"empty shared strings", "xl/sharedStrings.xml", "", true},
		{"strict namespace", "xl/sharedStrings.xml", sst(`<si><t>http://purl.oclc.org/ooxml/spreadsheetml/main</t></si>`), false},
		{"GBK declaration", "xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="GBK"?><worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`, false},
		{"empty sheet data", "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="` + nsMain + `"><dimension ref="A1"/><sheetData/></worksheet>`), true},
		{"prefixed worksheet", "xl/worksheets/sheet1.xml", sheetXML(`<x:worksheet xmlns:x="` + nsMain + `"><x:dimension ref="A1:B20"/><x:sheetData><x:row r="2"><x:c r="B2"><x:v>2</x:v></x:c></x:row></x:sheetData><x:pageMargins left="0.7"/></x:worksheet>`), true},
		{"row after the sheet data", "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><extLst><row r="2"><c r="A2"><v>2</v></c></row></extLst></worksheet>`), false},
		{"no end", "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>`), false},
		{"garbage after the root", "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>` + "\x00\x00"), false},
		{"long tail", "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><conditionalFormatting sqref="A1">` + strings.Repeat(`<cfRule type="expression" priority="1"><formula>A1&gt;0</formula></cfRule>`, 3000) + `</conditionalFormatting></worksheet>`), true},
		{"styles with custom 14", "xl/styles.xml", `<styleSheet xmlns="` + nsMain + `"><numFmts count="1"><numFmt numFmtId="14" formatCode="m/d/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := replacePart(t, base, tt.part, tt.body)
			if strings.HasPrefix(tt.name, "styles") {
				data = replacePart(t, data, "xl/worksheets/sheet1.xml", sheetXML(`<worksheet xmlns="`+nsMain+`"><sheetData><row r="1"><c r="A1" s="1"><v>45356</v></c><c r="B1" s="1" t="s"><v>1</v></c></row></sheetData></worksheet>`))
			}
			if fast := sameAsExcelize(t, data, Options{}); fast != tt.fast {
				t.Errorf("read by the fast reader alone: %v, want %v", fast, tt.fast)
			}
		})
	}
}

// TestXLSXFastHandover: when the fast reader stops mid-sheet, excelize
// goes on from the same row, after its rows up to there were found equal.
func TestXLSXFastHandover(t *testing.T) {
	var rows strings.Builder
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" s="1"><v>%d</v></c></row>`, i, i, i%2, i, 40000+i)
		if i == 2500 {
			rows.WriteString(`<!-- from here on excelize reads -->`)
		}
	}
	data := buildXLSX(t, []string{"甲", "乙"}, testSheet{name: "名册", data: rows.String(), dim: "A1:B3000"})
	fast := readWith(t, data, Options{}, true)
	slow := readWith(t, data, Options{}, false)
	if !reflect.DeepEqual(fast, slow) || len(fast.rows) != 3000 {
		t.Fatalf("%d rows, error %q; excelize %d rows, error %q", len(fast.rows), fast.err, len(slow.rows), slow.err)
	}

	// A wrong checksum of the rows returned is refused.
	r := mustOpen(t, data, Options{})
	for range 10 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	src := r.src.(*xlsxSource)
	src.sum++
	if err := src.handover(); err == nil || !strings.Contains(err.Error(), "differently") {
		t.Fatalf("handover with a wrong checksum: %v", err)
	}
}

// TestXLSXFastTempCopy: a large input that is not a file is read from a
// temporary copy, removed on Close, also when excelize takes over.
func TestXLSXFastTempCopy(t *testing.T) {
	defer func(v int64) { inMemoryXLSX = v }(inMemoryXLSX)
	inMemoryXLSX = 0
	data := buildXLSX(t, []string{"甲"}, testSheet{name: "名册", data: `<row r="1"><c r="A1" t="s"><v>0</v></c></row><!-- x --><row r="2"><c r="A2"><v>2</v></c></row>`})
	dir := t.TempDir()
	r := mustOpen(t, data, Options{TempDir: dir})
	if got := cellsOf(readAll(t, r)); !reflect.DeepEqual(got, []string{"1:甲", "2:2"}) {
		t.Errorf("rows %q", got)
	}
	if r.src.(*xlsxSource).f == nil {
		t.Error("excelize did not take over")
	}
	r.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Close left %d temporary files", len(entries))
	}
}

// FuzzXLSXFast feeds mutated worksheet and shared-string XML to both
// readers: neither may panic, and they must agree on every row and error.
func FuzzXLSXFast(f *testing.F) {
	base := buildXLSX(f, []string{"姓名"}, testSheet{name: "名册", data: `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`})
	worksheet := func(data string) string {
		return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="` + nsMain + `"><dimension ref="A1:C3"/><sheetData>` + data + `</sheetData><pageMargins left="0.7"/></worksheet>`
	}
	sst := `<sst xmlns="` + nsMain + `" count="4" uniqueCount="4"><si><t>姓名</t></si><si><t xml:space="preserve"> 张三 </t></si><si><r><rPr><b/><sz val="11"/></rPr><t>a&amp;b</t></r><r><t>_x0041_</t></r></si><si/></sst>`
	for _, data := range []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="3"><c r="A3"><v>110101199003077777</v></c><c r="C3" s="1"><v>45356.5</v></c></row>`,
		`<row><c t="inlineStr"><is><t>内联&#20013;</t></is></c><c><v>1.5E-3</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row><row r="4"><c r="B4" t="str"><f>A1</f><v><![CDATA[x<y]]></v></c></row>`,
		`<x:row r="2" xmlns:x="` + nsMain + `"><x:c r="B2" s="3"><x:v>45356.25</x:v></x:c><x:c r="D2" s="8" t="s"><x:v>3</x:v></x:c></x:row>`,
		`<row r="1"><c r="A1"><f>1+1</f></c><c r="B1"/><c r="C1"><v/></c></row><row r="2"/><!-- c --><row r="5"><c r="E5" s="2"><v>-1</v></c></row>`,
		`<row r="2"><c r="A2"><v>2</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>`,
	} {
		f.Add(worksheet(data), sst)
	}
	f.Add(worksheet(`<row r="1"><c r="A1" t="s"><v>2</v></c></row>`), `<sst xmlns="`+nsMain+`"><si><r><rPr><color theme="1" tint="0.5"/></rPr><t>x</t></r><rPh sb="0" eb="1"><t>y</t></rPh></si></sst>`)
	f.Add(worksheet(`<row r="1"><c r="A1"><v>1</v></c>`), "")
	f.Fuzz(func(t *testing.T, sheetXML, sstXML string) {
		data := replacePart(t, base, "xl/worksheets/sheet1.xml", sheetXML)
		data = replacePart(t, data, "xl/sharedStrings.xml", sstXML)
		sameAsExcelize(t, data, Options{})
	})
}
