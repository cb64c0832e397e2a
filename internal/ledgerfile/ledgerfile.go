// Package ledgerfile writes and reads the ledger's workbooks: the official
// template of 002 附件1 (问题排查整改台账) for export and import, the error
// workbook of a refused import, and the weekly dispatch bulletin
// (每周调度通报). What goes in the cells is package ledger's (ToRow,
// ParseRow, Header, FillingNotes); the files are package sheet's (streamed
// XLSX, every value a text cell that never runs as a formula).
//
// # The template as written
//
//	row 1  刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账 (title, merged A:J)
//	row 2  专班:… (A:C) · 牵头单位:… (D:F) · (盖章) (G) · 填表人:… (H:I) · 时间:2024年7月20日 (J)
//	row 3  序号 · 对照排查内容排查出的具体问题 · 整改措施 · 整改进展 · 整改时限 · 整改结果 · 牵头单位 · 配合单位 · 责任人 · 备注
//	row 4… one problem a row: the deadline as the date "2024年8月15日前", the result one of the three words,
//	       the problem number at the head of 备注 ("编号:141121-2024-00017")
//	then   填表说明: 1.… 5.… (merged A:J, wrapped)
package ledgerfile

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/ledger"
	"sanbao/internal/sheet"
)

// Rows of the template as written by Export.
const (
	TitleRow  = 1
	HeaderRow = 2 // the header block (专班, 牵头单位, (盖章), 填表人, 时间)
	ColumnRow = 3
	FirstRow  = 4
)

// headerSpans place the five header fields over the ten columns.
var headerSpans = []sheet.Span{{From: 0, To: 2}, {From: 3, To: 5}, {From: 7, To: 8}}

// HeaderCells lays the header block out over the ten columns: 专班 in A,
// 牵头单位 in D, (盖章) in G, 填表人 in H, 时间 in J.
func HeaderCells(h ledger.Header) []string {
	l := h.Lines()
	cells := make([]string, ledger.NumColumns)
	cells[0], cells[3], cells[6], cells[7], cells[9] = l[0], l[1], l[2], l[3], l[4]
	return cells
}

// ColumnLabels are the template's column headings, in order.
func ColumnLabels() []string {
	out := make([]string, len(ledger.Columns))
	for i, c := range ledger.Columns {
		out[i] = c.Label
	}
	return out
}

// Export streams problems into the official template.
type Export struct {
	x   *sheet.XLSXWriter
	seq int
}

// NewExport starts a ledger workbook with its title (ledger.TemplateTitle)
// and header block.
func NewExport(w io.Writer, title string, h ledger.Header) (*Export, error) {
	x, err := sheet.NewXLSXWriter(w, "问题排查整改台账", ColumnLabels())
	if err != nil {
		return nil, err
	}
	if err := x.Above(sheet.TitleLine(title)); err != nil {
		return nil, err
	}
	if err := x.Above(sheet.Line{Cells: HeaderCells(h), Spans: headerSpans}); err != nil {
		return nil, err
	}
	if err := x.Below(sheet.NoteLine(ledger.FillingNotes)); err != nil {
		return nil, err
	}
	return &Export{x: x}, nil
}

// Add writes one problem as the next row (序号 counts from 1).
func (e *Export) Add(p *ledger.Problem) error {
	e.seq++
	return e.x.WriteRow(ledger.ToRow(p, e.seq))
}

// Rows is the number of problems written.
func (e *Export) Rows() int { return e.seq }

// Close writes the filling notes under the table and finishes the workbook.
func (e *Export) Close() error { return e.x.Close() }

// Parsed is a ledger workbook read back: the header block, the rows that
// parsed, and every problem found, each naming its row and field.
type Parsed struct {
	Title     string
	Header    ledger.Header
	ColumnRow int // row number of the column headings in the file
	Rows      []ledger.Row
	Errors    []apperr.FieldError
	cells     map[int][]string // every data row as read, for the error workbook
	lines     []int            // data row numbers in order
}

var reYear = regexp.MustCompile(`(\d{4})\s*年`)

// maxScan is how many rows above the column headings are looked at.
const maxScan = 30

// Read reads a ledger in the official template (XLSX or CSV, as package
// sheet detects): the header block above the column row (in any
// arrangement, see ledger.ParseHeader), the column row checked against the
// template (ledger.CheckColumns), then every row (ledger.ParseRow) up to the
// filling notes. Rows that are only a 序号 (the empty rows of a blank
// template) are skipped. Dates written without a year take the year of the
// title ("…2024年度…"), else defaultYear. A file that is not a spreadsheet
// or has no template column row is an error; problems with rows are
// collected in Parsed.Errors (Err returns them as one error).
func Read(ra io.ReaderAt, size int64, defaultYear int) (*Parsed, error) {
	r, err := sheet.Open(ra, size, sheet.Options{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p := &Parsed{cells: map[int][]string{}}
	var above []string
	found := false
	for i := 0; i < maxScan; i++ {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if ledger.CheckColumns(row.Cells) == nil {
			p.ColumnRow, found = row.Num, true
			break
		}
		for _, c := range row.Cells {
			if c == "" {
				continue
			}
			above = append(above, c)
			if p.Title == "" && strings.Contains(c, "台账") {
				p.Title = c
			}
		}
	}
	if !found {
		return nil, apperr.New(apperr.Invalid, "没有找到台账表头：前%d行中没有一行依次为%s。请使用问题排查整改台账模板（002 附件1）",
			maxScan, strings.Join(ColumnLabels(), "、"))
	}
	year := defaultYear
	if m := reYear.FindStringSubmatch(p.Title); m != nil {
		year, _ = strconv.Atoi(m[1])
	}
	p.Header, err = ledger.ParseHeader(above, year)
	if err != nil {
		for _, fe := range apperr.FieldsOf(err) {
			fe.Row = p.ColumnRow - 1
			p.Errors = append(p.Errors, fe)
		}
	}
	if !p.Header.Date.IsZero() && reYear.FindStringSubmatch(p.Title) == nil {
		year = p.Header.Date.Year()
	}
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if isNotes(row.Cells) {
			break
		}
		if onlySeq(row.Cells) {
			continue
		}
		p.cells[row.Num] = row.Cells
		p.lines = append(p.lines, row.Num)
		pr, err := ledger.ParseRow(row.Cells, row.Num, year)
		if err != nil {
			p.Errors = append(p.Errors, apperr.FieldsOf(err)...)
			continue
		}
		p.Rows = append(p.Rows, pr)
	}
	if len(p.lines) == 0 && len(p.Errors) == 0 {
		p.Errors = append(p.Errors, apperr.FieldError{Row: p.ColumnRow, Field: "rows", Label: "台账", Message: "表头下没有任何问题"})
	}
	return p, nil
}

func isNotes(cells []string) bool {
	return len(cells) > 0 && strings.HasPrefix(strings.TrimSpace(cells[0]), "填表说明")
}

func onlySeq(cells []string) bool {
	for i, c := range cells {
		if i != ledger.ColSeq && strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Err returns the problems found as one Invalid error, or nil.
func (p *Parsed) Err() error {
	if len(p.Errors) == 0 {
		return nil
	}
	return validationError(p.Errors)
}

// maxListed is how many problems a message lists; Fields holds them all.
const maxListed = 20

func validationError(fs []apperr.FieldError) error {
	var parts []string
	for i, f := range fs {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("……共%d处错误，详见错误明细", len(fs)))
			break
		}
		parts = append(parts, f.String())
	}
	return &apperr.Error{Code: apperr.Invalid, Message: strings.Join(parts, "；"), Fields: append([]apperr.FieldError(nil), fs...)}
}

// WriteErrors writes the error workbook of a refused import: each row with
// a problem, with its row number in the file and what is wrong, field by
// field ("「整改时限」不能为空；「整改结果」……"); problems of the file as a
// whole (the header block, the region or dimension of new rows) come first,
// on the row of the column headings. fields are the problems to report
// (Parsed.Errors, or the store's refusal).
func (p *Parsed) WriteErrors(w io.Writer, fields []apperr.FieldError) error {
	rep, err := sheet.NewErrorReport(w, ColumnLabels())
	if err != nil {
		return err
	}
	byRow := map[int][]string{}
	var general []string
	for _, f := range fields {
		msg := f.String()
		if f.Row > 0 {
			msg = strings.TrimPrefix(msg, fmt.Sprintf("第%d行", f.Row))
		}
		if _, ok := p.cells[f.Row]; ok {
			byRow[f.Row] = append(byRow[f.Row], msg)
		} else {
			general = append(general, msg)
		}
	}
	if len(general) > 0 {
		if err := rep.Add(p.ColumnRow, ColumnLabels(), strings.Join(general, "；")); err != nil {
			return err
		}
	}
	for _, n := range p.lines {
		if msgs := byRow[n]; len(msgs) > 0 {
			if err := rep.Add(n, p.cells[n], strings.Join(msgs, "；")); err != nil {
				return err
			}
		}
	}
	return rep.Close()
}
