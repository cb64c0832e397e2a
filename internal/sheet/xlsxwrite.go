package sheet

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"sanbao/internal/apperr"
)

// DefaultMaxRows is Excel's limit of rows per worksheet. An XLSXWriter
// continues on a new worksheet when it is reached.
const DefaultMaxRows = excelize.TotalRows

// sampleRows is how many data rows the writer holds back to size columns.
const sampleRows = 100

// Column widths, in Excel's units (about one Latin character; a Chinese
// character takes two).
const (
	minColWidth = 6
	maxColWidth = 50
)

// LineStyle is the look of a free-form line.
type LineStyle int

const (
	Plain LineStyle = iota // ordinary text, left-aligned
	Title                  // large, bold, centred: the table's title
	Note                   // smaller, wrapped: notes under the table
)

// Span is a range of columns merged into one cell within a line: 0-based and
// inclusive; To < 0 means the table's last column.
type Span struct{ From, To int }

// Line is a free-form row above the header (a title, "专班：… 牵头单位：…")
// or below the table (notes, signatures).
type Line struct {
	Cells []string // values from column A on
	Spans []Span   // merged ranges
	Style LineStyle
}

// TitleLine is a title merged across the table.
func TitleLine(text string) Line {
	return Line{Cells: []string{text}, Spans: []Span{{0, -1}}, Style: Title}
}

// NoteLine is a note merged across the table, wrapped.
func NoteLine(text string) Line {
	return Line{Cells: []string{text}, Spans: []Span{{0, -1}}, Style: Note}
}

// Writer is what both spreadsheet writers do.
type Writer interface {
	WriteRow(cells []string) error
	Close() error
}

// XLSXWriter streams a table into an XLSX workbook: optional lines above,
// the header (bold, frozen), the rows, optional lines below. Every value is
// written as a text cell, so nothing ever runs as a formula and long
// numbers (ID numbers) keep all their digits. The workbook is written to w
// on Close; until then rows go to a temporary file, not memory.
type XLSXWriter struct {
	w      io.Writer
	f      *excelize.File
	base   string
	header []string
	// maxRows is the row limit per worksheet (DefaultMaxRows; tests lower it).
	maxRows int

	sw      *excelize.StreamWriter
	sheetNo int
	row     int // last row written on the current worksheet
	started bool
	sample  [][]string
	above   []Line
	below   []Line
	widths  []float64
	vals    []any
	rows    int // data rows written
	closed  bool
	err     error

	st          styles
	rowStyle    int             // style of data rows (0: the text column style)
	colStyle    map[int]int     // style of data cells per column, unless rowStyle
	headerStyle []int           // per-column header style (template: required in red)
	minWidth    map[int]float64 // per-column minimum width
	extra       func(*excelize.File) error
}

type styles struct {
	text, header, title, plain, note int
}

// NewXLSXWriter starts a workbook whose first worksheet is named sheetName
// (made valid for Excel: at most 31 characters, no []:*?/\) with header as
// its header row.
func NewXLSXWriter(w io.Writer, sheetName string, header []string) (*XLSXWriter, error) {
	if len(header) == 0 {
		return nil, errors.New("sheet: empty header")
	}
	f := excelize.NewFile()
	x := &XLSXWriter{w: w, f: f, base: SheetName(sheetName), header: append([]string(nil), header...), maxRows: DefaultMaxRows}
	// Stream the zip to w instead of building it in memory first.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	var err error
	if x.st, err = newStyles(f); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
	}
	defs := []*excelize.Style{
		{NumFmt: 49},
		{NumFmt: 49, Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		{NumFmt: 49, Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "center"}},
		{NumFmt: 49, Font: &excelize.Font{Size: 10},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
	}
	ids := make([]int, len(defs))
	for i, d := range defs {
		id, err := f.NewStyle(d)
		if err != nil {
			return styles{}, err
		}
		ids[i] = id
	}
	return styles{text: ids[0], header: ids[1], title: ids[2], plain: ids[3], note: ids[4]}, nil
}

// SheetName makes name a valid worksheet name: the characters Excel forbids
// become "_", at most 31 characters, "Sheet1" when empty.
func SheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	name = strings.Trim(name, "'")
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if name == "" {
		return "Sheet1"
	}
	return name
}

// Above adds a line above the header. Call it before the first WriteRow.
// Lines above are repeated on every worksheet the table continues on.
func (x *XLSXWriter) Above(l Line) error {
	if x.started || len(x.sample) > 0 {
		return errors.New("sheet: Above after WriteRow")
	}
	x.above = append(x.above, l)
	return nil
}

// Below adds a line under the table, written by Close.
func (x *XLSXWriter) Below(l Line) error {
	if x.closed {
		return errors.New("sheet: Below after Close")
	}
	x.below = append(x.below, l)
	return nil
}

// Rows is the number of data rows written so far.
func (x *XLSXWriter) Rows() int { return x.rows + len(x.sample) }

// WriteRow writes one data row. Values are written as text, as given.
func (x *XLSXWriter) WriteRow(cells []string) error {
	if x.err != nil {
		return x.err
	}
	if x.closed {
		return errors.New("sheet: WriteRow after Close")
	}
	if !x.started {
		if len(x.sample) < sampleRows {
			x.sample = append(x.sample, append([]string(nil), cells...))
			return nil
		}
		if x.err = x.begin(); x.err != nil {
			return x.err
		}
	}
	x.err = x.put(cells)
	return x.err
}

// begin sizes the columns from the header and the held-back rows, then
// starts the first worksheet.
func (x *XLSXWriter) begin() error {
	x.started = true
	n := len(x.header)
	for _, r := range x.sample {
		n = max(n, len(r))
	}
	x.widths = make([]float64, n)
	grow := func(i int, s string) {
		if i < n {
			x.widths[i] = max(x.widths[i], float64(displayWidth(s)+2))
		}
	}
	for i, h := range x.header {
		grow(i, h)
	}
	for _, r := range x.sample {
		for i, c := range r {
			grow(i, c)
		}
	}
	for i := range x.widths {
		x.widths[i] = min(max(x.widths[i], minColWidth, x.minWidth[i]), maxColWidth)
	}
	if err := x.startSheet(); err != nil {
		return err
	}
	for _, r := range x.sample {
		if err := x.put(r); err != nil {
			return err
		}
	}
	x.sample = nil
	return nil
}

// startSheet opens the next worksheet and writes the lines above and the
// header.
func (x *XLSXWriter) startSheet() error {
	x.sheetNo++
	name := x.base
	if x.sheetNo == 1 {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else {
		suffix := "-" + strconv.Itoa(x.sheetNo)
		if r := []rune(name); len(r)+len([]rune(suffix)) > 31 {
			name = string(r[:31-len(suffix)])
		}
		name += suffix
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw, x.row = sw, 0
	for i, wd := range x.widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	// Style last: excelize then lists the <col> elements in ascending
	// order, as Excel requires.
	if err := sw.SetColStyle(1, len(x.widths), x.st.text); err != nil {
		return err
	}
	headerRow := len(x.above) + 1
	if headerRow+1 > x.maxRows {
		return errors.New("sheet: no room for rows under the header")
	}
	top, _ := excelize.CoordinatesToCellName(1, headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for _, l := range x.above {
		if err := x.line(l); err != nil {
			return err
		}
	}
	vals := make([]any, len(x.header))
	for i, h := range x.header {
		s := x.st.header
		if i < len(x.headerStyle) && x.headerStyle[i] != 0 {
			s = x.headerStyle[i]
		}
		vals[i] = excelize.Cell{StyleID: s, Value: h}
	}
	x.row++
	return sw.SetRow(cellName(1, x.row), vals, excelize.RowOpts{Height: 20})
}

// put writes a data row, continuing on a new worksheet when this one is full.
func (x *XLSXWriter) put(cells []string) error {
	if x.row >= x.maxRows {
		if err := x.sw.Flush(); err != nil {
			return err
		}
		if err := x.startSheet(); err != nil {
			return err
		}
	}
	x.vals = x.vals[:0]
	for i, c := range cells {
		switch {
		case x.rowStyle != 0:
			x.vals = append(x.vals, excelize.Cell{StyleID: x.rowStyle, Value: c})
		case x.colStyle[i] != 0:
			x.vals = append(x.vals, excelize.Cell{StyleID: x.colStyle[i], Value: c})
		default:
			x.vals = append(x.vals, c)
		}
	}
	x.row++
	x.rows++
	return x.sw.SetRow(cellName(1, x.row), x.vals)
}

// line writes a free-form line at the next row.
func (x *XLSXWriter) line(l Line) error {
	style, height := x.st.plain, 0.0
	switch l.Style {
	case Title:
		style, height = x.st.title, 32
	case Note:
		style = x.st.note
	}
	last := len(x.widths) - 1
	n := len(l.Cells)
	for _, sp := range l.Spans {
		to := sp.To
		if to < 0 {
			to = last
		}
		n = max(n, to+1)
	}
	vals := make([]any, n)
	for i := range vals {
		v := ""
		if i < len(l.Cells) {
			v = l.Cells[i]
		}
		vals[i] = excelize.Cell{StyleID: style, Value: v}
	}
	x.row++
	for _, sp := range l.Spans {
		to := sp.To
		if to < 0 {
			to = last
		}
		if to <= sp.From || sp.From < 0 {
			continue
		}
		if err := x.sw.MergeCell(cellName(sp.From+1, x.row), cellName(to+1, x.row)); err != nil {
			return err
		}
		if l.Style == Note && sp.From < len(l.Cells) {
			// Excel does not grow merged rows to fit; estimate the height.
			var w float64
			for i := sp.From; i <= to && i < len(x.widths); i++ {
				w += x.widths[i]
			}
			lines := 0
			for _, part := range strings.Split(l.Cells[sp.From], "\n") {
				lines += 1 + int(float64(displayWidth(part))/max(w, 1))
			}
			height = max(height, min(float64(lines)*14, 409))
		}
	}
	if height > 0 {
		return x.sw.SetRow(cellName(1, x.row), vals, excelize.RowOpts{Height: height})
	}
	return x.sw.SetRow(cellName(1, x.row), vals)
}

// Close writes the lines below, finishes the workbook and writes it to w.
// It does not close w.
func (x *XLSXWriter) Close() error {
	if x.closed {
		return x.err
	}
	x.closed = true
	defer x.f.Close()
	if x.err != nil {
		return x.err
	}
	if !x.started {
		if x.err = x.begin(); x.err != nil {
			return x.err
		}
	}
	for _, l := range x.below {
		if x.row >= x.maxRows {
			if x.err = x.sw.Flush(); x.err != nil {
				return x.err
			}
			if x.err = x.startSheet(); x.err != nil {
				return x.err
			}
		}
		if x.err = x.line(l); x.err != nil {
			return x.err
		}
	}
	if x.err = x.sw.Flush(); x.err != nil {
		return x.err
	}
	if x.extra != nil {
		if x.err = x.extra(x.f); x.err != nil {
			return x.err
		}
	}
	// The first worksheet is the active one already. (Setting it again
	// would make excelize read every streamed worksheet back into memory
	// and encode it anew: for a county's register, most of the export.)
	if x.err = x.f.Write(x.w); x.err != nil {
		x.err = apperr.Wrap(x.err, "write xlsx")
	}
	return x.err
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// displayWidth approximates the width of s in Excel's units: wide (Chinese)
// characters count two. For several lines, the widest counts.
func displayWidth(s string) int {
	best, n := 0, 0
	for _, r := range s {
		if r == '\n' {
			best, n = max(best, n), 0
			continue
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return max(best, n)
}
