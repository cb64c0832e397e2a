// Package importer takes a county's household register from a spreadsheet
// (XLSX or CSV, as officials have them) into the database, all of it or
// nothing, and reports every problem by row in Chinese, as an error workbook.
//
// One code path serves the command line and the web upload:
//
//  1. read: the file is streamed (internal/sheet) and every row mapped and
//     validated on its own (registry.ParseRow); rows are grouped into
//     households by household number, whose fields must agree across rows
//     and which must have exactly one head; ID numbers must be unique in the
//     file.
//  2. check and write, in ONE database transaction (store.DB.Import): the
//     village of every household must exist and lie inside the importer's
//     scope; the file is compared with what the database holds (a person
//     registered in another household, a household number used outside the
//     scope, two heads); then new households and members are inserted and
//     changed ones updated in place. Any problem and nothing is written
//     (unless SkipInvalid, which writes the valid households only).
//  3. report: the rows refused are read again from the file and written to
//     an error workbook with their row numbers and the reasons.
//
// To overlap reading with writing, an import that may write (not a dry
// run, not SkipInvalid) first opens the transaction and inserts the plainly
// new households while the file is still being read, as each household's
// rows end (a file lists a household's rows together). Households that
// exist already wait for the end, when the whole file is known. At the
// first sign of trouble (an invalid row, a household whose rows are not
// together, a conflict) the transaction is rolled back and the import runs
// again from the rows already in memory, in the plain order above: the
// answer is the same either way, only faster in the common case.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// Options of one import.
type Options struct {
	// Scope is the importer's: every household must lie in it.
	Scope store.Scope
	// Region (a 12-digit code or its significant prefix), when set, narrows
	// the import: every household must lie in it. It also tells in which
	// county to look villages up by name when the file has no codes.
	Region string
	// Sheet names the XLSX worksheet ("" is the first).
	Sheet string
	// SkipInvalid imports the valid households and refuses the others;
	// without it, one invalid row and nothing is imported.
	SkipInvalid bool
	// DryRun checks everything and writes nothing.
	DryRun bool
	// Now bounds birth dates (zero: the current time).
	Now time.Time
	// Progress, when set, is called about every 200 ms and at each phase.
	Progress func(Progress)
	// Errors, when set, receives the error workbook if any row is refused.
	Errors io.Writer
	// FileName names the file in the audit trail (default: the path's base).
	FileName string
	// SheetOptions are passed to the file reader (limits; zero is right).
	SheetOptions sheet.Options
}

// Phase of an import.
type Phase string

const (
	PhaseRead   Phase = "read"   // reading and checking rows
	PhaseCheck  Phase = "check"  // comparing with the database
	PhaseWrite  Phase = "write"  // writing
	PhaseReport Phase = "report" // writing the error workbook
	PhaseDone   Phase = "done"
)

// Label is the phase in Chinese.
func (p Phase) Label() string {
	switch p {
	case PhaseRead:
		return "读取并检查"
	case PhaseCheck:
		return "与已有数据比对"
	case PhaseWrite:
		return "写入"
	case PhaseReport:
		return "生成错误明细"
	case PhaseDone:
		return "完成"
	}
	return string(p)
}

// Progress of an import.
type Progress struct {
	Phase   Phase         `json:"phase"`
	Rows    int           `json:"rows"`  // rows done in this phase
	Total   int           `json:"total"` // rows expected in this phase (an estimate while reading a CSV; 0 if unknown)
	Elapsed time.Duration `json:"elapsed"`
	// phase start, for the rate
	phaseElapsed time.Duration
}

// RowsPerSec is the phase's rate so far.
func (p Progress) RowsPerSec() float64 {
	if p.phaseElapsed <= 0 {
		return 0
	}
	return float64(p.Rows) / p.phaseElapsed.Seconds()
}

// Remaining estimates the time left in this phase (0 if unknown).
func (p Progress) Remaining() time.Duration {
	r := p.RowsPerSec()
	if r <= 0 || p.Total <= p.Rows {
		return 0
	}
	return time.Duration(float64(p.Total-p.Rows) / r * float64(time.Second))
}

// Result of an import.
type Result struct {
	Format   string   `json:"format"`             // XLSX or CSV
	Encoding string   `json:"encoding,omitempty"` // of a CSV
	Sheet    string   `json:"sheet,omitempty"`    // of an XLSX
	Ignored  []string `json:"ignored_columns,omitempty"`

	Rows       int `json:"rows"`       // data rows read
	Households int `json:"households"` // distinct household numbers in the file
	Members    int `json:"members"`    // valid member rows

	store.ImportCounts
	HouseholdsRejected int `json:"households_rejected"`
	RowsRejected       int `json:"rows_rejected"` // rows in the error workbook

	// Problems are the first problems found, for display; ProblemCount
	// counts them all.
	Problems     []apperr.FieldError `json:"problems,omitempty"`
	ProblemCount int                 `json:"problem_count"`

	// Phases is how long each phase took.
	Phases map[Phase]time.Duration `json:"-"`

	Committed bool          `json:"committed"` // something was written
	DryRun    bool          `json:"dry_run"`
	Duration  time.Duration `json:"duration"`

	errs map[int32]string // row → message
}

// maxProblems bounds Result.Problems.
const maxProblems = 200

// Columns are the register's columns as the file reader matches them.
func Columns() []sheet.Column {
	cols := make([]sheet.Column, len(registry.RegisterColumns))
	for i, c := range registry.RegisterColumns {
		cols[i] = sheet.Column{Key: c.Key, Label: c.Label, Aliases: c.Aliases, Required: c.Required}
	}
	return cols
}

// fileHousehold gathers the rows of one household number. Once handed to
// the pipelined writer, it keeps only what tells its number was seen (its
// values and members go, so that a county's first import holds little).
type fileHousehold struct {
	values   *registry.RowValues
	members  []store.ImportMember
	n        int32 // valid member rows
	firstRow int32
	headRow  int32
	heads    int32
	bad      bool // a row of it is invalid
	ended    bool // handed to the pipelined writer
}

func (h *fileHousehold) row() int32 {
	if h.headRow > 0 {
		return h.headRow
	}
	return h.firstRow
}

// run is one import in progress.
type run struct {
	opts   Options
	res    *Result
	start  time.Time
	phase  Phase
	pstart time.Time
	last   time.Time
	now    time.Time

	households map[string]*fileHousehold
	order      []string          // household numbers in file order
	interned   map[string]string // village names and codes, housing groups: shared, not copied per household
	counties   map[string]bool   // counties of the households written (for the audit entry)

	mu      sync.Mutex     // guards res.errs, res.Problems, res.ProblemCount
	trouble atomic.Bool    // the pipelined write must give way to the plain path
	closed  chan []*closed // households whose rows have ended, to the pipelined writer
	batch   []*closed
	lastFH  *fileHousehold // household of the previous row
	digest  chan string    // the file's SHA-256, for the audit trail
}

// closed is a household whose rows have ended (as far as the file has been
// read), handed to the pipelined writer: a copy, so that reading can go on.
type closed struct {
	number   string
	values   registry.RowValues
	members  []store.ImportMember
	heads    int
	row      int32 // the head's row, else the first
	firstRow int32
}

// closedBatch is how many households go to the pipelined writer at once.
const closedBatch = 2000

func (r *run) problem(row int32, field, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.trouble.Store(true)
	r.res.ProblemCount++
	if len(r.res.Problems) < maxProblems {
		r.res.Problems = append(r.res.Problems, apperr.FieldError{Row: int(row), Field: field, Label: registry.ColumnLabel(field), Message: msg})
	}
	fe := apperr.FieldError{Field: field, Label: registry.ColumnLabel(field), Message: msg}
	if prev, ok := r.res.errs[row]; ok {
		r.res.errs[row] = prev + "；" + fe.String()
	} else {
		r.res.errs[row] = fe.String()
	}
}

func (r *run) setPhase(p Phase) {
	if r.phase != "" {
		r.res.Phases[r.phase] += time.Since(r.pstart)
	}
	r.phase, r.pstart = p, time.Now()
	r.progress(0, 0, true)
}

func (r *run) progress(done, total int, force bool) {
	if r.opts.Progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(r.last) < 200*time.Millisecond {
		return
	}
	r.last = now
	r.opts.Progress(Progress{Phase: r.phase, Rows: done, Total: total, Elapsed: now.Sub(r.start), phaseElapsed: now.Sub(r.pstart)})
}

// Run imports the register in the file at path. File-level problems (not a
// spreadsheet, unreadable, no header, missing columns, no rows) are returned
// as an error and nothing is changed; row problems are in the Result, and
// unless SkipInvalid nothing is written when there is any.
func Run(ctx context.Context, db *store.DB, path string, opts Options) (*Result, error) {
	r := &run{opts: opts, res: &Result{DryRun: opts.DryRun, errs: map[int32]string{}, Phases: map[Phase]time.Duration{}},
		start: time.Now(), households: map[string]*fileHousehold{}, interned: map[string]string{}, counties: map[string]bool{}}
	r.now = opts.Now
	if r.now.IsZero() {
		r.now = time.Now()
	}
	if opts.Region != "" {
		code, err := region.Normalize(opts.Region)
		if err != nil {
			return nil, apperr.Field("region", "区域", "%s", err.Error())
		}
		if !opts.Scope.Contains(code) {
			return nil, apperr.New(apperr.Forbidden, "区域%s不在您的管辖范围内", code)
		}
		r.opts.Region = code
	}
	defer func() { r.res.Duration = time.Since(r.start) }()
	r.digest = make(chan string, 1)
	go func() { r.digest <- fileDigest(path) }()
	if r.opts.FileName == "" {
		r.opts.FileName = filepath.Base(path)
	}
	done := false
	if !opts.DryRun && !opts.SkipInvalid {
		var err error
		if done, err = r.pipelined(ctx, db, path); err != nil {
			return nil, err
		}
		if !done {
			// The plain path reads the file again: the pipelined read let
			// go of the households it had written.
			r.reset()
		}
	}
	if !done {
		if err := r.read(ctx, path); err != nil {
			return nil, err
		}
	}
	if !done {
		if err := r.checkAndWrite(ctx, db); err != nil {
			return nil, err
		}
	}
	r.res.RowsRejected = len(r.res.errs)
	if opts.Errors != nil && len(r.res.errs) > 0 {
		r.setPhase(PhaseReport)
		if err := r.report(ctx, path, opts.Errors); err != nil {
			return nil, err
		}
	}
	r.setPhase(PhaseDone)
	return r.res, nil
}

func openSheet(path string, opts Options) (*sheet.Reader, *sheet.Header, error) {
	so := opts.SheetOptions
	so.Sheet = opts.Sheet
	f, err := sheet.OpenFile(path, so)
	if err != nil {
		return nil, nil, err
	}
	h, err := f.FindHeader(Columns(), 0)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	_, code := h.Col("region_code")
	_, name := h.Col(registry.ColVillage)
	if !code && !name {
		f.Close()
		return nil, nil, &apperr.Error{Code: apperr.Invalid,
			Message: fmt.Sprintf("表头（第%d行）有误：缺少「村区划代码」或「村」列，至少要有其中一列才能确定农户所在的村", h.Row),
			Fields:  []apperr.FieldError{{Row: h.Row, Field: "region_code", Label: "村区划代码", Message: "缺少「村区划代码」或「村」列"}}}
	}
	return f, h, nil
}

// read is pass 1: stream the rows, validate each, group into households.
// When r.closed is set, households whose rows have ended go to it.
func (r *run) read(ctx context.Context, path string) error {
	r.setPhase(PhaseRead)
	f, h, err := openSheet(path, r.opts)
	if err != nil {
		return err
	}
	defer f.Close()
	r.res.Format = f.Format().String()
	r.res.Encoding = f.Encoding()
	r.res.Sheet = f.SheetName()
	r.res.Ignored = h.Unknown
	lastNumber := ""
	batches, stop := prefetch(f)
	defer stop()
	for b := range batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		total := 0
		if p := b.progress; p.Total > 0 && p.Done > 0 {
			if f.Format() == sheet.FormatXLSX {
				total = int(p.Total) - h.Row
			} else {
				total = int(float64(p.Rows) * float64(p.Total) / float64(p.Done))
			}
		}
		r.progress(r.res.Rows, total, false)
		for _, row := range b.rows {
			r.res.Rows++
			if err := r.row(ctx, row, &lastNumber); err != nil {
				return err
			}
			if r.closed != nil && r.trouble.Load() {
				return errRestart // the plain path reads again, from the start
			}
		}
		if b.err != nil {
			return b.err
		}
	}
	if r.res.Rows == 0 {
		return apperr.New(apperr.Invalid, "文件中只有表头（第%d行），没有数据行", h.Row)
	}
	if r.closed != nil {
		if r.lastFH != nil {
			r.end(r.lastFH)
		}
		if err := r.flush(ctx); err != nil {
			return err
		}
	}
	r.res.Households = len(r.households)
	r.progress(r.res.Rows, r.res.Rows, true)
	return nil
}

// rowBatch is rows read ahead by prefetch, with the reader's progress after
// them and the error that ended the file, if any (io.EOF is no error).
type rowBatch struct {
	rows     []sheet.Row
	progress sheet.Progress
	err      error
}

// prefetch reads the file's rows in a goroutine of its own, in batches,
// so that decoding the file (CSV parsing, XLSX's XML) runs beside the
// checking of rows instead of before it. stop ends the reading and waits
// for it: the file may be closed after stop returns.
func prefetch(f *sheet.Reader) (<-chan rowBatch, func()) {
	const size = 512
	out := make(chan rowBatch, 4)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for {
			b := rowBatch{rows: make([]sheet.Row, 0, size)}
			for len(b.rows) < size {
				row, err := f.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						b.err = err
					}
					break
				}
				b.rows = append(b.rows, row)
			}
			b.progress = f.Progress()
			last := len(b.rows) < size
			select {
			case out <- b:
			case <-quit:
				return
			}
			if last {
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(quit)
			for range out { // let a blocked send go
			}
			<-done
		})
	}
}

// reset forgets what a pipelined attempt read, before the plain path
// reads the file again.
func (r *run) reset() {
	r.households, r.order, r.lastFH, r.batch = map[string]*fileHousehold{}, nil, nil, nil
	r.counties = map[string]bool{}
	r.trouble.Store(false)
	res := r.res
	r.res = &Result{DryRun: res.DryRun, errs: map[int32]string{}, Phases: res.Phases}
}

// own makes a household's value independent of the row's text: values that
// repeat across households are shared, the others copied.
func (r *run) own(key, v string) string {
	switch key {
	case "number", "phone", "address":
		return strings.Clone(v)
	}
	if x, ok := r.interned[v]; ok {
		return x
	}
	v = strings.Clone(v)
	if len(r.interned) < 100000 {
		r.interned[v] = v
	}
	return v
}

// row validates one row and adds it to its household.
func (r *run) row(ctx context.Context, row sheet.Row, lastNumber *string) error {
	num := int32(row.Num)
	v := apperr.Validation{Row: row.Num}
	rv, m := registry.ParseRow(row.Get, r.now, &v)
	number := rv.Number
	if number == "" {
		if m.Relation == registry.RelationHead || *lastNumber == "" {
			v.Add("number", registry.ColumnLabel("number"), "不能为空")
		} else {
			// Merged cells: a household's number written once, on its first row.
			number = *lastNumber
			rv.Number = number
		}
	}
	if number != "" {
		*lastNumber = number
	}
	for _, fe := range v.Fields() {
		r.problem(num, fe.Field, fe.Message)
	}
	if number == "" {
		return nil
	}
	fh := r.households[number]
	if fh == nil {
		rv.Own(r.own)
		fh = &fileHousehold{values: &rv, firstRow: num}
		r.households[rv.Number] = fh
		r.order = append(r.order, rv.Number)
	} else if fh.ended {
		r.trouble.Store(true) // its rows are not together: the plain path will do
		return nil
	} else {
		for _, key := range fh.values.Merge(&rv, r.own) {
			r.problem(num, key, fmt.Sprintf("与户编号%s的其他行不一致（“%s”与“%s”），同一户的户级信息应相同",
				number, registry.DisplayValue(key, fh.values.Get(key)), registry.DisplayValue(key, rv.Get(key))))
			fh.bad = true
		}
	}
	if r.closed != nil && r.lastFH != nil && r.lastFH != fh && !r.lastFH.ended {
		r.end(r.lastFH)
		if len(r.batch) >= closedBatch {
			if err := r.flush(ctx); err != nil {
				return err
			}
		}
	}
	r.lastFH = fh
	if len(v.Fields()) > 0 {
		fh.bad = true
		return nil
	}
	if m.Relation == registry.RelationHead {
		fh.heads++
		if fh.heads > 1 {
			r.problem(num, "relation", fmt.Sprintf("户编号%s已有户主（第%d行），一户只能有一位户主", number, fh.headRow))
			fh.bad = true
		} else {
			fh.headRow = num
		}
	}
	fh.members = append(fh.members, store.NewImportMember(&m, row.Num))
	fh.n++
	return nil
}

// idRef is one member's ID number and where it is, for finding duplicates.
type idRef struct {
	id  string
	row int32
	h   int32 // index of the household in the list searched
}

// duplicates returns each repeated ID number's later occurrences paired
// with its first (by row).
func duplicates(refs []idRef) [][2]idRef {
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].id != refs[j].id {
			return refs[i].id < refs[j].id
		}
		return refs[i].row < refs[j].row
	})
	var out [][2]idRef
	for i := 1; i < len(refs); i++ {
		first := i - 1
		for i < len(refs) && refs[i].id == refs[first].id {
			out = append(out, [2]idRef{refs[first], refs[i]})
			i++
		}
	}
	return out
}

// findDuplicates reports ID numbers listed twice in the file, on both rows,
// and marks their households invalid.
func (r *run) findDuplicates() {
	n := 0
	for _, number := range r.order {
		n += len(r.households[number].members)
	}
	refs := make([]idRef, 0, n)
	for i, number := range r.order {
		for _, m := range r.households[number].members {
			refs = append(refs, idRef{m.IDNumber, m.Row, int32(i)})
		}
	}
	for _, d := range duplicates(refs) {
		a, b := d[0], d[1]
		r.problem(b.row, "id_number", fmt.Sprintf("身份证号%s与第%d行重复，一人只能登记一次", a.id, a.row))
		r.problem(a.row, "id_number", fmt.Sprintf("身份证号%s与第%d行重复，一人只能登记一次", a.id, b.row))
		r.households[r.order[a.h]].bad = true
		r.households[r.order[b.h]].bad = true
	}
}

// snapshot copies what the checks need of a household.
func (h *fileHousehold) snapshot(number string) closed {
	return closed{number: number, values: *h.values, members: h.members, heads: int(h.heads), row: h.row(), firstRow: h.firstRow}
}

// end hands a household whose rows have ended to the pipelined writer.
func (r *run) end(fh *fileHousehold) {
	fh.ended = true
	c := fh.snapshot(fh.values.Number)
	r.batch = append(r.batch, &c)
	fh.values, fh.members = nil, nil
}

func (r *run) flush(ctx context.Context) error {
	if len(r.batch) == 0 {
		return nil
	}
	select {
	case r.closed <- r.batch:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.batch = nil
	return nil
}

// villages of one county, for lookups.
type villages struct {
	byCode map[string]region.Region
	byName map[string][]region.Region // village name → villages
	names  map[string]string          // township code → name
}

func (r *run) loadVillages(it *store.ImportTx, cache map[string]*villages, county string) (*villages, error) {
	if v, ok := cache[county]; ok {
		return v, nil
	}
	rs, err := it.Regions(county)
	if err != nil {
		return nil, err
	}
	v := &villages{byCode: map[string]region.Region{}, byName: map[string][]region.Region{}, names: map[string]string{}}
	for _, x := range rs {
		v.byCode[x.Code] = x
		if x.Level == region.Township {
			v.names[x.Code] = x.Name
		} else {
			v.byName[x.Name] = append(v.byName[x.Name], x)
		}
	}
	cache[county] = v
	return v, nil
}

// resolve finds the village of a household: by its code, or by its
// township and village names within the import's county. msg says why not.
func (r *run) resolve(it *store.ImportTx, cache map[string]*villages, rv *registry.RowValues) (code, msg string, err error) {
	if rv.RegionCode != "" {
		code, err := region.Normalize(rv.RegionCode)
		if err != nil {
			return "", err.Error(), nil
		}
		if region.LevelOf(code) != region.Village {
			return "", "应为村级（12位）区划代码，" + code + "不是村", nil
		}
		vs, err := r.loadVillages(it, cache, region.CountyOf(code))
		if err != nil {
			return "", "", err
		}
		if _, ok := vs.byCode[code]; !ok {
			return "", "村" + code + "未在系统中登记，请先添加该村", nil
		}
		return code, "", nil
	}
	name := rv.Village
	if name == "" {
		return "", "不能为空：请填写村区划代码，或乡镇和村的名称", nil
	}
	county := ""
	switch {
	case r.opts.Region != "" && region.LevelOf(r.opts.Region) >= region.County:
		county = region.CountyOf(r.opts.Region)
	case r.opts.Scope.Region != "*" && region.LevelOf(r.opts.Scope.Region) >= region.County:
		county = region.CountyOf(r.opts.Scope.Region)
	default:
		return "", "文件未填村区划代码，按村名查找时须指定导入的县（--region 或在县以下的账号中导入）", nil
	}
	vs, err := r.loadVillages(it, cache, county)
	if err != nil {
		return "", "", err
	}
	var match []region.Region
	for _, x := range vs.byName[name] {
		if t := rv.Township; t == "" || vs.names[x.Parent] == t || strings.TrimSuffix(vs.names[x.Parent], "镇") == strings.TrimSuffix(strings.TrimSuffix(t, "镇"), "乡") {
			match = append(match, x)
		}
	}
	switch len(match) {
	case 0:
		return "", "本县" + rv.Township + "没有名为“" + name + "”的已登记村，请填写村区划代码", nil
	case 1:
		return match[0].Code, "", nil
	}
	return "", "本县有多个名为“" + name + "”的村，请填写乡镇或村区划代码", nil
}

// prepare finds the village of a household, checks it is within the
// import's region and the importer's scope, and validates the household as
// a whole; it returns the household to write, or nil after reporting why
// not.
func (r *run) prepare(it *store.ImportTx, cache map[string]*villages, c *closed, report func(row int32, field, msg string)) (*store.ImportHousehold, error) {
	code, msg, err := r.resolve(it, cache, &c.values)
	if err != nil {
		return nil, err
	}
	switch {
	case msg != "":
		field := "region_code"
		if c.values.RegionCode == "" {
			field = registry.ColVillage
		}
		report(c.row, field, msg)
		return nil, nil
	case r.opts.Region != "" && !region.Contains(r.opts.Region, code):
		report(c.row, "region_code", "村"+code+"不在本次导入的区域"+r.opts.Region+"内")
		return nil, nil
	case !r.opts.Scope.Contains(code):
		report(c.row, "region_code", "村"+code+"不在您的管辖范围内")
		return nil, nil
	}
	c.values.RegionCode = code
	r.counties[region.CountyOf(code)] = true
	var v apperr.Validation
	h := c.values.Validate(&v)
	ok := true
	for _, fe := range v.Fields() {
		report(c.row, fe.Field, fe.Message)
		ok = false
	}
	if c.heads == 0 && len(c.members) > 0 {
		report(c.firstRow, "relation", "户编号"+c.number+"没有户主：须有一行的“与户主关系”为“户主”")
		ok = false
	}
	if !ok {
		return nil, nil
	}
	ih := store.NewImportHousehold(&h, int(c.row))
	ih.Members = c.members
	return ih, nil
}

// errRestart abandons the pipelined write for the plain path.
var errRestart = errors.New("importer: restart on the plain path")

// pipelined reads the file while inserting the new households it ends, in
// the import's one transaction, then updates the households that exist
// already. It reports false (having written nothing) when the plain path
// must take over: an invalid row, a conflict, rows of a household apart.
func (r *run) pipelined(ctx context.Context, db *store.DB, path string) (bool, error) {
	done := false
	err := db.Import(ctx, r.opts.Scope, false, func(it *store.ImportTx) error {
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		r.closed = make(chan []*closed, 2)
		readErr := make(chan error, 1)
		go func() {
			err := r.read(rctx, path)
			close(r.closed)
			readErr <- err
		}()
		quiet := func(int32, string, string) { r.trouble.Store(true) }
		cache := map[string]*villages{}
		var counts store.ImportCounts
		var later []*store.ImportHousehold
		var werr error
		for batch := range r.closed {
			if werr != nil || r.trouble.Load() {
				continue // drain: the plain path will do it
			}
			hs := make([]*store.ImportHousehold, 0, len(batch))
			for _, c := range batch {
				ih, err := r.prepare(it, cache, c, quiet)
				if err != nil {
					werr = err
					break
				}
				if ih == nil {
					break
				}
				hs = append(hs, ih)
			}
			if werr != nil || r.trouble.Load() {
				cancel()
				continue
			}
			rest, c, err := it.InsertNew(hs)
			if apperr.Is(err, apperr.Conflict) {
				r.trouble.Store(true) // an ID number twice in the file: the plain path says where
				cancel()
				continue
			}
			if err != nil {
				werr = err
				cancel()
				continue
			}
			addCounts(&counts, c)
			// Households already registered exactly so are counted now
			// and let go: a re-import of an unchanged register then holds
			// only what changes.
			for _, h := range rest {
				same, err := it.Unchanged(h)
				if err != nil {
					werr = err
					cancel()
					break
				}
				if same {
					counts.HouseholdsUnchanged++
					counts.MembersUnchanged += len(h.Members)
					continue
				}
				later = append(later, h)
			}
		}
		err := <-readErr
		r.closed = nil
		switch {
		case werr != nil:
			return werr
		case errors.Is(err, errRestart):
			return errRestart
		case err != nil && !(errors.Is(err, context.Canceled) && ctx.Err() == nil):
			return err // the file itself (or the caller's cancel)
		case r.trouble.Load():
			return errRestart
		}
		r.setPhase(PhaseCheck)
		// New households were checked for repeated ID numbers by the
		// database's unique index as they went in, and against the others
		// by Check; the others among themselves here.
		var refs []idRef
		for i, h := range later {
			for _, m := range h.Members {
				refs = append(refs, idRef{m.IDNumber, m.Row, int32(i)})
			}
		}
		if len(duplicates(refs)) > 0 {
			return errRestart
		}
		conflicts, err := it.Check(later)
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return errRestart
		}
		r.setPhase(PhaseWrite)
		c, err := it.Apply(later, func(done, total int) { r.progress(done, total, false) })
		if apperr.Is(err, apperr.Conflict) {
			return errRestart
		}
		if err != nil {
			return err
		}
		if err := it.Finish(); apperr.Is(err, apperr.Conflict) {
			return errRestart // an ID number twice among new households: the plain path says where
		} else if err != nil {
			return err
		}
		addCounts(&counts, c)
		r.res.ImportCounts = counts
		r.res.Committed = counts.HouseholdsAdded+counts.HouseholdsChanged > 0
		r.countRejected()
		done = true
		return r.record(it)
	})
	r.closed = nil
	if errors.Is(err, errRestart) {
		return false, nil
	}
	return done, err
}

// record writes the import's summary to the audit trail, in its
// transaction: who imported which file (name and SHA-256), where, and what
// it did. Households added and changed have entries of their own.
func (r *run) record(it *store.ImportTx) error {
	region := r.opts.Region
	if region == "" {
		if len(r.counties) == 1 {
			for c := range r.counties {
				region = c + "000000"
			}
		} else if r.opts.Scope.Region != "*" {
			region = r.opts.Scope.Region
		}
	}
	digest := <-r.digest
	r.digest <- digest
	detail := fmt.Sprintf("导入农户花名册“%s”（%s，%d行，SHA-256 %s）：%s", r.opts.FileName, r.res.Format, r.res.Rows, digest, r.res.Summary())
	return it.Record(store.Change{Action: audit.ActImport, Object: "household_register", Region: region, Detail: detail})
}

// fileDigest is the SHA-256 of a file in hex ("" if unreadable).
func fileDigest(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func addCounts(dst *store.ImportCounts, c store.ImportCounts) {
	dst.HouseholdsAdded += c.HouseholdsAdded
	dst.HouseholdsChanged += c.HouseholdsChanged
	dst.HouseholdsUnchanged += c.HouseholdsUnchanged
	dst.MembersAdded += c.MembersAdded
	dst.MembersChanged += c.MembersChanged
	dst.MembersUnchanged += c.MembersUnchanged
	dst.MembersMoved += c.MembersMoved
	dst.MembersNotInFile += c.MembersNotInFile
}

// checkAndWrite is pass 2 of the plain path, in one transaction (read-only
// when nothing is to be written).
func (r *run) checkAndWrite(ctx context.Context, db *store.DB) error {
	r.setPhase(PhaseCheck)
	r.findDuplicates()
	readOnly := r.opts.DryRun || (len(r.res.errs) > 0 && !r.opts.SkipInvalid)
	err := db.Import(ctx, r.opts.Scope, readOnly, func(it *store.ImportTx) error {
		cache := map[string]*villages{}
		var ok []*store.ImportHousehold
		var okFile []*fileHousehold
		for i, number := range r.order {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				r.progress(i, len(r.order), false)
			}
			fh := r.households[number]
			c := fh.snapshot(number)
			ih, err := r.prepare(it, cache, &c, func(row int32, field, msg string) {
				r.problem(row, field, msg)
				fh.bad = true
			})
			if err != nil {
				return err
			}
			if fh.bad || ih == nil {
				continue
			}
			ok = append(ok, ih)
			okFile = append(okFile, fh)
		}
		r.progress(len(r.order), len(r.order), true)
		conflicts, err := it.Check(ok)
		if err != nil {
			return err
		}
		rejected := map[int]bool{}
		for _, c := range conflicts {
			r.problem(c.Row, c.Field, c.Message)
			rejected[c.Household] = true
		}
		valid := ok[:0:0]
		for i, h := range ok {
			if rejected[i] {
				okFile[i].bad = true
				continue
			}
			valid = append(valid, h)
		}
		r.countRejected()
		if len(r.res.errs) > 0 && !r.opts.SkipInvalid {
			return nil // nothing is written
		}
		r.setPhase(PhaseWrite)
		counts, err := it.Apply(valid, func(done, total int) { r.progress(done, total, false) })
		if err != nil {
			return err
		}
		r.res.ImportCounts = counts
		r.res.Committed = !readOnly && (counts.HouseholdsAdded+counts.HouseholdsChanged) > 0
		if readOnly {
			return nil
		}
		return r.record(it)
	})
	if err != nil {
		return err
	}
	if r.opts.SkipInvalid {
		r.addRejectedRows()
	}
	return nil
}

func (r *run) countRejected() {
	r.res.HouseholdsRejected, r.res.Members = 0, 0
	for _, fh := range r.households {
		if fh.bad {
			r.res.HouseholdsRejected++
		} else {
			r.res.Members += int(fh.n)
		}
	}
}

// addRejectedRows puts the valid rows of refused households in the error
// workbook too: with SkipInvalid, they were not imported either.
func (r *run) addRejectedRows() {
	for _, number := range r.order {
		fh := r.households[number]
		if !fh.bad {
			continue
		}
		for i := range fh.members {
			row := fh.members[i].Row
			if _, ok := r.res.errs[row]; !ok {
				r.res.errs[row] = "同一户（户编号" + number + "）的其他行有误，整户未导入"
			}
		}
	}
}

// report is pass 3: read the file again and copy the refused rows, with
// their numbers and reasons, to the error workbook.
func (r *run) report(ctx context.Context, path string, w io.Writer) error {
	f, h, err := openSheet(path, r.opts)
	if err != nil {
		return err
	}
	defer f.Close()
	rows := make([]int32, 0, len(r.res.errs))
	for n := range r.res.errs {
		rows = append(rows, n)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i] < rows[j] })
	rep, err := sheet.NewErrorReport(w, h.Cells)
	if err != nil {
		return err
	}
	// Problems found on the header row itself come first.
	next := 0
	for next < len(rows) && int(rows[next]) <= h.Row {
		if err := rep.Add(int(rows[next]), nil, r.res.errs[rows[next]]); err != nil {
			return err
		}
		next++
	}
	for next < len(rows) {
		row, err := f.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if row.Num%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			r.progress(next, len(rows), false)
		}
		for next < len(rows) && int(rows[next]) < row.Num {
			next++ // not expected: every refused row is a row of the file
		}
		if next < len(rows) && int(rows[next]) == row.Num {
			if err := rep.Add(row.Num, row.Cells, r.res.errs[rows[next]]); err != nil {
				return err
			}
			next++
		}
	}
	return rep.Close()
}

// Summary says in one Chinese sentence what the import did.
func (res *Result) Summary() string {
	var b strings.Builder
	switch {
	case res.DryRun && res.ProblemCount == 0:
		b.WriteString("检查通过（试运行，未写入）：")
	case res.DryRun:
		fmt.Fprintf(&b, "检查未通过（试运行，未写入）：%d 行有误，涉及 %d 户。", len(res.errs), res.HouseholdsRejected)
		return b.String()
	case res.ProblemCount > 0 && !res.Committed && res.HouseholdsAdded+res.HouseholdsChanged+res.HouseholdsUnchanged == 0:
		fmt.Fprintf(&b, "导入未进行：文件中 %d 行有误，涉及 %d 户，数据库未作任何改动。请按错误明细改正后重新导入整个文件。", len(res.errs), res.HouseholdsRejected)
		return b.String()
	case res.ProblemCount > 0:
		fmt.Fprintf(&b, "已导入有效的农户，%d 户因有误未导入（%d 行）：", res.HouseholdsRejected, len(res.errs))
	default:
		b.WriteString("导入完成：")
	}
	fmt.Fprintf(&b, "新增 %d 户、%d 人；更新 %d 户、%d 人；未变 %d 户、%d 人",
		res.HouseholdsAdded, res.MembersAdded, res.HouseholdsChanged, res.MembersChanged, res.HouseholdsUnchanged, res.MembersUnchanged)
	if res.MembersNotInFile > 0 {
		fmt.Fprintf(&b, "；系统中另有 %d 人未在文件中列出，已保留未删", res.MembersNotInFile)
	}
	b.WriteString("。")
	return b.String()
}

// OK reports whether the import went through without refusing any row.
func (res *Result) OK() bool { return res.ProblemCount == 0 }
