package crosscheck

import (
	"sort"
	"strconv"
	"strings"

	"sanbao/internal/auth"
	"sanbao/internal/policy"
	"sanbao/internal/screening"
)

// Rule is one alert rule: what a department's roster, matched with the
// registry, says needs verifying at the village. Screening lists the rules
// of package screening that the same facts (laid over the registry with
// Input.OverlayRoster) trigger, so that an alert and a screening run agree
// (see TestAlertsAgreeWithScreening).
type Rule struct {
	Code       string          `json:"code"`
	Kind       Kind            `json:"kind"`       // the roster whose upload runs it
	Department auth.Department `json:"department"` // the department that sees the feedback
	Dimension  string          `json:"dimension"`  // screening/ledger dimension code
	Scope      Subject         `json:"scope"`      // member, household (or village for water)
	Title      string          `json:"title"`      // Chinese name of the suspected problem
	Criterion  string          `json:"criterion"`  // how it decides, in Chinese
	Source     policy.Source   `json:"source"`
	Screening  []string        `json:"screening,omitempty"`
	Reads      []Kind          `json:"reads,omitempty"` // other rosters it reads (their latest upload)
	// Resolvable: a newer roster can show the condition gone, which closes
	// the alert. An event (a large expense) is never resolved by a roster.
	Resolvable bool `json:"resolvable"`

	eval    func(in *Inputs, p *Params, emit func(Candidate))
	cleared func(in *Inputs, p *Params, c *Candidate) bool
}

// Rule codes.
const (
	RuleNotEnrolled     = "edu_not_enrolled"
	RuleNotInsured      = "med_not_insured"
	RuleLargeExpense    = "med_large_expense"
	RuleNoLivingSubsidy = "sn_no_living_subsidy"
	RuleDangerousHouse  = "house_dangerous"
	RuleNotMovedIn      = "house_not_moved_in"
	RuleSubsidyUnpaid   = "house_subsidy_unpaid"
	RuleWaterUnsafe     = "water_unsafe"
	RuleNoIncome        = "emp_no_income"
)

// Params are the figures of one evaluation: the reference dates, school
// ages and water bounds of screening (the same Params a screening run on
// the same day uses) and the out-of-pocket amount of the large-expense
// alert.
type Params struct {
	Screening        *screening.Params
	LargeOutOfPocket float64 // yuan, policy.LargeOutOfPocket by default

	schoolRef screening.YMD
}

// NewParams takes the screening figures of the run and the policy defaults.
func NewParams(sp *screening.Params) *Params {
	return &Params{Screening: sp, LargeOutOfPocket: policy.LargeOutOfPocket.Value, schoolRef: screening.YMDOf(sp.SchoolRefDate)}
}

// Inputs are what the rules read besides the registry: this upload's
// states and, for rules that read other rosters, the latest states of
// those (nil when never uploaded).
type Inputs struct {
	Match      *Match
	Assistance []State // civil affairs (低保、特困), by member index
}

// Candidate is an alert a rule raises in this upload.
type Candidate struct {
	Rule        *Rule
	Subject     string // SubjectKey: m<member id>, h<household id>, v<village code>
	Village     string
	HouseholdID int64
	MemberID    int64
	Evidence    []screening.Evidence
	// Fingerprint is what the roster said, compactly: an alert dismissed
	// once is not pushed again while the department's data says the same.
	Fingerprint string
}

// SubjectKey names the subject of an alert: member, household or village.
func SubjectKey(s Subject, id int64, village string) string {
	switch s {
	case SubjectMember:
		return "m" + strconv.FormatInt(id, 10)
	case SubjectHousehold:
		return "h" + strconv.FormatInt(id, 10)
	}
	return "v" + village
}

// Rules is the rule table.
var Rules = []*Rule{
	{Code: RuleNotEnrolled, Kind: KindStudents, Department: auth.DeptEducation, Dimension: screening.DimEducation, Scope: SubjectMember,
		Title:     "义务教育适龄儿童少年疑似失学辍学（学籍名单中没有或为辍学）",
		Criterion: "按适龄儿童年龄计算日为义务教育适龄（除因身体原因不具备学习条件、送教上门和已完成义务教育的），教育部门学籍名单中没有此人或学籍状态为辍学",
		Source:    policy.StudentDataCompare, Screening: []string{"edu_dropout"}, Resolvable: true,
		eval: evalNotEnrolled, cleared: clearedNotEnrolled},
	{Code: RuleNotInsured, Kind: KindInsurance, Department: auth.DeptMedicalInsurance, Dimension: screening.DimMedical, Scope: SubjectMember,
		Title:     "脱贫人口、监测对象疑似未参加基本医疗保险",
		Criterion: "脱贫户、监测户成员不在医保部门名单最新参保年度的参保人员中",
		Source:    policy.InsuranceCoverage, Screening: []string{"med_uninsured"}, Resolvable: true,
		eval: evalNotInsured, cleared: clearedNotInsured},
	{Code: RuleLargeExpense, Kind: KindDischarge, Department: auth.DeptMedicalInsurance, Dimension: screening.DimMedical, Scope: SubjectMember,
		Title:     "出院后个人自付医疗费用较高，存在返贫致贫风险",
		Criterion: "出院患者费用名单中本人个人自付累计超过预警线（默认1万元，可配置；种子文件未给出金额）",
		Source:    policy.DischargeExpenses,
		eval:      evalLargeExpense},
	{Code: RuleNoLivingSubsidy, Kind: KindDisability, Department: auth.DeptDisability, Dimension: screening.DimSafetyNet, Scope: SubjectMember,
		Title:     "享受低保的重度残疾人疑似未落实困难残疾人生活补贴",
		Criterion: "残联名单中残疾等级为一、二级，所在户为低保户（户籍登记或民政部门最新名单），困难残疾人生活补贴不是“是”",
		Source:    policy.DisabledOnDibao, Screening: []string{"sn_disabled_no_subsidy"}, Reads: []Kind{KindAssistance}, Resolvable: true,
		eval: evalNoLivingSubsidy, cleared: clearedNoLivingSubsidy},
	{Code: RuleDangerousHouse, Kind: KindHousing, Department: auth.DeptHousing, Dimension: screening.DimHousing, Scope: SubjectHousehold,
		Title:     "住房安全等级为C级或D级（危房）",
		Criterion: "住建部门鉴定的房屋安全等级为C级或D级（脱贫户和一般农户同样适用）",
		Source:    policy.DangerousHouse, Screening: []string{"house_dangerous"}, Resolvable: true,
		eval: evalHousing(RuleDangerousHouse), cleared: clearedHousing(RuleDangerousHouse)},
	{Code: RuleNotMovedIn, Kind: KindHousing, Department: auth.DeptHousing, Dimension: screening.DimHousing, Scope: SubjectHousehold,
		Title:     "危房改造后未入住（改而未住）",
		Criterion: "改造状态为已竣工或已验收，是否入住为“否”",
		Source:    policy.RenovatedNotMoved, Screening: []string{"house_renovated_not_moved"}, Resolvable: true,
		eval: evalHousing(RuleNotMovedIn), cleared: clearedHousing(RuleNotMovedIn)},
	{Code: RuleSubsidyUnpaid, Kind: KindHousing, Department: auth.DeptHousing, Dimension: screening.DimHousing, Scope: SubjectHousehold,
		Title:     "危房改造竣工验收后补助资金未发放到户",
		Criterion: "改造状态为已验收，补助资金是否发放为“否”",
		Source:    policy.SubsidyUnpaid, Screening: []string{"house_subsidy_unpaid"}, Resolvable: true,
		eval: evalHousing(RuleSubsidyUnpaid), cleared: clearedHousing(RuleSubsidyUnpaid)},
	{Code: RuleWaterUnsafe, Kind: KindWater, Department: auth.DeptWater, Dimension: screening.DimWater, Scope: SubjectHousehold,
		Title:     "饮水安全指标不达标",
		Criterion: "水质不达标；或人均日供水量低于当地下限（默认20升）；或未通自来水且往返取水超过20分钟、水平距离超过800米或垂直距离超过80米；或供水保证率低于90%（按村填写的推送到村，按户填写的推送到户）",
		Source:    policy.WaterIndicators, Screening: []string{"water_quality", "water_quantity", "water_convenience", "water_reliability"}, Resolvable: true,
		eval: evalWater, cleared: clearedWater},
	{Code: RuleNoIncome, Kind: KindEmployment, Department: auth.DeptHumanResources, Dimension: screening.DimEmployment, Scope: SubjectHousehold,
		Title:     "家庭劳动力未就业且无其他务工收入",
		Criterion: "就业名单中本户有成员未就业，且本户在名单中的成员均无就业、无月收入",
		Source:    policy.EmploymentData, Resolvable: true,
		eval: evalNoIncome, cleared: clearedNoIncome},
}

// RuleByCode returns a rule (nil if unknown).
func RuleByCode(code string) *Rule {
	for _, r := range Rules {
		if r.Code == code {
			return r
		}
	}
	return nil
}

// RulesOf lists the rules an upload of kind k runs.
func RulesOf(k Kind) []*Rule {
	var out []*Rule
	for _, r := range Rules {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// Evaluate runs every rule of the upload's kind and calls emit for each
// alert candidate, in registry order.
func Evaluate(in *Inputs, p *Params, emit func(Candidate)) {
	for _, r := range RulesOf(in.Match.Kind.Kind) {
		r.eval(in, p, func(c Candidate) {
			c.Rule = r
			emit(c)
		})
	}
}

// Cleared reports whether this upload shows the condition of an earlier
// alert gone (the roster now says the person is enrolled, insured, housed
// safely, ...). Only positive evidence clears: a subject the roster does
// not mention is not cleared.
func Cleared(in *Inputs, p *Params, rule *Rule, c *Candidate) bool {
	if !rule.Resolvable || rule.cleared == nil {
		return false
	}
	return rule.cleared(in, p, c)
}

func ev(key, label, value string) screening.Evidence {
	return screening.Evidence{Key: key, Label: label, Value: value}
}

func memberCandidate(reg *Registry, mi int32) Candidate {
	m := &reg.Members[mi]
	h := &reg.Households[m.Household]
	return Candidate{Subject: SubjectKey(SubjectMember, m.ID, ""), Village: h.Village, HouseholdID: h.ID, MemberID: m.ID}
}

func householdCandidate(reg *Registry, hi int32) Candidate {
	h := &reg.Households[hi]
	return Candidate{Subject: SubjectKey(SubjectHousehold, h.ID, ""), Village: h.Village, HouseholdID: h.ID}
}

func categoryLabel(h *Household) string {
	switch h.Category {
	case screening.CatLifted:
		return "脱贫户"
	case screening.CatMonitored:
		return "监测户"
	}
	return "一般农户"
}

// Education.

// schoolAge returns the age on the school reference date and whether the
// member is one the student roster must list: of compulsory-school age,
// not exempt (身体原因不具备学习条件), not taught at home (送教上门 is
// followed by its own rule) and not done with compulsory schooling.
func schoolAge(m *Member, p *Params) (int, bool) {
	age := m.Birth().AgeOn(p.schoolRef)
	sp := p.Screening
	if age < sp.SchoolAgeMin || age > sp.SchoolAgeMax {
		return age, false
	}
	switch m.Schooling {
	case screening.SchoolUnable, screening.SchoolHomeTeaching, screening.SchoolUnknown:
		return age, false
	case screening.SchoolGraduated:
		return age, age < sp.SchoolAgeMax
	}
	return age, true
}

func evalNotEnrolled(in *Inputs, p *Params, emit func(Candidate)) {
	reg := in.Match.Reg
	for i := range reg.Members {
		m := &reg.Members[i]
		age, ok := schoolAge(m, p)
		if !ok {
			continue
		}
		s := &in.Match.Members[i]
		if s.Present() && s.Code[0] != StatusDropped {
			continue
		}
		c := memberCandidate(reg, int32(i))
		roster, fp := "名单中没有此人", "absent"
		if s.Present() {
			roster, fp = "辍学", "dropped"
			if t := in.Match.Texts[int32(i)]; t != "" {
				roster += "（" + t + "）"
			}
		}
		c.Evidence = []screening.Evidence{
			ev("age", "年龄", strconv.Itoa(age)+"周岁（按"+p.schoolRef.String()+"计）"),
			ev("schooling", "登记的在校生状况", schoolingLabel(m.Schooling)),
			ev("student_roster", "教育部门学籍名单", roster),
		}
		c.Fingerprint = fp
		emit(c)
	}
}

func clearedNotEnrolled(in *Inputs, p *Params, c *Candidate) bool {
	i, ok := in.Match.Reg.MemberIndex(c.MemberID)
	if !ok {
		return false
	}
	s := &in.Match.Members[i]
	return s.Present() && s.Code[0] != StatusDropped
}

func schoolingLabel(s screening.Schooling) string {
	switch s {
	case screening.SchoolNone:
		return "非在校生"
	case screening.SchoolPreschool:
		return "学前教育"
	case screening.SchoolInSchool:
		return "在校生"
	case screening.SchoolDropout:
		return "失学辍学"
	case screening.SchoolGraduated:
		return "已毕业"
	}
	return "未登记"
}

// Medical insurance.

func evalNotInsured(in *Inputs, p *Params, emit func(Candidate)) {
	m := in.Match
	reg := m.Reg
	if m.Year == 0 {
		return // nothing valid was uploaded
	}
	year := strconv.Itoa(int(m.Year))
	for i := range reg.Members {
		h := &reg.Households[reg.Members[i].Household]
		if !h.Key() {
			continue
		}
		s := &m.Members[i]
		if s.Present() && s.Year >= m.Year {
			continue
		}
		c := memberCandidate(reg, int32(i))
		roster, fp := year+"年度名单中没有此人", "absent:"+year
		if s.Present() {
			roster = "最近参保年度为" + strconv.Itoa(int(s.Year)) + "年，" + year + "年度未参保"
		}
		c.Evidence = []screening.Evidence{ev("category", "户类型", categoryLabel(h)), ev("insurance_roster", "医保部门参保名单", roster)}
		c.Fingerprint = fp
		emit(c)
	}
}

func clearedNotInsured(in *Inputs, p *Params, c *Candidate) bool {
	i, ok := in.Match.Reg.MemberIndex(c.MemberID)
	if !ok || in.Match.Year == 0 {
		return false
	}
	s := &in.Match.Members[i]
	return s.Present() && s.Year >= in.Match.Year
}

func evalLargeExpense(in *Inputs, p *Params, emit func(Candidate)) {
	m := in.Match
	limit := int64(p.LargeOutOfPocket*100 + 0.5)
	for i := range m.Members {
		s := &m.Members[i]
		if !s.Present() || !s.hasNum(NumOutOfPocket) || s.Num[NumOutOfPocket] <= limit {
			continue
		}
		c := memberCandidate(m.Reg, int32(i))
		h := &m.Reg.Households[m.Reg.Members[i].Household]
		c.Evidence = []screening.Evidence{
			ev("category", "户类型", categoryLabel(h)),
			ev("discharges", "出院次数", strconv.Itoa(int(s.Rows))+"次"),
			ev("discharge_date", "最近出院日期", ymdString(s.Date)),
		}
		if s.hasNum(NumTotal) {
			c.Evidence = append(c.Evidence, ev("total", "医疗总费用", Money(s.Num[NumTotal])+"元"))
		}
		if s.hasNum(NumReimbursed) {
			c.Evidence = append(c.Evidence, ev("reimbursed", "报销金额", Money(s.Num[NumReimbursed])+"元"))
		}
		c.Evidence = append(c.Evidence,
			ev("out_of_pocket", "个人自付", Money(s.Num[NumOutOfPocket])+"元"),
			ev("limit", "预警线", Money(limit)+"元"))
		if t := m.Texts[int32(i)]; t != "" {
			c.Evidence = append(c.Evidence, ev("hospital", "医疗机构", t))
		}
		c.Fingerprint = "oop:" + strconv.FormatInt(s.Num[NumOutOfPocket], 10) + ":" + strconv.Itoa(int(s.Date))
		emit(c)
	}
}

// Disability.

// onDibao reports whether the household of member i is on dibao: by the
// registry, or by the latest civil-affairs roster (any member in force).
func onDibao(in *Inputs, reg *Registry, hi int32) (bool, string) {
	if reg.Households[hi].Dibao {
		return true, "是（农户信息登记）"
	}
	if in.Assistance != nil {
		for _, mi := range reg.MembersOf(hi) {
			if in.Assistance[mi].Code[0]&AssistDibao != 0 {
				return true, "是（民政部门名单）"
			}
		}
	}
	return false, "否"
}

func evalNoLivingSubsidy(in *Inputs, p *Params, emit func(Candidate)) {
	m := in.Match
	reg := m.Reg
	for i := range m.Members {
		s := &m.Members[i]
		if !s.Present() || s.Code[1] == 0 || s.Code[1] > 2 || s.Flag(FlagLivingSubsidy) == Yes {
			continue
		}
		dibao, how := onDibao(in, reg, reg.Members[i].Household)
		if !dibao {
			continue
		}
		c := memberCandidate(reg, int32(i))
		c.Evidence = []screening.Evidence{
			ev("dibao", "低保户", how),
			ev("disabled", "残疾", DisabilityLabel(s.Code[0])+gradeLabel(s.Code[1])+"（重度）"),
			ev("living_subsidy", "困难残疾人生活补贴", s.Flag(FlagLivingSubsidy).Label()),
		}
		c.Fingerprint = "grade" + strconv.Itoa(int(s.Code[1])) + ":" + s.Flag(FlagLivingSubsidy).Label()
		emit(c)
	}
}

func clearedNoLivingSubsidy(in *Inputs, p *Params, c *Candidate) bool {
	i, ok := in.Match.Reg.MemberIndex(c.MemberID)
	if !ok {
		return false
	}
	s := &in.Match.Members[i]
	return s.Present() && (s.Flag(FlagLivingSubsidy) == Yes || s.Code[1] > 2)
}

func gradeLabel(g uint8) string {
	if g >= 1 && g <= 4 {
		return []string{"", "一级", "二级", "三级", "四级"}[g]
	}
	return ""
}

// Housing.

func houseFires(rule string, s *State) bool {
	switch rule {
	case RuleDangerousHouse:
		return s.Code[0] >= screening.GradeC
	case RuleNotMovedIn:
		return s.Code[1] >= RenovationCompleted && s.Flag(FlagMovedIn) == No
	case RuleSubsidyUnpaid:
		return s.Code[1] == RenovationAccepted && s.Flag(FlagSubsidyPaid) == No
	}
	return false
}

func evalHousing(rule string) func(in *Inputs, p *Params, emit func(Candidate)) {
	return func(in *Inputs, p *Params, emit func(Candidate)) {
		m := in.Match
		for i := range m.Households {
			s := &m.Households[i]
			if !s.Present() || !houseFires(rule, s) {
				continue
			}
			c := householdCandidate(m.Reg, int32(i))
			c.Evidence = []screening.Evidence{ev("house_grade", "房屋安全等级", gradeText(s.Code[0]))}
			if s.Date != 0 {
				c.Evidence = append(c.Evidence, ev("appraised_on", "鉴定日期", ymdString(s.Date)))
			}
			if s.Code[1] != 0 {
				c.Evidence = append(c.Evidence, ev("renovation", "改造状态", Renovation.LabelOf(strconv.Itoa(int(s.Code[1])))))
			}
			switch rule {
			case RuleNotMovedIn:
				c.Evidence = append(c.Evidence, ev("moved_in", "是否入住", s.Flag(FlagMovedIn).Label()))
			case RuleSubsidyUnpaid:
				c.Evidence = append(c.Evidence, ev("subsidy_paid", "补助资金是否发放", s.Flag(FlagSubsidyPaid).Label()))
			}
			c.Fingerprint = gradeText(s.Code[0]) + ":" + strconv.Itoa(int(s.Code[1])) + ":" + strconv.Itoa(int(s.Set)) + ":" + strconv.Itoa(int(s.Yes))
			emit(c)
		}
	}
}

func clearedHousing(rule string) func(in *Inputs, p *Params, c *Candidate) bool {
	return func(in *Inputs, p *Params, c *Candidate) bool {
		hi, ok := in.Match.Reg.HouseholdIndex(c.HouseholdID)
		if !ok {
			return false
		}
		s := &in.Match.Households[hi]
		if !s.Present() || houseFires(rule, s) {
			return false
		}
		switch rule { // the fact the alert was about must now be known
		case RuleNotMovedIn:
			return s.Flag(FlagMovedIn) == Yes || s.Code[1] < RenovationCompleted
		case RuleSubsidyUnpaid:
			return s.Flag(FlagSubsidyPaid) == Yes
		}
		return true
	}
}

func gradeText(g uint8) string {
	if g >= 1 && g <= 4 {
		return string(rune('A'+int(g)-1)) + "级"
	}
	return "未鉴定"
}

// Water.

// waterFailures lists the indicators a state fails, with the same bounds
// and the same logic as screening's water rules.
func waterFailures(s *State, village string, p *Params) []screening.Evidence {
	sp := p.Screening
	var out []screening.Evidence
	if s.Flag(FlagQualityOK) == No {
		out = append(out, ev("water_quality_ok", "水质达标", "否"))
	}
	if l, ok := s.Number(NumLitres); ok && l < sp.WaterLitresMin(village) {
		out = append(out, ev("water_litres", "人均日供水量", fmtAmount(l)+"升（标准下限"+fmtAmount(sp.WaterLitresMin(village))+"升）"))
	}
	if s.Flag(FlagTapWater) == No {
		mins, ok := s.Number(NumFetch)
		dh, okH := s.Number(NumDistanceH)
		dv, okV := s.Number(NumDistanceV)
		if ok && mins > sp.WaterFetchMinutes && (okH && dh > sp.WaterDistanceH || okV && dv > sp.WaterDistanceV) {
			v := "未通自来水，往返取水" + fmtAmount(mins) + "分钟"
			if okH {
				v += "，水平距离" + fmtAmount(dh) + "米"
			}
			if okV {
				v += "，垂直距离" + fmtAmount(dv) + "米"
			}
			out = append(out, ev("water_convenience", "取水方便程度", v))
		}
	}
	if r, ok := s.Number(NumSupplyRate); ok && r < sp.WaterSupplyRate {
		out = append(out, ev("supply_rate", "供水保证率", fmtAmount(r)+"%（标准下限"+fmtAmount(sp.WaterSupplyRate)+"%）"))
	}
	return out
}

func waterFingerprint(fails []screening.Evidence) string {
	keys := make([]string, len(fails))
	for i, f := range fails {
		keys[i] = f.Key
	}
	return strings.Join(keys, ",")
}

func evalWater(in *Inputs, p *Params, emit func(Candidate)) {
	m := in.Match
	for i := range m.Households {
		s := &m.Households[i]
		if !s.Present() {
			continue
		}
		if fails := waterFailures(s, m.Reg.Households[i].Village, p); len(fails) > 0 {
			c := householdCandidate(m.Reg, int32(i))
			c.Evidence, c.Fingerprint = fails, waterFingerprint(fails)
			emit(c)
		}
	}
	for _, code := range sortedKeys(m.Villages) {
		if fails := waterFailures(m.Villages[code], code, p); len(fails) > 0 {
			c := Candidate{Subject: SubjectKey(SubjectVillage, 0, code), Village: code}
			c.Evidence = append([]screening.Evidence{ev("scope", "范围", "全村（按村填报）")}, fails...)
			c.Fingerprint = waterFingerprint(fails)
			emit(c)
		}
	}
}

func clearedWater(in *Inputs, p *Params, c *Candidate) bool {
	m := in.Match
	if c.HouseholdID == 0 {
		s := m.Villages[c.Village]
		return s != nil && len(waterFailures(s, c.Village, p)) == 0
	}
	hi, ok := m.Reg.HouseholdIndex(c.HouseholdID)
	if !ok {
		return false
	}
	s := &m.Households[hi]
	return s.Present() && len(waterFailures(s, c.Village, p)) == 0
}

// Employment.

func householdIncome(m *Match, hi int32) (listed, unemployed int, income bool) {
	for _, mi := range m.Reg.MembersOf(hi) {
		s := &m.Members[mi]
		if !s.Present() {
			continue
		}
		listed++
		if s.Flag(FlagEmployed) == Yes || s.Num[NumIncome] > 0 {
			income = true
		}
		if s.Flag(FlagEmployed) == No {
			unemployed++
		}
	}
	return
}

func evalNoIncome(in *Inputs, p *Params, emit func(Candidate)) {
	m := in.Match
	seen := make([]bool, len(m.Reg.Households))
	for i := range m.Members {
		if !m.Members[i].Present() {
			continue
		}
		hi := m.Reg.Members[i].Household
		if seen[hi] {
			continue
		}
		seen[hi] = true
		listed, unemployed, income := householdIncome(m, hi)
		if income || unemployed == 0 {
			continue
		}
		c := householdCandidate(m.Reg, hi)
		c.Evidence = []screening.Evidence{
			ev("category", "户类型", categoryLabel(&m.Reg.Households[hi])),
			ev("unemployed", "名单中未就业人数", strconv.Itoa(unemployed)+"人（本户在名单中共"+strconv.Itoa(listed)+"人）"),
			ev("income", "名单中本户务工收入", "无"),
		}
		c.Fingerprint = "unemployed:" + strconv.Itoa(unemployed)
		emit(c)
	}
}

func clearedNoIncome(in *Inputs, p *Params, c *Candidate) bool {
	hi, ok := in.Match.Reg.HouseholdIndex(c.HouseholdID)
	if !ok {
		return false
	}
	_, _, income := householdIncome(in.Match, hi)
	return income
}

func sortedKeys(m map[string]*State) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
