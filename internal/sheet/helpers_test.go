package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sanbao/internal/apperr"
)

// memberCols are the columns of the tests, as an import would pass them.
var memberCols = []Column{
	{Key: "name", Label: "姓名", Required: true},
	{Key: "id_number", Label: "身份证号", Aliases: []string{"身份证号码", "证件号码"}, Required: true},
	{Key: "relation", Label: "与户主关系", Aliases: []string{"关系"}},
	{Key: "phone", Label: "联系电话", Aliases: []string{"电话"}},
	{Key: "income", Label: "年收入（元）"},
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("gbk encode %q: %v", s, err)
	}
	return b
}

func open(t testing.TB, b []byte, opts Options) (*Reader, error) {
	t.Helper()
	return Open(bytes.NewReader(b), int64(len(b)), opts)
}

func mustOpen(t testing.TB, b []byte, opts Options) *Reader {
	t.Helper()
	r, err := open(t, b, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// readAll returns every row left in r.
func readAll(t testing.TB, r *Reader) []Row {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// drain reads r to the end and returns the first error other than io.EOF.
func drain(r *Reader) error {
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// cellsOf renders rows as "num:a|b|c" lines for compact comparison.
func cellsOf(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%d:%s", r.Num, strings.Join(r.Cells, "|"))
	}
	return out
}

// wantErr checks that err is an *apperr.Error of code whose message
// contains every part.
func wantErr(t testing.TB, err error, code apperr.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s with %q", code, parts)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %T %v is not *apperr.Error", err, err)
	}
	if ae.Code != code {
		t.Fatalf("code %s (%s), want %s", ae.Code, ae.Message, code)
	}
	for _, p := range parts {
		if !strings.Contains(ae.Message, p) {
			t.Fatalf("message %q lacks %q", ae.Message, p)
		}
	}
}

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// testSheet is one worksheet of a hand-made workbook.
type testSheet struct {
	name   string
	hidden bool
	data   string // the <sheetData> content
	dim    string // the <dimension> reference, if any
}

// buildXLSX makes a minimal workbook by hand, as Excel would save it: shared
// strings, styles with date formats, formulas with cached values.
func buildXLSX(t testing.TB, shared []string, sheets ...testSheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+body)
	}
	var types, wbSheets, rels strings.Builder
	for i, s := range sheets {
		n := i + 1
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		state := ""
		if s.hidden {
			state = ` state="hidden"`
		}
		fmt.Fprintf(&wbSheets, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, n, state, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, n, nsRel, n)
		dim := ""
		if s.dim != "" {
			dim = `<dimension ref="` + s.dim + `"/>`
		}
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", n), `<worksheet xmlns="`+nsMain+`">`+dim+`<sheetData>`+s.data+`</sheetData></worksheet>`)
	}
	put("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`+
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`+
		types.String()+`</Types>`)
	put("_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="`+nsRel+`/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheets>`+wbSheets.String()+`</sheets></workbook>`)
	put("xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+
		`<Relationship Id="rIdS" Type="`+nsRel+`/styles" Target="styles.xml"/>`+
		`<Relationship Id="rIdT" Type="`+nsRel+`/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)
	var sst strings.Builder
	for _, s := range shared {
		sst.WriteString("<si><t>" + s + "</t></si>")
	}
	put("xl/sharedStrings.xml", fmt.Sprintf(`<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>`, nsMain, len(shared), len(shared), sst.String()))
	// Cell styles: 0 General, 1 built-in date 14, 2 custom yyyy"年"m"月"d"日",
	// 3 built-in date-time 22, 4 #,##0.00, 5 text, 6 custom yyyy/m/d h:mm,
	// 7 Chinese built-in 31, 8 custom yyyy"年"m"月" (no day), 9 custom
	// [$-804]yyyy-mm-dd;@ .
	put("xl/styles.xml", `<styleSheet xmlns="`+nsMain+`">`+
		`<numFmts count="4"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>`+
		`<numFmt numFmtId="177" formatCode="yyyy/m/d h:mm"/><numFmt numFmtId="178" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>`+
		`<numFmt numFmtId="179" formatCode="[$-804]yyyy\-mm\-dd;@"/></numFmts>`+
		`<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>`+
		`<fills count="1"><fill><patternFill patternType="none"/></fill></fills>`+
		`<borders count="1"><border/></borders>`+
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`+
		`<cellXfs count="10"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`+
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="177" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="31" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="178" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="179" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`</cellXfs></styleSheet>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unzipPart returns one part of a zip.
func unzipPart(t testing.TB, b []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			data, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
	}
	t.Fatalf("no part %s", name)
	return ""
}
