package sheet

import (
	"errors"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"sanbao/internal/apperr"
)

// Format is the kind of file a Reader found.
type Format int

const (
	FormatCSV  Format = iota + 1 // delimited text
	FormatXLSX                   // Office Open XML workbook
)

// String names the format: "CSV" or "XLSX".
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "CSV"
	case FormatXLSX:
		return "XLSX"
	}
	return "unknown"
}

// Limits applied when Options leaves them zero.
const (
	// DefaultMaxUnzippedSize caps the total uncompressed size of an XLSX.
	// A 1,000,000-row register of 15 text columns expands to 1.0 GB as
	// NewXLSXWriter writes it and to 0.6 GB as Excel saves it (shared
	// strings); see the benchmarks. 3 GiB leaves room for wider registers.
	DefaultMaxUnzippedSize int64 = 3 << 30
	// DefaultMaxCompressionRatio caps uncompressed/compressed for any XLSX
	// part larger than 1 MiB. Those registers' worksheets compress about 8
	// times; a zip bomb about 1000 times.
	DefaultMaxCompressionRatio int64 = 200
	// DefaultMaxScan is how many rows FindHeader looks at when given 0.
	DefaultMaxScan = 30
)

// Internal limits: not worth an option each.
const (
	ratioMinSize   = 1 << 20   // parts smaller than this are not ratio-checked
	maxZipEntries  = 10000     // an XLSX has tens of parts
	maxCentralDir  = 16 << 20  // bytes of zip central directory
	maxOtherPart   = 256 << 20 // any part other than worksheets/shared strings, held in memory by excelize
	maxRecordBytes = 4 << 20   // one CSV line or record
)

// inMemoryXLSX: XLSX inputs up to this size that are not files are read
// into memory; larger ones are copied to a temporary file (a variable so
// tests can reach that path).
var inMemoryXLSX int64 = 32 << 20

// Options tunes Open. The zero value is what imports use.
type Options struct {
	// Sheet names the XLSX worksheet to read; "" reads the first visible one.
	Sheet string
	// Comma is the CSV delimiter; 0 detects comma, tab or semicolon from the
	// first lines.
	Comma rune
	// MaxUnzippedSize caps the total uncompressed size of an XLSX
	// (DefaultMaxUnzippedSize when 0).
	MaxUnzippedSize int64
	// MaxCompressionRatio caps the compression ratio of any XLSX part over
	// 1 MiB (DefaultMaxCompressionRatio when 0).
	MaxCompressionRatio int64
	// TempDir holds the worksheet XML excelize extracts from large files
	// ("" is the system default).
	TempDir string
}

func (o Options) withDefaults() Options {
	if o.MaxUnzippedSize <= 0 {
		o.MaxUnzippedSize = DefaultMaxUnzippedSize
	}
	if o.MaxCompressionRatio <= 0 {
		o.MaxCompressionRatio = DefaultMaxCompressionRatio
	}
	return o
}

// Row is one non-empty row of the file.
type Row struct {
	// Num is the 1-based row number in the original file, as Excel shows it
	// (title rows, blank rows and the header row count).
	Num int
	// Cells are the values, trimmed of surrounding white space (including
	// full-width spaces and NBSP). After FindHeader, rows shorter than the
	// header are padded with "".
	Cells []string
	hdr   *Header
}

// Get returns the value of the column with key, "" when the header has no
// such column (or FindHeader was not called).
func (r Row) Get(key string) string {
	if r.hdr == nil {
		return ""
	}
	i, ok := r.hdr.Index[key]
	if !ok || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Progress tells how far a Reader has got.
type Progress struct {
	Rows  int   // rows returned so far, header and title rows included
	Done  int64 // bytes consumed (CSV) or rows read (XLSX)
	Total int64 // file size (CSV) or the sheet's last row (XLSX); 0 if unknown
}

// Percent is Done/Total in whole percent, 0 when Total is unknown.
func (p Progress) Percent() int {
	if p.Total <= 0 {
		return 0
	}
	if p.Done >= p.Total {
		return 100
	}
	return int(p.Done * 100 / p.Total)
}

// source is one file format behind a Reader.
type source interface {
	// next returns the next row number and its trimmed cells, or io.EOF.
	next() (int, []string, error)
	progress() (done, total int64)
	close() error
}

// Reader streams the rows of one spreadsheet. It is not safe for concurrent
// use.
type Reader struct {
	src     source
	format  Format
	sheet   string
	header  *Header
	pending []Row
	rows    int
	err     error
	closers []func() error
}

// OpenFile opens the spreadsheet at path; see Open.
func OpenFile(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, apperr.Wrap(err, "open %s", path)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, apperr.Wrap(err, "stat %s", path)
	}
	r, err := Open(f, st.Size(), opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f.Close)
	return r, nil
}

// Open detects the format of the size bytes in ra and prepares to read them:
// a ZIP is read as XLSX, an OLE2 file (old .xls, .et, or a workbook with a
// password) is refused with advice to save as .xlsx or CSV, other binary
// files are refused, and text is read as CSV. Errors are *apperr.Error with a
// Chinese message (Invalid, or TooLarge for zip bombs). ra must stay readable
// until Close.
func Open(ra io.ReaderAt, size int64, opts Options) (*Reader, error) {
	opts = opts.withDefaults()
	kind, err := sniff(ra, size)
	if err != nil {
		return nil, err
	}
	switch kind {
	case kindZIP:
		src, sheet, err := openXLSX(ra, size, opts)
		if err != nil {
			return nil, err
		}
		return &Reader{src: src, format: FormatXLSX, sheet: sheet}, nil
	default:
		src, err := openCSV(ra, size, opts)
		if err != nil {
			return nil, err
		}
		return &Reader{src: src, format: FormatCSV}, nil
	}
}

// Format reports whether the file is CSV or XLSX.
func (r *Reader) Format() Format { return r.format }

// Encoding names the detected text encoding of a CSV ("UTF-8", "UTF-8 BOM",
// "GB18030", "UTF-16"); "" for XLSX. For a CSV that is pure ASCII so far it
// is "ASCII".
func (r *Reader) Encoding() string {
	if c, ok := r.src.(*csvSource); ok {
		return c.lr.encodingName()
	}
	return ""
}

// SheetName is the XLSX worksheet being read; "" for CSV.
func (r *Reader) SheetName() string { return r.sheet }

// Header is what FindHeader found; nil before.
func (r *Reader) Header() *Header { return r.header }

// Progress reports how far reading has got.
func (r *Reader) Progress() Progress {
	d, t := r.src.progress()
	return Progress{Rows: r.rows, Done: d, Total: t}
}

// Next returns the next non-empty row, or io.EOF after the last one. Rows
// whose cells are all empty are skipped (their numbers still count). Once
// Next has returned an error, it returns the same error again.
func (r *Reader) Next() (Row, error) {
	if len(r.pending) > 0 {
		row := r.pending[0]
		r.pending = r.pending[1:]
		return r.finish(row), nil
	}
	if r.err != nil {
		return Row{}, r.err
	}
	for {
		num, cells, err := r.src.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = asAppErr(err)
			}
			r.err = err
			return Row{}, err
		}
		if allEmpty(cells) {
			continue
		}
		r.rows++
		return r.finish(Row{Num: num, Cells: cells}), nil
	}
}

func (r *Reader) finish(row Row) Row {
	row.hdr = r.header
	if r.header != nil && len(row.Cells) < len(r.header.Cells) {
		cells := make([]string, len(r.header.Cells))
		copy(cells, row.Cells)
		row.Cells = cells
	}
	return row
}

// Close releases temporary files and the file opened by OpenFile.
func (r *Reader) Close() error {
	err := r.src.close()
	for _, c := range r.closers {
		if e := c(); err == nil {
			err = e
		}
	}
	r.closers = nil
	return err
}

// asAppErr keeps application errors and wraps anything else as a Chinese
// "could not read" error (a read failure on a file mid-way is the user's
// file most of the time, not our bug).
func asAppErr(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "文件读取失败，文件可能已损坏或不完整，请重新保存后再上传", Err: err}
}

// trimCell trims white space (including U+3000 and NBSP), zero-width
// spaces and stray byte-order marks around a cell value.
func trimCell(s string) string {
	if s == "" {
		return s
	}
	// Most cells have nothing to trim: their first and last characters
	// tell, without decoding the rest (a million rows, twenty cells each).
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if !isTrimmed(first) && !isTrimmed(last) {
		return s
	}
	return strings.TrimFunc(s, isTrimmed)
}

func isTrimmed(r rune) bool {
	switch {
	case r > ' ' && r < 0x7f, r >= 0x3001 && r < 0xfeff, r > 0xfeff:
		return false // printable ASCII, CJK and everything after: never white space
	}
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u200e' || r == '\u200f'
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}
