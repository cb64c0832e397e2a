package sheet

import (
	"bytes"
	"errors"
	"io"

	"sanbao/internal/apperr"
)

type fileKind int

const (
	kindText fileKind = iota
	kindZIP
)

var (
	magicZIP      = []byte("PK\x03\x04")
	magicZIPEmpty = []byte("PK\x05\x06")
	magicOLE2     = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	bomUTF8       = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE    = []byte{0xFF, 0xFE}
	bomUTF16BE    = []byte{0xFE, 0xFF}
)

// binaryMagics are formats people upload by mistake whose first kilobytes
// may hold no NUL byte; anything else binary is caught by its NUL bytes.
var binaryMagics = [][]byte{
	[]byte("%PDF"),
	[]byte("%!PS"),
	[]byte("{\\rtf"),
	{0x89, 'P', 'N', 'G'},
	{0xFF, 0xD8, 0xFF}, // JPEG
	[]byte("GIF8"),
	[]byte("Rar!"),
	{'7', 'z', 0xBC, 0xAF},
	{0x1F, 0x8B},             // gzip
	[]byte("BZh"),            // bzip2
	{0xFD, '7', 'z', 'X'},    // xz
	{0x28, 0xB5, 0x2F, 0xFD}, // zstd
	{0x7F, 'E', 'L', 'F'},
}

// Errors shown to users for files that are not spreadsheets we read.
func errEmpty() error {
	return apperr.New(apperr.Invalid, "文件是空的，请选择填好的 Excel（.xlsx）或 CSV 文件")
}

func errNotSheet() error {
	return apperr.New(apperr.Invalid, "不是电子表格文件，请上传 Excel（.xlsx）或 CSV 文件")
}

func errOLE2() error {
	return apperr.New(apperr.Invalid, "这是旧版 Excel 97-2003（.xls）或 WPS（.et）文件，也可能是设置了打开密码的工作簿，系统无法读取。请在 Excel 或 WPS 中打开，去掉密码后“另存为” Excel 工作簿（.xlsx）或 CSV（逗号分隔）文件再上传")
}

// sniff decides the format from the first bytes. It never trusts a name.
func sniff(ra io.ReaderAt, size int64) (fileKind, error) {
	if size <= 0 {
		return 0, errEmpty()
	}
	head := make([]byte, min(size, 8192))
	n, err := ra.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, apperr.Wrap(err, "read head")
	}
	head = head[:n]
	if size <= int64(len(head)) && len(bytes.Trim(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")) == 0 {
		return 0, errEmpty()
	}
	switch {
	case bytes.HasPrefix(head, magicZIP), bytes.HasPrefix(head, magicZIPEmpty):
		return kindZIP, nil
	case bytes.HasPrefix(head, magicOLE2):
		return 0, errOLE2()
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return kindText, nil // NUL bytes are expected in UTF-16
	}
	for _, m := range binaryMagics {
		if bytes.HasPrefix(head, m) {
			return 0, errNotSheet()
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return 0, errNotSheet()
	}
	// Many systems export "xls" files that are really web pages or Excel
	// 2003 XML; say so rather than read markup as CSV.
	text := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n"))
	if bytes.HasPrefix(text, []byte("<")) && (bytes.Contains(text, []byte("<html")) ||
		bytes.Contains(text, []byte("<?xml")) || bytes.Contains(text, []byte("<table"))) {
		return 0, apperr.New(apperr.Invalid, "不是可导入的电子表格：这是网页或 XML 格式的文件（常见于某些系统导出的“.xls”）。请在 Excel 或 WPS 中打开后“另存为” Excel 工作簿（.xlsx）或 CSV 文件再上传")
	}
	return kindText, nil
}
