package web

import (
	"net/http"
	"slices"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/ledger"
	"sanbao/internal/store"
)

// ledgerAction is one step of the ledger's workflow as the web offers it:
// the capability it takes (auth's one table), the roles of the level that
// acts (004 §四(一): the village verifies, the township decides, the county
// department plans), and the states it applies in.
type ledgerAction struct {
	Key    string
	Label  string
	Cap    auth.Capability
	Roles  []auth.Role // nil: every role with Cap
	States []ledger.State
}

var (
	villageRoles = []auth.Role{auth.RoleVillageCadre, auth.RoleWorkTeam, auth.RoleTownship}
	allStates    = []ledger.State{ledger.Reported, ledger.Verified, ledger.Decided, ledger.Planned, ledger.Submitted, ledger.Closed}
)

// ledgerActions is the one table of who may do what to a problem. The
// village verifies (首问负责制; a township official may verify a problem
// reported at township level); the township decides (the county office for
// problems reported at county level); the county department plans; whoever
// works on it records progress and submits; a level with acceptance accepts
// or rejects, never the one who submitted; only the county office records an
// extension decided by the county leaders (004 §四(一)2).
var ledgerActions = []ledgerAction{
	{"verify", "上户核实", auth.CapLedgerReport, villageRoles, []ledger.State{ledger.Reported}},
	{"decide", "乡镇研判", auth.CapLedgerReport, []auth.Role{auth.RoleTownship, auth.RoleCountyOffice}, []ledger.State{ledger.Verified}},
	{"plan", "制定整改方案", auth.CapLedgerRectify, []auth.Role{auth.RoleDepartment}, []ledger.State{ledger.Decided}},
	{"progress", "填写整改进展", auth.CapLedgerRectify, nil, []ledger.State{ledger.Planned}},
	{"evidence", "上传整改材料", auth.CapLedgerRectify, nil, []ledger.State{ledger.Planned}},
	{"submit", "提交验收", auth.CapLedgerRectify, nil, []ledger.State{ledger.Planned}},
	{"extend", "延长整改时限", auth.CapLedgerExtend, nil, []ledger.State{ledger.Planned}},
	{"accept", "验收合格销号", auth.CapLedgerAccept, nil, []ledger.State{ledger.Submitted}},
	{"reject", "验收不合格", auth.CapLedgerAccept, nil, []ledger.State{ledger.Submitted}},
	{"reopen", "问题反弹重新整改", auth.CapLedgerReport, nil, []ledger.State{ledger.Closed}},
	{"result", "调整整改结果", auth.CapLedgerRectify, nil, []ledger.State{ledger.Submitted, ledger.Closed}},
	{"remarks", "修改备注", auth.CapLedgerRectify, nil, allStates},
}

func actionOf(key string) *ledgerAction {
	for i := range ledgerActions {
		if ledgerActions[i].Key == key {
			return &ledgerActions[i]
		}
	}
	return nil
}

// allows reports whether a role may take the action (state aside).
func (a *ledgerAction) allows(role auth.Role) bool {
	return auth.Can(role, a.Cap) && (a.Roles == nil || slices.Contains(a.Roles, role))
}

// ledgerCaller is who acts on the ledger in a request.
type ledgerCaller struct {
	Scope store.Scope
	Actor ledger.Actor // as the dossier prints it
	Role  auth.Role
	Dept  auth.Department
}

// caller returns the request's account as the ledger's caller, after
// checking that it has capability c.
func (s *Server) caller(r *http.Request, c auth.Capability) (*ledgerCaller, error) {
	sc, err := s.scopeFor(r, c)
	if err != nil {
		return nil, err
	}
	a := identityOf(r).Account
	unit := s.regionLabel(r, a.RegionCode)
	if a.Department != "" {
		unit += a.Department.Label() + "部门"
	}
	return &ledgerCaller{Scope: sc, Role: a.Role, Dept: a.Department,
		Actor: ledger.Actor{AccountID: a.ID, Name: a.DisplayName, Role: a.Role.Label(), Unit: unit}}, nil
}

// may checks that the caller may take the action now on p.
func (lc *ledgerCaller) may(a *ledgerAction, p *ledger.Problem) error {
	if !a.allows(lc.Role) {
		return apperr.New(apperr.Forbidden, "您的角色（%s）不能%s", lc.Role.Label(), a.Label)
	}
	if p != nil && (a.Key == "accept" || a.Key == "reject") && lc.Actor.AccountID != 0 {
		if n := len(p.Submissions); n > 0 && p.Submissions[n-1].By.AccountID == lc.Actor.AccountID {
			return apperr.New(apperr.Forbidden, "不能验收本人提交的整改，应由上级验收")
		}
	}
	return nil
}

// actions lists what the caller may do to p now, for pages and the API.
func (lc *ledgerCaller) actions(p *ledger.Problem) []string {
	out := []string{}
	for i := range ledgerActions {
		a := &ledgerActions[i]
		if slices.Contains(a.States, p.State) && lc.may(a, p) == nil {
			out = append(out, a.Key)
		}
	}
	return out
}

// myWork is the filter of an account's own work: what waits for its level
// inside its scope. A department's work is that of the lead units that are
// its own (units: the lead units in the scope, see store.LedgerNames).
func (lc *ledgerCaller) myWork(units []string) store.ProblemFilter {
	var f store.ProblemFilter
	switch lc.Role {
	case auth.RoleVillageCadre, auth.RoleWorkTeam:
		f.States = []ledger.State{ledger.Reported, ledger.Planned}
	case auth.RoleTownship:
		f.States = []ledger.State{ledger.Reported, ledger.Verified, ledger.Submitted}
	case auth.RoleDepartment:
		f.States = []ledger.State{ledger.Decided, ledger.Planned}
		f.LeadUnits = []string{} // none unless one of the units is the department's
		for _, u := range units {
			if d, ok := deptOfUnit(u); ok && d == lc.Dept {
				f.LeadUnits = append(f.LeadUnits, u)
			}
		}
	case auth.RoleCountyOffice:
		f.States = []ledger.State{ledger.Verified, ledger.Submitted}
	default:
		f.Accountable = true
	}
	f.Order = "due"
	return f
}

// deptOfUnit reads the department of a lead unit's name, the place name in
// front skipped: 县住建局, 文水县住房和城乡建设局 → housing.
func deptOfUnit(unit string) (auth.Department, bool) {
	for i := range unit {
		if d, ok := auth.ParseDepartment(unit[i:]); ok {
			return d, true
		}
	}
	return "", false
}
