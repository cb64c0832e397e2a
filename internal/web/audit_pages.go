package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

// The auditor's browser of the audit trail: every entry whose region lies
// in the auditor's scope, newest first, filtered by who, what, which
// object, when and where.

func init() {
	registerPages(pageRoute{Method: "GET", Path: "/audit", Cap: auth.CapViewAudit, Handle: (*Server).auditList})
	registerNav(navItem{Label: "审计记录", Path: "/audit", Cap: auth.CapViewAudit, Order: 90})
}

// objectLabels name the kinds of object in the trail; other areas add
// theirs here when they audit new kinds.
var objectLabels = map[string]string{
	"household": "农户", "member": "家庭成员", "account": "账号", "session": "登录", "api_token": "接口令牌",
}

// fieldLabel names a field of an entry's old/new values.
func fieldLabel(k string) string {
	if l := registry.Labels[k]; l != "" {
		return l
	}
	if l := auth.AccountLabels[k]; l != "" {
		return l
	}
	switch k {
	case "id":
		return "编号"
	case "county":
		return "县"
	case "households":
		return "户数"
	case "members":
		return "人数"
	case "name":
		return "名称"
	}
	return k
}

// change is one field of an entry: its label and its values before and after.
type change struct{ Label, Old, New string }

// entryView is an audit entry as the pages show it.
type entryView struct {
	Seq                    int64
	At                     time.Time
	Actor, Role, IP        string
	Action, Object, Detail string
	ObjectID, Link, Region string
	Changes                []change
}

// showValue renders one JSON value of an entry in Chinese: enum codes as
// their labels, booleans as 是/否, lists joined.
func showValue(field string, raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	var one func(x any) string
	one = func(x any) string {
		switch t := x.(type) {
		case nil:
			return ""
		case bool:
			if t {
				return "是"
			}
			return "否"
		case string:
			if e := enums[field]; e != nil && e.LabelOf(t) != "" {
				return e.LabelOf(t)
			}
			if field == "role" {
				if l := auth.Role(t).Label(); l != "" {
					return l
				}
			}
			if field == "department" {
				if l := auth.Department(t).Label(); l != "" {
					return l
				}
			}
			return t
		case []any:
			parts := make([]string, len(t))
			for i, y := range t {
				parts[i] = one(y)
			}
			return strings.Join(parts, "、")
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64)
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return one(v)
}

func changesOf(e audit.Entry) []change {
	var o, n map[string]json.RawMessage
	json.Unmarshal(e.Old, &o)
	json.Unmarshal(e.New, &n)
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	var out []change
	for k := range keys {
		out = append(out, change{Label: fieldLabel(k), Old: showValue(k, o[k]), New: showValue(k, n[k])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

func roleLabelOf(code string) string {
	switch code {
	case "system":
		return "系统（命令行）"
	case "anonymous", "":
		return "未登录"
	}
	if l := auth.Role(code).Label(); l != "" {
		return l
	}
	return code
}

func (s *Server) entryViews(r *http.Request, es []audit.Entry) []entryView {
	out := make([]entryView, len(es))
	for i, e := range es {
		v := entryView{Seq: e.Seq, At: e.At, Actor: e.Actor, Role: roleLabelOf(e.Role), IP: e.IP, Action: e.Action.Label(),
			Object: objectLabels[e.Object], ObjectID: e.ObjectID, Detail: e.Detail, Changes: changesOf(e)}
		if v.Object == "" {
			v.Object = e.Object
		}
		if e.Region != "" {
			v.Region = s.regionLabel(r, e.Region)
		}
		switch e.Object {
		case "household":
			if e.ObjectID != "" {
				v.Link = "/households/" + e.ObjectID
			}
		case "account":
			v.Link = "/accounts/" + e.ObjectID
		}
		if v.Actor == "" {
			v.Actor = "—"
		}
		out[i] = v
	}
	return out
}

// parseDay reads a date typed in a filter as a day in China time.
func parseDay(s string) (time.Time, error) {
	d, err := registry.ParseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, clock.China), nil
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) error {
	me := identityOf(r)
	q := r.URL.Query()
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: audit.Action(q.Get("action")),
		Object: q.Get("object"), ObjectID: strings.TrimSpace(q.Get("object_id")), Region: strings.TrimSpace(q.Get("region")), Limit: 50}
	var v apperr.Validation
	if d := strings.TrimSpace(q.Get("from")); d != "" {
		t, err := parseDay(d)
		if err != nil {
			v.Add("from", "起始日期", "%s", apperr.MessageOf(err))
		}
		f.From = t
	}
	if d := strings.TrimSpace(q.Get("to")); d != "" {
		t, err := parseDay(d)
		if err != nil {
			v.Add("to", "截止日期", "%s", apperr.MessageOf(err))
		}
		f.To = t.AddDate(0, 0, 1) // through the end of that day
	}
	if b := q.Get("before"); b != "" {
		f.Before, _ = strconv.ParseInt(b, 10, 64)
	}
	status := http.StatusOK
	frm := newForm(q)
	page := &store.AuditPage{Items: []audit.Entry{}}
	err := v.Err()
	if err == nil {
		page, err = s.DB.AuditEntries(r.Context(), me.Scope, f)
	}
	if apperr.Is(err, apperr.Invalid) {
		status, frm = http.StatusUnprocessableEntity, formOf(q, err, "actor", "action", "object", "object_id", "region", "from", "to")
		page = &store.AuditPage{Items: []audit.Entry{}}
	} else if err != nil {
		return err
	}
	var actions [][2]string
	for _, a := range audit.Actions() {
		actions = append(actions, [2]string{string(a), a.Label()})
	}
	var objects [][2]string
	for _, k := range []string{"household", "member", "account", "session", "api_token"} {
		objects = append(objects, [2]string{k, objectLabels[k]})
	}
	for k, l := range objectLabels {
		if k != "household" && k != "member" && k != "account" && k != "session" && k != "api_token" {
			objects = append(objects, [2]string{k, l})
		}
	}
	if code, err := region.Normalize(f.Region); err == nil {
		f.Region = code
	}
	groups, err := s.regionChoices(r.Context(), me.Account.RegionCode, f.Region)
	if err != nil {
		return err
	}
	next := ""
	if page.Next != 0 {
		next = pageURL(r.URL.Path, q, "before", page.Next)
	}
	return s.render(w, r, status, "audit/list", &view{Title: "审计记录", Form: frm, Data: struct {
		Entries  []entryView
		Actions  [][2]string
		Objects  [][2]string
		Groups   []regionGroup
		Selected string
		Next     string
		First    string
	}{s.entryViews(r, page.Items), actions, objects, groups, f.Region, next, pageURL(r.URL.Path, q, "before", "")}})
}
