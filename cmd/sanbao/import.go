package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/importer"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// Import, export and template of the household register:
//
//	sanbao import households FILE [--region CODE] [--skip-invalid] [--dry-run] [--sheet NAME] [--errors OUT.xlsx]
//	sanbao export households --region CODE --format xlsx|csv -o FILE
//	sanbao template households -o FILE
//
// The command line acts as the system itself (scope: everywhere, full ID
// numbers).

func init() {
	register(command{"import", "import the household register from XLSX or CSV (sanbao import households FILE)", runImport})
	register(command{"export", "export the household register to XLSX or CSV (sanbao export households ...)", runExport})
	register(command{"template", "write the import template workbook (sanbao template households -o FILE)", runTemplate})
}

// subject checks the first argument names what the command works on.
func subject(e *env, name string, args []string) ([]string, error) {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(e.stdout, "Usage: sanbao %s households ... (sanbao %s households --help)\n", name, name)
		return nil, flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "households" {
		fmt.Fprintf(e.stderr, "usage: sanbao %s households ...\n", name)
		return nil, errUsage
	}
	return args[1:], nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

type importConfig struct {
	DB, File, Region, Sheet, Errors string
	SkipInvalid, DryRun             bool
}

func parseImport(e *env, args []string) (importConfig, error) {
	var cfg importConfig
	fs := flagSet(e, "import households", "FILE [--region CODE] [--skip-invalid] [--dry-run] [--sheet NAME] [--errors OUT.xlsx] [--db DSN]")
	dsn := dbFlag(fs, e)
	fs.StringVar(&cfg.Region, "region", "", "region code: every household must lie in it (and villages are looked up by name in its county)")
	fs.BoolVar(&cfg.SkipInvalid, "skip-invalid", false, "import the valid households and report the others (default: one invalid row and nothing is imported)")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "check everything, write nothing")
	fs.StringVar(&cfg.Sheet, "sheet", "", "XLSX worksheet to read (default: the first)")
	fs.StringVar(&cfg.Errors, "errors", "", "where to write the error workbook (default: FILE.errors.xlsx next to FILE)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: sanbao import households FILE [flags]")
		return cfg, errUsage
	}
	cfg.DB, cfg.File = *dsn, pos[0]
	if cfg.Errors == "" {
		cfg.Errors = strings.TrimSuffix(cfg.File, filepath.Ext(cfg.File)) + ".errors.xlsx"
	}
	return cfg, nil
}

func runImport(ctx context.Context, e *env, args []string) error {
	args, err := subject(e, "import", args)
	if err != nil {
		return err
	}
	cfg, err := parseImport(e, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg.DB, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := importFile(ctx, e, db, cfg)
	if err != nil {
		return err
	}
	if !res.OK() {
		return apperr.New(apperr.Invalid, "%s", res.Summary())
	}
	return nil
}

// importFile runs one import from the command line, printing the result.
func importFile(ctx context.Context, e *env, db *store.DB, cfg importConfig) (*importer.Result, error) {
	bar := newProgressBar(e.stderr)
	tmp := cfg.Errors + ".part"
	ef := &lazyFile{path: tmp}
	defer os.Remove(tmp)
	res, err := importer.Run(ctx, db, cfg.File, importer.Options{
		Scope: store.Everywhere, Region: cfg.Region, Sheet: cfg.Sheet,
		SkipInvalid: cfg.SkipInvalid, DryRun: cfg.DryRun, Progress: bar.update, Errors: ef,
	})
	bar.done()
	if cerr := ef.Close(); err == nil && cerr != nil {
		err = apperr.Wrap(cerr, "write %s", tmp)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stdout, "文件：%s（%s", cfg.File, res.Format)
	if res.Encoding != "" {
		fmt.Fprintf(e.stdout, "，%s 编码", res.Encoding)
	}
	if res.Sheet != "" {
		fmt.Fprintf(e.stdout, "，工作表“%s”", res.Sheet)
	}
	fmt.Fprintf(e.stdout, "），%d 行，%d 户，用时 %.1f 秒\n", res.Rows, res.Households, res.Duration.Seconds())
	if len(res.Ignored) > 0 {
		fmt.Fprintf(e.stdout, "未识别的列（已忽略）：%s\n", strings.Join(res.Ignored, "、"))
	}
	if res.RowsRejected > 0 {
		if err := os.Rename(tmp, cfg.Errors); err != nil {
			return nil, apperr.Wrap(err, "rename %s", tmp)
		}
		n := min(len(res.Problems), 10)
		for _, p := range res.Problems[:n] {
			fmt.Fprintln(e.stdout, "  "+p.String())
		}
		if res.ProblemCount > n {
			fmt.Fprintf(e.stdout, "  ……共 %d 处问题\n", res.ProblemCount)
		}
		fmt.Fprintf(e.stdout, "错误明细：%s（%d 行）\n", cfg.Errors, res.RowsRejected)
	}
	fmt.Fprintln(e.stdout, res.Summary())
	if e.getenv("SANBAO_TRACE") != "" {
		for _, p := range []importer.Phase{importer.PhaseRead, importer.PhaseCheck, importer.PhaseWrite, importer.PhaseReport} {
			fmt.Fprintf(e.stderr, "%s %.2fs\n", p, res.Phases[p].Seconds())
		}
		tracePeak(e)
	}
	return res, nil
}

// lazyFile is created at its first write: an import without errors leaves
// no file behind.
type lazyFile struct {
	path string
	f    *os.File
	err  error
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.f == nil && l.err == nil {
		if l.f, l.err = os.Create(l.path); l.err != nil {
			l.err = apperr.Wrap(l.err, "create %s", l.path)
		}
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.f.Write(p)
}

func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}

// progressBar draws import progress on a terminal: phase, rows, rows/s and
// the time left. On anything but a terminal (a log) it writes one line per
// phase.
type progressBar struct {
	w     io.Writer
	tty   bool
	drawn bool
	phase importer.Phase
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *progressBar) update(p importer.Progress) {
	if !b.tty {
		if p.Phase != b.phase && p.Phase != importer.PhaseDone {
			fmt.Fprintf(b.w, "%s……\n", p.Phase.Label())
		}
		b.phase = p.Phase
		return
	}
	if p.Phase != b.phase && b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
	b.phase = p.Phase
	if p.Phase == importer.PhaseDone {
		return
	}
	fmt.Fprint(b.w, "\r"+progressLine(p)+"\x1b[K")
	b.drawn = true
}

func (b *progressBar) done() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}

// progressLine is one line of the bar, e.g.
// "读取并检查 [########------------]  40%  400000/1000000 行  85000 行/秒  剩余 7 秒".
func progressLine(p importer.Progress) string {
	const width = 24
	var b strings.Builder
	fmt.Fprintf(&b, "%s ", p.Phase.Label())
	if p.Total > 0 {
		pct := min(p.Rows*100/p.Total, 100)
		fill := pct * width / 100
		fmt.Fprintf(&b, "[%s%s] %3d%%  %d/%d 行", strings.Repeat("#", fill), strings.Repeat("-", width-fill), pct, p.Rows, p.Total)
	} else {
		fmt.Fprintf(&b, "%d 行", p.Rows)
	}
	if r := p.RowsPerSec(); r > 0 {
		fmt.Fprintf(&b, "  %.0f 行/秒", r)
	}
	if left := p.Remaining(); left > 0 {
		fmt.Fprintf(&b, "  剩余 %s", left.Round(time.Second))
	}
	return b.String()
}

func formatOf(name, flagValue string) (sheet.Format, error) {
	f := strings.ToLower(flagValue)
	if f == "" {
		f = strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	}
	switch f {
	case "xlsx":
		return sheet.FormatXLSX, nil
	case "csv":
		return sheet.FormatCSV, nil
	}
	return 0, apperr.New(apperr.Invalid, "--format 应为 xlsx 或 csv")
}

func runExport(ctx context.Context, e *env, args []string) error {
	args, err := subject(e, "export", args)
	if err != nil {
		return err
	}
	fs := flagSet(e, "export households", "--region CODE [--format xlsx|csv] -o FILE [--db DSN]")
	dsn := dbFlag(fs, e)
	regionCode := fs.String("region", "", "region subtree to export (province, city, county, township or village code)")
	format := fs.String("format", "", "xlsx or csv (default: from the file name)")
	out := fs.String("o", "", "output file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || *regionCode == "" {
		fmt.Fprintln(e.stderr, "usage: sanbao export households --region CODE --format xlsx|csv -o FILE")
		return errUsage
	}
	f, err := formatOf(*out, *format)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := exportFile(ctx, db, *out, importer.ExportOptions{Scope: store.Everywhere, Region: *regionCode, Format: f})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导出 %d 户、%d 人到 %s（%s", res.Households, res.Members, *out, f)
	if f == sheet.FormatXLSX && res.Sheets > 1 {
		fmt.Fprintf(e.stdout, "，%d 个工作表", res.Sheets)
	}
	fmt.Fprintf(e.stdout, "），用时 %.1f 秒\n", time.Since(start).Seconds())
	if e.getenv("SANBAO_TRACE") != "" {
		tracePeak(e)
	}
	return nil
}

// tracePeak writes the process's peak resident memory (Linux), for
// `sanbao bench import`.
func tracePeak(e *env) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Fprintf(e.stderr, "peak_rss_kib %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}

// exportFile writes an export to path through a temporary file, so that an
// interrupted export leaves no half-written file behind.
func exportFile(ctx context.Context, db *store.DB, path string, opts importer.ExportOptions) (importer.ExportResult, error) {
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return importer.ExportResult{}, apperr.Wrap(err, "create %s", tmp)
	}
	defer os.Remove(tmp)
	res, err := importer.Export(ctx, db, f, opts)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = apperr.Wrap(cerr, "write %s", tmp)
	}
	if err != nil {
		return res, err
	}
	return res, os.Rename(tmp, path)
}

func runTemplate(ctx context.Context, e *env, args []string) error {
	args, err := subject(e, "template", args)
	if err != nil {
		return err
	}
	fs := flagSet(e, "template households", "-o FILE")
	out := fs.String("o", "农户花名册导入模板.xlsx", "output file")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return apperr.Wrap(err, "create %s", *out)
	}
	if err := importer.WriteTemplate(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return apperr.Wrap(err, "write %s", *out)
	}
	fmt.Fprintf(e.stdout, "已写出导入模板：%s\n", *out)
	return nil
}
