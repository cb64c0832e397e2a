package ledger

import "sanbao/internal/registry"

// Dimensions of a problem: the system's one list, registry.Dimension.
const (
	DimEducation    = registry.DimEducation
	DimMedical      = registry.DimMedical
	DimHousing      = registry.DimHousing
	DimWater        = registry.DimWater
	DimFoodClothing = registry.DimFoodClothing
	DimIncome       = registry.DimIncome
	DimSafetyNet    = registry.DimSafetyNet
	DimEmployment   = registry.DimEmployment
	DimIndustry     = registry.DimIndustry
	DimRelocation   = registry.DimRelocation
	DimOther        = registry.DimOther
)

// Dimension is the closed set of dimensions, in the order reports list them.
var Dimension = registry.Dimension

// Sources of a problem (问题来源).
const (
	SourceVisit           = "visit"            // 入户走访
	SourceRule            = "rule"             // 规则比对发现
	SourceDepartmentAlert = "department_alert" // 部门筛查预警
	SourceSelfDeclaration = "self_declaration" // 农户自主申报
	SourceInspection      = "inspection"       // 考核督查反馈
	SourceComplaint       = "complaint"        // 群众反映
)

var Source = &registry.Enum{Name: "source", Label: "问题来源", Values: []registry.EnumValue{
	{Code: SourceVisit, Label: "入户走访", Aliases: []string{"走访", "走访发现", "排查发现"}},
	{Code: SourceRule, Label: "规则比对发现", Aliases: []string{"规则发现", "系统比对"}},
	{Code: SourceDepartmentAlert, Label: "部门筛查预警", Aliases: []string{"部门预警", "行业部门预警", "数据比对"}},
	{Code: SourceSelfDeclaration, Label: "农户自主申报", Aliases: []string{"自主申报", "农户申报"}},
	{Code: SourceInspection, Label: "考核督查反馈", Aliases: []string{"考核反馈", "考核评估反馈", "督查反馈", "巡视巡察反馈", "审计反馈"}},
	{Code: SourceComplaint, Label: "群众反映", Aliases: []string{"信访", "投诉", "群众投诉", "来电来访"}},
}}

// Severity of a problem, which chooses the "710" time limit.
type Severity string

const (
	Ordinary Severity = "ordinary" // 一般问题: 7 days
	Major    Severity = "major"    // 重大复杂问题: 1 month (30 days)
)

var SeverityEnum = &registry.Enum{Name: "severity", Label: "问题性质", Values: []registry.EnumValue{
	{Code: string(Ordinary), Label: "一般问题", Aliases: []string{"一般", "一般性问题"}},
	{Code: string(Major), Label: "重大复杂问题", Aliases: []string{"重大", "重大问题", "复杂问题"}},
}}

// Label is the Chinese name of the severity.
func (s Severity) Label() string { return SeverityEnum.LabelOf(string(s)) }

// Result is the ledger's 整改结果: exactly one of three words
// (002 附件1 填表说明4).
type Result string

const (
	InProgress    Result = "in_progress"    // 正在整改
	Done          Result = "done"           // 整改完成
	DoneSustained Result = "done_sustained" // 整改完成长期坚持
)

// ResultEnum has no aliases: the filling notes allow only the three words.
var ResultEnum = &registry.Enum{Name: "result", Label: "整改结果", Values: []registry.EnumValue{
	{Code: string(InProgress), Label: "正在整改"},
	{Code: string(Done), Label: "整改完成"},
	{Code: string(DoneSustained), Label: "整改完成长期坚持"},
}}

// Label is the Chinese word of the result.
func (r Result) Label() string { return ResultEnum.LabelOf(string(r)) }

// Finished reports whether the result declares the rectification complete.
func (r Result) Finished() bool { return r == Done || r == DoneSustained }

// State of a problem in its workflow.
type State string

const (
	Reported      State = "reported"       // 待村级核实 (135: 1 day)
	Verified      State = "verified"       // 待乡镇研判 (135: 3 days)
	Decided       State = "decided"        // 待县级部门定方案 (135: 5 days)
	Planned       State = "planned"        // 整改中 (710)
	Submitted     State = "submitted"      // 待验收
	Closed        State = "closed"         // 已销号
	NotApplicable State = "not_applicable" // 不符合政策，已解释
)

var StateEnum = &registry.Enum{Name: "state", Label: "办理状态", Values: []registry.EnumValue{
	{Code: string(Reported), Label: "待核实"},
	{Code: string(Verified), Label: "待研判"},
	{Code: string(Decided), Label: "待定方案"},
	{Code: string(Planned), Label: "整改中"},
	{Code: string(Submitted), Label: "待验收"},
	{Code: string(Closed), Label: "已销号"},
	{Code: string(NotApplicable), Label: "不符合政策已解释"},
}}

// Label is the Chinese name of the state.
func (s State) Label() string { return StateEnum.LabelOf(string(s)) }

// Terminal reports whether nothing more is due (a closed problem can still be
// reopened).
func (s State) Terminal() bool { return s == Closed || s == NotApplicable }

// Level is the tier that performs an action. Who may act for a level is the
// caller's business (capabilities); the ledger only names it.
type Level string

const (
	LevelVillage    Level = "village"           // 村“两委”干部、驻村工作队
	LevelTownship   Level = "township"          // 乡镇
	LevelDepartment Level = "county_department" // 县级行业主管部门（牵头单位，责任人所在）
	LevelAbove      Level = "above"             // 上级验收单位（县级专班）
	LevelLeader     Level = "county_leader"     // 县级领导组织集体研究
	LevelAny        Level = "any"               // 任何有权查看该问题的层级
	LevelSystem     Level = "system"            // 系统（时限检查）
)

var levelLabels = map[Level]string{
	LevelVillage: "村级", LevelTownship: "乡镇", LevelDepartment: "县级行业部门",
	LevelAbove: "上级验收单位", LevelLeader: "县级领导", LevelAny: "各级", LevelSystem: "系统",
}

// Label is the Chinese name of the level.
func (l Level) Label() string { return levelLabels[l] }

// Evidence kinds.
const (
	EvidenceText  = "text"
	EvidencePhoto = "photo"
	EvidenceFile  = "file"
)

var EvidenceKind = &registry.Enum{Name: "evidence_kind", Label: "材料类型", Values: []registry.EnumValue{
	{Code: EvidenceText, Label: "文字说明"},
	{Code: EvidencePhoto, Label: "照片"},
	{Code: EvidenceFile, Label: "文件"},
}}
