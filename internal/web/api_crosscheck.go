package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/policy"
	"sanbao/internal/region"
	"sanbao/internal/store"
)

// The department cross-check over JSON: roster types and templates,
// uploads (a round each) with the rows that did not match, alerts with the
// village's verification, and statistics per department and round. The
// pages in crosscheck_pages.go call the same functions.

// maxRosterUpload bounds a roster file: a county's million-row roster as
// CSV is about 65 MB, as XLSX less.
const maxRosterUpload = 256 << 20

// kindView is a roster type as the API lists it.
type kindView struct {
	Kind            crosscheck.Kind     `json:"kind"`
	Label           string              `json:"label"`
	Department      auth.Department     `json:"department"`
	DepartmentLabel string              `json:"department_label"`
	Complete        bool                `json:"complete"`
	Columns         []crosscheck.Column `json:"columns"`
	Notes           []string            `json:"notes"`
	Rules           []*crosscheck.Rule  `json:"rules"`
}

func kindViews() []kindView {
	var out []kindView
	for _, k := range crosscheck.Kinds() {
		out = append(out, kindView{Kind: k.Kind, Label: k.Label, Department: k.Department, DepartmentLabel: k.Department.Label(),
			Complete: k.Complete, Columns: k.Columns, Notes: k.Notes, Rules: crosscheck.RulesOf(k.Kind)})
	}
	return out
}

func (s *Server) apiRosterKinds(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"items": kindViews(), "large_out_of_pocket": policy.LargeOutOfPocket})
	return nil
}

// rosterKindFor resolves the roster type a request names for the account:
// a department account's own types; the county office's any.
func rosterKindFor(me *Identity, kind string) (*crosscheck.KindInfo, error) {
	if me.Account.Role == auth.RoleDepartment {
		if kind == "" && len(crosscheck.KindsOf(me.Account.Department)) > 0 {
			kind = string(crosscheck.KindsOf(me.Account.Department)[0].Kind)
		}
		return crosscheck.ResolveKind(me.Account.Department, kind)
	}
	code, ok := crosscheck.KindEnum.Parse(strings.TrimSpace(kind))
	if !ok {
		return nil, apperr.Field("kind", "名单类型", "“%s”不是有效的名单类型", kind)
	}
	return crosscheck.KindOf(crosscheck.Kind(code)), nil
}

func (s *Server) apiRosterTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := s.require(r, auth.CapUploadRoster); err != nil {
		return err
	}
	k, err := rosterKindFor(identityOf(r), r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	return writeRosterTemplate(w, k)
}

func writeRosterTemplate(w http.ResponseWriter, k *crosscheck.KindInfo) error {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachmentHeader(k.Label+"模板.xlsx"))
	return store.WriteRosterTemplate(w, k)
}

// attachmentHeader is a Content-Disposition header for a download named name.
func attachmentHeader(name string) string {
	return mime.FormatMediaType("attachment", map[string]string{"filename": name})
}

// rosterTarget is the county and department an account uploads for: a
// department account its own department and county; the county office any
// department of its county.
func rosterTarget(me *Identity, dept string) (string, auth.Department, error) {
	acc := me.Account
	if region.LevelOf(acc.RegionCode) != region.County {
		return "", "", apperr.New(apperr.Forbidden, "只有县级账号可以上传部门名单")
	}
	if acc.Role == auth.RoleDepartment {
		return acc.RegionCode, acc.Department, nil
	}
	d, ok := auth.ParseDepartment(dept)
	if !ok {
		return "", "", apperr.Field("department", "部门", "请选择上传名单的部门")
	}
	return acc.RegionCode, d, nil
}

// rosterUpload is a roster file received in a multipart form, kept in a
// temporary file (a county's roster does not fit a form's memory).
type rosterUpload struct {
	file   *os.File
	size   int64
	name   string
	fields url.Values
}

func (u *rosterUpload) Close() {
	if u.file != nil {
		u.file.Close()
		os.Remove(u.file.Name())
	}
}

// readRosterUpload streams a multipart body: the part "file" to a temporary
// file, the other parts (small) as fields.
func readRosterUpload(w http.ResponseWriter, r *http.Request) (*rosterUpload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRosterUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "请以 multipart/form-data 上传名单文件（字段 file）")
	}
	u := &rosterUpload{fields: url.Values{}}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.Close()
			return nil, uploadError(err)
		}
		if p.FormName() == "file" && p.FileName() != "" {
			if u.file != nil {
				u.Close()
				return nil, apperr.New(apperr.Invalid, "一次只能上传一个名单文件")
			}
			f, err := os.CreateTemp("", "sanbao-roster-*")
			if err != nil {
				return nil, apperr.Wrap(err, "temp file")
			}
			u.file, u.name = f, p.FileName()
			if u.size, err = io.Copy(f, p); err != nil {
				u.Close()
				return nil, uploadError(err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p, 4096))
		if err != nil {
			u.Close()
			return nil, uploadError(err)
		}
		u.fields.Add(p.FormName(), strings.TrimSpace(string(b)))
	}
	if u.file == nil || u.size == 0 {
		u.Close()
		return nil, apperr.Field("file", "名单文件", "请选择要上传的名单文件")
	}
	return u, nil
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "名单文件超过%s上限，请拆分后分批上传", byteSize(maxRosterUpload))
	}
	return &apperr.Error{Code: apperr.Invalid, Message: "上传未完成，请重新上传", Err: err}
}

// importRoster runs an upload for the signed-in account.
func (s *Server) importRoster(ctx context.Context, me *Identity, u *rosterUpload) (*crosscheck.Upload, error) {
	dept := u.fields.Get("department")
	if code, ok := crosscheck.KindEnum.Parse(u.fields.Get("kind")); ok && dept == "" {
		dept = string(crosscheck.KindOf(crosscheck.Kind(code)).Department)
	}
	county, d, err := rosterTarget(me, dept)
	if err != nil {
		return nil, err
	}
	return s.DB.ImportRoster(ctx, me.Scope, store.RosterImport{County: county, Department: d, Kind: u.fields.Get("kind"),
		FileName: u.name, File: u.file, Size: u.size, By: crosscheck.Actor{AccountID: me.Account.ID, Name: me.Account.DisplayName}})
}

func (s *Server) apiRosterImport(w http.ResponseWriter, r *http.Request) error {
	if err := s.require(r, auth.CapUploadRoster); err != nil {
		return err
	}
	u, err := readRosterUpload(w, r)
	if err != nil {
		return err
	}
	defer u.Close()
	up, err := s.importRoster(r.Context(), identityOf(r), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, up)
	return nil
}

func (s *Server) apiRosterUploads(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapUploadRoster)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	f := store.UploadFilter{County: q.Get("county"), Kind: q.Get("kind"), Limit: limit}
	if d := q.Get("department"); d != "" {
		dept, ok := auth.ParseDepartment(d)
		if !ok {
			return apperr.Field("department", "部门", "“%s”不是有效部门", d)
		}
		f.Department = dept
	}
	ups, err := s.DB.RosterUploads(r.Context(), sc, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ups})
	return nil
}

func (s *Server) apiRosterUpload(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapUploadRoster)
	if err != nil {
		return err
	}
	up, err := s.DB.RosterUpload(r.Context(), sc, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, up)
	return nil
}

// rejectsAllowed: the rows a roster could not match carry ID numbers of
// people the registry does not hold; they go back to the department that
// uploaded them, and to the county office.
func rejectsAllowed(me *Identity, up *crosscheck.Upload) error {
	if me.Account.Role == auth.RoleDepartment && me.Account.Department != up.Department {
		return apperr.New(apperr.Forbidden, "未匹配的行只发给上传名单的部门（%s）", up.Department.Label())
	}
	return nil
}

func (s *Server) apiRosterErrors(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapUploadRoster)
	if err != nil {
		return err
	}
	return s.writeRosterErrors(w, r, sc, id)
}

func (s *Server) writeRosterErrors(w http.ResponseWriter, r *http.Request, sc store.Scope, id int64) error {
	up, err := s.DB.RosterUpload(r.Context(), sc, id)
	if err != nil {
		return err
	}
	if err := rejectsAllowed(identityOf(r), up); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachmentHeader("未匹配行_"+strconv.FormatInt(id, 10)+"_"+up.FileName+".xlsx"))
	return s.DB.WriteRejectsWorkbook(r.Context(), sc, id, w)
}

// alertFilter reads a list's filters; a department account sees its own
// department's alerts (its feedback view).
func alertFilter(me *Identity, q url.Values) (store.AlertFilter, error) {
	f := store.AlertFilter{Region: q.Get("region"), State: q.Get("state"), Kind: q.Get("kind"), Rule: q.Get("rule"), Due: q.Get("due")}
	var err error
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 0 {
			return f, apperr.Field("limit", "limit", "应为非负整数")
		}
	}
	if v := q.Get("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return f, apperr.Field("offset", "offset", "应为非负整数")
		}
	}
	if v := q.Get("upload"); v != "" {
		if f.UploadID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return f, apperr.Field("upload", "上传编号", "应为整数")
		}
	}
	if d := q.Get("department"); d != "" {
		dept, ok := auth.ParseDepartment(d)
		if !ok {
			return f, apperr.Field("department", "部门", "“%s”不是有效部门", d)
		}
		f.Department = dept
	}
	if me.Account.Role == auth.RoleDepartment {
		f.Department = me.Account.Department
	}
	return f, nil
}

func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	f, err := alertFilter(identityOf(r), r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.DB.ListAlerts(r.Context(), sc, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) apiAlert(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	a, err := s.DB.Alert(r.Context(), sc, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// alertVerifyInput is the village's answer as the API takes it (JSON, or a
// multipart form with the same fields and proof files under "files").
type alertVerifyInput struct {
	Confirm             bool   `json:"confirm"`
	Findings            string `json:"findings"`
	Reason              string `json:"reason"`
	Proof               string `json:"proof"`
	MonitoringCandidate bool   `json:"monitoring_candidate"`
	Version             int    `json:"version"`
}

// maxProofUpload bounds a verification with its proof files.
const maxProofUpload = store.MaxAttachments*store.MaxAttachmentSize + 1<<20

// proofFiles reads the files of a multipart verification.
func proofFiles(fhs []*multipart.FileHeader) ([]store.AttachmentFile, error) {
	var out []store.AttachmentFile
	for _, fh := range fhs {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, apperr.Wrap(err, "proof file")
		}
		b, err := io.ReadAll(io.LimitReader(f, store.MaxAttachmentSize+1))
		f.Close()
		if err != nil {
			return nil, apperr.Wrap(err, "proof file")
		}
		ct := http.DetectContentType(b)
		if strings.HasPrefix(ct, "application/octet-stream") && strings.HasSuffix(strings.ToLower(fh.Filename), ".heic") {
			ct = "image/heic"
		}
		out = append(out, store.AttachmentFile{Name: fh.Filename, ContentType: strings.SplitN(ct, ";", 2)[0], Data: b})
	}
	return out, nil
}

func formBool(v string) bool { return v == "1" || v == "true" || v == "on" || v == "yes" }

// verifyAlert records a verification; a confirmed alert becomes a problem
// of the ledger in the same transaction (store.VerifyAlert).
func (s *Server) verifyAlert(r *http.Request, sc store.Scope, id int64, in crosscheck.Verification, files []store.AttachmentFile) (*store.AlertView, error) {
	me := identityOf(r)
	return s.DB.VerifyAlertAs(r.Context(), sc, id, in, files, crosscheck.Actor{AccountID: me.Account.ID, Name: me.Account.DisplayName},
		me.Account.Role.Label())
}

func (s *Server) apiVerifyAlert(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapVerifyAlert)
	if err != nil {
		return err
	}
	if _, err := s.DB.Alert(r.Context(), sc, id); err != nil {
		return err // out of scope: not found, whatever the body says
	}
	var in alertVerifyInput
	var files []store.AttachmentFile
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxProofUpload)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return uploadError(err)
		}
		f := r.MultipartForm
		get := func(k string) string {
			if v := f.Value[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		in = alertVerifyInput{Confirm: formBool(get("confirm")), Findings: get("findings"), Reason: get("reason"), Proof: get("proof"),
			MonitoringCandidate: formBool(get("monitoring_candidate"))}
		in.Version, _ = strconv.Atoi(get("version"))
		if files, err = proofFiles(f.File["files"]); err != nil {
			return err
		}
	} else if err := readJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.verifyAlert(r, sc, id, crosscheck.Verification{Confirm: in.Confirm, Findings: in.Findings, Reason: in.Reason,
		Proof: in.Proof, MonitoringCandidate: in.MonitoringCandidate, Version: in.Version}, files)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiAlertAttachment(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	return s.writeAttachment(w, r, sc, id)
}

func (s *Server) writeAttachment(w http.ResponseWriter, r *http.Request, sc store.Scope, id int64) error {
	at, data, err := s.DB.AlertAttachment(r.Context(), sc, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Disposition", attachmentHeader(at.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(data)
	return err
}

func (s *Server) apiCrossCheckStats(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	county, err := countyOf(r)
	if err != nil {
		return err
	}
	if county == "" {
		return apperr.Field("county", "县", "请指定县（county，6位区划代码）")
	}
	var dept auth.Department
	if d := r.URL.Query().Get("department"); d != "" {
		var ok bool
		if dept, ok = auth.ParseDepartment(d); !ok {
			return apperr.Field("department", "部门", "“%s”不是有效部门", d)
		}
	}
	rounds, err := queryInt(r, "rounds", 10)
	if err != nil {
		return err
	}
	st, err := s.DB.CrossCheckStats(r.Context(), sc, county, dept, rounds)
	if err != nil {
		return err
	}
	if st == nil {
		st = []*crosscheck.DepartmentStats{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"county": county, "departments": st})
	return nil
}
