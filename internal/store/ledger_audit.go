package store

import (
	"strings"

	"sanbao/internal/audit"
	"sanbao/internal/ledger"
)

// problemAudit is what the audit trail keeps of a problem: the template's
// fields, the state and how many entries each list has (the history itself
// is the problem's own, append-only, in problem_events).
type problemAudit struct {
	Number          string `json:"number"`
	Description     string `json:"description"`
	Dimension       string `json:"dimension"`
	Region          string `json:"region"`
	HouseholdID     int64  `json:"household_id"`
	Severity        string `json:"severity"`
	TaskForce       string `json:"task_force"`
	LeadUnit        string `json:"lead_unit"`
	SupportingUnits string `json:"supporting_units"`
	Owner           string `json:"owner"`
	Measures        string `json:"measures"`
	Deadline        string `json:"deadline"`
	Result          string `json:"result"`
	Remarks         string `json:"remarks"`
	State           string `json:"state"`
	Progress        int    `json:"progress"`
	Extensions      int    `json:"extensions"`
	Submissions     int    `json:"submissions"`
	Accountability  int    `json:"accountability"`
}

func auditOf(p *ledger.Problem) problemAudit {
	return problemAudit{Number: p.Number, Description: p.Description, Dimension: p.Dimension, Region: p.Region,
		HouseholdID: p.HouseholdID, Severity: string(p.Severity), TaskForce: p.TaskForce, LeadUnit: p.LeadUnit,
		SupportingUnits: strings.Join(p.SupportingUnits, unitSep), Owner: p.Owner, Measures: p.Measures,
		Deadline: day(p.Deadline), Result: string(p.Result), Remarks: p.Remarks, State: string(p.State),
		Progress: len(p.Progress), Extensions: len(p.Extensions), Submissions: len(p.Submissions), Accountability: len(p.Accountability)}
}

// auditActions names the audit action of a workflow step; the others are
// updates.
var auditActions = map[ledger.EventKind]audit.Action{
	ledger.EventReported: audit.ActCreate,
	ledger.EventImported: audit.ActImport,
	ledger.EventExtended: audit.ActExtend,
	ledger.EventAccepted: audit.ActAccept,
	ledger.EventRejected: audit.ActReject,
}

// auditProblem queues the audit entry of what happened to p since it had
// nHistory events (before is what it was then; nil for a new problem). The
// action is the last step's; the detail names every step and the number.
func auditProblem(tx *Tx, before *problemAudit, p *ledger.Problem, nHistory int) error {
	var kinds []string
	act := audit.ActUpdate
	for _, e := range p.History[min(nHistory, len(p.History)):] {
		kinds = append(kinds, e.Kind.Label())
		if a, ok := auditActions[e.Kind]; ok {
			act = a
		}
	}
	c := Change{Action: act, Object: "problem", ObjectID: itoa(p.ID), Region: p.Region,
		Detail: "问题" + p.Number + "：" + strings.Join(kinds, "、"), New: auditOf(p)}
	if before != nil {
		c.Old = *before
	}
	return tx.audit(c)
}
