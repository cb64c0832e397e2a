package sheet

import (
	"bytes"
	"errors"
	"io"

	"github.com/xuri/excelize/v2"
)

type fastState int

const (
	inRows     fastState = iota // between rows in <sheetData>
	inTrailing                  // after </sheetData>
	atEnd                       // the whole part has been read
)

// fastSheet reads the rows of one worksheet part as excelize's row
// iterator returns them: one call per row number, empty for the numbers
// the worksheet skips, cells placed by their references.
type fastSheet struct {
	wb    *fastWorkbook
	rc    io.ReadCloser
	w     *xmlWindow
	tail  *tailWindow
	state fastState

	sheetData []byte // its qualified name, for its end tag
	root      []byte // the root element's qualified name
	dimension string // the <dimension ref>, "" when there is none

	cur  int // number of the last row parsed
	seek int // rows returned
	// A row parsed ahead of the numbers before it.
	pending    []string
	pendingNum int
	hasPending bool

	tailErr error // a read error after </sheetData>

	tag   xmlTag
	text  []byte
	skip  []byte
	cells []string
	si    siParser
}

// openFastSheet opens the worksheet part and reads it up to <sheetData>;
// errOdd when its start is not as expected.
func openFastSheet(wb *fastWorkbook) (*fastSheet, error) {
	rc, err := wb.part.Open()
	if err != nil {
		return nil, errOdd
	}
	s := &fastSheet{wb: wb, rc: rc, tail: newTailWindow()}
	s.w = newXMLWindow(io.TeeReader(rc, s.tail), fastWindow, maxFastUnit)
	if err := s.header(); err != nil {
		rc.Close()
		return nil, errOdd
	}
	return s, nil
}

func (s *fastSheet) close() {
	if s.rc != nil {
		s.rc.Close()
		s.rc = nil
	}
}

// header reads the worksheet up to its <sheetData> start tag, noting the
// first <dimension ref> on the way as excelize's GetSheetDimension does.
func (s *fastSheet) header() error {
	if err := readProlog(s.w, &s.tag); err != nil {
		return errOdd
	}
	if s.tag.empty {
		return errOdd
	}
	s.root = append([]byte(nil), s.tag.name...)
	stack := [][]byte{s.root}
	dimension := false
	for {
		b := s.w.bytes()
		i, err := skipMisc(b, 0)
		if err == nil {
			switch {
			case i < len(b) && b[i] != '<':
				if i, err = skipText(b, i); err == nil {
					s.w.pos += i
					continue
				}
			case len(b)-i < 4:
				err = errShort
			default:
				i, err = scanTag(b, i, &s.tag)
			}
		}
		if errors.Is(err, errShort) {
			if !s.w.more() {
				return errOdd
			}
			continue
		}
		if err != nil {
			return errOdd
		}
		t := &s.tag
		switch {
		case t.end:
			if !bytes.Equal(t.name, stack[len(stack)-1]) || len(stack) == 1 {
				return errOdd
			}
			stack = stack[:len(stack)-1]
		case string(t.local) == "row" || string(t.local) == "c":
			return errOdd
		case string(t.local) == "sheetData":
			if len(stack) != 1 {
				return errOdd
			}
			s.sheetData = append([]byte(nil), t.name...)
			s.w.pos += i
			if t.empty {
				s.state = inTrailing
			}
			return nil
		default:
			if string(t.local) == "dimension" && !dimension {
				for _, a := range t.attrs {
					if string(localName(a.name)) == "ref" {
						s.dimension, dimension = attrString(a.val), true
						break
					}
				}
			}
			if !t.empty {
				stack = append(stack, append([]byte(nil), t.name...))
			}
		}
		s.w.pos += i
	}
}

// next returns the cells of the next row number, io.EOF after the last,
// or errOdd.
func (s *fastSheet) next() ([]string, error) {
	if s.hasPending {
		s.seek++
		if s.pendingNum > s.seek {
			return nil, nil
		}
		s.hasPending = false
		cells := s.pending
		s.pending = nil
		return cells, nil
	}
	if s.state == inRows {
		num, cells, err := s.readRow()
		switch {
		case err == nil:
			s.seek++
			if num > s.seek {
				s.pending, s.pendingNum, s.hasPending = cells, num, true
				return nil, nil
			}
			return cells, nil
		case errors.Is(err, io.EOF):
			s.state = inTrailing
		default:
			return nil, err
		}
	}
	if s.state == inTrailing {
		if err := s.trailing(); err != nil {
			return nil, err
		}
		s.state = atEnd
	}
	return nil, io.EOF
}

// readRow parses the next row; io.EOF at </sheetData>.
func (s *fastSheet) readRow() (int, []string, error) {
	for {
		num, n, err := s.parseRow(s.w.bytes())
		switch {
		case err == nil:
			s.w.pos += n
			s.cur = num
			var cells []string
			if len(s.cells) > 0 {
				cells = append(make([]string, 0, len(s.cells)), s.cells...)
			}
			return num, cells, nil
		case errors.Is(err, io.EOF):
			s.w.pos += n
			return 0, nil, io.EOF
		case errors.Is(err, errShort) && s.w.more():
		default:
			return 0, nil, errOdd
		}
	}
}

// parseRow parses a <row> element from the start of b into s.cells, and
// makes sure that what follows is another row or the end of the sheet
// data (excelize would give anything else to this row). It returns the
// row's number and the bytes consumed.
func (s *fastSheet) parseRow(b []byte) (int, int, error) {
	i := skipSpace(b, 0)
	if len(b)-i < 2 {
		return 0, 0, errShort
	}
	if b[i] != '<' {
		return 0, 0, errOdd
	}
	i, err := scanTag(b, i, &s.tag)
	if err != nil {
		return 0, 0, err
	}
	t := &s.tag
	if t.end {
		if !bytes.Equal(t.name, s.sheetData) {
			return 0, 0, errOdd
		}
		return 0, i, io.EOF
	}
	if string(t.local) != "row" {
		return 0, 0, errOdd
	}
	num, err := rowNumber(t, s.cur)
	if err != nil {
		return 0, 0, err
	}
	s.cells = s.cells[:0]
	if !t.empty {
		name := t.name
		col := 0
		for {
			if i = skipSpace(b, i); len(b)-i < 2 {
				return 0, 0, errShort
			}
			if b[i] != '<' {
				return 0, 0, errOdd
			}
			if i, err = scanTag(b, i, &s.tag); err != nil {
				return 0, 0, err
			}
			if s.tag.end {
				if !bytes.Equal(s.tag.name, name) {
					return 0, 0, errOdd
				}
				break
			}
			if string(s.tag.local) != "c" {
				return 0, 0, errOdd
			}
			if i, col, err = s.parseCell(b, i, col); err != nil {
				return 0, 0, err
			}
		}
	}
	// What follows must be <row or </sheetData.
	k := skipSpace(b, i)
	if len(b)-k < len(s.sheetData)+3 {
		return 0, 0, errShort
	}
	if b[k] != '<' {
		return 0, 0, errOdd
	}
	if b[k+1] == '/' {
		end := k + 2 + len(s.sheetData)
		if !bytes.Equal(b[k+2:end], s.sheetData) || b[end] != '>' && !isSpace(b[end]) {
			return 0, 0, errOdd
		}
		return num, i, nil
	}
	if _, err := scanTag(b, k, &s.tag); err != nil {
		return 0, 0, err
	}
	if s.tag.end || string(s.tag.local) != "row" {
		return 0, 0, errOdd
	}
	if _, err := rowNumber(&s.tag, num); err != nil {
		return 0, 0, err
	}
	return num, i, nil
}

// rowNumber is the number of the row whose start tag is t, following row
// number cur. Numbers must go up: excelize would add the cells of a row
// numbered lower to the row before.
func rowNumber(t *xmlTag, cur int) (int, error) {
	num, haveR := cur+1, false
	for _, a := range t.attrs {
		if string(localName(a.name)) != "r" {
			continue
		}
		if len(a.name) != 1 || haveR {
			return 0, errOdd
		}
		haveR = true
		if num = parseDigits(a.val, 7); num <= cur {
			return 0, errOdd
		}
	}
	if num > excelize.TotalRows {
		return 0, errOdd
	}
	return num, nil
}

// parseCell parses a <c> element whose start tag is in s.tag and ends at
// b[i], and places its value in s.cells as excelize does: the cell goes to
// the column of its reference (or the one after the previous cell's), and
// only cells with a value or a formula are placed.
func (s *fastSheet) parseCell(b []byte, i, col int) (int, int, error) {
	t := &s.tag
	name := t.name
	var (
		ref, typ           []byte
		haveRef, haveStyle bool
		haveType           bool
		style              int
	)
	for _, a := range t.attrs {
		switch string(a.name) {
		case "r":
			if haveRef {
				return 0, 0, errOdd
			}
			ref, haveRef = a.val, true
		case "s":
			if haveStyle {
				return 0, 0, errOdd
			}
			haveStyle = true
			if style = parseDigits(a.val, 9); style < 0 {
				return 0, 0, errOdd
			}
		case "t":
			if haveType || bytes.IndexByte(a.val, '&') >= 0 || bytes.IndexByte(a.val, '\r') >= 0 {
				return 0, 0, errOdd
			}
			typ, haveType = a.val, true
		default:
			if l := localName(a.name); len(l) == 1 && (l[0] == 'r' || l[0] == 's' || l[0] == 't') {
				return 0, 0, errOdd // excelize matches the local name only
			}
		}
	}
	col++
	if haveRef {
		if col = cellColumn(ref); col == 0 {
			return 0, 0, errOdd
		}
	}
	var (
		haveV, haveF, haveIS bool
		inline               string
		err                  error
	)
	s.text = s.text[:0]
	if !t.empty {
		for {
			if i = skipSpace(b, i); len(b)-i < 2 {
				return 0, 0, errShort
			}
			if b[i] != '<' {
				return 0, 0, errOdd
			}
			if i, err = scanTag(b, i, &s.tag); err != nil {
				return 0, 0, err
			}
			ct := &s.tag
			if ct.end {
				if !bytes.Equal(ct.name, name) {
					return 0, 0, errOdd
				}
				break
			}
			switch string(ct.local) {
			case "v":
				if haveV {
					return 0, 0, errOdd
				}
				haveV = true
				if !ct.empty {
					if s.text, i, err = scanText(s.text[:0], b, i, ct.name); err != nil {
						return 0, 0, err
					}
				}
			case "f":
				if haveF || !validAttrs(ct, formulaAttrs) {
					return 0, 0, errOdd
				}
				haveF = true
				if !ct.empty {
					if s.skip, i, err = scanText(s.skip[:0], b, i, ct.name); err != nil {
						return 0, 0, err
					}
				}
			case "is":
				if haveIS {
					return 0, 0, errOdd
				}
				haveIS = true
				if !ct.empty {
					if inline, i, err = s.si.parse(b, i, ct.name); err != nil {
						return 0, 0, err
					}
				}
			default:
				return 0, 0, errOdd
			}
		}
	}
	val, err := s.value(typ, style, s.text, haveIS, inline)
	if err != nil {
		return 0, 0, err
	}
	if val != "" || haveF {
		for k := len(s.cells) + 1; k < col; k++ {
			s.cells = append(s.cells, "")
		}
		s.cells = append(s.cells, val)
	}
	return i, col, nil
}

// value is a cell's value as excelize's getValueFrom gives it.
func (s *fastSheet) value(typ []byte, style int, v []byte, haveIS bool, inline string) (string, error) {
	kind := styleRaw
	if style > 0 && style < len(s.wb.styles) {
		kind = s.wb.styles[style]
	}
	text := func(t string) (string, error) {
		if kind == styleOther {
			return s.wb.format.text(style, t)
		}
		return t, nil
	}
	switch string(typ) {
	case "", "n", "e":
		switch {
		case kind == styleRaw:
			return numberText(v), nil
		case !isNumeric(string(v)):
			return text(string(v))
		case kind == styleISODate || kind == styleISOTime:
			if d, ok := isoDate(numberText(v), kind == styleISOTime, s.wb.format.date1904); ok {
				return d, nil
			}
		}
		return s.wb.format.format(style, v)
	case "s":
		if len(v) == 0 {
			return text("")
		}
		idx := parseDigits(v, 10)
		if idx < 0 {
			return "", errOdd
		}
		if idx >= len(s.wb.sst) {
			return "", nil // excelize: an error, read as empty
		}
		return text(s.wb.sst[idx])
	case "str":
		return string(v), nil
	case "inlineStr":
		if haveIS {
			return text(inline)
		}
		return text(string(v))
	case "b":
		switch string(v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return text(string(v))
	}
	return "", errOdd
}

// parseDigits parses a decimal number of 1 to max digits (leading zeros
// allowed), or returns -1.
func parseDigits(b []byte, max int) int {
	if len(b) == 0 || len(b) > max {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// cellColumn is the column number of a cell reference such as "AB12", or
// 0 for a reference excelize might read otherwise.
func cellColumn(ref []byte) int {
	col, i := 0, 0
	for ; i < len(ref) && i < 3 && 'A' <= ref[i] && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A'+1)
	}
	if i == 0 || col > excelize.MaxColumns || i == len(ref) || ref[i] == '0' {
		return 0
	}
	if row := parseDigits(ref[i:], 7); row <= 0 || row > excelize.TotalRows {
		return 0
	}
	return col
}

// trailing reads the rest of the part after </sheetData> (excelize's
// iterator would still take any <row> there).
func (s *fastSheet) trailing() error {
	stack := [][]byte{s.root}
	for {
		b := s.w.bytes()
		i, err := skipMisc(b, 0)
		if err == nil {
			switch {
			case i == len(b):
				s.w.pos += i
				if s.w.more() {
					continue
				}
				if s.w.err != nil {
					s.tailErr = s.w.err
					return nil
				}
				if len(stack) == 0 {
					return nil
				}
				return errOdd
			case b[i] != '<':
				if i, err = skipText(b, i); err == nil {
					s.w.pos += i
					continue
				}
			case len(b)-i < 4:
				err = errShort
			default:
				i, err = scanTag(b, i, &s.tag)
			}
		}
		if errors.Is(err, errShort) {
			if s.w.more() {
				continue
			}
			if s.w.err != nil {
				s.tailErr = s.w.err
				return nil
			}
			return errOdd
		}
		if err != nil {
			return errOdd
		}
		t := &s.tag
		switch {
		case t.end:
			if len(stack) == 0 || !bytes.Equal(t.name, stack[len(stack)-1]) {
				return errOdd
			}
			stack = stack[:len(stack)-1]
		case string(t.local) == "row":
			return errOdd
		case !t.empty:
			stack = append(stack, append([]byte(nil), t.name...))
		}
		s.w.pos += i
	}
}
