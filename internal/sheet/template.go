package sheet

import (
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet and column names of generated workbooks.
const (
	notesSheet    = "填写说明"
	reportSheet   = "错误明细"
	ReportRowCol  = "原行号"  // error report: the row number in the imported file
	ReportInfoCol = "错误说明" // error report: what is wrong with the row
)

// WriteTemplate writes the workbook officials download to fill in: a title,
// the header (required columns marked "*" and red), the example rows in grey,
// and a second worksheet "填写说明" with general notes, the caller's notes
// and every column with its accepted names. All cells are text formatted,
// so ID numbers typed in keep their 18 digits. The template reads back
// through FindHeader with the same cols.
func WriteTemplate(w io.Writer, title string, cols []Column, examples [][]string, notes []string) error {
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Label
		if c.Required {
			header[i] += "*"
		}
	}
	name := title
	if name == "" {
		name = "填写模板"
	}
	x, err := NewXLSXWriter(w, name, header)
	if err != nil {
		return err
	}
	required, err := x.f.NewStyle(&excelize.Style{NumFmt: 49,
		Font:      &excelize.Font{Bold: true, Color: "C00000"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{
			{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
			{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1},
		}})
	if err != nil {
		x.f.Close()
		return err
	}
	x.headerStyle = make([]int, len(cols))
	for i, c := range cols {
		if c.Required {
			x.headerStyle[i] = required
		}
	}
	if x.rowStyle, err = x.f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Color: "808080", Italic: true}}); err != nil {
		x.f.Close()
		return err
	}
	x.minWidth = map[int]float64{}
	for i := range cols {
		x.minWidth[i] = 12
	}
	if title != "" {
		if err := x.Above(TitleLine(title)); err != nil {
			return err
		}
	}
	for _, ex := range examples {
		if err := x.WriteRow(ex); err != nil {
			return err
		}
	}
	x.extra = func(f *excelize.File) error { return writeNotes(f, x.st, cols, len(examples) > 0, notes) }
	return x.Close()
}

// writeNotes adds the "填写说明" worksheet.
func writeNotes(f *excelize.File, st styles, cols []Column, examples bool, notes []string) error {
	if _, err := f.NewSheet(notesSheet); err != nil {
		return err
	}
	all := []string{"带“*”的列为必填项。列的顺序可以调整，表头上方可以保留标题行；表头的列名请勿改动（也可使用下表中的其他写法）。"}
	if examples {
		all = append(all, "灰色斜体的行是填写示例，导入前请删除。")
	}
	all = append(all, "单元格已设为文本格式：身份证号等长数字请直接填写，不要改成数值格式，以免后几位变成 0。", "一个工作簿只导入第一个工作表；本“填写说明”工作表不会被导入。")
	all = append(all, notes...)

	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(notesSheet, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(notesSheet, cell, cell, style)
	}
	if err := set("A1", notesSheet, st.title); err != nil {
		return err
	}
	if err := f.MergeCell(notesSheet, "A1", "C1"); err != nil {
		return err
	}
	row := 2
	for i, n := range all {
		row++
		cell := cellName(1, row)
		if err := set(cell, strconv.Itoa(i+1)+". "+n, st.note); err != nil {
			return err
		}
		if err := f.MergeCell(notesSheet, cell, cellName(3, row)); err != nil {
			return err
		}
		lines := 1 + displayWidth(n)/100
		if err := f.SetRowHeight(notesSheet, row, float64(lines)*16); err != nil {
			return err
		}
	}
	row += 2
	for i, h := range []string{"列名", "是否必填", "也可写作"} {
		if err := set(cellName(i+1, row), h, st.header); err != nil {
			return err
		}
	}
	for _, c := range cols {
		row++
		req := ""
		if c.Required {
			req = "必填"
		}
		for i, v := range []string{c.Label, req, strings.Join(c.Aliases, "、")} {
			if err := set(cellName(i+1, row), v, st.plain); err != nil {
				return err
			}
		}
	}
	if err := f.SetColWidth(notesSheet, "A", "A", 24); err != nil {
		return err
	}
	if err := f.SetColWidth(notesSheet, "B", "B", 12); err != nil {
		return err
	}
	return f.SetColWidth(notesSheet, "C", "C", 64)
}

// ErrorReport writes the rows an import refused, as XLSX: the columns
// "原行号" (the row's number in the imported file) and "错误说明" (the
// validator's message) followed by the file's own columns.
type ErrorReport struct {
	x     *XLSXWriter
	cells []string
}

// NewErrorReport starts an error report for a file with header.
func NewErrorReport(w io.Writer, header []string) (*ErrorReport, error) {
	h := append([]string{ReportRowCol, ReportInfoCol}, header...)
	x, err := NewXLSXWriter(w, reportSheet, h)
	if err != nil {
		return nil, err
	}
	red, err := x.f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Color: "C00000"},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		x.f.Close()
		return nil, err
	}
	x.colStyle = map[int]int{1: red}
	x.minWidth = map[int]float64{0: 8, 1: 40}
	if err := x.Above(TitleLine("导入检查未通过：请按“错误说明”改正原文件中对应的行（“原行号”是原文件中的行号）后，重新导入整个文件")); err != nil {
		return nil, err
	}
	return &ErrorReport{x: x}, nil
}

// Add writes one refused row: its number in the original file, its cells
// and what is wrong with it.
func (e *ErrorReport) Add(rowNum int, cells []string, message string) error {
	e.cells = append(append(e.cells[:0], strconv.Itoa(rowNum), message), cells...)
	return e.x.WriteRow(e.cells)
}

// Rows is the number of rows added.
func (e *ErrorReport) Rows() int { return e.x.Rows() }

// Close finishes the workbook and writes it out.
func (e *ErrorReport) Close() error { return e.x.Close() }
