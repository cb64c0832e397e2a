// Package sheet is Sanbao's one file layer for spreadsheets: it reads and
// writes XLSX (through github.com/xuri/excelize/v2) and CSV (UTF-8, UTF-8
// with BOM, GB18030/GBK, UTF-16 with BOM).
//
// Officials keep their registers in Excel, so a whole county (a million
// member rows) must go through in one piece. Reading therefore streams with
// bounded memory, detects the format from the bytes rather than the file
// name, refuses zip bombs before anything is expanded, and reports every
// problem with a Chinese message that names the row. Import validation lives
// elsewhere; this package hands it rows.
//
// Reading:
//
//	r, err := sheet.OpenFile(path, sheet.Options{})
//	defer r.Close()
//	h, err := r.FindHeader(cols, 0) // skips title rows, maps columns by Chinese name
//	for {
//		row, err := r.Next()
//		if err == io.EOF { break }
//		name := row.Get("name")
//	}
//
// Writing: NewXLSXWriter and NewCSVWriter stream rows out; every value is
// written as text and never runs as a formula. WriteTemplate produces the
// workbook officials download to fill in, and NewErrorReport the workbook
// that sends failed rows back with their row numbers and reasons.
package sheet
