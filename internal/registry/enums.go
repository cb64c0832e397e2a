package registry

// Enum is a closed set of code names with their Chinese labels. The code name
// (GLOSSARY.md) is stored and used in URLs and the API; the label is what the
// interface, imports and exports show. Aliases are other spellings accepted on
// import.
type Enum struct {
	Name   string // code name of the field, e.g. "category"
	Label  string // Chinese name of the field
	Values []EnumValue
}

// EnumValue is one member of an Enum.
type EnumValue struct {
	Code    string
	Label   string
	Aliases []string
}

// LabelOf returns the Chinese label of a code ("" if unknown).
func (e *Enum) LabelOf(code string) string {
	for _, v := range e.Values {
		if v.Code == code {
			return v.Label
		}
	}
	return ""
}

// Has reports whether code is a member.
func (e *Enum) Has(code string) bool { return e.LabelOf(code) != "" }

// Parse accepts a code, a label or an alias and returns the code.
func (e *Enum) Parse(s string) (string, bool) {
	for _, v := range e.Values {
		if s == v.Code || s == v.Label {
			return v.Code, true
		}
		for _, a := range v.Aliases {
			if s == a {
				return v.Code, true
			}
		}
	}
	return "", false
}

// Labels lists the Chinese labels, for messages ("应为：A、B、C").
func (e *Enum) Labels() []string {
	out := make([]string, len(e.Values))
	for i, v := range e.Values {
		out[i] = v.Label
	}
	return out
}

// Household categories (户类型).
const (
	CategoryLifted    = "lifted"    // 脱贫户
	CategoryMonitored = "monitored" // 监测户
	CategoryOrdinary  = "ordinary"  // 一般农户
)

var Category = &Enum{Name: "category", Label: "户类型", Values: []EnumValue{
	{CategoryLifted, "脱贫户", []string{"脱贫", "已脱贫户", "脱贫不享受政策户", "脱贫享受政策户"}},
	{CategoryMonitored, "监测户", []string{"监测对象", "防返贫监测户", "监测"}},
	{CategoryOrdinary, "一般农户", []string{"一般户", "普通农户"}},
}}

// Monitoring types (监测对象类型), for monitored households only.
const (
	MonitorUnstable       = "unstable"        // 脱贫不稳定户
	MonitorMarginal       = "marginal"        // 边缘易致贫户
	MonitorSuddenHardship = "sudden_hardship" // 突发严重困难户
)

var MonitorType = &Enum{Name: "monitor_type", Label: "监测对象类型", Values: []EnumValue{
	{MonitorUnstable, "脱贫不稳定户", []string{"不稳定户"}},
	{MonitorMarginal, "边缘易致贫户", []string{"边缘户"}},
	{MonitorSuddenHardship, "突发严重困难户", []string{"严重困难户"}},
}}

// The six priority housing groups (六类重点对象) entitled to renovation (002 §一(一)4).
var HousingPriority = &Enum{Name: "housing_priority", Label: "住房六类重点对象", Values: []EnumValue{
	{"relapse_risk", "易返贫致贫户", []string{"农村易返贫致贫户"}},
	{"dibao", "低保户", []string{"农村低保户"}},
	{"tekun", "分散供养特困人员", []string{"农村分散供养特困人员", "特困人员"}},
	{"sudden_hardship", "因病因灾因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难家庭", []string{"严重困难家庭"}},
	{"dibao_marginal", "低保边缘家庭", []string{"农村低保边缘家庭"}},
	{"other_lifted", "未享受农村住房保障政策且依靠自身力量无法解决住房安全问题的其他脱贫户", []string{"其他脱贫户"}},
}}

// Dibao tiers (低保类别). Tier 1 is full / top-tier support.
var DibaoTier = &Enum{Name: "dibao_tier", Label: "低保类别", Values: []EnumValue{
	{"1", "一类", []string{"1", "一类低保", "全额"}},
	{"2", "二类", []string{"2", "二类低保"}},
	{"3", "三类", []string{"3", "三类低保"}},
}}

// Sex (性别).
var Sex = &Enum{Name: "sex", Label: "性别", Values: []EnumValue{
	{"male", "男", []string{"M"}},
	{"female", "女", []string{"F"}},
}}

// Relation to the head (与户主关系).
const RelationHead = "head"

var Relation = &Enum{Name: "relation", Label: "与户主关系", Values: []EnumValue{
	{RelationHead, "户主", []string{"本人", "本人或户主"}},
	{"spouse", "配偶", []string{"妻", "夫", "妻子", "丈夫"}},
	{"child", "子女", []string{"子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女"}},
	{"child_in_law", "儿媳/女婿", []string{"儿媳", "女婿"}},
	{"grandchild", "孙子女", []string{"孙子", "孙女", "外孙子", "外孙女", "外孙子女"}},
	{"parent", "父母", []string{"父亲", "母亲", "父", "母"}},
	{"grandparent", "祖父母", []string{"祖父", "祖母", "外祖父", "外祖母", "祖父母或外祖父母"}},
	{"sibling", "兄弟姐妹", []string{"兄", "弟", "姐", "妹"}},
	{"other", "其他", nil},
}}

// Disability types (残疾类别), per the disability certificate.
var DisabilityType = &Enum{Name: "disability_type", Label: "残疾类别", Values: []EnumValue{
	{"none", "无", []string{"", "否", "健全"}},
	{"visual", "视力残疾", []string{"视力"}},
	{"hearing", "听力残疾", []string{"听力"}},
	{"speech", "言语残疾", []string{"言语"}},
	{"physical", "肢体残疾", []string{"肢体"}},
	{"intellectual", "智力残疾", []string{"智力"}},
	{"mental", "精神残疾", []string{"精神"}},
	{"multiple", "多重残疾", []string{"多重"}},
}}

// Disability grades (残疾等级): 1 and 2 are severe (重度).
var DisabilityGrade = &Enum{Name: "disability_grade", Label: "残疾等级", Values: []EnumValue{
	{"0", "无", []string{"", "0"}},
	{"1", "一级", []string{"1", "1级", "一级残疾"}},
	{"2", "二级", []string{"2", "2级", "二级残疾"}},
	{"3", "三级", []string{"3", "3级", "三级残疾"}},
	{"4", "四级", []string{"4", "4级", "四级残疾"}},
}}

// Health (健康状况).
const (
	HealthHealthy = "healthy"
	HealthChronic = "chronic"
	HealthSerious = "serious"
)

var Health = &Enum{Name: "health", Label: "健康状况", Values: []EnumValue{
	{HealthHealthy, "健康", nil},
	{HealthChronic, "长期慢性病", []string{"慢性病", "患有慢性病"}},
	{HealthSerious, "患有大病", []string{"大病", "重病"}},
}}

// Schooling status (在校生状况).
const (
	SchoolingNone      = "none"          // not of school age / not applicable
	SchoolingPreschool = "preschool"     // 学前教育
	SchoolingInSchool  = "in_school"     // 在校生 (compulsory, high school, higher)
	SchoolingDropout   = "dropout"       // 失学辍学
	SchoolingUnable    = "unable"        // 因身体原因不具备学习条件
	SchoolingHomeTeach = "home_teaching" // 送教上门
	SchoolingGraduated = "graduated"     // 已毕业/非在校
)

var Schooling = &Enum{Name: "schooling", Label: "在校生状况", Values: []EnumValue{
	{SchoolingNone, "非在校生", []string{"", "无", "否"}},
	{SchoolingPreschool, "学前教育", []string{"学前", "幼儿园"}},
	{SchoolingInSchool, "在校生", []string{"在校", "小学", "初中", "高中", "中职", "高职", "大学", "本科"}},
	{SchoolingDropout, "失学辍学", []string{"辍学", "失学"}},
	{SchoolingUnable, "因身体原因不具备学习条件", []string{"身体原因不能就学"}},
	{SchoolingHomeTeach, "送教上门", nil},
	{SchoolingGraduated, "已毕业", []string{"毕业"}},
}}

// Labour capacity (劳动技能).
const (
	LabourNormal = "normal" // 普通劳动力
	LabourWeak   = "weak"   // 弱劳动力或半劳动力
	LabourLost   = "lost"   // 丧失劳动力
	LabourNone   = "none"   // 无劳动力 (children, students, the old)
)

var Labour = &Enum{Name: "labour", Label: "劳动技能", Values: []EnumValue{
	{LabourNormal, "普通劳动力", []string{"劳动力", "技能劳动力"}},
	{LabourWeak, "弱劳动力或半劳动力", []string{"弱劳动力", "半劳动力"}},
	{LabourLost, "丧失劳动力", nil},
	{LabourNone, "无劳动力", []string{""}},
}}
