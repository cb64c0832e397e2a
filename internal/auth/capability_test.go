package auth

import (
	"testing"
)

func TestCan(t *testing.T) {
	tests := []struct {
		role Role
		cap  Capability
		want bool
	}{
		{RoleVillageCadre, CapViewRegistry, true},
		{RoleVillageCadre, CapEditRegistry, true},
		{RoleVillageCadre, CapRecordVisit, true},
		{RoleVillageCadre, CapVerifyAlert, true},
		{RoleVillageCadre, CapMonitorPropose, true},
		{RoleVillageCadre, CapMonitorApprove, false},
		{RoleVillageCadre, CapLedgerAccept, false},
		{RoleVillageCadre, CapImportRegistry, false},
		{RoleVillageCadre, CapManageAccounts, false},
		{RoleWorkTeam, CapRecordVisit, true},
		{RoleWorkTeam, CapViewFullID, true},
		{RoleTownship, CapMonitorReview, true},
		{RoleTownship, CapLedgerAccept, true},
		{RoleTownship, CapLedgerExtend, false},
		{RoleDepartment, CapUploadRoster, true},
		{RoleDepartment, CapEditRegistry, false},
		{RoleDepartment, CapViewFullID, true},
		{RoleDepartment, CapLedgerRectify, true},
		{RoleCountyOffice, CapLedgerExtend, true},
		{RoleCountyOffice, CapMonitorApprove, true},
		{RoleCountyOffice, CapImportRegistry, true},
		{RoleCountyOffice, CapViewAudit, false},
		{RoleCityViewer, CapViewRegistry, true},
		{RoleCityViewer, CapViewReports, true},
		{RoleCityViewer, CapEditRegistry, false},
		{RoleCityViewer, CapViewFullID, false},
		{RoleProvinceViewer, CapExport, true},
		{RoleProvinceViewer, CapRunRules, false},
		{RoleAuditor, CapViewAudit, true},
		{RoleAuditor, CapViewRegistry, true},
		{RoleAuditor, CapEditRegistry, false},
		{RoleAuditor, CapViewFullID, false},
		{RoleAuditor, CapExport, false},
		{RoleAdmin, CapManageAccounts, true},
		{RoleAdmin, CapViewRegistry, false},
		{RoleAdmin, CapViewAudit, false},
		{Role("boss"), CapViewRegistry, false},
		{RoleAdmin, Capability("everything"), false},
	}
	for _, tc := range tests {
		if got := Can(tc.role, tc.cap); got != tc.want {
			t.Errorf("Can(%s, %s) = %v, want %v", tc.role, tc.cap, got, tc.want)
		}
	}
}

// Read-only roles must hold no capability that changes data.
func TestReadOnlyRoles(t *testing.T) {
	readOnly := map[Capability]bool{CapViewRegistry: true, CapViewReports: true, CapViewAudit: true, CapExport: true}
	for _, r := range []Role{RoleCityViewer, RoleProvinceViewer, RoleAuditor} {
		for _, c := range CapabilitiesOf(r) {
			if !readOnly[c] {
				t.Errorf("read-only role %s has %s", r, c)
			}
		}
	}
	// Exactly one role manages accounts, exactly one reads the trail, and they differ.
	if got := RolesWith(CapManageAccounts); len(got) != 1 || got[0] != RoleAdmin {
		t.Errorf("manage_accounts: %v", got)
	}
	if got := RolesWith(CapViewAudit); len(got) != 1 || got[0] != RoleAuditor {
		t.Errorf("view_audit: %v", got)
	}
}

func TestCapabilityTable(t *testing.T) {
	seen := map[Capability]bool{}
	for _, c := range Capabilities() {
		if seen[c] {
			t.Errorf("%s twice in the table", c)
		}
		seen[c] = true
		if c.Label() == "" || !c.Valid() {
			t.Errorf("%s: no label", c)
		}
		if len(RolesWith(c)) == 0 {
			t.Errorf("%s: no role has it", c)
		}
		for _, r := range RolesWith(c) {
			if !r.Valid() {
				t.Errorf("%s granted to unknown role %q", c, r)
			}
		}
	}
	for _, r := range Roles() {
		if len(CapabilitiesOf(r)) == 0 {
			t.Errorf("%s can do nothing", r)
		}
	}
}

func TestFullID(t *testing.T) {
	id := "141121198503071230"
	for _, r := range Roles() {
		if SeesFullID(r) {
			t.Errorf("%s sees full ID numbers by default; the default is masked", r)
		}
		if got := DisplayID(r, id); got != "1411**********1230" {
			t.Errorf("DisplayID(%s) = %q", r, got)
		}
		if got := DisplayPhone(r, "13812341234"); got != "138****1234" {
			t.Errorf("DisplayPhone(%s) = %q", r, got)
		}
	}
	tests := []struct {
		role Role
		want bool
	}{
		{RoleVillageCadre, true}, {RoleWorkTeam, true}, {RoleTownship, true}, {RoleDepartment, true},
		{RoleCountyOffice, true}, {RoleCityViewer, false}, {RoleProvinceViewer, false},
		{RoleAuditor, false}, {RoleAdmin, false},
	}
	for _, tc := range tests {
		if got := MayReveal(tc.role); got != tc.want {
			t.Errorf("MayReveal(%s) = %v, want %v", tc.role, got, tc.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812341234", "138****1234"},
		{"0358-1234567", "0358-***4567"},
		{"0358 1234 5678", "0358 **** 5678"},
		{"138 1234 1234", "138 **** 1234"},
		{"12345678", "****5678"},
		{"035812345678", "035*****5678"},
		{"1234", "****"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
