package web

import (
	"net/http"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

func (s *Server) apiRegion(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.DB.Region(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	sc, err := s.scope(r)
	if err != nil {
		return err
	}
	out := store.RegionSummary{Region: reg}
	if reg.Level >= region.County || sc.Contains(reg.Code) {
		out.Households, out.Members, err = s.DB.Counts(r.Context(), intersect(sc, reg.Code))
		if err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// intersect narrows a scope to a region inside it (or to nothing).
func intersect(sc store.Scope, code string) store.Scope {
	if sc.Contains(code) {
		return store.ScopeOf(code)
	}
	if sc.Region != "*" && region.Contains(code, sc.Region) {
		return sc
	}
	return store.Scope{Region: "999999999999"}
}

func (s *Server) apiRegionChildren(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.DB.Region(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	kids, err := s.DB.Children(r.Context(), reg.Code)
	if err != nil {
		return err
	}
	if kids == nil {
		kids = []region.Region{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": kids})
	return nil
}

func (s *Server) apiListHouseholds(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	page, err := s.DB.ListHouseholds(r.Context(), sc, store.HouseholdFilter{
		Region: q.Get("region"), Category: q.Get("category"), MonitorType: q.Get("monitor_type"),
		Q: q.Get("q"), Limit: limit, Offset: offset, NoTotal: q.Get("total") == "false",
	})
	if err != nil {
		return err
	}
	maskHouseholds(identityOf(r), page.Items)
	writeJSON(w, http.StatusOK, page)
	return nil
}

// householdInput is what a client sends to create or update a household.
type householdInput struct {
	RegionCode      string        `json:"region_code"`
	Number          string        `json:"number"`
	Category        string        `json:"category"`
	MonitorType     string        `json:"monitor_type"`
	Relocated       bool          `json:"relocated"`
	HousingPriority []string      `json:"housing_priority"`
	Dibao           bool          `json:"dibao"`
	DibaoTier       string        `json:"dibao_tier"`
	Tekun           bool          `json:"tekun"`
	Phone           string        `json:"phone"`
	Address         string        `json:"address"`
	Members         []memberInput `json:"members,omitempty"`
}

func (in *householdInput) household() *registry.Household {
	return &registry.Household{RegionCode: in.RegionCode, Number: in.Number, Category: in.Category, MonitorType: in.MonitorType,
		Relocated: in.Relocated, HousingPriority: in.HousingPriority, Dibao: in.Dibao, DibaoTier: in.DibaoTier, Tekun: in.Tekun,
		Phone: in.Phone, Address: in.Address}
}

// memberInput is what a client sends to create or update a member. Sex and
// birth date are optional: they are derived from the ID number and, when
// given, must agree with it.
type memberInput struct {
	HouseholdID     int64         `json:"household_id,omitempty"`
	IDNumber        string        `json:"id_number"`
	Name            string        `json:"name"`
	Sex             string        `json:"sex,omitempty"`
	BirthDate       registry.Date `json:"birth_date,omitempty"`
	Relation        string        `json:"relation"`
	DisabilityType  string        `json:"disability_type,omitempty"`
	DisabilityGrade string        `json:"disability_grade,omitempty"`
	Health          string        `json:"health,omitempty"`
	Schooling       string        `json:"schooling,omitempty"`
	School          string        `json:"school,omitempty"`
	Labour          string        `json:"labour,omitempty"`
	MedicalInsured  bool          `json:"medical_insured"`
}

func (in *memberInput) member() registry.Member {
	return registry.Member{HouseholdID: in.HouseholdID, IDNumber: in.IDNumber, Name: in.Name, Sex: in.Sex, BirthDate: in.BirthDate,
		Relation: in.Relation, DisabilityType: in.DisabilityType, DisabilityGrade: in.DisabilityGrade, Health: in.Health,
		Schooling: in.Schooling, School: in.School, Labour: in.Labour, MedicalInsured: in.MedicalInsured}
}

func (s *Server) apiCreateHousehold(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapEditRegistry)
	if err != nil {
		return err
	}
	var in householdInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	h := in.household()
	ms := make([]registry.Member, len(in.Members))
	for i := range in.Members {
		ms[i] = in.Members[i].member()
	}
	if err := s.DB.CreateHousehold(r.Context(), sc, h, ms); err != nil {
		return err
	}
	got, err := s.DB.Household(r.Context(), sc, h.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/households/"+itoa(h.ID))
	maskHousehold(identityOf(r), got)
	writeJSON(w, http.StatusCreated, got)
	return nil
}

func (s *Server) apiHousehold(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	h, err := s.DB.Household(r.Context(), sc, id)
	if err != nil {
		return err
	}
	maskHousehold(identityOf(r), h)
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) apiUpdateHousehold(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapEditRegistry)
	if err != nil {
		return err
	}
	cur, err := s.DB.Household(r.Context(), sc, id)
	if err != nil {
		return err
	}
	var in householdInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	if len(in.Members) > 0 {
		return apperr.Field("members", "家庭成员", "修改农户时不能同时提交成员，请通过成员接口修改")
	}
	h := in.household()
	h.ID = id
	h.Phone = keepIfMasked(h.Phone, cur.Phone, auth.MaskPhone)
	if _, err := s.DB.UpdateHousehold(r.Context(), sc, h); err != nil {
		return err
	}
	got, err := s.DB.Household(r.Context(), sc, id)
	if err != nil {
		return err
	}
	maskHousehold(identityOf(r), got)
	writeJSON(w, http.StatusOK, got)
	return nil
}

func (s *Server) apiListMembers(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	hh, err := queryInt(r, "household_id", 0)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ms, err := s.DB.ListMembers(r.Context(), sc, store.MemberFilter{Region: q.Get("region"), Household: int64(hh), Q: q.Get("q"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	for i := range ms {
		maskMember(identityOf(r), &ms[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms, "limit": limit, "offset": offset})
	return nil
}

func (s *Server) apiCreateMember(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapEditRegistry)
	if err != nil {
		return err
	}
	var in memberInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	if in.HouseholdID == 0 {
		return apperr.Field("household_id", registry.Labels["household_id"], "不能为空")
	}
	m := in.member()
	if err := s.DB.CreateMember(r.Context(), sc, &m); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/members/"+itoa(m.ID))
	maskMember(identityOf(r), &m)
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) apiMember(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	m, err := s.DB.Member(r.Context(), sc, id)
	if err != nil {
		return err
	}
	maskMember(identityOf(r), m)
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) apiUpdateMember(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapEditRegistry)
	if err != nil {
		return err
	}
	cur, err := s.DB.Member(r.Context(), sc, id)
	if err != nil {
		return err
	}
	var in memberInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	m := in.member()
	m.ID = id
	m.IDNumber = keepIfMasked(m.IDNumber, cur.IDNumber, maskedID)
	if _, err := s.DB.UpdateMember(r.Context(), sc, &m); err != nil {
		return err
	}
	got, err := s.DB.Member(r.Context(), sc, id)
	if err != nil {
		return err
	}
	maskMember(identityOf(r), got)
	writeJSON(w, http.StatusOK, got)
	return nil
}
