package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/ledgerfile"
	"sanbao/internal/region"
	"sanbao/internal/store"
)

// problemView is a problem as the API answers it: the stored problem, its
// stage marks at the moment of the answer, the dossier lines and what the
// caller may do next.
type problemView struct {
	*ledger.Problem
	Status  deadline.State  `json:"status"`
	Current *deadline.Mark  `json:"current,omitempty"`
	Marks   []deadline.Mark `json:"marks"`
	Dossier []string        `json:"dossier"`
	Actions []string        `json:"actions"`
}

func viewProblem(p *ledger.Problem, now time.Time, lc *ledgerCaller) problemView {
	v := problemView{Problem: p, Status: p.Status(now), Marks: p.Marks(now), Dossier: ledger.Dossier(p.History), Actions: lc.actions(p)}
	if c := p.Current(); c != nil {
		m := c.Mark(now)
		v.Current = &m
	}
	return v
}

// problemItem is one line of a ledger list.
type problemItem struct {
	ID          int64          `json:"id"`
	Number      string         `json:"number"`
	Description string         `json:"description"`
	Dimension   string         `json:"dimension"`
	Region      string         `json:"region"`
	HouseholdID int64          `json:"household_id,omitempty"`
	Source      string         `json:"source"`
	Severity    string         `json:"severity,omitempty"`
	State       ledger.State   `json:"state"`
	TaskForce   string         `json:"task_force,omitempty"`
	LeadUnit    string         `json:"lead_unit,omitempty"`
	Owner       string         `json:"owner,omitempty"`
	Deadline    string         `json:"deadline,omitempty"` // 2006-01-02
	Result      string         `json:"result,omitempty"`   // the Chinese word
	Accountable bool           `json:"accountable"`
	Status      deadline.State `json:"status"`
	Current     *deadline.Mark `json:"current,omitempty"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

func itemOf(p *ledger.Problem, now time.Time) problemItem {
	it := problemItem{ID: p.ID, Number: p.Number, Description: p.Description, Dimension: p.Dimension, Region: p.Region,
		HouseholdID: p.HouseholdID, Source: p.Source, Severity: string(p.Severity), State: p.State, TaskForce: p.TaskForce,
		LeadUnit: p.LeadUnit, Owner: p.Owner, Deadline: p.DeadlineDate(), Result: p.Result.Label(),
		Accountable: p.OnAccountabilityList(), Status: p.Status(now), UpdatedAt: p.UpdatedAt}
	if c := p.Current(); c != nil {
		m := c.Mark(now)
		it.Current = &m
	}
	return it
}

// problemFilter reads the list filters of a request.
func (s *Server) problemFilter(r *http.Request, lc *ledgerCaller) (store.ProblemFilter, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return store.ProblemFilter{}, err
	}
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return store.ProblemFilter{}, err
	}
	hh, err := queryInt(r, "household_id", 0)
	if err != nil {
		return store.ProblemFilter{}, err
	}
	var f store.ProblemFilter
	if q.Get("mine") == "1" || q.Get("mine") == "true" {
		var units []string
		if lc.Role == auth.RoleDepartment {
			if _, units, err = s.DB.LedgerNames(r.Context(), lc.Scope); err != nil {
				return f, err
			}
		}
		f = lc.myWork(units)
	}
	f.Region, f.TaskForce, f.LeadUnit = q.Get("region"), q.Get("task_force"), q.Get("lead_unit")
	f.Dimension, f.Result, f.Stage, f.Owner, f.Number = q.Get("dimension"), q.Get("result"), q.Get("stage"), q.Get("owner"), q.Get("number")
	f.Due = deadline.State(q.Get("due"))
	if st := q.Get("state"); st != "" {
		f.States = nil
		for _, s := range strings.Split(st, ",") {
			f.States = append(f.States, ledger.State(strings.TrimSpace(s)))
		}
	}
	if v := q.Get("accountable"); v == "1" || v == "true" {
		f.Accountable = true
	}
	if o := q.Get("order"); o != "" {
		f.Order = o
	}
	f.HouseholdID, f.Limit, f.Offset, f.NoTotal = int64(hh), limit, offset, q.Get("total") == "false"
	return f, nil
}

// filterOf is the caller (with capability c) and the list filter of a
// request.
func (s *Server) filterOf(r *http.Request, c auth.Capability) (*ledgerCaller, store.ProblemFilter, error) {
	lc, err := s.caller(r, c)
	if err != nil {
		return nil, store.ProblemFilter{}, err
	}
	f, err := s.problemFilter(r, lc)
	return lc, f, err
}

func (s *Server) apiListProblems(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.filterOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	page, err := s.DB.ListProblems(r.Context(), lc.Scope, f)
	if err != nil {
		return err
	}
	items := make([]problemItem, len(page.Items))
	for i, p := range page.Items {
		items[i] = itemOf(p, page.Now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": page.Total, "limit": page.Limit, "offset": page.Offset, "now": page.Now})
	return nil
}

// problemOf reads the problem the request's path names, inside the scope of
// an account with capability c.
func (s *Server) problemOf(r *http.Request, c auth.Capability) (*ledgerCaller, *ledger.Problem, error) {
	lc, err := s.caller(r, c)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	p, err := s.DB.Problem(r.Context(), lc.Scope, id)
	if err != nil {
		return nil, nil, err
	}
	return lc, p, nil
}

func (s *Server) apiProblem(w http.ResponseWriter, r *http.Request) error {
	lc, p, err := s.problemOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewProblem(p, s.DB.Clock.Now(), lc))
	return nil
}

// problemInput is a new problem as reported.
type problemInput struct {
	Description string `json:"description"`
	Dimension   string `json:"dimension"`
	HouseholdID int64  `json:"household_id,omitempty"`
	Region      string `json:"region"`
	Source      string `json:"source"`
	SourceRef   string `json:"source_ref,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Remarks     string `json:"remarks,omitempty"`
}

func (in problemInput) draft() ledger.Draft {
	sev := in.Severity
	if code, ok := ledger.SeverityEnum.Parse(strings.TrimSpace(sev)); ok {
		sev = code
	}
	return ledger.Draft{Description: in.Description, Dimension: in.Dimension, HouseholdID: in.HouseholdID, Region: in.Region,
		Source: in.Source, SourceRef: in.SourceRef, Severity: ledger.Severity(sev), Remarks: in.Remarks}
}

func (s *Server) apiCreateProblem(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.caller(r, auth.CapLedgerReport)
	if err != nil {
		return err
	}
	var in problemInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	p, err := s.DB.CreateProblem(r.Context(), lc.Scope, in.draft(), lc.Actor)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/problems/"+itoa(p.ID))
	writeJSON(w, http.StatusCreated, viewProblem(p, s.DB.Clock.Now(), lc))
	return nil
}

// dateField parses a date field of a form or JSON body (2024-08-15,
// 2024年8月15日, 8月15日前, ...) into v's errors.
func dateField(v *apperr.Validation, field, s string, now time.Time) time.Time {
	if strings.TrimSpace(s) == "" {
		return time.Time{}
	}
	d, err := deadline.ParseDate(s, now.In(clock.China).Year())
	if err != nil {
		v.Add(field, ledger.FieldLabel(field), "%s", apperr.MessageOf(err))
	}
	return d
}

// Inputs of the workflow's actions (field names as in package ledger).
type (
	verifyInput struct {
		Findings    string `json:"findings"`
		Description string `json:"description,omitempty"`
		Dimension   string `json:"dimension,omitempty"`
		HouseholdID int64  `json:"household_id,omitempty"`
	}
	decideInput struct {
		Forward     bool   `json:"forward"`
		Opinion     string `json:"opinion,omitempty"`
		Department  string `json:"department,omitempty"`
		Explanation string `json:"explanation,omitempty"`
	}
	planInput struct {
		Severity        string   `json:"severity"`
		TaskForce       string   `json:"task_force,omitempty"`
		LeadUnit        string   `json:"lead_unit"`
		SupportingUnits []string `json:"supporting_units,omitempty"`
		Owner           string   `json:"owner"`
		Measures        string   `json:"measures"`
		Deadline        string   `json:"deadline,omitempty"`
		deadline        time.Time
	}
	progressInput struct {
		Date string `json:"date,omitempty"`
		Text string `json:"text"`
		date time.Time
	}
	extendInput struct {
		Leader      string `json:"leader"`
		DecidedOn   string `json:"decided_on"`
		Reason      string `json:"reason"`
		NewDeadline string `json:"new_deadline"`
		Plan        string `json:"plan"`
		decidedOn   time.Time
		newDeadline time.Time
	}
	submitInput struct {
		Summary  string            `json:"summary"`
		Result   string            `json:"result"`
		Evidence []ledger.Evidence `json:"evidence"`
	}
	reviewInput struct {
		Opinion  string `json:"opinion"`
		NewLimit string `json:"new_limit,omitempty"`
		newLimit time.Time
	}
	reopenInput struct {
		Reason   string `json:"reason"`
		Severity string `json:"severity,omitempty"`
		Measures string `json:"measures,omitempty"`
		Deadline string `json:"deadline,omitempty"`
		deadline time.Time
	}
	resultInput struct {
		Result string `json:"result"`
	}
	remarksInput struct {
		Remarks string `json:"remarks"`
	}
)

// dated is an input with dates, read (and reported with the other fields)
// before the store is called.
type dated interface {
	dates(v *apperr.Validation, now time.Time)
}

func (in *planInput) dates(v *apperr.Validation, now time.Time) {
	in.deadline = dateField(v, "deadline", in.Deadline, now)
}

func (in *progressInput) dates(v *apperr.Validation, now time.Time) {
	in.date = dateField(v, "date", in.Date, now)
}

func (in *extendInput) dates(v *apperr.Validation, now time.Time) {
	in.decidedOn = dateField(v, "decided_on", in.DecidedOn, now)
	in.newDeadline = dateField(v, "new_deadline", in.NewDeadline, now)
}

func (in *reviewInput) dates(v *apperr.Validation, now time.Time) {
	in.newLimit = dateField(v, "new_limit", in.NewLimit, now)
}

func (in *reopenInput) dates(v *apperr.Validation, now time.Time) {
	in.deadline = dateField(v, "deadline", in.Deadline, now)
}

func severityOf(s string) ledger.Severity {
	if code, ok := ledger.SeverityEnum.Parse(strings.TrimSpace(s)); ok {
		return ledger.Severity(code)
	}
	return ledger.Severity(strings.TrimSpace(s))
}

func resultOf(s string) ledger.Result {
	if code, ok := ledger.ResultEnum.Parse(strings.Join(strings.Fields(s), "")); ok {
		return ledger.Result(code)
	}
	return ledger.Result(strings.TrimSpace(s))
}

// doAction runs one workflow action on a problem: the caller may take it
// (capability, level, not accepting their own submission), then the store
// does it in one transaction.
func (s *Server) doAction(r *http.Request, key string, body func(v *apperr.Validation, now time.Time) error,
	run func(lc *ledgerCaller, id int64) (*ledger.Problem, error)) (*ledger.Problem, *ledgerCaller, error) {
	a := actionOf(key)
	lc, p, err := s.problemOf(r, a.Cap)
	if err != nil {
		return nil, nil, err
	}
	if err := lc.may(a, p); err != nil {
		return nil, nil, err
	}
	var v apperr.Validation
	if err := body(&v, s.DB.Clock.Now()); err != nil {
		return nil, nil, err
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	p, err = run(lc, p.ID)
	return p, lc, err
}

// apiAction answers an action endpoint: decode the JSON body into in, turn
// it into the ledger's input, run it.
func apiAction[In any](key string, run func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *In) (*ledger.Problem, error)) func(s *Server, w http.ResponseWriter, r *http.Request) error {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		var in In
		p, lc, err := s.doAction(r, key, func(v *apperr.Validation, now time.Time) error {
			if err := readJSON(w, r, &in); err != nil {
				return err
			}
			if d, ok := any(&in).(dated); ok {
				d.dates(v, now)
			}
			return nil
		}, func(lc *ledgerCaller, id int64) (*ledger.Problem, error) { return run(s, r, lc, id, &in) })
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, viewProblem(p, s.DB.Clock.Now(), lc))
		return nil
	}
}

var (
	apiVerify = apiAction("verify", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *verifyInput) (*ledger.Problem, error) {
		return s.DB.VerifyProblem(r.Context(), lc.Scope, id, ledger.Verification{Findings: in.Findings, Description: in.Description,
			Dimension: in.Dimension, HouseholdID: in.HouseholdID}, lc.Actor)
	})
	apiDecide = apiAction("decide", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *decideInput) (*ledger.Problem, error) {
		return s.DB.DecideProblem(r.Context(), lc.Scope, id, ledger.Decision{Forward: in.Forward, Opinion: in.Opinion,
			Department: in.Department, Explanation: in.Explanation}, lc.Actor)
	})
	apiProgress = apiAction("progress", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *progressInput) (*ledger.Problem, error) {
		return s.DB.AddProgress(r.Context(), lc.Scope, id, ledger.ProgressEntry{Date: in.date, Text: in.Text}, lc.Actor)
	})
	apiPlan = apiAction("plan", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *planInput) (*ledger.Problem, error) {
		return s.DB.PlanProblem(r.Context(), lc.Scope, id, ledger.RectificationPlan{Severity: severityOf(in.Severity), TaskForce: in.TaskForce,
			LeadUnit: in.LeadUnit, SupportingUnits: in.SupportingUnits, Owner: in.Owner, Measures: in.Measures, Deadline: in.deadline}, lc.Actor)
	})
	apiExtend = apiAction("extend", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *extendInput) (*ledger.Problem, error) {
		return s.DB.ExtendProblem(r.Context(), lc.Scope, id, ledger.Extension{Leader: in.Leader, DecidedOn: in.decidedOn, Reason: in.Reason,
			NewDeadline: in.newDeadline, Plan: in.Plan}, lc.Actor)
	})
	apiReject = apiAction("reject", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *reviewInput) (*ledger.Problem, error) {
		return s.DB.RejectProblem(r.Context(), lc.Scope, id, ledger.Review{Opinion: in.Opinion, NewLimit: in.newLimit}, lc.Actor)
	})
	apiReopen = apiAction("reopen", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *reopenInput) (*ledger.Problem, error) {
		return s.DB.ReopenProblem(r.Context(), lc.Scope, id, ledger.Reopening{Reason: in.Reason, Severity: severityOf(in.Severity),
			Measures: in.Measures, Deadline: in.deadline}, lc.Actor)
	})
	apiSubmit = apiAction("submit", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *submitInput) (*ledger.Problem, error) {
		return s.DB.SubmitProblem(r.Context(), lc.Scope, id, ledger.Submission{Summary: in.Summary, Result: resultOf(in.Result),
			Evidence: in.Evidence}, lc.Actor)
	})
	apiAccept = apiAction("accept", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *reviewInput) (*ledger.Problem, error) {
		return s.DB.AcceptProblem(r.Context(), lc.Scope, id, ledger.Review{Opinion: in.Opinion}, lc.Actor)
	})
	apiResult = apiAction("result", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *resultInput) (*ledger.Problem, error) {
		return s.DB.SetProblemResult(r.Context(), lc.Scope, id, resultOf(in.Result), lc.Actor)
	})
	apiRemarks = apiAction("remarks", func(s *Server, r *http.Request, lc *ledgerCaller, id int64, in *remarksInput) (*ledger.Problem, error) {
		return s.DB.SetProblemRemarks(r.Context(), lc.Scope, id, in.Remarks, lc.Actor)
	})
)

// maxUpload bounds an evidence upload's request body (the file and the form).
const maxUpload = store.MaxEvidenceBytes + 1<<20

// readUpload reads the file of a multipart form field "file", or a raw body
// named by ?name=.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (name string, data []byte, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apperr.Error{Code: apperr.TooLarge, Message: fmt.Sprintf("上传的文件超过%dMB上限", limit>>20)}
		}
		return apperr.Field("file", "文件", "上传不完整，请重试")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		f, h, err := r.FormFile("file")
		if err != nil {
			if errors.Is(err, http.ErrMissingFile) {
				return "", nil, apperr.Field("file", "文件", "请选择文件")
			}
			return "", nil, tooLarge(err)
		}
		defer f.Close()
		data, err = io.ReadAll(f)
		if err != nil {
			return "", nil, tooLarge(err)
		}
		return h.Filename, data, nil
	}
	data, err = io.ReadAll(r.Body)
	if err != nil {
		return "", nil, tooLarge(err)
	}
	return r.URL.Query().Get("name"), data, nil
}

// uploader is the caller of an evidence upload and the problem's id.
func (s *Server) uploader(r *http.Request) (*ledgerCaller, int64, error) {
	a := actionOf("evidence")
	lc, err := s.caller(r, a.Cap)
	if err != nil {
		return nil, 0, err
	}
	if err := lc.may(a, nil); err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, "id")
	return lc, id, err
}

func (s *Server) apiUploadEvidence(w http.ResponseWriter, r *http.Request) error {
	lc, id, err := s.uploader(r)
	if err != nil {
		return err
	}
	name, data, err := readUpload(w, r, maxUpload)
	if err != nil {
		return err
	}
	f, err := s.DB.AddEvidenceFile(r.Context(), lc.Scope, id, name, data, lc.Actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

// contentDisposition names a download safely: an ASCII fallback and the
// UTF-8 name (RFC 6266/5987), no quotes or line breaks from the name.
func contentDisposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, url.PathEscape(name))
}

// apiEvidence serves a stored file: its type as detected on upload, photos
// inline and documents as attachments, under a policy that runs nothing.
func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.caller(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	f, data, err := s.DB.EvidenceData(r.Context(), lc.Scope, r.PathValue("key"))
	if err != nil {
		return err
	}
	kind := "attachment"
	if f.Kind == ledger.EvidencePhoto && f.ContentType != "image/heic" {
		kind = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", contentDisposition(kind, f.Name))
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+f.SHA256+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.SHA256+`"` {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	w.Write(data)
	return nil
}

func (s *Server) apiAccountability(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.filterOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	items, total, err := s.DB.AccountabilityList(r.Context(), lc.Scope, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "limit": f.Limit, "offset": f.Offset})
	return nil
}

// bulletinFilter reads ?region=&task_force=&lead_unit=&week=2024-07-22
// (any day of the week).
func (s *Server) bulletinFilter(r *http.Request) (store.BulletinFilter, error) {
	q := r.URL.Query()
	f := store.BulletinFilter{Region: q.Get("region"), TaskForce: q.Get("task_force"), LeadUnit: q.Get("lead_unit")}
	if wk := q.Get("week"); wk != "" {
		var v apperr.Validation
		d := dateField(&v, "week", wk, s.DB.Clock.Now())
		if err := v.Err(); err != nil {
			return f, apperr.Field("week", "周", "应为该周中的任一日期，如2024-07-22")
		}
		f.Week = ledger.WeekOf(d)
	}
	return f, nil
}

// bulletinOf builds the bulletin a request asks for, with its caller and
// filter.
func (s *Server) bulletinOf(r *http.Request) (*ledgerCaller, store.BulletinFilter, ledger.Bulletin, error) {
	lc, err := s.caller(r, auth.CapViewReports)
	if err != nil {
		return nil, store.BulletinFilter{}, ledger.Bulletin{}, err
	}
	f, err := s.bulletinFilter(r)
	if err != nil {
		return lc, f, ledger.Bulletin{}, err
	}
	b, err := s.DB.Bulletin(r.Context(), lc.Scope, f)
	return lc, f, b, err
}

func (s *Server) apiBulletin(w http.ResponseWriter, r *http.Request) error {
	_, _, b, err := s.bulletinOf(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

// unitName names the region a ledger or bulletin is for: the filter's
// region, else the scope's, else the county of the problems.
func (s *Server) unitName(r *http.Request, lc *ledgerCaller, code string) string {
	if code == "" && lc.Scope.Region != "*" {
		code = lc.Scope.Region
	}
	if code == "" {
		return ""
	}
	if c, err := region.Normalize(code); err == nil {
		if reg, err := s.DB.Region(r.Context(), c); err == nil {
			return reg.Name
		}
	}
	return ""
}

func (s *Server) apiBulletinXLSX(w http.ResponseWriter, r *http.Request) error {
	lc, f, b, err := s.bulletinOf(r)
	if err != nil {
		return err
	}
	names, err := s.regionNamesOf(r, overdueRegions(b))
	if err != nil {
		return err
	}
	title := ledgerfile.BulletinTitle(s.unitName(r, lc, f.Region)+f.TaskForce, b.Week)
	var buf bytes.Buffer
	if err := ledgerfile.WriteBulletin(&buf, title, b, names); err != nil {
		return err
	}
	if err := s.recordExport(r, lc, f.Region, "导出"+title); err != nil {
		return err
	}
	writeXLSX(w, title+".xlsx", buf.Bytes())
	return nil
}

func overdueRegions(b ledger.Bulletin) []string {
	out := make([]string, len(b.Overdue))
	for i, o := range b.Overdue {
		out[i] = o.Region
	}
	return out
}

// regionNamesOf names the regions of a page or file, each code once.
func (s *Server) regionNamesOf(r *http.Request, codes []string) (map[string]string, error) {
	return s.DB.RegionNames(r.Context(), codes)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func writeXLSX(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", contentDisposition("attachment", name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// apiExport writes the ledger of a filter in the official template,
// streamed: the header block names the filter's task force and lead unit,
// the caller as 填表人, and today.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.filterOf(r, auth.CapExport)
	if err != nil {
		return err
	}
	return s.exportLedger(w, r, lc, f)
}

func (s *Server) exportLedger(w http.ResponseWriter, r *http.Request, lc *ledgerCaller, f store.ProblemFilter) error {
	now := s.DB.Clock.Now()
	unit := s.unitName(r, lc, f.Region)
	h := ledger.Header{TaskForce: f.TaskForce, LeadUnit: f.LeadUnit, FilledBy: lc.Actor.Name, Date: deadline.Day(now)}
	title := ledger.TemplateTitle(unit, now.In(clock.China).Year())
	// Check the filter, count and record the export before the first byte
	// goes out (the rows the official ledger lists: store.LedgerStates).
	f.Order = ""
	n := int64(0)
	if f.States = store.LedgerStates(f.States); len(f.States) > 0 {
		var err error
		if n, err = s.DB.CountProblems(r.Context(), lc.Scope, f); err != nil {
			return err
		}
	}
	if err := s.recordExport(r, lc, f.Region, fmt.Sprintf("导出问题台账 %d 条%s", n, filterNote(f))); err != nil {
		return err
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", contentDisposition("attachment", fmt.Sprintf("问题排查整改台账-%s%s-%s.xlsx", unit, f.TaskForce, deadline.FormatDate(now))))
	w.Header().Set("Cache-Control", "no-store")
	x, err := ledgerfile.NewExport(w, title, h)
	if err != nil {
		return err
	}
	if len(f.States) > 0 {
		if err := s.DB.EachProblem(r.Context(), lc.Scope, f, x.Add); err != nil {
			s.Log.Error("ledger export failed", "err", err)
			return nil // the response has begun; the client gets a truncated file
		}
	}
	if err := x.Close(); err != nil {
		s.Log.Error("ledger export failed", "err", err)
	}
	return nil
}

// recordExport puts an export in the audit trail, before the file goes out.
func (s *Server) recordExport(r *http.Request, lc *ledgerCaller, code, detail string) error {
	if code == "" && lc.Scope.Region != "*" {
		code = lc.Scope.Region
	}
	if c, err := region.Normalize(code); err == nil {
		code = c
	}
	return s.DB.Record(r.Context(), store.Change{Action: audit.ActExport, Object: "problem", Region: code, Detail: detail})
}

// filterNote names a filter's conditions for the audit trail.
func filterNote(f store.ProblemFilter) string {
	var parts []string
	for _, kv := range [][2]string{{"区划", f.Region}, {"专班", f.TaskForce}, {"牵头单位", f.LeadUnit}, {"类别", f.Dimension}, {"结果", f.Result}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "（" + strings.Join(parts, "，") + "）"
}

// maxLedgerFile bounds an uploaded ledger workbook.
const maxLedgerFile = 20 << 20

// importResult answers a ledger import: what it did, or why the file was
// refused (every row, field and reason).
func (s *Server) importLedger(w http.ResponseWriter, r *http.Request, lc *ledgerCaller) (*store.LedgerImportResult, *ledgerfile.Parsed, error) {
	_, data, err := readUpload(w, r, maxLedgerFile)
	if err != nil {
		return nil, nil, err
	}
	now := s.DB.Clock.Now()
	parsed, err := ledgerfile.Read(bytes.NewReader(data), int64(len(data)), now.In(clock.China).Year())
	if err != nil {
		return nil, nil, err
	}
	if err := parsed.Err(); err != nil {
		return nil, parsed, err
	}
	q := r.URL.Query()
	if r.MultipartForm != nil {
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 && q.Get(k) == "" {
				q.Set(k, v[0])
			}
		}
	}
	in := store.LedgerImport{Header: parsed.Header, Rows: parsed.Rows, DryRun: q.Get("dry_run") == "true" || q.Get("dry_run") == "1",
		New: ledger.ImportContext{Region: q.Get("region"), Dimension: q.Get("dimension"), Source: q.Get("source"), Severity: severityOf(q.Get("severity"))}}
	if in.New.Source != "" {
		if code, ok := ledger.Source.Parse(in.New.Source); ok {
			in.New.Source = code
		}
	}
	if in.New.Dimension != "" {
		if code, ok := ledger.Dimension.Parse(in.New.Dimension); ok {
			in.New.Dimension = code
		}
	}
	res, err := s.DB.ImportLedger(r.Context(), lc.Scope, in, lc.Actor)
	return res, parsed, err
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.caller(r, auth.CapLedgerReport)
	if err != nil {
		return err
	}
	res, parsed, err := s.importLedger(w, r, lc)
	if err != nil {
		if parsed != nil && apperr.Is(err, apperr.Invalid) && r.URL.Query().Get("errors") == "xlsx" {
			var buf bytes.Buffer
			if werr := parsed.WriteErrors(&buf, apperr.FieldsOf(err)); werr != nil {
				return werr
			}
			h := w.Header()
			h.Set("Content-Type", xlsxType)
			h.Set("Content-Disposition", contentDisposition("attachment", "台账导入错误明细.xlsx"))
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write(buf.Bytes())
			return nil
		}
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
