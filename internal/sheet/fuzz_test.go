package sheet

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sanbao/internal/apperr"
)

// FuzzCSV feeds arbitrary bytes to the reader: it must never panic, every
// failure must be an *apperr.Error, and every cell read must be valid UTF-8.
func FuzzCSV(f *testing.F) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(memberCSV))
	for _, seed := range [][]byte{
		[]byte(memberCSV),
		append(append([]byte{}, bomUTF8...), memberCSV...),
		gb,
		append(gb, "李四,配偶\n"...),
		[]byte("XX村农户信息表\r\n\r\n姓名\t身份证号\r\n\"张\r\n三\"\t1\r\n"),
		[]byte("a;b;c\r1;2;3\r"),
		[]byte("\xff\xfea\x00,\x00b\x00\n\x00"),
		[]byte("'=1+2,''=x,\"a\"\"b\",\"unterminated\n"),
		[]byte("\x81\x30\x81\x30,\xfe\xfe\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), int64(len(data)), Options{})
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Open: %T %v", err, err)
			}
			return
		}
		defer r.Close()
		if r.Format() != FormatCSV {
			return // a ZIP: XLSX is not this fuzzer's subject
		}
		if _, err := r.FindHeader(memberCols, 5); err != nil && apperr.CodeOf(err) == apperr.Internal {
			t.Fatalf("FindHeader: %v", err)
		}
		last := 0
		for range 10000 {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if apperr.CodeOf(err) != apperr.Invalid {
					t.Fatalf("Next: %v", err)
				}
				break
			}
			if row.Num <= last {
				t.Fatalf("row number %d after %d", row.Num, last)
			}
			last = row.Num
			for _, c := range row.Cells {
				if !utf8.ValidString(c) {
					t.Fatalf("row %d: invalid UTF-8 %q", row.Num, c)
				}
			}
		}
	})
}
