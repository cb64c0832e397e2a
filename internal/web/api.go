package web

import (
	"errors"
	"net/http"
	"strconv"

	"sanbao/internal/apperr"
	"sanbao/internal/auth"
	"sanbao/internal/store"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// apiRoute is one JSON API endpoint. The list is the source of truth the
// OpenAPI document is checked against.
type apiRoute struct {
	Method, Path string
	Handle       func(s *Server, w http.ResponseWriter, r *http.Request) error
}

var apiRoutes = []apiRoute{
	{"GET", "/api/v1/regions/{code}", (*Server).apiRegion},
	{"GET", "/api/v1/regions/{code}/children", (*Server).apiRegionChildren},
	{"GET", "/api/v1/households", (*Server).apiListHouseholds},
	{"POST", "/api/v1/households", (*Server).apiCreateHousehold},
	{"GET", "/api/v1/households/{id}", (*Server).apiHousehold},
	{"PUT", "/api/v1/households/{id}", (*Server).apiUpdateHousehold},
	{"GET", "/api/v1/members", (*Server).apiListMembers},
	{"POST", "/api/v1/members", (*Server).apiCreateMember},
	{"GET", "/api/v1/members/{id}", (*Server).apiMember},
	{"PUT", "/api/v1/members/{id}", (*Server).apiUpdateMember},
	{"POST", "/api/v1/households/{id}/reveal", (*Server).apiRevealHousehold},
	{"POST", "/api/v1/members/{id}/reveal", (*Server).apiRevealMember},
	{"GET", "/api/v1/problems", (*Server).apiListProblems},
	{"POST", "/api/v1/problems", (*Server).apiCreateProblem},
	{"GET", "/api/v1/problems/{id}", (*Server).apiProblem},
	{"POST", "/api/v1/problems/{id}/verify", apiVerify},
	{"POST", "/api/v1/problems/{id}/decide", apiDecide},
	{"POST", "/api/v1/problems/{id}/plan", apiPlan},
	{"POST", "/api/v1/problems/{id}/progress", apiProgress},
	{"POST", "/api/v1/problems/{id}/extend", apiExtend},
	{"POST", "/api/v1/problems/{id}/evidence", (*Server).apiUploadEvidence},
	{"POST", "/api/v1/problems/{id}/submit", apiSubmit},
	{"POST", "/api/v1/problems/{id}/accept", apiAccept},
	{"POST", "/api/v1/problems/{id}/reject", apiReject},
	{"POST", "/api/v1/problems/{id}/reopen", apiReopen},
	{"POST", "/api/v1/problems/{id}/result", apiResult},
	{"POST", "/api/v1/problems/{id}/remarks", apiRemarks},
	{"GET", "/api/v1/evidence/{key}", (*Server).apiEvidence},
	{"GET", "/api/v1/ledger/accountability", (*Server).apiAccountability},
	{"GET", "/api/v1/ledger/bulletin", (*Server).apiBulletin},
	{"GET", "/api/v1/ledger/bulletin.xlsx", (*Server).apiBulletinXLSX},
	{"GET", "/api/v1/ledger/export.xlsx", (*Server).apiExport},
	{"POST", "/api/v1/ledger/import", (*Server).apiImport},
	// Screening (api_screening.go).
	{"GET", "/api/v1/campaigns", (*Server).apiListCampaigns},
	{"POST", "/api/v1/campaigns", (*Server).apiCreateCampaign},
	{"GET", "/api/v1/campaigns/{id}", (*Server).apiCampaign},
	{"GET", "/api/v1/campaigns/{id}/unvisited", (*Server).apiUnvisited},
	{"GET", "/api/v1/households/{id}/visit-form", (*Server).apiVisitForm},
	{"GET", "/api/v1/households/{id}/visits", (*Server).apiHouseholdVisits},
	{"POST", "/api/v1/households/{id}/photos", (*Server).apiUploadPhoto},
	{"GET", "/api/v1/photos/{key}", (*Server).apiPhoto},
	{"PUT", "/api/v1/visits/{id}", (*Server).apiPutVisit},
	{"GET", "/api/v1/visits/{id}", (*Server).apiVisit},
	{"POST", "/api/v1/visits/{id}/sign", (*Server).apiSignVisit},
	{"GET", "/api/v1/findings", (*Server).apiFindings},
	{"POST", "/api/v1/findings/{id}/problem", (*Server).apiFindingToProblem},
	{"GET", "/api/v1/check-items", (*Server).apiCheckItems},
	{"POST", "/api/v1/check-items", (*Server).apiCreateCheckItem},
	{"GET", "/api/v1/rules", (*Server).apiRules},
	{"POST", "/api/v1/rules/run", (*Server).apiRunRules},
	// Department cross-check (api_crosscheck.go).
	{"GET", "/api/v1/roster-kinds", (*Server).apiRosterKinds},
	{"GET", "/api/v1/roster-template", (*Server).apiRosterTemplate},
	{"GET", "/api/v1/roster-uploads", (*Server).apiRosterUploads},
	{"POST", "/api/v1/roster-uploads", (*Server).apiRosterImport},
	{"GET", "/api/v1/roster-uploads/{id}", (*Server).apiRosterUpload},
	{"GET", "/api/v1/roster-uploads/{id}/errors", (*Server).apiRosterErrors},
	{"GET", "/api/v1/alerts", (*Server).apiAlerts},
	{"GET", "/api/v1/alerts/{id}", (*Server).apiAlert},
	{"POST", "/api/v1/alerts/{id}/verify", (*Server).apiVerifyAlert},
	{"GET", "/api/v1/alert-attachments/{id}", (*Server).apiAlertAttachment},
	{"GET", "/api/v1/crosscheck/stats", (*Server).apiCrossCheckStats},
}

func (s *Server) routes() {
	for _, rt := range apiRoutes {
		s.mux.HandleFunc(rt.Method+" "+rt.Path, s.api(rt.Handle))
	}
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("/api/", s.api(func(s *Server, w http.ResponseWriter, r *http.Request) error {
		return apperr.New(apperr.NotFound, "接口%s %s不存在", r.Method, r.URL.Path)
	}))
	s.registerPageRoutes()
}

// scope returns the region subtree the request's account may reach (see
// also scopeFor, which checks a capability first).
func (s *Server) scope(r *http.Request) (store.Scope, error) {
	id := identityOf(r)
	if id == nil {
		return store.Scope{}, apperr.New(apperr.Unauthenticated, "请先登录")
	}
	return id.Scope, nil
}

// scopedID checks a capability and returns the account's scope and the
// record ID of the path.
func (s *Server) scopedID(r *http.Request, cap auth.Capability) (store.Scope, int64, error) {
	sc, err := s.scopeFor(r, cap)
	if err != nil {
		return sc, 0, err
	}
	id, err := pathID(r, "id")
	return sc, id, err
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "记录不存在")
	}
	return id, nil
}

func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, apperr.Field(name, name, "应为非负整数")
	}
	return n, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.DB.Region(r.Context(), "14"); err != nil && !apperr.Is(err, apperr.NotFound) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": s.DB.Dialect().String()})
}

// APIRoutes lists "METHOD /path" of every JSON endpoint, for the OpenAPI test.
func APIRoutes() []string {
	out := make([]string, len(apiRoutes))
	for i, rt := range apiRoutes {
		out[i] = rt.Method + " " + rt.Path
	}
	return out
}
