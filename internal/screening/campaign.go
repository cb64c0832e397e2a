package screening

import (
	"strings"
	"time"
	"unicode/utf8"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// Campaign kinds.
const (
	KindIntensive = "intensive" // 集中排查: a name, a region, dates, dimensions
	KindRoutine   = "routine"   // 常态化排查: always open
)

// CampaignKinds labels the kinds.
var CampaignKinds = &registry.Enum{Name: "kind", Label: "排查类型", Values: []registry.EnumValue{
	{Code: KindIntensive, Label: "集中排查", Aliases: []string{"集中", "专项排查"}},
	{Code: KindRoutine, Label: "常态化排查", Aliases: []string{"常态化", "日常排查"}},
}}

// Campaign is a screening drive over a region. Every household of the
// region is to be visited; a household counts as visited when it has a
// signed visit recorded for the campaign.
type Campaign struct {
	ID         int64         `json:"id"`
	Kind       string        `json:"kind"`
	Name       string        `json:"name"`
	Region     string        `json:"region_code"` // 12-digit code of any level
	Start      registry.Date `json:"start_date"`  // required for intensive campaigns
	End        registry.Date `json:"end_date"`    // intensive only, inclusive
	Dimensions []string      `json:"dimensions"`  // screened dimensions, in Dimensions order
	CreatedBy  int64         `json:"created_by,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
}

// Routine returns the always-open routine campaign of a region, screening
// every dimension.
func Routine(regionCode string) Campaign {
	dims := make([]string, len(Dimensions.Values))
	for i, v := range Dimensions.Values {
		dims[i] = v.Code
	}
	return Campaign{Kind: KindRoutine, Name: "常态化排查", Region: regionCode, Dimensions: dims}
}

// Normalize trims the text, normalises the region code and orders the
// dimensions (accepting Chinese labels), dropping duplicates.
func (c *Campaign) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	if k, ok := CampaignKinds.Parse(strings.TrimSpace(c.Kind)); ok {
		c.Kind = k
	}
	if code, err := region.Normalize(c.Region); err == nil {
		c.Region = code
	}
	seen := map[string]bool{}
	for _, d := range c.Dimensions {
		if code, ok := Dimensions.Parse(strings.TrimSpace(d)); ok {
			seen[code] = true
		} else {
			seen[d] = true // kept for Validate to name
		}
	}
	out := make([]string, 0, len(seen))
	for _, v := range Dimensions.Values {
		if seen[v.Code] {
			out = append(out, v.Code)
			delete(seen, v.Code)
		}
	}
	for d := range seen {
		out = append(out, d)
	}
	c.Dimensions = out
	if c.Kind == KindRoutine {
		c.End = registry.Date{}
	}
}

// Validate checks a campaign; the region's existence and the creator's
// scope are the store's.
func (c *Campaign) Validate(v *apperr.Validation) {
	if !CampaignKinds.Has(c.Kind) {
		v.Add("kind", "排查类型", "应为：%s", strings.Join(CampaignKinds.Labels(), "、"))
	}
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		v.Add("name", "排查名称", "不能为空")
	case n > 100:
		v.Add("name", "排查名称", "不能超过100个字符")
	}
	if code, err := region.Normalize(c.Region); err != nil {
		v.Add("region_code", "排查范围", "%s", err.Error())
	} else if code != c.Region {
		v.Add("region_code", "排查范围", "应为12位区划代码")
	}
	if len(c.Dimensions) == 0 {
		v.Add("dimensions", "排查方面", "至少选择一项")
	}
	for _, d := range c.Dimensions {
		if !Dimensions.Has(d) {
			v.Add("dimensions", "排查方面", "“%s”不是已知的排查方面，应为：%s", d, strings.Join(Dimensions.Labels(), "、"))
			break
		}
	}
	if c.Kind == KindIntensive {
		if c.Start.IsZero() {
			v.Add("start_date", "开始日期", "集中排查须填写开始日期")
		}
		if c.End.IsZero() {
			v.Add("end_date", "结束日期", "集中排查须填写结束日期")
		}
		if !c.Start.IsZero() && !c.End.IsZero() && c.End.Before(c.Start.Time) {
			v.Add("end_date", "结束日期", "%s早于开始日期%s", c.End, c.Start)
		}
	}
	if c.Kind == KindRoutine && !c.End.IsZero() {
		v.Add("end_date", "结束日期", "常态化排查长期开展，不设结束日期")
	}
}

// Open reports whether the campaign accepts visits on day: a routine
// campaign always (from its start date, if any); an intensive one from its
// start to its end date inclusive (in day's calendar).
func (c *Campaign) Open(day time.Time) bool {
	d := YMDOf(day)
	if !c.Start.IsZero() && d < YMDOf(c.Start.Time) {
		return false
	}
	if c.Kind == KindIntensive && (c.End.IsZero() || d > YMDOf(c.End.Time)) {
		return false
	}
	return true
}

// Includes reports whether a village (a household's region code) lies in
// the campaign's region: its households are to be visited.
func (c *Campaign) Includes(village string) bool { return region.Contains(c.Region, village) }

// Screens reports whether the campaign screens a dimension.
func (c *Campaign) Screens(dim string) bool { return contains(c.Dimensions, dim) }

// Counts reports whether a visit counts towards the campaign's coverage:
// signed, recorded for the campaign.
func (c *Campaign) Counts(v *Visit) bool { return v.Signed() && v.CampaignID == c.ID }
