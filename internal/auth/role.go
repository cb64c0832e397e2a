// Package auth holds Sanbao's accounts, roles and their capabilities, the
// region scope of an account, password hashing (argon2id), login lockout and
// per-IP rate limiting, session and CSRF secrets, API tokens, and the masking
// of ID numbers and phones. It does no I/O: the store persists accounts and
// sessions, the web layer reads cookies and headers; time is passed in.
package auth

import (
	"strings"

	"sanbao/internal/region"
)

// Role is what an account does. The code name is stored; the label is shown.
type Role string

const (
	RoleVillageCadre   Role = "village_cadre"   // 村两委干部
	RoleWorkTeam       Role = "work_team"       // 驻村工作队员
	RoleTownship       Role = "township"        // 乡镇干部
	RoleDepartment     Role = "department"      // 县直部门 (with a Department)
	RoleCountyOffice   Role = "county_office"   // 县巩固衔接办
	RoleCityViewer     Role = "city_viewer"     // 市级
	RoleProvinceViewer Role = "province_viewer" // 省级
	RoleAuditor        Role = "auditor"         // 审计员
	RoleAdmin          Role = "admin"           // 管理员
)

type roleInfo struct {
	role    Role
	label   string
	aliases []string
	levels  []region.Level // the levels of region an account of this role may belong to
}

var allLevels = []region.Level{region.Province, region.City, region.County, region.Township, region.Village}

// roles is the one table of roles, in display order.
var roles = []roleInfo{
	{RoleVillageCadre, "村两委干部", []string{"村干部", "村两委", "村“两委”干部"}, []region.Level{region.Village}},
	{RoleWorkTeam, "驻村工作队员", []string{"驻村工作队", "驻村干部", "工作队员", "第一书记"}, []region.Level{region.Village}},
	{RoleTownship, "乡镇干部", []string{"乡镇", "镇干部", "乡干部"}, []region.Level{region.Township}},
	{RoleDepartment, "县直部门", []string{"县直部门干部", "行业部门", "县行业主管部门"}, []region.Level{region.County}},
	{RoleCountyOffice, "县巩固衔接办", []string{"巩固衔接办", "县领导小组办公室", "领导小组办公室"}, []region.Level{region.County}},
	{RoleCityViewer, "市级", []string{"市级用户", "市级查看"}, []region.Level{region.City}},
	{RoleProvinceViewer, "省级", []string{"省级用户", "省级查看"}, []region.Level{region.Province}},
	{RoleAuditor, "审计员", []string{"审计"}, allLevels},
	{RoleAdmin, "管理员", []string{"系统管理员", "账号管理员"}, allLevels},
}

func (r Role) info() *roleInfo {
	for i := range roles {
		if roles[i].role == r {
			return &roles[i]
		}
	}
	return nil
}

// Roles lists every role in display order.
func Roles() []Role {
	out := make([]Role, len(roles))
	for i, ri := range roles {
		out[i] = ri.role
	}
	return out
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.info() != nil }

// Label is the Chinese name of the role ("" if unknown).
func (r Role) Label() string {
	if ri := r.info(); ri != nil {
		return ri.label
	}
	return ""
}

func (r Role) String() string { return string(r) }

// Levels lists the region levels an account of this role may be attached to.
func (r Role) Levels() []region.Level {
	if ri := r.info(); ri != nil {
		return append([]region.Level(nil), ri.levels...)
	}
	return nil
}

// AllowsLevel reports whether an account of this role may belong to a region
// of level l.
func (r Role) AllowsLevel(l region.Level) bool {
	if ri := r.info(); ri != nil {
		for _, x := range ri.levels {
			if x == l {
				return true
			}
		}
	}
	return false
}

// NeedsDepartment reports whether the role names a county department.
func (r Role) NeedsDepartment() bool { return r == RoleDepartment }

// ParseRole accepts a code name, a Chinese label or an alias.
func ParseRole(s string) (Role, bool) {
	s = strings.TrimSpace(s)
	for _, ri := range roles {
		if s == string(ri.role) || s == ri.label {
			return ri.role, true
		}
		for _, a := range ri.aliases {
			if s == a {
				return ri.role, true
			}
		}
	}
	return "", false
}

// RoleLabels lists the Chinese labels, for messages ("应为：A、B、C").
func RoleLabels() []string {
	out := make([]string, len(roles))
	for i, ri := range roles {
		out[i] = ri.label
	}
	return out
}

// Department is the county department (县直部门) of a department account.
type Department string

const (
	DeptEducation        Department = "education"         // 教育
	DeptMedicalInsurance Department = "medical_insurance" // 医保
	DeptHealth           Department = "health"            // 卫健
	DeptHousing          Department = "housing"           // 住建
	DeptWater            Department = "water"             // 水利
	DeptCivilAffairs     Department = "civil_affairs"     // 民政
	DeptDisability       Department = "disability"        // 残联
	DeptHumanResources   Department = "human_resources"   // 人社
	DeptAgriculture      Department = "agriculture"       // 农业农村
)

type deptInfo struct {
	dept    Department
	label   string
	aliases []string
}

// departments is the one table of departments, in display order
// (POLICY.md §7).
var departments = []deptInfo{
	{DeptEducation, "教育", []string{"教育局", "教体局", "教科局", "教育科技局", "教育和体育局"}},
	{DeptMedicalInsurance, "医保", []string{"医保局", "医疗保障局"}},
	{DeptHealth, "卫健", []string{"卫健局", "卫生健康局", "卫生和健康局", "卫健委"}},
	{DeptHousing, "住建", []string{"住建局", "住房和城乡建设局"}},
	{DeptWater, "水利", []string{"水利局", "水务局"}},
	{DeptCivilAffairs, "民政", []string{"民政局"}},
	{DeptDisability, "残联", []string{"残疾人联合会"}},
	{DeptHumanResources, "人社", []string{"人社局", "人力资源和社会保障局"}},
	{DeptAgriculture, "农业农村", []string{"农业农村局", "农业局"}},
}

func (d Department) info() *deptInfo {
	for i := range departments {
		if departments[i].dept == d {
			return &departments[i]
		}
	}
	return nil
}

// Departments lists every department in display order.
func Departments() []Department {
	out := make([]Department, len(departments))
	for i, di := range departments {
		out[i] = di.dept
	}
	return out
}

// Valid reports whether d is a known department.
func (d Department) Valid() bool { return d.info() != nil }

// Label is the Chinese name of the department ("" if unknown or empty).
func (d Department) Label() string {
	if di := d.info(); di != nil {
		return di.label
	}
	return ""
}

func (d Department) String() string { return string(d) }

// ParseDepartment accepts a code name, a Chinese label or an alias.
func ParseDepartment(s string) (Department, bool) {
	s = strings.TrimSpace(s)
	for _, di := range departments {
		if s == string(di.dept) || s == di.label {
			return di.dept, true
		}
		for _, a := range di.aliases {
			if s == a {
				return di.dept, true
			}
		}
	}
	return "", false
}

// DepartmentLabels lists the Chinese labels, for messages.
func DepartmentLabels() []string {
	out := make([]string, len(departments))
	for i, di := range departments {
		out[i] = di.label
	}
	return out
}
