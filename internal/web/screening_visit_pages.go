package web

import (
	"crypto/rand"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/store"
)

// The visit on a phone: a cadre opens the household, answers each item
// (符合 / 不符合 / 不适用, a note, photos), records the facts the rules read
// and signs (谁排查、谁签字、谁负责). The visit's ID is made when the form
// is opened and travels in a hidden field, so a double submit records the
// visit once; photos are stored by content, so they are not doubled either.

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/households/{id}/visit", Cap: auth.CapRecordVisit, Handle: (*Server).visitNew},
		pageRoute{Method: "POST", Path: "/households/{id}/visit", Cap: auth.CapRecordVisit, MaxBody: maxVisitBody, Handle: (*Server).visitSave},
		pageRoute{Method: "GET", Path: "/visits/{id}", Cap: auth.CapViewRegistry, Handle: (*Server).visitPage},
		pageRoute{Method: "GET", Path: "/visits/{id}/edit", Cap: auth.CapRecordVisit, Handle: (*Server).visitEdit},
		pageRoute{Method: "POST", Path: "/visits/{id}/sign", Cap: auth.CapRecordVisit, Handle: (*Server).visitSign},
	)
}

// maxVisitBody bounds a visit form with its photos.
const maxVisitBody = 6 * store.MaxPhotoBytes

// visitFormData is what the visit form shows.
type visitFormData struct {
	H          *registry.Household
	Village    string
	Campaign   campaignRow
	VisitID    string
	VisitedAt  string
	Supersedes string
	Dims       []dimChoice
	Sections   []formSection
	Editing    bool
}

type formSection struct {
	Label     string
	Questions []formQuestion
}

type formQuestion struct {
	Key, Title, Help, Who, Source string
	Result, Note, Err             string
	Photos                        []string
	Facts                         []formFact
}

type formFact struct {
	Name, Label, Kind, Unit, Value, Err, Last string
	Options                                   [][2]string
}

var resultChoices = [][2]string{{screening.ResultMet, "符合"}, {screening.ResultNotMet, "不符合"}, {screening.ResultNA, "不适用"}}

// ResultChoices are the answers a question offers, for the template.
func (d *visitFormData) ResultChoices() [][2]string { return resultChoices }

func questionKey(q screening.Question) string {
	if q.MemberID == 0 {
		return q.Item.Code
	}
	return q.Item.Code + "." + strconv.FormatInt(q.MemberID, 10)
}

// factField is the form field of a fact: facts.<code> for the household,
// members.<id>.facts.<code> for a member (the names validation errors use).
func factField(code string, member int64) string {
	if member == 0 {
		return "facts." + code
	}
	return "members." + strconv.FormatInt(member, 10) + ".facts." + code
}

// visitDims returns the dimensions a visit screens: those asked for that the
// campaign screens, or all of the campaign's.
func visitDims(c *screening.Campaign, asked []string) []string {
	var out []string
	for _, d := range c.Dimensions {
		for _, a := range asked {
			if a == d {
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 {
		return append([]string(nil), c.Dimensions...)
	}
	return out
}

// renderVisitForm shows the form of f for the dimensions dims with the
// values and problems of fm.
func (s *Server) renderVisitForm(w http.ResponseWriter, r *http.Request, status int, f *store.VisitForm, dims []string, fm *form, editing bool) error {
	me := identityOf(r)
	last, err := s.DB.HouseholdFacts(r.Context(), me.Scope, f.Household.ID)
	if err != nil {
		return err
	}
	lastH, lastM := screening.FactSet{}, map[int64]screening.FactSet{}
	if last != nil {
		lastH = last.Facts.FactSet()
		for i := range last.Members {
			lastM[last.Members[i].MemberID] = last.Members[i].FactSet()
		}
	}
	data := visitFormData{H: f.Household, Village: s.regionLabel(r, f.Household.RegionCode), Campaign: s.campaignRow(r, f.Campaign),
		VisitID: fm.Get("visit_id"), VisitedAt: fm.Get("visited_at"), Supersedes: fm.Get("supersedes"), Editing: editing}
	on := map[string]bool{}
	for _, d := range dims {
		on[d] = true
	}
	for _, d := range f.Campaign.Dimensions {
		data.Dims = append(data.Dims, dimChoice{Code: d, Label: screening.Dimensions.LabelOf(d), Checked: on[d]})
	}
	shown := map[string]bool{}
	sections := map[string]*formSection{}
	var order []string
	for _, q := range f.Form.Questions(dims) {
		key := questionKey(q)
		fq := formQuestion{Key: key, Title: q.Item.Title, Help: q.Item.Help, Who: f.Form.Names[q.MemberID],
			Source: q.Item.Source.Seed + " " + q.Item.Source.Section + "：" + q.Item.Source.Quote,
			Result: fm.Get("answers." + key), Note: fm.Get("note." + key), Err: fm.Err("answers." + key), Photos: fm.Values["photos."+key]}
		for _, code := range q.Item.Facts {
			name := factField(code, q.MemberID)
			if shown[name] {
				continue
			}
			shown[name] = true
			d := screening.FactByCode(code)
			ff := formFact{Name: name, Label: d.Label, Kind: d.Kind, Unit: d.Unit, Value: fm.Get(name), Err: fm.Err(name)}
			lastSet := lastH
			if q.MemberID != 0 {
				lastSet = lastM[q.MemberID]
			}
			if v, ok := lastSet[code]; ok {
				ff.Last = factText(d, v)
			}
			switch d.Kind {
			case screening.KindBool:
				ff.Options = [][2]string{{"", "未核实"}, {"1", "是"}, {"0", "否"}}
			case screening.KindGrade:
				ff.Options = [][2]string{{"", "未鉴定"}, {"A", "A级"}, {"B", "B级"}, {"C", "C级（局部危险）"}, {"D", "D级（整体危险）"}}
			}
			fq.Facts = append(fq.Facts, ff)
		}
		sec := sections[q.Item.Dimension]
		if sec == nil {
			sec = &formSection{Label: screening.Dimensions.LabelOf(q.Item.Dimension)}
			sections[q.Item.Dimension] = sec
			order = append(order, q.Item.Dimension)
		}
		sec.Questions = append(sec.Questions, fq)
	}
	for _, d := range order {
		data.Sections = append(data.Sections, *sections[d])
	}
	maskHousehold(me, data.H)
	title := "入户走访"
	if f.Household.HeadName != "" {
		title = f.Household.HeadName + "户 · 入户走访"
	}
	return s.render(w, r, status, "screening/visit_form", &view{Title: title, Form: fm, Data: &data})
}

// factText renders a fact's JSON value in Chinese.
func factText(d *screening.FactDef, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		return x + "级"
	case float64:
		return d.Format(x)
	}
	return fmt.Sprint(v)
}

// visitValues fills form values from a recorded visit (to continue a
// draft, or to correct a signed visit in a new one).
func visitValues(v *screening.Visit) url.Values {
	vals := url.Values{}
	for _, a := range v.Answers {
		key := questionKey(screening.Question{Item: &screening.CheckItem{Code: a.Item}, MemberID: a.MemberID})
		vals.Set("answers."+key, a.Result)
		vals.Set("note."+key, a.Note)
		vals["photos."+key] = append([]string(nil), a.Photos...)
	}
	put := func(name string, val any) {
		switch x := val.(type) {
		case bool:
			if x {
				vals.Set(name, "1")
			} else {
				vals.Set(name, "0")
			}
		case float64:
			vals.Set(name, strconv.FormatFloat(x, 'f', -1, 64))
		case string:
			vals.Set(name, x)
		}
	}
	for code, val := range v.Facts {
		put(factField(code, 0), val)
	}
	for _, m := range v.Members {
		for code, val := range m.Facts {
			put(factField(code, m.MemberID), val)
		}
	}
	return vals
}

func (s *Server) visitNew(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	hid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	campaign, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	vals := url.Values{}
	if sup := q.Get("supersedes"); sup != "" {
		old, err := s.DB.Visit(r.Context(), me.Scope, sup)
		if err != nil {
			return err
		}
		if old.HouseholdID != hid || !old.Signed() {
			return apperr.New(apperr.Conflict, "只能更正本户已签字的走访记录")
		}
		vals = visitValues(&old.Visit)
		vals.Set("supersedes", old.ID)
		if campaign == 0 {
			campaign = old.CampaignID
			if c, err := s.DB.Campaign(r.Context(), me.Scope, campaign); err != nil || !c.Open(s.Clock.Now().In(clock.China)) {
				campaign = 0 // the campaign closed: correct under routine screening
			}
		}
		if len(q["dims"]) == 0 {
			q["dims"] = old.Dimensions
		}
	}
	f, err := s.DB.VisitForm(r.Context(), me.Scope, hid, campaign)
	if err != nil {
		return err
	}
	id, err := screening.NewVisitID(rand.Reader)
	if err != nil {
		return err
	}
	vals.Set("visit_id", id)
	vals.Set("visited_at", s.Clock.Now().UTC().Format(time.RFC3339))
	return s.renderVisitForm(w, r, http.StatusOK, f, visitDims(f.Campaign, q["dims"]), newForm(vals), false)
}

func (s *Server) visitEdit(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	rec, err := s.DB.Visit(r.Context(), me.Scope, r.PathValue("id"))
	if err != nil {
		return err
	}
	// A visit that cannot be edited shows as it is, with the reason.
	if rec.Signed() {
		return s.showVisit(w, r, http.StatusOK, &form{Message: "该走访记录已由" + rec.SignedBy + "签字，不能修改；如需更正，请新增一次走访"})
	}
	if rec.CadreID != me.Account.ID {
		return s.showVisit(w, r, http.StatusOK, &form{Message: "该走访记录由" + rec.Cadre + "录入，只能由本人修改"})
	}
	f, err := s.DB.VisitForm(r.Context(), me.Scope, rec.HouseholdID, rec.CampaignID)
	if err != nil {
		return err
	}
	vals := visitValues(&rec.Visit)
	vals.Set("visit_id", rec.ID)
	vals.Set("visited_at", rec.VisitedAt.UTC().Format(time.RFC3339))
	vals.Set("supersedes", rec.Supersedes)
	return s.renderVisitForm(w, r, http.StatusOK, f, rec.Dimensions, newForm(vals), true)
}

// visitFromForm builds the visit the form describes, uploading its new
// photos (their keys are added to vals, so that a form shown again keeps
// them).
func (s *Server) visitFromForm(r *http.Request, f *store.VisitForm, dims []string, vals url.Values) (*screening.Visit, error) {
	me := identityOf(r)
	name, by := cadre(r)
	v := &screening.Visit{ID: vals.Get("visit_id"), CampaignID: f.Campaign.ID, HouseholdID: f.Household.ID, Dimensions: dims,
		Cadre: name, CadreID: by, Supersedes: vals.Get("supersedes"), Facts: screening.FactSet{}}
	at, err := time.Parse(time.RFC3339, vals.Get("visited_at"))
	if err != nil {
		at = s.Clock.Now()
	}
	v.VisitedAt = at
	var bad apperr.Validation
	var files map[string][]*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File
	}
	members := map[int64]screening.FactSet{}
	seen := map[string]bool{}
	for _, q := range f.Form.Questions(dims) {
		key := questionKey(q)
		for _, code := range q.Item.Facts {
			name := factField(code, q.MemberID)
			if seen[name] {
				continue
			}
			seen[name] = true
			raw := strings.TrimSpace(vals.Get(name))
			if raw == "" {
				continue
			}
			d := screening.FactByCode(code)
			var val any
			switch d.Kind {
			case screening.KindBool:
				val = raw == "1"
			case screening.KindGrade:
				val = raw
			default:
				n, err := strconv.ParseFloat(raw, 64)
				if err != nil {
					bad.Add(name, d.Label, "“%s”不是数字", raw)
					continue
				}
				val = n
			}
			if q.MemberID == 0 {
				v.Facts[code] = val
			} else {
				if members[q.MemberID] == nil {
					members[q.MemberID] = screening.FactSet{}
				}
				members[q.MemberID][code] = val
			}
		}
		photos := append([]string(nil), vals["photos."+key]...)
		for _, fh := range files["photo."+key] {
			pk, err := s.uploadPhoto(r, me.Scope, f.Household.ID, fh, by)
			if err != nil {
				bad.Add("answers."+key, q.Item.Title, "照片“%s”：%s", fh.Filename, apperr.MessageOf(err))
				continue
			}
			photos = append(photos, pk)
			vals.Add("photos."+key, pk)
		}
		result := vals.Get("answers." + key)
		if result == "" {
			continue
		}
		v.Answers = append(v.Answers, screening.Answer{Item: q.Item.Code, MemberID: q.MemberID, Result: result,
			Note: vals.Get("note." + key), Photos: photos})
	}
	ids := make([]int64, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		v.Members = append(v.Members, screening.MemberFactSet{MemberID: id, Facts: members[id]})
	}
	return v, bad.Err()
}

func (s *Server) uploadPhoto(r *http.Request, sc store.Scope, householdID int64, fh *multipart.FileHeader, by int64) (string, error) {
	file, err := fh.Open()
	if err != nil {
		return "", apperr.New(apperr.Invalid, "无法读取")
	}
	defer file.Close()
	data, err := readPhoto(file)
	if err != nil {
		return "", err
	}
	p, err := s.DB.PutPhoto(r.Context(), sc, householdID, data, by)
	if err != nil {
		return "", err
	}
	return p.Key, nil
}

// visitSave records the form as a draft (暂存) or records and signs it
// (签字提交); signing runs the rules over the household, so its findings
// show at once.
func (s *Server) visitSave(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	hid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, nil)
	if err != nil {
		return err
	}
	campaign, _ := strconv.ParseInt(vals.Get("campaign_id"), 10, 64)
	f, err := s.DB.VisitForm(r.Context(), me.Scope, hid, campaign)
	if err != nil {
		return err
	}
	dims := visitDims(f.Campaign, vals["dims"])
	editing := vals.Get("editing") == "1"
	again := func(err error) error {
		return s.renderVisitForm(w, r, http.StatusUnprocessableEntity, f, dims, formOf(vals, err, visitFields(f, dims)...), editing)
	}
	v, err := s.visitFromForm(r, f, dims, vals)
	if err != nil {
		return again(err)
	}
	rec, _, err := s.DB.PutVisit(r.Context(), me.Scope, v)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Forbidden) {
		return again(err)
	} else if err != nil {
		return err
	}
	if vals.Get("action") == "sign" {
		if err := s.signAndRun(r, rec.ID); apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			editing = true
			return again(err)
		} else if err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/visits/"+rec.ID+"?ok=saved", http.StatusSeeOther)
	return nil
}

// visitFields are the names of the form's fields that problems can be shown
// next to.
func visitFields(f *store.VisitForm, dims []string) []string {
	var out []string
	for _, q := range f.Form.Questions(dims) {
		out = append(out, "answers."+questionKey(q))
		for _, code := range q.Item.Facts {
			out = append(out, factField(code, q.MemberID))
		}
	}
	return out
}

// signAndRun signs a visit in the name of the signed-in account and runs
// the rules over its household.
func (s *Server) signAndRun(r *http.Request, id string) error {
	me := identityOf(r)
	name, by := cadre(r)
	rec, err := s.DB.SignVisit(r.Context(), me.Scope, id, name, by)
	if err != nil {
		return err
	}
	_, err = s.DB.RunRules(r.Context(), me.Scope, store.RunOptions{Household: rec.HouseholdID, By: by, ByName: name, Roster: s.DB.RosterOverlay(r.Context())})
	return err
}

func (s *Server) visitSign(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.signAndRun(r, id); apperr.Is(err, apperr.Invalid) {
		return s.showVisit(w, r, http.StatusUnprocessableEntity, formOf(nil, err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/visits/"+screening.NormalizeVisitID(id)+"?ok=saved", http.StatusSeeOther)
	return nil
}

// visitPageData is what the page of one visit shows.
type visitPageData struct {
	V        visitRow
	H        *registry.Household
	Village  string
	Campaign campaignRow
	Answers  []answerRow
	Facts    []factRow
	Findings []findingRow
	Mine     bool
}

type answerRow struct {
	Title, Who, Result, Note string
	NotMet                   bool
	Photos                   []string
}

func (s *Server) visitPage(w http.ResponseWriter, r *http.Request) error {
	return s.showVisit(w, r, http.StatusOK, nil)
}

func (s *Server) showVisit(w http.ResponseWriter, r *http.Request, status int, fm *form) error {
	me := identityOf(r)
	rec, err := s.DB.Visit(r.Context(), me.Scope, r.PathValue("id"))
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, rec.HouseholdID)
	if err != nil {
		return err
	}
	c, err := s.DB.Campaign(r.Context(), me.Scope, rec.CampaignID)
	if err != nil {
		return err
	}
	items, err := s.DB.CheckItems(r.Context(), h.County)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, m := range h.Members {
		names[m.ID] = m.Name
	}
	data := visitPageData{V: visitRowOf(rec), H: h, Village: s.regionLabel(r, h.RegionCode), Campaign: s.campaignRow(r, c),
		Mine: rec.CadreID == me.Account.ID && me.Can(auth.CapRecordVisit)}
	// Answers in the order of the checklist, members in the order of the household.
	pos := map[string]int{}
	for i := range items {
		pos[items[i].Code] = i
	}
	order := map[int64]int{}
	for i, m := range h.Members {
		order[m.ID] = i
	}
	answers := append([]screening.Answer(nil), rec.Answers...)
	sort.SliceStable(answers, func(i, j int) bool {
		if pos[answers[i].Item] != pos[answers[j].Item] {
			return pos[answers[i].Item] < pos[answers[j].Item]
		}
		return order[answers[i].MemberID] < order[answers[j].MemberID]
	})
	for _, a := range answers {
		title := a.Item
		if it := screening.ItemByCode(items, a.Item); it != nil {
			title = it.Title
		}
		data.Answers = append(data.Answers, answerRow{Title: title, Who: names[a.MemberID], Result: screening.Results.LabelOf(a.Result),
			Note: a.Note, NotMet: a.Result == screening.ResultNotMet, Photos: a.Photos})
	}
	codes := make([]string, 0, len(rec.Facts))
	for code := range rec.Facts {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		if d := screening.FactByCode(code); d != nil {
			data.Facts = append(data.Facts, factRow{d.Label, factText(d, rec.Facts[code])})
		}
	}
	for _, m := range rec.Members {
		for code, val := range m.Facts {
			if d := screening.FactByCode(code); d != nil {
				data.Facts = append(data.Facts, factRow{names[m.MemberID] + "：" + d.Label, factText(d, val)})
			}
		}
	}
	if rec.Signed() {
		page, err := s.DB.ListFindings(r.Context(), me.Scope, store.FindingFilter{Household: h.ID, Limit: 200, NoTotal: true})
		if err != nil {
			return err
		}
		data.Findings = s.findingRows(r, page.Items)
	}
	maskHousehold(me, h)
	return s.render(w, r, status, "screening/visit", &view{Title: "走访记录", Form: fm, Data: data})
}
