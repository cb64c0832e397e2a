package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/demo"
	"sanbao/internal/ledger"
	"sanbao/internal/ledgerdemo"
	"sanbao/internal/ledgerfile"
	"sanbao/internal/region"
	"sanbao/internal/store"
)

// cliLedgerActor is who acts from the command line, as the dossier prints it.
var cliLedgerActor = ledger.Actor{Name: "命令行", Role: "系统管理"}

var ledgerCommands = map[string]struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}{
	"check":  {"put every problem past its time limit on the accountability list", ledgerCheck},
	"export": {"write the ledger in the official template (002 附件1) to an XLSX file", ledgerExport},
	"import": {"import a ledger in the official template: all rows or none", ledgerImport},
	"demo":   {"generate the demo county's ledger (deterministic)", ledgerDemo},
}

func init() {
	register(command{"ledger", "problem ledger: check | export | import | demo", func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || ledgerCommands[args[0]].run == nil {
			fmt.Fprintln(e.stderr, "usage: sanbao ledger <command> [flags]; commands:")
			for _, n := range []string{"check", "export", "import", "demo"} {
				fmt.Fprintf(e.stderr, "  %-8s %s\n", n, ledgerCommands[n].summary)
			}
			return errUsage
		}
		return ledgerCommands[args[0]].run(ctx, e, args[1:])
	}})
}

func ledgerCheck(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "ledger check", "[--db DSN] [--region CODE]")
	dsn := dbFlag(fs, e)
	reg := fs.String("region", "", "only this region (12-digit code or prefix); default everywhere")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	sc := store.Everywhere
	if *reg != "" {
		code, err := region.Normalize(*reg)
		if err != nil {
			return apperr.New(apperr.Invalid, "--region：%s", err.Error())
		}
		sc = store.ScopeOf(code)
	}
	n, err := db.CheckOverdue(cliActor(ctx), sc)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "时限检查完成：新列入约谈问责名单 %d 件\n", n)
	return nil
}

// ledgerFilterFlags adds the list filters shared by export.
func ledgerFilterFlags(fs interface {
	StringVar(p *string, name, value, usage string)
}) *store.ProblemFilter {
	f := &store.ProblemFilter{}
	fs.StringVar(&f.Region, "region", "", "region (12-digit code or prefix)")
	fs.StringVar(&f.TaskForce, "task-force", "", "专班")
	fs.StringVar(&f.LeadUnit, "lead-unit", "", "牵头单位")
	fs.StringVar(&f.Dimension, "dimension", "", "问题类别")
	fs.StringVar(&f.Result, "result", "", "整改结果")
	return f
}

func ledgerExport(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "ledger export", "[--db DSN] [filters] --out FILE.xlsx")
	dsn := dbFlag(fs, e)
	f := ledgerFilterFlags(fs)
	out := fs.String("out", "", "the XLSX file to write")
	filledBy := fs.String("filled-by", "", "填表人")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return apperr.New(apperr.Invalid, "请用 --out 指定输出文件")
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	now := db.Clock.Now()
	unit := ""
	if f.Region != "" {
		if r, err := db.Region(ctx, f.Region); err == nil {
			unit = r.Name
		}
	}
	f.States = store.LedgerStates(f.States)
	n, err := db.CountProblems(ctx, store.Everywhere, *f)
	if err != nil {
		return err
	}
	if err := db.Record(cliActor(ctx), store.Change{Action: audit.ActExport, Object: "problem", Region: exportRegion(f.Region),
		Detail: fmt.Sprintf("导出问题台账 %d 条到 %s", n, *out)}); err != nil {
		return err
	}
	file, err := os.Create(*out)
	if err != nil {
		return apperr.Wrap(err, "create %s", *out)
	}
	defer file.Close()
	w := bufio.NewWriterSize(file, 1<<20)
	x, err := ledgerfile.NewExport(w, ledger.TemplateTitle(unit, now.In(clock.China).Year()),
		ledger.Header{TaskForce: f.TaskForce, LeadUnit: f.LeadUnit, FilledBy: *filledBy, Date: deadline.Day(now)})
	if err != nil {
		return err
	}
	if err := db.EachProblem(ctx, store.Everywhere, *f, x.Add); err != nil {
		return err
	}
	if err := x.Close(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return apperr.Wrap(err, "write %s", *out)
	}
	fmt.Fprintf(e.stdout, "已导出 %d 个问题到 %s\n", x.Rows(), *out)
	return nil
}

// exportRegion is the 12-digit region an export is recorded under ("" for
// everywhere).
func exportRegion(code string) string {
	if c, err := region.Normalize(code); err == nil {
		return c
	}
	return ""
}

func ledgerImport(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "ledger import", "[--db DSN] --region CODE [--dimension D] [--dry-run] [--errors OUT.xlsx] FILE")
	dsn := dbFlag(fs, e)
	reg := fs.String("region", "", "region of new problems (village, township or county)")
	dim := fs.String("dimension", "", "dimension of new problems (default: from the header's 专班)")
	dry := fs.Bool("dry-run", false, "check only, import nothing")
	errOut := fs.String("errors", "", "write the error workbook here when the file is refused")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "usage: sanbao ledger import [flags] FILE")
		return errUsage
	}
	path := fs.Arg(0)
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	file, err := os.Open(path)
	if err != nil {
		return apperr.Wrap(err, "open %s", path)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return apperr.Wrap(err, "stat %s", path)
	}
	parsed, err := ledgerfile.Read(file, st.Size(), db.Clock.Now().In(clock.China).Year())
	if err != nil {
		return err
	}
	refuse := func(err error) error {
		if *errOut != "" && apperr.Is(err, apperr.Invalid) {
			out, ferr := os.Create(*errOut)
			if ferr != nil {
				return apperr.Wrap(ferr, "create %s", *errOut)
			}
			defer out.Close()
			if werr := parsed.WriteErrors(out, apperr.FieldsOf(err)); werr != nil {
				return werr
			}
			fmt.Fprintf(e.stderr, "错误明细已写入 %s\n", *errOut)
		}
		return err
	}
	if err := parsed.Err(); err != nil {
		return refuse(err)
	}
	res, err := db.ImportLedger(cliActor(ctx), store.Everywhere, store.LedgerImport{Header: parsed.Header, Rows: parsed.Rows, DryRun: *dry,
		New: ledger.ImportContext{Region: *reg, Dimension: *dim}}, cliLedgerActor)
	if err != nil {
		return refuse(err)
	}
	verb := "已导入"
	if res.DryRun {
		verb = "检查通过（未导入）"
	}
	fmt.Fprintf(e.stdout, "%s：新增 %d，更新 %d，未变 %d\n", verb, res.Added, res.Updated, res.Unchanged)
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stdout, "提示："+w)
	}
	return nil
}

func ledgerDemo(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "ledger demo", "[--db DSN] [--problems N] [--seed S]")
	dsn := dbFlag(fs, e)
	n := fs.Int("problems", 10000, "number of problems")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same ledger")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	made, err := loadLedgerDemo(ctx, db, *n, *seed, e)
	if err != nil {
		return err
	}
	if !made {
		return apperr.New(apperr.Conflict, "数据库中已有文水县的问题台账，未重复生成")
	}
	return nil
}

// demoLedgerNow is the moment the demo ledger is as at; the benchmark runs
// its clock there so that the stages keep their states.
var demoLedgerNow = time.Date(2024, 8, 20, 10, 0, 0, 0, clock.China)

// loadLedgerDemo generates the demo county's ledger unless it has problems
// already; the villages of the demo county are added when missing.
func loadLedgerDemo(ctx context.Context, db *store.DB, n int, seed uint64, e *env) (bool, error) {
	county := store.ScopeOf(demo.County + "000000")
	pg, err := db.ListProblems(ctx, county, store.ProblemFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	if pg.Total > 0 {
		return false, nil
	}
	villages, err := demoVillages(ctx, db)
	if err != nil {
		return false, err
	}
	start := time.Now()
	g, err := ledgerdemo.New(ledgerdemo.Options{Problems: n, Seed: seed, Now: demoLedgerNow, Villages: villages})
	if err != nil {
		return false, err
	}
	done := 0
	last := time.Now()
	err = db.LoadProblems(cliActor(ctx), func(add func([]*ledger.Problem) error) error {
		return g.Each(2000, func(ps []*ledger.Problem) error {
			if err := add(ps); err != nil {
				return err
			}
			done += len(ps)
			if time.Since(last) > time.Second || done == n {
				last = time.Now()
				fmt.Fprintf(e.stdout, "\r生成问题台账：%d / %d", done, n)
			}
			return nil
		})
	})
	if err != nil {
		return false, err
	}
	if err := db.AnalyzeLedger(ctx); err != nil {
		return false, err
	}
	fmt.Fprintf(e.stdout, "\n已生成文水县问题台账：%d 个问题，%d 个村，用时 %.1f 秒\n", n, len(villages), time.Since(start).Seconds())
	return true, nil
}

// demoVillages returns the villages of the demo county, adding the demo
// generator's villages when the county has none.
func demoVillages(ctx context.Context, db *store.DB) ([]string, error) {
	list := func() ([]string, error) {
		towns, err := db.Children(ctx, demo.County+"000000")
		if err != nil {
			return nil, err
		}
		var out []string
		for _, t := range towns {
			vs, err := db.Children(ctx, t.Code)
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				out = append(out, v.Code)
			}
		}
		return out, nil
	}
	vs, err := list()
	if err != nil || len(vs) > 0 {
		return vs, err
	}
	g, err := demo.New(demo.Options{Seed: 1})
	if err != nil {
		return nil, err
	}
	if err := db.AddVillages(ctx, g.Villages); err != nil {
		return nil, err
	}
	vs, err = list()
	if err == nil && len(vs) == 0 {
		err = apperr.New(apperr.Internal, "演示县没有村")
	}
	return vs, err
}
