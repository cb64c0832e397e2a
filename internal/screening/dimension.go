package screening

import "sanbao/internal/registry"

// Dimension codes (维度), GLOSSARY.md.
const (
	DimEducation    = "education"
	DimMedical      = "medical"
	DimHousing      = "housing"
	DimWater        = "water"
	DimFoodClothing = "food_clothing"
	DimIncome       = "income"
	DimSafetyNet    = "safety_net"
	DimEmployment   = "employment"
	DimIndustry     = "industry"
	DimRelocation   = "relocation"
	DimMonitoring   = "monitoring"
)

// Dimensions lists the screened dimensions in the order forms show them.
var Dimensions = &registry.Enum{Name: "dimension", Label: "排查方面", Values: []registry.EnumValue{
	{Code: DimEducation, Label: "义务教育保障", Aliases: []string{"教育", "义务教育", "义务教育有保障"}},
	{Code: DimMedical, Label: "基本医疗保障", Aliases: []string{"医疗", "基本医疗", "基本医疗有保障", "健康"}},
	{Code: DimHousing, Label: "住房安全保障", Aliases: []string{"住房", "住房安全", "住房安全有保障"}},
	{Code: DimWater, Label: "饮水安全", Aliases: []string{"饮水", "饮水安全保障", "农村饮水安全"}},
	{Code: DimFoodClothing, Label: "不愁吃不愁穿", Aliases: []string{"两不愁", "吃穿"}},
	{Code: DimIncome, Label: "收入", Aliases: []string{"家庭收入", "收入状况"}},
	{Code: DimSafetyNet, Label: "兜底保障", Aliases: []string{"兜底", "社会救助"}},
	{Code: DimEmployment, Label: "就业帮扶", Aliases: []string{"就业"}},
	{Code: DimIndustry, Label: "产业帮扶", Aliases: []string{"产业", "小额信贷"}},
	{Code: DimRelocation, Label: "易地搬迁后续扶持", Aliases: []string{"易地搬迁", "搬迁"}},
	{Code: DimMonitoring, Label: "防止返贫监测", Aliases: []string{"监测", "动态监测"}},
}}

// dimIndex is the position of a dimension in Dimensions (-1 if unknown).
func dimIndex(code string) int {
	for i, v := range Dimensions.Values {
		if v.Code == code {
			return i
		}
	}
	return -1
}
