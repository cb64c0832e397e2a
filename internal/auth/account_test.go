package auth

import (
	"strings"
	"testing"

	"sanbao/internal/apperr"
)

const (
	province  = "140000000000" // 山西省
	city      = "141100000000" // 吕梁市
	county    = "141121000000" // 文水县
	township  = "141121100000"
	village   = "141121100201"
	village2  = "141121100202"
	township2 = "141121101000"
	county2   = "141122000000"
)

func valid(role Role, code string) Account {
	a := Account{Username: "li.ming", DisplayName: "李明", Role: role, RegionCode: code}
	if role == RoleDepartment {
		a.Department = DeptEducation
	}
	return a
}

func TestValidateAccount(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*Account)
		fields []string // fields named in the error, in order; nil = valid
		msg    string   // part of the message
	}{
		{"village cadre", func(a *Account) {}, nil, ""},
		{"work team", func(a *Account) { a.Role = RoleWorkTeam }, nil, ""},
		{"township", func(a *Account) { a.Role, a.RegionCode = RoleTownship, township }, nil, ""},
		{"department", func(a *Account) { a.Role, a.RegionCode, a.Department = RoleDepartment, county, DeptWater }, nil, ""},
		{"county office", func(a *Account) { a.Role, a.RegionCode = RoleCountyOffice, county }, nil, ""},
		{"city viewer", func(a *Account) { a.Role, a.RegionCode = RoleCityViewer, city }, nil, ""},
		{"province viewer", func(a *Account) { a.Role, a.RegionCode = RoleProvinceViewer, province }, nil, ""},
		{"auditor at county", func(a *Account) { a.Role, a.RegionCode = RoleAuditor, county }, nil, ""},
		{"admin at province", func(a *Account) { a.Role, a.RegionCode = RoleAdmin, province }, nil, ""},
		{"admin at village", func(a *Account) { a.Role = RoleAdmin }, nil, ""},
		{"phone mobile", func(a *Account) { a.Phone = "13812341234" }, nil, ""},
		{"phone landline", func(a *Account) { a.Phone = "0358-1234567" }, nil, ""},
		{"digits username", func(a *Account) { a.Username = "13812341234" }, nil, ""},

		{"empty username", func(a *Account) { a.Username = "" }, []string{"username"}, "「用户名」不能为空"},
		{"short username", func(a *Account) { a.Username = "li" }, []string{"username"}, "3至32"},
		{"long username", func(a *Account) { a.Username = strings.Repeat("a", 33) }, []string{"username"}, "3至32"},
		{"upper-case username", func(a *Account) { a.Username = "LiMing" }, []string{"username"}, "小写字母"},
		{"Chinese username", func(a *Account) { a.Username = "李明明" }, []string{"username"}, "小写字母"},
		{"leading dot", func(a *Account) { a.Username = ".liming" }, []string{"username"}, "开头"},
		{"space", func(a *Account) { a.Username = "li ming" }, []string{"username"}, "小写字母"},
		{"no name", func(a *Account) { a.DisplayName = "" }, []string{"display_name"}, "「姓名」不能为空"},
		{"long name", func(a *Account) { a.DisplayName = strings.Repeat("李", 51) }, []string{"display_name"}, "50"},
		{"bad role", func(a *Account) { a.Role = "mayor" }, []string{"role"}, "「角色」应为：村两委干部、"},
		{"no region", func(a *Account) { a.RegionCode = "" }, []string{"region_code"}, "「所属区划」不能为空"},
		{"short region", func(a *Account) { a.RegionCode = "141121" }, []string{"region_code"}, "12位"},
		{"letters in region", func(a *Account) { a.RegionCode = "14112110020x" }, []string{"region_code"}, "数字"},
		{"cadre at township", func(a *Account) { a.RegionCode = township }, []string{"region_code"}, "村两委干部账号应属于村级区划，141121100000是乡镇级"},
		{"township at village", func(a *Account) { a.Role = RoleTownship }, []string{"region_code"}, "乡镇级"},
		{"department at township", func(a *Account) { a.Role, a.RegionCode, a.Department = RoleDepartment, township, DeptWater }, []string{"region_code"}, "县级"},
		{"county office at city", func(a *Account) { a.Role, a.RegionCode = RoleCountyOffice, city }, []string{"region_code"}, "县级"},
		{"city viewer at province", func(a *Account) { a.Role, a.RegionCode = RoleCityViewer, province }, []string{"region_code"}, "市级"},
		{"province viewer at city", func(a *Account) { a.Role, a.RegionCode = RoleProvinceViewer, city }, []string{"region_code"}, "省级"},
		{"department without dept", func(a *Account) { a.Role, a.RegionCode = RoleDepartment, county }, []string{"department"}, "须选择部门：教育、医保"},
		{"department unknown dept", func(a *Account) { a.Role, a.RegionCode, a.Department = RoleDepartment, county, "police" }, []string{"department"}, "未知的部门"},
		{"cadre with dept", func(a *Account) { a.Department = DeptWater }, []string{"department"}, "只有县直部门账号"},
		{"bad phone", func(a *Account) { a.Phone = "1381234" + "x" }, []string{"phone"}, "「手机号」号码"},
		{"short mobile", func(a *Account) { a.Phone = "1381234123" }, []string{"phone"}, "格式不正确"},
		{"several", func(a *Account) { a.Username, a.DisplayName, a.Role = "", "", "x" }, []string{"username", "display_name", "role"}, "；"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid(RoleVillageCadre, village)
			tc.mod(&a)
			err := a.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Validate = %v, want Invalid", err)
			}
			var got []string
			for _, f := range apperr.FieldsOf(err) {
				got = append(got, f.Field)
				if f.Label == "" {
					t.Errorf("field %s has no Chinese label", f.Field)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields = %v, want %v (%v)", got, tc.fields, err)
			}
			if !strings.Contains(apperr.MessageOf(err), tc.msg) {
				t.Errorf("message %q lacks %q", apperr.MessageOf(err), tc.msg)
			}
		})
	}
}

func TestNormalizeAccount(t *testing.T) {
	a := Account{Username: "  Li.Ming ", DisplayName: " 李明 ", Role: RoleCountyOffice, RegionCode: "141121",
		Department: DeptWater, Phone: " 13812341234 "}
	a.Normalize()
	if a.Username != "li.ming" || a.DisplayName != "李明" || a.RegionCode != county || a.Department != "" || a.Phone != "13812341234" {
		t.Fatalf("Normalize: %+v", a)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		name string
		acc  Account
		in   []string
		out  []string
	}{
		{"village", valid(RoleVillageCadre, village), []string{village}, []string{village2, township, county, "", "141121"}},
		{"township", valid(RoleTownship, township), []string{township, village, village2}, []string{"141121101001", county}},
		{"department sees its county", valid(RoleDepartment, county), []string{county, village, "141121101001"}, []string{county2 + "", "141122100201", city}},
		{"city", valid(RoleCityViewer, city), []string{county, county2, village}, []string{"141000000000", province}},
		{"province", valid(RoleProvinceViewer, province), []string{city, village}, []string{"150000000000"}},
		{"disabled sees nothing", func() Account { a := valid(RoleProvinceViewer, province); a.Disabled = true; return a }(), nil, []string{village, province}},
		{"malformed region sees nothing", Account{Role: RoleAdmin, RegionCode: ""}, nil, []string{village, province, ""}},
		{"short region sees nothing", Account{Role: RoleAdmin, RegionCode: "14"}, nil, []string{village, province}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ScopeOf(tc.acc)
			lo, hi := s.Range()
			for _, c := range tc.in {
				if !s.Contains(c) {
					t.Errorf("Contains(%q) = false", c)
				}
				if !(c >= lo && c < hi) {
					t.Errorf("%q not in Range [%q, %q)", c, lo, hi)
				}
				if err := s.Check(c, "农户"); err != nil {
					t.Errorf("Check(%q) = %v", c, err)
				}
			}
			for _, c := range tc.out {
				if s.Contains(c) {
					t.Errorf("Contains(%q) = true", c)
				}
				if len(c) == 12 && c >= lo && c < hi {
					t.Errorf("%q in Range [%q, %q)", c, lo, hi)
				}
				err := s.Check(c, "农户")
				if !apperr.Is(err, apperr.NotFound) || apperr.MessageOf(err) != "农户不存在" {
					t.Errorf("Check(%q) = %v, want NotFound 农户不存在", c, err)
				}
			}
		})
	}
	if s := ScopeOf(valid(RoleDepartment, county)); s.Department != DeptEducation || s.Level() != 3 {
		t.Errorf("department scope = %+v", s)
	}
	if s := ScopeOf(valid(RoleTownship, township)); s.Department != "" {
		t.Errorf("township scope has a department: %+v", s)
	}
}

func TestCheckManage(t *testing.T) {
	admin := func(id int64, code string) Account {
		a := valid(RoleAdmin, code)
		a.ID = id
		return a
	}
	target := func(id int64, role Role, code string) Account {
		a := valid(role, code)
		a.ID = id
		return a
	}
	disabledAdmin := admin(1, county)
	disabledAdmin.Disabled = true
	tests := []struct {
		name          string
		actor, target Account
		want          apperr.Code // "" = allowed
	}{
		{"county admin, cadre in county", admin(1, county), target(2, RoleVillageCadre, village), ""},
		{"county admin, new account", admin(1, county), target(0, RoleTownship, township), ""},
		{"county admin, department", admin(1, county), target(2, RoleDepartment, county), ""},
		{"county admin, township admin", admin(1, county), target(2, RoleAdmin, township), ""},
		{"county admin, township auditor", admin(1, county), target(2, RoleAuditor, township), ""},
		{"county admin, other county", admin(1, county), target(2, RoleVillageCadre, "141122100201"), apperr.NotFound},
		{"county admin, city viewer", admin(1, county), target(2, RoleCityViewer, city), apperr.NotFound},
		{"county admin, peer admin", admin(1, county), target(2, RoleAdmin, county), apperr.Forbidden},
		{"county admin, county auditor", admin(1, county), target(2, RoleAuditor, county), apperr.Forbidden},
		{"county admin, itself", admin(1, county), admin(1, county), apperr.Forbidden},
		{"city admin, county admin", admin(1, city), target(2, RoleAdmin, county), ""},
		{"disabled admin", disabledAdmin, target(2, RoleVillageCadre, village), apperr.Forbidden},
		{"county office is no admin", target(1, RoleCountyOffice, county), target(2, RoleVillageCadre, village), apperr.Forbidden},
		{"auditor is no admin", target(1, RoleAuditor, county), target(2, RoleVillageCadre, village), apperr.Forbidden},
	}
	for _, tc := range tests {
		err := CheckManage(tc.actor, tc.target)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		} else if !apperr.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}
