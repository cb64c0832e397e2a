package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
)

// CSVWriter streams a table as CSV for Excel on a Chinese system: UTF-8 with
// a BOM (without it Excel reads the file as GBK), CRLF line ends, and an
// apostrophe before any value that starts with = + - @ tab or CR, so that no
// value runs as a formula. The Reader removes that apostrophe again, so an
// export re-imports unchanged.
type CSVWriter struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	buf    []string
	closed bool
}

// NewCSVWriter writes the BOM and the header to w.
func NewCSVWriter(w io.Writer, header []string) (*CSVWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(bomUTF8); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	c := &CSVWriter{bw: bw, cw: cw}
	if err := c.WriteRow(header); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteRow writes one row.
func (c *CSVWriter) WriteRow(cells []string) error {
	if c.closed {
		return errors.New("sheet: WriteRow after Close")
	}
	c.buf = c.buf[:0]
	for _, v := range cells {
		if needsEscape(v) {
			v = "'" + v
		}
		c.buf = append(c.buf, v)
	}
	return c.cw.Write(c.buf)
}

// Close flushes what is buffered. It does not close the underlying writer.
func (c *CSVWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// NewWriter returns an XLSXWriter or a CSVWriter, for exports that offer
// both.
func NewWriter(format Format, w io.Writer, sheetName string, header []string) (Writer, error) {
	if format == FormatCSV {
		return NewCSVWriter(w, header)
	}
	return NewXLSXWriter(w, sheetName, header)
}
