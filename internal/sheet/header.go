package sheet

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"

	"sanbao/internal/apperr"
)

// Column is one column a caller expects, named in Chinese.
type Column struct {
	Key      string   // code name, e.g. "id_number"
	Label    string   // Chinese name, e.g. "身份证号"
	Aliases  []string // other names officials use, e.g. "身份证号码", "证件号码"
	Required bool     // a file without this column is refused
}

// Header is the header row FindHeader chose and how its columns map.
type Header struct {
	Row     int            // 1-based row number of the header in the file
	Cells   []string       // the header row as read
	Index   map[string]int // Column.Key → 0-based column index
	Unknown []string       // non-empty header cells that match no column, ignored
}

// Col returns the 0-based index of the column with key.
func (h *Header) Col(key string) (int, bool) {
	i, ok := h.Index[key]
	return i, ok
}

// FindHeader scans up to maxScan rows (DefaultMaxScan when 0) for the one
// that names the most of cols, skipping title rows and notes above it, and
// maps the columns. Names match ignoring spaces and line breaks, full- or
// half-width forms, brackets, a "*" and "（必填）"/"（选填）" markers and, when
// nothing closer matches, what is in brackets ("年收入（元）" is "年收入").
// Columns the file has twice and required columns it lacks make one
// apperr.Invalid error naming each; the Header is returned with it. Rows
// after the header row are then returned by Next, padded to the header's
// width, and Row.Get reads them through the mapping.
func (r *Reader) FindHeader(cols []Column, maxScan int) (*Header, error) {
	if maxScan <= 0 {
		maxScan = DefaultMaxScan
	}
	m := newMatcher(cols)
	var scanned []Row
	best, bestScore := -1, 0
	for len(scanned) < maxScan {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		scanned = append(scanned, row)
		if score := m.score(row.Cells); score > bestScore {
			best, bestScore = len(scanned)-1, score
			if score == len(cols) {
				break
			}
		}
	}
	if best < 0 {
		if len(scanned) == 0 {
			return nil, apperr.New(apperr.Invalid, "文件中没有任何数据")
		}
		return nil, apperr.New(apperr.Invalid, "没有找到表头：前%d行中没有一行含有%s等列名。请检查是否选错了文件或工作表", len(scanned), labelList(cols, 3))
	}
	hr := scanned[best]
	r.pending = append(scanned[best+1:], r.pending...)
	h := &Header{Row: hr.Num, Cells: hr.Cells, Index: map[string]int{}}
	seen := map[int][]int{} // column → cell indexes
	for i, cell := range hr.Cells {
		c := m.match(cell)
		if c < 0 {
			if cell != "" {
				h.Unknown = append(h.Unknown, cell)
			}
			continue
		}
		if _, dup := h.Index[cols[c].Key]; !dup {
			h.Index[cols[c].Key] = i
		}
		seen[c] = append(seen[c], i)
	}
	r.header = h

	var fields []apperr.FieldError
	var missing, dups []string
	for c, col := range cols {
		if len(seen[c]) == 0 && col.Required {
			missing = append(missing, "「"+col.Label+"」")
			fields = append(fields, apperr.FieldError{Row: h.Row, Field: col.Key, Label: col.Label, Message: "缺少必填列"})
		}
		if len(seen[c]) > 1 {
			letters := make([]string, len(seen[c]))
			for j, i := range seen[c] {
				letters[j] = ColumnLetter(i) + "列"
			}
			where := strings.Join(letters, "、")
			dups = append(dups, "「"+col.Label+"」出现在"+where)
			fields = append(fields, apperr.FieldError{Row: h.Row, Field: col.Key, Label: col.Label, Message: "列重复出现（" + where + "），无法确定用哪一列"})
		}
	}
	if len(fields) == 0 {
		return h, nil
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "缺少必填列"+strings.Join(missing, ""))
	}
	if len(dups) > 0 {
		parts = append(parts, "列重复："+strings.Join(dups, "；"))
	}
	msg := "表头（第" + itoa(h.Row) + "行）有误：" + strings.Join(parts, "；")
	return h, &apperr.Error{Code: apperr.Invalid, Message: msg, Fields: fields}
}

func labelList(cols []Column, n int) string {
	var b strings.Builder
	for i, c := range cols {
		if i == n {
			break
		}
		b.WriteString("「" + c.Label + "」")
	}
	return b.String()
}

// matcher maps header cell text to columns.
type matcher struct {
	full map[string]int // name with bracket characters removed → column
	base map[string]int // name with bracketed text removed → column, -1 if ambiguous
}

func newMatcher(cols []Column) *matcher {
	m := &matcher{full: map[string]int{}, base: map[string]int{}}
	for c, col := range cols {
		for _, name := range append([]string{col.Label}, col.Aliases...) {
			full, base := normalizeName(name)
			if full == "" {
				continue
			}
			if _, ok := m.full[full]; !ok {
				m.full[full] = c
			}
			if prev, ok := m.base[base]; !ok {
				m.base[base] = c
			} else if prev != c {
				m.base[base] = -1
			}
		}
	}
	return m
}

// match returns the column a header cell names, or -1.
func (m *matcher) match(cell string) int {
	full, base := normalizeName(cell)
	if full == "" {
		return -1
	}
	if c, ok := m.full[full]; ok {
		return c
	}
	if c, ok := m.base[base]; ok && base != "" {
		return c
	}
	return -1
}

// score counts the distinct columns a row names.
func (m *matcher) score(cells []string) int {
	got := map[int]bool{}
	for _, cell := range cells {
		if c := m.match(cell); c >= 0 {
			got[c] = true
		}
	}
	return len(got)
}

// Markers officials add to header names.
var (
	nameSuffixes = []string{"*", "(必填)", "(必填项)", "(必选)", "(选填)", "(可选)", "(非必填)", "必填", "选填", ":"}
	namePrefixes = []string{"*"}
	openBrackets = "([{<《【〔〖"
	shutBrackets = ")]}>》】〕〗"
)

// normalizeName folds a column name: full width to half width, no white
// space, lower case, markers removed. full keeps bracketed text (without
// the brackets); base drops it.
func normalizeName(s string) (full, base string) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == '※' || r == '★' || r == '＊':
			r = '*'
		case r == '：':
			r = ':'
		}
		if isTrimmed(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	n := b.String()
	for changed := true; changed; {
		changed = false
		for _, suf := range nameSuffixes {
			if strings.HasSuffix(n, suf) && len(n) > len(suf) {
				n, changed = strings.TrimSuffix(n, suf), true
			}
		}
		for _, pre := range namePrefixes {
			if strings.HasPrefix(n, pre) && len(n) > len(pre) {
				n, changed = strings.TrimPrefix(n, pre), true
			}
		}
	}
	var fb, bb strings.Builder
	depth := 0
	for _, r := range n {
		switch {
		case strings.ContainsRune(openBrackets, r):
			depth++
		case strings.ContainsRune(shutBrackets, r):
			if depth > 0 {
				depth--
			}
		default:
			fb.WriteRune(r)
			if depth == 0 {
				bb.WriteRune(r)
			}
		}
	}
	return fb.String(), bb.String()
}

// ColumnLetter returns Excel's name for the 0-based column i: A, B, …, Z,
// AA, AB, ….
func ColumnLetter(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }
