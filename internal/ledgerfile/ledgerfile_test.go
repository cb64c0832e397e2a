package ledgerfile

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
)

var dept = ledger.Actor{AccountID: 13, Name: "赵局长", Role: "县直部门", Unit: "县住建局"}

func cst(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, clock.China) }

// planned makes a problem in rectification with two progress entries.
func planned(t *testing.T, n int, remarks string) *ledger.Problem {
	t.Helper()
	now := cst(2024, 7, 22, 9)
	p, err := ledger.New(ledger.Draft{Number: ledger.NewNumber("141121", 2024, n), Description: "张某某家住房出现裂缝，疑似危房",
		Dimension: "housing", Region: "141121104201", Source: "inspection", Remarks: remarks}, dept, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(ledger.RectificationPlan{Severity: ledger.Ordinary, TaskForce: "住房安全保障专班", LeadUnit: "县住建局",
		SupportingUnits: []string{"刘胡兰镇人民政府", "东堡村"}, Owner: "赵局长", Measures: "=组织鉴定；纳入危房改造",
		Deadline: deadline.Date(2024, 7, 27)}, dept, now); err != nil {
		t.Fatal(err)
	}
	later := cst(2024, 7, 23, 9)
	for _, e := range []ledger.ProgressEntry{{Date: deadline.Date(2024, 7, 22), Text: "完成鉴定，为C级"}, {Text: "施工队进场\n购置材料"}} {
		if _, err := p.AddProgress(e, dept, later); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

var header = ledger.Header{TaskForce: "住房安全保障专班", LeadUnit: "县住建局", FilledBy: "王某", Date: deadline.Date(2024, 7, 23)}

func export(t *testing.T, ps ...*ledger.Problem) []byte {
	t.Helper()
	var b bytes.Buffer
	x, err := NewExport(&b, ledger.TemplateTitle("刘胡兰镇", 2024), header)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := x.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The exported workbook is the template of 002 附件1, cell by cell.
func TestExportMatchesTemplate(t *testing.T) {
	p := planned(t, 17, "户主外出务工")
	q := planned(t, 18, "")
	data := export(t, p, q)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sh := f.GetSheetName(0)
	cell := func(ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sh, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	want := map[string]string{
		"A1": "刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账",
		// the header block: 专班, 牵头单位, (盖章), 填表人, 时间 (a merged
		// range reads as its first cell's value throughout)
		"A2": "专班:住房安全保障专班", "B2": "专班:住房安全保障专班", "C2": "专班:住房安全保障专班",
		"D2": "牵头单位:县住建局", "E2": "牵头单位:县住建局", "F2": "牵头单位:县住建局",
		"G2": "(盖章)", "H2": "填表人:王某", "I2": "填表人:王某", "J2": "时间:2024年7月23日", "K2": "",
		// the columns in order
		"A3": "序号", "B3": "对照排查内容排查出的具体问题", "C3": "整改措施", "D3": "整改进展", "E3": "整改时限",
		"F3": "整改结果", "G3": "牵头单位", "H3": "配合单位", "I3": "责任人", "J3": "备注",
		// a data row: the deadline as a date, the result one of three words
		"A4": "1", "B4": "张某某家住房出现裂缝，疑似危房", "C4": "=组织鉴定；纳入危房改造",
		"D4": "2024年7月22日：完成鉴定，为C级\n2024年7月23日：施工队进场\n购置材料", "E4": "2024年7月27日前", "F4": "正在整改",
		"G4": "县住建局", "H4": "刘胡兰镇人民政府、东堡村", "I4": "赵局长", "J4": "编号:141121-2024-00017；户主外出务工",
		"A5": "2", "J5": "编号:141121-2024-00018",
		// the filling notes under the table, word for word
		"A6": ledger.FillingNotes, "K6": "",
	}
	for ref, v := range want {
		if got := cell(ref); got != v {
			t.Errorf("%s = %q, want %q", ref, got, v)
		}
	}
	rows, _ := f.GetRows(sh)
	if len(rows) != 6 {
		t.Errorf("%d rows, want title, header block, columns, 2 problems, notes", len(rows))
	}
	// Every cell of the header block, column row and data rows is text: no
	// formula runs (the measures begin with "=").
	for _, ref := range []string{"A1", "A2", "J2", "A3", "C4", "E4"} {
		if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
			t.Errorf("%s has a formula %q", ref, fm)
		}
	}
	merged, err := f.GetMergeCells(sh)
	if err != nil {
		t.Fatal(err)
	}
	var spans []string
	for _, m := range merged {
		spans = append(spans, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	for _, want := range []string{"A1:J1", "A2:C2", "D2:F2", "H2:I2", "A6:J6"} {
		if !strings.Contains(strings.Join(spans, " "), want) {
			t.Errorf("merged cells %v lack %s", spans, want)
		}
	}
	// The deadline cell is a date the template's way and parses as one.
	if d, err := deadline.ParseDate(cell("E4"), 0); err != nil || !d.Equal(p.Deadline) {
		t.Errorf("deadline %v %v", d, err)
	}

	// It reads back unchanged: header, rows, and no change when merged.
	back, err := Read(bytes.NewReader(data), int64(len(data)), 2000)
	if err != nil || back.Err() != nil {
		t.Fatalf("%v %v", err, back.Err())
	}
	if !reflect.DeepEqual(back.Header, header) || back.ColumnRow != ColumnRow || len(back.Rows) != 2 {
		t.Fatalf("header %+v row %d rows %d", back.Header, back.ColumnRow, len(back.Rows))
	}
	for i, want := range []*ledger.Problem{p, q} {
		r := back.Rows[i]
		wr, err := ledger.ParseRow(ledger.ToRow(want, i+1), FirstRow+i, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, wr) {
			t.Fatalf("row %d\n got %+v\nwant %+v", i, r, wr)
		}
		ev, warn, err := want.MergeRow(r, dept, cst(2024, 7, 24, 9))
		if err != nil || len(ev) != 0 || len(warn) != 0 {
			t.Fatalf("re-import changed the problem: %v %v %v", ev, warn, err)
		}
	}
}

// An empty ledger is still the whole template.
func TestExportEmpty(t *testing.T) {
	data := export(t)
	back, err := Read(bytes.NewReader(data), int64(len(data)), 2024)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 0 || back.Err() == nil || !strings.Contains(apperr.MessageOf(back.Err()), "没有任何问题") {
		t.Fatalf("%+v %v", back.Rows, back.Err())
	}
}

// A blank template with typed rows, CSV: dates without a year take the
// title's year; empty numbered rows are skipped; errors name row and field.
func TestReadErrorsAndErrorWorkbook(t *testing.T) {
	csv := strings.Join([]string{
		"附件1:",
		"刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账",
		"专班:控辍保学专班,,,牵头单位:县教科局,,,(盖章),填表人:钱某,,时间:7月20日",
		"序号,对照排查内容排查出的具体问题,整改措施,整改进展,整改时限,整改结果,牵头单位,配合单位,责任人,备注",
		"1,残疾儿童送教上门台账不规范,规范台账,7月22日：完成摸排,8月15日前,正在整改,县教科局,刘胡兰镇,钱局长,",
		"2,问题二,,,尽快,已完成,县教科局,,钱局长,",
		"3,,,,,,,,,",
		"填表说明: 1.整改措施要有针对性、可行性。",
	}, "\r\n")
	p, err := Read(strings.NewReader(csv), int64(len(csv)), 2030)
	if err != nil {
		t.Fatal(err)
	}
	if p.Header.TaskForce != "控辍保学专班" || !p.Header.Date.Equal(deadline.Date(2024, 7, 20)) || p.ColumnRow != 4 {
		t.Fatalf("header %+v %d", p.Header, p.ColumnRow)
	}
	if len(p.Rows) != 1 || !p.Rows[0].Deadline.Equal(deadline.Date(2024, 8, 15)) || p.Rows[0].Line != 5 {
		t.Fatalf("rows %+v", p.Rows)
	}
	fields := map[string]bool{}
	for _, f := range p.Errors {
		if f.Row != 6 {
			t.Errorf("error on row %d: %+v", f.Row, f)
		}
		fields[f.Field] = true
	}
	if !fields["measures"] || !fields["deadline"] || !fields["result"] || len(fields) != 3 {
		t.Fatalf("errors %+v", p.Errors)
	}
	extra := append(p.Errors, apperr.FieldError{Field: "region", Label: "所在区划", Message: "请选择问题所在区划"})
	var b bytes.Buffer
	if err := p.WriteErrors(&b, extra); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	// title, heading, the file-wide problem (on the column row), row 6
	if len(rows) != 4 || rows[2][0] != "4" || !strings.Contains(rows[2][1], "所在区划") || rows[3][0] != "6" ||
		!strings.Contains(rows[3][1], "「整改措施」不能为空") || !strings.Contains(rows[3][1], "「整改时限」") || rows[3][3] != "问题二" {
		t.Fatalf("error workbook %q", rows)
	}

	for _, bad := range []string{"", "not,a,ledger\n1,2,3", "\x00\x01binary"} {
		if _, err := Read(strings.NewReader(bad), int64(len(bad)), 2024); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestBulletinWorkbook(t *testing.T) {
	now := cst(2024, 7, 24, 9)
	p := planned(t, 1, "")
	q := planned(t, 2, "")
	b := ledger.WeeklyBulletin(ledger.WeekOf(now), cst(2024, 7, 29, 9), []*ledger.Problem{p, q})
	var buf bytes.Buffer
	if err := WriteBulletin(&buf, BulletinTitle("刘胡兰镇", b.Week), b, map[string]string{"141121104201": "东堡村"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{
		"刘胡兰镇问题整改每周调度通报（2024年7月22日—2024年7月28日）",
		"分组|名称|新增|销号|在办|逾期|即将到期|列入约谈问责",
		"合计|全部问题|2|0|2|2|0|0", "按问题类别|住房安全保障|2|0|2|2|0|0", "按牵头单位|县住建局|2|0|2|2|0|0",
		"逾期问题清单（共2件）", "1|141121-2024-00001|张某某家住房出现裂缝，疑似危房|东堡村|县住建局|赵局长|一般问题整改|2024年7月27日前|2",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("bulletin lacks %q:\n%s", want, all)
		}
	}
}
