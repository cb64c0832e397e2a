package screening

import (
	"math"
	"sort"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/policy"
	"sanbao/internal/region"
)

// Params are the figures of one run, resolved once from package policy:
// reference dates, age bounds, the monitoring threshold of the province and
// year, water bounds and ratios. Change the exported fields only before
// calling Prepare (NewParams calls it).
type Params struct {
	RefDate       time.Time        // ages, working age and the threshold year are counted on this day
	SchoolRefDate time.Time        // compulsory-school age is counted on this day
	Province      string           // 2-digit province code of the run's scope
	Threshold     policy.Threshold // monitoring threshold (yuan per person per year)

	SchoolAgeMin, SchoolAgeMax   int
	WorkingAgeMin, WorkingAgeMax int
	IncomeFallRatio              float64 // a fall to (1-ratio) of last year's per-capita income or below is sharp
	LowestShare                  float64 // share of the lowest-income households of a township to watch

	WaterLitres       []policy.RegionValue // lower bound of water quantity by region
	WaterFetchMinutes float64
	WaterDistanceH    float64
	WaterDistanceV    float64
	WaterSupplyRate   float64

	Dimensions []string    // rules and items of these dimensions only; nil for all
	Items      []CheckItem // the checklist in force (built-in Items plus the county's own)

	ref, schoolRef YMD
	dimOn          uint32
	water          []policy.RegionValue // sorted by prefix length, longest first
	waterPrefix    []string             // significant prefixes of water, "" for everywhere
	waterDefault   float64
	memberOn       uint64 // bit per ruleID: member rules that run
	householdOn    uint64 // bit per ruleID: household rules that run
}

// RefDate returns the screening reference day: the start of an intensive
// campaign, otherwise today (policy.ScreeningRefDate).
func RefDate(c *Campaign, today time.Time) time.Time {
	var start time.Time
	if c != nil && c.Kind == KindIntensive {
		start = c.Start.Time
	}
	return policy.ScreeningRefDate.Resolve(start, today)
}

// NewParams resolves the figures for a run over scope (any region code) for
// campaign c (nil for routine screening) on today.
func NewParams(scope string, c *Campaign, today time.Time) (*Params, error) {
	code, err := region.Normalize(scope)
	if err != nil {
		return nil, apperr.Field("region_code", "排查范围", "%s", err.Error())
	}
	ref := RefDate(c, today)
	p := &Params{
		RefDate:           ref,
		SchoolRefDate:     policy.SchoolAgeRefDate.Resolve(time.Time{}, ref),
		Province:          code[:2],
		SchoolAgeMin:      int(policy.SchoolAgeMin.Value),
		SchoolAgeMax:      int(policy.SchoolAgeMax.Value),
		WorkingAgeMin:     int(policy.WorkingAgeMin.Value),
		WorkingAgeMax:     int(policy.WorkingAgeMax.Value),
		IncomeFallRatio:   policy.IncomeFallRatio.Value / 100,
		LowestShare:       policy.LowestShare.Value / 100,
		WaterLitres:       policy.WaterLitresByRegion,
		WaterFetchMinutes: policy.WaterFetchMin.Value,
		WaterDistanceH:    policy.WaterDistH.Value,
		WaterDistanceV:    policy.WaterDistV.Value,
		WaterSupplyRate:   policy.WaterSupplyMin.Value,
		Items:             Items,
	}
	if c != nil {
		p.Dimensions = c.Dimensions
	}
	t, err := policy.MonitoringThreshold(p.Province, ref.Year())
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s，请先配置防止返贫监测范围指导线", err.Error())
	}
	p.Threshold = t
	if err := p.Prepare(); err != nil {
		return nil, err
	}
	return p, nil
}

// Prepare checks the figures and computes what Evaluate reads.
func (p *Params) Prepare() error {
	var v apperr.Validation
	if p.RefDate.IsZero() {
		v.Add("ref_date", "排查参考日", "不能为空")
	}
	if p.SchoolRefDate.IsZero() {
		p.SchoolRefDate = policy.SchoolAgeRefDate.Resolve(time.Time{}, p.RefDate)
	}
	if p.SchoolAgeMin < 0 || p.SchoolAgeMax < p.SchoolAgeMin || p.SchoolAgeMax > 30 {
		v.Add("school_age", "义务教育适龄范围", "%d至%d岁无效", p.SchoolAgeMin, p.SchoolAgeMax)
	}
	if p.WorkingAgeMin < 0 || p.WorkingAgeMax < p.WorkingAgeMin || p.WorkingAgeMax > 100 {
		v.Add("working_age", "劳动年龄范围", "%d至%d岁无效", p.WorkingAgeMin, p.WorkingAgeMax)
	}
	if !(p.IncomeFallRatio > 0 && p.IncomeFallRatio < 1) {
		v.Add("income_fall_ratio", policy.IncomeFallRatio.Label, "应在0至1之间（不含），实际为%v", p.IncomeFallRatio)
	}
	if !(p.LowestShare > 0 && p.LowestShare <= 1) {
		v.Add("lowest_share", policy.LowestShare.Label, "应在0至1之间，实际为%v", p.LowestShare)
	}
	if !(p.Threshold.Yuan > 0) {
		v.Add("threshold", "防止返贫监测范围指导线", "未配置")
	}
	p.water = append(p.water[:0:0], p.WaterLitres...)
	p.waterDefault = policy.WaterLitresMin.Value
	for _, w := range p.water {
		if w.Value < policy.WaterLitresMin.Value || w.Value > policy.WaterLitresMax.Value || math.IsNaN(w.Value) {
			v.Add("water_litres", policy.WaterLitresMin.Label, "%s的下限%v升应在%v至%v升之间", w.Region, w.Value,
				policy.WaterLitresMin.Value, policy.WaterLitresMax.Value)
		}
		if w.Region == "" {
			p.waterDefault = w.Value
		}
	}
	sort.SliceStable(p.water, func(i, j int) bool { return len(prefixOf(p.water[i].Region)) > len(prefixOf(p.water[j].Region)) })
	p.waterPrefix = make([]string, len(p.water))
	for i, w := range p.water {
		p.waterPrefix[i] = prefixOf(w.Region)
	}
	if err := v.Err(); err != nil {
		return err
	}
	p.ref = YMDOf(p.RefDate)
	p.schoolRef = YMDOf(p.SchoolRefDate)
	if p.Items == nil {
		p.Items = Items
	}
	p.dimOn = 0
	if len(p.Dimensions) == 0 {
		p.dimOn = ^uint32(0)
	}
	for _, d := range p.Dimensions {
		if i := dimIndex(d); i >= 0 {
			p.dimOn |= 1 << i
		}
	}
	p.memberOn, p.householdOn = 0, 0
	for i := range Rules {
		r := &Rules[i]
		if !p.dimensionOn(r.dim) || r.Township || r.id == rItemNotMet {
			continue
		}
		if r.Scope == ScopeMember {
			p.memberOn |= 1 << r.id
		} else {
			p.householdOn |= 1 << r.id
		}
	}
	return nil
}

func (p *Params) dimensionOn(i int) bool { return i >= 0 && p.dimOn&(1<<i) != 0 }

// DimensionOn reports whether rules and items of a dimension run.
func (p *Params) DimensionOn(dim string) bool { return p.dimensionOn(dimIndex(dim)) }

func prefixOf(code string) string {
	if code == "" {
		return ""
	}
	return region.Prefix(code)
}

// WaterLitresMin returns the lower bound of water quantity for a village.
func (p *Params) WaterLitresMin(village string) float64 {
	for i, pre := range p.waterPrefix {
		if pre != "" && len(village) >= len(pre) && village[:len(pre)] == pre {
			return p.water[i].Value
		}
	}
	return p.waterDefault
}
