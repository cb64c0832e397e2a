package auth

// Capability is one thing an account may do. Whether it may do it to a given
// record is a second question, answered by its Scope (region subtree) and, for
// some steps, by the workflow (e.g. acceptance by a higher level than the one
// that rectified).
type Capability string

const (
	CapViewRegistry   Capability = "view_registry"      // 查看农户信息
	CapEditRegistry   Capability = "edit_registry"      // 编辑农户信息
	CapViewFullID     Capability = "view_full_id"       // 查看完整身份证号/电话（逐条显示，记入审计）
	CapImportRegistry Capability = "import_registry"    // 导入农户信息
	CapExport         Capability = "export"             // 导出（记入审计）
	CapManageAccounts Capability = "manage_accounts"    // 管理本辖区账号
	CapViewAudit      Capability = "view_audit"         // 查看审计记录
	CapRecordVisit    Capability = "record_visit"       // 登记入户走访
	CapRunRules       Capability = "run_rules"          // 运行排查规则
	CapManageCampaign Capability = "manage_campaign"    // 组织排查批次（集中/常态化排查）
	CapLedgerReport   Capability = "ledger_report"      // 问题录入台账
	CapLedgerRectify  Capability = "ledger_rectify"     // 填报整改措施与进展
	CapLedgerAccept   Capability = "ledger_accept"      // 整改验收、销号
	CapLedgerExtend   Capability = "ledger_extend"      // 批准延长整改时限
	CapUploadRoster   Capability = "upload_roster"      // 上传部门名单（数据比对）
	CapVerifyAlert    Capability = "verify_alert"       // 核实并反馈预警
	CapMonitorPropose Capability = "monitoring_propose" // 监测对象纳入/风险消除：入户核查、民主评议、公示
	CapMonitorReview  Capability = "monitoring_review"  // 监测对象乡镇审核
	CapMonitorApprove Capability = "monitoring_approve" // 监测对象县级审定
	CapMonitorPlan    Capability = "monitoring_plan"    // 制定帮扶计划、落实帮扶措施
	CapViewReports    Capability = "view_reports"       // 查看统计报表与通报
)

// Short names for the grant table below.
const (
	vc = RoleVillageCadre
	wt = RoleWorkTeam
	tw = RoleTownship
	dp = RoleDepartment
	co = RoleCountyOffice
	cv = RoleCityViewer
	pv = RoleProvinceViewer
	au = RoleAuditor
	ad = RoleAdmin
)

type capInfo struct {
	cap   Capability
	label string
	roles []Role
}

// grants is the one table of who may do what. The reasoning, row by row:
//
//   - Reading the registry is for everyone who works on households, at every
//     level, and for the auditor (read-only). The administrator manages
//     accounts only and sees no household data (least privilege; separation
//     of duties from the auditor, who in turn cannot change anything).
//   - Editing is done where the households are known: village cadres and the
//     resident work team, the township that reviews them, and the county
//     office that keeps the county's data. Departments do not edit the
//     registry; they upload their rosters and the cross-check pushes alerts.
//   - Revealing a full ID number or phone (view_full_id) is for roles whose
//     work is matching people: the village (visits, verifying alerts), the
//     township (review), the departments (matching rosters by ID number) and
//     the county office. Viewers above the county work on aggregates; the
//     auditor and the administrator have no need. Every reveal is audited.
//   - The "135"/"710" steps (004 §四(一)): the village verifies on the spot,
//     the township decides, the county department plans and rectifies; a
//     higher level accepts (township, county task forces, county office) and
//     only the county office may extend a deadline beyond 30 days, after the
//     county leaders' collective decision (004 §四(一)2).
//   - Monitoring (003 §四(一)): the village checks, assesses and gives notice;
//     the township reviews; the county approves; the village and township
//     draw up and carry out the assistance plan (002 §(三)2).
//   - Only the auditor reads the audit trail.
var grants = []capInfo{
	{CapViewRegistry, "查看农户信息", []Role{vc, wt, tw, dp, co, cv, pv, au}},
	{CapEditRegistry, "编辑农户信息", []Role{vc, wt, tw, co}},
	{CapViewFullID, "查看完整身份证号和电话", []Role{vc, wt, tw, dp, co}},
	{CapImportRegistry, "导入农户信息", []Role{tw, co}},
	{CapExport, "导出", []Role{vc, wt, tw, dp, co, cv, pv}},
	{CapManageAccounts, "管理账号", []Role{ad}},
	{CapViewAudit, "查看审计记录", []Role{au}},
	{CapRecordVisit, "登记入户走访", []Role{vc, wt, tw}},
	{CapRunRules, "运行排查规则", []Role{tw, dp, co}},
	{CapManageCampaign, "组织排查批次", []Role{tw, co}},
	{CapLedgerReport, "问题录入台账", []Role{vc, wt, tw, dp, co}},
	{CapLedgerRectify, "填报整改措施与进展", []Role{vc, wt, tw, dp}},
	{CapLedgerAccept, "整改验收销号", []Role{tw, dp, co}},
	{CapLedgerExtend, "批准延长整改时限", []Role{co}},
	{CapUploadRoster, "上传部门名单", []Role{dp, co}},
	{CapVerifyAlert, "核实反馈预警", []Role{vc, wt, tw}},
	{CapMonitorPropose, "监测对象核查评议公示", []Role{vc, wt}},
	{CapMonitorReview, "监测对象乡镇审核", []Role{tw}},
	{CapMonitorApprove, "监测对象县级审定", []Role{co}},
	{CapMonitorPlan, "制定落实帮扶计划", []Role{vc, wt, tw}},
	{CapViewReports, "查看统计报表", []Role{vc, wt, tw, dp, co, cv, pv, au}},
}

// seesFullID lists the roles that see full ID numbers and phones without
// asking. It is empty on purpose: masked everywhere is the default, and a
// reveal (view_full_id) is one click that leaves an audit entry.
//
// Village cadres were the candidates: their scope is one village and they
// know its people. They were left out because their work in the system
// rarely needs the number itself (people are found by name, household number
// and the masked ID; a new member's number is typed, not read), a shared or
// stolen cadre session should not show a whole village's ID numbers without a
// trace, and one rule for every role is easier to explain and to audit. To
// change the decision, add roles here; nothing else needs to change.
var seesFullID = []Role{}

func (c Capability) info() *capInfo {
	for i := range grants {
		if grants[i].cap == c {
			return &grants[i]
		}
	}
	return nil
}

// Valid reports whether c is a known capability.
func (c Capability) Valid() bool { return c.info() != nil }

// Label is the Chinese name of the capability.
func (c Capability) Label() string {
	if ci := c.info(); ci != nil {
		return ci.label
	}
	return ""
}

func (c Capability) String() string { return string(c) }

// Capabilities lists every capability in table order.
func Capabilities() []Capability {
	out := make([]Capability, len(grants))
	for i, ci := range grants {
		out[i] = ci.cap
	}
	return out
}

// Can reports whether role has capability c. Unknown roles and capabilities
// have nothing.
func Can(role Role, c Capability) bool {
	if ci := c.info(); ci != nil {
		for _, r := range ci.roles {
			if r == role {
				return true
			}
		}
	}
	return false
}

// CapabilitiesOf lists the capabilities of role, in table order.
func CapabilitiesOf(role Role) []Capability {
	var out []Capability
	for _, ci := range grants {
		if Can(role, ci.cap) {
			out = append(out, ci.cap)
		}
	}
	return out
}

// RolesWith lists the roles that have capability c.
func RolesWith(c Capability) []Role {
	if ci := c.info(); ci != nil {
		return append([]Role(nil), ci.roles...)
	}
	return nil
}

// SeesFullID reports whether role sees full ID numbers and phones by
// default. See seesFullID: no role does; roles with CapViewFullID may reveal
// one record at a time, audited.
func SeesFullID(role Role) bool {
	for _, r := range seesFullID {
		if r == role {
			return true
		}
	}
	return false
}

// MayReveal reports whether role may reveal a masked ID number or phone.
func MayReveal(role Role) bool { return SeesFullID(role) || Can(role, CapViewFullID) }
