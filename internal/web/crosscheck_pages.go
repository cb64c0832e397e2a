package web

import (
	"net/http"
	"net/url"
	"strconv"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/store"
)

// The department cross-check's pages: the department's upload page with
// the result of each upload and the statistics of every round; the
// village's alert inbox with the verification deadline of each alert and
// the verify form (a phone is enough); and the department's feedback view
// (the same list, its own alerts, with the village's answers).

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/roster", Cap: auth.CapUploadRoster, Handle: (*Server).rosterPage},
		pageRoute{Method: "POST", Path: "/roster", Cap: auth.CapUploadRoster, MaxBody: maxRosterUpload, Handle: (*Server).rosterPost},
		pageRoute{Method: "GET", Path: "/roster/template", Cap: auth.CapUploadRoster, Handle: (*Server).rosterTemplatePage},
		pageRoute{Method: "GET", Path: "/roster/uploads/{id}", Cap: auth.CapUploadRoster, Handle: (*Server).rosterUploadPage},
		pageRoute{Method: "GET", Path: "/roster/uploads/{id}/errors", Cap: auth.CapUploadRoster, Handle: (*Server).rosterErrorsPage},
		pageRoute{Method: "GET", Path: "/alerts", Cap: auth.CapViewReports, Handle: (*Server).alertsPage},
		pageRoute{Method: "GET", Path: "/alerts/{id}", Cap: auth.CapViewReports, Handle: (*Server).alertPage},
		pageRoute{Method: "POST", Path: "/alerts/{id}/verify", Cap: auth.CapVerifyAlert, MaxBody: maxProofUpload, Handle: (*Server).alertVerify},
		pageRoute{Method: "GET", Path: "/alert-files/{id}", Cap: auth.CapViewReports, Handle: (*Server).alertFile},
	)
	registerNav(
		navItem{Label: "比对预警", Path: "/alerts", Cap: auth.CapViewReports, Order: 40},
		navItem{Label: "部门名单", Path: "/roster", Cap: auth.CapUploadRoster, Order: 45},
	)
	flashes["roster_uploaded"] = "名单已上传并完成比对"
	flashes["alert_verified"] = "核实结果已提交"
}

// rosterData is what the upload page shows.
type rosterData struct {
	Kinds   []*crosscheck.KindInfo
	Uploads []*crosscheck.Upload
	Stats   []*crosscheck.DepartmentStats
	Limit   string // the large-expense amount, for the notes
}

// kindsFor lists the roster types an account uploads: a department its
// own, the county office every one.
func kindsFor(me *Identity) []*crosscheck.KindInfo {
	if me.Account.Role == auth.RoleDepartment {
		return crosscheck.KindsOf(me.Account.Department)
	}
	return crosscheck.Kinds()
}

func (s *Server) rosterView(r *http.Request, f *form) (*view, error) {
	me := identityOf(r)
	d := &rosterData{Kinds: kindsFor(me)}
	uf := store.UploadFilter{Limit: 20}
	if me.Account.Role == auth.RoleDepartment {
		uf.Department = me.Account.Department
	}
	var err error
	if d.Uploads, err = s.DB.RosterUploads(r.Context(), me.Scope, uf); err != nil {
		return nil, err
	}
	if county, _ := countyOf(r); county != "" {
		if d.Stats, err = s.DB.CrossCheckStats(r.Context(), me.Scope, county, uf.Department, 5); err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
	}
	return &view{Title: "部门名单比对", Data: d, Form: f}, nil
}

func (s *Server) rosterPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.rosterView(r, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "crosscheck/roster", v)
}

// rosterPost imports the uploaded roster; a file that cannot be read, or
// whose header lacks a required column, is shown back on the form.
func (s *Server) rosterPost(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals := r.PostForm
	fail := func(err error) error {
		if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.TooLarge) {
			return err
		}
		v, verr := s.rosterView(r, formOf(vals, err, "kind", "file"))
		if verr != nil {
			return verr
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "crosscheck/roster", v)
	}
	k, err := rosterKindFor(me, vals.Get("kind"))
	if err != nil {
		return fail(err)
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return fail(apperr.Field("file", "名单文件", "请选择要上传的名单文件"))
	}
	fh := r.MultipartForm.File["file"][0]
	f, err := fh.Open()
	if err != nil {
		return apperr.Wrap(err, "open upload")
	}
	defer f.Close()
	county, dept, err := rosterTarget(me, string(k.Department))
	if err != nil {
		return err
	}
	up, err := s.DB.ImportRoster(r.Context(), me.Scope, store.RosterImport{County: county, Department: dept, Kind: string(k.Kind),
		FileName: fh.Filename, File: f, Size: fh.Size, By: crosscheck.Actor{AccountID: me.Account.ID, Name: me.Account.DisplayName}})
	if err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/roster/uploads/"+strconv.FormatInt(up.ID, 10)+"?ok=roster_uploaded", http.StatusSeeOther)
	return nil
}

func (s *Server) rosterTemplatePage(w http.ResponseWriter, r *http.Request) error {
	k, err := rosterKindFor(identityOf(r), r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	return writeRosterTemplate(w, k)
}

func (s *Server) rosterUploadPage(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	up, err := s.DB.RosterUpload(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	alerts, err := s.DB.ListAlerts(r.Context(), me.Scope, store.AlertFilter{UploadID: id, Limit: 50})
	if err != nil {
		return err
	}
	data := struct {
		U          *crosscheck.Upload
		Alerts     *store.AlertPage
		MayRejects bool
		Rules      []*crosscheck.Rule
	}{up, alerts, rejectsAllowed(me, up) == nil, crosscheck.RulesOf(up.Kind)}
	return s.render(w, r, http.StatusOK, "crosscheck/upload", &view{Title: "名单比对结果", Data: data})
}

func (s *Server) rosterErrorsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeRosterErrors(w, r, identityOf(r).Scope, id)
}

// alertsData is what the alert list shows.
type alertsData struct {
	Page       *store.AlertPage
	Department string // the feedback view's department label ("" for a village's inbox)
	States     [][2]string
	Dues       [][2]string
	Counts     map[string]int64
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	q := r.URL.Query()
	if q.Get("state") == "" && q.Get("due") == "" && me.Can(auth.CapVerifyAlert) && q.Get("all") == "" {
		q.Set("state", "open") // a village starts with what it has to verify
	}
	f, err := alertFilter(me, q)
	if err != nil {
		return err
	}
	page, err := s.DB.ListAlerts(r.Context(), me.Scope, f)
	if err != nil {
		return err
	}
	d := &alertsData{Page: page, Counts: map[string]int64{},
		States: [][2]string{{"open", "待核实"}, {"confirmed", "核实属实"}, {"dismissed", "核实不属实"}, {"resolved", "已解决"}},
		Dues:   [][2]string{{"due_soon", "即将到期"}, {"overdue", "已逾期"}}}
	if me.Account.Role == auth.RoleDepartment {
		d.Department = me.Account.Department.Label()
	}
	for _, due := range []string{"due_soon", "overdue"} {
		c := store.AlertFilter{Department: f.Department, Due: due, Limit: 1}
		p, err := s.DB.ListAlerts(r.Context(), me.Scope, c)
		if err != nil {
			return err
		}
		d.Counts[due] = p.Total
	}
	title := "比对预警"
	if d.Department != "" {
		title = d.Department + "部门预警核实反馈"
	}
	return s.render(w, r, http.StatusOK, "crosscheck/alerts", &view{Title: title, Data: d, Form: newForm(q)})
}

// alertData is what the alert page shows.
type alertData struct {
	A         *store.AlertView
	MayVerify bool
	Reasons   [][2]string
}

func (s *Server) alertView(r *http.Request, id int64, f *form) (*view, error) {
	me := identityOf(r)
	a, err := s.DB.Alert(r.Context(), me.Scope, id)
	if err != nil {
		return nil, err
	}
	d := &alertData{A: a, MayVerify: me.Can(auth.CapVerifyAlert) && a.State == crosscheck.Pushed}
	for _, v := range crosscheck.DismissReason.Values {
		d.Reasons = append(d.Reasons, [2]string{v.Code, v.Label})
	}
	if f == nil {
		f = newForm(url.Values{"version": {strconv.Itoa(a.Version)}})
	}
	return &view{Title: a.Title, Data: d, Form: f}, nil
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.alertView(r, id, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "crosscheck/alert", v)
}

var verifyLabels = map[string]string{"findings": "核实情况", "reason": "不属实原因", "proof": "佐证材料说明", "result": "核实结论"}

// alertVerify takes the verify form: 属实 or 不属实, what was found, and for
// 不属实 the reason with proof (text and/or photos).
func (s *Server) alertVerify(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.DB.Alert(r.Context(), me.Scope, id); err != nil {
		return err // out of scope: not found, whatever the form says
	}
	vals, err := s.readForm(r, verifyLabels)
	if err == nil && vals.Get("result") != "confirm" && vals.Get("result") != "dismiss" {
		err = apperr.Field("result", "核实结论", "请选择“属实”或“不属实”")
	}
	var files []store.AttachmentFile
	if err == nil && r.MultipartForm != nil {
		files, err = proofFiles(r.MultipartForm.File["files"])
	}
	if err == nil {
		version, _ := strconv.Atoi(vals.Get("version"))
		_, err = s.verifyAlert(r, me.Scope, id, crosscheck.Verification{Confirm: vals.Get("result") == "confirm",
			Findings: vals.Get("findings"), Reason: vals.Get("reason"), Proof: vals.Get("proof"),
			MonitoringCandidate: formBool(vals.Get("monitoring_candidate")), Version: version}, files)
	}
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.TooLarge) {
		v, verr := s.alertView(r, id, formOf(vals, err, "result", "findings", "reason", "proof", "attachments", "monitoring_candidate"))
		if verr != nil {
			return verr
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "crosscheck/alert", v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/alerts/"+strconv.FormatInt(id, 10)+"?ok=alert_verified", http.StatusSeeOther)
	return nil
}

func (s *Server) alertFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeAttachment(w, r, identityOf(r).Scope, id)
}
