package screening

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/policy"
)

// CheckItem is one thing a cadre checks at a household (排查重点), answered
// for the household or for each concerned member. Items are data: the store
// seeds Items into a table and a county may add its own (with no facts and
// no rules: an answer "does not meet" is then a finding by itself).
type CheckItem struct {
	Code       string        `json:"code"`
	Dimension  string        `json:"dimension"`
	Title      string        `json:"title"` // the question, as a cadre reads it on a phone
	Help       string        `json:"help,omitempty"`
	Scope      string        `json:"scope"`                // household / member
	Households string        `json:"households,omitempty"` // household filter (HHKey, ...)
	Members    string        `json:"members,omitempty"`    // member filter, member scope only
	Source     policy.Source `json:"source"`
	Facts      []string      `json:"facts,omitempty"`    // facts the item records
	Required   []string      `json:"required,omitempty"` // facts that must be recorded when answered met / not met
	Rules      []string      `json:"rules,omitempty"`    // rules that read the item's facts
}

func src(seed, section, quote string) policy.Source {
	return policy.Source{Seed: seed, Section: section, Quote: quote}
}

// Items is the built-in checklist, from POLICY.md §2 and the seeds.
var Items = []CheckItem{
	// Education 义务教育有保障.
	{Code: "edu_in_school", Dimension: DimEducation, Scope: ScopeMember, Members: MSchoolAge,
		Title:  "该适龄儿童少年是否在校就读（不失学辍学）？",
		Help:   "义务教育阶段适龄儿童少年除身体原因不具备学习条件外，应在校就读或接受送教上门。应入学未入学、开学未返校、因家庭经济困难失学辍学的，均为不符合。",
		Source: src("001", "§二.1", "除身体原因不具备学习条件外，贫困家庭义务教育阶段适龄儿童、少年不失学辍学"),
		Facts:  []string{"enrolled"}, Rules: []string{"edu_dropout"}},
	{Code: "edu_attending", Dimension: DimEducation, Scope: ScopeMember, Members: MCompulsoryStudent,
		Title:  "学籍在校的学生是否实际在校上学？",
		Help:   "核实有无学籍在校、一段时间实际不在校的阶段性失学辍学。",
		Source: src("000", "§二(一)", "是否存在学籍在校、学生一定时间实际不在校的阶段性失学辍学现象"),
		Facts:  []string{"attending"}, Required: []string{"attending"}, Rules: []string{"edu_not_attending"}},
	{Code: "edu_disabled_assessed", Dimension: DimEducation, Scope: ScopeMember, Members: MDisabledSchoolAge,
		Title:  "适龄残疾儿童是否经过县级残疾人教育专家委员会评估鉴定？",
		Source: src("000", "§二(一)", "适龄残疾儿童是否经过“县级残疾人教育专家委员会”鉴定"),
		Facts:  []string{"disability_assessed"}, Required: []string{"disability_assessed"}, Rules: []string{"edu_disabled_unassessed"}},
	{Code: "edu_home_teaching", Dimension: DimEducation, Scope: ScopeMember, Members: MDisabledSchoolAge,
		Title:  "不能到校就读的适龄残疾儿童是否落实送教上门？",
		Help:   "能到校就读的选“不适用”。",
		Source: src("000", "§二(一)", "“送教上门”是否覆盖有需求的残疾儿童，是否按要求开展送教工作"),
		Facts:  []string{"home_teaching"}, Required: []string{"home_teaching"}, Rules: []string{"edu_no_home_teaching"}},
	{Code: "edu_relocated_school", Dimension: DimEducation, Scope: ScopeMember, Households: HHRelocated, Members: MRelocatedStudent,
		Title:  "易地扶贫搬迁户学生是否有接纳学校、学籍是否已转入？",
		Source: src("000", "§二(一)", "易地扶贫搬迁户学生上学是否有接纳学校，学籍是否转到相应学校"),
		Facts:  []string{"receiving_school", "school_record_moved"}, Required: []string{"receiving_school", "school_record_moved"},
		Rules: []string{"edu_relocated_no_school"}},
	{Code: "edu_aid", Dimension: DimEducation, Scope: ScopeMember, Households: HHKey, Members: MStudent,
		Title:  "在校学生是否享受相应学段的学生资助？",
		Source: src("002", "§一(一)1", "落实各阶段学生资助政策，确保家庭经济困难学生资助全覆盖"),
		Facts:  []string{"student_aid"}, Required: []string{"student_aid"}, Rules: []string{"edu_no_aid"}},

	// Medical 基本医疗有保障.
	{Code: "med_insured", Dimension: DimMedical, Scope: ScopeMember, Households: HHKey,
		Title:  "是否参加城乡居民基本医疗保险（并纳入大病保险、医疗救助）？",
		Source: src("003", "§四(二)2", "农村脱贫人口是否享受城乡居民基本医疗保险、大病保险、医疗救助等保障"),
		Facts:  []string{"insured"}, Required: []string{"insured"}, Rules: []string{"med_uninsured"}},
	{Code: "med_chronic", Dimension: DimMedical, Scope: ScopeMember, Members: MChronic,
		Title:  "慢性病、大病患者是否已纳入门诊慢特病保障？",
		Help:   "不符合条件的，应已书面告知申请人。",
		Source: src("002", "§一(一)2", "及时将符合条件的困难群体纳入门诊慢特病保障范围"),
		Facts:  []string{"chronic_coverage"}, Required: []string{"chronic_coverage"}, Rules: []string{"med_chronic_uncovered"}},
	{Code: "med_family_doctor", Dimension: DimMedical, Scope: ScopeMember, Households: HHKey,
		Title:  "是否签约家庭医生？",
		Source: src("002", "§一(一)2", "家庭医生签约服务要落实到位，健全完善家庭医生签约台账"),
		Facts:  []string{"family_doctor"}, Required: []string{"family_doctor"}, Rules: []string{"med_no_family_doctor"}},
	{Code: "med_serious_treated", Dimension: DimMedical, Scope: ScopeMember, Members: MSerious,
		Title:  "大病患者是否得到及时救治？",
		Source: src("000", "§二(二)", "新发生大病患者是否得到及时救治"),
		Facts:  []string{"serious_treated"}, Required: []string{"serious_treated"}, Rules: []string{"med_untreated"}},
	{Code: "med_pay_later", Dimension: DimMedical, Scope: ScopeHousehold, Households: HHKey,
		Title:  "在县域内定点医疗机构住院是否落实“先诊疗后付费”和“一站式”结算？",
		Help:   "近期无人住院的选“不适用”。",
		Source: src("003", "§四(二)2", "脱贫人口县域内定点医疗机构住院“先诊疗后付费”及“一站式”医疗费用结算政策是否全面落实")},
	{Code: "med_expense", Dimension: DimMedical, Scope: ScopeHousehold, Households: HHKey,
		Title:  "大病重病治疗出院后医疗支出是否较大？支出较大的是否已落实医疗帮扶政策？",
		Source: src("004", "§四(二)2", "在治疗出院后,及时掌握支出情况,对支出较大引发返贫致贫风险的,及时落实医疗帮扶政策")},
	{Code: "med_village_doctor", Dimension: DimMedical, Scope: ScopeHousehold,
		Title:  "本村村卫生室是否正常运行、村医是否到岗并能及时提供服务？",
		Source: src("000", "§二(二)", "县乡两级派驻或邻村代管的村医是否到岗并能及时提供服务")},

	// Housing 住房安全有保障.
	{Code: "house_grade", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "现住房屋的安全等级是什么？是否居住在C级或D级危房？",
		Help:   "按《农村危险房屋鉴定技术导则（试行）》鉴定：A级、B级为安全，C级、D级为危房。",
		Source: src("001", "§二.3", "对居住在C级和D级的贫困人口以及一般群众，通过进行危房改造或其他有效措施，保障其不住危房"),
		Facts:  []string{"house_grade"}, Required: []string{"house_grade"}, Rules: []string{"house_dangerous"}},
	{Code: "house_moved_in", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "危房改造后是否已入住新房（无改而未住、“两头住”）？",
		Help:   "未实施危房改造的选“不适用”。",
		Source: src("000", "§二(三)", "是否存在危房改造后农户未及时入住、改而未住或“两头住”的问题"),
		Facts:  []string{"renovated_not_moved", "living_in_both"}, Required: []string{"renovated_not_moved", "living_in_both"},
		Rules: []string{"house_renovated_not_moved", "house_living_in_both"}},
	{Code: "house_moved_back", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "搬进新居后是否又返回危旧房居住？",
		Help:   "未实施危房改造或搬迁的选“不适用”。",
		Source: src("002", "§一(一)4", "少数农户危房改造后没有搬进新居，有的搬进新居后又返回危旧房居住"),
		Facts:  []string{"moved_back"}, Required: []string{"moved_back"}, Rules: []string{"house_moved_back"}},
	{Code: "house_subsidy", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "危房改造竣工验收后，补助资金是否已及时足额发放到户？",
		Help:   "未实施危房改造的选“不适用”。",
		Source: src("000", "§二(三)", "是否存在农村危房改造后验收工作周期长，改造补助资金发放不及时，造成已竣工农户未能及时领取到补助资金的问题"),
		Facts:  []string{"renovation_accepted", "subsidy_paid"}, Required: []string{"renovation_accepted", "subsidy_paid"},
		Rules: []string{"house_subsidy_unpaid"}},
	{Code: "house_quality", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "危房改造质量是否达标？",
		Help:   "未实施危房改造的选“不适用”。",
		Source: src("000", "§二(三)", "是否存在农村危房改造质量不高现象"),
		Facts:  []string{"renovation_quality_ok"}, Required: []string{"renovation_quality_ok"}, Rules: []string{"house_poor_quality"}},
	{Code: "house_disaster", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:  "住房是否因灾受损？受损的是否已逐户安全鉴定，严重受损不能居住的是否已过渡安置？",
		Help:   "未受灾的选“不适用”。",
		Source: src("004", "§四(二)3", "对排查发现的因灾导致住房受损农户,组织专业技术力量,逐户开展安全性鉴定")},

	// Drinking water 饮水安全 (four indicators).
	{Code: "water_quality", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "饮用水水质是否达标？",
		Source: src("000", "§二(四)", "水质是否超标"),
		Facts:  []string{"water_quality_ok"}, Required: []string{"water_quality_ok"}, Rules: []string{"water_quality"}},
	{Code: "water_quantity", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "每人每天可获得多少升水？是否达到当地标准（20至40升以上）？",
		Source: src("000", "§二(四)", "水量是否达到每人每天获得20-40升以上"),
		Facts:  []string{"water_litres"}, Required: []string{"water_litres"}, Rules: []string{"water_quantity"}},
	{Code: "water_convenience", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "是否自来水入户？未入户的，人力取水往返是否不超过20分钟，或水平距离不超800米且垂直距离不超80米？",
		Help:   "未通自来水的，请填写往返取水时间，或水平、垂直距离。",
		Source: src("000", "§二(四)", "方便程度是否实现自来水入户、人力取水不超过20分钟或取水水平距离不超800米垂直距离不超80米"),
		Facts:  []string{"tap_water", "fetch_minutes", "distance_h", "distance_v"}, Required: []string{"tap_water"},
		Rules: []string{"water_convenience"}},
	{Code: "water_reliability", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "供水保证率是否达到90%以上？",
		Source: src("000", "§二(四)", "供水保证率是否达到90%以上"),
		Facts:  []string{"supply_rate"}, Required: []string{"supply_rate"}, Rules: []string{"water_reliability"}},
	{Code: "water_facility", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "供水设施是否正常运行？管网有无老化失修、跑冒滴漏？",
		Source: src("000", "§二(四)", "是否存在供水管网老化失修、跑冒滴漏等问题")},
	{Code: "water_seasonal", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "遇季节性缺水或突发情况，能否及时解决？",
		Source: src("000", "§二(四)", "遇有季节性缺水可否及时解决，遇有突发情况可否及时处置")},
	{Code: "water_cistern", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "使用分散式水窖、旱井的，水质是否按规定检测？",
		Help:   "不使用水窖、旱井的选“不适用”。",
		Source: src("002", "§一(一)3", "分散式水窖、旱井水质检测工作不够规范")},
	{Code: "water_hazard", Dimension: DimWater, Scope: ScopeHousehold,
		Title:  "饮水设施是否受干旱、洪涝、冰冻或地质灾害威胁？受损的是否已临时送水并抢修？",
		Source: src("004", "§四(二)4", "对不同季节可能出现的水源水量不足、水管冻堵、强降雨引发饮水工程损毁以及存在地质灾害隐患地区的饮水设施进行排查")},

	// Food and clothing 两不愁.
	{Code: "fc_food", Dimension: DimFoodClothing, Scope: ScopeHousehold,
		Title:  "是否不愁吃（口粮充足、饮食有保障）？",
		Source: src("001", "§二", "收入稳定超过省定扶贫标准且吃穿不愁"),
		Facts:  []string{"food_ok"}, Required: []string{"food_ok"}, Rules: []string{"fc_food_clothing"}},
	{Code: "fc_clothing", Dimension: DimFoodClothing, Scope: ScopeHousehold,
		Title:  "是否不愁穿（四季有换季衣物、被褥）？",
		Source: src("001", "§二", "收入稳定超过省定扶贫标准且吃穿不愁"),
		Facts:  []string{"clothing_ok"}, Required: []string{"clothing_ok"}, Rules: []string{"fc_food_clothing"}},

	// Income 收入.
	{Code: "inc_income", Dimension: DimIncome, Scope: ScopeHousehold,
		Title:    "全家全年工资性、经营性、财产性、转移性收入和合规自付支出各是多少？",
		Help:     "四项收入和合规自付支出都要填写，没有的填0；测算人均纯收入时扣减合规自付支出。",
		Source:   src("002", "§(二)1", "聚焦工资性、经营性、财产性、转移性“四项收入”"),
		Facts:    []string{"income_wage", "income_operating", "income_property", "income_transfer", "eligible_expenses"},
		Required: []string{"income_wage", "income_operating", "income_property", "income_transfer", "eligible_expenses"},
		Rules:    []string{"inc_below_threshold", "inc_sharp_fall", "inc_lowest_20"}},
	{Code: "inc_last_year", Dimension: DimIncome, Scope: ScopeHousehold,
		Title:  "上年家庭人均纯收入是多少？今年是否下降？",
		Source: src("002", "§(二)1", "特别是对低收入人口中的收入下降户,各村要逐户分析研判、因户因人施策"),
		Facts:  []string{"last_year_per_capita"}, Required: []string{"last_year_per_capita"}, Rules: []string{"inc_sharp_fall"}},
	{Code: "inc_hardship", Dimension: DimIncome, Scope: ScopeHousehold,
		Title:  "是否因病、因灾、因残、因意外事故等刚性支出较大或收入大幅缩减，基本生活出现严重困难？",
		Help:   "出现上述情况选“不符合”并说明，按程序纳入监测。",
		Source: src("004", "§三", "因病因灾因残因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户")},

	// Safety net 兜底保障.
	{Code: "sn_disabled_subsidy", Dimension: DimSafetyNet, Scope: ScopeMember, Households: HHDibao, Members: MSevereDisabled,
		Title:  "享受低保的重度残疾人是否落实困难残疾人生活补贴？",
		Source: src("002", "§(八)", "有的重度残疾人享受低保，但没有落实困难残疾人生活补贴"),
		Facts:  []string{"living_subsidy"}, Required: []string{"living_subsidy"}, Rules: []string{"sn_disabled_no_subsidy"}},
	{Code: "sn_disability_allowance", Dimension: DimSafetyNet, Scope: ScopeMember, Members: MDisabled,
		Title:  "残疾人补贴是否按时足额发放？",
		Source: src("002", "§(八)", "残疾人补贴发放不及时")},
	{Code: "sn_coverage", Dimension: DimSafetyNet, Scope: ScopeHousehold,
		Title:  "符合条件的困难群众是否已纳入低保、特困供养等救助范围（应保尽保）？",
		Source: src("002", "§(八)1", "将符合条件的困难群众及时按规定程序纳入救助范围，实现应保尽保，应救尽救"),
		Rules:  []string{"sn_no_labour"}},
	{Code: "sn_special", Dimension: DimSafetyNet, Scope: ScopeHousehold,
		Title:  "重症精神病患者、重度残疾人、分散供养特困人员等特殊困难群体基本生活是否有保障？",
		Help:   "家中无此类人员的选“不适用”。",
		Source: src("003", "§四(二)5", "脱贫重症精神病患者、重症残疾户、农村分散供养特困户等特殊困难群体基本生活是否得到保障")},

	// Employment 就业帮扶.
	{Code: "emp_job_info", Dimension: DimEmployment, Scope: ScopeMember, Households: HHKey, Members: MLabour,
		Title:  "务工就业信息（务工地点、工种、收入）是否已采集并按月更新？",
		Source: src("002", "§(七)4", "掌握脱贫劳动力基本情况、技能培训意愿和务工就业信息，实施动态更新管理")},
	{Code: "emp_transport", Dimension: DimEmployment, Scope: ScopeMember, Households: HHKey, Members: MLabour,
		Title:  "外出务工的，是否按规定领取一次性交通补贴、稳岗补助？",
		Help:   "未外出务工的选“不适用”。",
		Source: src("002", "§(七)2", "常态化做好脱贫劳动力外出务工就业一次性交通补贴、稳岗补助发放工作")},
	{Code: "emp_training", Dimension: DimEmployment, Scope: ScopeMember, Households: HHKey, Members: MLabour,
		Title:  "有就业意愿和培训需求的，是否已组织职业技能培训？",
		Source: src("002", "§(七)3", "根据有就业意愿的脱贫劳动力培训需求清单，及时组织职业技能培训并严格落实生活费补贴")},
	{Code: "emp_public_job", Dimension: DimEmployment, Scope: ScopeHousehold, Households: HHKey,
		Title:  "在乡村公益性岗位就业的，是否在岗履职、人岗相适？",
		Help:   "无人在公益性岗位的选“不适用”。",
		Source: src("002", "§(七)", "存在乡村公益性岗位虚设、人岗不相适等情况")},

	// Industry 产业帮扶.
	{Code: "ind_microcredit", Dimension: DimIndustry, Scope: ScopeHousehold, Households: HHKey,
		Title:  "有发展生产需求的，是否获得脱贫人口小额信贷（应贷尽贷），贷款是否用于生产经营？",
		Source: src("002", "§(四)2", "强化对脱贫户和“两类户”的入户走访需求摸排工作，确保应贷尽贷")},
	{Code: "ind_benefit", Dimension: DimIndustry, Scope: ScopeHousehold, Households: HHKey,
		Title:  "参与的产业帮扶项目是否正常运行，利益联结和收益分配是否落实？",
		Source: src("003", "§四(二)6", "产业就业扶贫项目是否正常运行,与脱贫群众的利益联结是否紧密")},

	// Relocation 易地搬迁后续扶持.
	{Code: "rel_income", Dimension: DimRelocation, Scope: ScopeHousehold, Households: HHRelocated,
		Title:  "搬迁后产业带动和务工就业政策是否落实，收入是否稳定增长？",
		Source: src("003", "§四(二)7", "搬迁群众产业带动和务工就业政策是否落实,搬迁群众是否稳定增收")},
	{Code: "rel_support", Dimension: DimRelocation, Scope: ScopeHousehold, Households: HHRelocated,
		Title:  "搬迁户帮扶措施是否及时更新，安置区基础设施是否完善？",
		Source: src("003", "§四(二)7", "搬迁群众帮扶措施落实情况是否更新,基础设施是否完善")},

	// Monitoring 防止返贫监测.
	{Code: "mon_qr", Dimension: DimMonitoring, Scope: ScopeHousehold,
		Title:  "是否知晓防返贫监测自主申报“二维码”及其用途？",
		Source: src("003", "§四(一)3", "脱贫户和其他困难农户是否知晓“二维码”用途")},
	{Code: "mon_feedback", Dimension: DimMonitoring, Scope: ScopeHousehold,
		Title:  "提出的申报诉求是否已及时上户核实，处理结果是否已反馈？",
		Help:   "没有提出过诉求的选“不适用”。",
		Source: src("003", "§四(一)4", "村干部对农户提出的申报诉求是否及时上户核实")},
}

// ItemByCode finds an item in a list (nil if absent).
func ItemByCode(items []CheckItem, code string) *CheckItem {
	for i := range items {
		if items[i].Code == code {
			return &items[i]
		}
	}
	return nil
}

// ItemsOf returns the items of the given dimensions (all when dims is
// empty), in list order.
func ItemsOf(items []CheckItem, dims []string) []CheckItem {
	if len(dims) == 0 {
		return items
	}
	var out []CheckItem
	for _, it := range items {
		for _, d := range dims {
			if it.Dimension == d {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

// Applies reports whether the item concerns the household (household
// scope) or member m of it (member scope).
func (it *CheckItem) Applies(h *Household, m *Member, p *Params) bool {
	if !householdOK(it.Households, h) {
		return false
	}
	if it.Scope == ScopeHousehold {
		return m == nil
	}
	return m != nil && memberOK(it.Members, m, p)
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)

// Validate checks an item, for a county adding its own; existing is the
// current list (to refuse a duplicate code). Row is the validation's row.
func (it *CheckItem) Validate(v *apperr.Validation, existing []CheckItem) {
	it.Code = strings.TrimSpace(it.Code)
	it.Title = strings.TrimSpace(it.Title)
	it.Help = strings.TrimSpace(it.Help)
	switch {
	case !codeRE.MatchString(it.Code):
		v.Add("code", "排查项编码", "“%s”格式不正确：应为2至48位小写字母、数字或下划线，以字母开头", it.Code)
	case ItemByCode(existing, it.Code) != nil:
		v.Add("code", "排查项编码", "“%s”已存在", it.Code)
	}
	if !Dimensions.Has(it.Dimension) {
		v.Add("dimension", "排查方面", "应为：%s", strings.Join(Dimensions.Labels(), "、"))
	}
	if it.Title == "" {
		v.Add("title", "排查内容", "不能为空")
	} else if utf8.RuneCountInString(it.Title) > 200 {
		v.Add("title", "排查内容", "不能超过200个字符")
	}
	if utf8.RuneCountInString(it.Help) > 1000 {
		v.Add("help", "填写说明", "不能超过1000个字符")
	}
	if it.Scope != ScopeHousehold && it.Scope != ScopeMember {
		v.Add("scope", "排查对象", "应为“全户”（household）或“成员”（member）")
	}
	if _, ok := HouseholdFilters[it.Households]; !ok {
		v.Add("households", "适用农户", "“%s”不是已知的农户范围", it.Households)
	}
	if _, ok := MemberFilters[it.Members]; !ok {
		v.Add("members", "适用成员", "“%s”不是已知的成员范围", it.Members)
	} else if it.Members != MAll && it.Scope == ScopeHousehold {
		v.Add("members", "适用成员", "全户排查项不能限定成员范围")
	}
	if strings.TrimSpace(it.Source.Quote) == "" {
		v.Add("source", "政策依据", "须注明依据文件及原文")
	}
	for _, f := range it.Facts {
		d := FactByCode(f)
		if d == nil {
			v.Add("facts", "记录事实", "“%s”不是已知的事实项", f)
		} else if d.Scope != it.Scope {
			v.Add("facts", "记录事实", "“%s”的对象与排查项不一致", d.Label)
		}
	}
	for _, f := range it.Required {
		if !contains(it.Facts, f) {
			v.Add("required", "必填事实", "“%s”不在记录事实中", f)
		}
	}
	for _, r := range it.Rules {
		if RuleByCode(r) == nil {
			v.Add("rules", "关联规则", "“%s”不是已知的规则", r)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
