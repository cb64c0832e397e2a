package importer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// ExportOptions of an export of the register.
type ExportOptions struct {
	Scope  store.Scope // the exporter's
	Region string      // subtree to export ("" is the whole scope)
	Format sheet.Format
	// Mask hides the middle of ID numbers and phones. A masked file says
	// that it is for reading only: it cannot be imported back.
	Mask bool
	// Title is written above the header of an XLSX ("" for none).
	Title string
	// Where names the region in the audit trail ("" for its code).
	Where string
	// Progress, when set, is called about every 200 ms with members written.
	Progress func(rows int)
}

// ExportResult says what was exported.
type ExportResult struct {
	Households int `json:"households"`
	Members    int `json:"members"`
	Sheets     int `json:"sheets"`
}

// MaskedNote is written into masked exports (and shown by the page).
const MaskedNote = "本文件中的身份证号和联系电话已脱敏（中间用*代替），仅供查阅，不能用于导入。需要导入或核对时，请由有权限查看完整号码的账号导出。"

// Export writes the households and members of a region subtree to w as the
// register (the import template's columns, so that an unmasked export
// imports back unchanged), streamed row by row: XLSX continues on further
// worksheets beyond 1,048,576 rows. Every value is written as text, never
// as a formula. The export is recorded in the audit trail (actor from ctx)
// before anything is written.
func Export(ctx context.Context, db *store.DB, w io.Writer, opts ExportOptions) (ExportResult, error) {
	var res ExportResult
	root := opts.Region
	if root == "" {
		root = opts.Scope.Region
	}
	if root != "*" {
		code, err := region.Normalize(root)
		if err != nil {
			return res, apperr.Field("region", "区域", "%s", err.Error())
		}
		if !opts.Scope.Contains(code) {
			return res, apperr.New(apperr.NotFound, "区域%s不在您的管辖范围内", code)
		}
		root = code
	}
	// Recorded before anything is handed out; the command line acts as
	// the system, the web as the account (the actor of ctx).
	scope := opts.Scope
	if root != "*" {
		scope = store.ScopeOf(root)
	}
	nh, nm, err := db.Counts(ctx, scope)
	if err != nil {
		return res, err
	}
	kind := "完整号码"
	if opts.Mask {
		kind = "脱敏"
	}
	where := opts.Where
	if where == "" {
		where = root
	}
	if err := db.Record(ctx, store.Change{Action: audit.ActExport, Object: "household", Region: strings.TrimPrefix(root, "*"),
		Detail: fmt.Sprintf("导出%s农户花名册（%s，%s）%d户%d人", where, opts.Format, kind, nh, nm)}); err != nil {
		return res, err
	}
	names, err := db.SubtreeNames(ctx, root)
	if err != nil {
		return res, err
	}
	header := registry.RegisterHeader()
	var out sheet.Writer
	var x *sheet.XLSXWriter
	if opts.Format == sheet.FormatCSV {
		if opts.Mask {
			cw, err := sheet.NewCSVWriter(w, []string{MaskedNote})
			if err != nil {
				return res, err
			}
			if err := cw.WriteRow(header); err != nil {
				return res, err
			}
			out = cw
		} else {
			cw, err := sheet.NewCSVWriter(w, header)
			if err != nil {
				return res, err
			}
			out = cw
		}
	} else {
		x, err = sheet.NewXLSXWriter(w, "农户花名册", header)
		if err != nil {
			return res, err
		}
		if opts.Title != "" {
			if err := x.Above(sheet.TitleLine(opts.Title)); err != nil {
				return res, err
			}
		}
		if opts.Mask {
			if err := x.Above(sheet.NoteLine(MaskedNote)); err != nil {
				return res, err
			}
		}
		out = x
	}
	var cells []string
	var lastH int64 = -1
	last := time.Now()
	err = db.EachMember(ctx, opts.Scope, opts.Region, func(h *registry.Household, m *registry.Member) error {
		if h.ID != lastH {
			lastH = h.ID
			res.Households++
		}
		res.Members++
		if res.Members%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if opts.Progress != nil && time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				opts.Progress(res.Members)
			}
		}
		hh, mm := h, m
		if opts.Mask {
			hc, mc := *h, *m
			hc.Phone = auth.MaskPhone(h.Phone)
			mc.IDNumber = auth.MaskID(m.IDNumber)
			hh, mm = &hc, &mc
		}
		cells = registry.AppendRow(cells, hh, mm, names[region.ParentOf(h.RegionCode)], names[h.RegionCode])
		return out.WriteRow(cells)
	})
	if err != nil {
		out.Close()
		return res, err
	}
	if x != nil {
		res.Sheets = 1 + (x.Rows()+len(header))/sheet.DefaultMaxRows
		if opts.Mask {
			if err := x.Below(sheet.NoteLine(MaskedNote)); err != nil {
				return res, err
			}
		}
	} else {
		res.Sheets = 1
	}
	if err := out.Close(); err != nil {
		return res, apperr.Wrap(err, "export")
	}
	if opts.Progress != nil {
		opts.Progress(res.Members)
	}
	return res, nil
}

// WriteTemplate writes the register's template workbook: the columns with
// their accepted names and notes, and an example household.
func WriteTemplate(w io.Writer) error {
	notes := []string{
		"一行填一位家庭成员；同一户的成员填同一户编号，每户有且只有一位“与户主关系”为“户主”。户类型、电话、住址等户级信息填在户主行即可，其他成员行可留空（合并单元格也可以），填了须与户主行一致。",
		"村用“村区划代码”（12位统计用区划代码）确定；没有代码时，可填“乡镇”和“村”的名称，由系统在本县已登记的村中查找。",
		"再次导入同一花名册时，按户编号和身份证号更新原有农户和成员，不会重复新增；文件中未列出的原有成员保留不删。",
		"文件中只要有一行有误，整个文件都不导入，系统返回错误明细表（原行号和错误说明）；改正后请重新导入整个文件。",
	}
	for _, c := range registry.RegisterColumns {
		if c.Note != "" {
			notes = append(notes, fmt.Sprintf("“%s”：%s。", c.Label, c.Note))
		}
	}
	example := func(name, id, rel, sex, birth, schooling, school, labour string) []string {
		return []string{"1411211042010001", "刘胡兰镇", "东堡村", "141121104201", "脱贫户", "", "否", "低保户", "是", "二类", "否",
			"13912345678", "文水县刘胡兰镇东堡村8号", name, id, sex, birth, rel, "无", "", "健康", schooling, school, labour, "是"}
	}
	examples := [][]string{
		example("王建国", idcard.Make("141121", time.Date(1968, 5, 1, 0, 0, 0, 0, time.UTC), 11), "户主", "男", "1968-05-01", "非在校生", "", "普通劳动力"),
		example("李秀英", idcard.Make("141121", time.Date(1970, 8, 12, 0, 0, 0, 0, time.UTC), 22), "配偶", "女", "1970-08-12", "非在校生", "", "普通劳动力"),
		example("王浩然", idcard.Make("141121", time.Date(2010, 3, 9, 0, 0, 0, 0, time.UTC), 33), "子女", "男", "2010-03-09", "在校生", "文水县第二中学", "无劳动力"),
	}
	// Household fields on the head's row only, as the notes say.
	for _, ex := range examples[1:] {
		for i, c := range registry.RegisterColumns {
			if c.Household && c.Key != "number" {
				ex[i] = ""
			}
		}
	}
	return sheet.WriteTemplate(w, "农户花名册导入模板", Columns(), examples, notes)
}
