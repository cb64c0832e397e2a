package policy

import "time"

// Figures of screening (排查) that policy.go does not hold: the day ages are
// counted on, the working age, the sharp-fall ratio of income and the
// water quantity per region. Where the seeds give no figure the Source says
// so and the value is a configurable default.

// Reference-date modes.
const (
	RefRunDate       = "run_date"       // the day the rules run
	RefCampaignStart = "campaign_start" // the start date of an intensive campaign (the run date for routine screening)
	RefSchoolYear    = "school_year"    // the latest Month/Day cut-off on or before the screening reference date
)

// RefDateRule says on which day ages (and the year of the monitoring
// threshold) are counted.
type RefDateRule struct {
	Key    string
	Label  string
	Mode   string
	Month  time.Month // RefSchoolYear only
	Day    int        // RefSchoolYear only
	Source Source
}

// Reference dates of screening.
var (
	// ScreeningRefDate: an intensive campaign counts everything as of its
	// start, so that the results do not shift during the campaign; routine
	// screening counts as of the day it runs.
	ScreeningRefDate = RefDateRule{"screening_ref_date", "排查参考日", RefCampaignStart, 0, 0,
		Source{"003", "§三", "逐村逐户逐人逐项进行拉网式排查（种子文件未规定年龄等按哪一天计算；默认集中排查按开始日期、常态化排查按运行当日计算，可配置）"}}
	// SchoolAgeRefDate: compulsory-school age is counted on the 31 August
	// before the current school year, the enrolment cut-off, so that a child
	// who turns six in spring is not counted as out of school before the
	// September intake.
	SchoolAgeRefDate = RefDateRule{"school_age_ref_date", "适龄儿童年龄计算日", RefSchoolYear, time.August, 31,
		Source{"001", "§二.1", "除身体原因不具备学习条件外，贫困家庭义务教育阶段适龄儿童、少年不失学辍学（种子文件未规定年龄按哪一天计算；默认按当前学年开学前的8月31日计算，可配置）"}}
)

// Resolve returns the reference day for a run on today; start is the start
// date of an intensive campaign (zero for routine screening). The result is
// midnight of the day, in the location of the input.
func (r RefDateRule) Resolve(start, today time.Time) time.Time {
	base := today
	if r.Mode != RefRunDate && !start.IsZero() {
		base = start
	}
	y, m, d := base.Date()
	if r.Mode == RefSchoolYear {
		if m < r.Month || (m == r.Month && d < r.Day) {
			y--
		}
		return time.Date(y, r.Month, r.Day, 0, 0, 0, 0, base.Location())
	}
	return time.Date(y, m, d, 0, 0, 0, 0, base.Location())
}

// Screening figures.
var (
	WaterLitresMax = Figure{"water_litres_max", "人均日用水量标准上限", 40, "升/人·日",
		Source{"000", "§二(四)", "水量是否达到每人每天获得20-40升以上"}}
	WorkingAgeMin = Figure{"working_age_min", "劳动年龄下限", 16, "岁",
		Source{"002", "§(三)3", "整户无劳动能力且享受全额或最高档农村低保补助人员（种子文件未写明劳动年龄；默认16至59周岁，即国家统计的劳动年龄人口口径，可配置）"}}
	WorkingAgeMax = Figure{"working_age_max", "劳动年龄上限", 59, "岁",
		Source{"002", "§(三)3", "整户无劳动能力且享受全额或最高档农村低保补助人员（种子文件未写明劳动年龄；默认16至59周岁，即国家统计的劳动年龄人口口径，可配置）"}}
	IncomeFallRatio = Figure{"income_fall_ratio", "收入大幅缩减比例", 30, "%",
		Source{"004", "§三", "因病因灾因残因意外事故等刚性支出较大或收入大幅缩减导致基本生活出现严重困难户（种子文件未给出“大幅缩减”的比例；默认人均纯收入较上年下降30%及以上，可配置）"}}
)

// RegionValue is a figure that depends on the region: the longest matching
// code prefix wins.
type RegionValue struct {
	Region string // 12-digit code of a province, city, county or township; "" for everywhere
	Value  float64
	Source Source
}

// WaterLitresByRegion holds the lower bound of water quantity per region.
// The seed gives a range (20–40 litres per person per day) whose lower end
// depends on the region but names no region, so the only default is the
// lower end of the range for every region; a deployment adds its own
// province's or county's figures (between 20 and 40).
var WaterLitresByRegion = []RegionValue{
	{"", 20, Source{"000", "§二(四)", "水量是否达到每人每天获得20-40升以上（种子文件未按地区给出下限；默认各地取下限20升，各地按实际配置20至40升）"}},
}
