package ledger

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/policy"
)

// EventKind names what happened to a problem.
type EventKind string

const (
	EventReported       EventKind = "reported"       // 问题登记
	EventVerified       EventKind = "verified"       // 村级上户核实
	EventForwarded      EventKind = "forwarded"      // 乡镇研判：提交县行业主管部门
	EventDismissed      EventKind = "dismissed"      // 乡镇研判：不符合政策，说服劝导
	EventPlanned        EventKind = "planned"        // 县级部门确定方案，入账
	EventProgress       EventKind = "progress"       // 整改进展
	EventExtended       EventKind = "extended"       // 延期（县级领导集体研究）
	EventSubmitted      EventKind = "submitted"      // 提交验收
	EventAccepted       EventKind = "accepted"       // 验收合格，销号
	EventRejected       EventKind = "rejected"       // 验收不合格，限期整改
	EventReopened       EventKind = "reopened"       // 问题反弹，重新整改
	EventResultSet      EventKind = "result_set"     // 整改结果调整
	EventRemarks        EventKind = "remarks"        // 备注
	EventAccountability EventKind = "accountability" // 列入约谈问责名单
	EventImported       EventKind = "imported"       // 由台账导入
)

var eventLabels = map[EventKind]string{
	EventReported: "问题登记", EventVerified: "上户核实", EventForwarded: "研判提交县级部门",
	EventDismissed: "研判不符合政策", EventPlanned: "确定整改方案", EventProgress: "整改进展",
	EventExtended: "延长整改时限", EventSubmitted: "提交验收", EventAccepted: "验收销号",
	EventRejected: "验收不合格", EventReopened: "重新整改", EventResultSet: "调整整改结果",
	EventRemarks: "修改备注", EventAccountability: "列入约谈问责", EventImported: "台账导入",
}

// Label is the Chinese name of the event kind.
func (k EventKind) Label() string { return eventLabels[k] }

var actingLevels = map[EventKind]Level{
	EventReported:       LevelAny,
	EventVerified:       LevelVillage,
	EventForwarded:      LevelTownship,
	EventDismissed:      LevelTownship,
	EventPlanned:        LevelDepartment,
	EventProgress:       LevelAny,
	EventExtended:       LevelLeader,
	EventSubmitted:      LevelDepartment,
	EventAccepted:       LevelAbove,
	EventRejected:       LevelAbove,
	EventReopened:       LevelAny,
	EventResultSet:      LevelDepartment,
	EventRemarks:        LevelAny,
	EventAccountability: LevelSystem,
	EventImported:       LevelAny,
}

// ActingLevel names the level that performs an action, for the caller's
// capability check.
func ActingLevel(k EventKind) Level { return actingLevels[k] }

// Event is one step of a problem's history. Data holds every field the step
// set (keys are field codes, see FieldLabel), so that the dossier can be
// printed from the history alone.
type Event struct {
	Seq      int               `json:"seq"` // 1-based position in History
	At       time.Time         `json:"at"`
	Kind     EventKind         `json:"kind"`
	Actor    Actor             `json:"actor"`
	State    State             `json:"state"` // the problem's state after the event
	Note     string            `json:"note,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	Evidence []Evidence        `json:"evidence,omitempty"`
}

var fieldLabels = map[string]string{
	"number": "问题编号", "description": "具体问题", "dimension": "问题类别", "household_id": "农户",
	"region": "所在区划", "source": "问题来源", "source_ref": "来源编号", "severity": "问题性质",
	"task_force": "专班", "lead_unit": "牵头单位", "supporting_units": "配合单位", "owner": "责任人",
	"measures": "整改措施", "progress": "整改进展", "deadline": "整改时限", "result": "整改结果",
	"remarks": "备注", "findings": "核查情况", "opinion": "研判意见", "department": "县行业主管部门",
	"explanation": "说服劝导情况", "date": "日期", "text": "内容", "leader": "县级领导",
	"decided_on": "集体研究日期", "reason": "理由", "new_deadline": "新的整改时限", "plan": "时间节点和方案",
	"prev_deadline": "原整改时限", "summary": "整改情况", "evidence": "整改材料", "new_limit": "限期整改时限",
	"stage": "环节", "stage_due": "环节时限", "level": "责任层级", "code": "类型", "seq": "序号",
	"source_policy": "政策依据",
}

// FieldLabel returns the Chinese name of a field code (the code itself when unknown).
func FieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// record appends an event and stamps the problem.
func (p *Problem) record(at time.Time, kind EventKind, by Actor, note string, data map[string]string, ev []Evidence) Event {
	for k, v := range data {
		if v == "" {
			delete(data, k)
		}
	}
	if len(data) == 0 {
		data = nil
	}
	e := Event{Seq: len(p.History) + 1, At: at, Kind: kind, Actor: by, State: p.State, Note: note, Data: data, Evidence: ev}
	p.History = append(p.History, e)
	if at.After(p.UpdatedAt) {
		p.UpdatedAt = at
	}
	return e
}

// Describe writes one event as a line of the dossier, in Chinese, from the
// event alone: "2024年7月21日 10:00 张三（驻村第一书记）上户核实：……".
func Describe(e Event) string {
	var b strings.Builder
	t := e.At.In(clock.China)
	fmt.Fprintf(&b, "%s %02d:%02d ", deadline.FormatDateCN(t), t.Hour(), t.Minute())
	b.WriteString(e.Actor.Name)
	if e.Actor.Role != "" || e.Actor.Unit != "" {
		b.WriteString("（")
		b.WriteString(strings.TrimSpace(e.Actor.Unit + " " + e.Actor.Role))
		b.WriteString("）")
	}
	b.WriteString(e.Kind.Label())
	if e.Note != "" {
		b.WriteString("：")
		b.WriteString(e.Note)
	}
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fieldOrder(keys[i]) < fieldOrder(keys[j]) })
	for _, k := range keys {
		fmt.Fprintf(&b, "；%s：%s", FieldLabel(k), DataText(k, e.Data[k]))
	}
	for _, ev := range e.Evidence {
		kind := EvidenceKind.LabelOf(ev.Kind)
		fmt.Fprintf(&b, "；%s：", kind)
		switch {
		case ev.Text == "":
			b.WriteString(ev.Name)
		case ev.Name == "" || ev.Name == kind:
			b.WriteString(ev.Text)
		default:
			b.WriteString(ev.Name + "（" + ev.Text + "）")
		}
	}
	fmt.Fprintf(&b, "。（状态：%s）", e.State.Label())
	return b.String()
}

// DataText turns a stored value of Event.Data into the words a reader sees:
// enum codes become labels, dates stay as written.
func DataText(field, value string) string {
	switch field {
	case "dimension":
		return labelOr(Dimension.LabelOf(value), value)
	case "source":
		return labelOr(Source.LabelOf(value), value)
	case "severity":
		return labelOr(SeverityEnum.LabelOf(value), value)
	case "result":
		return labelOr(ResultEnum.LabelOf(value), value)
	case "level":
		return labelOr(Level(value).Label(), value)
	case "code":
		return labelOr(flagLabels[value], value)
	case "stage":
		return labelOr(stageLabels[value], value)
	case "deadline", "stage_due", "new_deadline", "prev_deadline", "decided_on", "new_limit", "date":
		if d, err := time.ParseInLocation("2006-01-02", value, clock.China); err == nil {
			return deadline.FormatDateCN(d)
		}
	}
	return value
}

var flagLabels = map[string]string{
	FlagStageMissed:      "未按时限办理",
	FlagAcceptanceMissed: "限期未完成验收",
	FlagRejectedTwice:    "限期整改仍不合格",
}

// stageLabels names the stages a problem can have.
var stageLabels = map[string]string{
	verifyRule.Key: verifyRule.Label, decideRule.Key: decideRule.Label, planRule.Key: planRule.Label,
	policy.Ordinary7.Key: policy.Ordinary7.Label, policy.Major30.Key: policy.Major30.Label,
	acceptRule.Key: acceptRule.Label, StageRectifyAgain: "限期整改",
}

func labelOr(label, code string) string {
	if label != "" {
		return label
	}
	return code
}

// fieldOrder keeps the dossier lines in the template's order.
var order = []string{
	"number", "description", "dimension", "household_id", "region", "source", "source_ref",
	"findings", "opinion", "department", "explanation", "severity", "task_force", "lead_unit",
	"supporting_units", "owner", "measures", "date", "text", "leader", "decided_on", "reason",
	"prev_deadline", "new_deadline", "plan", "deadline", "summary", "result", "new_limit",
	"code", "stage", "stage_due", "level", "source_policy", "remarks",
}

func fieldOrder(k string) int {
	for i, o := range order {
		if o == k {
			return i
		}
	}
	return len(order)
}

// Dossier writes the whole history of a problem, one line per event.
func Dossier(history []Event) []string {
	out := make([]string, len(history))
	for i, e := range history {
		out[i] = Describe(e)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func date(t time.Time) string { return deadline.FormatDate(t) }

func cite(s policy.Source) string { return s.String() }
