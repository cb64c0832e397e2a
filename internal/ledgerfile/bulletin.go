package ledgerfile

import (
	"fmt"
	"io"
	"strconv"

	"sanbao/internal/clock"
	"sanbao/internal/deadline"
	"sanbao/internal/ledger"
	"sanbao/internal/policy"
	"sanbao/internal/sheet"
)

// BulletinTitle names a weekly dispatch bulletin: 刘胡兰镇问题整改每周调度通报
// (2024年7月22日—2024年7月28日).
func BulletinTitle(unit string, w ledger.Week) string {
	return fmt.Sprintf("%s问题整改每周调度通报（%s）", unit, w.Label())
}

// BulletinColumns are the columns of the bulletin's table.
var BulletinColumns = []string{"分组", "名称", "新增", "销号", "在办", "逾期", "即将到期", "列入约谈问责"}

// OverdueColumns are the columns of the overdue list under the table.
var OverdueColumns = []string{"序号", "问题编号", "具体问题", "所在区划", "牵头单位", "责任人", "逾期环节", "时限", "逾期天数"}

// CountCells writes a line of counts after its group and name.
func CountCells(group, name string, c ledger.Counts) []string {
	return []string{group, name, strconv.Itoa(c.New), strconv.Itoa(c.Closed), strconv.Itoa(c.Open),
		strconv.Itoa(c.Overdue), strconv.Itoa(c.DueSoon), strconv.Itoa(c.Accountable)}
}

// OverdueCells writes one item of the overdue list; names maps region codes
// to names (a code without a name is written as is).
func OverdueCells(i int, o ledger.OverdueItem, names map[string]string) []string {
	place := names[o.Region]
	if place == "" {
		place = o.Region
	}
	return []string{strconv.Itoa(i + 1), o.Number, o.Description, place, o.LeadUnit, o.Owner, o.StageLabel,
		deadline.FormatDue(o.LastDay), strconv.Itoa(o.DaysOverdue)}
}

// AsOf writes the moment a bulletin counts at: 2024年7月24日 09:00.
func AsOf(b ledger.Bulletin) string {
	t := b.Now.In(clock.China)
	return fmt.Sprintf("%s %02d:%02d", deadline.FormatDateCN(t), t.Hour(), t.Minute())
}

// WriteBulletin writes the weekly dispatch bulletin (每周调度通报, 002 §二(二))
// as a printable workbook: the title, the counts in total, by dimension and
// by lead unit, then the overdue list.
func WriteBulletin(w io.Writer, title string, b ledger.Bulletin, names map[string]string) error {
	x, err := sheet.NewXLSXWriter(w, "每周调度通报", BulletinColumns)
	if err != nil {
		return err
	}
	if err := x.Above(sheet.TitleLine(title)); err != nil {
		return err
	}
	if err := x.Above(sheet.Line{Cells: []string{"统计截至" + AsOf(b) + "；在办、逾期、即将到期按此时计算。依据：" + policy.WeeklyDispatch.Quote + "（" + policy.WeeklyDispatch.String() + "）"}, Spans: []sheet.Span{{From: 0, To: -1}}}); err != nil {
		return err
	}
	rows := [][]string{CountCells("合计", "全部问题", b.Total)}
	for _, l := range b.ByDimension {
		rows = append(rows, CountCells("按问题类别", l.Label, l.Counts))
	}
	for _, l := range b.ByLeadUnit {
		rows = append(rows, CountCells("按牵头单位", l.Label, l.Counts))
	}
	for _, r := range rows {
		if err := x.WriteRow(r); err != nil {
			return err
		}
	}
	below := []sheet.Line{{}, {Cells: []string{fmt.Sprintf("逾期问题清单（共%d件）", len(b.Overdue))}, Spans: []sheet.Span{{From: 0, To: -1}}}}
	below = append(below, sheet.Line{Cells: OverdueColumns})
	for i, o := range b.Overdue {
		below = append(below, sheet.Line{Cells: OverdueCells(i, o, names)})
	}
	if len(b.Overdue) == 0 {
		below = append(below, sheet.Line{Cells: []string{"（无）"}})
	}
	for _, l := range below {
		if err := x.Below(l); err != nil {
			return err
		}
	}
	return x.Close()
}
