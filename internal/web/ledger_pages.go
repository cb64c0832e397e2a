package web

// The ledger's pages: the list (per region, task force, lead unit,
// dimension, result and time-limit state, with colour marks per stage),
// "my work", reporting a problem, the problem page with the actions the
// account's level may take (progress recorded from a phone), the
// accountability list, the weekly dispatch bulletin, the dossier (一问题一
// 档案) and the import of a ledger in the official template. They call the
// same store functions as the JSON API, with the account's scope.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/ledgerfile"
	"sanbao/internal/policy"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/problems", Cap: auth.CapViewReports, Handle: (*Server).problemList},
		pageRoute{Method: "GET", Path: "/ledger/mine", Cap: auth.CapViewReports, Handle: (*Server).problemMine},
		pageRoute{Method: "GET", Path: "/problems/new", Cap: auth.CapLedgerReport, Handle: (*Server).problemNew},
		pageRoute{Method: "POST", Path: "/problems", Cap: auth.CapLedgerReport, Handle: (*Server).problemCreate},
		pageRoute{Method: "GET", Path: "/problems/{id}", Cap: auth.CapViewReports, Handle: (*Server).problemPage},
		pageRoute{Method: "GET", Path: "/problems/{id}/dossier", Cap: auth.CapViewReports, Handle: (*Server).problemDossier},
		pageRoute{Method: "POST", Path: "/problems/{id}/evidence", Cap: auth.CapLedgerRectify, MaxBody: maxUpload, Handle: (*Server).problemUpload},
		pageRoute{Method: "POST", Path: "/problems/{id}/{action}", Cap: auth.CapViewReports, Handle: (*Server).problemAction},
		pageRoute{Method: "GET", Path: "/ledger/accountability", Cap: auth.CapViewReports, Handle: (*Server).accountabilityPage},
		pageRoute{Method: "GET", Path: "/ledger/bulletin", Cap: auth.CapViewReports, Handle: (*Server).bulletinPage},
		pageRoute{Method: "GET", Path: "/ledger/import", Cap: auth.CapLedgerReport, Handle: (*Server).ledgerImportPage},
		pageRoute{Method: "POST", Path: "/ledger/import", Cap: auth.CapLedgerReport, MaxBody: maxLedgerFile + 1<<20, Handle: (*Server).importPost},
		pageRoute{Method: "GET", Path: "/ledger/import/errors/{token}", Cap: auth.CapLedgerReport, Handle: (*Server).ledgerImportErrors},
	)
	registerNav(
		navItem{Label: "我的待办", Path: "/ledger/mine", Cap: auth.CapViewReports, Order: 30},
		navItem{Label: "问题台账", Path: "/problems", Cap: auth.CapViewReports, Order: 31},
		navItem{Label: "调度通报", Path: "/ledger/bulletin", Cap: auth.CapViewReports, Order: 32},
		navItem{Label: "约谈问责", Path: "/ledger/accountability", Cap: auth.CapViewReports, Order: 33},
	)
	flashes["progress"] = "整改进展已记录"
	flashes["done"] = "已办理"
	flashes["uploaded"] = "材料已上传，提交验收时勾选"
}

// option lists for the pages' selects.
func enumChoices(e *registry.Enum) [][2]string {
	out := make([][2]string, len(e.Values))
	for i, v := range e.Values {
		out[i] = [2]string{v.Code, v.Label}
	}
	return out
}

var (
	stageChoices = [][2]string{
		{policy.Verify1.Key, policy.Verify1.Label}, {policy.Decide3.Key, policy.Decide3.Label}, {policy.Plan5.Key, policy.Plan5.Label},
		{policy.Ordinary7.Key, policy.Ordinary7.Label}, {policy.Major30.Key, policy.Major30.Label},
		{ledger.StageRectifyAgain, "限期整改"}, {policy.Accept7.Key, policy.Accept7.Label},
	}
	dueChoices = [][2]string{{string(deadline.Overdue), "已逾期"}, {string(deadline.DueSoon), "24小时内到期"}, {string(deadline.Pending), "未到期"}}
)

// ledgerRow is one line of a list page.
type ledgerRow struct {
	P     *ledger.Problem
	Place string
	Mark  *deadline.Mark // the open stage, nil when none
	Class string         // of the row: overdue, due-soon or ""
}

// placeNames names the regions of a page's problems, each once.
func (s *Server) placeNames(r *http.Request, ps []*ledger.Problem) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		if _, ok := out[p.Region]; !ok {
			out[p.Region] = s.regionLabel(r, p.Region)
		}
	}
	return out
}

func (s *Server) rowsOf(r *http.Request, ps []*ledger.Problem, now time.Time) []ledgerRow {
	names := s.placeNames(r, ps)
	rows := make([]ledgerRow, len(ps))
	for i, p := range ps {
		rows[i] = ledgerRow{P: p, Place: names[p.Region]}
		if c := p.Current(); c != nil {
			m := c.Mark(now)
			rows[i].Mark = &m
			if m.State == deadline.Overdue || m.State == deadline.DueSoon {
				rows[i].Class = m.Class
			}
		}
	}
	return rows
}

// listData is what the list pages show.
type listData struct {
	Heading string
	Mine    bool
	Rows    []ledgerRow
	Page    *store.ProblemPage
	filterChoices
	Overdue int64 // of the filter, whatever its own time-limit condition
	DueSoon int64
	Query   string // the filter as a query string, for the export link
}

// ledgerRegions lists the regions a form may place a problem in below an
// account's region: its children, and for a county the villages of each
// township ("township / village").
func (s *Server) ledgerRegions(ctx context.Context, root string) ([][2]string, error) {
	if len(root) != 12 || region.LevelOf(root) >= region.Village {
		return nil, nil
	}
	kids, err := s.DB.Children(ctx, root)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, k := range kids {
		out = append(out, [2]string{k.Code, k.Name})
		if k.Level == region.Township && region.LevelOf(root) == region.Township-1 {
			vs, err := s.DB.Children(ctx, k.Code)
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				out = append(out, [2]string{v.Code, k.Name + " / " + v.Name})
			}
		}
	}
	return out, nil
}

// filterChoices are the options of the region (drilling down one level at
// a time, as the registry's filters do), task force and lead unit filters
// of a page.
type filterChoices struct {
	Regions    regionFilter
	TaskForces [][2]string
	LeadUnits  [][2]string
}

// regionFilter is what the "regionOptions" partial shows.
type regionFilter struct {
	Selected string
	Groups   []regionGroup
}

func (s *Server) filterChoices(r *http.Request, lc *ledgerCaller) (filterChoices, error) {
	var c filterChoices
	sel := r.URL.Query().Get("region")
	if code, err := region.Normalize(sel); err == nil {
		sel = code
	}
	groups, err := s.regionChoices(r.Context(), identityOf(r).Account.RegionCode, sel)
	if err != nil {
		return c, err
	}
	tfs, lus, err := s.DB.LedgerNames(r.Context(), lc.Scope)
	if err != nil {
		return c, err
	}
	return filterChoices{Regions: regionFilter{Selected: sel, Groups: groups}, TaskForces: pairs(tfs), LeadUnits: pairs(lus)}, nil
}

// ownRegions are the regions a form may place something in: the account's
// own and those below it.
func (s *Server) ownRegions(r *http.Request) ([][2]string, error) {
	me := identityOf(r)
	regs, err := s.ledgerRegions(r.Context(), me.Account.RegionCode)
	if err != nil {
		return nil, err
	}
	return append([][2]string{{me.Account.RegionCode, s.regionLabel(r, me.Account.RegionCode)}}, regs...), nil
}

func pairs(names []string) [][2]string {
	out := make([][2]string, len(names))
	for i, n := range names {
		out[i] = [2]string{n, n}
	}
	return out
}

func (s *Server) problemList(w http.ResponseWriter, r *http.Request) error {
	return s.listPage(w, r, false)
}

func (s *Server) problemMine(w http.ResponseWriter, r *http.Request) error {
	return s.listPage(w, r, true)
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request, mine bool) error {
	lc, err := s.caller(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if mine {
		q.Set("mine", "1")
		r.URL.RawQuery = q.Encode()
	}
	f, err := s.problemFilter(r, lc)
	if err != nil {
		return err
	}
	f.Limit = 30
	d := listData{Heading: "问题台账", Mine: mine}
	if mine {
		d.Heading = "我的待办"
	}
	v := &view{Title: d.Heading, Data: &d, Form: newForm(r.URL.Query())}
	page, err := s.DB.ListProblems(r.Context(), lc.Scope, f)
	if apperr.Is(err, apperr.Invalid) {
		v.Form = formOf(r.URL.Query(), err, "region", "dimension", "result", "state", "stage", "due", "order", "number")
		page, err = &store.ProblemPage{Items: []*ledger.Problem{}, Limit: f.Limit, Now: s.DB.Clock.Now()}, nil
	}
	if err != nil {
		return err
	}
	d.Page = page
	d.Rows = s.rowsOf(r, page.Items, page.Now)
	if v.Form.Message == "" && len(v.Form.Errors) == 0 {
		for _, c := range []struct {
			st  deadline.State
			dst *int64
		}{{deadline.Overdue, &d.Overdue}, {deadline.DueSoon, &d.DueSoon}} {
			cf := f
			cf.Due, cf.Order = c.st, ""
			if *c.dst, err = s.DB.CountProblems(r.Context(), lc.Scope, cf); err != nil {
				return err
			}
		}
	}
	if d.filterChoices, err = s.filterChoices(r, lc); err != nil {
		return err
	}
	eq := r.URL.Query()
	eq.Del("offset")
	eq.Del("order")
	d.Query = eq.Encode()
	return s.render(w, r, http.StatusOK, "ledger/list", v)
}

// newData is what the form of a new problem offers.
type newData struct {
	Regions [][2]string
}

func (s *Server) problemNew(w http.ResponseWriter, r *http.Request) error {
	return s.newPage(w, r, http.StatusOK, newForm(url.Values{"source": {ledger.SourceVisit}}))
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	var d newData
	var err error
	if d.Regions, err = s.ownRegions(r); err != nil {
		return err
	}
	return s.render(w, r, status, "ledger/new", &view{Title: "登记问题", Data: &d, Form: f})
}

var problemFormLabels = map[string]string{
	"description": "具体问题", "dimension": "问题类别", "region": "所在区划", "household": "户编号", "source": "问题来源",
	"severity": "问题性质", "remarks": "备注", "findings": "核查情况", "opinion": "意见", "department": "县行业主管部门",
	"explanation": "说服劝导情况", "task_force": "专班", "lead_unit": "牵头单位", "supporting_units": "配合单位",
	"owner": "责任人", "measures": "整改措施", "deadline": "整改时限", "date": "日期", "text": "整改进展", "leader": "县级领导",
	"decided_on": "集体研究日期", "reason": "理由", "new_deadline": "新的整改时限", "plan": "时间节点和方案",
	"summary": "整改情况", "result": "整改结果", "new_limit": "限期整改时限", "evidence_text": "文字说明",
}

func (s *Server) problemCreate(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.caller(r, auth.CapLedgerReport)
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, problemFormLabels)
	if err != nil {
		return s.newPage(w, r, http.StatusUnprocessableEntity, formOf(vals, err))
	}
	in := problemInput{Description: vals.Get("description"), Dimension: vals.Get("dimension"), Region: vals.Get("region"),
		Source: vals.Get("source"), Severity: vals.Get("severity"), Remarks: vals.Get("remarks")}
	if n := strings.TrimSpace(vals.Get("household")); n != "" {
		h, err := s.householdByNumber(r.Context(), lc.Scope, n)
		if err != nil {
			return s.newPage(w, r, http.StatusUnprocessableEntity, formOf(vals, err))
		}
		in.HouseholdID = h.ID
	}
	p, err := s.DB.CreateProblem(r.Context(), lc.Scope, in.draft(), lc.Actor)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		f := formOf(vals, err)
		if f.Errors["household_id"] != "" {
			f.Errors["household"] = f.Errors["household_id"]
		}
		return s.newPage(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/problems/"+itoa(p.ID)+"?ok=created", http.StatusSeeOther)
	return nil
}

// householdByNumber finds a household by its number inside the scope.
func (s *Server) householdByNumber(ctx context.Context, sc store.Scope, number string) (*registry.Household, error) {
	page, err := s.DB.ListHouseholds(ctx, sc, store.HouseholdFilter{Q: number, Limit: 20, NoTotal: true})
	if err != nil {
		return nil, err
	}
	for _, h := range page.Items {
		if h.Number == number {
			return h, nil
		}
	}
	return nil, apperr.Field("household", "户编号", "没有户编号为%s的农户（或不在您的管辖范围内）", number)
}

// problemData is what the problem page and the dossier show.
type problemData struct {
	P         *ledger.Problem
	Place     string
	Household *registry.Household
	Now       time.Time
	Status    deadline.State
	Current   *deadline.Mark
	Marks     []deadline.Mark
	History   []historyLine
	Files     []store.EvidenceFile // uploaded, not yet submitted
	Can       map[string]bool      // actions the account may take now
	Open      string               // the action whose form is shown again with its problems
	Vals      url.Values
	Errs      map[string]string
	Message   string
	Today     string
	Labels    map[string]string // field labels of the event data
	SignOffs  []signOff
}

// V is the value of a field of the form of action, as typed.
func (d *problemData) V(action, field string) string {
	if d.Open != action {
		return ""
	}
	return d.Vals.Get(field)
}

// E is the problem of a field of the form of action.
func (d *problemData) E(action, field string) string {
	if d.Open != action {
		return ""
	}
	return d.Errs[field]
}

// historyLine is one event as the page prints it.
type historyLine struct {
	E    ledger.Event
	Text string // ledger.Describe
}

// signOff is a step of the dossier with who signed it.
type signOff struct {
	Step, Who, Unit, At, Note string
}

// signOffs picks the steps that carry a signature: the report, the
// verification, the township's opinion, the plan, each submission and
// verdict, each extension, each reopening.
func signOffs(p *ledger.Problem) []signOff {
	var out []signOff
	for _, e := range p.History {
		switch e.Kind {
		case ledger.EventReported, ledger.EventImported, ledger.EventVerified, ledger.EventForwarded, ledger.EventDismissed,
			ledger.EventPlanned, ledger.EventExtended, ledger.EventSubmitted, ledger.EventAccepted, ledger.EventRejected, ledger.EventReopened:
			t := e.At.In(clock.China)
			note := e.Data["opinion"]
			if note == "" {
				note = e.Data["findings"] + e.Data["reason"] + e.Data["summary"]
			}
			out = append(out, signOff{Step: e.Kind.Label(), Who: e.Actor.Name, Unit: strings.TrimSpace(e.Actor.Unit + " " + e.Actor.Role),
				At: t.Format("2006-01-02 15:04"), Note: note})
		}
	}
	return out
}

func (s *Server) problemData(r *http.Request, lc *ledgerCaller, p *ledger.Problem) (*problemData, error) {
	now := s.DB.Clock.Now()
	d := &problemData{P: p, Place: s.regionLabel(r, p.Region), Now: now, Status: p.Status(now), Marks: p.Marks(now),
		Can: map[string]bool{}, Today: deadline.FormatDate(now), SignOffs: signOffs(p)}
	if c := p.Current(); c != nil {
		m := c.Mark(now)
		d.Current = &m
	}
	for _, a := range lc.actions(p) {
		d.Can[a] = true
	}
	for _, e := range p.History {
		d.History = append(d.History, historyLine{E: e, Text: ledger.Describe(e)})
	}
	if p.HouseholdID > 0 && identityOf(r).Can(auth.CapViewRegistry) {
		if h, err := s.DB.Household(r.Context(), lc.Scope, p.HouseholdID); err == nil {
			maskHousehold(identityOf(r), h)
			d.Household = h
		}
	}
	files, err := s.DB.EvidenceFiles(r.Context(), lc.Scope, p.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if !f.Submitted {
			d.Files = append(d.Files, f)
		}
	}
	return d, nil
}

func (s *Server) problemPage(w http.ResponseWriter, r *http.Request) error {
	return s.showProblem(w, r, http.StatusOK, "", nil, nil)
}

// showProblem renders the problem page; with open set, that action's form
// is shown again with vals and the problems of err.
func (s *Server) showProblem(w http.ResponseWriter, r *http.Request, status int, open string, vals url.Values, err error) error {
	lc, p, cerr := s.problemOf(r, auth.CapViewReports)
	if cerr != nil {
		return cerr
	}
	d, cerr := s.problemData(r, lc, p)
	if cerr != nil {
		return cerr
	}
	if open != "" {
		f := formOf(vals, err)
		d.Open, d.Vals, d.Errs, d.Message = open, vals, f.Errors, f.Message
	}
	return s.render(w, r, status, "ledger/problem", &view{Title: p.Number, Data: d})
}

func (s *Server) problemDossier(w http.ResponseWriter, r *http.Request) error {
	lc, p, err := s.problemOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	d, err := s.problemData(r, lc, p)
	if err != nil {
		return err
	}
	files, err := s.DB.EvidenceFiles(r.Context(), lc.Scope, p.ID)
	if err != nil {
		return err
	}
	d.Files = files
	return s.render(w, r, http.StatusOK, "ledger/dossier", &view{Title: "一问题一档案 " + p.Number, Data: d})
}

// formDate reads a date field of a form (2024-08-15 from a date input, or
// as officials write it).
func formDate(v *apperr.Validation, vals url.Values, field string, now time.Time) time.Time {
	return dateField(v, field, vals.Get(field), now)
}

// problemAction runs one workflow action posted from the problem page. A
// refused action shows the page again with that form, what was typed and
// the problems next to the fields.
func (s *Server) problemAction(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("action")
	a := actionOf(key)
	if a == nil || key == "evidence" {
		return apperr.New(apperr.NotFound, "页面不存在")
	}
	vals, err := s.readForm(r, problemFormLabels)
	if err != nil {
		return s.showProblem(w, r, http.StatusUnprocessableEntity, key, vals, err)
	}
	var in any
	p, _, err := s.doAction(r, key, func(v *apperr.Validation, now time.Time) error {
		switch key {
		case "verify":
			in = ledger.Verification{Findings: vals.Get("findings")}
		case "decide":
			in = ledger.Decision{Forward: vals.Get("forward") == "1", Opinion: vals.Get("opinion"), Department: vals.Get("department"),
				Explanation: vals.Get("explanation")}
		case "plan":
			in = ledger.RectificationPlan{Severity: severityOf(vals.Get("severity")), TaskForce: vals.Get("task_force"),
				LeadUnit: vals.Get("lead_unit"), SupportingUnits: []string{vals.Get("supporting_units")}, Owner: vals.Get("owner"),
				Measures: vals.Get("measures"), Deadline: formDate(v, vals, "deadline", now)}
		case "progress":
			in = ledger.ProgressEntry{Date: formDate(v, vals, "date", now), Text: vals.Get("text")}
		case "extend":
			in = ledger.Extension{Leader: vals.Get("leader"), DecidedOn: formDate(v, vals, "decided_on", now), Reason: vals.Get("reason"),
				NewDeadline: formDate(v, vals, "new_deadline", now), Plan: vals.Get("plan")}
		case "submit":
			sub := ledger.Submission{Summary: vals.Get("summary"), Result: resultOf(vals.Get("result"))}
			for _, k := range vals["file"] {
				sub.Evidence = append(sub.Evidence, ledger.Evidence{Key: k}) // kind and name from the stored file
			}
			if t := strings.TrimSpace(vals.Get("evidence_text")); t != "" {
				sub.Evidence = append(sub.Evidence, ledger.Evidence{Kind: ledger.EvidenceText, Text: t})
			}
			in = sub
		case "accept":
			in = ledger.Review{Opinion: vals.Get("opinion")}
		case "reject":
			in = ledger.Review{Opinion: vals.Get("opinion"), NewLimit: formDate(v, vals, "new_limit", now)}
		case "reopen":
			in = ledger.Reopening{Reason: vals.Get("reason"), Severity: severityOf(vals.Get("severity")), Deadline: formDate(v, vals, "deadline", now)}
		case "result":
			in = resultOf(vals.Get("result"))
		case "remarks":
			in = vals.Get("remarks")
		}
		return nil
	}, func(lc *ledgerCaller, id int64) (*ledger.Problem, error) {
		ctx, sc, by := r.Context(), lc.Scope, lc.Actor
		switch x := in.(type) {
		case ledger.Verification:
			return s.DB.VerifyProblem(ctx, sc, id, x, by)
		case ledger.Decision:
			return s.DB.DecideProblem(ctx, sc, id, x, by)
		case ledger.RectificationPlan:
			return s.DB.PlanProblem(ctx, sc, id, x, by)
		case ledger.ProgressEntry:
			return s.DB.AddProgress(ctx, sc, id, x, by)
		case ledger.Extension:
			return s.DB.ExtendProblem(ctx, sc, id, x, by)
		case ledger.Submission:
			return s.DB.SubmitProblem(ctx, sc, id, x, by)
		case ledger.Review:
			if key == "accept" {
				return s.DB.AcceptProblem(ctx, sc, id, x, by)
			}
			return s.DB.RejectProblem(ctx, sc, id, x, by)
		case ledger.Reopening:
			return s.DB.ReopenProblem(ctx, sc, id, x, by)
		case ledger.Result:
			return s.DB.SetProblemResult(ctx, sc, id, x, by)
		case string:
			return s.DB.SetProblemRemarks(ctx, sc, id, x, by)
		}
		return nil, apperr.New(apperr.NotFound, "页面不存在")
	})
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.showProblem(w, r, http.StatusUnprocessableEntity, key, vals, err)
	}
	if err != nil {
		return err
	}
	ok := "done"
	if key == "progress" {
		ok = "progress"
	}
	http.Redirect(w, r, "/problems/"+itoa(p.ID)+"?ok="+ok, http.StatusSeeOther)
	return nil
}

// problemUpload stores a photo or file from the problem page (a phone's
// camera), to be chosen when submitting.
func (s *Server) problemUpload(w http.ResponseWriter, r *http.Request) error {
	lc, id, err := s.uploader(r)
	if err != nil {
		return err
	}
	var name string
	var data []byte
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh := r.MultipartForm.File["file"][0]
		f, ferr := fh.Open()
		if ferr != nil {
			return apperr.Field("file", "文件", "上传不完整，请重试")
		}
		var buf bytes.Buffer
		_, ferr = buf.ReadFrom(f)
		f.Close()
		if ferr != nil {
			return apperr.Field("file", "文件", "上传不完整，请重试")
		}
		name, data = fh.Filename, buf.Bytes()
	}
	if data == nil {
		return s.showProblem(w, r, http.StatusUnprocessableEntity, "evidence", url.Values{},
			apperr.Field("file", "文件", "请选择照片或文件"))
	}
	if _, err := s.DB.AddEvidenceFile(r.Context(), lc.Scope, id, name, data, lc.Actor); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.TooLarge) || apperr.Is(err, apperr.Conflict) {
			return s.showProblem(w, r, http.StatusUnprocessableEntity, "evidence", url.Values{}, err)
		}
		return err
	}
	http.Redirect(w, r, "/problems/"+itoa(id)+"?ok=uploaded#submit", http.StatusSeeOther)
	return nil
}

// accountabilityData is what the accountability list shows.
type accountabilityData struct {
	Entries []accountabilityLine
	Total   int64
	Offset  int
	Limit   int
	filterChoices
}

type accountabilityLine struct {
	store.AccountabilityEntry
	Place string
	Label string // of the flag's code
}

var flagLabels = map[string]string{
	ledger.FlagStageMissed: "未按时限办理", ledger.FlagAcceptanceMissed: "限期未完成验收", ledger.FlagRejectedTwice: "限期整改仍不合格",
}

func (s *Server) accountabilityPage(w http.ResponseWriter, r *http.Request) error {
	lc, f, err := s.filterOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	f.Limit = 30
	entries, total, err := s.DB.AccountabilityList(r.Context(), lc.Scope, f)
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return err
	}
	d := &accountabilityData{Total: total, Offset: f.Offset, Limit: f.Limit}
	v := &view{Title: "约谈问责名单", Data: d, Form: formOf(r.URL.Query(), err, "region")}
	for _, e := range entries {
		d.Entries = append(d.Entries, accountabilityLine{AccountabilityEntry: e, Place: s.regionLabel(r, e.Region), Label: flagLabels[e.Code]})
	}
	if d.filterChoices, err = s.filterChoices(r, lc); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "ledger/accountability", v)
}

// bulletinData is what the bulletin page shows.
type bulletinData struct {
	B          ledger.Bulletin
	Title      string
	AsOf       string
	Names      map[string]string
	Prev, Next string // the weeks around, as dates
	Query      string // the filter, for the XLSX link
	filterChoices
	Source policy.Source
}

func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request) error {
	lc, f, b, err := s.bulletinOf(r)
	if lc == nil || (err != nil && !apperr.Is(err, apperr.Invalid)) {
		return err
	}
	form := formOf(r.URL.Query(), err, "region")
	if err != nil {
		b = ledger.WeeklyBulletin(ledger.WeekOf(s.DB.Clock.Now()), s.DB.Clock.Now(), nil)
	}
	names, err := s.regionNamesOf(r, overdueRegions(b))
	if err != nil {
		return err
	}
	for code := range names {
		names[code] = s.regionLabel(r, code)
	}
	d := &bulletinData{B: b, Title: ledgerfile.BulletinTitle(s.unitName(r, lc, f.Region)+f.TaskForce, b.Week), AsOf: ledgerfile.AsOf(b),
		Names: names, Prev: deadline.FormatDate(b.Week.Start.AddDate(0, 0, -7)), Next: deadline.FormatDate(b.Week.Start.AddDate(0, 0, 7)),
		Source: policy.WeeklyDispatch}
	q := r.URL.Query()
	q.Set("week", deadline.FormatDate(b.Week.Start))
	d.Query = q.Encode()
	if d.filterChoices, err = s.filterChoices(r, lc); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "ledger/bulletin", &view{Title: "每周调度通报", Data: d, Form: form})
}

// importData is what the import page shows.
type importData struct {
	Regions [][2]string
	Result  *store.LedgerImportResult
	Errors  []apperr.FieldError
	More    int    // errors not listed
	Token   string // of the error workbook, when refused
}

func (s *Server) ledgerImportPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderImport(w, r, http.StatusOK, &importData{}, newForm(nil))
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, d *importData, f *form) error {
	var err error
	if d.Regions, err = s.ownRegions(r); err != nil {
		return err
	}
	return s.render(w, r, status, "ledger/import", &view{Title: "导入问题台账", Data: d, Form: f})
}

// maxListedErrors bounds the problems the import page lists; the error
// workbook has them all.
const maxListedErrors = 100

func (s *Server) importPost(w http.ResponseWriter, r *http.Request) error {
	lc, err := s.caller(r, auth.CapLedgerReport)
	if err != nil {
		return err
	}
	vals := r.PostForm
	res, parsed, err := s.importLedger(w, r, lc)
	d := &importData{Result: res}
	if apperr.Is(err, apperr.Invalid) && parsed != nil {
		fs := apperr.FieldsOf(err)
		d.Errors = fs
		if len(fs) > maxListedErrors {
			d.Errors, d.More = fs[:maxListedErrors], len(fs)-maxListedErrors
		}
		var buf bytes.Buffer
		if werr := parsed.WriteErrors(&buf, fs); werr != nil {
			return werr
		}
		d.Token = errorBooks.put(identityOf(r).Account.ID, buf.Bytes())
		return s.renderImport(w, r, http.StatusUnprocessableEntity, d, newForm(vals))
	}
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.TooLarge) {
		return s.renderImport(w, r, http.StatusUnprocessableEntity, d, formOf(vals, err, "file", "region", "dimension"))
	}
	if err != nil {
		return err
	}
	return s.renderImport(w, r, http.StatusOK, d, newForm(vals))
}

func (s *Server) ledgerImportErrors(w http.ResponseWriter, r *http.Request) error {
	data := errorBooks.get(identityOf(r).Account.ID, r.PathValue("token"))
	if data == nil {
		return apperr.New(apperr.NotFound, "错误明细已过期，请重新导入一次")
	}
	writeXLSX(w, "台账导入错误明细.xlsx", data)
	return nil
}

// errorBooks keeps the error workbooks of refused imports for a while, for
// the account that imported: the page links to it.
var errorBooks = &bookCache{m: map[string]book{}}

type book struct {
	account int64
	data    []byte
	until   time.Time
}

type bookCache struct {
	mu sync.Mutex
	m  map[string]book
}

const (
	bookTTL   = 30 * time.Minute
	bookLimit = 32
)

func (c *bookCache) put(account int64, data []byte) string {
	var b [12]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for k, v := range c.m {
		if now.After(v.until) {
			delete(c.m, k)
		}
	}
	for len(c.m) >= bookLimit {
		var oldest string
		for k, v := range c.m {
			if oldest == "" || v.until.Before(c.m[oldest].until) {
				oldest = k
			}
		}
		delete(c.m, oldest)
	}
	c.m[tok] = book{account: account, data: data, until: now.Add(bookTTL)}
	return tok
}

func (c *bookCache) get(account int64, tok string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[tok]
	if !ok || b.account != account || time.Now().After(b.until) {
		return nil
	}
	return b.data
}

// ledgerLabel is the label of a ledger enum code for the templates.
func ledgerLabel(enum, code string) string {
	switch enum {
	case "dimension":
		return labelOr(ledger.Dimension.LabelOf(code), code)
	case "source":
		return labelOr(ledger.Source.LabelOf(code), code)
	case "severity":
		return labelOr(ledger.SeverityEnum.LabelOf(code), code)
	case "result":
		return labelOr(ledger.ResultEnum.LabelOf(code), code)
	case "state":
		return labelOr(ledger.StateEnum.LabelOf(code), code)
	case "evidence":
		return labelOr(ledger.EvidenceKind.LabelOf(code), code)
	case "level":
		return labelOr(ledger.Level(code).Label(), code)
	}
	return code
}

func labelOr(label, code string) string {
	if label != "" {
		return label
	}
	return code
}

func init() {
	templateFuncs["ledgerLabel"] = ledgerLabel
	templateFuncs["dueText"] = deadline.FormatDue
	templateFuncs["dateCN"] = deadline.FormatDateCN
	templateFuncs["kb"] = func(n int64) string {
		if n >= 1<<20 {
			return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
		}
		return strconv.FormatInt((n+1023)/1024, 10) + " KB"
	}
	templateFuncs["stageChoices"] = func() [][2]string { return stageChoices }
	templateFuncs["dueChoices"] = func() [][2]string { return dueChoices }
	templateFuncs["ledgerChoices"] = func(name string) [][2]string {
		switch name {
		case "dimension":
			return enumChoices(ledger.Dimension)
		case "source":
			return enumChoices(ledger.Source)
		case "severity":
			return enumChoices(ledger.SeverityEnum)
		case "result":
			return enumChoices(ledger.ResultEnum)
		case "state":
			return enumChoices(ledger.StateEnum)
		}
		return nil
	}
	templateFuncs["fillingNotes"] = func() []string { return ledger.FillingNoteItems }
	// dict makes the argument of a partial: (dict "Name" "text" "Rows" 4).
	templateFuncs["dict"] = func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			if k, ok := kv[i].(string); ok {
				m[k] = kv[i+1]
			}
		}
		return m
	}
}
