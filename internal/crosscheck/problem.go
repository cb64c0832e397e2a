package crosscheck

import (
	"strconv"

	"sanbao/internal/ledger"
	"sanbao/internal/screening"
)

// ProblemRef is the ledger's source reference of the problem an alert
// becomes: the ledger refuses a second problem with the same reference, so
// entering a confirmed alert twice is harmless.
func ProblemRef(alertID int64) string { return "alert:" + strconv.FormatInt(alertID, 10) }

// ProblemDraft is the ledger entry of a confirmed alert: the problem as the
// department's data showed it and as the village found it on the spot.
func ProblemDraft(a *Alert) ledger.Draft {
	text := (&screening.Finding{Title: a.Title, Evidence: a.Evidence}).Text() // title（label：value；…）
	if a.Findings != "" {
		text += "。村级核实：" + a.Findings
	}
	desc := []rune(text)
	if len(desc) > 2000 {
		desc = desc[:2000]
	}
	remarks := KindOf(a.Kind).Label + "比对预警"
	if a.MonitoringCandidate {
		remarks += "；已列为防止返贫监测对象候选"
	}
	return ledger.Draft{
		Description: string(desc), Dimension: a.Dimension, HouseholdID: a.HouseholdID, Region: a.Village,
		Source: ledger.SourceDepartmentAlert, SourceRef: ProblemRef(a.ID), Remarks: remarks,
	}
}
