package web

import (
	"net/http"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/idcard"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

// api wraps a JSON endpoint: every request is authenticated, by a bearer
// token (API clients: "Authorization: Bearer sbk_...") or by the session
// cookie (the interface's own scripts, which must then send the CSRF token
// in an X-CSRF-Token header with every state-changing request). No
// credential, or one no longer valid, answers 401 with a JSON error.
func (s *Server) api(h func(s *Server, w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.authenticate(r)
		if err == nil && id == nil {
			err = apperr.New(apperr.Unauthenticated, "请提供接口令牌（请求头 Authorization: Bearer <令牌>）")
		}
		if err != nil {
			if apperr.Is(err, apperr.Unauthenticated) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sanbao"`)
			}
			writeError(w, r, s.Log, err)
			return
		}
		r = s.withIdentity(r, id)
		if err := s.checkForgery(r, id); err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		if err := h(s, w, r); err != nil {
			writeError(w, r, s.Log, err)
		}
	}
}

// Masking. ID numbers and phones leave the server masked
// (1411**********0018, 138****1234) unless the role sees full numbers
// (auth.SeesFullID, none at present); a role with CapViewFullID reveals one
// record's numbers with the reveal endpoints or the "显示" button, and every
// reveal is audited.

func maskHousehold(me *Identity, h *registry.Household) {
	if h == nil || me == nil {
		return
	}
	h.Phone = auth.DisplayPhone(me.Account.Role, h.Phone)
	h.HeadID = auth.DisplayID(me.Account.Role, h.HeadID)
	for i := range h.Members {
		maskMember(me, &h.Members[i])
	}
}

func maskMember(me *Identity, m *registry.Member) {
	if m == nil || me == nil {
		return
	}
	m.IDNumber = auth.DisplayID(me.Account.Role, m.IDNumber)
}

func maskHouseholds(me *Identity, hs []*registry.Household) {
	for _, h := range hs {
		maskHousehold(me, h)
	}
}

// keepIfMasked returns old when typed is old as the client was shown it
// (masked): a client that sends back what it read keeps the number.
func keepIfMasked(typed, old string, mask func(string) string) string {
	if typed != "" && typed != old && typed == mask(old) {
		return old
	}
	return typed
}

func maskedID(id string) string { return idcard.Mask(id) }

// revealMember audits and returns a member's full ID number.
func (s *Server) revealMember(r *http.Request, sc store.Scope, id int64) (*registry.Member, error) {
	m, err := s.DB.Member(r.Context(), sc, id)
	if err != nil {
		return nil, err
	}
	h, err := s.DB.Household(r.Context(), sc, m.HouseholdID)
	if err != nil {
		return nil, err
	}
	if err := s.DB.Record(r.Context(), store.Change{Action: audit.ActViewFullID, Object: "member", ObjectID: itoa(m.ID),
		Region: h.RegionCode, Detail: "查看" + m.Name + "（户编号" + h.Number + "）的完整身份证号"}); err != nil {
		return nil, err
	}
	return m, nil
}

// revealHousehold audits and returns a household with its full phone
// number and head's ID number.
func (s *Server) revealHousehold(r *http.Request, sc store.Scope, id int64) (*registry.Household, error) {
	h, err := s.DB.Household(r.Context(), sc, id)
	if err != nil {
		return nil, err
	}
	if err := s.DB.Record(r.Context(), store.Change{Action: audit.ActViewFullID, Object: "household", ObjectID: itoa(h.ID),
		Region: h.RegionCode, Detail: "查看户编号" + h.Number + "的完整联系电话和户主身份证号"}); err != nil {
		return nil, err
	}
	return h, nil
}

func (s *Server) apiRevealMember(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewFullID)
	if err != nil {
		return err
	}
	m, err := s.revealMember(r, sc, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "id_number": m.IDNumber})
	return nil
}

func (s *Server) apiRevealHousehold(w http.ResponseWriter, r *http.Request) error {
	sc, id, err := s.scopedID(r, auth.CapViewFullID)
	if err != nil {
		return err
	}
	h, err := s.revealHousehold(r, sc, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": h.ID, "phone": h.Phone, "head_id_number": h.HeadID})
	return nil
}
