package registry

// Dimensions (维度/方面) of screening, problems, alerts and reports: one
// list for the whole system (GLOSSARY.md), in the order forms and reports
// show them.
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
	DimOther        = "other"
)

var Dimension = &Enum{Name: "dimension", Label: "问题类别", Values: []EnumValue{
	{Code: DimEducation, Label: "义务教育保障", Aliases: []string{"教育", "义务教育", "义务教育有保障", "教育保障", "教育帮扶", "控辍保学"}},
	{Code: DimMedical, Label: "基本医疗保障", Aliases: []string{"医疗", "基本医疗", "基本医疗有保障", "健康", "医疗保障", "健康帮扶", "健康医疗保障"}},
	{Code: DimHousing, Label: "住房安全保障", Aliases: []string{"住房", "住房安全", "住房安全有保障", "住房保障", "危房改造"}},
	{Code: DimWater, Label: "饮水安全", Aliases: []string{"饮水", "饮水安全保障", "农村饮水安全"}},
	{Code: DimFoodClothing, Label: "不愁吃不愁穿", Aliases: []string{"两不愁", "吃穿", "吃穿不愁"}},
	{Code: DimIncome, Label: "收入", Aliases: []string{"家庭收入", "收入状况", "增收", "脱贫人口收入"}},
	{Code: DimSafetyNet, Label: "兜底保障", Aliases: []string{"兜底", "社会救助", "低保"}},
	{Code: DimEmployment, Label: "就业帮扶", Aliases: []string{"就业"}},
	{Code: DimIndustry, Label: "产业帮扶", Aliases: []string{"产业", "产业发展", "小额信贷"}},
	{Code: DimRelocation, Label: "易地搬迁后续扶持", Aliases: []string{"易地搬迁", "易地扶贫搬迁", "搬迁"}},
	{Code: DimMonitoring, Label: "防止返贫监测", Aliases: []string{"监测", "动态监测"}},
	{Code: DimOther, Label: "其他", Aliases: nil},
}}
