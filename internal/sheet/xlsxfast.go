package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The fast reader reads a worksheet's rows by scanning its XML as bytes,
// about twenty times faster than excelize's encoding/xml token loop, and
// returns exactly the cells excelize's row iterator would. It reads the
// markup spreadsheet programs write; for anything else it stops (errOdd)
// and excelize reads the file:
//
//   - what openFast finds unusual before the first row (the workbook's
//     structure, the shared strings, the worksheet's start) makes the whole
//     file go through excelize from the outset;
//   - what fastSheet meets later makes xlsxSource hand over: excelize reads
//     the worksheet from the start, its rows up to the hand-over point are
//     checked against those already returned, and it goes on from there.

// Limits of the fast reader; beyond them excelize reads the file.
const (
	fastWindow        = 256 << 10 // initial XML window
	maxFastUnit       = 16 << 20  // one row or shared string, as XML
	maxSharedStrings  = 256 << 20 // the shared-string part, uncompressed
	maxFormatMemo     = 1 << 16   // values formatted by excelize, remembered
	nsRelationships   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPackageRels     = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsSpreadsheetMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
)

// xlsxFastPath turns the fast reader on (tests compare it with excelize).
var xlsxFastPath = true

// fastWorkbook is what openFast prepares for the fast reader.
type fastWorkbook struct {
	light  *excelize.File // the workbook without worksheets and shared strings
	sheet  string
	part   *zip.File
	sst    []string
	styles []styleKind
	format *numFormatter
}

// openFast prepares the fast reader, or returns nil when excelize should
// read the file.
func openFast(zr *zip.Reader, opts Options) *fastWorkbook {
	eopts := excelizeOptions(opts)
	light, err := openLight(zr, eopts)
	if err != nil {
		return nil
	}
	wb := &fastWorkbook{light: light}
	ok := false
	defer func() {
		if !ok {
			light.Close()
		}
	}()
	if wb.sheet, err = pickSheet(light, opts.Sheet); err != nil {
		return nil
	}
	normalizeDateStyles(light)
	if wb.part = fastSheetPart(zr, wb.sheet); wb.part == nil || sheetPart(zr, wb.sheet) != wb.part {
		return nil
	}
	if wb.styles = styleKinds(light); wb.styles == nil {
		return nil
	}
	if wb.sst, err = loadSharedStrings(zr); err != nil {
		return nil
	}
	props, err := light.GetWorkbookProps()
	if err != nil {
		return nil
	}
	wb.format = &numFormatter{src: light, opts: eopts, date1904: props.Date1904 != nil && *props.Date1904}
	ok = true
	return wb
}

func (wb *fastWorkbook) close() {
	wb.format.close()
	wb.light.Close()
}

// openLight opens the workbook with excelize for what the fast reader needs
// of it (the sheet list, styles, workbook properties), leaving out the
// worksheets, shared strings and media, which excelize would otherwise
// extract in full. Each part left out is still opened, so that a part
// excelize could not open fails here too.
func openLight(zr *zip.Reader, eopts excelize.Options) (*excelize.File, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml" || strings.HasPrefix(name, "xl/media/") {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			rc.Close()
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store}); err != nil {
				return nil, err
			}
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return excelize.OpenReader(&buf, eopts)
}

// fastSheetPart finds the worksheet part of sheet the way excelize does,
// and returns nil for any workbook where the two could differ: another
// workbook path, strict namespaces, duplicate names or ids.
func fastSheetPart(zr *zip.Reader, sheet string) *zip.File {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if files[name] != nil {
			return nil
		}
		files[name] = f
	}
	read := func(name string) []byte {
		f := files[name]
		if f == nil || f.UncompressedSize64 > maxOtherPart {
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil || bytes.Contains(data, []byte("purl.oclc.org")) {
			return nil
		}
		return data
	}
	type rels struct {
		XMLName xml.Name `xml:"Relationships"`
		Rels    []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
			Type   string `xml:"Type,attr"`
		} `xml:"Relationship"`
	}
	var root, wbRels rels
	if err := xml.Unmarshal(read("_rels/.rels"), &root); err != nil || root.XMLName.Space != nsPackageRels {
		return nil
	}
	wbPath := ""
	for _, r := range root.Rels {
		if r.Type == excelize.SourceRelationshipOfficeDocument {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	if wbPath != "xl/workbook.xml" {
		return nil
	}
	if err := xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &wbRels); err != nil || wbRels.XMLName.Space != nsPackageRels {
		return nil
	}
	var wb struct {
		XMLName xml.Name `xml:"workbook"`
		Sheets  []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(read("xl/workbook.xml"), &wb); err != nil || wb.XMLName.Space != nsSpreadsheetMain {
		return nil
	}
	rid, found := "", 0
	for _, s := range wb.Sheets {
		if !strings.EqualFold(s.Name, sheet) {
			continue
		}
		found++
		ids := 0
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space == nsRelationships {
				rid = a.Value
				ids++
			}
		}
		if ids != 1 {
			return nil
		}
	}
	if found != 1 {
		return nil
	}
	target, found := "", 0
	for _, r := range wbRels.Rels {
		if r.ID == rid {
			target = r.Target
			found++
		}
	}
	if found != 1 {
		return nil
	}
	// As excelize's getWorksheetPath.
	p := filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean("xl/"+target), "\\", "/"), "/"))
	if strings.HasPrefix(target, "/") {
		p = filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), "\\", "/"), "/"))
	}
	return files[p]
}

// styleKind is how excelize formats the values of cells with a style, once
// normalizeDateStyles has run.
type styleKind uint8

const (
	styleRaw     styleKind = iota // the stored value
	styleISODate                  // built-in 14 as yyyy-mm-dd; text kept
	styleISOTime                  // built-in 22 as yyyy-mm-dd hh:mm; text kept
	styleDate                     // numbers formatted by excelize; text kept
	styleOther                    // numbers and text formatted by excelize
)

// styleKinds classifies every cell style as excelize's formattedValue
// treats it; nil when the styles are not as expected.
func styleKinds(f *excelize.File) []styleKind {
	if f.Styles == nil {
		return nil
	}
	if f.Styles.CellXfs == nil {
		return []styleKind{}
	}
	custom := map[int]string{}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			if nf == nil {
				return nil
			}
			if _, ok := custom[nf.NumFmtID]; ok {
				continue // excelize takes the first
			}
			custom[nf.NumFmtID] = nf.FormatCode
			if nf.FormatCode16 != "" {
				custom[nf.NumFmtID] = nf.FormatCode16
			}
		}
	}
	kinds := make([]styleKind, len(f.Styles.CellXfs.Xf))
	for i := 1; i < len(kinds); i++ {
		id := 0
		if p := f.Styles.CellXfs.Xf[i].NumFmtID; p != nil {
			id = *p
		}
		if code, ok := custom[id]; ok {
			kinds[i] = styleOther
			// A format without a text section leaves text as it is.
			if !strings.Contains(code, "@") && strings.Count(code, ";") < 3 {
				kinds[i] = styleDate
			}
			continue
		}
		switch {
		case id == 14:
			kinds[i] = styleISODate
		case id == 22:
			kinds[i] = styleISOTime
		case id == rawFormat:
			kinds[i] = styleRaw
		default:
			kinds[i] = styleOther
		}
	}
	return kinds
}

// numFormatter formats values under a style by asking excelize: it sets
// the value on a scratch workbook that shares the styles and date system
// of the one being read, and reads it back. Results are remembered, since
// a register has few distinct dates.
type numFormatter struct {
	src      *excelize.File
	opts     excelize.Options
	date1904 bool
	f        *excelize.File
	memo     [2]map[int]map[string]string // numbers, text
	n        int
	bad      bool
}

// format formats a number (a value excelize's isNumeric accepts).
func (nf *numFormatter) format(style int, v []byte) (string, error) {
	return nf.ask(style, v, false)
}

// text formats a text value (a shared or inline string, or a value
// excelize does not take for a number).
func (nf *numFormatter) text(style int, v string) (string, error) {
	return nf.ask(style, []byte(v), true)
}

func (nf *numFormatter) ask(style int, v []byte, text bool) (string, error) {
	kind := 0
	if text {
		kind = 1
	}
	if m := nf.memo[kind][style]; m != nil {
		if s, ok := m[string(v)]; ok {
			return s, nil
		}
	}
	if nf.bad {
		return "", errOdd
	}
	if nf.f == nil || nf.n >= maxFormatMemo {
		nf.close()
		f := excelize.NewFile(nf.opts)
		f.Styles = nf.src.Styles
		if nf.date1904 {
			yes := true
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
				f.Close()
				nf.bad = true
				return "", errOdd
			}
		}
		nf.f, nf.n = f, 0
		nf.memo = [2]map[int]map[string]string{{}, {}}
	}
	const sheet, cell = "Sheet1", "A1"
	key := string(v)
	var err error
	if text {
		// As a shared string (excelize decodes _xHHHH_ in those), checked
		// to read back as it was.
		err = nf.f.SetCellStr(sheet, cell, strings.ReplaceAll(key, "_x", "_x005F_x"))
		if err == nil {
			var raw string
			if raw, err = nf.f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true}); err == nil && raw != key {
				err = errOdd
			}
		}
	} else {
		err = nf.f.SetCellDefault(sheet, cell, key)
	}
	if err != nil {
		return "", errOdd
	}
	if err := nf.f.SetCellStyle(sheet, cell, cell, style); err != nil {
		return "", errOdd
	}
	s, err := nf.f.GetCellValue(sheet, cell)
	if err != nil {
		return "", errOdd
	}
	m := nf.memo[kind][style]
	if m == nil {
		m = map[string]string{}
		nf.memo[kind][style] = m
	}
	m[key] = s
	nf.n++
	return s, nil
}

func (nf *numFormatter) close() {
	if nf.f != nil {
		nf.f.Close()
		nf.f = nil
	}
}

// isoDate formats a date serial number as excelize does under built-in
// format 14 or 22 with the ShortDatePattern yyyy-mm-dd, for serials after
// 1900-03-01 (before, excelize uses the Julian calendar) up to 9999-12-31;
// ok is false outside that range.
func isoDate(v string, withTime, date1904 bool) (string, bool) {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || !(x > 62 && x < 2958466) {
		return "", false
	}
	// As excelize's timeFromExcelTime.
	whole := int(x)
	epoch := time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	frac := x - float64(whole) + 1e-9
	t := epoch.AddDate(0, 0, whole).Add(time.Duration(float64(24*time.Hour) * frac))
	if t.Nanosecond()/1e6 > 500 {
		t = t.Round(time.Second)
	} else {
		t = t.Truncate(time.Second)
	}
	b := make([]byte, 0, 16)
	b = strconv.AppendInt(b, int64(t.Year()), 10)
	b = append(b, '-', byte('0'+t.Month()/10), byte('0'+t.Month()%10), '-', byte('0'+t.Day()/10), byte('0'+t.Day()%10))
	if withTime {
		b = append(b, ' ', byte('0'+t.Hour()/10), byte('0'+t.Hour()%10), ':', byte('0'+t.Minute()/10), byte('0'+t.Minute()%10))
	}
	return string(b), true
}

// isNumeric is excelize's test for a numeric cell value.
func isNumeric(s string) bool {
	if strings.Contains(s, "_") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// numberText is a numeric cell's stored value as excelize returns it:
// reformatted to at most 15 significant digits unless it is an integer
// that has no more.
func numberText(v []byte) string {
	// Integers of up to 15 digits come back as they are.
	if n := len(v); n > 0 && n <= 15 && (v[0] != '0' || n == 1) {
		digits := true
		for _, c := range v {
			if c < '0' || c > '9' {
				digits = false
				break
			}
		}
		if digits {
			return string(v)
		}
	}
	s := string(v)
	if strings.Contains(s, "_") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	plain := strconv.FormatFloat(f, 'f', -1, 64)
	if len(plain)-strings.Count(plain, ".") > 15 && !withinPrecision(s) {
		return strconv.FormatFloat(f, 'G', 15, 64)
	}
	return plain
}

// withinPrecision is excelize's isNumWithinPrecision: an integer whose
// digits after the 15th are zeros.
func withinPrecision(s string) bool {
	if strings.ContainsAny(s, ".Ee") {
		return false
	}
	s = strings.TrimLeft(s, "+-0")
	return len(strings.TrimRight(s, "0")) <= 15
}

// loadSharedStrings reads the shared-string table as excelize's String
// gives each item. A workbook without one has none.
func loadSharedStrings(zr *zip.Reader) ([]string, error) {
	var part *zip.File
	for _, f := range zr.File {
		if strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/")) == "xl/sharedstrings.xml" {
			if part != nil {
				return nil, errOdd
			}
			part = f
		}
	}
	if part == nil {
		return nil, nil
	}
	if part.UncompressedSize64 > maxSharedStrings {
		return nil, errOdd
	}
	rc, err := part.Open()
	if err != nil {
		return nil, errOdd
	}
	defer rc.Close()
	w := newXMLWindow(rc, fastWindow, maxFastUnit)
	var (
		sst []string
		si  siParser
		tag xmlTag
	)
	switch err := readProlog(w, &tag); {
	case errors.Is(err, io.EOF):
		return nil, nil // nothing but white space: excelize decodes no items either
	case err != nil:
		return nil, err
	}
	if tag.empty || string(tag.local) != "sst" || !namespaceIs(&tag, nsSpreadsheetMain) {
		return nil, errOdd
	}
	for _, a := range tag.attrs {
		switch string(localName(a.name)) {
		case "count":
			if !validInt(attrString(a.val)) {
				return nil, errOdd
			}
		case "uniqueCount":
			v := attrString(a.val)
			if !validInt(v) {
				return nil, errOdd
			}
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 1<<22 {
				sst = make([]string, 0, n)
			}
		}
	}
	root := append([]byte(nil), tag.name...)
	for {
		b := w.bytes()
		i := skipSpace(b, 0)
		var err error
		if i+1 >= len(b) {
			err = errShort
		} else if b[i] != '<' {
			return nil, errOdd
		} else if i, err = scanTag(b, i, &tag); err == nil {
			switch {
			case tag.end:
				if !bytes.Equal(tag.name, root) {
					return nil, errOdd
				}
				w.pos += i
				if !drainMisc(w) {
					return nil, errOdd
				}
				return sst, nil
			case string(tag.local) != "si":
				return nil, errOdd
			case tag.empty:
				sst = append(sst, "")
			default:
				var s string
				if s, i, err = si.parse(b, i, tag.name); err == nil {
					sst = append(sst, s)
				}
			}
		}
		switch {
		case err == nil:
			if bytes.Contains(b[:i], []byte("purl.oclc.org")) {
				return nil, errOdd
			}
			w.pos += i
		case errors.Is(err, errShort) && w.more():
		default:
			return nil, errOdd
		}
	}
}

// readProlog reads a part up to and including its root's start tag, which
// it leaves in tag (pointing into the window: used before the window
// moves). It returns io.EOF for a part of nothing but white space and
// comments.
func readProlog(w *xmlWindow, tag *xmlTag) error {
	for {
		b := w.bytes()
		i, err := skipMisc(b, 0)
		allMisc := err == nil && i == len(b)
		if err == nil {
			switch {
			case len(b)-i < 2:
				err = errShort
			case b[i] != '<':
				return errOdd
			case b[i+1] == '?':
				i, err = scanDecl(b, i)
			default:
				if i, err = scanTag(b, i, tag); err == nil {
					if tag.end || bytes.Contains(b[:i], []byte("purl.oclc.org")) {
						return errOdd
					}
					w.pos += i
					return nil
				}
			}
		}
		switch {
		case err == nil:
			w.pos += i
		case !errors.Is(err, errShort):
			return errOdd
		case !w.more():
			if allMisc && w.eof && w.err == nil {
				return io.EOF
			}
			return errOdd
		}
	}
}

// drainMisc reads the rest of a part, which may hold only white space and
// comments.
func drainMisc(w *xmlWindow) bool {
	for {
		b := w.bytes()
		i, err := skipMisc(b, 0)
		if err == nil && i < len(b) && (w.eof || len(b)-i >= 4) {
			return false
		}
		if err != nil && !errors.Is(err, errShort) {
			return false
		}
		if err == nil {
			w.pos += i
		}
		if !w.more() {
			return w.eof && w.err == nil && w.pos == w.end
		}
	}
}

// namespaceIs reports whether a start tag's element is in namespace ns by
// its own declarations (the root's, where nothing is inherited).
func namespaceIs(t *xmlTag, ns string) bool {
	want := "xmlns"
	if len(t.local) != len(t.name) {
		want = "xmlns:" + string(t.name[:len(t.name)-len(t.local)-1])
	}
	for _, a := range t.attrs {
		if string(a.name) == want {
			return attrString(a.val) == ns
		}
	}
	return false
}

// validInt reports whether encoding/xml would decode s into an int.
func validInt(s string) bool {
	if s == "" {
		return true
	}
	_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return err == nil
}

func validUint32(s string) bool {
	if s == "" {
		return true
	}
	_, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	return err == nil
}

func validBool(s string) bool {
	if s == "" {
		return true
	}
	_, err := strconv.ParseBool(strings.TrimSpace(s))
	return err == nil
}

func validFloat(s string) bool {
	if s == "" {
		return true
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// validAttrs checks the attributes excelize decodes into numbers or
// booleans (kinds: 'i' int, 'u' uint32, 'b' bool, 'f' float), matched by
// local name as encoding/xml matches them.
func validAttrs(t *xmlTag, kinds map[string]byte) bool {
	for _, a := range t.attrs {
		k, ok := kinds[string(localName(a.name))]
		if !ok {
			continue
		}
		v := attrString(a.val)
		switch k {
		case 'i':
			ok = validInt(v)
		case 'u':
			ok = validUint32(v)
		case 'b':
			ok = validBool(v)
		case 'f':
			ok = validFloat(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

var (
	formulaAttrs = map[string]byte{"aca": 'b', "dt2D": 'b', "dtr": 'b', "del1": 'b', "del2": 'b', "ca": 'b', "bx": 'b', "si": 'i'}
	phoneticRun  = map[string]byte{"sb": 'u', "eb": 'u'}
	phoneticPr   = map[string]byte{"fontId": 'i'}
	valString    = map[string]byte{}
	valInt       = map[string]byte{"val": 'i'}
	valBool      = map[string]byte{"val": 'b'}
	valFloat     = map[string]byte{"val": 'f'}
	// runProps are the elements of a rich-text run's properties (excelize's
	// xlsxRPr) and their typed attributes.
	runProps = map[string]map[string]byte{
		"rFont": valString, "charset": valInt, "family": valInt,
		"b": valBool, "i": valBool, "strike": valBool, "outline": valBool,
		"shadow": valBool, "condense": valBool, "extend": valBool,
		"color": {"auto": 'b', "indexed": 'i', "theme": 'i', "tint": 'f'},
		"sz":    valFloat, "u": valString, "vertAlign": valString, "scheme": valString,
	}
)

// siParser reads a string item (<si> in the shared strings, <is> in a
// cell) as excelize's xlsxSI.String gives it: the text of its <t>, then
// of its runs' <t>, with _xHHHH_ escapes decoded. Phonetic runs are left
// out, as excelize does.
type siParser struct {
	t, runs, skip []byte
	tag           xmlTag
}

// parse reads from b[i], just after the start tag named name, through the
// end tag.
func (p *siParser) parse(b []byte, i int, name []byte) (string, int, error) {
	p.t, p.runs = p.t[:0], p.runs[:0]
	var seenT, seenPh bool
	var err error
	for {
		if i = skipSpace(b, i); i >= len(b) {
			return "", 0, errShort
		}
		if b[i] != '<' {
			return "", 0, errOdd
		}
		if i, err = scanTag(b, i, &p.tag); err != nil {
			return "", 0, err
		}
		t := &p.tag
		if t.end {
			if !bytes.Equal(t.name, name) {
				return "", 0, errOdd
			}
			break
		}
		switch string(t.local) {
		case "t":
			if seenT {
				return "", 0, errOdd
			}
			seenT = true
			if !t.empty {
				if p.t, i, err = scanText(p.t, b, i, t.name); err != nil {
					return "", 0, err
				}
			}
		case "r":
			if !t.empty {
				if i, err = p.run(b, i, t.name); err != nil {
					return "", 0, err
				}
			}
		case "rPh":
			if !validAttrs(t, phoneticRun) {
				return "", 0, errOdd
			}
			if !t.empty {
				if i, err = p.phonetic(b, i, t.name); err != nil {
					return "", 0, err
				}
			}
		case "phoneticPr":
			if seenPh || !validAttrs(t, phoneticPr) {
				return "", 0, errOdd
			}
			seenPh = true
			if !t.empty {
				if i, err = closeEmpty(b, i, t.name); err != nil {
					return "", 0, err
				}
			}
		default:
			return "", 0, errOdd
		}
	}
	if len(p.t)+len(p.runs) == 0 {
		return "", i, nil
	}
	var s string
	if len(p.runs) == 0 {
		s = string(p.t)
	} else {
		s = string(p.t) + string(p.runs)
	}
	return bstrUnmarshal(s), i, nil
}

// run reads a rich-text run's content through its end tag.
func (p *siParser) run(b []byte, i int, name []byte) (int, error) {
	var seenT, seenPr bool
	var tag xmlTag
	var err error
	for {
		var end bool
		if i, end, err = childTag(b, i, name, &tag); err != nil || end {
			return i, err
		}
		switch string(tag.local) {
		case "t":
			if seenT {
				return 0, errOdd
			}
			seenT = true
			if !tag.empty {
				if p.runs, i, err = scanText(p.runs, b, i, tag.name); err != nil {
					return 0, err
				}
			}
		case "rPr":
			if seenPr {
				return 0, errOdd
			}
			seenPr = true
			if !tag.empty {
				if i, err = runProperties(b, i, tag.name); err != nil {
					return 0, err
				}
			}
		default:
			return 0, errOdd
		}
	}
}

// phonetic reads a phonetic run (<rPh>), whose text excelize leaves out.
func (p *siParser) phonetic(b []byte, i int, name []byte) (int, error) {
	var seenT bool
	var tag xmlTag
	var err error
	for {
		var end bool
		if i, end, err = childTag(b, i, name, &tag); err != nil || end {
			return i, err
		}
		if string(tag.local) != "t" || seenT {
			return 0, errOdd
		}
		seenT = true
		if !tag.empty {
			if p.skip, i, err = scanText(p.skip[:0], b, i, tag.name); err != nil {
				return 0, err
			}
		}
	}
}

// runProperties checks a run's <rPr> content through its end tag.
func runProperties(b []byte, i int, name []byte) (int, error) {
	var tag xmlTag
	var err error
	for {
		var end bool
		if i, end, err = childTag(b, i, name, &tag); err != nil || end {
			return i, err
		}
		kinds, ok := runProps[string(tag.local)]
		if !ok || !validAttrs(&tag, kinds) {
			return 0, errOdd
		}
		if !tag.empty {
			if i, err = closeEmpty(b, i, tag.name); err != nil {
				return 0, err
			}
		}
	}
}

// closeEmpty reads an element's end tag after nothing but white space.
func closeEmpty(b []byte, i int, name []byte) (int, error) {
	if i = skipSpace(b, i); i >= len(b) {
		return 0, errShort
	}
	if b[i] != '<' {
		return 0, errOdd
	}
	var tag xmlTag
	j, err := scanTag(b, i, &tag)
	if err != nil {
		return 0, err
	}
	if !tag.end || !bytes.Equal(tag.name, name) {
		return 0, errOdd
	}
	return j, nil
}

// childTag reads the next tag inside the element name (only white space
// may come before it): end reports the element's own end tag, after
// which i points.
func childTag(b []byte, i int, name []byte, tag *xmlTag) (int, bool, error) {
	if i = skipSpace(b, i); i >= len(b) {
		return 0, false, errShort
	}
	if b[i] != '<' {
		return 0, false, errOdd
	}
	i, err := scanTag(b, i, tag)
	if err != nil {
		return 0, false, err
	}
	if tag.end {
		if !bytes.Equal(tag.name, name) {
			return 0, false, errOdd
		}
		return i, true, nil
	}
	return i, false, nil
}
