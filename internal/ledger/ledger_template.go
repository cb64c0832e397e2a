package ledger

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/deadline"
	"sanbao/internal/policy"
)

// The official ledger template, 002 附件1 (问题排查整改台账), as data: the
// title, the header block, the columns in order and the filling notes.

// TemplateTitle is the title line: unit and year, e.g.
// 刘胡兰镇2024年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账.
func TemplateTitle(unit string, year int) string {
	return fmt.Sprintf("%s%d年度巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题排查整改台账", unit, year)
}

// Field is one named place of the template.
type Field struct {
	Key   string
	Label string
}

// HeaderFields is the header block, in order. The seal (盖章) has no value:
// it is stamped beside the lead unit on paper.
var HeaderFields = []Field{
	{"task_force", "专班"},
	{"lead_unit", "牵头单位"},
	{"seal", "(盖章)"},
	{"filled_by", "填表人"},
	{"date", "时间"},
}

// Columns of the ledger, in order.
var Columns = []Field{
	{"seq", "序号"},
	{"description", "对照排查内容排查出的具体问题"},
	{"measures", "整改措施"},
	{"progress", "整改进展"},
	{"deadline", "整改时限"},
	{"result", "整改结果"},
	{"lead_unit", "牵头单位"},
	{"supporting_units", "配合单位"},
	{"owner", "责任人"},
	{"remarks", "备注"},
}

// Column indexes.
const (
	ColSeq = iota
	ColDescription
	ColMeasures
	ColProgress
	ColDeadline
	ColResult
	ColLeadUnit
	ColSupportingUnits
	ColOwner
	ColRemarks
	NumColumns
)

// FillingNotes are the template's notes (填表说明), word for word from
// 002 附件1.
var FillingNotes = policy.LedgerTemplate.Quote

// FillingNoteItems are the five notes one by one.
var FillingNoteItems = []string{
	"整改措施要有针对性、可行性。",
	"整改进展填写已经做了的具体工作。",
	"整改时限明确化,如*月*日前。",
	"整改结果填写为“正在整改、整改完成或整改完成长期坚持”三种形式中的一种。",
	"责任人填写牵头单位的主要负责人。",
}

// Header is the header block of one ledger.
type Header struct {
	TaskForce string    // 专班
	LeadUnit  string    // 牵头单位
	FilledBy  string    // 填表人
	Date      time.Time // 时间
}

// Lines writes the header block, one field a line, the seal mark in its
// place: 专班:…, 牵头单位:…, (盖章), 填表人:…, 时间:2024年7月20日.
func (h Header) Lines() []string {
	return []string{
		"专班:" + h.TaskForce,
		"牵头单位:" + h.LeadUnit,
		"(盖章)",
		"填表人:" + h.FilledBy,
		"时间:" + deadline.FormatDateCN(h.Date),
	}
}

var reHeader = regexp.MustCompile(`(专班|牵头单位|填表人|时间)\s*[:：]\s*`)

// ParseHeader reads the header fields from the cells above the column row
// (in any arrangement: one field a cell, or several in one cell).
func ParseHeader(cells []string, defaultYear int) (Header, error) {
	var h Header
	v := apperr.Validation{}
	for _, c := range cells {
		c = strings.NewReplacer("(盖章)", " ", "（盖章）", " ").Replace(c)
		locs := reHeader.FindAllStringSubmatchIndex(c, -1)
		for i, l := range locs {
			end := len(c)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			val := strings.TrimSpace(c[l[1]:end])
			switch c[l[2]:l[3]] {
			case "专班":
				h.TaskForce = val
			case "牵头单位":
				h.LeadUnit = val
			case "填表人":
				h.FilledBy = val
			case "时间":
				if val == "" {
					continue
				}
				d, err := deadline.ParseDate(val, defaultYear)
				if err != nil {
					v.Add("date", "时间", "%s", apperr.MessageOf(err))
					continue
				}
				h.Date = d
			}
		}
	}
	return h, v.Err()
}

// CheckColumns checks a column row against the template (spaces and line
// breaks inside a heading are ignored; empty trailing cells are allowed).
func CheckColumns(cells []string) error {
	var v apperr.Validation
	for i, c := range Columns {
		got := ""
		if i < len(cells) {
			got = squeeze(cells[i])
		}
		if got != c.Label {
			v.Add(c.Key, c.Label, "第%d列表头应为「%s」，实际为「%s」", i+1, c.Label, got)
		}
	}
	for i := len(Columns); i < len(cells); i++ {
		if squeeze(cells[i]) != "" {
			v.Add("columns", "表头", "第%d列「%s」不是模板的列，模板共%d列", i+1, squeeze(cells[i]), len(Columns))
		}
	}
	return v.Err()
}

func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// Where the problem number goes. The template has ten columns and no place
// for an identifier; 序号 is only the row's position and changes when rows
// are sorted or deleted. The number is written at the head of 备注 as
// "编号:141121-2024-00017" (then "；" and the remarks): it stays inside the
// official ten columns, so the sheet can still be stamped and sent upward
// unchanged; it survives copying rows between workbooks, CSV and retyping,
// which a hidden eleventh column does not; and the printed number ties the
// paper row to its dossier.
const numberPrefix = "编号:"

var reNumber = regexp.MustCompile(`编号\s*[:：]\s*([0-9A-Za-z][0-9A-Za-z_-]*)\s*[;；,，]?\s*`)

// NewNumber makes a problem number from the county code, the year and a
// sequence within them: 141121-2024-00017. The store assigns the sequence.
func NewNumber(county string, year, seq int) string {
	return fmt.Sprintf("%s-%d-%05d", county, year, seq)
}

// SplitRemarks separates the problem number from the remarks of a 备注 cell.
func SplitRemarks(cell string) (number, remarks string) {
	cell = strings.TrimSpace(cell)
	if m := reNumber.FindStringSubmatchIndex(cell); m != nil {
		number = cell[m[2]:m[3]]
		cell = strings.TrimSpace(cell[:m[0]] + cell[m[1]:])
	}
	return number, strings.Trim(cell, " ;；,，")
}

// JoinRemarks writes the 备注 cell: the number first, then the remarks.
func JoinRemarks(number, remarks string) string {
	switch {
	case number == "":
		return remarks
	case remarks == "":
		return numberPrefix + number
	}
	return numberPrefix + number + "；" + remarks
}

// FormatProgress writes the 整改进展 cell: one entry a line, each beginning
// with its date, "2024年7月21日：已上门核实…".
func FormatProgress(entries []Progress) string {
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Date.IsZero() {
			lines = append(lines, e.Text)
			continue
		}
		lines = append(lines, deadline.FormatDateCN(e.Date)+"："+e.Text)
	}
	return strings.Join(lines, "\n")
}

var reProgressDate = regexp.MustCompile(`^((?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[\s:：]|$))[\s:：,，、]*`)

// ParseProgress reads a 整改进展 cell back into entries: a line that begins
// with a date starts an entry; a line without one continues the entry
// before it (or starts an undated one).
func ParseProgress(cell string, defaultYear int) ([]ProgressEntry, error) {
	var out []ProgressEntry
	for _, line := range strings.Split(strings.ReplaceAll(cell, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := reProgressDate.FindStringSubmatchIndex(line); m != nil {
			d, err := deadline.ParseDate(strings.TrimRight(line[m[2]:m[3]], " :："), defaultYear)
			if err != nil {
				return nil, err
			}
			out = append(out, ProgressEntry{Date: d, Text: strings.TrimSpace(line[m[1]:])})
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].Text += "\n" + line
		} else {
			out = append(out, ProgressEntry{Text: line})
		}
	}
	return out, nil
}

// splitUnits reads a 配合单位 cell: names separated by 、 , ， ; ； / or lines.
func splitUnits(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；', '/', '\n', '\r':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ToRow writes a problem as a row of the template, seq being its 序号.
func ToRow(p *Problem, seq int) []string {
	row := make([]string, NumColumns)
	row[ColSeq] = strconv.Itoa(seq)
	row[ColDescription] = p.Description
	row[ColMeasures] = p.Measures
	row[ColProgress] = FormatProgress(p.Progress)
	row[ColDeadline] = p.DeadlineText()
	row[ColResult] = p.Result.Label()
	row[ColLeadUnit] = p.LeadUnit
	row[ColSupportingUnits] = strings.Join(p.SupportingUnits, "、")
	row[ColOwner] = p.Owner
	row[ColRemarks] = JoinRemarks(p.Number, p.Remarks)
	return row
}

// Row is one row of the template read back.
type Row struct {
	Line            int // the row's place in the file, for messages
	Seq             int // 序号, 0 when empty
	Number          string
	Description     string
	Measures        string
	Progress        []ProgressEntry
	Deadline        time.Time // last day
	Result          Result
	LeadUnit        string
	SupportingUnits []string
	Owner           string
	Remarks         string
}

// ParseRow reads one row of the template. line is the row's number in the
// file (for messages); defaultYear completes dates written as "8月15日前".
// Every problem of the row is reported, each naming the row and the column.
func ParseRow(cells []string, line, defaultYear int) (Row, error) {
	get := func(i int) string {
		if i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	v := apperr.Validation{Row: line}
	add := func(col int, format string, args ...any) {
		v.Add(Columns[col].Key, Columns[col].Label, format, args...)
	}
	r := Row{Line: line}
	if s := get(ColSeq); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			add(ColSeq, "应为正整数，实际为「%s」", s)
		}
		r.Seq = n
	}
	text := func(col int, dst *string, limit int) {
		*dst = get(col)
		switch {
		case *dst == "":
			add(col, "不能为空")
		case len([]rune(*dst)) > limit:
			add(col, "不能超过%d个字", limit)
		}
	}
	text(ColDescription, &r.Description, maxText)
	text(ColMeasures, &r.Measures, maxText)
	text(ColLeadUnit, &r.LeadUnit, maxName)
	text(ColOwner, &r.Owner, maxName)
	if s := get(ColProgress); s != "" {
		entries, err := ParseProgress(s, defaultYear)
		if err != nil {
			add(ColProgress, "%s", apperr.MessageOf(err))
		}
		r.Progress = entries
		for _, e := range entries {
			if len([]rune(e.Text)) > maxText {
				add(ColProgress, "每条不能超过%d个字", maxText)
				break
			}
		}
	}
	if s := get(ColDeadline); s == "" {
		add(ColDeadline, "不能为空，应写明日期，如8月15日前")
	} else if d, err := deadline.ParseDate(s, defaultYear); err != nil {
		add(ColDeadline, "%s", apperr.MessageOf(err))
	} else {
		r.Deadline = d
	}
	if s := get(ColResult); s == "" {
		add(ColResult, "不能为空，%s", resultRule())
	} else if code, ok := ResultEnum.Parse(squeeze(s)); !ok {
		add(ColResult, "「%s」不符合要求，%s", s, resultRule())
	} else {
		r.Result = Result(code)
	}
	r.SupportingUnits = splitUnits(get(ColSupportingUnits))
	r.Number, r.Remarks = SplitRemarks(get(ColRemarks))
	if len([]rune(r.Remarks)) > maxText {
		add(ColRemarks, "不能超过%d个字", maxText)
	}
	for i := NumColumns; i < len(cells); i++ {
		if strings.TrimSpace(cells[i]) != "" {
			v.Add("columns", "表头", "第%d列有内容，模板只有%d列", i+1, NumColumns)
			break
		}
	}
	return r, v.Err()
}

func resultRule() string {
	return "应填写「正在整改」「整改完成」「整改完成长期坚持」三种形式中的一种"
}

// ImportContext supplies what a template row does not hold, for a new problem.
type ImportContext struct {
	Number    string   // assigned by the store
	Region    string   // required: the village (or township/county) of the ledger
	Dimension string   // required
	Source    string   // default: inspection (考核督查反馈)
	Severity  Severity // default: ordinary
	TaskForce string   // from the header's 专班
}

// NewFromRow makes a problem of a row that has no known number. A ledger row
// is a plan already made, so the problem starts in rectification with the
// row's measures, deadline, owner and progress, without the "135" stages.
// The row's deadline is kept even beyond the "710" limit (a campaign sets
// its own, e.g. 002 "8月15日前"), with a warning. A row whose result reads
// 整改完成 or 整改完成长期坚持 becomes a submission awaiting acceptance, the
// row itself being the evidence. Level: any (the importer).
func NewFromRow(r Row, ctx ImportContext, by Actor, now time.Time) (*Problem, []string, error) {
	src := ctx.Source
	if src == "" {
		src = SourceInspection
	}
	sev := ctx.Severity
	if sev == "" {
		sev = Ordinary
	}
	p, err := New(Draft{
		Number: ctx.Number, Description: r.Description, Dimension: ctx.Dimension,
		Region: ctx.Region, Source: src, Severity: sev, Remarks: r.Remarks,
	}, by, now)
	if err != nil {
		return nil, nil, err
	}
	var warn []string
	rule := policy.Rule710(sev == Major)
	if limit := deadline.LastDayAfter(now, rule.Days); r.Deadline.After(limit) {
		warn = append(warn, fmt.Sprintf("第%d行「整改时限」%s超过“710”时限（%s），已按台账导入", r.Line, deadline.FormatDue(r.Deadline), limitText(sev, limit)))
	}
	p.History = nil
	p.Stages = nil
	p.State = Planned
	p.Severity = sev
	p.TaskForce = strings.TrimSpace(ctx.TaskForce)
	p.LeadUnit, p.SupportingUnits, p.Owner, p.Measures = r.LeadUnit, r.SupportingUnits, r.Owner, r.Measures
	p.Deadline = r.Deadline
	p.Result = InProgress
	var lastWork time.Time
	for _, e := range r.Progress {
		d := e.Date
		if d.IsZero() {
			d = deadline.Day(now)
		}
		if d.After(lastWork) {
			lastWork = d
		}
		p.Progress = append(p.Progress, Progress{Date: d, Text: e.Text, Author: by, At: now})
	}
	stage := deadline.Until(rule.Key, rule.Label, now, r.Deadline)
	p.Stages = []deadline.Stage{stage}
	p.record(now, EventImported, by, fmt.Sprintf("由台账第%d行导入", r.Line), map[string]string{
		"number": p.Number, "description": p.Description, "dimension": p.Dimension, "region": p.Region,
		"source": p.Source, "severity": string(sev), "task_force": p.TaskForce, "lead_unit": p.LeadUnit,
		"supporting_units": strings.Join(p.SupportingUnits, "、"), "owner": p.Owner,
		"measures": p.Measures, "progress": FormatProgress(p.Progress), "deadline": date(p.Deadline),
		"result": string(r.Result), "remarks": p.Remarks,
	}, nil)
	if r.Result.Finished() {
		// The rectification was done by the last day of recorded work.
		done := now
		if !lastWork.IsZero() && lastWork.Before(now) {
			done = lastWork
		}
		p.Stages[0].Finish(done)
		ev := []Evidence{{Kind: EvidenceText, Name: "台账导入", Text: FormatProgress(p.Progress)}}
		if ev[0].Text == "" {
			ev[0].Text = r.Result.Label()
		}
		sub := Submission{Summary: fmt.Sprintf("台账第%d行整改结果为「%s」", r.Line, r.Result.Label()), Result: r.Result, Evidence: ev, At: now, By: by}
		p.Submissions = append(p.Submissions, sub)
		p.Result = r.Result
		p.State = Submitted
		p.Stages = append(p.Stages, deadline.Start(acceptRule, now))
		p.record(now, EventSubmitted, by, "", map[string]string{"summary": sub.Summary, "result": string(sub.Result)}, ev)
		warn = append(warn, fmt.Sprintf("第%d行整改结果为「%s」，已提交上级验收", r.Line, r.Result.Label()))
	}
	return p, warn, nil
}

// MergeRow updates a known problem from its row in an imported ledger:
// progress entries not yet recorded are added; changed remarks replace the
// old. What the workflow alone may change (measures, deadline, result, units,
// owner) is not taken from a sheet: a difference is returned as a warning
// naming the column and the way to change it.
func (p *Problem) MergeRow(r Row, by Actor, now time.Time) ([]Event, []string, error) {
	if r.Number != p.Number {
		return nil, nil, apperr.Field("remarks", "备注", "第%d行编号%s与问题编号%s不符", r.Line, r.Number, p.Number)
	}
	var events []Event
	var warn []string
	w := func(col int, format string, args ...any) {
		warn = append(warn, fmt.Sprintf("第%d行「%s」", r.Line, Columns[col].Label)+fmt.Sprintf(format, args...))
	}
	known := make(map[string]bool, len(p.Progress))
	for _, e := range p.Progress {
		known[date(e.Date)+"\x00"+e.Text] = true
	}
	for _, e := range r.Progress {
		d := e.Date
		if d.IsZero() {
			d = deadline.Day(now)
		}
		if known[date(d)+"\x00"+e.Text] {
			continue
		}
		if p.State != Planned {
			w(ColProgress, "新增内容未导入：问题当前状态为「%s」", p.State.Label())
			break
		}
		ev, err := p.AddProgress(ProgressEntry{Date: d, Text: e.Text}, by, now)
		if err != nil {
			w(ColProgress, "「%s」未导入：%s", e.Text, apperr.MessageOf(err))
			continue
		}
		known[date(d)+"\x00"+e.Text] = true
		events = append(events, ev)
	}
	if r.Remarks != p.Remarks {
		ev, err := p.SetRemarks(r.Remarks, by, now)
		if err != nil {
			return events, warn, err
		}
		events = append(events, ev)
	}
	if r.Measures != p.Measures {
		w(ColMeasures, "与系统记录不同，未导入：整改措施由县级部门在系统中制定")
	}
	if !r.Deadline.Equal(p.Deadline) {
		w(ColDeadline, "%s与系统记录%s不同，未导入：延长时限须经县级领导组织集体研究决定后在系统中登记", deadline.FormatDue(r.Deadline), p.DeadlineText())
	}
	if r.Result != p.Result {
		if r.Result.Finished() && p.State == Planned {
			w(ColResult, "为「%s」，未导入：须在系统中上传整改材料提交验收", r.Result.Label())
		} else {
			w(ColResult, "为「%s」，与系统记录「%s」不同，未导入", r.Result.Label(), p.Result.Label())
		}
	}
	if r.LeadUnit != p.LeadUnit || r.Owner != p.Owner || strings.Join(r.SupportingUnits, "、") != strings.Join(p.SupportingUnits, "、") {
		w(ColOwner, "或牵头单位、配合单位与系统记录不同，未导入")
	}
	return events, warn, nil
}
