package auth

import (
	"slices"
	"testing"

	"sanbao/internal/region"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		ok   bool
	}{
		{"village_cadre", RoleVillageCadre, true},
		{"村两委干部", RoleVillageCadre, true},
		{" 村干部 ", RoleVillageCadre, true},
		{"驻村工作队员", RoleWorkTeam, true},
		{"第一书记", RoleWorkTeam, true},
		{"乡镇干部", RoleTownship, true},
		{"县直部门", RoleDepartment, true},
		{"巩固衔接办", RoleCountyOffice, true},
		{"county_office", RoleCountyOffice, true},
		{"市级", RoleCityViewer, true},
		{"省级", RoleProvinceViewer, true},
		{"审计员", RoleAuditor, true},
		{"管理员", RoleAdmin, true},
		{"admin", RoleAdmin, true},
		{"Admin", "", false},
		{"", "", false},
		{"村长", "", false},
	}
	for _, tc := range tests {
		got, ok := ParseRole(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRolesTable(t *testing.T) {
	want := []Role{"village_cadre", "work_team", "township", "department", "county_office",
		"city_viewer", "province_viewer", "auditor", "admin"}
	if !slices.Equal(Roles(), want) {
		t.Fatalf("Roles() = %v, want %v", Roles(), want)
	}
	seen := map[string]Role{}
	for _, r := range Roles() {
		if !r.Valid() || r.Label() == "" {
			t.Errorf("%q: Valid=%v Label=%q", r, r.Valid(), r.Label())
		}
		if got, ok := ParseRole(r.Label()); !ok || got != r {
			t.Errorf("label %q does not parse back to %q", r.Label(), r)
		}
		for _, s := range append([]string{string(r), r.Label()}, r.info().aliases...) {
			if other, dup := seen[s]; dup && other != r {
				t.Errorf("%q names both %q and %q", s, other, r)
			}
			seen[s] = r
		}
	}
	if Role("boss").Valid() || Role("boss").Label() != "" || Role("boss").Levels() != nil {
		t.Error("unknown role should be invalid with no label and no levels")
	}
}

func TestRoleLevels(t *testing.T) {
	P, C, X, T, V := region.Province, region.City, region.County, region.Township, region.Village
	tests := []struct {
		role Role
		want []region.Level
	}{
		{RoleVillageCadre, []region.Level{V}},
		{RoleWorkTeam, []region.Level{V}},
		{RoleTownship, []region.Level{T}},
		{RoleDepartment, []region.Level{X}},
		{RoleCountyOffice, []region.Level{X}},
		{RoleCityViewer, []region.Level{C}},
		{RoleProvinceViewer, []region.Level{P}},
		{RoleAuditor, []region.Level{P, C, X, T, V}},
		{RoleAdmin, []region.Level{P, C, X, T, V}},
	}
	for _, tc := range tests {
		if got := tc.role.Levels(); !slices.Equal(got, tc.want) {
			t.Errorf("%s.Levels() = %v, want %v", tc.role, got, tc.want)
		}
		for l := P; l <= V; l++ {
			if got, want := tc.role.AllowsLevel(l), slices.Contains(tc.want, l); got != want {
				t.Errorf("%s.AllowsLevel(%s) = %v, want %v", tc.role, l, got, want)
			}
		}
		if got := tc.role.NeedsDepartment(); got != (tc.role == RoleDepartment) {
			t.Errorf("%s.NeedsDepartment() = %v", tc.role, got)
		}
	}
	// Levels returns a copy.
	RoleAdmin.Levels()[0] = V
	if RoleAdmin.Levels()[0] != P {
		t.Error("Levels leaked the table")
	}
}

func TestParseDepartment(t *testing.T) {
	tests := []struct {
		in   string
		want Department
		ok   bool
	}{
		{"education", DeptEducation, true},
		{"教育", DeptEducation, true},
		{"教体局", DeptEducation, true},
		{"医保", DeptMedicalInsurance, true},
		{"医疗保障局", DeptMedicalInsurance, true},
		{"卫健", DeptHealth, true},
		{"住建", DeptHousing, true},
		{"水利", DeptWater, true},
		{"民政局", DeptCivilAffairs, true},
		{"残联", DeptDisability, true},
		{"human_resources", DeptHumanResources, true},
		{"人社", DeptHumanResources, true},
		{"农业农村", DeptAgriculture, true},
		{"公安", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := ParseDepartment(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseDepartment(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	want := []Department{"education", "medical_insurance", "health", "housing", "water",
		"civil_affairs", "disability", "human_resources", "agriculture"}
	if !slices.Equal(Departments(), want) {
		t.Fatalf("Departments() = %v", Departments())
	}
	for _, d := range Departments() {
		if got, ok := ParseDepartment(d.Label()); !ok || got != d {
			t.Errorf("label %q does not parse back to %q", d.Label(), d)
		}
	}
}
