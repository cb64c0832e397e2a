package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

// The registry's pages: the region tree, the household list with search,
// the household page with its members, and the forms to create and edit
// households and members. They call the same store functions as the JSON
// API, with the account's scope.

func init() {
	registerPages(
		pageRoute{Method: "GET", Path: "/regions", Cap: auth.CapViewRegistry, Handle: (*Server).regionsRoot},
		pageRoute{Method: "GET", Path: "/regions/{code}", Cap: auth.CapViewRegistry, Handle: (*Server).regionPage},
		pageRoute{Method: "GET", Path: "/households", Cap: auth.CapViewRegistry, Handle: (*Server).householdList},
		pageRoute{Method: "GET", Path: "/households/new", Cap: auth.CapEditRegistry, Handle: (*Server).householdNew},
		pageRoute{Method: "POST", Path: "/households", Cap: auth.CapEditRegistry, Handle: (*Server).householdCreate},
		pageRoute{Method: "GET", Path: "/households/{id}", Cap: auth.CapViewRegistry, Handle: (*Server).householdPage},
		pageRoute{Method: "GET", Path: "/households/{id}/edit", Cap: auth.CapEditRegistry, Handle: (*Server).householdEdit},
		pageRoute{Method: "POST", Path: "/households/{id}", Cap: auth.CapEditRegistry, Handle: (*Server).householdUpdate},
		pageRoute{Method: "POST", Path: "/households/{id}/reveal", Cap: auth.CapViewFullID, Handle: (*Server).householdReveal},
		pageRoute{Method: "GET", Path: "/households/{id}/history", Cap: auth.CapViewRegistry, Handle: (*Server).householdHistory},
		pageRoute{Method: "GET", Path: "/households/{id}/members/new", Cap: auth.CapEditRegistry, Handle: (*Server).memberNew},
		pageRoute{Method: "POST", Path: "/households/{id}/members", Cap: auth.CapEditRegistry, Handle: (*Server).memberCreate},
		pageRoute{Method: "GET", Path: "/members/{id}/edit", Cap: auth.CapEditRegistry, Handle: (*Server).memberEdit},
		pageRoute{Method: "POST", Path: "/members/{id}", Cap: auth.CapEditRegistry, Handle: (*Server).memberUpdate},
	)
	registerNav(
		navItem{Label: "区域", Path: "/regions", Cap: auth.CapViewRegistry, Order: 10},
		navItem{Label: "农户", Path: "/households", Cap: auth.CapViewRegistry, Order: 20},
	)
}

// regionGroup is a region with its children, for a select with optgroups.
type regionGroup struct {
	region.Region
	Children []region.Region
}

// regionChoices lists, for a filter, the children of the scope's root
// (a county: its townships) and, when the filter already names a region
// inside one of them, that child's own children (the township's villages):
// a drill-down that keeps the list short at every level.
func (s *Server) regionChoices(ctx context.Context, root, selected string) ([]regionGroup, error) {
	if len(root) != 12 || region.LevelOf(root) >= region.Village {
		return nil, nil
	}
	kids, err := s.DB.Children(ctx, root)
	if err != nil {
		return nil, err
	}
	out := make([]regionGroup, len(kids))
	for i, k := range kids {
		out[i].Region = k
		if k.Level < region.Village && len(selected) == 12 && k.Code != selected && region.Contains(k.Code, selected) ||
			k.Code == selected && k.Level < region.Village {
			if out[i].Children, err = s.DB.Children(ctx, k.Code); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// villageChoices lists the villages a household may be placed in.
func (s *Server) villageChoices(ctx context.Context, root string) ([][2]string, error) {
	if region.LevelOf(root) == region.Village {
		r, err := s.DB.Region(ctx, root)
		if err != nil {
			return nil, err
		}
		return [][2]string{{r.Code, r.Name}}, nil
	}
	depth := int(region.Village - region.LevelOf(root))
	if depth > 2 {
		return nil, nil // above a county: too many to list; the code is typed
	}
	rs, err := s.DB.Subregions(ctx, root, depth)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	var out [][2]string
	for _, r := range rs {
		names[r.Code] = r.Name
		if r.Level == region.Village {
			label := r.Name
			if p := names[r.Parent]; p != "" && r.Parent != root {
				label = p + " " + r.Name
			}
			out = append(out, [2]string{r.Code, label})
		}
	}
	return out, nil
}

func (s *Server) regionsRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/regions/"+identityOf(r).Account.RegionCode, http.StatusSeeOther)
	return nil
}

// regionPage shows a region inside the scope: its counts and its children
// with theirs, each a link one level down (villages: to their households).
func (s *Server) regionPage(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	sum, err := s.DB.Summary(r.Context(), me.Scope, r.PathValue("code"))
	if err != nil {
		return err
	}
	kids, err := s.DB.ChildSummaries(r.Context(), me.Scope, sum.Region.Code)
	if err != nil {
		return err
	}
	path, err := s.DB.RegionPath(r.Context(), sum.Region.Code)
	if err != nil {
		return err
	}
	var crumbs []region.Region
	for _, p := range path {
		if me.Scope.Contains(p.Code) {
			crumbs = append(crumbs, p)
		}
	}
	data := struct {
		Summary      *store.Summary
		Crumbs       []region.Region
		Children     []store.RegionSummary
		Categories   []count
		MonitorTypes []count
	}{sum, crumbs, kids, counts(registry.Category, sum.ByCategory), counts(registry.MonitorType, sum.ByMonitorType)}
	return s.render(w, r, http.StatusOK, "registry/region", &view{Title: sum.Region.Name, Data: data})
}

// householdRow is a household in the list, with its village's name.
type householdRow struct {
	*registry.Household
	Village string
}

func (s *Server) householdList(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	q := r.URL.Query()
	offset, err := strconv.Atoi(q.Get("offset"))
	if err != nil || offset < 0 {
		offset = 0
	}
	if offset > store.SearchCap*10 {
		offset = store.SearchCap * 10
	}
	f := store.HouseholdFilter{Region: strings.TrimSpace(q.Get("region")), Category: q.Get("category"),
		Q: strings.TrimSpace(q.Get("q")), Limit: 50, Offset: offset}
	if len([]rune(f.Q)) > 40 {
		f.Q = string([]rune(f.Q)[:40])
	}
	sel := f.Region
	if code, err := region.Normalize(sel); err == nil {
		sel = code
	}
	groups, err := s.regionChoices(r.Context(), me.Account.RegionCode, sel)
	if err != nil {
		return err
	}
	status := http.StatusOK
	frm := newForm(q)
	page, err := s.DB.ListHouseholds(r.Context(), me.Scope, f)
	if apperr.Is(err, apperr.Invalid) {
		fields := []string{"category", "q"}
		if len(groups) > 0 {
			fields = append(fields, "region") // else there is no region field to show it next to
		}
		status, frm = http.StatusUnprocessableEntity, formOf(q, err, fields...)
		page = &store.HouseholdPage{Items: []*registry.Household{}, Limit: f.Limit}
	} else if err != nil {
		return err
	}
	maskHouseholds(me, page.Items)
	codes := make([]string, 0, len(page.Items))
	for _, h := range page.Items {
		codes = append(codes, h.RegionCode)
	}
	names, err := s.DB.RegionNames(r.Context(), codes)
	if err != nil {
		return err
	}
	rows := make([]householdRow, len(page.Items))
	for i, h := range page.Items {
		rows[i] = householdRow{h, names[h.RegionCode]}
	}
	data := struct {
		Page     *store.HouseholdPage
		Rows     []householdRow
		Groups   []regionGroup
		Selected string
		Cap      int
	}{page, rows, groups, sel, store.SearchCap}
	return s.render(w, r, status, "registry/households", &view{Title: "农户", Form: frm, Data: data})
}

// householdData is what the household page shows.
type householdData struct {
	H        *registry.Household
	Village  string
	Revealed map[string]string // "phone", "head", "member-<id>": full numbers just revealed
}

func (s *Server) householdPage(w http.ResponseWriter, r *http.Request) error {
	return s.showHousehold(w, r, nil)
}

func (s *Server) showHousehold(w http.ResponseWriter, r *http.Request, revealed map[string]string) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	maskHousehold(me, h)
	return s.render(w, r, http.StatusOK, "registry/household", &view{Title: "农户 " + h.Number,
		Data: householdData{H: h, Village: s.regionLabel(r, h.RegionCode), Revealed: revealed}})
}

// householdReveal shows one full number of the household (its phone, or a
// member's ID number), audited.
func (s *Server) householdReveal(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, nil)
	if err != nil {
		return err
	}
	revealed := map[string]string{}
	what := vals.Get("what")
	if mid, ok := strings.CutPrefix(what, "member-"); ok {
		n, err := strconv.ParseInt(mid, 10, 64)
		if err != nil {
			return apperr.New(apperr.NotFound, "家庭成员不存在")
		}
		if m, err := s.DB.Member(r.Context(), me.Scope, n); err != nil || m.HouseholdID != id {
			return apperr.New(apperr.NotFound, "家庭成员不存在")
		}
		m, err := s.revealMember(r, me.Scope, n)
		if err != nil {
			return err
		}
		revealed[what] = m.IDNumber
	} else {
		h, err := s.revealHousehold(r, me.Scope, id)
		if err != nil {
			return err
		}
		revealed["phone"], revealed["head"] = h.Phone, h.HeadID
	}
	return s.showHousehold(w, r, revealed)
}

// householdFields are the household form's fields.
var householdFields = []string{"region_code", "number", "category", "monitor_type", "relocated", "housing_priority",
	"dibao", "dibao_tier", "tekun", "phone", "address", "head_name", "head_id_number"}

func checked(v url.Values, name string) bool { return v.Get(name) == "1" || v.Get(name) == "on" }

func householdFromForm(v url.Values) *registry.Household {
	return &registry.Household{RegionCode: v.Get("region_code"), Number: v.Get("number"), Category: v.Get("category"),
		MonitorType: v.Get("monitor_type"), Relocated: checked(v, "relocated"), HousingPriority: v["housing_priority"],
		Dibao: checked(v, "dibao"), DibaoTier: v.Get("dibao_tier"), Tekun: checked(v, "tekun"), Phone: v.Get("phone"),
		Address: v.Get("address")}
}

func householdForm(h *registry.Household) url.Values {
	v := url.Values{"region_code": {h.RegionCode}, "number": {h.Number}, "category": {h.Category}, "monitor_type": {h.MonitorType},
		"dibao_tier": {h.DibaoTier}, "phone": {h.Phone}, "address": {h.Address}, "housing_priority": h.HousingPriority}
	for name, on := range map[string]bool{"relocated": h.Relocated, "dibao": h.Dibao, "tekun": h.Tekun} {
		if on {
			v.Set(name, "1")
		}
	}
	return v
}

// householdFormData is what the household form needs besides the form.
type householdFormData struct {
	ID       int64 // 0 for a new household
	Villages [][2]string
	Priority *registry.Enum
}

func (s *Server) renderHouseholdForm(w http.ResponseWriter, r *http.Request, status int, id int64, f *form) error {
	villages, err := s.villageChoices(r.Context(), identityOf(r).Account.RegionCode)
	if err != nil {
		return err
	}
	title := "新增农户"
	if id != 0 {
		title = "修改农户信息"
	}
	return s.render(w, r, status, "registry/household_form", &view{Title: title, Form: f,
		Data: householdFormData{ID: id, Villages: villages, Priority: registry.HousingPriority}})
}

func (s *Server) householdNew(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	v := url.Values{"category": {registry.CategoryOrdinary}}
	if region.LevelOf(me.Account.RegionCode) == region.Village {
		v.Set("region_code", me.Account.RegionCode)
	}
	return s.renderHouseholdForm(w, r, http.StatusOK, 0, newForm(v))
}

// formLabels names every field the registry's forms have, for readForm.
var formLabels = func() map[string]string {
	m := map[string]string{"head_name": "户主姓名", "head_id_number": "户主身份证号", "what": "显示内容"}
	for k, v := range registry.Labels {
		m[k] = v
	}
	return m
}()

// headErrors moves the problems of the new household's head (row 1 of its
// members) onto the head_ fields of the form.
func headErrors(err error) error {
	fs := apperr.FieldsOf(err)
	if len(fs) == 0 {
		return err
	}
	out := make([]apperr.FieldError, len(fs))
	for i, f := range fs {
		if f.Row > 0 {
			f.Row = 0
			if f.Field == "name" || f.Field == "id_number" {
				f.Field = "head_" + f.Field
			}
		}
		out[i] = f
	}
	return &apperr.Error{Code: apperr.CodeOf(err), Message: apperr.MessageOf(err), Fields: out}
}

func formProblem(err error) bool {
	return apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict)
}

func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	vals, err := s.readForm(r, formLabels)
	if err != nil {
		return s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, 0, formOf(vals, err, householdFields...))
	}
	h := householdFromForm(vals)
	var members []registry.Member
	if name, id := strings.TrimSpace(vals.Get("head_name")), strings.TrimSpace(vals.Get("head_id_number")); name != "" || id != "" {
		members = append(members, registry.Member{Name: name, IDNumber: id, Relation: registry.RelationHead})
	}
	if err := s.DB.CreateHousehold(r.Context(), me.Scope, h, members); err != nil {
		if formProblem(err) {
			return s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, 0, formOf(vals, headErrors(err), householdFields...))
		}
		return err
	}
	http.Redirect(w, r, "/households/"+itoa(h.ID)+"?ok=created", http.StatusSeeOther)
	return nil
}

func (s *Server) householdEdit(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	maskHousehold(me, h)
	return s.renderHouseholdForm(w, r, http.StatusOK, id, newForm(householdForm(h)))
}

func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, formLabels)
	if err != nil {
		return s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, id, formOf(vals, err, householdFields...))
	}
	h := householdFromForm(vals)
	h.ID = id
	h.Phone = keepIfMasked(strings.TrimSpace(h.Phone), cur.Phone, auth.MaskPhone)
	if _, err := s.DB.UpdateHousehold(r.Context(), me.Scope, h); err != nil {
		if formProblem(err) {
			return s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, id, formOf(vals, err, householdFields...))
		}
		return err
	}
	http.Redirect(w, r, "/households/"+itoa(id)+"?ok=saved", http.StatusSeeOther)
	return nil
}

// memberFields are the member form's fields.
var memberFields = []string{"name", "id_number", "relation", "disability_type", "disability_grade", "health",
	"schooling", "school", "labour", "medical_insured", "sex", "birth_date"}

func memberFromForm(v url.Values) registry.Member {
	return registry.Member{Name: v.Get("name"), IDNumber: v.Get("id_number"), Relation: v.Get("relation"),
		DisabilityType: v.Get("disability_type"), DisabilityGrade: v.Get("disability_grade"), Health: v.Get("health"),
		Schooling: v.Get("schooling"), School: v.Get("school"), Labour: v.Get("labour"), MedicalInsured: checked(v, "medical_insured")}
}

func memberForm(m *registry.Member) url.Values {
	v := url.Values{"name": {m.Name}, "id_number": {m.IDNumber}, "relation": {m.Relation}, "disability_type": {m.DisabilityType},
		"disability_grade": {m.DisabilityGrade}, "health": {m.Health}, "schooling": {m.Schooling}, "school": {m.School}, "labour": {m.Labour}}
	if m.MedicalInsured {
		v.Set("medical_insured", "1")
	}
	return v
}

type memberFormData struct {
	H  *registry.Household
	ID int64 // 0 for a new member
}

func (s *Server) renderMemberForm(w http.ResponseWriter, r *http.Request, status int, h *registry.Household, id int64, f *form) error {
	title := "添加家庭成员"
	if id != 0 {
		title = "修改家庭成员"
	}
	return s.render(w, r, status, "registry/member_form", &view{Title: title, Form: f, Data: memberFormData{H: h, ID: id}})
}

func (s *Server) memberNew(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	m := registry.Member{Relation: "child"}
	m.Normalize()
	return s.renderMemberForm(w, r, http.StatusOK, h, 0, newForm(memberForm(&m)))
}

func (s *Server) memberCreate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, formLabels)
	if err != nil {
		return s.renderMemberForm(w, r, http.StatusUnprocessableEntity, h, 0, formOf(vals, err, memberFields...))
	}
	m := memberFromForm(vals)
	m.HouseholdID = h.ID
	if err := s.DB.CreateMember(r.Context(), me.Scope, &m); err != nil {
		if formProblem(err) {
			return s.renderMemberForm(w, r, http.StatusUnprocessableEntity, h, 0, formOf(vals, err, memberFields...))
		}
		return err
	}
	http.Redirect(w, r, "/households/"+itoa(h.ID)+"?ok=created", http.StatusSeeOther)
	return nil
}

func (s *Server) memberEdit(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.DB.Member(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, m.HouseholdID)
	if err != nil {
		return err
	}
	maskMember(me, m)
	return s.renderMemberForm(w, r, http.StatusOK, h, id, newForm(memberForm(m)))
}

func (s *Server) memberUpdate(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cur, err := s.DB.Member(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, cur.HouseholdID)
	if err != nil {
		return err
	}
	vals, err := s.readForm(r, formLabels)
	if err != nil {
		return s.renderMemberForm(w, r, http.StatusUnprocessableEntity, h, id, formOf(vals, err, memberFields...))
	}
	m := memberFromForm(vals)
	m.ID = id
	m.IDNumber = keepIfMasked(idcard.Normalize(m.IDNumber), cur.IDNumber, maskedID)
	if _, err := s.DB.UpdateMember(r.Context(), me.Scope, &m); err != nil {
		if formProblem(err) {
			return s.renderMemberForm(w, r, http.StatusUnprocessableEntity, h, id, formOf(vals, err, memberFields...))
		}
		return err
	}
	http.Redirect(w, r, "/households/"+itoa(h.ID)+"?ok=saved", http.StatusSeeOther)
	return nil
}

// householdHistory shows the audit entries of a household and its members:
// who changed what, when.
func (s *Server) householdHistory(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), me.Scope, id)
	if err != nil {
		return err
	}
	objects := [][2]string{{"household", itoa(h.ID)}}
	for _, m := range h.Members {
		objects = append(objects, [2]string{"member", itoa(m.ID)})
	}
	var entries []audit.Entry
	for _, o := range objects {
		page, err := s.DB.AuditEntries(r.Context(), me.Scope, store.AuditFilter{Object: o[0], ObjectID: o[1], Limit: 200})
		if err != nil {
			return err
		}
		entries = append(entries, page.Items...)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq > entries[j].Seq })
	maskHousehold(me, h)
	return s.render(w, r, http.StatusOK, "registry/history", &view{Title: "变更记录 " + h.Number,
		Data: struct {
			H       *registry.Household
			Entries []entryView
		}{h, s.entryViews(r, entries)}})
}
