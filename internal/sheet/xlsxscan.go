package sheet

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XLSX fast reader scans worksheet and shared-string XML as bytes. It
// understands a strict subset of XML — the markup Excel, WPS, LibreOffice
// and excelize write — and says so (errOdd) for anything else, so that the
// caller can let excelize read the file instead. Everything it accepts it
// reads exactly as encoding/xml does.

var (
	// errShort: the unit being parsed continues past the bytes at hand.
	errShort = errors.New("sheet: XML continues past the window")
	// errOdd: markup the fast reader does not handle.
	errOdd = errors.New("sheet: XML the fast reader does not handle")
)

// xmlWindow is a sliding window over an XML part: buf[pos:end] is not yet
// consumed. Units (a row, a shared string) are parsed from buf[pos:end] and
// parsed again from their start when they turn out to be cut off.
type xmlWindow struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error // a read error other than io.EOF
	max      int   // the window never grows beyond this
}

func newXMLWindow(r io.Reader, size, max int) *xmlWindow {
	return &xmlWindow{r: r, buf: make([]byte, size), max: max}
}

// more reads further bytes, keeping buf[pos:end]; false when there are none
// (end of the part, a read error, or a unit longer than max).
func (w *xmlWindow) more() bool {
	if w.eof || w.err != nil {
		return false
	}
	if w.pos > 0 {
		w.end = copy(w.buf, w.buf[w.pos:w.end])
		w.pos = 0
	}
	if w.end == len(w.buf) {
		if len(w.buf) >= w.max {
			return false
		}
		buf := make([]byte, min(2*len(w.buf), w.max))
		copy(buf, w.buf[:w.end])
		w.buf = buf
	}
	for {
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				w.eof = true
			} else {
				w.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// bytes returns the unconsumed bytes.
func (w *xmlWindow) bytes() []byte { return w.buf[w.pos:w.end] }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == ':' || c == '.' || c == '-'
}

// skipSpace returns the index of the first byte at or after i that is not
// XML white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanName returns the end of the XML name starting at b[i]. Names are
// ASCII here, with at most one colon.
func scanName(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errShort
	}
	c := b[i]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':') {
		return 0, errOdd
	}
	j, colons := i+1, 0
	if c == ':' {
		colons++
	}
	for ; j < len(b); j++ {
		c = b[j]
		if !isNameByte(c) {
			if c >= utf8.RuneSelf {
				return 0, errOdd
			}
			if colons > 1 {
				return 0, errOdd
			}
			return j, nil
		}
		if c == ':' {
			colons++
		}
	}
	return 0, errShort
}

// localName is the part of a name after its prefix, as encoding/xml splits
// it.
func localName(name []byte) []byte {
	if k := bytes.IndexByte(name, ':'); k > 0 && k < len(name)-1 {
		return name[k+1:]
	}
	return name
}

// xmlAttr is one attribute of a start tag; val is still escaped.
type xmlAttr struct {
	name, val []byte
}

// xmlTag is a start or end tag.
type xmlTag struct {
	name  []byte // qualified name
	local []byte
	attrs []xmlAttr
	end   bool // </name>
	empty bool // <name/>
}

// scanTag parses the tag at b[i] == '<' that is a start or end tag, and
// returns the index after it. Comments, CDATA, processing instructions and
// declarations are errOdd here; callers that allow them look first.
func scanTag(b []byte, i int, t *xmlTag) (int, error) {
	t.attrs = t.attrs[:0]
	t.end, t.empty = false, false
	i++
	if i >= len(b) {
		return 0, errShort
	}
	if b[i] == '/' {
		t.end = true
		i++
	}
	j, err := scanName(b, i)
	if err != nil {
		return 0, err
	}
	t.name = b[i:j]
	t.local = localName(t.name)
	i = j
	if t.end {
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, errShort
		}
		if b[i] != '>' {
			return 0, errOdd
		}
		return i + 1, nil
	}
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, errShort
		}
		switch b[i] {
		case '>':
			return i + 1, nil
		case '/':
			if i+1 >= len(b) {
				return 0, errShort
			}
			if b[i+1] != '>' {
				return 0, errOdd
			}
			t.empty = true
			return i + 2, nil
		}
		j, err := scanName(b, i)
		if err != nil {
			return 0, err
		}
		name := b[i:j]
		i = skipSpace(b, j)
		if i >= len(b) {
			return 0, errShort
		}
		if b[i] != '=' {
			return 0, errOdd
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return 0, errShort
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, errOdd
		}
		k := bytes.IndexByte(b[i+1:], q)
		if k < 0 {
			return 0, errShort
		}
		val := b[i+1 : i+1+k]
		if !attrOK(val) {
			return 0, errOdd
		}
		t.attrs = append(t.attrs, xmlAttr{name: name, val: val})
		i += k + 2
	}
}

// attrOK reports whether an attribute value is one encoding/xml accepts:
// no '<', valid characters, known references.
func attrOK(v []byte) bool {
	for _, c := range v {
		if c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' {
			if c == '<' {
				return false
			}
			_, err := appendText(nil, v, true)
			return err == nil
		}
	}
	return true
}

// attrString is an attribute's value as encoding/xml returns it.
func attrString(v []byte) string {
	if bytes.IndexByte(v, '&') < 0 && bytes.IndexByte(v, '\r') < 0 {
		return string(v)
	}
	s, _ := appendText(nil, v, true)
	return string(s)
}

// plainText reports whether text needs no decoding: printable ASCII, tab
// and line feed only.
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' || c >= utf8.RuneSelf || c == '&' || c == '>' {
			return false
		}
	}
	return true
}

// appendText appends character data (or an attribute value, attr) decoded
// as encoding/xml does: the five predefined entities and character
// references, CR LF and lone CR as LF. It fails on anything encoding/xml
// refuses or that is rare enough not to be worth reproducing.
func appendText(dst, b []byte, attr bool) ([]byte, error) {
	if !attr && bytes.Contains(b, []byte("]]>")) {
		return nil, errOdd
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '&':
			k := bytes.IndexByte(b[i+1:], ';')
			if k < 0 {
				return nil, errOdd
			}
			ref := b[i+1 : i+1+k]
			i += k + 2
			switch string(ref) {
			case "lt":
				dst = append(dst, '<')
			case "gt":
				dst = append(dst, '>')
			case "amp":
				dst = append(dst, '&')
			case "apos":
				dst = append(dst, '\'')
			case "quot":
				dst = append(dst, '"')
			default:
				r, ok := charRef(ref)
				if !ok {
					return nil, errOdd
				}
				dst = utf8.AppendRune(dst, r)
			}
		default:
			var err error
			if dst, i, err = appendChar(dst, b, i); err != nil {
				return nil, err
			}
		}
	}
	return dst, nil
}

// appendChar appends the character at b[i] as encoding/xml reads it (CR LF
// and a lone CR as LF; control characters other than tab and LF, invalid
// UTF-8, U+FFFE and U+FFFF refused) and returns where the next one starts.
func appendChar(dst, b []byte, i int) ([]byte, int, error) {
	switch c := b[i]; {
	case c == '\r':
		dst = append(dst, '\n')
		if i++; i < len(b) && b[i] == '\n' {
			i++
		}
		return dst, i, nil
	case c < 0x20:
		if c != '\t' && c != '\n' {
			return nil, 0, errOdd
		}
		return append(dst, c), i + 1, nil
	case c < utf8.RuneSelf:
		return append(dst, c), i + 1, nil
	}
	r, n := utf8.DecodeRune(b[i:])
	if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
		return nil, 0, errOdd
	}
	return append(dst, b[i:i+n]...), i + n, nil
}

// charRef decodes the body of a character reference ("#65", "#x41").
// Code points encoding/xml would refuse or replace are not accepted.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(n)
	if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
		return 0, false
	}
	return r, true
}

// scanText parses the content of a text-only element (<v>, <t>, <f>) from
// b[i] up to and including its end tag </name>, and appends its decoded
// text to dst. CDATA sections are allowed; elements and comments are not.
func scanText(dst, b []byte, i int, name []byte) ([]byte, int, error) {
	for {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 {
			return nil, 0, errShort
		}
		if k > 0 {
			seg := b[i : i+k]
			if plainText(seg) {
				dst = append(dst, seg...)
			} else {
				var err error
				if dst, err = appendText(dst, seg, false); err != nil {
					return nil, 0, err
				}
			}
		}
		i += k
		if i+1 >= len(b) {
			return nil, 0, errShort
		}
		switch b[i+1] {
		case '/':
			j := i + 2 + len(name)
			if j >= len(b) {
				return nil, 0, errShort
			}
			if !bytes.Equal(b[i+2:j], name) {
				return nil, 0, errOdd
			}
			j = skipSpace(b, j)
			if j >= len(b) {
				return nil, 0, errShort
			}
			if b[j] != '>' {
				return nil, 0, errOdd
			}
			return dst, j + 1, nil
		case '!':
			const open = "<![CDATA["
			if len(b)-i < len(open) {
				return nil, 0, errShort
			}
			if string(b[i:i+len(open)]) != open {
				return nil, 0, errOdd
			}
			k := bytes.Index(b[i+len(open):], []byte("]]>"))
			if k < 0 {
				return nil, 0, errShort
			}
			var err error
			if dst, err = appendCDATA(dst, b[i+len(open):i+len(open)+k]); err != nil {
				return nil, 0, err
			}
			i += len(open) + k + 3
		default:
			return nil, 0, errOdd
		}
	}
}

// appendCDATA appends a CDATA section's content: no references, CR LF as
// LF.
func appendCDATA(dst, b []byte) ([]byte, error) {
	for i := 0; i < len(b); {
		var err error
		if dst, i, err = appendChar(dst, b, i); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// skipText skips character data from b[i] up to the next markup, checking
// it as encoding/xml would.
func skipText(b []byte, i int) (int, error) {
	k := bytes.IndexByte(b[i:], '<')
	if k < 0 {
		return 0, errShort
	}
	if _, err := appendText(nil, b[i:i+k], false); err != nil {
		return 0, err
	}
	return i + k, nil
}

// skipMisc skips white space and comments from b[i] and returns the index
// of the next markup or text.
func skipMisc(b []byte, i int) (int, error) {
	for {
		i = skipSpace(b, i)
		if i+4 > len(b) {
			return i, nil
		}
		if string(b[i:i+4]) != "<!--" {
			return i, nil
		}
		k := bytes.Index(b[i+4:], []byte("--"))
		if k < 0 {
			return 0, errShort
		}
		j := i + 4 + k + 2
		if j >= len(b) {
			return 0, errShort
		}
		if b[j] != '>' {
			return 0, errOdd
		}
		i = j + 1
	}
}

// scanDecl parses an XML declaration at b[i] ("<?xml"), accepting version
// 1.0 and UTF-8 only.
func scanDecl(b []byte, i int) (int, error) {
	k := bytes.Index(b[i:], []byte("?>"))
	if k < 0 {
		return 0, errShort
	}
	body := string(b[i+2 : i+k])
	j := i + k + 2
	if !strings.HasPrefix(body, "xml") || len(body) > 3 && !isSpace(body[3]) {
		return 0, errOdd
	}
	fields := strings.Fields(body[3:])
	for _, f := range fields {
		name, val, ok := strings.Cut(f, "=")
		if !ok || len(val) < 2 || val[0] != val[len(val)-1] || val[0] != '"' && val[0] != '\'' {
			return 0, errOdd
		}
		val = val[1 : len(val)-1]
		switch name {
		case "version":
			if val != "1.0" {
				return 0, errOdd
			}
		case "encoding":
			if !strings.EqualFold(val, "utf-8") {
				return 0, errOdd
			}
		case "standalone":
		default:
			return 0, errOdd
		}
	}
	return j, nil
}

// bstrUnmarshal decodes the _xHHHH_ escapes Office uses for characters XML
// cannot carry, as excelize does: _x005F_ is "_", an escape of a code point
// that is not a valid character is dropped.
func bstrUnmarshal(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if s[i] == '_' && i+7 <= len(s) && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if r := rune(n); utf8.ValidRune(r) {
				b.WriteRune(r)
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
