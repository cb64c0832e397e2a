package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"sanbao/internal/apperr"
)

// encMode is the text encoding of a CSV, decided from its bytes.
type encMode int

const (
	encASCII   encMode = iota // only ASCII seen so far: undecided
	encUTF8                   // UTF-8 without BOM
	encUTF8BOM                // UTF-8 with BOM (Excel's "CSV UTF-8")
	encGB18030                // GB18030, a superset of GBK and GB2312
	encUTF16                  // UTF-16 with BOM (Excel's "Unicode text")
)

// decideWindow is how much text, from the first line that is not ASCII,
// decides between UTF-8 and GB18030.
const decideWindow = 256 << 10

// countingReader counts the bytes read from the file, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lineReader turns the raw file into UTF-8 text for encoding/csv, one
// physical line at a time, checking that every line is in the file's
// encoding. It keeps physical line numbers, so errors name the line.
type lineReader struct {
	ra    io.ReaderAt
	size  int64
	base  int64 // file offset where text starts (after a UTF-8 BOM)
	cnt   *countingReader
	br    *bufio.Reader
	mode  encMode
	eol   byte // '\n', or '\r' for files with old Mac line ends
	gb    *encoding.Decoder
	line  int // physical lines delivered
	out   []byte
	acc   []byte
	since int // bytes delivered since mark
	eof   bool
	err   error
}

func (l *lineReader) encodingName() string {
	switch l.mode {
	case encUTF8:
		return "UTF-8"
	case encUTF8BOM:
		return "UTF-8 BOM"
	case encGB18030:
		return "GB18030"
	case encUTF16:
		return "UTF-16"
	}
	return "ASCII"
}

// Read implements io.Reader for encoding/csv.
func (l *lineReader) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.fill()
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

// mark starts counting the bytes of one record.
func (l *lineReader) mark() { l.since = 0 }

// offset is the file offset of the next unread line (meaningful only for
// encodings read byte for byte, i.e. all but UTF-16).
func (l *lineReader) offset() int64 { return l.base + l.cnt.n - int64(l.br.Buffered()) }

func (l *lineReader) readRaw() ([]byte, error) {
	l.acc = l.acc[:0]
	for {
		frag, err := l.br.ReadSlice(l.eol)
		if errors.Is(err, bufio.ErrBufferFull) {
			l.acc = append(l.acc, frag...)
			if len(l.acc) > maxRecordBytes {
				return nil, errRecordTooLong
			}
			continue
		}
		if len(l.acc) > 0 {
			l.acc = append(l.acc, frag...)
			frag = l.acc
		}
		return frag, err
	}
}

// errRecordTooLong stops a line or a record over maxRecordBytes; csvSource
// turns it into a message naming the record's first line.
var errRecordTooLong = errors.New("csv record too long")

// fill reads and checks one physical line.
func (l *lineReader) fill() {
	if l.eof {
		l.err = io.EOF
		return
	}
	off := l.offset()
	raw, err := l.readRaw()
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, errRecordTooLong) {
			l.err = err
		} else {
			l.err = apperr.Wrap(err, "read csv")
		}
		return
	}
	if errors.Is(err, io.EOF) {
		l.eof = true
		if len(raw) == 0 {
			l.err = io.EOF
			return
		}
	}
	l.line++
	if l.since += len(raw); l.since > maxRecordBytes {
		l.err = errRecordTooLong
		return
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		l.err = apperr.New(apperr.Invalid, "CSV 文件第%d行含有空字符（NUL），文件可能已损坏，或不是文本格式的表格", l.line)
		return
	}
	start := len(l.out)
	if l.mode == encASCII && !isASCII(raw) {
		l.decide(off, raw)
	}
	switch l.mode {
	case encUTF8, encUTF8BOM, encUTF16:
		if !utf8.Valid(raw) {
			l.err = apperr.New(apperr.Invalid, "CSV 文件编码不一致：第%d行不是 UTF-8 编码，而前面的内容是 UTF-8。文件可能是由不同编码的内容拼接而成，请在 Excel 或 WPS 中重新“另存为” .xlsx 或 CSV 后再上传", l.line)
			return
		}
		l.out = append(l.out, raw...)
	case encGB18030:
		if isASCII(raw) {
			l.out = append(l.out, raw...)
			break
		}
		if utf8.Valid(raw) && cjkCount(raw) >= 2 {
			l.err = apperr.New(apperr.Invalid, "CSV 文件编码不一致：第%d行是 UTF-8 编码，而前面的内容是 GBK/GB18030 编码。文件可能是由不同编码的内容拼接而成，请在 Excel 或 WPS 中重新“另存为” .xlsx 或 CSV 后再上传", l.line)
			return
		}
		dec, err := l.gb.Bytes(raw)
		if err != nil || bytes.ContainsRune(dec, utf8.RuneError) {
			l.err = apperr.New(apperr.Invalid, "CSV 文件第%d行既不是 UTF-8 也不是 GBK/GB18030 编码（含有无法识别的字节），文件可能已损坏或混用了编码，请重新保存后再上传", l.line)
			return
		}
		l.out = append(l.out, dec...)
	default:
		l.out = append(l.out, raw...)
	}
	if l.eol == '\r' && len(l.out) > start && l.out[len(l.out)-1] == '\r' {
		l.out[len(l.out)-1] = '\n'
	}
}

// decide picks UTF-8 or GB18030 at the first line that is not ASCII. A line
// of valid UTF-8 with Chinese characters in it is UTF-8 (GB18030 text almost
// never is); otherwise a window of text from there decides: UTF-8 if it is
// all valid UTF-8. GB18030 text is valid UTF-8 only by rare accident, and
// never for long.
func (l *lineReader) decide(off int64, line []byte) {
	if utf8.Valid(line) && cjkCount(line) >= 2 {
		l.mode = encUTF8
		return
	}
	buf := make([]byte, decideWindow)
	n, _ := l.ra.ReadAt(buf, off)
	buf = buf[:n]
	if off+int64(n) < l.size {
		if i := bytes.LastIndexByte(buf, l.eol); i >= len(line)-1 {
			buf = buf[:i+1]
		} else {
			buf = line
		}
	}
	if utf8.Valid(buf) {
		l.mode = encUTF8
	} else {
		l.mode = encGB18030
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// cjkCount counts CJK ideographs in UTF-8 text, stopping at 2.
func cjkCount(b []byte) int {
	n := 0
	for len(b) > 0 && n < 2 {
		r, size := utf8.DecodeRune(b)
		if (r >= 0x3400 && r <= 0x9FFF) || (r >= 0xF900 && r <= 0xFAFF) {
			n++
		}
		b = b[size:]
	}
	return n
}

// csvSource reads rows of a CSV file.
type csvSource struct {
	lr      *lineReader
	cr      *csv.Reader
	row     int // Excel row number of the last record
	endLine int // physical line on which the last record ended
}

func openCSV(ra io.ReaderAt, size int64, opts Options) (*csvSource, error) {
	head := make([]byte, min(size, 64<<10))
	n, err := ra.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, apperr.Wrap(err, "read csv head")
	}
	head = head[:n]

	lr := &lineReader{ra: ra, size: size, eol: '\n', gb: simplifiedchinese.GB18030.NewDecoder()}
	var text io.Reader
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		lr.mode, lr.base = encUTF8BOM, int64(len(bomUTF8))
		lr.cnt = &countingReader{r: io.NewSectionReader(ra, lr.base, size-lr.base)}
		text = lr.cnt
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		lr.mode = encUTF16
		lr.cnt = &countingReader{r: io.NewSectionReader(ra, 0, size)}
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		text = transform.NewReader(lr.cnt, dec)
		head, _ = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(head[:len(head)&^1])
	default:
		lr.cnt = &countingReader{r: io.NewSectionReader(ra, 0, size)}
		text = lr.cnt
	}
	if bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		lr.eol = '\r'
	}
	lr.br = bufio.NewReaderSize(text, 64<<10)

	cr := csv.NewReader(lr)
	cr.Comma = opts.Comma
	if cr.Comma == 0 {
		cr.Comma = detectComma(head, lr.eol)
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true // next copies the cells out
	return &csvSource{lr: lr, cr: cr}, nil
}

// detectComma picks the delimiter from the first lines: comma unless tab
// or semicolon clearly splits some line (a title row may not) into more
// fields, at least three.
func detectComma(head []byte, eol byte) rune {
	best, bestN := ',', countFields(head, ',', eol)
	for _, d := range []byte{'\t', ';'} {
		if n := countFields(head, d, eol); n >= 3 && n > bestN {
			best, bestN = rune(d), n
		}
	}
	return best
}

// countFields returns the largest number of fields that d makes on any of
// the first 20 lines of head, honouring quotes.
func countFields(head []byte, d, eol byte) int {
	maxN, n, lines, quoted := 0, 1, 0, false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == d:
			n++
		case c == eol:
			maxN = max(maxN, n)
			if n, lines = 1, lines+1; lines >= 20 {
				return maxN
			}
		}
	}
	return max(maxN, n)
}

func (c *csvSource) next() (int, []string, error) {
	c.lr.mark()
	rec, err := c.cr.Read()
	if errors.Is(c.lr.err, errRecordTooLong) {
		return 0, nil, apperr.New(apperr.Invalid, "CSV 文件第%d行起的内容过长（超过 %d MB，可能是某个单元格的引号没有闭合），请检查该行", c.endLine+1, maxRecordBytes>>20)
	}
	if c.lr.err != nil && !errors.Is(c.lr.err, io.EOF) {
		return 0, nil, c.lr.err
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, &apperr.Error{Code: apperr.Invalid, Message: csvParseMessage(pe), Err: err}
		}
		return 0, nil, err
	}
	line, _ := c.cr.FieldPos(0)
	c.row += line - c.endLine
	last, _ := c.cr.FieldPos(len(rec) - 1)
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	cells := make([]string, len(rec))
	for i, v := range rec {
		cells[i] = trimCell(unescapeCSV(trimCell(v)))
	}
	return c.row, cells, nil
}

func csvParseMessage(pe *csv.ParseError) string {
	return "CSV 文件第" + itoa(pe.Line) + "行格式有误（引号不配对），请在 Excel 或 WPS 中打开检查后重新保存"
}

func (c *csvSource) progress() (int64, int64) {
	return min(c.lr.base+c.lr.cnt.n, c.lr.size), c.lr.size
}

func (c *csvSource) close() error { return nil }

// formulaStart are the characters that make a spreadsheet treat a cell as a
// formula (or, for tab and CR, let one hide). CSV exports prefix such cells
// with an apostrophe.
const formulaStart = "=+-@\t\r"

// needsEscape reports whether the CSV writer must prefix v with an
// apostrophe: v starts, after any apostrophes, with a formula character.
// Counting the apostrophes makes the escape reversible for every value.
func needsEscape(v string) bool {
	rest := strings.TrimLeft(v, "'")
	return rest != "" && strings.IndexByte(formulaStart, rest[0]) >= 0
}

// unescapeCSV undoes the CSV writer's apostrophe.
func unescapeCSV(v string) string {
	if strings.HasPrefix(v, "'") && needsEscape(v) {
		return v[1:]
	}
	return v
}
