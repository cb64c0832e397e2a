package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// Screening pages: campaigns with their coverage and the households not yet
// visited, a household's visits and findings, the findings list and its
// export. The visit form is in screening_visit_pages.go.

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/campaigns", Cap: auth.CapViewReports, Handle: (*Server).campaignList},
		pageRoute{Method: "GET", Path: "/campaigns/new", Cap: auth.CapManageCampaign, Handle: (*Server).campaignNew},
		pageRoute{Method: "POST", Path: "/campaigns", Cap: auth.CapManageCampaign, Handle: (*Server).campaignCreate},
		pageRoute{Method: "GET", Path: "/campaigns/{id}", Cap: auth.CapViewReports, Handle: (*Server).campaignPage},
		pageRoute{Method: "GET", Path: "/households/{id}/screening", Cap: auth.CapViewRegistry, Handle: (*Server).householdScreening},
		pageRoute{Method: "GET", Path: "/findings", Cap: auth.CapViewRegistry, Handle: (*Server).findingList},
		pageRoute{Method: "GET", Path: "/findings/export", Cap: auth.CapExport, Handle: (*Server).findingExport},
	)
	registerNav(
		navItem{Label: "排查", Path: "/campaigns", Cap: auth.CapViewReports, Order: 30},
		navItem{Label: "问题线索", Path: "/findings", Cap: auth.CapViewRegistry, Order: 35},
	)
}

// campaignRow is a campaign as the pages show it.
type campaignRow struct {
	*screening.Campaign
	KindLabel  string
	RegionName string
	Dates      string
	DimLabels  string
	Open       bool
}

func (s *Server) campaignRow(r *http.Request, c *screening.Campaign) campaignRow {
	row := campaignRow{Campaign: c, KindLabel: screening.CampaignKinds.LabelOf(c.Kind), RegionName: s.regionLabel(r, c.Region),
		Open: c.Open(s.Clock.Now().In(clock.China))}
	switch {
	case c.Kind == screening.KindRoutine:
		row.Dates = "长期开展"
	default:
		row.Dates = c.Start.String() + " 至 " + c.End.String()
	}
	if len(c.Dimensions) == len(screening.Dimensions.Values) {
		row.DimLabels = "全部方面"
	} else {
		labels := make([]string, len(c.Dimensions))
		for i, d := range c.Dimensions {
			labels[i] = screening.Dimensions.LabelOf(d)
		}
		row.DimLabels = strings.Join(labels, "、")
	}
	return row
}

func (s *Server) campaignList(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	list, err := s.DB.ListCampaigns(r.Context(), me.Scope, store.CampaignFilter{})
	if err != nil {
		return err
	}
	rows := make([]campaignRow, len(list))
	for i, c := range list {
		rows[i] = s.campaignRow(r, c)
	}
	return s.render(w, r, http.StatusOK, "screening/campaigns", &view{Title: "排查", Data: rows})
}

// campaignRegions lists the regions a campaign may cover: the account's
// region and the two levels below it.
func (s *Server) campaignRegions(r *http.Request, root string) ([][2]string, error) {
	out := [][2]string{{root, s.regionLabel(r, root)}}
	groups, err := s.regionChoices(r.Context(), root, "")
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out = append(out, [2]string{g.Code, "　" + g.Name})
		for _, c := range g.Children {
			out = append(out, [2]string{c.Code, "　　" + c.Name})
		}
	}
	return out, nil
}

type campaignFormData struct {
	Regions [][2]string
	Dims    []dimChoice
}

type dimChoice struct {
	Code, Label string
	Checked     bool
}

func dimChoices(checked func(code string) bool) []dimChoice {
	out := make([]dimChoice, len(screening.Dimensions.Values))
	for i, d := range screening.Dimensions.Values {
		out[i] = dimChoice{Code: d.Code, Label: d.Label, Checked: checked(d.Code)}
	}
	return out
}

var campaignFields = []string{"name", "region_code", "start_date", "end_date", "dimensions"}

func (s *Server) campaignForm(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	me := identityOf(r)
	regions, err := s.campaignRegions(r, me.Account.RegionCode)
	if err != nil {
		return err
	}
	data := campaignFormData{Regions: regions, Dims: dimChoices(func(code string) bool { return f.Has("dimensions", code) })}
	return s.render(w, r, status, "screening/campaign_form", &view{Title: "新建集中排查", Form: f, Data: data})
}

func (s *Server) campaignNew(w http.ResponseWriter, r *http.Request) error {
	f := newForm(nil)
	f.Values.Set("region_code", identityOf(r).Account.RegionCode)
	return s.campaignForm(w, r, http.StatusOK, f)
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	vals, err := s.readForm(r, map[string]string{"name": "排查名称", "region_code": "排查范围", "start_date": "开始日期", "end_date": "结束日期"})
	if err != nil {
		return s.campaignForm(w, r, http.StatusUnprocessableEntity, formOf(vals, err, campaignFields...))
	}
	me := identityOf(r)
	c := &screening.Campaign{Kind: screening.KindIntensive, Name: vals.Get("name"), Region: vals.Get("region_code"),
		Dimensions: vals["dimensions"], CreatedBy: me.Account.ID}
	var v apperr.Validation
	for _, d := range []struct {
		name string
		to   *registry.Date
	}{{"start_date", &c.Start}, {"end_date", &c.End}} {
		if s := strings.TrimSpace(vals.Get(d.name)); s != "" {
			t, err := registry.ParseDate(s)
			if err != nil {
				v.Add(d.name, map[string]string{"start_date": "开始日期", "end_date": "结束日期"}[d.name], "“%s”不是有效日期", s)
				continue
			}
			d.to.Time = t
		}
	}
	if err := v.Err(); err != nil {
		return s.campaignForm(w, r, http.StatusUnprocessableEntity, formOf(vals, err, campaignFields...))
	}
	if err := s.DB.CreateCampaign(r.Context(), me.Scope, c); apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return s.campaignForm(w, r, http.StatusUnprocessableEntity, formOf(vals, err, campaignFields...))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/campaigns/%d?ok=created", c.ID), http.StatusSeeOther)
	return nil
}

// coverageRow is one region of a campaign page.
type coverageRow struct {
	store.CoverageRow
	Percent int
	Link    string
}

type campaignPageData struct {
	Campaign  campaignRow
	Here      coverageRow
	Up        []coverageRow // the path from the campaign's region down to Here's parent
	Children  []coverageRow
	Unvisited *store.HouseholdPage
	Villages  map[string]string
	CanVisit  bool
}

func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.DB.Campaign(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	under := r.URL.Query().Get("region")
	rows, err := s.DB.CampaignCoverage(r.Context(), me.Scope, c, under)
	if err != nil {
		return err
	}
	data := campaignPageData{Campaign: s.campaignRow(r, c), CanVisit: me.Can(auth.CapRecordVisit) && c.Open(s.Clock.Now().In(clock.China))}
	link := func(code string) string { return fmt.Sprintf("/campaigns/%d?region=%s", c.ID, code) }
	row := func(cr store.CoverageRow) coverageRow {
		return coverageRow{CoverageRow: cr, Percent: int(cr.Rate()*100 + 0.5), Link: link(cr.Region)}
	}
	if len(rows) == 0 {
		return apperr.New(apperr.NotFound, "该区域不在排查范围内")
	}
	data.Here = row(rows[0])
	for _, cr := range rows[1:] {
		if region.ParentOf(cr.Region) == data.Here.Region {
			data.Children = append(data.Children, row(cr))
		}
	}
	for _, anc := range region.Path(data.Here.Region) {
		if anc != data.Here.Region && region.Contains(c.Region, anc) && me.Scope.Contains(anc) {
			data.Up = append(data.Up, coverageRow{CoverageRow: store.CoverageRow{Name: s.regionLabel(r, anc)}, Link: link(anc)})
		}
	}
	if me.Can(auth.CapViewRegistry) {
		offset, err := queryInt(r, "offset", 0)
		if err != nil {
			return err
		}
		if data.Unvisited, err = s.DB.Unvisited(r.Context(), me.Scope, c, data.Here.Region, 50, offset); err != nil {
			return err
		}
		maskHouseholds(me, data.Unvisited.Items)
		data.Villages = map[string]string{}
		for _, h := range data.Unvisited.Items {
			if _, ok := data.Villages[h.RegionCode]; !ok {
				data.Villages[h.RegionCode] = s.regionLabel(r, h.RegionCode)
			}
		}
	}
	return s.render(w, r, http.StatusOK, "screening/campaign", &view{Title: c.Name, Data: data})
}

// findingRow is a finding as the lists show it.
type findingRow struct {
	*store.FindingRecord
	DimLabel string
	Village  string
	Text     string
	// ToLedger offers the form that turns the finding into a problem of the
	// ledger (screening_ledger.go): an open finding not yet in the ledger,
	// to an account that reports problems; CSRF is the form's token.
	ToLedger bool
	CSRF     string
}

func (s *Server) findingRows(r *http.Request, fs []*store.FindingRecord) []findingRow {
	me := identityOf(r)
	report := me != nil && me.Can(auth.CapLedgerReport)
	out := make([]findingRow, len(fs))
	for i, f := range fs {
		out[i] = findingRow{FindingRecord: f, DimLabel: dimLabel(f.Dimension), Village: s.regionLabel(r, f.Region), Text: f.Text(),
			ToLedger: report && f.ProblemID == 0 && f.Status == store.FindingOpen}
		if out[i].ToLedger {
			out[i].CSRF = me.CSRF
		}
	}
	return out
}

func dimLabel(code string) string {
	if code == "" {
		return "其他"
	}
	return screening.Dimensions.LabelOf(code)
}

type householdScreeningData struct {
	H         *registry.Household
	Village   string
	Visits    []visitRow
	Open      []findingRow
	Resolved  []findingRow
	Campaigns []campaignRow
	Facts     []factRow
	CanVisit  bool
}

// visitRow is a visit in a list.
type visitRow struct {
	*store.VisitRecord
	Status   string
	DimLabel string
	NotMet   int
	Photos   []string // every photo of the visit's answers
}

func visitRowOf(v *store.VisitRecord) visitRow {
	row := visitRow{VisitRecord: v, Status: "草稿（未签字）"}
	switch {
	case v.SupersededBy != "":
		row.Status = "已被更正"
	case v.Signed() && v.Intact:
		row.Status = "已签字"
	case v.Signed():
		row.Status = "已签字（内容与签字摘要不符）"
	}
	labels := make([]string, len(v.Dimensions))
	for i, d := range v.Dimensions {
		labels[i] = screening.Dimensions.LabelOf(d)
	}
	row.DimLabel = strings.Join(labels, "、")
	for _, a := range v.Answers {
		if a.Result == screening.ResultNotMet {
			row.NotMet++
		}
		row.Photos = append(row.Photos, a.Photos...)
	}
	return row
}

// factRow is a recorded fact with its label and value.
type factRow struct{ Label, Value string }

func householdFactRows(m *screening.Merged, names map[int64]string) []factRow {
	if m == nil {
		return nil
	}
	var out []factRow
	for c := screening.HFact(0); c < screening.NumHouseholdFacts; c++ {
		if v, ok := m.Facts.Get(c); ok {
			d := &screening.HouseholdFactDefs[c]
			out = append(out, factRow{d.Label, d.Format(v)})
		}
	}
	for _, mf := range m.Members {
		for c := screening.MFact(0); c < screening.NumMemberFacts; c++ {
			if t := mf.Tri(c); t != screening.Unknown {
				out = append(out, factRow{names[mf.MemberID] + "：" + screening.MemberFactDefs[c].Label, t.Label()})
			}
		}
	}
	return out
}

func (s *Server) householdScreening(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	data := householdScreeningData{H: h, Village: s.regionLabel(r, h.RegionCode), CanVisit: me.Can(auth.CapRecordVisit)}
	visits, err := s.DB.HouseholdVisits(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	for _, v := range visits {
		data.Visits = append(data.Visits, visitRowOf(v))
	}
	for _, st := range []string{store.FindingOpen, store.FindingResolved} {
		page, err := s.DB.ListFindings(r.Context(), me.Scope, store.FindingFilter{Household: id, Status: st, Limit: 200, NoTotal: true})
		if err != nil {
			return err
		}
		if st == store.FindingOpen {
			data.Open = s.findingRows(r, page.Items)
		} else {
			data.Resolved = s.findingRows(r, page.Items)
		}
	}
	m, err := s.DB.HouseholdFacts(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, mb := range h.Members {
		names[mb.ID] = mb.Name
	}
	data.Facts = householdFactRows(m, names)
	if data.CanVisit {
		list, err := s.DB.ListCampaigns(r.Context(), me.Scope, store.CampaignFilter{Region: h.RegionCode})
		if err != nil {
			return err
		}
		for _, c := range list {
			if cr := s.campaignRow(r, c); cr.Open && c.Includes(h.RegionCode) {
				data.Campaigns = append(data.Campaigns, cr)
			}
		}
	}
	maskHousehold(me, h)
	title := "排查走访"
	if h.HeadName != "" {
		title = h.HeadName + "户 · 排查走访"
	}
	return s.render(w, r, http.StatusOK, "screening/household", &view{Title: title, Data: data})
}

type findingListData struct {
	Page     *store.FindingPage
	Rows     []findingRow
	Groups   []regionGroup
	Selected string
	Dims     [][2]string
	Rules    [][2]string
	Statuses [][2]string
	Export   string
}

var findingStatuses = [][2]string{{"open", "未消除"}, {"resolved", "已消除"}, {"all", "全部"}}

func ruleChoices() [][2]string {
	out := make([][2]string, 0, len(screening.Rules))
	for _, r := range screening.Rules {
		out = append(out, [2]string{r.Code, r.Title})
	}
	return out
}

func dimList() [][2]string {
	out := make([][2]string, 0, len(screening.Dimensions.Values))
	for _, d := range screening.Dimensions.Values {
		out = append(out, [2]string{d.Code, d.Label})
	}
	return out
}

func (s *Server) findingList(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	f, err := findingFilter(r)
	if err != nil {
		return err
	}
	if f.Limit == 50 && r.URL.Query().Get("limit") == "" {
		f.Limit = 30
	}
	page, err := s.DB.ListFindings(r.Context(), me.Scope, f)
	if err != nil {
		return err
	}
	sel := f.Region
	if code, err := region.Normalize(sel); err == nil {
		sel = code
	}
	groups, err := s.regionChoices(r.Context(), me.Account.RegionCode, sel)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	vals := newForm(nil)
	for _, k := range []string{"region", "dimension", "rule", "status"} {
		vals.Values.Set(k, q.Get(k))
	}
	data := findingListData{Page: page, Rows: s.findingRows(r, page.Items), Groups: groups, Selected: sel, Dims: dimList(), Rules: ruleChoices(),
		Statuses: findingStatuses}
	if me.Can(auth.CapExport) {
		eq := r.URL.Query()
		eq.Del("offset")
		eq.Del("limit")
		data.Export = "/findings/export"
		if len(eq) > 0 {
			data.Export += "?" + eq.Encode()
		}
	}
	return s.render(w, r, http.StatusOK, "screening/findings", &view{Title: "问题线索", Form: vals, Data: data})
}

// findingExport streams the findings of the filter as an XLSX workbook; the
// export is audited first.
func (s *Server) findingExport(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	f, err := findingFilter(r)
	if err != nil {
		return err
	}
	f.Limit, f.NoTotal = 1, false
	count, err := s.DB.ListFindings(r.Context(), me.Scope, f)
	if err != nil {
		return err
	}
	where := me.Account.RegionCode
	if f.Region != "" {
		where = f.Region
	}
	var desc []string
	if f.Dimension != "" {
		desc = append(desc, dimLabel(f.Dimension))
	}
	if rule := screening.RuleByCode(f.Rule); rule != nil {
		desc = append(desc, rule.Title)
	}
	detail := fmt.Sprintf("导出问题线索%d条（%s", count.Total, s.regionLabel(r, where))
	if len(desc) > 0 {
		detail += "，" + strings.Join(desc, "，")
	}
	detail += "）"
	if err := s.DB.Record(r.Context(), store.Change{Action: audit.ActExport, Object: "finding", Region: where, Detail: detail}); err != nil {
		return err
	}
	header := []string{"序号", "所在村", "户编号", "户主", "成员", "排查方面", "问题", "依据", "政策依据", "状态", "发现时间", "消除时间"}
	name := "问题线索-" + s.Clock.Now().In(clock.China).Format("20060102") + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"findings.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	x, err := sheet.NewXLSXWriter(w, "问题线索", header)
	if err != nil {
		return err
	}
	x.Above(sheet.TitleLine(s.regionLabel(r, where) + "排查问题线索"))
	n := 0
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(clock.China).Format("2006-01-02 15:04")
	}
	err = s.DB.EachFinding(r.Context(), me.Scope, f, func(fr *store.FindingRecord) error {
		n++
		var ev []string
		for _, e := range fr.Evidence {
			ev = append(ev, e.Label+"："+e.Value)
		}
		status := "未消除"
		if fr.Status == store.FindingResolved {
			status = "已消除"
		}
		return x.WriteRow([]string{fmt.Sprint(n), s.regionLabel(r, fr.Region), fr.HouseholdNumber, fr.HeadName, fr.MemberName,
			dimLabel(fr.Dimension), fr.Title, strings.Join(ev, "；"), fr.Source.Seed + " " + fr.Source.Section + "：" + fr.Source.Quote,
			status, stamp(fr.RaisedAt), stamp(fr.ResolvedAt)})
	})
	if err != nil {
		x.Close()
		return err
	}
	x.Below(sheet.NoteLine(fmt.Sprintf("共%d条。导出时间：%s。问题线索由排查规则依据农户信息和已签字的入户走访记录得出，须经入户核实后录入问题台账。",
		n, stamp(s.Clock.Now()))))
	return x.Close()
}
