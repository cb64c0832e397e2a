package sheet

import (
	"archive/zip"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/apperr"
)

// unzipXMLInMemory is excelize's threshold above which a worksheet or the
// shared strings are extracted to a temporary file instead of memory.
const unzipXMLInMemory = 16 << 20

func errCorruptXLSX(err error) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Excel 文件不完整或已损坏（可能没有上传完整），无法读取。请在 Excel 或 WPS 中打开确认无误后重新保存，再上传", Err: err}
}

func errZipBomb(format string, args ...any) error {
	return apperr.New(apperr.TooLarge, "Excel 文件解压后过大，系统拒绝读取："+format+"。如确是正常的表格，请删除多余的工作表、图片和空白格式后重新保存，或分成几个文件上传", args...)
}

// guardZip checks an XLSX's zip directory before anything is expanded: the
// number of parts, their declared sizes and compression ratios. Go's
// archive/zip refuses to inflate a part beyond its declared size, so the
// declared sizes are binding.
func guardZip(ra io.ReaderAt, size int64, opts Options) (*zip.Reader, error) {
	entries, dirSize, err := zipDirectory(ra, size)
	if err != nil {
		return nil, errCorruptXLSX(err)
	}
	if entries > maxZipEntries || dirSize > maxCentralDir {
		return nil, errZipBomb("文件包含 %d 个部件", entries)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errCorruptXLSX(err)
	}
	var total uint64
	workbook := false
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		total += u
		if total > uint64(opts.MaxUnzippedSize) {
			return nil, errZipBomb("解压后超过 %s", humanBytes(opts.MaxUnzippedSize))
		}
		if u > ratioMinSize && (c == 0 || u/c > uint64(opts.MaxCompressionRatio)) {
			return nil, errZipBomb("部件“%s”的压缩比超过 %d 倍", f.Name, opts.MaxCompressionRatio)
		}
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		big := strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
		if !big && u > maxOtherPart {
			return nil, errZipBomb("部件“%s”解压后超过 %s", f.Name, humanBytes(maxOtherPart))
		}
		if name == "xl/workbook.xml" {
			workbook = true
		}
	}
	if !workbook {
		return nil, notWorkbook(zr)
	}
	return zr, nil
}

// notWorkbook explains a zip that is not an Excel workbook.
func notWorkbook(zr *zip.Reader) error {
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case "content.xml":
			return apperr.New(apperr.Invalid, "这是 OpenDocument（.ods）表格，系统无法直接读取。请在 WPS、Excel 或 LibreOffice 中“另存为” Excel 工作簿（.xlsx）或 CSV 文件再上传")
		case "word/document.xml":
			return apperr.New(apperr.Invalid, "这是 Word 文档，不是电子表格。请上传 Excel（.xlsx）或 CSV 文件")
		}
	}
	return apperr.New(apperr.Invalid, "这是压缩包，不是 Excel 工作簿。请解压后上传其中的 Excel（.xlsx）或 CSV 文件")
}

// zipDirectory reads the end-of-central-directory record (and its ZIP64
// form) to learn the number of entries and the directory's size before
// archive/zip allocates a File for each entry.
func zipDirectory(ra io.ReaderAt, size int64) (entries, dirSize uint64, err error) {
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment)
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	i := -1
	for j := len(buf) - eocdLen; j >= 0; j-- {
		if binary.LittleEndian.Uint32(buf[j:]) == 0x06054b50 {
			i = j
			break
		}
	}
	if i < 0 {
		return 0, 0, zip.ErrFormat
	}
	e := buf[i:]
	entries = uint64(binary.LittleEndian.Uint16(e[10:]))
	dirSize = uint64(binary.LittleEndian.Uint32(e[12:]))
	if entries != 0xFFFF && dirSize != 0xFFFFFFFF {
		return entries, dirSize, nil
	}
	// ZIP64: a locator sits just before the record.
	locAt := size - tail + int64(i) - 20
	if locAt < 0 {
		return 0, 0, zip.ErrFormat
	}
	loc := make([]byte, 20)
	if _, err := ra.ReadAt(loc, locAt); err != nil || binary.LittleEndian.Uint32(loc) != 0x07064b50 {
		return 0, 0, zip.ErrFormat
	}
	recAt := binary.LittleEndian.Uint64(loc[8:])
	rec := make([]byte, 56)
	if recAt > uint64(size) {
		return 0, 0, zip.ErrFormat
	}
	if _, err := ra.ReadAt(rec, int64(recAt)); err != nil || binary.LittleEndian.Uint32(rec) != 0x06064b50 {
		return 0, 0, zip.ErrFormat
	}
	return binary.LittleEndian.Uint64(rec[32:]), binary.LittleEndian.Uint64(rec[40:]), nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GB"
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

// xlsxSource reads rows of one worksheet with the fast reader (see
// xlsxfast.go) or, for files it does not handle, with excelize's streaming
// row iterator. The fast reader streams the worksheet out of the zip, and
// excelize extracts large worksheets to temporary files, so memory stays
// bounded whatever the row count.
type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	sheet string
	num   int
	total int64
	tmp   string     // our own copy of a non-file input, removed on close
	tail  *tailCheck // nil when the worksheet's part was not found

	fast *fastSheet    // nil when excelize reads the rows
	wb   *fastWorkbook // the fast reader's workbook
	seed maphash.Seed
	sum  uint64 // checksum of the rows the fast reader returned
	// The input, for excelize to take over from the fast reader.
	ra   io.ReaderAt
	size int64
	opts Options
	copy *os.File // the temporary copy (tmp) the fast reader reads
}

func openXLSX(ra io.ReaderAt, size int64, opts Options) (*xlsxSource, string, error) {
	zr, err := guardZip(ra, size, opts)
	if err != nil {
		return nil, "", err
	}
	if xlsxFastPath {
		if src := openFastXLSX(ra, size, zr, opts); src != nil {
			return src, src.sheet, nil
		}
	}
	src := &xlsxSource{}
	src.f, src.tmp, err = openExcelize(ra, size, excelizeOptions(opts))
	if err != nil {
		if src.tmp != "" {
			os.Remove(src.tmp)
		}
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return nil, "", err
		}
		return nil, "", errCorruptXLSX(err)
	}
	sheet, err := pickSheet(src.f, opts.Sheet)
	if err != nil {
		src.close()
		return nil, "", err
	}
	normalizeDateStyles(src.f)
	if ref, err := src.f.GetSheetDimension(sheet); err == nil {
		src.total = dimensionRows(ref)
	}
	if src.rows, err = src.f.Rows(sheet); err != nil {
		src.close()
		return nil, "", errCorruptXLSX(err)
	}
	src.sheet = sheet
	if part := sheetPart(zr, sheet); part != nil {
		src.tail = startTailCheck(part)
	}
	return src, sheet, nil
}

// openFastXLSX prepares the fast reader, or returns nil when excelize
// should read the file.
func openFastXLSX(ra io.ReaderAt, size int64, zr *zip.Reader, opts Options) *xlsxSource {
	src := &xlsxSource{seed: maphash.MakeSeed(), ra: ra, size: size, opts: opts}
	ok := false
	defer func() {
		if !ok {
			src.close()
		}
	}()
	// A large input that is not a file is read from a temporary copy, as
	// excelize would read it (and will, should it take over).
	name, tmp, err := workbookFile(ra, size, opts.TempDir)
	if src.tmp = tmp; err != nil {
		return nil
	}
	if tmp != "" {
		if src.copy, err = os.Open(name); err != nil {
			return nil
		}
		if zr, err = zip.NewReader(src.copy, size); err != nil {
			return nil
		}
	}
	if src.wb = openFast(zr, opts); src.wb == nil {
		return nil
	}
	if src.fast, err = openFastSheet(src.wb); err != nil {
		return nil
	}
	src.sheet = src.wb.sheet
	src.total = dimensionRows(src.fast.dimension)
	// The fast reader sees the whole part itself: its tail check is done
	// when it reaches the end.
	src.tail = &tailCheck{done: make(chan struct{})}
	ok = true
	return src
}

// dimensionRows is the last row of a worksheet's dimension ("A1:O1001"),
// 0 when it does not tell.
func dimensionRows(ref string) int64 {
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		if _, row, err := excelize.CellNameToCoordinates(ref[i+1:]); err == nil {
			return int64(row)
		}
	}
	return 0
}

// excelizeOptions passes the limits on to excelize too, and asks for ISO
// dates (see normalizeDateStyles).
func excelizeOptions(opts Options) excelize.Options {
	return excelize.Options{
		UnzipSizeLimit:    opts.MaxUnzippedSize,
		UnzipXMLSizeLimit: min(unzipXMLInMemory, opts.MaxUnzippedSize),
		TmpDir:            opts.TempDir,
		ShortDatePattern:  "yyyy-mm-dd",
		CultureInfo:       excelize.CultureNameZhCN,
	}
}

// openExcelize opens the workbook without reading it all into memory:
// excelize.OpenReader would, so a file is reopened by name and any other
// large input is first copied to a temporary file.
func openExcelize(ra io.ReaderAt, size int64, eopts excelize.Options) (*excelize.File, string, error) {
	name, tmp, err := workbookFile(ra, size, eopts.TmpDir)
	if err != nil {
		return nil, tmp, err
	}
	if name == "" {
		ef, err := excelize.OpenReader(io.NewSectionReader(ra, 0, size), eopts)
		return ef, "", err
	}
	ef, err := excelize.OpenFile(name, eopts)
	return ef, tmp, err
}

// workbookFile names the file excelize is to open the input from: the
// input's own file, or for a large input that is not a file a temporary
// copy (also returned as tmp, to be removed). name is "" for a small input
// read in memory.
func workbookFile(ra io.ReaderAt, size int64, tmpDir string) (name, tmp string, err error) {
	if f, ok := ra.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			if st2, err := os.Stat(f.Name()); err == nil && os.SameFile(st, st2) && st.Size() == size {
				return f.Name(), "", nil
			}
		}
	}
	if size <= inMemoryXLSX {
		return "", "", nil
	}
	t, err := os.CreateTemp(tmpDir, "sanbao-xlsx-*.xlsx")
	if err != nil {
		return "", "", apperr.Wrap(err, "temp copy")
	}
	tmp = t.Name()
	_, err = io.Copy(t, io.NewSectionReader(ra, 0, size))
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", tmp, apperr.Wrap(err, "temp copy")
	}
	return tmp, tmp, nil
}

// pickSheet returns want if the workbook has it, else the first visible
// worksheet.
func pickSheet(f *excelize.File, want string) (string, error) {
	list := f.GetSheetList()
	if len(list) == 0 {
		return "", apperr.New(apperr.Invalid, "Excel 文件中没有工作表")
	}
	if want != "" {
		for _, name := range list {
			if name == want {
				return name, nil
			}
		}
		for _, name := range list {
			if strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(want)) {
				return name, nil
			}
		}
		return "", apperr.New(apperr.Invalid, "Excel 文件中没有名为“%s”的工作表（现有：%s）", want, strings.Join(list, "、"))
	}
	for _, name := range list {
		if ok, err := f.GetSheetVisible(name); err == nil && ok {
			return name, nil
		}
	}
	return list[0], nil
}

// normalizeDateStyles prepares the in-memory cell styles for reading (the
// workbook is never saved):
//
//   - a cell formatted as a whole date reads as 2006-01-02, and a date with
//     a time as 2006-01-02 15:04, whatever the display format ("2024年3月5日",
//     "2024/3/5", "[DBNum1]…"): its style points at built-in format 14 (or
//     22), which the ShortDatePattern option renders in ISO form;
//   - partial dates and times keep their display format;
//   - every other cell reads as its stored value, not as displayed: "1234.5"
//     rather than "1,235", and text as text. This also spares excelize
//     parsing a number format for every cell.
func normalizeDateStyles(f *excelize.File) {
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return
	}
	custom := map[int]string{}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			if nf != nil {
				custom[nf.NumFmtID] = nf.FormatCode
			}
		}
	}
	for i := range f.Styles.CellXfs.Xf {
		xf := &f.Styles.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		var kind dateKind
		if code, ok := custom[id]; ok {
			kind = classifyFormat(code)
		} else {
			kind = builtinDateKind(id)
		}
		v := rawFormat
		switch kind {
		case fullDate:
			v = 14
		case fullDateTime:
			v = 22
		case partialDate:
			continue
		}
		xf.NumFmtID = &v
	}
}

// rawFormat is a number format id excelize knows neither as built-in nor as
// custom, so it returns the stored value unformatted.
const rawFormat = -1

type dateKind int

const (
	notDate      dateKind = iota
	fullDate              // year, month and day
	fullDateTime          // a full date with a time
	partialDate           // a time, or a date without year or day
)

// builtinDateKind classifies the built-in formats (with the Chinese
// locale's 27-36 and 50-58).
func builtinDateKind(id int) dateKind {
	switch {
	case id == 14 || id == 15 || id == 30 || id == 31:
		return fullDate
	case id == 22:
		return fullDateTime
	case id >= 16 && id <= 21, id >= 27 && id <= 36, id >= 45 && id <= 47, id >= 50 && id <= 58:
		return partialDate
	}
	return notDate
}

// classifyFormat classifies a custom number format by the date and time
// tokens of its first date section. Literal text ("..."), escaped
// characters and [..] modifiers are skipped.
func classifyFormat(code string) dateKind {
	var y, d, t bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '[':
			if j := strings.IndexByte(code[i+1:], ']'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++
		case 'y', 'Y':
			y = true
		case 'd', 'D':
			d = true
		case 'h', 'H', 's', 'S':
			t = true
		case ';':
			if y || d || t {
				i = len(code) // the first date section decides
			}
		}
	}
	switch {
	case y && d && t:
		return fullDateTime
	case y && d:
		return fullDate
	case y || d || t:
		return partialDate
	}
	return notDate
}

func (x *xlsxSource) next() (int, []string, error) {
	if x.fast != nil {
		cells, err := x.fast.next()
		switch {
		case err == nil:
			x.num++
			for i, c := range cells {
				cells[i] = trimCell(c)
			}
			x.sum = rowSum(x.seed, x.sum, x.num, cells)
			return x.num, cells, nil
		case errors.Is(err, io.EOF):
			if t := x.tail; t.stop.CompareAndSwap(false, true) {
				t.err = x.fast.tailErr
				t.ended, t.lastRow = x.fast.tail.result()
				close(t.done)
			}
			if err := x.checkEnd(); err != nil {
				return 0, nil, err
			}
			return 0, nil, io.EOF
		}
		if err := x.handover(); err != nil {
			return 0, nil, err
		}
	}
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, errCorruptXLSX(err)
		}
		if err := x.checkEnd(); err != nil {
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
	x.num++
	cells, err := x.rows.Columns()
	if err != nil {
		return 0, nil, &apperr.Error{Code: apperr.Invalid, Message: fmt.Sprintf("Excel 文件第%d行无法读取，文件可能已损坏，请重新保存后再上传", x.num), Err: err}
	}
	for i, c := range cells {
		cells[i] = trimCell(c)
	}
	return x.num, cells, nil
}

// checkEnd makes sure the iterator stopped at the end of the worksheet:
// excelize's iterator ends quietly at malformed XML, which would import
// half a file.
func (x *xlsxSource) checkEnd() error {
	if x.tail == nil {
		return nil
	}
	<-x.tail.done
	t := x.tail
	if t.err != nil {
		return errCorruptXLSX(t.err)
	}
	return x.endError(t.ended, t.lastRow)
}

// endError refuses a worksheet whose XML does not end with </sheetData>
// after its last row.
func (x *xlsxSource) endError(ended bool, lastRow int) error {
	if !ended || lastRow > x.num {
		return &apperr.Error{Code: apperr.Invalid,
			Message: fmt.Sprintf("Excel 文件已损坏：工作表“%s”第%d行附近的内容无法读取。请在 Excel 或 WPS 中打开确认无误后重新保存，再上传", x.sheet, x.num),
			Err:     fmt.Errorf("sheet XML ends=%v, last row %d, read %d", ended, lastRow, x.num)}
	}
	return nil
}

// handover lets excelize go on where the fast reader stopped: it opens the
// workbook, reads the rows already returned again and makes sure they are
// the same.
func (x *xlsxSource) handover() error {
	part := x.wb.part
	x.fast.close()
	x.wb.close()
	x.fast, x.wb = nil, nil
	var err error
	if x.tmp != "" {
		x.f, err = excelize.OpenFile(x.tmp, excelizeOptions(x.opts))
	} else {
		x.f, x.tmp, err = openExcelize(x.ra, x.size, excelizeOptions(x.opts))
	}
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return err
		}
		return errCorruptXLSX(err)
	}
	normalizeDateStyles(x.f)
	if x.rows, err = x.f.Rows(x.sheet); err != nil {
		return errCorruptXLSX(err)
	}
	x.tail = startTailCheck(part)
	var sum uint64
	for n := 1; n <= x.num; n++ {
		if !x.rows.Next() {
			return errCorruptXLSX(fmt.Errorf("excelize ends at row %d of %d", n, x.num))
		}
		cells, err := x.rows.Columns()
		if err != nil {
			return errCorruptXLSX(fmt.Errorf("excelize fails at row %d: %w", n, err))
		}
		for i, c := range cells {
			cells[i] = trimCell(c)
		}
		sum = rowSum(x.seed, sum, n, cells)
	}
	if sum != x.sum {
		return errCorruptXLSX(fmt.Errorf("excelize reads the first %d rows differently", x.num))
	}
	return nil
}

// rowSum adds a row to a running checksum of rows.
func rowSum(seed maphash.Seed, sum uint64, num int, cells []string) uint64 {
	const prime = 0x100000001b3
	sum = (sum ^ uint64(num)) * prime
	sum = (sum ^ uint64(len(cells))) * prime
	for _, c := range cells {
		sum = (sum ^ maphash.String(seed, c)) * prime
	}
	return sum
}

// tailWindowSize: a tail window keeps the last 64 to 128 KiB of a part.
const tailWindowSize = 64 << 10

// tailWindow keeps the end of a stream written to it.
type tailWindow struct {
	buf []byte
	n   int
}

func newTailWindow() *tailWindow {
	return &tailWindow{buf: make([]byte, 2*tailWindowSize)}
}

func (w *tailWindow) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(w.buf[w.n:], p)
		p = p[k:]
		if w.n += k; w.n == len(w.buf) {
			w.n = copy(w.buf, w.buf[tailWindowSize:])
		}
	}
	return n, nil
}

// result tells whether </sheetData> is near the end, and the number of the
// last <row> there.
func (w *tailWindow) result() (ended bool, lastRow int) {
	tail := w.buf[:w.n]
	ended = reSheetEnd.Match(tail)
	if all := reLastRow.FindAllSubmatch(tail, -1); len(all) > 0 {
		lastRow, _ = strconv.Atoi(string(all[len(all)-1][1]))
	}
	return ended, lastRow
}

// tailCheck inflates a worksheet part in the background (in parallel with
// the rows being read) and keeps its last bytes: the number of the last
// <row> and whether </sheetData> closes it.
type tailCheck struct {
	done    chan struct{}
	stop    atomic.Bool
	lastRow int
	ended   bool
	err     error
}

var (
	reLastRow  = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?row\s[^>]*?\br="(\d+)"`)
	reSheetEnd = regexp.MustCompile(`</(?:[A-Za-z0-9_]+:)?sheetData>`)
	errStopped = errors.New("stopped")
)

func startTailCheck(part *zip.File) *tailCheck {
	t := &tailCheck{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		rc, err := part.Open()
		if err != nil {
			t.err = err
			return
		}
		defer rc.Close()
		w := newTailWindow()
		for {
			if t.stop.Load() {
				t.err = errStopped
				return
			}
			m, err := rc.Read(w.buf[w.n:])
			if w.n += m; w.n == len(w.buf) {
				w.n = copy(w.buf, w.buf[tailWindowSize:])
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.err = err
				return
			}
		}
		t.ended, t.lastRow = w.result()
	}()
	return t
}

// sheetPart finds the zip entry of the named worksheet through the workbook
// and its relationships; nil when it cannot tell.
func sheetPart(zr *zip.Reader, sheet string) *zip.File {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))] = f
	}
	decode := func(name string, v any) bool {
		f := files[name]
		if f == nil {
			return false
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v) == nil
	}
	var wb struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if !decode("xl/workbook.xml", &wb) || !decode("xl/_rels/workbook.xml.rels", &rels) {
		return nil
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, a := range s.Attrs {
			if a.Name.Local != "id" || !strings.Contains(a.Name.Space, "relationships") {
				continue
			}
			for _, r := range rels.Rels {
				if r.ID != a.Value {
					continue
				}
				target := strings.TrimPrefix(r.Target, "./")
				if strings.HasPrefix(target, "/") {
					target = target[1:]
				} else {
					target = "xl/" + target
				}
				return files[strings.ToLower(target)]
			}
		}
	}
	return nil
}

func (x *xlsxSource) progress() (int64, int64) {
	if x.total < int64(x.num) || x.total <= 1 {
		return int64(x.num), 0
	}
	return int64(x.num), x.total
}

func (x *xlsxSource) close() error {
	var err error
	if x.tail != nil {
		x.tail.stop.Store(true)
		if x.fast == nil { // a background check
			<-x.tail.done
		}
		x.tail = nil
	}
	if x.fast != nil {
		x.fast.close()
		x.fast = nil
	}
	if x.wb != nil {
		x.wb.close()
		x.wb = nil
	}
	if x.rows != nil {
		x.rows.Close()
		x.rows = nil
	}
	if x.f != nil {
		err = x.f.Close()
		x.f = nil
	}
	if x.copy != nil {
		x.copy.Close()
		x.copy = nil
	}
	if x.tmp != "" {
		if e := os.Remove(x.tmp); err == nil && !os.IsNotExist(e) {
			err = e
		}
		x.tmp = ""
	}
	return err
}
