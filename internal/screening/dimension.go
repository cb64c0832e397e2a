package screening

import "sanbao/internal/registry"

// Dimension codes: the system's one list, registry.Dimension.
const (
	DimEducation    = registry.DimEducation
	DimMedical      = registry.DimMedical
	DimHousing      = registry.DimHousing
	DimWater        = registry.DimWater
	DimFoodClothing = registry.DimFoodClothing
	DimIncome       = registry.DimIncome
	DimSafetyNet    = registry.DimSafetyNet
	DimEmployment   = registry.DimEmployment
	DimIndustry     = registry.DimIndustry
	DimRelocation   = registry.DimRelocation
	DimMonitoring   = registry.DimMonitoring
)

// Dimensions lists the screened dimensions in the order forms show them:
// every dimension of registry.Dimension that has check items ("other" is for
// problems from elsewhere and is not screened).
var Dimensions = func() *registry.Enum {
	e := &registry.Enum{Name: registry.Dimension.Name, Label: "排查方面"}
	for _, v := range registry.Dimension.Values {
		if v.Code != registry.DimOther {
			e.Values = append(e.Values, v)
		}
	}
	return e
}()

// dimIndex is the position of a dimension in Dimensions (-1 if unknown).
func dimIndex(code string) int {
	for i, v := range Dimensions.Values {
		if v.Code == code {
			return i
		}
	}
	return -1
}
