package web

import (
	"net/http"

	"sanbao/internal/auth"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

func init() {
	registerPages(pageRoute{Method: "GET", Path: "/{$}", Handle: (*Server).home})
	registerNav(navItem{Label: "首页", Path: "/", Order: 0})
}

type count struct {
	Code, Label string
	N           int64
}

func counts(e *registry.Enum, by map[string]int64) []count {
	var out []count
	for _, v := range e.Values {
		if n := by[v.Code]; n > 0 || e == registry.Category {
			out = append(out, count{v.Code, v.Label, n})
		}
	}
	return out
}

// home shows the account's region: households and members, by category
// and monitoring type (for roles that read the registry), and the way to
// the account's other work.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	var data struct {
		Summary      *store.Summary
		Categories   []count
		MonitorTypes []count
	}
	if me.Can(auth.CapViewRegistry) {
		sum, err := s.DB.Summary(r.Context(), me.Scope, me.Account.RegionCode)
		if err != nil {
			return err
		}
		data.Summary = sum
		data.Categories = counts(registry.Category, sum.ByCategory)
		data.MonitorTypes = counts(registry.MonitorType, sum.ByMonitorType)
	}
	return s.render(w, r, http.StatusOK, "home", &view{Title: "首页", Data: data})
}
