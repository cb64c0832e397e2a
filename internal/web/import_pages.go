package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/importer"
	"sanbao/internal/region"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// Import and export of the household register in the web interface. An
// upload is saved to a temporary file and imported in the background of
// the server by the same code as `sanbao import households` (package
// importer): the page shows live progress and survives a reload (the job
// is a row of import_jobs), and ends with the counts and the error
// workbook. Exports stream the register as XLSX or CSV, masked unless the
// role may reveal full numbers and asks to, audited either way.

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/imports", Cap: auth.CapImportRegistry, Handle: (*Server).importPage},
		pageRoute{Method: "POST", Path: "/imports", Cap: auth.CapImportRegistry, MaxBody: MaxUpload + 1<<20, Handle: (*Server).importUpload},
		pageRoute{Method: "GET", Path: "/imports/template.xlsx", Cap: auth.CapImportRegistry, Handle: (*Server).importTemplate},
		pageRoute{Method: "GET", Path: "/imports/{id}", Cap: auth.CapImportRegistry, Handle: (*Server).importJobPage},
		pageRoute{Method: "GET", Path: "/imports/{id}/errors.xlsx", Cap: auth.CapImportRegistry, Handle: (*Server).importErrors},
		pageRoute{Method: "POST", Path: "/exports/households", Cap: auth.CapExport, Handle: (*Server).householdExport},
	)
	registerNav(navItem{Label: "导入", Path: "/imports", Cap: auth.CapImportRegistry, Order: 25})
}

// MaxUpload bounds an uploaded register: a county of a million members is
// about 230 MB as CSV and 160 MB as XLSX.
const MaxUpload = 300 << 20

// importRun is an import running in this server.
type importRun struct {
	progress atomic.Pointer[importer.Progress]
}

type runKey struct {
	db *store.DB
	id int64
}

// importRuns are the imports running in this process (by database and job).
var importRuns sync.Map

func runningImport(db *store.DB) (int64, bool) {
	var id int64
	importRuns.Range(func(k, _ any) bool {
		if k.(runKey).db == db {
			id = k.(runKey).id
			return false
		}
		return true
	})
	return id, id != 0
}

// importPageData is what the upload page shows.
type importPageData struct {
	Jobs     []jobRow
	Groups   []regionGroup
	Selected string
	Max      string
	Running  int64
}

type jobRow struct {
	*store.ImportJob
	StatusLabel string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	return s.showImportPage(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) showImportPage(w http.ResponseWriter, r *http.Request, status int, frm *form) error {
	me := identityOf(r)
	jobs, err := s.DB.ImportJobs(r.Context(), me.Scope, 20)
	if err != nil {
		return err
	}
	rows := make([]jobRow, len(jobs))
	for i, j := range jobs {
		s.settleJob(r.Context(), j)
		rows[i] = jobRow{j, store.JobStatusLabel(j.Status)}
	}
	groups, err := s.regionChoices(r.Context(), me.Account.RegionCode, "")
	if err != nil {
		return err
	}
	running, _ := runningImport(s.DB)
	return s.render(w, r, status, "import/upload", &view{Title: "导入农户花名册", Form: frm,
		Data: importPageData{Jobs: rows, Groups: groups, Selected: frm.Get("region_code"), Max: byteSize(MaxUpload), Running: running}})
}

// importUpload saves the file and starts the import in the background.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals, err := s.readForm(r, map[string]string{"region_code": "区域", "sheet": "工作表"})
	if err != nil {
		return s.showImportPage(w, r, http.StatusUnprocessableEntity, formOf(vals, err, "region_code", "sheet"))
	}
	refuse := func(field, msg string) error {
		return s.showImportPage(w, r, http.StatusUnprocessableEntity, formOf(vals, apperr.Field(field, "文件", "%s", msg), "file", "region_code", "sheet"))
	}
	var fh *multipartFile
	if r.MultipartForm != nil {
		if fs := r.MultipartForm.File["file"]; len(fs) > 0 {
			fh = &multipartFile{name: fs[0].Filename, size: fs[0].Size, open: func() (io.ReadCloser, error) { return fs[0].Open() }}
		}
	}
	if fh == nil || fh.name == "" {
		return refuse("file", "请选择要导入的 Excel（.xlsx）或 CSV 文件")
	}
	if fh.size == 0 {
		return refuse("file", "文件是空的")
	}
	if id, busy := runningImport(s.DB); busy {
		return refuse("file", fmt.Sprintf("已有一个导入正在进行（第%d号），请等它完成后再导入", id))
	}
	regionCode := me.Account.RegionCode
	if v := strings.TrimSpace(vals.Get("region_code")); v != "" {
		code, err := region.Normalize(v)
		if err != nil || !me.Scope.Contains(code) {
			return s.showImportPage(w, r, http.StatusUnprocessableEntity, formOf(vals, apperr.Field("region_code", "区域", "请选择您管辖范围内的区域"), "region_code"))
		}
		regionCode = code
	}
	opts := importer.Options{Scope: me.Scope, Sheet: strings.TrimSpace(vals.Get("sheet")),
		SkipInvalid: vals.Get("skip_invalid") != "", DryRun: vals.Get("dry_run") != "", FileName: filepath.Base(fh.name)}
	if regionCode != me.Account.RegionCode || region.LevelOf(regionCode) >= region.County {
		opts.Region = regionCode
	}
	// The upload is copied out of the request: the import outlives it.
	path, err := saveUpload(fh)
	if err != nil {
		return err
	}
	var flags []string
	if opts.SkipInvalid {
		flags = append(flags, "skip_invalid")
	}
	if opts.DryRun {
		flags = append(flags, "dry_run")
	}
	if opts.Sheet != "" {
		flags = append(flags, "sheet="+opts.Sheet)
	}
	job := &store.ImportJob{RegionCode: regionCode, AccountID: me.Account.ID, Username: me.Account.Username,
		FileName: opts.FileName, FileSize: fh.size, Options: strings.Join(flags, ",")}
	if err := s.DB.CreateImportJob(r.Context(), me.Scope, job); err != nil {
		os.Remove(path)
		return err
	}
	actor, _ := store.ActorFrom(r.Context())
	s.startImport(store.WithActor(context.Background(), actor), job.ID, path, opts)
	http.Redirect(w, r, "/imports/"+itoa(job.ID), http.StatusSeeOther)
	return nil
}

type multipartFile struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

func saveUpload(fh *multipartFile) (string, error) {
	src, err := fh.open()
	if err != nil {
		return "", apperr.Wrap(err, "open upload")
	}
	defer src.Close()
	ext := strings.ToLower(filepath.Ext(fh.name))
	if len(ext) > 8 {
		ext = ""
	}
	dst, err := os.CreateTemp("", "sanbao-import-*"+ext)
	if err != nil {
		return "", apperr.Wrap(err, "save upload")
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", apperr.Wrap(err, "save upload")
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", apperr.Wrap(err, "save upload")
	}
	return dst.Name(), nil
}

// startImport runs an import in the background and records its end.
func (s *Server) startImport(ctx context.Context, id int64, path string, opts importer.Options) {
	run := &importRun{}
	key := runKey{s.DB, id}
	importRuns.Store(key, run)
	var lastBeat time.Time
	opts.Progress = func(p importer.Progress) {
		run.progress.Store(&p)
		// On PostgreSQL the job's row follows along (another server of
		// the same database can show it); SQLite's one writer is the
		// import's until it ends.
		if s.DB.Dialect() == store.Postgres && time.Since(lastBeat) > 5*time.Second {
			lastBeat = time.Now()
			if err := s.DB.ImportJobProgress(context.WithoutCancel(ctx), id, string(p.Phase), int64(p.Rows), int64(p.Total)); err != nil {
				s.Log.Warn("import progress", "job", id, "err", err)
			}
		}
	}
	var report bytes.Buffer
	opts.Errors = &report
	go func() {
		defer importRuns.Delete(key)
		defer os.Remove(path)
		res, err := importer.Run(ctx, s.DB, path, opts)
		status, message, result, rows := store.JobDone, "", "", int64(0)
		var workbook []byte
		switch {
		case err != nil && apperr.CodeOf(err) == apperr.Internal:
			s.Log.Error("import failed", "job", id, "err", err)
			status, message = store.JobFailed, apperr.MessageOf(err)
		case err != nil:
			status, message = store.JobFailed, apperr.MessageOf(err)
		default:
			message, rows = res.Summary(), int64(res.Rows)
			if b, err := json.Marshal(res); err == nil {
				result = string(b)
			}
			if !res.OK() {
				status = store.JobRefused
			}
			if report.Len() > 0 {
				workbook = report.Bytes()
			}
		}
		if err := s.DB.FinishImportJob(context.WithoutCancel(ctx), id, status, message, result, rows, workbook); err != nil {
			s.Log.Error("import job", "job", id, "err", err)
		}
	}()
}

// settleJob marks a job that says "running" but runs nowhere as
// interrupted: its server stopped, and its transaction was rolled back.
func (s *Server) settleJob(ctx context.Context, j *store.ImportJob) {
	if j.Status != store.JobRunning {
		return
	}
	if _, ok := importRuns.Load(runKey{s.DB, j.ID}); ok {
		return
	}
	// On SQLite one server owns the database: a job it is not running is
	// dead. On PostgreSQL another server may be running it: it reports
	// every few seconds.
	stale := s.Clock.Now().Add(-2 * time.Minute)
	if s.DB.Dialect() == store.SQLite {
		stale = s.Clock.Now().Add(time.Second)
	}
	if j.UpdatedAt.Before(stale) {
		if ok, err := s.DB.InterruptImportJob(ctx, j.ID, stale); err == nil && ok {
			if fresh, err := s.DB.ImportJob(ctx, store.Everywhere, j.ID); err == nil {
				*j = *fresh
			}
		}
	}
}

// jobView is what the job page shows.
type jobView struct {
	Job       *store.ImportJob
	Status    string
	Running   bool
	Phase     string
	Rows      int
	Total     int
	Percent   int
	Rate      int
	Remaining string
	Elapsed   string
	Result    *importer.Result
	Problems  []string
	More      int
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.DB.ImportJob(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	s.settleJob(r.Context(), j)
	v := jobView{Job: j, Status: store.JobStatusLabel(j.Status)}
	if run, ok := importRuns.Load(runKey{s.DB, j.ID}); ok && j.Status == store.JobRunning {
		v.Running = true
		if p := run.(*importRun).progress.Load(); p != nil {
			v.Phase, v.Rows, v.Total = p.Phase.Label(), p.Rows, p.Total
			v.Rate = int(p.RowsPerSec())
			v.Elapsed = p.Elapsed.Round(time.Second).String()
			if left := p.Remaining(); left > 0 {
				v.Remaining = left.Round(time.Second).String()
			}
		} else {
			v.Phase = "准备中"
		}
	} else if j.Status == store.JobRunning {
		// Running in another server of the same database: its last report.
		v.Running, v.Phase, v.Rows, v.Total = true, importer.Phase(j.Phase).Label(), int(j.RowsDone), int(j.RowsTotal)
	}
	if v.Total > 0 {
		v.Percent = min(100, v.Rows*100/v.Total)
	}
	if j.Result != "" {
		var res importer.Result
		if json.Unmarshal([]byte(j.Result), &res) == nil {
			v.Result = &res
			for i, p := range res.Problems {
				if i == 20 {
					break
				}
				v.Problems = append(v.Problems, p.String())
			}
			v.More = res.ProblemCount - len(v.Problems)
		}
	}
	return s.render(w, r, http.StatusOK, "import/job", &view{Title: "导入 " + j.FileName, Data: v})
}

func (s *Server) importErrors(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.DB.ImportJob(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	b, err := s.DB.ImportJobErrors(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(j.FileName, filepath.Ext(j.FileName)) + "-错误明细.xlsx"
	attachment(w, name, xlsxType)
	_, err = w.Write(b)
	return err
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf); err != nil {
		return err
	}
	attachment(w, "农户花名册导入模板.xlsx", xlsxType)
	_, err := w.Write(buf.Bytes())
	return err
}

// attachment sets the headers of a file download with a Chinese name.
func attachment(w http.ResponseWriter, name, ctype string) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
}

// householdExport streams the register of a region in the scope: masked,
// or with full numbers for a role that may reveal them and asks to
// (importer.Export records it in the audit trail before the file is sent).
func (s *Server) householdExport(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals, err := s.readForm(r, nil)
	if err != nil {
		return err
	}
	format := sheet.FormatXLSX
	if vals.Get("format") == "csv" {
		format = sheet.FormatCSV
	}
	regionCode := me.Account.RegionCode
	if v := strings.TrimSpace(vals.Get("region_code")); v != "" {
		code, err := region.Normalize(v)
		if err != nil || !me.Scope.Contains(code) {
			return apperr.New(apperr.NotFound, "区域不存在或不在您的管辖范围内")
		}
		regionCode = code
	}
	full := vals.Get("full") != ""
	if full && !auth.MayReveal(me.Account.Role) {
		return apperr.New(apperr.Forbidden, "您的账号不能导出完整的身份证号和电话，请导出脱敏文件")
	}
	mask := !full && !auth.SeesFullID(me.Account.Role)
	where := s.regionLabel(r, regionCode)
	name := fmt.Sprintf("%s农户花名册-%s", where, s.Clock.Now().In(clock.China).Format("20060102"))
	if mask {
		name += "-脱敏仅供查阅"
	}
	if format == sheet.FormatCSV {
		attachment(w, name+".csv", "text/csv; charset=utf-8")
	} else {
		attachment(w, name+".xlsx", xlsxType)
	}
	cw := &countingWriter{w: w}
	_, err = importer.Export(r.Context(), s.DB, cw, importer.ExportOptions{Scope: me.Scope, Region: regionCode, Format: format,
		Mask: mask, Title: where + "农户花名册", Where: where})
	if err != nil && cw.n == 0 {
		w.Header().Del("Content-Disposition")
		return err
	}
	if err != nil {
		s.Log.Error("export failed mid-way", "region", regionCode, "err", err)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
