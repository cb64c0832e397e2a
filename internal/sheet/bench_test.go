package sheet

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchRows is the size of a county's register.
const benchRows = 1_000_000

var benchHeader = []string{"户编号", "姓名", "身份证号", "性别", "与户主关系", "民族", "出生日期", "文化程度",
	"在校生状况", "健康状况", "劳动技能", "残疾类别", "联系电话", "住址", "户类型"}

var benchCols = func() []Column {
	cols := make([]Column, len(benchHeader))
	for i, h := range benchHeader {
		cols[i] = Column{Key: strconv.Itoa(i), Label: h, Required: i < 3}
	}
	return cols
}()

// memberRow makes a plausible register row (Chinese text in most columns).
func memberRow(rng *rand.Rand, i int) []string {
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉兰萍毅浩宇轩子涵欣怡梓晨鑫建国建华志强春梅海燕红梅秀珍丽娟")
	relations := []string{"户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母", "儿媳", "女婿"}
	schooling := []string{"非在校生", "小学", "七年级", "八年级", "九年级", "普通高中一年级", "中职二年级", "学前教育", "本科一年级"}
	health := []string{"健康", "长期慢性病", "患有大病", "残疾"}
	labour := []string{"普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力", "弱劳动力或半劳动力"}
	edu := []string{"文盲或半文盲", "小学", "初中", "高中", "大专", "本科及以上"}
	villages := []string{"刘胡兰村", "保贤村", "南安村", "北齐村", "云周西村", "东庄村", "西社村", "大象村"}
	kinds := []string{"脱贫户", "一般农户", "监测户（脱贫不稳定户）", "监测户（边缘易致贫户）"}
	name := string(surnames[rng.Intn(len(surnames))])
	for range 1 + rng.Intn(2) {
		name += string(given[rng.Intn(len(given))])
	}
	year, month, day := 1940+rng.Intn(80), 1+rng.Intn(12), 1+rng.Intn(28)
	id := fmt.Sprintf("141127%04d%02d%02d%03d%d", year, month, day, rng.Intn(1000), rng.Intn(10))
	return []string{
		fmt.Sprintf("1411270%08d", i/4),
		name,
		id,
		[]string{"男", "女"}[rng.Intn(2)],
		relations[rng.Intn(len(relations))],
		"汉族",
		fmt.Sprintf("%04d-%02d-%02d", year, month, day),
		edu[rng.Intn(len(edu))],
		schooling[rng.Intn(len(schooling))],
		health[rng.Intn(len(health))],
		labour[rng.Intn(len(labour))],
		[]string{"无", "无", "无", "肢体残疾", "视力残疾"}[rng.Intn(5)],
		fmt.Sprintf("13%09d", rng.Intn(1_000_000_000)),
		fmt.Sprintf("山西省吕梁市文水县刘胡兰镇%s%d组%d号", villages[rng.Intn(len(villages))], 1+rng.Intn(9), 1+rng.Intn(200)),
		kinds[rng.Intn(len(kinds))],
	}
}

var (
	benchDir     string
	benchDirOnce sync.Once
	benchFiles   sync.Map // name → path
	benchMu      sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchFile returns the path of a generated file, making it once.
func benchFile(b *testing.B, name string, gen func(w io.Writer) error) string {
	benchMu.Lock()
	defer benchMu.Unlock()
	if p, ok := benchFiles.Load(name); ok {
		return p.(string)
	}
	benchDirOnce.Do(func() {
		var err error
		if benchDir, err = os.MkdirTemp("", "sanbao-sheet-bench-"); err != nil {
			b.Fatal(err)
		}
	})
	path := filepath.Join(benchDir, name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := gen(bw); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	benchFiles.Store(name, path)
	return path
}

func genCSV(w io.Writer) error {
	cw, err := NewCSVWriter(w, benchHeader)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(1))
	for i := range benchRows {
		if err := cw.WriteRow(memberRow(rng, i)); err != nil {
			return err
		}
	}
	return cw.Close()
}

func genXLSX(w io.Writer) error {
	x, err := NewXLSXWriter(w, "家庭成员", benchHeader)
	if err != nil {
		return err
	}
	x.Above(TitleLine("文水县刘胡兰镇家庭成员信息表"))
	rng := rand.New(rand.NewSource(1))
	for i := range benchRows {
		if err := x.WriteRow(memberRow(rng, i)); err != nil {
			return err
		}
	}
	return x.Close()
}

// genSharedXLSX writes the workbook as Excel saves it: every text in the
// shared-string table, cells referring to it by number.
func genSharedXLSX(w io.Writer) error {
	x := newRawXLSX(w)
	if err := x.workbook("Sheet1", ""); err != nil {
		return err
	}
	sw, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(sw, 1<<20)
	ref := x.ref
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="%s"><dimension ref="A1:O%d"/><sheetData>`, nsMain, benchRows+1)
	writeRow := func(r int, cells []string) {
		fmt.Fprintf(bw, `<row r="%d" spans="1:15">`, r)
		for c, v := range cells {
			fmt.Fprintf(bw, `<c r="%s%d" t="s"><v>%d</v></c>`, ColumnLetter(c), r, ref(v))
		}
		bw.WriteString(`</row>`)
	}
	writeRow(1, benchHeader)
	rng := rand.New(rand.NewSource(1))
	for i := range benchRows {
		writeRow(i+2, memberRow(rng, i))
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return x.close((benchRows + 1) * 15)
}

// rawXLSX writes a workbook part by part as Excel lays it out, for
// worksheets the benchmarks write by hand: text goes to the shared-string
// table (ref), which close writes.
type rawXLSX struct {
	zw    *zip.Writer
	index map[string]int
	strs  []string
}

func newRawXLSX(w io.Writer) *rawXLSX {
	return &rawXLSX{zw: zip.NewWriter(w), index: map[string]int{}}
}

func (x *rawXLSX) put(name, body string) error {
	pw, err := x.zw.Create(name)
	if err == nil {
		_, err = io.WriteString(pw, body)
	}
	return err
}

// workbook writes the package's parts around one worksheet
// (xl/worksheets/sheet1.xml) and the shared strings, with the styles part
// when styles is not empty.
func (x *rawXLSX) workbook(sheet, styles string) error {
	types, rels := "", ""
	if styles != "" {
		types = `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`
		rels = `<Relationship Id="rId3" Type="` + nsRel + `/styles" Target="styles.xml"/>`
	}
	for _, part := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` + types + `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="` + sheet + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>` + rels + `</Relationships>`},
	} {
		if err := x.put(part[0], part[1]); err != nil {
			return err
		}
	}
	if styles != "" {
		return x.put("xl/styles.xml", styles)
	}
	return nil
}

// ref returns the shared-string index of s, adding it if new.
func (x *rawXLSX) ref(s string) int {
	i, ok := x.index[s]
	if !ok {
		i = len(x.strs)
		x.index[s] = i
		x.strs = append(x.strs, s)
	}
	return i
}

// close writes the shared strings (count: the cells referring to them)
// and finishes the package.
func (x *rawXLSX) close(count int) error {
	ssw, err := x.zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(ssw, 1<<20)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="%s" count="%d" uniqueCount="%d">`, nsMain, count, len(x.strs))
	for _, s := range x.strs {
		bw.WriteString("<si><t>" + s + "</t></si>")
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return x.zw.Close()
}

// resetPeakRSS frees what it can and resets the kernel's peak-RSS mark, so
// that VmHWM afterwards measures only what follows.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the process's peak resident set (VmHWM) in MB, 0 if unknown.
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// readBench reads the whole file at path b.N times.
func readBench(b *testing.B, path string) {
	resetPeakRSS()
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for range b.N {
		r, err := OpenFile(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.FindHeader(benchCols, 0); err != nil {
			b.Fatal(err)
		}
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if row.Get("2") == "" {
				b.Fatalf("row %d without an ID number", row.Num)
			}
			rows++
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if rows != benchRows*b.N {
		b.Fatalf("read %d rows, want %d", rows, benchRows*b.N)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peakRSS(), "MB-peak-RSS")
	st, _ := os.Stat(path)
	b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
	if zr, err := zip.OpenReader(path); err == nil {
		// The figures the zip-bomb limits must let through.
		var u, c, worst uint64
		for _, f := range zr.File {
			u, c = u+f.UncompressedSize64, c+f.CompressedSize64
			if f.CompressedSize64 > 0 && f.UncompressedSize64 > ratioMinSize {
				worst = max(worst, f.UncompressedSize64/f.CompressedSize64)
			}
		}
		zr.Close()
		b.ReportMetric(float64(u)/(1<<20), "MB-unzipped")
		b.ReportMetric(float64(worst), "max-part-ratio")
	}
}

// BenchmarkReadCSV reads a 1,000,000-row, 15-column UTF-8 CSV.
func BenchmarkReadCSV(b *testing.B) {
	readBench(b, benchFile(b, "members.csv", genCSV))
}

// BenchmarkReadXLSX reads a 1,000,000-row workbook made by NewXLSXWriter.
func BenchmarkReadXLSX(b *testing.B) {
	readBench(b, benchFile(b, "members.xlsx", genXLSX))
}

// BenchmarkReadXLSXShared reads a 1,000,000-row workbook laid out as Excel
// saves it (shared strings).
func BenchmarkReadXLSXShared(b *testing.B) {
	readBench(b, benchFile(b, "members-shared.xlsx", genSharedXLSX))
}

// BenchmarkWriteXLSX writes 1,000,000 rows with NewXLSXWriter.
func BenchmarkWriteXLSX(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	rows := make([][]string, 1000)
	for i := range rows {
		rows[i] = memberRow(rng, i)
	}
	dir := b.TempDir()
	resetPeakRSS()
	b.ReportAllocs()
	b.ResetTimer()
	var size int64
	for range b.N {
		f, err := os.Create(filepath.Join(dir, "out.xlsx"))
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		x, err := NewXLSXWriter(bw, "家庭成员", benchHeader)
		if err != nil {
			b.Fatal(err)
		}
		for i := range benchRows {
			if err := x.WriteRow(rows[i%len(rows)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := x.Close(); err != nil {
			b.Fatal(err)
		}
		bw.Flush()
		size, _ = f.Seek(0, io.SeekCurrent)
		f.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/(1<<20), "MB-file")
	b.ReportMetric(peakRSS(), "MB-peak-RSS")
}

// wideRows is the size of the wide benchmark workbook: large enough to
// measure, small enough to run both readers in one go.
const wideRows = 200_000

var wideHeader = append(append([]string{}, benchHeader...),
	"家庭人口", "年收入", "人均收入", "登记日期", "更新时间", "是否监测", "备注", "银行卡号", "所属村组", "核验结果")

// genWideXLSX writes a 200,000-row, 25-column workbook as Excel saves it:
// text in the shared-string table, numbers as numbers, dates as serial
// numbers under date formats (built-in, custom and date-time), booleans,
// inline strings and formulas with cached results.
func genWideXLSX(w io.Writer) error {
	x := newRawXLSX(w)
	// Styles: 0 General, 1 built-in date 14, 2 custom yyyy"年"m"月"d"日",
	// 3 built-in date-time 22, 4 #,##0.00.
	if err := x.workbook("家庭成员", `<styleSheet xmlns="`+nsMain+`"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>`+
		`<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>`+
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`+
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`); err != nil {
		return err
	}
	sw, err := x.zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(sw, 1<<20)
	ref := x.ref
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<worksheet xmlns="%s" xmlns:r="%s"><dimension ref="A1:Y%d"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="14.25"/><sheetData>`, nsMain, nsRel, wideRows+1)
	bw.WriteString(`<row r="1" spans="1:25">`)
	for c, v := range wideHeader {
		fmt.Fprintf(bw, `<c r="%s1" t="s"><v>%d</v></c>`, ColumnLetter(c), ref(v))
	}
	bw.WriteString(`</row>`)
	rng := rand.New(rand.NewSource(1))
	for i := range wideRows {
		r := i + 2
		m := memberRow(rng, i)
		fmt.Fprintf(bw, `<row r="%d" spans="1:25">`, r)
		for c, v := range m {
			col := ColumnLetter(c)
			switch c {
			case 6: // birth date as a date serial
				var y, mo, d int
				fmt.Sscanf(v, "%d-%d-%d", &y, &mo, &d)
				serial := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
				fmt.Fprintf(bw, `<c r="%s%d" s="1"><v>%d</v></c>`, col, r, int(serial))
			case 12: // phone number as a number
				fmt.Fprintf(bw, `<c r="%s%d"><v>%s</v></c>`, col, r, v)
			default:
				fmt.Fprintf(bw, `<c r="%s%d" t="s"><v>%d</v></c>`, col, r, ref(v))
			}
		}
		fmt.Fprintf(bw, `<c r="P%d"><v>%d</v></c>`, r, 1+rng.Intn(8))
		fmt.Fprintf(bw, `<c r="Q%d"><v>%d.%d</v></c>`, r, rng.Intn(100000), rng.Intn(100))
		fmt.Fprintf(bw, `<c r="R%d" s="4"><v>%g</v></c>`, r, float64(rng.Intn(10000000))/300)
		fmt.Fprintf(bw, `<c r="S%d" s="2"><v>%d</v></c>`, r, 44000+rng.Intn(1500))
		fmt.Fprintf(bw, `<c r="T%d" s="3"><v>%d.%d</v></c>`, r, 45000+rng.Intn(300), rng.Intn(24)*41666)
		fmt.Fprintf(bw, `<c r="U%d" t="b"><v>%d</v></c>`, r, rng.Intn(2))
		if rng.Intn(4) == 0 {
			fmt.Fprintf(bw, `<c r="V%d" t="inlineStr"><is><t>已核实 &amp; 无异常</t></is></c>`, r)
		}
		fmt.Fprintf(bw, `<c r="W%d" t="s"><v>%d</v></c>`, r, ref(fmt.Sprintf("6217%015d", rng.Int63n(1e15))))
		fmt.Fprintf(bw, `<c r="X%d" t="s"><v>%d</v></c>`, r, ref(fmt.Sprintf("第%d组", 1+rng.Intn(12))))
		fmt.Fprintf(bw, `<c r="Y%d" t="str"><f>IF(P%d&gt;0,"通过","未通过")</f><v>通过</v></c>`, r, r)
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return x.close((wideRows + 1) * 20)
}

// BenchmarkReadXLSXWide reads the 200,000-row, 25-column workbook of
// genWideXLSX through the fast reader and through excelize alone, and
// reports the cost per row of each.
func BenchmarkReadXLSXWide(b *testing.B) {
	path := benchFile(b, "members-wide.xlsx", genWideXLSX)
	for _, mode := range []struct {
		name string
		fast bool
	}{{"fast", true}, {"excelize", false}} {
		b.Run(mode.name, func(b *testing.B) {
			defer func(v bool) { xlsxFastPath = v }(xlsxFastPath)
			xlsxFastPath = mode.fast
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			rows := 0
			for range b.N {
				r, err := OpenFile(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					_, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if src := r.src.(*xlsxSource); mode.fast && (src.f != nil || src.wb == nil) {
					b.Fatal("the fast reader did not read the file by itself")
				}
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
				if n != wideRows+1 {
					b.Fatalf("read %d rows, want %d", n, wideRows+1)
				}
				rows += n
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
		})
	}
}
