package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
	"sanbao/internal/store"
)

// Screening endpoints: campaigns with their coverage, visits by the ID the
// phone made (PUT twice records once), signatures, photos, findings, the
// checklist and rule runs.

// cadre is who records and signs a visit: the signed-in account, never a
// name sent by the client (谁排查、谁签字、谁负责).
func cadre(r *http.Request) (string, int64) {
	id := identityOf(r)
	if id == nil {
		return "", 0
	}
	name := id.Account.DisplayName
	if name == "" {
		name = id.Account.Username
	}
	return name, id.Account.ID
}

// campaignView is a campaign with whether it accepts visits today.
type campaignView struct {
	*screening.Campaign
	KindLabel string `json:"kind_label"`
	OpenToday bool   `json:"open_today"`
}

func (s *Server) campaignView(c *screening.Campaign) campaignView {
	return campaignView{Campaign: c, KindLabel: screening.CampaignKinds.LabelOf(c.Kind), OpenToday: c.Open(s.Clock.Now().In(clock.China))}
}

func (s *Server) apiListCampaigns(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := s.DB.ListCampaigns(r.Context(), sc, store.CampaignFilter{Region: q.Get("region"), Kind: q.Get("kind")})
	if err != nil {
		return err
	}
	out := make([]campaignView, len(list))
	for i, c := range list {
		out[i] = s.campaignView(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// campaignInput is what a client sends to create an intensive campaign.
type campaignInput struct {
	Name       string        `json:"name"`
	Region     string        `json:"region_code"`
	Start      registry.Date `json:"start_date"`
	End        registry.Date `json:"end_date"`
	Dimensions []string      `json:"dimensions"`
}

func (s *Server) apiCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapManageCampaign)
	if err != nil {
		return err
	}
	var in campaignInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	_, by := cadre(r)
	c := &screening.Campaign{Kind: screening.KindIntensive, Name: in.Name, Region: in.Region, Start: in.Start, End: in.End,
		Dimensions: in.Dimensions, CreatedBy: by}
	if err := s.DB.CreateCampaign(r.Context(), sc, c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/campaigns/"+itoa(c.ID))
	writeJSON(w, http.StatusCreated, s.campaignView(c))
	return nil
}

func (s *Server) campaignOf(r *http.Request, cap auth.Capability) (store.Scope, *screening.Campaign, error) {
	sc, id, err := s.scopedID(r, cap)
	if err != nil {
		return sc, nil, err
	}
	c, err := s.DB.Campaign(r.Context(), sc, id)
	return sc, c, err
}

func (s *Server) apiCampaign(w http.ResponseWriter, r *http.Request) error {
	sc, c, err := s.campaignOf(r, auth.CapViewReports)
	if err != nil {
		return err
	}
	cov, err := s.DB.CampaignCoverage(r.Context(), sc, c, r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign": s.campaignView(c), "coverage": cov})
	return nil
}

func (s *Server) apiUnvisited(w http.ResponseWriter, r *http.Request) error {
	sc, c, err := s.campaignOf(r, auth.CapViewRegistry)
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
	page, err := s.DB.Unvisited(r.Context(), sc, c, r.URL.Query().Get("region"), limit, offset)
	if err != nil {
		return err
	}
	maskHouseholds(identityOf(r), page.Items)
	writeJSON(w, http.StatusOK, page)
	return nil
}

// visitFormView is what a phone needs to fill in a visit: the household,
// the campaign, the questions and the facts the items record.
type visitFormView struct {
	Household *registry.Household       `json:"household"`
	Campaign  campaignView              `json:"campaign"`
	Questions []questionView            `json:"questions"`
	Facts     []screening.FactDef       `json:"facts"`
	Results   []registry.EnumValue      `json:"results"`
	Merged    map[string]any            `json:"known_facts"`
	Members   map[string]map[string]any `json:"known_member_facts"`
}

type questionView struct {
	Item       *screening.CheckItem `json:"item"`
	MemberID   int64                `json:"member_id,omitempty"`
	MemberName string               `json:"member_name,omitempty"`
}

func (s *Server) visitForm(r *http.Request, sc store.Scope, householdID, campaignID int64) (*store.VisitForm, *visitFormView, error) {
	f, err := s.DB.VisitForm(r.Context(), sc, householdID, campaignID)
	if err != nil {
		return nil, nil, err
	}
	v := &visitFormView{Household: f.Household, Campaign: s.campaignView(f.Campaign), Facts: screening.FactDefs(),
		Results: screening.Results.Values, Merged: map[string]any{}, Members: map[string]map[string]any{}}
	for _, q := range f.Form.Questions(nil) {
		v.Questions = append(v.Questions, questionView{Item: q.Item, MemberID: q.MemberID, MemberName: f.Form.Names[q.MemberID]})
	}
	m, err := s.DB.HouseholdFacts(r.Context(), sc, householdID)
	if err != nil {
		return nil, nil, err
	}
	if m != nil {
		v.Merged = m.Facts.FactSet()
		for i := range m.Members {
			v.Members[strconv.FormatInt(m.Members[i].MemberID, 10)] = m.Members[i].FactSet()
		}
	}
	maskHousehold(identityOf(r), v.Household)
	return f, v, nil
}

func (s *Server) apiVisitForm(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapRecordVisit)
	if err != nil {
		return err
	}
	campaign, err := queryInt(r, "campaign_id", 0)
	if err != nil {
		return err
	}
	_, v, err := s.visitForm(r, sc, id, int64(campaign))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// apiPutVisit records a visit under the ID the phone made: 201 the first
// time, 200 when the same visit comes again (recorded once) or a draft is
// edited, 409 when a signed visit would change.
func (s *Server) apiPutVisit(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapRecordVisit)
	if err != nil {
		return err
	}
	id := screening.NormalizeVisitID(r.PathValue("id"))
	if err := s.DB.CheckVisitID(r.Context(), sc, id); err != nil {
		return err
	}
	var v screening.Visit
	if err := readJSON(w, r, &v); err != nil {
		return err
	}
	if v.ID != "" && screening.NormalizeVisitID(v.ID) != id {
		return apperr.Field("id", "走访编号", "与地址中的编号不一致")
	}
	v.ID = id
	v.Cadre, v.CadreID = cadre(r)
	rec, act, err := s.DB.PutVisit(r.Context(), sc, &v)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if act == screening.ActionCreate {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/visits/"+rec.ID)
	writeJSON(w, status, rec)
	return nil
}

func (s *Server) apiVisit(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	rec, err := s.DB.Visit(r.Context(), sc, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// apiSignVisit signs a complete visit in the name of the signed-in account,
// which must be the cadre who recorded it.
func (s *Server) apiSignVisit(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapRecordVisit)
	if err != nil {
		return err
	}
	name, id := cadre(r)
	rec, err := s.DB.SignVisit(r.Context(), sc, r.PathValue("id"), name, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) apiHouseholdVisits(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	if _, err := s.DB.Household(r.Context(), sc, id); err != nil {
		return err
	}
	list, err := s.DB.HouseholdVisits(r.Context(), sc, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

// apiUploadPhoto stores the request body as a photo of a household: its
// type is decided from its content (JPEG, PNG or WebP), whatever the client
// says.
func (s *Server) apiUploadPhoto(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapRecordVisit)
	if err != nil {
		return err
	}
	data, err := readPhoto(r.Body)
	if err != nil {
		return err
	}
	_, by := cadre(r)
	p, err := s.DB.PutPhoto(r.Context(), sc, id, data, by)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/photos/"+p.Key)
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// readPhoto reads at most store.MaxPhotoBytes (and one byte more, to tell
// a photo over the limit).
func readPhoto(body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, store.MaxPhotoBytes+1))
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "照片上传不完整，请重试")
	}
	if len(data) > store.MaxPhotoBytes {
		return nil, apperr.New(apperr.TooLarge, "照片超过%d MB上限，请压缩后重新上传", store.MaxPhotoBytes>>20)
	}
	return data, nil
}

// apiPhoto serves a photo with the type decided when it was stored (never
// one a browser would sniff or run), sandboxed.
func (s *Server) apiPhoto(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	p, err := s.DB.Photo(r.Context(), sc, r.PathValue("key"))
	if err != nil {
		return err
	}
	servePhoto(w, p)
	return nil
}

func servePhoto(w http.ResponseWriter, p *store.Photo) {
	switch p.ContentType {
	case "image/jpeg", "image/png", "image/webp":
		w.Header().Set("Content-Type", p.ContentType)
	default: // not stored by PutPhoto: never let a browser guess
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.Data)
}

func findingFilter(r *http.Request) (store.FindingFilter, error) {
	q := r.URL.Query()
	f := store.FindingFilter{Region: q.Get("region"), Dimension: q.Get("dimension"), Rule: q.Get("rule"), Status: q.Get("status"),
		NoTotal: q.Get("total") == "false"}
	var err error
	if f.Limit, err = queryInt(r, "limit", 50); err != nil {
		return f, err
	}
	if f.Offset, err = queryInt(r, "offset", 0); err != nil {
		return f, err
	}
	hh, err := queryInt(r, "household_id", 0)
	f.Household = int64(hh)
	return f, err
}

func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapViewRegistry)
	if err != nil {
		return err
	}
	f, err := findingFilter(r)
	if err != nil {
		return err
	}
	page, err := s.DB.ListFindings(r.Context(), sc, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// countyOf is the county a request is about: ?county= or the account's own.
func countyOf(r *http.Request) (string, error) {
	c := strings.TrimSpace(r.URL.Query().Get("county"))
	if c == "" {
		if id := identityOf(r); id != nil && region.LevelOf(id.Account.RegionCode) >= region.County {
			return region.CountyOf(id.Account.RegionCode), nil
		}
		return "", nil
	}
	code, err := region.Normalize(c)
	if err != nil || region.LevelOf(code) < region.County {
		return "", apperr.Field("county", "县", "“%s”不是县级区划代码", c)
	}
	return region.CountyOf(code), nil
}

func (s *Server) apiCheckItems(w http.ResponseWriter, r *http.Request) error {
	if err := s.require(r, auth.CapViewReports); err != nil {
		return err
	}
	county, err := countyOf(r)
	if err != nil {
		return err
	}
	items, err := s.DB.CheckItems(r.Context(), county)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"county": county, "items": items})
	return nil
}

// checkItemInput is a county's own check item.
type checkItemInput struct {
	County string `json:"county"`
	screening.CheckItem
}

func (s *Server) apiCreateCheckItem(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapManageCampaign)
	if err != nil {
		return err
	}
	var in checkItemInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	_, by := cadre(r)
	it := in.CheckItem
	if err := s.DB.AddCheckItem(r.Context(), sc, strings.TrimSpace(in.County), &it, by); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) error {
	if err := s.require(r, auth.CapViewReports); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": screening.Rules})
	return nil
}

// runInput says what a rules run covers.
type runInput struct {
	Region      string `json:"region_code"`
	HouseholdID int64  `json:"household_id,omitempty"`
	CampaignID  int64  `json:"campaign_id,omitempty"`
}

func (s *Server) apiRunRules(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.scopeFor(r, auth.CapRunRules)
	if err != nil {
		return err
	}
	var in runInput
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	name, by := cadre(r)
	res, err := s.DB.RunRules(r.Context(), sc, store.RunOptions{Roster: s.DB.RosterOverlay(r.Context()), Region: in.Region, Household: in.HouseholdID,
		CampaignID: in.CampaignID, By: by, ByName: name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
