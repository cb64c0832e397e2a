package screening

import (
	"math/bits"
	"strconv"
	"strings"

	"sanbao/internal/policy"
	"sanbao/internal/registry"
)

// Rule is one check the system runs over the registry, the visits' facts
// and the department rosters. Its evaluation is in this package; the table
// is listed for the UI.
type Rule struct {
	Code       string        `json:"code"`
	Dimension  string        `json:"dimension"`
	Title      string        `json:"title"`     // Chinese name of the problem
	Criterion  string        `json:"criterion"` // how it decides, in Chinese
	Source     policy.Source `json:"source"`
	Scope      string        `json:"scope"`                // household / member
	Households string        `json:"households,omitempty"` // household filter it applies to
	Facts      []string      `json:"facts,omitempty"`      // facts it reads besides the registry
	// UnknownRaises: the policy requires the fact to be known, so a fact
	// never recorded raises the finding too. Otherwise an unknown fact raises
	// nothing (the unanswered item is a coverage gap, see Unscreened).
	UnknownRaises bool `json:"unknown_raises"`
	// Township: the rule compares households of a township and runs in the
	// township pass (IncomeRank), not in Evaluate.
	Township bool `json:"township,omitempty"`

	id  ruleID
	dim int
}

type ruleID uint8

const (
	rEduDropout ruleID = iota
	rEduNotAttending
	rEduDisabledUnassessed
	rEduNoHomeTeaching
	rEduRelocatedNoSchool
	rEduNoAid
	rMedUninsured
	rMedChronicUncovered
	rMedNoFamilyDoctor
	rMedUntreated
	rHouseDangerous
	rHouseRenovatedNotMoved
	rHouseLivingInBoth
	rHouseMovedBack
	rHouseSubsidyUnpaid
	rHousePoorQuality
	rWaterQuality
	rWaterQuantity
	rWaterConvenience
	rWaterReliability
	rFoodClothing
	rIncomeBelowThreshold
	rIncomeSharpFall
	rIncomeLowest
	rSafetyNetDisabledSubsidy
	rSafetyNetNoLabour
	rItemNotMet
	numRules
)

// Rule codes used outside the table.
const (
	RuleIncomeLowest = "inc_lowest_20"
	RuleItemNotMet   = "item_not_met"
)

// Rules is the rule table.
var Rules = []Rule{
	{id: rEduDropout, Code: "edu_dropout", Dimension: DimEducation, Scope: ScopeMember,
		Title:     "义务教育阶段适龄儿童少年失学辍学（含应入学未入学）",
		Criterion: "按适龄儿童年龄计算日为义务教育适龄，在校生状况不是在校、送教上门或因身体原因不具备学习条件（已毕业须年满义务教育最大年龄）；登记在校但教育部门名单无学籍的同样计入",
		Source:    src("001", "§二.1", "除身体原因不具备学习条件外，贫困家庭义务教育阶段适龄儿童、少年不失学辍学"),
		Facts:     []string{"enrolled"}},
	{id: rEduNotAttending, Code: "edu_not_attending", Dimension: DimEducation, Scope: ScopeMember,
		Title:     "学籍在校但实际不在校（阶段性失学辍学）",
		Criterion: "义务教育适龄、登记为在校生，入户核实实际不在校",
		Source:    src("000", "§二(一)", "是否存在学籍在校、学生一定时间实际不在校的阶段性失学辍学现象"),
		Facts:     []string{"attending"}},
	{id: rEduDisabledUnassessed, Code: "edu_disabled_unassessed", Dimension: DimEducation, Scope: ScopeMember, UnknownRaises: true,
		Title:     "适龄残疾儿童未经县级残疾人教育专家委员会评估鉴定",
		Criterion: "残疾且义务教育适龄，未记录已经评估鉴定（未核实的同样列出，须逐人核实）",
		Source:    src("000", "§二(一)", "适龄残疾儿童是否经过“县级残疾人教育专家委员会”鉴定"),
		Facts:     []string{"disability_assessed"}},
	{id: rEduNoHomeTeaching, Code: "edu_no_home_teaching", Dimension: DimEducation, Scope: ScopeMember,
		Title:     "不能到校就读的适龄残疾儿童未落实送教上门",
		Criterion: "残疾且义务教育适龄，在校生状况为因身体原因不具备学习条件，核实未落实送教上门",
		Source:    src("000", "§二(一)", "“送教上门”是否覆盖有需求的残疾儿童，是否按要求开展送教工作"),
		Facts:     []string{"home_teaching"}},
	{id: rEduRelocatedNoSchool, Code: "edu_relocated_no_school", Dimension: DimEducation, Scope: ScopeMember, Households: HHRelocated,
		Title:     "易地扶贫搬迁户学生无接纳学校或学籍未转入",
		Criterion: "易地扶贫搬迁户的在校生或义务教育适龄成员，核实无接纳学校或学籍未转到相应学校",
		Source:    src("000", "§二(一)", "易地扶贫搬迁户学生上学是否有接纳学校，学籍是否转到相应学校"),
		Facts:     []string{"receiving_school", "school_record_moved"}},
	{id: rEduNoAid, Code: "edu_no_aid", Dimension: DimEducation, Scope: ScopeMember, Households: HHKey,
		Title:     "家庭经济困难学生未享受学生资助",
		Criterion: "脱贫户、监测户的在校生，核实未享受相应学段资助",
		Source:    src("002", "§一(一)1", "落实各阶段学生资助政策，确保家庭经济困难学生资助全覆盖"),
		Facts:     []string{"student_aid"}},
	{id: rMedUninsured, Code: "med_uninsured", Dimension: DimMedical, Scope: ScopeMember, Households: HHKey,
		Title:     "脱贫人口、监测对象未参加基本医疗保险",
		Criterion: "脱贫户、监测户成员未参加城乡居民基本医疗保险（医保部门名单或入户核实优先于户籍登记）",
		Source:    src("001", "§二.2", "脱贫享受政策人口全部纳入基本医疗保险、大病保险、医疗救助等制度保障范围"),
		Facts:     []string{"insured"}},
	{id: rMedChronicUncovered, Code: "med_chronic_uncovered", Dimension: DimMedical, Scope: ScopeMember,
		Title:     "慢性病、大病患者未纳入门诊慢特病保障",
		Criterion: "健康状况为长期慢性病或患有大病，核实未纳入门诊慢特病保障",
		Source:    src("002", "§一(一)2", "及时将符合条件的困难群体纳入门诊慢特病保障范围"),
		Facts:     []string{"chronic_coverage"}},
	{id: rMedNoFamilyDoctor, Code: "med_no_family_doctor", Dimension: DimMedical, Scope: ScopeMember, Households: HHKey,
		Title:     "脱贫人口、监测对象未签约家庭医生",
		Criterion: "脱贫户、监测户成员，核实未签约家庭医生",
		Source:    src("002", "§一(一)2", "家庭医生签约服务要落实到位，健全完善家庭医生签约台账"),
		Facts:     []string{"family_doctor"}},
	{id: rMedUntreated, Code: "med_untreated", Dimension: DimMedical, Scope: ScopeMember,
		Title:     "大病患者未得到及时救治",
		Criterion: "健康状况为患有大病，核实未得到及时救治",
		Source:    src("000", "§二(二)", "新发生大病患者是否得到及时救治"),
		Facts:     []string{"serious_treated"}},
	{id: rHouseDangerous, Code: "house_dangerous", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "居住在C级或D级危房",
		Criterion: "现住房安全等级为C级或D级（脱贫户和一般农户同样适用）；等级未鉴定的不列为问题，列为未排查",
		Source:    src("001", "§二.3", "对居住在C级和D级的贫困人口以及一般群众，通过进行危房改造或其他有效措施，保障其不住危房"),
		Facts:     []string{"house_grade"}},
	{id: rHouseRenovatedNotMoved, Code: "house_renovated_not_moved", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "危房改造后未入住（改而未住）",
		Criterion: "核实危房改造后未入住",
		Source:    src("000", "§二(三)", "是否存在危房改造后农户未及时入住、改而未住或“两头住”的问题"),
		Facts:     []string{"renovated_not_moved"}},
	{id: rHouseLivingInBoth, Code: "house_living_in_both", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "危房改造后新旧房“两头住”",
		Criterion: "核实新旧房两头住",
		Source:    src("000", "§二(三)", "是否存在危房改造后农户未及时入住、改而未住或“两头住”的问题"),
		Facts:     []string{"living_in_both"}},
	{id: rHouseMovedBack, Code: "house_moved_back", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "搬进新居后又返回危旧房居住",
		Criterion: "核实搬进新居后又返回危旧房居住",
		Source:    src("002", "§一(一)4", "少数农户危房改造后没有搬进新居，有的搬进新居后又返回危旧房居住"),
		Facts:     []string{"moved_back"}},
	{id: rHouseSubsidyUnpaid, Code: "house_subsidy_unpaid", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "危房改造竣工验收后补助资金未发放到户",
		Criterion: "危房改造已竣工验收，补助资金未发放到户",
		Source:    src("000", "§二(三)", "是否存在农村危房改造后验收工作周期长，改造补助资金发放不及时，造成已竣工农户未能及时领取到补助资金的问题"),
		Facts:     []string{"renovation_accepted", "subsidy_paid"}},
	{id: rHousePoorQuality, Code: "house_poor_quality", Dimension: DimHousing, Scope: ScopeHousehold,
		Title:     "危房改造质量不达标",
		Criterion: "核实危房改造质量不达标",
		Source:    src("000", "§二(三)", "是否存在农村危房改造质量不高现象"),
		Facts:     []string{"renovation_quality_ok"}},
	{id: rWaterQuality, Code: "water_quality", Dimension: DimWater, Scope: ScopeHousehold,
		Title:     "饮用水水质不达标",
		Criterion: "核实水质不达标",
		Source:    src("000", "§二(四)", "水质是否超标"),
		Facts:     []string{"water_quality_ok"}},
	{id: rWaterQuantity, Code: "water_quantity", Dimension: DimWater, Scope: ScopeHousehold,
		Title:     "人均日用水量低于标准",
		Criterion: "每人每天可获得水量低于当地下限（默认20升，各地20至40升）",
		Source:    src("000", "§二(四)", "水量是否达到每人每天获得20-40升以上"),
		Facts:     []string{"water_litres"}},
	{id: rWaterConvenience, Code: "water_convenience", Dimension: DimWater, Scope: ScopeHousehold,
		Title:     "取水不方便（未通自来水，取水时间和距离均超标）",
		Criterion: "未通自来水，往返取水超过20分钟，且水平距离超过800米或垂直距离超过80米（三项均已记录时判断）",
		Source:    src("000", "§二(四)", "方便程度是否实现自来水入户、人力取水不超过20分钟或取水水平距离不超800米垂直距离不超80米"),
		Facts:     []string{"tap_water", "fetch_minutes", "distance_h", "distance_v"}},
	{id: rWaterReliability, Code: "water_reliability", Dimension: DimWater, Scope: ScopeHousehold,
		Title:     "供水保证率低于90%",
		Criterion: "供水保证率低于90%",
		Source:    src("000", "§二(四)", "供水保证率是否达到90%以上"),
		Facts:     []string{"supply_rate"}},
	{id: rFoodClothing, Code: "fc_food_clothing", Dimension: DimFoodClothing, Scope: ScopeHousehold,
		Title:     "存在吃穿困难",
		Criterion: "核实愁吃或愁穿",
		Source:    src("001", "§二", "收入稳定超过省定扶贫标准且吃穿不愁"),
		Facts:     []string{"food_ok", "clothing_ok"}},
	{id: rIncomeBelowThreshold, Code: "inc_below_threshold", Dimension: DimIncome, Scope: ScopeHousehold,
		Title:     "人均纯收入低于防止返贫监测范围指导线而未纳入监测",
		Criterion: "非监测户，（四项收入－合规自付支出）÷家庭人口低于本省当年监测范围指导线",
		Source:    src("002", "§(三)1", "对全镇农户结合 2024 年全省防止返贫监测范围指导线(7800 元),综合考虑农户家庭收支情况"),
		Facts:     []string{"income_wage", "income_operating", "income_property", "income_transfer", "eligible_expenses"}},
	{id: rIncomeSharpFall, Code: "inc_sharp_fall", Dimension: DimIncome, Scope: ScopeHousehold,
		Title:     "人均纯收入较上年大幅下降",
		Criterion: "人均纯收入较上年下降达到收入大幅缩减比例（默认30%，可配置；种子文件未给出比例）",
		Source:    src("004", "§三", "因病因灾因残因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户"),
		Facts:     []string{"income_wage", "income_operating", "income_property", "income_transfer", "eligible_expenses", "last_year_per_capita"}},
	{id: rIncomeLowest, Code: RuleIncomeLowest, Dimension: DimIncome, Scope: ScopeHousehold, Township: true,
		Title:     "人均纯收入处于本乡镇最低20%",
		Criterion: "同一乡镇已测算收入的农户按人均纯收入从低到高排序，前20%（向上取整，与界值相同的并列户一并列入）",
		Source:    src("002", "§(二)1", "全面梳理人均纯收入最低20%户的实际情况"),
		Facts:     []string{"income_wage", "income_operating", "income_property", "income_transfer", "eligible_expenses"}},
	{id: rSafetyNetDisabledSubsidy, Code: "sn_disabled_no_subsidy", Dimension: DimSafetyNet, Scope: ScopeMember, Households: HHDibao, UnknownRaises: true,
		Title:     "享受低保的重度残疾人未落实困难残疾人生活补贴",
		Criterion: "低保户中的一、二级残疾人，未记录享受困难残疾人生活补贴（未核实的同样列出）",
		Source:    src("002", "§(八)", "有的重度残疾人享受低保，但没有落实困难残疾人生活补贴"),
		Facts:     []string{"living_subsidy"}},
	{id: rSafetyNetNoLabour, Code: "sn_no_labour", Dimension: DimSafetyNet, Scope: ScopeHousehold, Households: HHKey,
		Title:     "整户无劳动能力但未纳入低保或特困供养",
		Criterion: "脱贫户、监测户中没有劳动年龄内（默认16至59周岁）普通或弱劳动力，且不是低保户、特困供养户",
		Source:    src("002", "§(八)1", "将符合条件的困难群众及时按规定程序纳入救助范围，实现应保尽保，应救尽救")},
	{id: rItemNotMet, Code: RuleItemNotMet, Dimension: "", Scope: ScopeHousehold,
		Title:     "入户排查项不符合",
		Criterion: "最近一次签字的入户排查中答“不符合”，且该项关联的规则未因同一事实列出问题",
		Source:    src("003", "§五(一)", "排查工作要做到“谁排查、谁签字、谁负责”")},
}

var ruleByID [numRules]*Rule

func init() {
	for i := range Rules {
		r := &Rules[i]
		r.dim = dimIndex(r.Dimension)
		ruleByID[r.id] = r
	}
}

// RuleByCode returns a rule (nil if unknown).
func RuleByCode(code string) *Rule {
	for i := range Rules {
		if Rules[i].Code == code {
			return &Rules[i]
		}
	}
	return nil
}

// Evidence is one fact behind a finding, rendered in Chinese.
type Evidence struct {
	Key   string `json:"key"`   // fact code or a registry field
	Label string `json:"label"` // Chinese
	Value string `json:"value"` // Chinese rendering, with its unit
}

// Finding is a problem a rule found at a household or member.
type Finding struct {
	Rule        string        `json:"rule"`
	Item        string        `json:"item,omitempty"` // for item_not_met
	Dimension   string        `json:"dimension"`
	HouseholdID int64         `json:"household_id"`
	MemberID    int64         `json:"member_id,omitempty"`
	Title       string        `json:"title"`
	Evidence    []Evidence    `json:"evidence"`
	Source      policy.Source `json:"source"`
}

// FindingKey is the stable key of a finding: a finding still open with the
// same key is the same problem and is not raised twice. Format:
// rule[.item]:household:member (member 0 for a household finding).
func FindingKey(rule, item string, household, member int64) string {
	b := make([]byte, 0, len(rule)+len(item)+24)
	b = append(b, rule...)
	if item != "" {
		b = append(b, '.')
		b = append(b, item...)
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, household, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, member, 10)
	return string(b)
}

// Key returns FindingKey of the finding.
func (f *Finding) Key() string { return FindingKey(f.Rule, f.Item, f.HouseholdID, f.MemberID) }

// Text renders the finding as one line of Chinese: title（label：value；…）.
func (f *Finding) Text() string {
	var b strings.Builder
	b.WriteString(f.Title)
	if len(f.Evidence) > 0 {
		b.WriteString("（")
		for i, e := range f.Evidence {
			if i > 0 {
				b.WriteString("；")
			}
			b.WriteString(e.Label)
			b.WriteString("：")
			b.WriteString(e.Value)
		}
		b.WriteString("）")
	}
	return b.String()
}

// mctx is what the member rules read about one member, computed once.
type mctx struct {
	i         int
	m         *Member
	f         MemberFacts
	sAge      int // age on the school reference date, -1 unknown
	schoolAge bool
}

func (p *Params) member(in *Input, i int) mctx {
	m := &in.Members[i]
	c := mctx{i: i, m: m, sAge: m.Birth.AgeOn(p.schoolRef)}
	if i < len(in.MemberFacts) {
		c.f = in.MemberFacts[i]
	}
	c.schoolAge = c.sAge >= p.SchoolAgeMin && c.sAge <= p.SchoolAgeMax
	return c
}

// insured is the effective insurance: a roster or visit fact wins over the
// registry flag.
func (c *mctx) insured() bool {
	if t := c.f.Tri(FInsured); t != Unknown {
		return t == Yes
	}
	return c.m.Insured
}

// bit returns 1<<id when cond holds.
func bit(cond bool, id ruleID) uint64 {
	if cond {
		return 1 << id
	}
	return 0
}

// memberFired evaluates every member rule at once and returns a bit per
// rule that fires. One straight-line function: no call per rule.
func memberFired(h *Household, c *mctx, p *Params) uint64 {
	m := c.m
	f := &c.f
	var out uint64
	key := h.Category == CatLifted || h.Category == CatMonitored
	if c.schoolAge {
		switch m.Schooling {
		case SchoolInSchool:
			out |= bit(f.Tri(FEnrolled) == No, rEduDropout)
			out |= bit(f.Tri(FAttending) == No, rEduNotAttending)
		case SchoolHomeTeaching, SchoolUnknown:
		case SchoolUnable:
			out |= bit(m.Disabled && f.Tri(FHomeTeaching) == No, rEduNoHomeTeaching)
		case SchoolGraduated:
			out |= bit(c.sAge < p.SchoolAgeMax, rEduDropout)
		default: // none, preschool, dropout
			out |= 1 << rEduDropout
		}
		out |= bit(m.Disabled && f.Tri(FDisabilityAssessed) != Yes, rEduDisabledUnassessed)
	}
	if h.Relocated && (m.Schooling == SchoolInSchool || c.schoolAge) {
		out |= bit(f.Tri(FReceivingSchool) == No || f.Tri(FSchoolRecordMoved) == No, rEduRelocatedNoSchool)
	}
	if key {
		out |= bit(m.Schooling == SchoolInSchool && f.Tri(FStudentAid) == No, rEduNoAid)
		out |= bit(!c.insured(), rMedUninsured)
		out |= bit(f.Tri(FFamilyDoctor) == No, rMedNoFamilyDoctor)
	}
	if m.Health == HealthChronic || m.Health == HealthSerious {
		out |= bit(f.Tri(FChronicCoverage) == No, rMedChronicUncovered)
		out |= bit(m.Health == HealthSerious && f.Tri(FSeriousTreated) == No, rMedUntreated)
	}
	out |= bit(h.Dibao && m.Severe && f.Tri(FLivingSubsidy) != Yes, rSafetyNetDisabledSubsidy)
	return out
}

// memberRule evaluates one member rule.
func memberRule(id ruleID, h *Household, c *mctx, p *Params) bool {
	return memberFired(h, c, p)&(1<<id) != 0
}

// hctx is what the household rules read.
type hctx struct {
	h         *Household
	f         *HouseholdFacts
	n         int  // household size
	hasLabour bool // a member of working age with normal or weak labour (or of unknown age)
}

// householdFired evaluates every household rule at once.
func householdFired(c *hctx, p *Params) uint64 {
	f := c.f
	h := c.h
	var out uint64
	if g, ok := f.Get(FHouseGrade); ok && g >= GradeC {
		out |= 1 << rHouseDangerous
	}
	out |= bit(f.Tri(FRenovatedNotMoved) == Yes, rHouseRenovatedNotMoved)
	out |= bit(f.Tri(FLivingInBoth) == Yes, rHouseLivingInBoth)
	out |= bit(f.Tri(FMovedBack) == Yes, rHouseMovedBack)
	out |= bit(f.Tri(FRenovationAccepted) == Yes && f.Tri(FSubsidyPaid) == No, rHouseSubsidyUnpaid)
	out |= bit(f.Tri(FRenovationQualityOK) == No, rHousePoorQuality)
	out |= bit(f.Tri(FWaterQualityOK) == No, rWaterQuality)
	if l, ok := f.Get(FWaterLitres); ok && l < p.WaterLitresMin(h.Region) {
		out |= 1 << rWaterQuantity
	}
	if f.Tri(FTapWater) == No {
		min, ok := f.Get(FFetchMinutes)
		dh, okH := f.Get(FDistanceH)
		dv, okV := f.Get(FDistanceV)
		out |= bit(ok && min > p.WaterFetchMinutes && (okH && dh > p.WaterDistanceH || okV && dv > p.WaterDistanceV), rWaterConvenience)
	}
	if r, ok := f.Get(FSupplyRate); ok && r < p.WaterSupplyRate {
		out |= 1 << rWaterReliability
	}
	out |= bit(f.Tri(FFoodOK) == No || f.Tri(FClothingOK) == No, rFoodClothing)
	if pc, ok := perCapita(f, c.n); ok {
		out |= bit(h.Category != CatMonitored && pc < p.Threshold.Yuan, rIncomeBelowThreshold)
		if last, ok := f.Get(FLastYearPerCapita); ok && last > 0 && pc <= last*(1-p.IncomeFallRatio) {
			out |= 1 << rIncomeSharpFall
		}
	}
	out |= bit((h.Category == CatLifted || h.Category == CatMonitored) && !h.Dibao && !h.Tekun && c.n > 0 && !c.hasLabour, rSafetyNetNoLabour)
	return out
}

// householdRule evaluates one household rule.
func householdRule(id ruleID, c *hctx, p *Params) bool {
	return householdFired(c, p)&(1<<id) != 0
}

// Evaluate runs every rule of p over one household and calls emit for each
// finding. It allocates nothing unless a rule fires. The township rule
// (inc_lowest_20) runs separately in IncomeRank.
func Evaluate(in *Input, p *Params, emit func(Finding)) {
	h := &in.Household
	hc := hctx{h: h, f: &in.Facts, n: len(in.Members)}
	for i := range in.Members {
		c := p.member(in, i)
		if !hc.hasLabour && (c.m.Labour == LabourNormal || c.m.Labour == LabourWeak) {
			if a := c.m.Birth.AgeOn(p.ref); a < 0 || a >= p.WorkingAgeMin && a <= p.WorkingAgeMax {
				hc.hasLabour = true
			}
		}
		for set := memberFired(h, &c, p) & p.memberOn; set != 0; set &= set - 1 {
			emit(memberFinding(ruleID(bits.TrailingZeros64(set)), in, &c, p))
		}
	}
	for set := householdFired(&hc, p) & p.householdOn; set != 0; set &= set - 1 {
		emit(householdFinding(ruleID(bits.TrailingZeros64(set)), in, &hc, p))
	}
	if len(in.NotMet) > 0 {
		itemFindings(in, &hc, p, emit)
	}
}

// itemFindings turns "does not meet" answers into findings, unless a rule
// the item feeds already fired for the same household or member.
func itemFindings(in *Input, hc *hctx, p *Params, emit func(Finding)) {
	for _, a := range in.NotMet {
		if a.Result != ResultNotMet {
			continue
		}
		it := ItemByCode(p.Items, a.Item)
		dim := ""
		if it != nil {
			dim = it.Dimension
			if !p.DimensionOn(dim) {
				continue
			}
		}
		mi := -1
		if a.MemberID != 0 {
			mi = in.memberIndex(a.MemberID)
		}
		if it != nil && coveredByRule(it, in, hc, mi, p) {
			continue
		}
		f := Finding{Rule: RuleItemNotMet, Item: a.Item, Dimension: dim, HouseholdID: in.Household.ID, MemberID: a.MemberID}
		if it != nil {
			f.Title = "排查不符合：" + it.Title
			f.Source = it.Source
		} else {
			f.Title = "排查不符合：" + a.Item
			f.Source = ruleByID[rItemNotMet].Source
		}
		if a.Note != "" {
			f.Evidence = append(f.Evidence, Evidence{Key: "note", Label: "排查情况", Value: a.Note})
		}
		if len(a.Photos) > 0 {
			f.Evidence = append(f.Evidence, Evidence{Key: "photos", Label: "照片", Value: strconv.Itoa(len(a.Photos)) + "张"})
		}
		emit(f)
	}
}

func coveredByRule(it *CheckItem, in *Input, hc *hctx, mi int, p *Params) bool {
	for _, code := range it.Rules {
		r := RuleByCode(code)
		if r == nil || r.Township || !p.dimensionOn(r.dim) {
			continue
		}
		if r.Scope == ScopeMember {
			if mi >= 0 {
				c := p.member(in, mi)
				if memberRule(r.id, &in.Household, &c, p) {
					return true
				}
			}
		} else if householdRule(r.id, hc, p) {
			return true
		}
	}
	return false
}

// perCapita computes (wage + operating + property + transfer − eligible
// expenses) ÷ n; ok is false unless all five are known and n > 0.
func perCapita(f *HouseholdFacts, n int) (float64, bool) {
	const need = 1<<FIncomeWage | 1<<FIncomeOperating | 1<<FIncomeProperty | 1<<FIncomeTransfer | 1<<FEligibleExpenses
	if f.Known&need != need || n <= 0 {
		return 0, false
	}
	v := &f.V
	return (v[FIncomeWage] + v[FIncomeOperating] + v[FIncomeProperty] + v[FIncomeTransfer] - v[FEligibleExpenses]) / float64(n), true
}

// PerCapita returns the household's per-capita net income (四项收入减合规自付支出，
// 除以家庭人口) and whether it is known.
func PerCapita(in *Input) (float64, bool) { return perCapita(&in.Facts, len(in.Members)) }

// Evidence builders (only on the firing path).

func hEv(f *HouseholdFacts, c HFact) Evidence {
	d := &HouseholdFactDefs[c]
	v, ok := f.Get(c)
	e := Evidence{Key: d.Code, Label: d.Label, Value: "未核实"}
	if ok {
		e.Value = d.Format(v)
		if f.Roster&(1<<c) != 0 {
			e.Value += "（部门名单）"
		}
	}
	return e
}

func mEv(f *MemberFacts, c MFact) Evidence {
	d := &MemberFactDefs[c]
	e := Evidence{Key: d.Code, Label: d.Label, Value: f.Tri(c).Label()}
	if f.Known&f.Roster&(1<<c) != 0 {
		e.Value += "（部门名单）"
	}
	return e
}

func numEv(key, label string, v float64, unit string) Evidence {
	return Evidence{Key: key, Label: label, Value: fmtNum(v) + unit}
}

func schoolAgeEv(c *mctx, p *Params) Evidence {
	return Evidence{Key: "age", Label: "年龄", Value: strconv.Itoa(c.sAge) + "周岁（按" + p.schoolRef.String() + "计）"}
}

func schoolingEv(m *Member) Evidence {
	return Evidence{Key: "schooling", Label: registry.Schooling.Label, Value: registry.Schooling.LabelOf(m.Schooling.Code())}
}

func memberFinding(id ruleID, in *Input, c *mctx, p *Params) Finding {
	r := ruleByID[id]
	f := Finding{Rule: r.Code, Dimension: r.Dimension, HouseholdID: in.Household.ID, MemberID: c.m.ID, Title: r.Title, Source: r.Source}
	m := c.m
	switch id {
	case rEduDropout:
		f.Evidence = []Evidence{schoolAgeEv(c, p), schoolingEv(m)}
		if c.f.Tri(FEnrolled) != Unknown {
			f.Evidence = append(f.Evidence, mEv(&c.f, FEnrolled))
		}
	case rEduNotAttending:
		f.Evidence = []Evidence{schoolAgeEv(c, p), schoolingEv(m), mEv(&c.f, FAttending)}
	case rEduDisabledUnassessed:
		f.Evidence = []Evidence{schoolAgeEv(c, p), {Key: "disabled", Label: "残疾", Value: severity(m)}, mEv(&c.f, FDisabilityAssessed)}
	case rEduNoHomeTeaching:
		f.Evidence = []Evidence{schoolAgeEv(c, p), schoolingEv(m), mEv(&c.f, FHomeTeaching)}
	case rEduRelocatedNoSchool:
		f.Evidence = []Evidence{{Key: "relocated", Label: "易地扶贫搬迁户", Value: "是"}, schoolingEv(m),
			mEv(&c.f, FReceivingSchool), mEv(&c.f, FSchoolRecordMoved)}
	case rEduNoAid:
		f.Evidence = []Evidence{categoryEv(&in.Household), schoolingEv(m), mEv(&c.f, FStudentAid)}
	case rMedUninsured:
		e := Evidence{Key: "insured", Label: MemberFactDefs[FInsured].Label, Value: "否（户籍登记）"}
		if c.f.Tri(FInsured) != Unknown {
			e = mEv(&c.f, FInsured)
		}
		f.Evidence = []Evidence{categoryEv(&in.Household), e}
	case rMedChronicUncovered:
		f.Evidence = []Evidence{healthEv(m), mEv(&c.f, FChronicCoverage)}
	case rMedNoFamilyDoctor:
		f.Evidence = []Evidence{categoryEv(&in.Household), mEv(&c.f, FFamilyDoctor)}
	case rMedUntreated:
		f.Evidence = []Evidence{healthEv(m), mEv(&c.f, FSeriousTreated)}
	case rSafetyNetDisabledSubsidy:
		f.Evidence = []Evidence{{Key: "dibao", Label: "低保户", Value: "是"}, {Key: "disabled", Label: "残疾", Value: severity(m)},
			mEv(&c.f, FLivingSubsidy)}
	}
	return f
}

func severity(m *Member) string {
	if m.Severe {
		return "重度（一、二级）"
	}
	return "是"
}

func healthEv(m *Member) Evidence {
	v := "长期慢性病"
	if m.Health == HealthSerious {
		v = "患有大病"
	}
	return Evidence{Key: "health", Label: "健康状况", Value: v}
}

func categoryEv(h *Household) Evidence {
	v := "一般农户"
	switch h.Category {
	case CatLifted:
		v = "脱贫户"
	case CatMonitored:
		v = "监测户"
	}
	return Evidence{Key: "category", Label: "户类型", Value: v}
}

func householdFinding(id ruleID, in *Input, c *hctx, p *Params) Finding {
	r := ruleByID[id]
	f := Finding{Rule: r.Code, Dimension: r.Dimension, HouseholdID: in.Household.ID, Title: r.Title, Source: r.Source}
	hf := c.f
	switch id {
	case rHouseDangerous:
		f.Evidence = []Evidence{hEv(hf, FHouseGrade)}
	case rHouseRenovatedNotMoved:
		f.Evidence = []Evidence{hEv(hf, FRenovatedNotMoved)}
	case rHouseLivingInBoth:
		f.Evidence = []Evidence{hEv(hf, FLivingInBoth)}
	case rHouseMovedBack:
		f.Evidence = []Evidence{hEv(hf, FMovedBack)}
	case rHouseSubsidyUnpaid:
		f.Evidence = []Evidence{hEv(hf, FRenovationAccepted), hEv(hf, FSubsidyPaid)}
	case rHousePoorQuality:
		f.Evidence = []Evidence{hEv(hf, FRenovationQualityOK)}
	case rWaterQuality:
		f.Evidence = []Evidence{hEv(hf, FWaterQualityOK)}
	case rWaterQuantity:
		f.Evidence = []Evidence{hEv(hf, FWaterLitres), numEv("water_litres_min", "当地标准下限", p.WaterLitresMin(in.Household.Region), "升")}
	case rWaterConvenience:
		f.Evidence = []Evidence{hEv(hf, FTapWater), hEv(hf, FFetchMinutes), hEv(hf, FDistanceH), hEv(hf, FDistanceV)}
	case rWaterReliability:
		f.Evidence = []Evidence{hEv(hf, FSupplyRate), numEv("supply_rate_min", "标准下限", p.WaterSupplyRate, "%")}
	case rFoodClothing:
		f.Evidence = []Evidence{hEv(hf, FFoodOK), hEv(hf, FClothingOK)}
	case rIncomeBelowThreshold:
		pc, _ := perCapita(hf, c.n)
		f.Evidence = append(incomeEv(hf, c.n, pc), numEv("threshold", strconv.Itoa(p.Threshold.Year)+"年监测范围指导线", p.Threshold.Yuan, "元"))
	case rIncomeSharpFall:
		pc, _ := perCapita(hf, c.n)
		last, _ := hf.Get(FLastYearPerCapita)
		f.Evidence = append(incomeEv(hf, c.n, pc), hEv(hf, FLastYearPerCapita),
			numEv("fall", "降幅", (1-pc/last)*100, "%"), numEv("fall_ratio", "大幅缩减比例", p.IncomeFallRatio*100, "%"))
	case rSafetyNetNoLabour:
		f.Evidence = []Evidence{categoryEv(&in.Household),
			{Key: "labour", Label: "劳动年龄内劳动力", Value: "无（" + strconv.Itoa(p.WorkingAgeMin) + "至" + strconv.Itoa(p.WorkingAgeMax) + "周岁，按" + p.ref.String() + "计）"},
			{Key: "dibao", Label: "低保户", Value: "否"}, {Key: "tekun", Label: "特困供养", Value: "否"}}
	}
	return f
}

func incomeEv(hf *HouseholdFacts, n int, pc float64) []Evidence {
	return []Evidence{
		hEv(hf, FIncomeWage), hEv(hf, FIncomeOperating), hEv(hf, FIncomeProperty), hEv(hf, FIncomeTransfer), hEv(hf, FEligibleExpenses),
		{Key: "size", Label: "家庭人口", Value: strconv.Itoa(n) + "人"},
		numEv("per_capita", "人均纯收入", pc, "元"),
	}
}
