package crosscheck

import (
	"strconv"
	"strings"

	"sanbao/internal/ledger"
)

// ProblemRef is the ledger's source reference of the problem an alert
// becomes: the ledger refuses a second problem with the same reference, so
// entering a confirmed alert twice is harmless.
func ProblemRef(alertID int64) string { return "alert:" + strconv.FormatInt(alertID, 10) }

// ProblemDraft is the ledger entry of a confirmed alert: the problem as the
// department's data showed it and as the village found it on the spot.
func ProblemDraft(a *Alert) ledger.Draft {
	var b strings.Builder
	b.WriteString(a.Title)
	if len(a.Evidence) > 0 {
		b.WriteString("（")
		for i, e := range a.Evidence {
			if i > 0 {
				b.WriteString("；")
			}
			b.WriteString(e.Label + "：" + e.Value)
		}
		b.WriteString("）")
	}
	if a.Findings != "" {
		b.WriteString("。村级核实：" + a.Findings)
	}
	desc := []rune(b.String())
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
