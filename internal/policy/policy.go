// Package policy is the one place where the numbers, deadlines and thresholds
// of the policy live, each with the seed document and section it comes from
// (see ../shared/POLICY.md and the seeds). Rules, clocks and reports read
// their figures from here, never from literals of their own.
package policy

import (
	"fmt"
)

// Source names the place in a seed document a rule comes from.
type Source struct {
	Seed    string // seed file prefix, e.g. "004"
	Section string // e.g. "§四(一)1"
	Quote   string // the words of the document
}

func (s Source) String() string { return s.Seed + " " + s.Section }

// Seeds names the five policy documents.
var Seeds = map[string]string{
	"000": "山西省两不愁三保障问题排查整改工作方案（2021）",
	"001": "潍坊市“回头看”工作方案（2019）",
	"002": "刘胡兰镇考核反馈问题整改方案（2024）",
	"003": "县域全覆盖排查工作方案（2022）",
	"004": "县域巩固三保障成果工作方案（2022）",
}

// Deadline is a time rule: so many calendar days. When a stage is due is
// computed in one place, package deadline (due at 24:00 China time of the
// last day).
type Deadline struct {
	Key    string
	Label  string // Chinese name of the stage
	Days   int
	Source Source
}

// Time rules (POLICY.md §3–§4).
var (
	// "135": reported problems.
	Verify1 = Deadline{"verify", "村级上户核实", 1, Source{"004", "§四(一)1", "村“两委”干部和驻村干部落实首问负责制,1天内上门核查反映问题"}}
	Decide3 = Deadline{"decide", "乡镇研判处置", 3, Source{"004", "§四(一)1", "乡镇干部3天内研究确定核查办理意见,确需帮扶解决的,提交县行业主管部门;对不符合政策的,进行说服劝导"}}
	Plan5   = Deadline{"plan", "县级部门制定方案", 5, Source{"004", "§四(一)1", "县行业主管部门要在5天内研究确定解决方案,明确责任人、解决办法措施和完成时间,建立工作台账"}}

	// "710": rectification.
	Ordinary7 = Deadline{"rectify_ordinary", "一般问题整改", 7, Source{"004", "§四(一)2", "一般性问题原则上7天内要落实解决"}}
	Major30   = Deadline{"rectify_major", "重大复杂问题整改", 30, Source{"004", "§四(一)2", "重大问题包括一些复杂问题要在1个月内落实解决,确需延长时限的,要经县级领导组织集体研究决定拿出解决的时间节点和方案"}}

	// Monitoring procedure.
	AssistPlan10    = Deadline{"assist_plan", "制定帮扶计划", 10, Source{"002", "§(三)2", "10 天内完成帮扶计划的制定和帮扶措施申报,明确 1 名帮扶责任人"}}
	AssistMeasure30 = Deadline{"assist_measures", "帮扶措施落实", 30, Source{"002", "§(三)2", "30 天内落实针对性帮扶措施"}}
	NoticeMin5      = Deadline{"notice", "公示", 5, Source{"003", "§二 2", "是否按程序规定进行家庭情况核查、比对、公示、公开（公示不少于5天为国家监测帮扶程序的要求，种子文件未写明天数）"}}
	Identify15      = Deadline{"identify", "识别认定", 15, Source{"003", "§四(一)", "家庭情况核查、比对、公示（识别全程原则上不超过15日为国家监测帮扶程序的要求，种子文件未写明天数）"}}
)

// Rule710 returns the rectification deadline for a severity.
func Rule710(major bool) Deadline {
	if major {
		return Major30
	}
	return Ordinary7
}

// Threshold is the monitoring threshold (防止返贫监测范围指导线) in yuan per
// person per year, per province ("" = national default) and year.
type Threshold struct {
	Province string // 2-digit province code, "" for every province
	Year     int
	Yuan     float64
	Source   Source
}

// Thresholds known to the system; a deployment adds its own province's
// figures. 002 §(三)1 gives 7,800 yuan for 2024.
var Thresholds = []Threshold{
	{"14", 2024, 7800, Source{"002", "§(三)1", "2024 年全省防止返贫监测范围指导线(7800 元)"}},
	{"", 2024, 7800, Source{"002", "§(三)1", "2024 年全省防止返贫监测范围指导线(7800 元)"}},
}

// MonitoringThreshold returns the threshold for a province and year: the
// province's own figure if known, else the national one; the latest earlier
// year if the year itself is not yet published.
func MonitoringThreshold(province string, year int) (Threshold, error) {
	var best *Threshold
	for i := range Thresholds {
		t := &Thresholds[i]
		if t.Year > year || (t.Province != "" && t.Province != province) {
			continue
		}
		if best == nil || t.Year > best.Year || (t.Year == best.Year && t.Province != "" && best.Province == "") {
			best = t
		}
	}
	if best == nil {
		return Threshold{}, fmt.Errorf("没有%d年%s的监测范围指导线", year, province)
	}
	return *best, nil
}

// Figure is a named number of the policy with its source.
type Figure struct {
	Key    string
	Label  string
	Value  float64
	Unit   string
	Source Source
}

// Figures of the guarantees (POLICY.md §2).
var (
	SchoolAgeMin   = Figure{"school_age_min", "义务教育入学年龄", 6, "岁", Source{"001", "§二.1", "除身体原因不具备学习条件外，贫困家庭义务教育阶段适龄儿童、少年不失学辍学"}}
	SchoolAgeMax   = Figure{"school_age_max", "义务教育最大年龄", 15, "岁", Source{"001", "§二.1", "除身体原因不具备学习条件外，贫困家庭义务教育阶段适龄儿童、少年不失学辍学"}}
	WaterLitresMin = Figure{"water_litres_min", "人均日用水量下限", 20, "升/人·日", Source{"000", "§二(四)", "水量是否达到每人每天获得20-40升以上"}}
	WaterFetchMin  = Figure{"water_fetch_minutes", "往返取水时间上限", 20, "分钟", Source{"000", "§二(四)", "人力取水不超过20分钟"}}
	WaterDistH     = Figure{"water_distance_h", "取水水平距离上限", 800, "米", Source{"000", "§二(四)", "取水水平距离不超800米"}}
	WaterDistV     = Figure{"water_distance_v", "取水垂直距离上限", 80, "米", Source{"000", "§二(四)", "垂直距离不超80米"}}
	WaterSupplyMin = Figure{"water_supply_rate", "供水保证率下限", 90, "%", Source{"000", "§二(四)", "供水保证率是否达到90%以上"}}
	InpatientRate  = Figure{"inpatient_rate", "县域内住院费用实际报销比例", 90, "%", Source{"003", "§四(二)2", "脱贫人口在县域内定点医疗机构住院个人报销比例控制在90%适度范围"}}
	LowestShare    = Figure{"lowest_income_share", "人均纯收入最低户占比", 20, "%", Source{"002", "§(二)1", "全面梳理人均纯收入最低20%户的实际情况"}}
)
