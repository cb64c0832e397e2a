package ledger

import (
	"reflect"
	"strings"
	"testing"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/policy"
)

func TestTemplateData(t *testing.T) {
	labels := make([]string, len(Columns))
	for i, c := range Columns {
		labels[i] = c.Label
	}
	want := "序号 对照排查内容排查出的具体问题 整改措施 整改进展 整改时限 整改结果 牵头单位 配合单位 责任人 备注"
	if got := strings.Join(labels, " "); got != want || len(Columns) != NumColumns {
		t.Fatalf("columns %s", got)
	}
	var h []string
	for _, f := range HeaderFields {
		h = append(h, f.Label)
	}
	if got := strings.Join(h, " "); got != "专班 牵头单位 (盖章) 填表人 时间" {
		t.Fatalf("header %s", got)
	}
	// The notes word for word (002 附件1), and the items are the same text.
	notes := "填表说明: 1.整改措施要有针对性、可行性。2.整改进展填写已经做了的具体工作。3.整改时限明确化,如*月*日前。" +
		"4.整改结果填写为“正在整改、整改完成或整改完成长期坚持”三种形式中的一种。5.责任人填写牵头单位的主要负责人。"
	if FillingNotes != notes || policy.LedgerTemplate.Seed != "002" {
		t.Fatalf("notes %q", FillingNotes)
	}
	joined := "填表说明: "
	for i, it := range FillingNoteItems {
		joined += string(rune('1'+i)) + "." + it
	}
	if joined != notes {
		t.Fatalf("items %q", joined)
	}
	// The three results are exactly the note's three words.
	for _, v := range ResultEnum.Values {
		if !strings.Contains(notes, v.Label) || len(v.Aliases) != 0 {
			t.Errorf("result %s", v.Label)
		}
	}
	if got := TemplateTitle("刘胡兰镇", 2024); got != "刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账" {
		t.Fatal(got)
	}
}

func TestCheckColumns(t *testing.T) {
	var ok []string
	for _, c := range Columns {
		ok = append(ok, c.Label)
	}
	if err := CheckColumns(ok); err != nil {
		t.Fatal(err)
	}
	spaced := append([]string(nil), ok...)
	spaced[1] = "对照排查内容\n排查出的具体问题 "
	spaced = append(spaced, "", " ")
	if err := CheckColumns(spaced); err != nil {
		t.Fatal(err)
	}
	bad := append([]string(nil), ok...)
	bad[2], bad[3] = bad[3], bad[2]
	err := CheckColumns(append(bad, "联系电话"))
	wantFieldErr(t, err, "measures", "progress", "columns")
	if !strings.Contains(apperr.MessageOf(err), "第3列表头应为「整改措施」，实际为「整改进展」") {
		t.Fatal(apperr.MessageOf(err))
	}
	wantFieldErr(t, CheckColumns(ok[:9]), "remarks")
}

func TestHeader(t *testing.T) {
	h := Header{TaskForce: "住房安全保障专班", LeadUnit: "县住建局", FilledBy: "王某", Date: deadline.Date(2024, 7, 20)}
	lines := h.Lines()
	if strings.Join(lines, "|") != "专班:住房安全保障专班|牵头单位:县住建局|(盖章)|填表人:王某|时间:2024年7月20日" {
		t.Fatal(lines)
	}
	back, err := ParseHeader(lines, 0)
	if err != nil || !reflect.DeepEqual(back, h) {
		t.Fatalf("%+v %v", back, err)
	}
	// All in one cell, full-width colons, the seal mark inside.
	back, err = ParseHeader([]string{"专班：住房安全保障专班  牵头单位：县住建局（盖章）  填表人：王某  时间：7月20日"}, 2024)
	if err != nil || !reflect.DeepEqual(back, h) {
		t.Fatalf("%+v %v", back, err)
	}
	_, err = ParseHeader([]string{"时间:某天"}, 2024)
	wantFieldErr(t, err, "date")
}

func TestRemarksNumber(t *testing.T) {
	cases := []struct{ cell, number, remarks string }{
		{"编号:141121-2024-00017", "141121-2024-00017", ""},
		{"编号:141121-2024-00017；已约谈", "141121-2024-00017", "已约谈"},
		{"编号：A7 ;已约谈", "A7", "已约谈"},
		{"已约谈 编号: A7", "A7", "已约谈"},
		{"已约谈", "", "已约谈"},
		{"", "", ""},
	}
	for _, c := range cases {
		n, r := SplitRemarks(c.cell)
		if n != c.number || r != c.remarks {
			t.Errorf("%q: %q %q", c.cell, n, r)
		}
	}
	if JoinRemarks("A7", "已约谈") != "编号:A7；已约谈" || JoinRemarks("", "x") != "x" || JoinRemarks("A7", "") != "编号:A7" {
		t.Fatal("JoinRemarks")
	}
	if NewNumber("141121", 2024, 17) != "141121-2024-00017" {
		t.Fatal(NewNumber("141121", 2024, 17))
	}
}

// A planned problem with progress, written as a row and read back.
func TestRowRoundTrip(t *testing.T) {
	c := clock.NewManual(cst(2024, 7, 22, 9))
	d := draft()
	d.Number, d.Remarks, d.Source = "141121-2024-00017", "户主外出务工", SourceInspection
	p, err := New(d, above, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	must(t)(p.Plan(RectificationPlan{
		Severity: Ordinary, TaskForce: "住房安全保障专班", LeadUnit: "县住建局",
		SupportingUnits: []string{"刘胡兰镇人民政府", "刘胡兰村"}, Owner: "赵局长",
		Measures: "组织鉴定；纳入危房改造", Deadline: deadline.Date(2024, 7, 27),
	}, dept, c.Now()))
	c.Set(cst(2024, 7, 23, 9))
	must(t)(p.AddProgress(ProgressEntry{Date: deadline.Date(2024, 7, 22), Text: "完成鉴定，为C级"}, dept, c.Now()))
	must(t)(p.AddProgress(ProgressEntry{Text: "施工队进场\n购置材料"}, dept, c.Now()))

	row := ToRow(p, 3)
	want := []string{"3", d.Description, "组织鉴定；纳入危房改造", "2024年7月22日：完成鉴定，为C级\n2024年7月23日：施工队进场\n购置材料",
		"2024年7月27日前", "正在整改", "县住建局", "刘胡兰镇人民政府、刘胡兰村", "赵局长", "编号:141121-2024-00017；户主外出务工"}
	if !reflect.DeepEqual(row, want) {
		t.Fatalf("row\n got %q\nwant %q", row, want)
	}
	r, err := ParseRow(row, 7, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 3 || r.Number != p.Number || r.Description != p.Description || r.Measures != p.Measures ||
		!r.Deadline.Equal(p.Deadline) || r.Result != p.Result || r.LeadUnit != p.LeadUnit ||
		!reflect.DeepEqual(r.SupportingUnits, p.SupportingUnits) || r.Owner != p.Owner || r.Remarks != p.Remarks || r.Line != 7 {
		t.Fatalf("%+v", r)
	}
	if len(r.Progress) != 2 {
		t.Fatalf("%+v", r.Progress)
	}
	for i, e := range r.Progress {
		if !e.Date.Equal(p.Progress[i].Date) || e.Text != p.Progress[i].Text {
			t.Errorf("progress %d: %+v vs %+v", i, e, p.Progress[i])
		}
	}

	// Importing the same row changes nothing and warns of nothing.
	ev, warn, err := p.MergeRow(r, dept, c.Now())
	if err != nil || len(ev) != 0 || len(warn) != 0 {
		t.Fatalf("%v %v %v", ev, warn, err)
	}
	// A new progress line and new remarks come in; a changed deadline and
	// result are warned about, not taken.
	row[ColProgress] += "\n7月24日：墙体加固完成"
	row[ColRemarks] = "编号:141121-2024-00017；户主已返乡"
	row[ColDeadline] = "8月10日前"
	row[ColResult] = "整改完成"
	r, err = ParseRow(row, 7, 2024)
	if err != nil {
		t.Fatal(err)
	}
	c.Set(cst(2024, 7, 24, 18))
	ev, warn, err = p.MergeRow(r, dept, c.Now())
	if err != nil || len(ev) != 2 || ev[0].Kind != EventProgress || ev[1].Kind != EventRemarks {
		t.Fatalf("%+v %v", ev, err)
	}
	if len(p.Progress) != 3 || p.Progress[2].Text != "墙体加固完成" || p.Remarks != "户主已返乡" {
		t.Fatalf("%+v %q", p.Progress, p.Remarks)
	}
	if len(warn) != 2 || !strings.Contains(warn[0], "第7行「整改时限」") || !strings.Contains(warn[1], "提交验收") || p.DeadlineText() != "2024年7月27日前" || p.Result != InProgress {
		t.Fatalf("%q", warn)
	}
	r.Number = "OTHER"
	_, _, err = p.MergeRow(r, dept, c.Now())
	wantFieldErr(t, err, "remarks")
}

func TestParseRowErrors(t *testing.T) {
	good := []string{"1", "问题", "措施", "", "8月15日前", "正在整改", "县教科局", "", "钱某", ""}
	if _, err := ParseRow(good, 5, 2024); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		col   int
		value string
		field string
		msg   string
	}{
		{ColSeq, "一", "seq", "正整数"},
		{ColDescription, " ", "description", "不能为空"},
		{ColMeasures, "", "measures", "不能为空"},
		{ColDeadline, "", "deadline", "不能为空"},
		{ColDeadline, "尽快", "deadline", "格式不正确"},
		{ColResult, "已完成", "result", "三种形式中的一种"},
		{ColResult, "", "result", "不能为空"},
		{ColLeadUnit, "", "lead_unit", "不能为空"},
		{ColOwner, "", "owner", "不能为空"},
		{ColProgress, "13月1日：x", "progress", "不是有效日期"},
	}
	for _, c := range cases {
		row := append([]string(nil), good...)
		row[c.col] = c.value
		_, err := ParseRow(row, 5, 2024)
		wantFieldErr(t, err, c.field)
		fe := apperr.FieldsOf(err)[0]
		if fe.Row != 5 || fe.Label != Columns[c.col].Label || !strings.Contains(fe.Message, c.msg) {
			t.Errorf("%s=%q: %+v", c.field, c.value, fe)
		}
		if !strings.HasPrefix(apperr.MessageOf(err), "第5行「"+Columns[c.col].Label+"」") {
			t.Errorf("message %q", apperr.MessageOf(err))
		}
	}
	// Every problem of a row at once; an eleventh column with content.
	_, err := ParseRow([]string{"", "", "", "", "", "", "", "", "", "", "多余"}, 9, 2024)
	wantFieldErr(t, err, "description", "measures", "deadline", "result", "lead_unit", "owner", "columns")
	// Short rows are padded; the result accepts its code and inner spaces.
	r, err := ParseRow([]string{"", "问题", "措施", "", "2024-08-15", "整改完成 长期坚持", "县教科局", "", "钱某"}, 2, 0)
	if err != nil || r.Result != DoneSustained || r.Number != "" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestNewFromRow(t *testing.T) {
	now := cst(2024, 7, 25, 10)
	r, err := ParseRow([]string{"1", "残疾儿童送教上门台账不规范", "规范送教上门台账", "7月22日：完成摸排\n7月24日：建立台账", "8月15日前", "正在整改", "县教科局", "刘胡兰镇", "钱局长", ""}, 4, 2024)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ImportContext{Number: "141121-2024-00001", Region: "141121102", Dimension: DimEducation, TaskForce: "控辍保学专班"}
	p, warn, err := NewFromRow(r, ctx, dept, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != Planned || p.Source != SourceInspection || p.Severity != Ordinary || p.TaskForce != "控辍保学专班" ||
		p.DeadlineText() != "2024年8月15日前" || len(p.Progress) != 2 || p.Number != ctx.Number || len(p.History) != 1 || p.History[0].Kind != EventImported {
		t.Fatalf("%+v", p)
	}
	// 15 August is beyond 7 days from 25 July: kept, with a warning.
	if len(warn) != 1 || !strings.Contains(warn[0], "第4行「整改时限」") {
		t.Fatalf("%q", warn)
	}
	if cur := p.Current(); cur.Key != "rectify_ordinary" || !cur.Due.Equal(deadline.Date(2024, 8, 16)) {
		t.Fatalf("%+v", cur)
	}
	back := ToRow(p, 1)
	if back[ColProgress] != "2024年7月22日：完成摸排\n2024年7月24日：建立台账" || back[ColRemarks] != "编号:141121-2024-00001" {
		t.Fatalf("%q", back)
	}

	// A row that reads 整改完成 awaits acceptance, the row being the evidence.
	r.Result = Done
	r.Deadline = deadline.Date(2024, 7, 23)
	p, warn, err = NewFromRow(r, ctx, dept, now)
	if err != nil || p.State != Submitted || p.Result != Done || len(p.Submissions) != 1 || p.Current().Key != "accept" {
		t.Fatalf("%+v %v", p, err)
	}
	// Done by 24 July (its last progress) against a last day of 23 July: late, flagged at the next check.
	if st := p.Stages[0].Status(now); st != deadline.DoneLate {
		t.Fatal(st)
	}
	if ev := p.CheckOverdue(now); len(ev) != 1 {
		t.Fatal(ev)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "已提交上级验收") {
		t.Fatalf("%q", warn)
	}
	_, _, err = NewFromRow(r, ImportContext{}, dept, now)
	wantFieldErr(t, err, "dimension", "region")
}

func FuzzParseRow(f *testing.F) {
	f.Add("1", "问题", "措施", "2024年7月22日：完成\n续", "8月15日前", "正在整改", "单位", "甲、乙", "某", "编号:A1；备注")
	f.Add("", "", "", "", "", "", "", "", "", "")
	f.Add("x", "a", "b", "7月1日x", "2024-02-30", "整改完成", "c", ",", "d", "编号：")
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h, i, j, k string) {
		cells := []string{a, b, c, d, e, g, h, i, j, k}
		r, err := ParseRow(cells, 1, 2024)
		if err != nil {
			if len(apperr.FieldsOf(err)) == 0 || apperr.MessageOf(err) == "" {
				t.Fatalf("error without fields: %v", err)
			}
			for _, fe := range apperr.FieldsOf(err) {
				if fe.Row != 1 || fe.Label == "" {
					t.Fatalf("%+v", fe)
				}
			}
			return
		}
		// What parses writes back to a row that parses to the same fields.
		p := &Problem{
			Number: r.Number, Description: r.Description, Measures: r.Measures, Deadline: r.Deadline,
			Result: r.Result, LeadUnit: r.LeadUnit, SupportingUnits: r.SupportingUnits, Owner: r.Owner, Remarks: r.Remarks,
		}
		for _, e := range r.Progress {
			p.Progress = append(p.Progress, Progress{Date: e.Date, Text: e.Text})
		}
		r2, err := ParseRow(ToRow(p, 1), 1, 2024)
		if err != nil {
			t.Fatalf("written row does not parse: %v", err)
		}
		r2.Seq = r.Seq
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip\n%+v\n%+v", r, r2)
		}
	})
}
