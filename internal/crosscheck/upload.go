package crosscheck

import (
	"time"

	"sanbao/internal/auth"
)

// Upload is one roster file a department uploaded for its county: a round
// of the cross-check.
type Upload struct {
	ID          int64           `json:"id"`
	County      string          `json:"county"`
	Department  auth.Department `json:"department"`
	Kind        Kind            `json:"kind"`
	KindLabel   string          `json:"kind_label"`
	AccountID   int64           `json:"account_id,omitempty"`
	AccountName string          `json:"account_name"`
	FileName    string          `json:"file_name"`
	SHA256      string          `json:"sha256"` // of the file's bytes, hex
	Size        int64           `json:"size"`
	Format      string          `json:"format"`             // CSV / XLSX
	Encoding    string          `json:"encoding,omitempty"` // of a CSV
	UploadedAt  time.Time       `json:"uploaded_at"`
	Year        int             `json:"year,omitempty"` // insurance: the enrolment year compared

	Rows     int `json:"rows"`     // data rows
	Matched  int `json:"matched"`  // rows of persons (households, villages) of the registry
	Unknown  int `json:"unknown"`  // valid rows of nobody in the county's registry
	Invalid  int `json:"invalid"`  // rows with errors
	Subjects int `json:"subjects"` // distinct persons (households, villages) matched

	AlertsNew      int `json:"alerts_new"`      // pushed to villages
	AlertsSeen     int `json:"alerts_seen"`     // raised again while still open: not pushed twice
	AlertsKept     int `json:"alerts_kept"`     // dismissed before with the same facts: not pushed again
	AlertsResolved int `json:"alerts_resolved"` // earlier alerts this roster shows gone

	DurationMS int64 `json:"duration_ms"`
}

// Reject is a row of an upload that was not matched: invalid, or about
// nobody of the county's registry. Rejects are kept per upload and sent
// back to the uploader as an error workbook.
type Reject struct {
	Row     int      `json:"row"`
	Reason  string   `json:"reason"` // ReasonInvalid / ReasonUnknown
	Message string   `json:"message"`
	Cells   []string `json:"cells"`
}

// RoundStats are the statistics of one upload (a round) and the alerts it
// pushed, at a moment.
type RoundStats struct {
	Upload
	Verified  int `json:"verified"`   // confirmed or dismissed
	InTime    int `json:"in_time"`    // verified before the stage was due
	Late      int `json:"late"`       // verified after it was due
	Confirmed int `json:"confirmed"`  // 属实
	Dismissed int `json:"dismissed"`  // 不属实
	Pending   int `json:"pending"`    // pushed, not yet verified, not yet due
	Overdue   int `json:"overdue"`    // pushed, not yet verified, past due
	Resolved  int `json:"resolved"`   // resolved by a later roster
	Problems  int `json:"problems"`   // confirmed and entered in the ledger
	Candidate int `json:"candidates"` // confirmed as monitoring candidates
}

// DepartmentStats sums the rounds of one department.
type DepartmentStats struct {
	Department      auth.Department `json:"department"`
	DepartmentLabel string          `json:"department_label"`
	Rounds          int             `json:"rounds"`
	Total           RoundStats      `json:"total"`
	Latest          []RoundStats    `json:"latest"` // newest first
}

// Add sums a round into the department's total.
func (d *DepartmentStats) Add(r RoundStats) {
	d.Rounds++
	t := &d.Total
	t.Rows += r.Rows
	t.Matched += r.Matched
	t.Unknown += r.Unknown
	t.Invalid += r.Invalid
	t.Subjects += r.Subjects
	t.AlertsNew += r.AlertsNew
	t.AlertsSeen += r.AlertsSeen
	t.AlertsKept += r.AlertsKept
	t.AlertsResolved += r.AlertsResolved
	t.Verified += r.Verified
	t.InTime += r.InTime
	t.Late += r.Late
	t.Confirmed += r.Confirmed
	t.Dismissed += r.Dismissed
	t.Pending += r.Pending
	t.Overdue += r.Overdue
	t.Resolved += r.Resolved
	t.Problems += r.Problems
	t.Candidate += r.Candidate
}
