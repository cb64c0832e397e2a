package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"sanbao/internal/apperr"
)

const memberCSV = "姓名,身份证号,与户主关系\n张三,110101199003077777,户主\n李四,11010119920307888X,配偶\n"

var memberRows = []string{"1:姓名|身份证号|与户主关系", "2:张三|110101199003077777|户主", "3:李四|11010119920307888X|配偶"}

func TestCSVEncodings(t *testing.T) {
	utf16le := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	asciiPad := strings.Repeat("x,1,2\n", 60000) // 360 KB of ASCII before any Chinese
	tests := []struct {
		name     string
		data     []byte
		encoding string
		rows     []string // nil: do not compare
		errLine  string   // non-empty: Invalid error mentioning this
	}{
		{name: "UTF-8", data: []byte(memberCSV), encoding: "UTF-8", rows: memberRows},
		{name: "UTF-8 BOM", data: append(append([]byte{}, bomUTF8...), memberCSV...), encoding: "UTF-8 BOM", rows: memberRows},
		{name: "GB18030", data: gbk(t, memberCSV), encoding: "GB18030", rows: memberRows},
		{name: "GB18030 beyond GBK", data: gbk(t, "姓名\n𠀀𡃁,䶮\n"), encoding: "GB18030", rows: []string{"1:姓名", "2:𠀀𡃁|䶮"}},
		{name: "UTF-16 LE BOM", data: utf16le(memberCSV), encoding: "UTF-16", rows: memberRows},
		{name: "ASCII", data: []byte("a,b\n1,2\n"), encoding: "ASCII", rows: []string{"1:a|b", "2:1|2"}},
		{name: "UTF-8 after long ASCII", data: []byte(asciiPad + "张三,1,2\n"), encoding: "UTF-8"},
		{name: "GB18030 after long ASCII", data: append([]byte(asciiPad), gbk(t, "张三,1,2\n")...), encoding: "GB18030"},
		{name: "mixed: UTF-8 then GBK", data: append([]byte("姓名,关系\n张三,户主\n"), gbk(t, "李四,配偶\n")...), errLine: "第3行不是 UTF-8"},
		{name: "mixed: GBK then UTF-8", data: append(gbk(t, "姓名,关系\n张三,户主\n"), "李四,配偶\n"...), errLine: "第3行是 UTF-8"},
		{name: "mixed: GBK then UTF-8 odd length", data: append(gbk(t, "姓名,关系\n张三,户主\n"), "李,男\n"...), errLine: "第3行"},
		{name: "mixed far apart", data: append([]byte("姓名\n张三\n"+asciiPad), gbk(t, "李四\n")...), errLine: fmt.Sprintf("第%d行不是 UTF-8", 60003)},
		{name: "BOM then GBK", data: append(append([]byte{}, bomUTF8...), gbk(t, "姓名\n张三\n")...), errLine: "第1行不是 UTF-8"},
		{name: "invalid bytes", data: append(gbk(t, "姓名\n张三\n"), 0x81, 0x20, '\n'), errLine: "第3行既不是 UTF-8 也不是 GBK"},
		{name: "NUL late in file", data: []byte(strings.Repeat("a,b\n", 3000) + "c,\x00\n"), errLine: "第3001行含有空字符"},
		{name: "unterminated quote", data: []byte("a,b\n\"" + strings.Repeat("x\n", 3<<20)), errLine: "第2行起的内容过长"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOpen(t, tt.data, Options{})
			if r.Format() != FormatCSV {
				t.Fatalf("format %v", r.Format())
			}
			if tt.errLine != "" {
				wantErr(t, drain(r), apperr.Invalid, tt.errLine)
				return
			}
			rows := readAll(t, r)
			if got := r.Encoding(); got != tt.encoding {
				t.Errorf("encoding %q, want %q", got, tt.encoding)
			}
			if tt.rows != nil && !reflect.DeepEqual(cellsOf(rows), tt.rows) {
				t.Errorf("rows\n%q\nwant\n%q", cellsOf(rows), tt.rows)
			}
			for _, row := range rows {
				for _, c := range row.Cells {
					if strings.ContainsRune(c, '\uFFFD') {
						t.Fatalf("row %d has U+FFFD: %q", row.Num, row.Cells)
					}
				}
			}
		})
	}
}

// A GBK file whose lines happen to be valid UTF-8 must not be refused as
// mixed: common characters never decode to CJK in UTF-8.
func TestCSVGBKNotMistakenForUTF8(t *testing.T) {
	// Common characters whose GBK bytes are also valid UTF-8 (they decode
	// to Latin or Cyrillic letters, never to Chinese).
	var chars []rune
	for hi := 0xC2; hi <= 0xD7; hi++ {
		for lo := 0xA1; lo <= 0xBF; lo++ {
			s, err := simplifiedchinese.GB18030.NewDecoder().Bytes([]byte{byte(hi), byte(lo)})
			if err == nil && utf8.Valid([]byte{byte(hi), byte(lo)}) {
				chars = append(chars, []rune(string(s))...)
			}
		}
	}
	if len(chars) < 100 {
		t.Fatalf("only %d characters", len(chars))
	}
	var b strings.Builder
	b.WriteString("姓名,住址,备注\n")
	for i := 0; i+3 < len(chars); i += 3 {
		fmt.Fprintf(&b, "%s,%s,1\n", string(chars[i:i+2]), string(chars[i+2:i+4]))
	}
	data := gbk(t, b.String())
	r := mustOpen(t, data, Options{})
	rows := readAll(t, r)
	if r.Encoding() != "GB18030" || rows[1].Cells[0] != string(chars[0:2]) {
		t.Fatalf("encoding %s rows %q", r.Encoding(), cellsOf(rows[:2]))
	}
}

func TestCSVLineEndingsAndRowNumbers(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"LF", "a,b\n1,2\n", []string{"1:a|b", "2:1|2"}},
		{"CRLF", "a,b\r\n1,2\r\n", []string{"1:a|b", "2:1|2"}},
		{"CR only", "a,b\r1,2\r", []string{"1:a|b", "2:1|2"}},
		{"no final newline", "a,b\r\n1,2", []string{"1:a|b", "2:1|2"}},
		{"trailing empty lines", "a,b\r\n1,2\r\n\r\n\r\n,,\r\n  ,\r\n", []string{"1:a|b", "2:1|2"}},
		{"blank lines keep numbers", "a,b\n\n\n1,2\n,\n3,4\n", []string{"1:a|b", "4:1|2", "6:3|4"}},
		{"quoted line break is one row", "a,b\r\n\"x\r\ny\",2\r\n3,4\r\n", []string{"1:a|b", "2:x\ny|2", "3:3|4"}},
		{"ragged rows", "a,b,c\n1\n1,2,3,4\n", []string{"1:a|b|c", "2:1", "3:1|2|3|4"}},
		{"spaces trimmed", "a,b\n\u3000张三\u00a0, 1 \u200b\n", []string{"1:a|b", "2:张三|1"}},
		{"stray quotes", "a,b\n5\"寸,某\"村\"\n", []string{"1:a|b", "2:5\"寸|某\"村\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cellsOf(readAll(t, mustOpen(t, []byte(tt.data), Options{})))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCSVDelimiter(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		comma rune
		want  []string
	}{
		{"comma", "a,b,c\n1,2,3\n", 0, []string{"1:a|b|c", "2:1|2|3"}},
		{"tab", "a\tb\tc\n1\t2,5\t3\n", 0, []string{"1:a|b|c", "2:1|2,5|3"}},
		{"semicolon", "a;b;c\n1;2,5;3\n", 0, []string{"1:a|b|c", "2:1|2,5|3"}},
		{"tab under a title", "XX村农户信息表\n\n姓名\t身份证号\t关系\n张三\t1\t户主\n", 0, []string{"1:XX村农户信息表", "3:姓名|身份证号|关系", "4:张三|1|户主"}},
		{"stray semicolon in a comma file", "a,b,c\nx;y,2,3\n", 0, []string{"1:a|b|c", "2:x;y|2|3"}},
		{"two tabs are not clear", "a,b,c,d\n1\t2\t3,x,y,z\n", 0, []string{"1:a|b|c|d", "2:1\t2\t3|x|y|z"}},
		{"forced", "a|b\n1|2\n", '|', []string{"1:a|b", "2:1|2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cellsOf(readAll(t, mustOpen(t, []byte(tt.data), Options{Comma: tt.comma})))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	ole2 := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	zipOf := func(names ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := zw.Create(n)
			w.Write([]byte("x"))
		}
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "文件是空的"},
		{"blank", []byte(" \r\n\r\n"), "文件是空的"},
		{"BOM only", bomUTF8, "文件是空的"},
		{"old xls", ole2, ".xls"},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), "不是电子表格文件"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "不是电子表格文件"},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 'J', 'F', 'I', 'F'}, "不是电子表格文件"},
		{"binary with NUL", []byte("abc\x00\x01\x02def"), "不是电子表格文件"},
		{"html disguised as xls", []byte("<html><table><tr><td>姓名</td></tr></table></html>"), "网页或 XML"},
		{"plain zip", zipOf("a.txt"), "压缩包"},
		{"ods", zipOf("mimetype", "content.xml"), ".ods"},
		{"docx", zipOf("[Content_Types].xml", "word/document.xml"), "Word"},
		{"truncated zip", []byte("PK\x03\x04\x14\x00\x00\x00"), "不完整或已损坏"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := open(t, tt.data, Options{})
			if err == nil {
				r.Close()
			}
			wantErr(t, err, apperr.Invalid, tt.msg)
		})
	}
}

func TestFindHeader(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		row     int            // header row
		index   map[string]int // expected mapping
		unknown []string
		err     []string // parts of an Invalid error
		fields  []string // "key:message" of the error's fields
	}{
		{
			name:  "plain",
			csv:   "姓名,身份证号,与户主关系\n",
			row:   1,
			index: map[string]int{"name": 0, "id_number": 1, "relation": 2},
		},
		{
			name:    "title rows and notes above",
			csv:     "文水县XX村农户信息表,,,\n填报单位：XX村,,填报日期：2024年3月,\n\n序号,姓名,身份证号码,备注\n1,张三,110101199003077777,\n",
			row:     4,
			index:   map[string]int{"name": 1, "id_number": 2},
			unknown: []string{"序号", "备注"},
		},
		{
			name:  "variants",
			csv:   "\"姓 名*\",证件号码（必填）,\"联系\n电话\",年收入,关系\n",
			row:   1,
			index: map[string]int{"name": 0, "id_number": 1, "phone": 2, "income": 3, "relation": 4},
		},
		{
			name:  "full width and brackets",
			csv:   "＊姓名,【身份证号】,年收入(元),电话：\n",
			row:   1,
			index: map[string]int{"name": 0, "id_number": 1, "income": 2, "phone": 3},
		},
		{
			name:   "missing required",
			csv:    "标题\n姓名,电话\n张三,1\n",
			row:    2,
			err:    []string{"第2行", "缺少必填列「身份证号」"},
			fields: []string{"id_number:缺少必填列"},
		},
		{
			name:   "duplicate",
			csv:    "姓名,身份证号,电话,身份证号码\n",
			row:    1,
			err:    []string{"「身份证号」出现在B列、D列"},
			fields: []string{"id_number:列重复出现（B列、D列），无法确定用哪一列"},
		},
		{
			name:   "missing and duplicate in one error",
			csv:    "电话,联系电话,关系\n",
			row:    1,
			err:    []string{"缺少必填列「姓名」「身份证号」", "「联系电话」出现在A列、B列"},
			fields: []string{"name:缺少必填列", "id_number:缺少必填列", "phone:列重复出现（A列、B列），无法确定用哪一列"},
		},
		{
			name: "no header",
			csv:  "a,b\n1,2\n",
			err:  []string{"没有找到表头", "「姓名」"},
		},
		{
			name: "nothing",
			csv:  ",,\n\n",
			err:  []string{"没有任何数据"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOpen(t, []byte(tt.csv), Options{})
			h, err := r.FindHeader(memberCols, 0)
			if len(tt.err) > 0 {
				wantErr(t, err, apperr.Invalid, tt.err...)
				var got []string
				for _, f := range apperr.FieldsOf(err) {
					got = append(got, f.Field+":"+f.Message)
					if f.Row != tt.row || f.Label == "" {
						t.Errorf("field %+v: want row %d and a label", f, tt.row)
					}
				}
				if !reflect.DeepEqual(got, tt.fields) {
					t.Errorf("fields %q, want %q", got, tt.fields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Row != tt.row || !reflect.DeepEqual(h.Index, tt.index) || !reflect.DeepEqual(h.Unknown, tt.unknown) {
				t.Errorf("header row %d index %v unknown %q; want %d %v %q", h.Row, h.Index, h.Unknown, tt.row, tt.index, tt.unknown)
			}
		})
	}
}

func TestRowGetAfterHeader(t *testing.T) {
	data := "XX村农户信息表\n\n序号,姓名,身份证号码,联系电话\n1,张三,110101199003077777,138\n2,李四\n\n3,王五,,\n"
	r := mustOpen(t, []byte(data), Options{})
	if _, err := r.FindHeader(memberCols, 0); err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	var got []string
	for _, row := range rows {
		got = append(got, fmt.Sprintf("%d:%s/%s/%s/%s:%d", row.Num, row.Get("name"), row.Get("id_number"), row.Get("phone"), row.Get("relation"), len(row.Cells)))
	}
	want := []string{"4:张三/110101199003077777/138/:4", "5:李四///:4", "7:王五///:4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if p := r.Progress(); p.Done != int64(len(data)) || p.Total != int64(len(data)) || p.Percent() != 100 || p.Rows != 5 {
		t.Errorf("progress %+v", p)
	}
}

func TestXLSXCells(t *testing.T) {
	// Row 1 title (merged in Excel), row 3 header from shared strings, row 4
	// data with dates in several formats, a formatted number, formulas with
	// cached values; row 5 missing (a gap); row 6 more data; the second
	// sheet is hidden, the first visible one is "名册".
	data := `<row r="1"><c r="A1" t="s"><v>0</v></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" t="s"><v>2</v></c><c r="C3" t="inlineStr"><is><t>出生日期</t></is></c>` +
		`<c r="D3" t="s"><v>3</v></c><c r="E3" t="s"><v>4</v></c><c r="F3" t="s"><v>5</v></c><c r="G3" t="s"><v>6</v></c>` +
		`<c r="H3" t="s"><v>7</v></c><c r="I3" t="s"><v>8</v></c><c r="J3" t="s"><v>9</v></c><c r="K3" t="s"><v>10</v></c><c r="L3" t="s"><v>11</v></c></row>` +
		`<row r="4"><c r="A4" t="s"><v>12</v></c><c r="B4" s="5" t="s"><v>13</v></c><c r="C4" s="1"><v>45356</v></c>` +
		`<c r="D4" s="2"><v>45356</v></c><c r="E4" s="3"><v>45356.5</v></c><c r="F4" s="4"><v>1234.5</v></c>` +
		`<c r="G4"><f>1+2</f><v>3</v></c><c r="H4" t="str"><f>"户"&amp;"主"</f><v>户主</v></c>` +
		`<c r="I4" s="6"><v>45356.25</v></c><c r="J4" s="7"><v>45356</v></c><c r="K4" s="8"><v>45356</v></c><c r="L4" s="9"><v>45356</v></c></row>` +
		`<row r="6"><c r="A6" t="inlineStr"><is><t xml:space="preserve">  李四 </t></is></c><c r="B6" t="s"><v>14</v></c><c r="F6"><v>0.30000000000000004</v></c><c r="G6"><f>A1</f></c></row>`
	shared := []string{"XX村农户信息表", "姓名", "身份证号", "日期2", "日期时间", "年收入", "公式", "关系", "日期时间2", "日期3", "年月", "日期4",
		"张三", "110101199003077777", "11010119920307888X"}
	b := buildXLSX(t, shared,
		testSheet{name: "隐藏", hidden: true, data: `<row r="1"><c r="A1" t="inlineStr"><is><t>secret</t></is></c></row>`},
		testSheet{name: "名册", data: data})
	r := mustOpen(t, b, Options{})
	if r.Format() != FormatXLSX || r.SheetName() != "名册" {
		t.Fatalf("format %v sheet %q", r.Format(), r.SheetName())
	}
	got := cellsOf(readAll(t, r))
	want := []string{
		"1:XX村农户信息表",
		"3:姓名|身份证号|出生日期|日期2|日期时间|年收入|公式|关系|日期时间2|日期3|年月|日期4",
		"4:张三|110101199003077777|2024-03-05|2024-03-05|2024-03-05 12:00|1234.5|3|户主|2024-03-05 06:00|2024-03-05|2024年3月|2024-03-05",
		"6:李四|11010119920307888X||||0.3|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}

	r2 := mustOpen(t, b, Options{Sheet: "隐藏"})
	if got := cellsOf(readAll(t, r2)); !reflect.DeepEqual(got, []string{"1:secret"}) {
		t.Errorf("sheet by name: %q", got)
	}
	_, err := open(t, b, Options{Sheet: "没有"})
	wantErr(t, err, apperr.Invalid, "没有名为“没有”的工作表", "隐藏、名册")
}

func TestXLSXProgress(t *testing.T) {
	var data strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&data, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i, i, i)
	}
	r := mustOpen(t, buildXLSX(t, nil, testSheet{name: "S", data: data.String(), dim: "A1:A40"}), Options{})
	for range 10 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if p := r.Progress(); p.Rows != 10 || p.Done != 10 || p.Total != 40 || p.Percent() != 25 {
		t.Errorf("progress %+v", p)
	}
	readAll(t, r)
	if p := r.Progress(); p.Percent() != 100 {
		t.Errorf("progress at the end %+v", p)
	}
}

func TestXLSXFromFileAndTempCopy(t *testing.T) {
	var buf bytes.Buffer
	x, err := NewXLSXWriter(&buf, "名册", []string{"姓名", "身份证号"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		x.WriteRow([]string{fmt.Sprintf("张%d", i), fmt.Sprintf("%018d", i)})
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "名册.csv") // the name is not trusted
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.src.(*xlsxSource).tail == nil {
		t.Error("the end-of-sheet check did not find the worksheet part")
	}
	rows := readAll(t, r)
	if r.Format() != FormatXLSX || len(rows) != 301 || rows[300].Cells[1] != "000000000000000299" {
		t.Fatalf("format %v, %d rows, last %q", r.Format(), len(rows), rows[len(rows)-1].Cells)
	}
	// Large inputs that are not files go through a temporary copy, removed
	// by Close.
	defer func(v int64) { inMemoryXLSX = v }(inMemoryXLSX)
	inMemoryXLSX = 0
	tmpDir := t.TempDir()
	r2 := mustOpen(t, buf.Bytes(), Options{TempDir: tmpDir})
	if entries, _ := os.ReadDir(tmpDir); len(entries) != 1 {
		t.Errorf("temp dir holds %d files, want the copy", len(entries))
	}
	if rows := readAll(t, r2); len(rows) != 301 {
		t.Errorf("%d rows through the copy", len(rows))
	}
	r2.Close()
	if entries, _ := os.ReadDir(tmpDir); len(entries) != 0 {
		t.Errorf("Close left %d temporary files", len(entries))
	}
}

func TestXLSXCorrupt(t *testing.T) {
	var buf bytes.Buffer
	x, _ := NewXLSXWriter(&buf, "名册", []string{"姓名", "身份证号"})
	for i := range 2000 {
		x.WriteRow([]string{fmt.Sprintf("张%d", i), fmt.Sprintf("%018d", i)})
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for _, cut := range []int{10, 100, len(good) / 3, len(good) / 2, len(good) - 30, len(good) - 1} {
		t.Run(fmt.Sprintf("truncated at %d", cut), func(t *testing.T) {
			r, err := open(t, good[:cut], Options{})
			if err == nil {
				err = drain(r)
				r.Close()
			}
			wantErr(t, err, apperr.Invalid, "不完整或已损坏")
		})
	}
	t.Run("flipped bytes in the sheet", func(t *testing.T) {
		bad := append([]byte(nil), good...)
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		for _, f := range zr.File {
			if strings.HasPrefix(f.Name, "xl/worksheets/") {
				off, _ := f.DataOffset()
				for i := off + 50; i < off+60; i++ {
					bad[i] ^= 0x5A
				}
			}
		}
		r, err := open(t, bad, Options{})
		if err == nil {
			err = drain(r)
			r.Close()
		}
		wantErr(t, err, apperr.Invalid, "不完整或已损坏")
	})
}

func TestXLSXMalformedSheet(t *testing.T) {
	good := `<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>`
	tests := []struct {
		name, data string
		row        string // "" when the sheet is fine
	}{
		{"fine", good + `<row r="3"><c r="A3"><v>3</v></c></row>`, ""},
		{"fine with trailing empty rows", good + `<row r="9" ht="20" customHeight="1"/>`, ""},
		{"bad attribute mid-sheet", good + `<row r="3"><c r=A3><v>3</v></c></row><row r="4"><c r="A4"><v>4</v></c></row>`, "第3行附近"},
		{"undefined entity between rows", good + `<row r="3"><c r="A3"><v>3</v></c></row>&bad;<row r="4"><c r="A4"><v>4</v></c></row>`, "第3行附近"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustOpen(t, buildXLSX(t, nil, testSheet{name: "名册", data: tt.data}), Options{})
			err := drain(r)
			if tt.row == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, apperr.Invalid, "工作表“名册”"+tt.row)
		})
	}
}

// bombZip returns a workbook-shaped zip whose sheet is n bytes of XML
// that compress about 1000 times.
func bombZip(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for i := 0; i < n>>20; i++ {
		w.Write(chunk)
	}
	zw.Close()
	return buf.Bytes()
}

// claimZip returns a small zip whose sheet claims (in the directory) to
// inflate to size bytes.
func claimZip(t testing.TB, size uint64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte("<x/>"))
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(bytes.Repeat([]byte("<row/>"), 1000))
	fw.Close()
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(nil), CompressedSize64: uint64(comp.Len()), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestXLSXBomb(t *testing.T) {
	many := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range maxZipEntries + 1 {
			zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("xl/media/%d", i), Method: zip.Store})
		}
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		data []byte
		opts Options
		msg  string
	}{
		{"ratio", bombZip(t, 64<<20), Options{}, "压缩比超过 200 倍"},
		{"declared size", claimZip(t, 5<<30), Options{}, "解压后超过 3 GB"},
		{"declared size, lower limit", claimZip(t, 200<<20), Options{MaxUnzippedSize: 100 << 20, MaxCompressionRatio: 1 << 40}, "解压后超过 100 MB"},
		{"many parts", many(), Options{}, "10001 个部件"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) > 2<<20 {
				t.Fatalf("the bomb itself is %d bytes", len(tt.data))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := open(t, tt.data, tt.opts)
			runtime.ReadMemStats(&after)
			if err == nil {
				r.Close()
			}
			wantErr(t, err, apperr.TooLarge, tt.msg)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("refusing the bomb allocated %d bytes", alloc)
			}
		})
	}
}
