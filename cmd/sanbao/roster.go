package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/crosscheck"
	"sanbao/internal/store"
)

// The department cross-check on the command line: a county's clerk (or the
// integrator's scripts) imports a department's roster, downloads the
// template and the rows that did not match, and lists the alerts.

func init() {
	register(command{"roster", "department rosters: import, template, errors (sanbao roster <sub> --help)", runRoster})
	register(command{"alerts", "cross-check alerts: list (sanbao alerts list --help)", runAlerts})
}

func runRoster(ctx context.Context, e *env, args []string) error {
	return subcommands(ctx, e, "roster", args, map[string]func(context.Context, *env, []string) error{
		"import": rosterImport, "template": rosterTemplate, "errors": rosterErrors,
	}, []string{"import", "template", "errors"})
}

// parseWithFile parses flags followed by exactly one file argument (flags
// may also follow the file).
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return "", err
		}
		return "", errUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprintln(fs.Output(), "missing FILE")
		return "", errUsage
	}
	file := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return "", errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return "", errUsage
	}
	return file, nil
}

func departmentFlag(s string) (auth.Department, error) {
	d, ok := auth.ParseDepartment(s)
	if !ok {
		return "", apperr.Field("department", "部门", "“%s”不是有效部门，应为：%s", s, strings.Join(rosterDepartments(), "、"))
	}
	return d, nil
}

func rosterDepartments() []string {
	var out []string
	for _, d := range auth.Departments() {
		if len(crosscheck.KindsOf(d)) > 0 {
			out = append(out, string(d)+"（"+d.Label()+"）")
		}
	}
	return out
}

func rosterImport(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "roster import", "--department D --county C [--kind K] [--db DSN] FILE")
	dsn := dbFlag(fs, e)
	keyFile := keyFlag(fs)
	dept := fs.String("department", "", "uploading department: "+strings.Join(rosterDepartments(), ", "))
	county := fs.String("county", "", "county code (6 digits, e.g. 141121)")
	kind := fs.String("kind", "", "roster type when the department has several (default: detected from the header)")
	by := fs.String("by", "", "name recorded as the uploader (default: the system user)")
	limit := fs.Float64("large-out-of-pocket", 0, "large-expense alert amount in yuan (default: the policy default)")
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	d, err := departmentFlag(*dept)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return apperr.New(apperr.Invalid, "无法打开文件%s：%v", file, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	db, _, err := openDBKey(ctx, *dsn, *keyFile, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliActor(ctx)
	name := *by
	if name == "" {
		name = "命令行（" + os.Getenv("USER") + "）"
	}
	up, err := db.ImportRoster(ctx, store.Everywhere, store.RosterImport{County: *county, Department: d, Kind: *kind,
		FileName: filepath.Base(file), File: f, Size: st.Size(), By: crosscheck.Actor{Name: name}, LargeOutOfPocket: *limit})
	if err != nil {
		return err
	}
	printUpload(e.stdout, up)
	return nil
}

func printUpload(w io.Writer, up *crosscheck.Upload) {
	fmt.Fprintf(w, "第%d号上传：%s %s（%s，%s %s，SHA-256 %s）\n", up.ID, up.Department.Label(), up.KindLabel, up.FileName,
		up.Format, up.Encoding, up.SHA256[:16]+"…")
	if up.Year != 0 {
		fmt.Fprintf(w, "比对参保年度：%d年\n", up.Year)
	}
	fmt.Fprintf(w, "数据行 %d：匹配 %d（%d人/户/村），不在本县农户信息中 %d，有错误 %d\n", up.Rows, up.Matched, up.Subjects, up.Unknown, up.Invalid)
	fmt.Fprintf(w, "预警：新推送 %d，仍待处理（未重复推送）%d，曾核实不属实且情况未变 %d，新名单显示已解决 %d\n",
		up.AlertsNew, up.AlertsSeen, up.AlertsKept, up.AlertsResolved)
	if up.Unknown+up.Invalid > 0 {
		fmt.Fprintf(w, "未匹配和有错误的行：sanbao roster errors --upload %d -o 错误明细.xlsx\n", up.ID)
	}
	fmt.Fprintf(w, "用时 %.2f 秒\n", float64(up.DurationMS)/1000)
}

func rosterTemplate(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "roster template", "--department D [--kind K] -o FILE")
	dept := fs.String("department", "", "department: "+strings.Join(rosterDepartments(), ", "))
	kind := fs.String("kind", "", "roster type when the department has several (default: the first)")
	out := fs.String("o", "", "output .xlsx file")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := departmentFlag(*dept)
	if err != nil {
		return err
	}
	k := *kind
	if k == "" && len(crosscheck.KindsOf(d)) > 1 {
		k = string(crosscheck.KindsOf(d)[0].Kind)
	}
	ki, err := crosscheck.ResolveKind(d, k)
	if err != nil {
		return err
	}
	if *out == "" {
		return apperr.Field("o", "输出文件", "请用 -o 指定输出的 .xlsx 文件")
	}
	return writeFile(*out, func(w io.Writer) error { return store.WriteRosterTemplate(w, ki) })
}

func writeFile(path string, fn func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return apperr.New(apperr.Invalid, "无法创建文件%s：%v", path, err)
	}
	bw := bufio.NewWriter(f)
	if err := fn(bw); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func rosterErrors(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "roster errors", "--upload ID -o FILE [--db DSN]")
	dsn := dbFlag(fs, e)
	keyFile := keyFlag(fs)
	id := fs.Int64("upload", 0, "upload number")
	out := fs.String("o", "", "output .xlsx file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || *id <= 0 {
		return apperr.New(apperr.Invalid, "请用 --upload 指定上传编号、-o 指定输出文件")
	}
	db, _, err := openDBKey(ctx, *dsn, *keyFile, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = cliActor(ctx)
	return writeFile(*out, func(w io.Writer) error { return db.WriteRejectsWorkbook(ctx, store.Everywhere, *id, w) })
}

func runAlerts(ctx context.Context, e *env, args []string) error {
	return subcommands(ctx, e, "alerts", args, map[string]func(context.Context, *env, []string) error{"list": alertsList}, []string{"list"})
}

func alertsList(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "alerts list", "[--region CODE] [--state S] [--department D] [--upload N] [--due overdue|due_soon] [--limit N] [--db DSN]")
	dsn := dbFlag(fs, e)
	var f store.AlertFilter
	fs.StringVar(&f.Region, "region", "", "region code (a village, township or county)")
	fs.StringVar(&f.State, "state", "", "pushed (or open), confirmed, dismissed, resolved")
	dept := fs.String("department", "", "only this department's alerts")
	fs.Int64Var(&f.UploadID, "upload", 0, "only the alerts pushed by this upload")
	fs.StringVar(&f.Due, "due", "", "overdue or due_soon")
	fs.IntVar(&f.Limit, "limit", 50, "at most this many (≤ 500)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dept != "" {
		d, err := departmentFlag(*dept)
		if err != nil {
			return err
		}
		f.Department = d
	}
	db, err := openDB(ctx, *dsn, e.stdout)
	if err != nil {
		return err
	}
	defer db.Close()
	page, err := db.ListAlerts(ctx, store.Everywhere, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t村\t户编号\t姓名\t身份证号\t预警\t状态\t核实时限")
	for _, a := range page.Items {
		name := a.MemberName
		if name == "" {
			name = a.HeadName
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s（%s）\n", a.ID, a.VillageName, a.HouseholdNumber, name, a.IDNumber, a.Title,
			a.StateLabel, a.Mark.DueText, a.Mark.Hint)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "共 %d 条（显示 %d 条）\n", page.Total, len(page.Items))
	return nil
}
