package crosscheck

import (
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/registry"
)

// Kind is a roster type (名单类型). One department may have several (the
// medical insurance bureau keeps enrolment and discharge expenses apart).
type Kind string

const (
	KindStudents   Kind = "students"   // 教育：学生学籍名单
	KindInsurance  Kind = "insurance"  // 医保：城乡居民医保参保名单
	KindDischarge  Kind = "discharge"  // 医保：出院患者费用名单（大额支出）
	KindAssistance Kind = "assistance" // 民政：低保、特困人员名单
	KindDisability Kind = "disability" // 残联：残疾人证及补贴名单
	KindHousing    Kind = "housing"    // 住建：农房安全鉴定及危房改造名单
	KindWater      Kind = "water"      // 水利：农村供水情况名单
	KindEmployment Kind = "employment" // 人社：务工就业名单
)

// Subject says what one row of a roster is about.
type Subject uint8

const (
	SubjectMember    Subject = iota + 1 // a person, by ID number
	SubjectHousehold                    // a household, by its head's ID number
	SubjectVillage                      // a village, by its division code (water only)
)

// Column is one column of a roster: its code name, its Chinese header and
// the other names officials use for it. The store hands these to the sheet
// reader, which matches headers by name.
type Column struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Aliases  []string `json:"aliases,omitempty"`
	Required bool     `json:"required"`
}

// KindInfo describes a roster type: who uploads it, what it is about, its
// columns and template.
type KindInfo struct {
	Kind       Kind
	Label      string          // 名单名称
	Department auth.Department // the department that uploads it
	Subject    Subject
	// Complete: the roster lists everyone the department covers, so that a
	// person the rules look for and the roster lacks is a fact ("not
	// enrolled", "not insured"). Other rosters list events or cases and
	// say nothing about who is absent.
	Complete bool
	Columns  []Column
	Example  [][]string // example rows of the template, in Columns order
	Notes    []string   // notes of the template
}

// Shared columns.
var (
	colID = Column{Key: "id_number", Label: "身份证号", Required: true,
		Aliases: []string{"身份证号码", "公民身份号码", "公民身份证号", "公民身份证号码", "居民身份证号", "居民身份证号码", "证件号码", "身份证件号码", "证件号", "身份证"}}
	colName     = Column{Key: "name", Label: "姓名", Aliases: []string{"学生姓名", "参保人姓名", "患者姓名", "残疾人姓名", "人员姓名", "名字"}}
	colHeadID   = Column{Key: "id_number", Label: "户主身份证号", Required: true, Aliases: append([]string{"户主身份证号码", "户主公民身份号码", "户主证件号码"}, colID.Aliases...)}
	colHeadName = Column{Key: "name", Label: "户主姓名", Aliases: []string{"姓名", "户主"}}
)

var kinds = []*KindInfo{
	{Kind: KindStudents, Label: "学生学籍名单", Department: auth.DeptEducation, Subject: SubjectMember, Complete: true,
		Columns: []Column{colID,
			{Key: "name", Label: "姓名", Required: true, Aliases: colName.Aliases},
			{Key: "school", Label: "就读学校", Required: true, Aliases: []string{"学校", "学校名称", "就读学校名称", "在读学校"}},
			{Key: "grade", Label: "年级", Aliases: []string{"就读年级", "年级班级", "班级"}},
			{Key: "status", Label: "学籍状态", Required: true, Aliases: []string{"状态", "在校状态", "学生状态", "就读状态"}}},
		Example: [][]string{{"141121201203150026", "王小明", "文水县实验小学", "五年级", "在校"}},
		Notes: []string{"学籍状态填写：在校、休学、辍学、转出（也可写“在读”“失学”“转学”等）。",
			"名单应包含本县全部义务教育阶段学生；义务教育适龄而名单中没有的农户成员，将作为疑似失学辍学推送到村核实。"}},
	{Kind: KindInsurance, Label: "城乡居民基本医疗保险参保名单", Department: auth.DeptMedicalInsurance, Subject: SubjectMember, Complete: true,
		Columns: []Column{colID, colName,
			{Key: "scheme", Label: "参保险种", Required: true, Aliases: []string{"险种", "险种类型", "参保类型", "保险类型"}},
			{Key: "year", Label: "参保年度", Required: true, Aliases: []string{"年度", "参保年份", "缴费年度"}}},
		Example: [][]string{{"141121195805120010", "王建国", "城乡居民基本医疗保险", "2026"}},
		Notes: []string{"参保险种填写：城乡居民基本医疗保险或职工基本医疗保险（也可写“居民医保”“职工医保”）。",
			"以名单中最新的参保年度为准：脱贫户、监测户成员在该年度名单中没有的，将作为疑似未参保推送到村核实。"}},
	{Kind: KindDischarge, Label: "出院患者医疗费用名单", Department: auth.DeptMedicalInsurance, Subject: SubjectMember,
		Columns: []Column{colID, colName,
			{Key: "discharge_date", Label: "出院日期", Required: true, Aliases: []string{"出院时间", "结算日期"}},
			{Key: "total", Label: "医疗总费用", Required: true, Aliases: []string{"总费用", "住院总费用", "医疗费用总额", "费用总额"}},
			{Key: "reimbursed", Label: "报销金额", Aliases: []string{"报销费用", "合计报销", "医保报销金额", "基金支付", "统筹支付"}},
			{Key: "out_of_pocket", Label: "个人自付", Aliases: []string{"个人自付费用", "个人负担", "个人支付", "自付金额", "个人自付金额"}},
			{Key: "hospital", Label: "医疗机构", Aliases: []string{"就诊医院", "医院", "医疗机构名称", "住院医院"}}},
		Example: [][]string{{"141121195805120010", "王建国", "2026-03-15", "56000", "41000", "15000", "文水县人民医院"}},
		Notes: []string{"“报销金额”和“个人自付”至少填一项；只填报销金额的，个人自付按“医疗总费用－报销金额”计算。",
			"同一人多次出院的，个人自付累计计算；超过预警线的推送到村核实，按支出较大引发返贫致贫风险处理。"}},
	{Kind: KindAssistance, Label: "低保、特困人员名单", Department: auth.DeptCivilAffairs, Subject: SubjectMember,
		Columns: []Column{colID, colName,
			{Key: "kind", Label: "救助类别", Required: true, Aliases: []string{"类别", "保障类别", "救助类型", "人员类别"}},
			{Key: "tier", Label: "低保类别", Aliases: []string{"低保档次", "保障档次", "类别档次"}},
			{Key: "from", Label: "享受起始日期", Required: true, Aliases: []string{"起始日期", "开始日期", "享受开始时间", "纳入时间", "起始年月"}},
			{Key: "to", Label: "终止日期", Aliases: []string{"停保日期", "结束日期", "享受终止时间", "退出时间", "终止年月"}}},
		Example: [][]string{{"141121195805120010", "王建国", "低保", "一类", "2024-01-01", ""}},
		Notes: []string{"救助类别填写：低保或特困（分散供养特困人员）。低保类别填写一类、二类、三类。",
			"终止日期为空表示仍在享受。本名单用于残联名单比对“享受低保的重度残疾人是否落实生活补贴”。"}},
	{Kind: KindDisability, Label: "残疾人证及补贴名单", Department: auth.DeptDisability, Subject: SubjectMember,
		Columns: []Column{colID, colName,
			{Key: "type", Label: "残疾类别", Required: true, Aliases: []string{"残疾类型", "残疾种类"}},
			{Key: "grade", Label: "残疾等级", Required: true, Aliases: []string{"等级", "残疾级别"}},
			{Key: "living_subsidy", Label: "困难残疾人生活补贴", Required: true, Aliases: []string{"生活补贴", "是否享受生活补贴", "困难残疾人生活补贴（是/否）"}},
			{Key: "care_subsidy", Label: "重度残疾人护理补贴", Aliases: []string{"护理补贴", "是否享受护理补贴"}}},
		Example: [][]string{{"141121196002100029", "李秀英", "肢体残疾", "二级", "是", "是"}},
		Notes: []string{"残疾类别、等级按残疾人证填写；补贴填写“是”或“否”（也可填写月发放金额，大于0即为享受）。",
			"低保户中的一、二级残疾人未享受困难残疾人生活补贴的，推送到村核实。"}},
	{Kind: KindHousing, Label: "农村住房安全鉴定及危房改造名单", Department: auth.DeptHousing, Subject: SubjectHousehold,
		Columns: []Column{colHeadID, colHeadName,
			{Key: "grade", Label: "房屋安全等级", Required: true, Aliases: []string{"鉴定等级", "安全等级", "房屋鉴定等级", "危房等级", "鉴定结果"}},
			{Key: "renovation", Label: "改造状态", Aliases: []string{"危房改造状态", "改造情况", "改造进度"}},
			{Key: "moved_in", Label: "是否入住", Aliases: []string{"入住情况", "改造后是否入住", "已入住"}},
			{Key: "subsidy_paid", Label: "补助资金是否发放", Aliases: []string{"补助资金发放", "补助是否到户", "补助资金发放情况", "补助发放"}},
			{Key: "appraised_on", Label: "鉴定日期", Aliases: []string{"鉴定时间"}}},
		Example: [][]string{{"141121195805120010", "王建国", "C级", "改造中", "", "", "2026-04-02"}},
		Notes: []string{"房屋安全等级填写A、B、C、D级；改造状态填写未改造、改造中、已竣工、已验收。",
			"C级、D级房屋，改造后未入住，以及竣工验收后补助资金未发放的，推送到村核实。"}},
	{Kind: KindWater, Label: "农村供水情况名单", Department: auth.DeptWater, Subject: SubjectHousehold,
		Columns: []Column{
			{Key: "village", Label: "村代码", Aliases: []string{"行政村代码", "村级区划代码", "区划代码", "村"}},
			{Key: "id_number", Label: "户主身份证号", Aliases: colHeadID.Aliases},
			{Key: "name", Label: "户主姓名", Aliases: []string{"姓名", "户主"}},
			{Key: "quality_ok", Label: "水质达标", Aliases: []string{"水质是否达标", "水质"}},
			{Key: "litres", Label: "人均日供水量（升）", Aliases: []string{"人均日供水量", "水量", "每人每天水量"}},
			{Key: "tap_water", Label: "自来水入户", Aliases: []string{"是否自来水入户", "集中供水入户"}},
			{Key: "fetch_minutes", Label: "取水往返时间（分钟）", Aliases: []string{"取水往返时间", "人力取水时间"}},
			{Key: "distance_h", Label: "取水水平距离（米）", Aliases: []string{"取水水平距离", "水平距离"}},
			{Key: "distance_v", Label: "取水垂直距离（米）", Aliases: []string{"取水垂直距离", "垂直距离"}},
			{Key: "supply_rate", Label: "供水保证率（%）", Aliases: []string{"供水保证率"}}},
		Example: [][]string{
			{"141121104201", "", "", "是", "60", "是", "", "", "", "95"},
			{"", "141121195805120010", "王建国", "否", "35", "否", "30", "1000", "20", "85"}},
		Notes: []string{"按村填写时填“村代码”（12位区划代码）、不填户主身份证号，全村农户适用；按户填写时填户主身份证号，优先于所在村的数据。",
			"四项指标：水质达标；人均日供水量不低于当地标准（20至40升）；自来水入户，或人力取水往返不超过20分钟、水平距离不超过800米、垂直距离不超过80米；供水保证率不低于90%。未填写的指标不作判断。"}},
	{Kind: KindEmployment, Label: "务工就业名单", Department: auth.DeptHumanResources, Subject: SubjectMember,
		Columns: []Column{colID, colName,
			{Key: "employed", Label: "是否就业", Required: true, Aliases: []string{"就业状态", "务工状态", "就业情况", "是否务工"}},
			{Key: "where", Label: "就业地点", Aliases: []string{"务工地点", "就业单位", "务工单位", "工作地点"}},
			{Key: "monthly_income", Label: "月收入（元）", Aliases: []string{"月收入", "月工资", "月均收入"}}},
		Example: [][]string{{"141121198203150013", "王建军", "否", "", ""}},
		Notes: []string{"是否就业填写“是”或“否”（也可写“已就业”“失业”“待业”）。",
			"名单中未就业、且同户其他成员在名单中均无就业或收入的，推送到村核实。"}},
}

// Kinds lists every roster type, in display order.
func Kinds() []*KindInfo { return kinds }

// KindOf returns a roster type (nil if unknown).
func KindOf(k Kind) *KindInfo {
	for _, ki := range kinds {
		if ki.Kind == k {
			return ki
		}
	}
	return nil
}

// KindsOf lists the roster types a department uploads.
func KindsOf(d auth.Department) []*KindInfo {
	var out []*KindInfo
	for _, ki := range kinds {
		if ki.Department == d {
			out = append(out, ki)
		}
	}
	return out
}

// KindEnum is the closed set of roster types, with aliases for the command
// line and forms.
var KindEnum = func() *registry.Enum {
	e := &registry.Enum{Name: "kind", Label: "名单类型"}
	for _, ki := range kinds {
		e.Values = append(e.Values, registry.EnumValue{Code: string(ki.Kind), Label: ki.Label})
	}
	return e
}()

// ResolveKind picks the roster type of an upload: kind when given (a code
// or a label), else the department's only type. It refuses a type of
// another department.
func ResolveKind(d auth.Department, kind string) (*KindInfo, error) {
	if !d.Valid() {
		return nil, apperr.Field("department", "部门", "应为：%s", strings.Join(auth.DepartmentLabels(), "、"))
	}
	own := KindsOf(d)
	if len(own) == 0 {
		return nil, apperr.Field("department", "部门", "%s部门没有需要比对的名单", d.Label())
	}
	if strings.TrimSpace(kind) == "" {
		if len(own) > 1 {
			labels := make([]string, len(own))
			for i, k := range own {
				labels[i] = k.Label + "（" + string(k.Kind) + "）"
			}
			return nil, apperr.Field("kind", "名单类型", "%s部门有多种名单，请选择：%s", d.Label(), strings.Join(labels, "、"))
		}
		return own[0], nil
	}
	code, ok := KindEnum.Parse(strings.TrimSpace(kind))
	if !ok {
		return nil, apperr.Field("kind", "名单类型", "“%s”不是有效的名单类型", kind)
	}
	ki := KindOf(Kind(code))
	if ki.Department != d {
		return nil, apperr.Field("kind", "名单类型", "“%s”由%s部门上传，不是%s部门的名单", ki.Label, ki.Department.Label(), d.Label())
	}
	return ki, nil
}

// Column returns the column with key (nil if none).
func (k *KindInfo) Column(key string) *Column {
	for i := range k.Columns {
		if k.Columns[i].Key == key {
			return &k.Columns[i]
		}
	}
	return nil
}

// Header lists the column labels, for exports.
func (k *KindInfo) Header() []string {
	out := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		out[i] = c.Label
	}
	return out
}
