package web

import (
	"fmt"
	"net/http"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/ledger"
	"sanbao/internal/policy"
	"sanbao/internal/store"
)

// Findings into the ledger: a finding (问题线索) becomes a problem of the
// rectification ledger for accounts that report problems (ledger_report):
// POST /api/v1/findings/{id}/problem, and the "转为问题（纳入整改台账）" form
// on every list of findings (the findings list, a household's screening page,
// a visit's page) and on the finding's own page, which also shows a refused
// form again with its problems. A finding already in the ledger shows its
// problem's number with a link instead.

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/findings/{id}/problem", Cap: auth.CapLedgerReport, Handle: (*Server).findingProblemPage},
		pageRoute{Method: "POST", Path: "/findings/{id}/problem", Cap: auth.CapLedgerReport, Handle: (*Server).findingProblemPost},
	)
	flashes["from_finding"] = "问题线索已纳入整改台账"
	flashes["in_ledger"] = "该问题线索此前已纳入整改台账，未重复登记"
	templateFuncs["toLedger"] = func() *toLedgerText { return &toLedgerInfo }
}

// toLedgerText is what the conversion forms offer: the severities with the
// "710" time limit each chooses, and what happens next.
type toLedgerText struct {
	Severities [][2]string
	Hint       string
}

var toLedgerInfo = toLedgerText{
	Severities: [][2]string{
		{string(ledger.Ordinary), fmt.Sprintf("%s（%d天内解决）", ledger.Ordinary.Label(), policy.Rule710(false).Days)},
		{string(ledger.Major), fmt.Sprintf("%s（%d天内解决）", ledger.Major.Label(), policy.Rule710(true).Days)},
	},
	Hint: fmt.Sprintf("纳入整改台账后按“135”办理，首先由村级%d天内上户核实（%s）；整改时限自县级部门确定整改方案起算（%s）。",
		policy.Verify1.Days, policy.Verify1.Source, policy.Ordinary7.Source),
}

// findingProblemFields are the conversion form's fields.
var findingProblemFields = []string{"severity", "task_force", "lead_unit"}

var findingProblemLabels = map[string]string{"severity": "问题性质", "task_force": "专班", "lead_unit": "牵头单位"}

type findingProblemData struct {
	Row  findingRow
	Rows []findingRow // the finding's card (without the list's form)
	*toLedgerText
}

func (s *Server) findingProblemForm(w http.ResponseWriter, r *http.Request, status int, f *store.FindingRecord, fm *form) error {
	rows := s.findingRows(r, []*store.FindingRecord{f})
	rows[0].ToLedger = false
	return s.render(w, r, status, "screening/finding_problem", &view{Title: "转为问题", Form: fm,
		Data: findingProblemData{Row: rows[0], Rows: rows, toLedgerText: &toLedgerInfo}})
}

// findingInScope reads the finding of the request's path inside the scope
// of an account that reports problems, before anything else is read.
func (s *Server) findingInScope(r *http.Request) (*ledgerCaller, *store.FindingRecord, error) {
	lc, err := s.caller(r, auth.CapLedgerReport)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	f, err := s.DB.Finding(r.Context(), lc.Scope, id)
	return lc, f, err
}

func (s *Server) findingProblemPage(w http.ResponseWriter, r *http.Request) error {
	_, f, err := s.findingInScope(r)
	if err != nil {
		return err
	}
	return s.findingProblemForm(w, r, http.StatusOK, f, nil)
}

// findingProblemPost converts the finding and goes to the problem's page
// (the one made now, or the one made before).
func (s *Server) findingProblemPost(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.findingInScope(r)
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, findingProblemLabels)
	if err != nil {
		return s.findingProblemForm(w, r, http.StatusUnprocessableEntity, f, formOf(vals, err, findingProblemFields...))
	}
	in := store.FindingDraft{Severity: severityOf(vals.Get("severity")), TaskForce: vals.Get("task_force"), LeadUnit: vals.Get("lead_unit")}
	p, created, err := s.DB.FindingToProblem(r.Context(), lc.Scope, f.ID, in, lc.Actor)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.findingProblemForm(w, r, http.StatusUnprocessableEntity, f, formOf(vals, err, findingProblemFields...))
	}
	if err != nil {
		return err
	}
	ok := "from_finding"
	if !created {
		ok = "in_ledger"
	}
	http.Redirect(w, r, "/problems/"+itoa(p.ID)+"?ok="+ok, http.StatusSeeOther)
	return nil
}

// findingProblemInput is what a client adds to a finding to make it a
// problem.
type findingProblemInput struct {
	Severity  string `json:"severity"`
	TaskForce string `json:"task_force,omitempty"`
	LeadUnit  string `json:"lead_unit,omitempty"`
}

// apiFindingToProblem answers 201 with the problem made of the finding, or
// 200 with the problem made of it before (nothing is created twice).
func (s *Server) apiFindingToProblem(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.findingInScope(r)
	if err != nil {
		return err
	}
	var in findingProblemInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	p, created, err := s.DB.FindingToProblem(r.Context(), lc.Scope, f.ID,
		store.FindingDraft{Severity: severityOf(in.Severity), TaskForce: in.TaskForce, LeadUnit: in.LeadUnit}, lc.Actor)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/problems/"+itoa(p.ID))
	writeJSON(w, status, viewProblem(p, s.DB.Clock.Now(), lc))
	return nil
}
