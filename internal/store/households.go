package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

const householdCols = `h.id, h.county, h.region_code, h.number, h.category, h.monitor_type, h.relocated,
	h.housing_priority, h.dibao, h.dibao_tier, h.tekun, h.phone, h.address, h.created_at, h.updated_at,
	COALESCE((SELECT m.name FROM members m WHERE m.household_id = h.id AND m.relation = 'head' ORDER BY m.id LIMIT 1), ''),
	COALESCE((SELECT m.id_number FROM members m WHERE m.household_id = h.id AND m.relation = 'head' ORDER BY m.id LIMIT 1), ''),
	(SELECT count(*) FROM members m WHERE m.household_id = h.id)`

func scanHousehold(sc interface{ Scan(...any) error }) (*registry.Household, error) {
	var h registry.Household
	var prio, created, updated string
	err := sc.Scan(&h.ID, &h.County, &h.RegionCode, &h.Number, &h.Category, &h.MonitorType, &h.Relocated,
		&prio, &h.Dibao, &h.DibaoTier, &h.Tekun, &h.Phone, &h.Address, &created, &updated,
		&h.HeadName, &h.HeadID, &h.MemberCount)
	if err != nil {
		return nil, err
	}
	h.HousingPriority = splitSet(prio)
	h.CreatedAt, h.UpdatedAt = parseTS(created), parseTS(updated)
	return &h, nil
}

func splitSet(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// checkHousehold validates h and the caller's right to place it in its
// village, inside tx.
func checkHousehold(tx *Tx, sc Scope, h *registry.Household) error {
	h.Normalize()
	var v apperr.Validation
	h.Validate(&v)
	if err := v.Err(); err != nil {
		return err
	}
	if !sc.Contains(h.RegionCode) {
		return apperr.Field("region_code", registry.Labels["region_code"], "村%s不在您的管辖范围内", h.RegionCode)
	}
	var lvl int
	err := tx.queryRow(`SELECT level FROM regions WHERE code = ?`, h.RegionCode).Scan(&lvl)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && lvl != int(region.Village)) {
		return apperr.Field("region_code", registry.Labels["region_code"], "村%s未登记，请先添加该村", h.RegionCode)
	}
	if err != nil {
		return err
	}
	var other int64
	err = tx.queryRow(`SELECT id FROM households WHERE county = ? AND number = ?`, h.County, h.Number).Scan(&other)
	switch {
	case err == nil && other != h.ID:
		return &apperr.Error{Code: apperr.Conflict, Message: "户编号" + h.Number + "已被另一户使用",
			Fields: []apperr.FieldError{{Field: "number", Label: registry.Labels["number"], Message: "户编号" + h.Number + "已被另一户使用"}}}
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return nil
}

// CreateHousehold adds a household (and optionally its members) inside the
// scope, in one transaction: all of it or nothing.
func (db *DB) CreateHousehold(ctx context.Context, sc Scope, h *registry.Household, members []registry.Member) error {
	now := db.now()
	err := db.write(ctx, func(tx *Tx) error {
		h.ID = 0
		if err := checkHousehold(tx, sc, h); err != nil {
			return err
		}
		err := tx.queryRow(`INSERT INTO households (county, region_code, number, category, monitor_type, relocated,
			housing_priority, dibao, dibao_tier, tekun, phone, address, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			h.County, h.RegionCode, h.Number, h.Category, h.MonitorType, h.Relocated,
			strings.Join(h.HousingPriority, ","), h.Dibao, h.DibaoTier, h.Tekun, h.Phone, h.Address, ts(now), ts(now)).Scan(&h.ID)
		if err != nil {
			return err
		}
		h.CreatedAt, h.UpdatedAt = now, now
		heads := 0
		for i := range members {
			m := &members[i]
			m.HouseholdID = h.ID
			if m.Relation == registry.RelationHead {
				heads++
			}
			if heads > 1 && m.Relation == registry.RelationHead {
				return apperr.Field("relation", registry.Labels["relation"], "一户只能有一位户主（第%d位成员）", i+1)
			}
			if err := insertMember(tx, h, m, now, i+1); err != nil {
				return err
			}
		}
		h.MemberCount = len(members)
		h.Members = members
		if err := tx.audit(Change{Action: audit.ActCreate, Object: "household", ObjectID: itoa(h.ID), Region: h.RegionCode, New: h}); err != nil {
			return err
		}
		for i := range members {
			if err := tx.audit(Change{Action: audit.ActCreate, Object: "member", ObjectID: itoa(members[i].ID), Region: h.RegionCode,
				Detail: "随农户" + h.Number + "登记", New: &members[i]}); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// UpdateHousehold replaces the editable fields of a household inside the
// scope and returns the household as it was before.
func (db *DB) UpdateHousehold(ctx context.Context, sc Scope, h *registry.Household) (*registry.Household, error) {
	var old *registry.Household
	now := db.now()
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		old, err = householdTx(tx, sc, h.ID)
		if err != nil {
			return err
		}
		if err := checkHousehold(tx, sc, h); err != nil {
			return err
		}
		if h.County != old.County {
			return apperr.Field("region_code", registry.Labels["region_code"], "不能把农户迁到其他县（%s → %s）", old.County, h.County)
		}
		if _, err := tx.exec(`UPDATE households SET region_code = ?, number = ?, category = ?, monitor_type = ?, relocated = ?,
			housing_priority = ?, dibao = ?, dibao_tier = ?, tekun = ?, phone = ?, address = ?, updated_at = ?
			WHERE id = ?`, h.RegionCode, h.Number, h.Category, h.MonitorType, h.Relocated, strings.Join(h.HousingPriority, ","),
			h.Dibao, h.DibaoTier, h.Tekun, h.Phone, h.Address, ts(now), h.ID); err != nil {
			return err
		}
		if h.RegionCode != old.RegionCode {
			if _, err := tx.exec(`UPDATE members SET region_code = ? WHERE household_id = ?`, h.RegionCode, h.ID); err != nil {
				return err
			}
		}
		h.CreatedAt, h.UpdatedAt = old.CreatedAt, now
		return tx.audit(Change{Action: audit.ActUpdate, Object: "household", ObjectID: itoa(h.ID), Region: h.RegionCode, Old: old, New: h})
	})
	return old, err
}

func householdTx(tx *Tx, sc Scope, id int64) (*registry.Household, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	h, err := scanHousehold(tx.queryRow(`SELECT `+householdCols+` FROM households h
		WHERE h.id = ? AND h.region_code >= ? AND h.region_code < ?`, id, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "农户不存在")
	}
	return h, err
}

// Household returns one household with its members, if it is in the scope.
func (db *DB) Household(ctx context.Context, sc Scope, id int64) (*registry.Household, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	h, err := scanHousehold(db.queryRow(ctx, `SELECT `+householdCols+` FROM households h
		WHERE h.id = ? AND h.region_code >= ? AND h.region_code < ?`, id, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "农户不存在")
	}
	if err != nil {
		return nil, translate(err)
	}
	h.Members, err = db.membersOf(ctx, h.ID)
	return h, err
}

// HouseholdFilter selects households in a list.
type HouseholdFilter struct {
	Region      string // 12-digit code of a subtree inside the scope ("" = whole scope)
	Category    string
	MonitorType string
	Q           string // name (prefix), ID number (full or prefix) or household number (prefix)
	Limit       int    // default 50, at most 500
	Offset      int
	NoTotal     bool // skip counting the whole result
}

// HouseholdPage is one page of a list.
type HouseholdPage struct {
	Items []*registry.Household `json:"items"`
	Total int64                 `json:"total"` // -1 when not counted
	// TotalCapped: the search matched more than SearchCap households; Total
	// and the pages cover the first SearchCap.
	TotalCapped bool `json:"total_capped,omitempty"`
	Limit       int  `json:"limit"`
	Offset      int  `json:"offset"`
}

// ListHouseholds lists households in the scope, newest region order first by
// id, with filters and paging.
func (db *DB) ListHouseholds(ctx context.Context, sc Scope, f HouseholdFilter) (*HouseholdPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return nil, apperr.Field("region", "区域", "%s", err.Error())
		}
		f.Region = code
	}
	lo, hi, err := sc.narrow(f.Region)
	if err != nil {
		return nil, err
	}
	where := []string{"h.region_code >= ?", "h.region_code < ?"}
	args := []any{lo, hi}
	if f.Category != "" {
		if !registry.Category.Has(f.Category) {
			return nil, apperr.Field("category", "户类型", "“%s”不是有效值", f.Category)
		}
		where = append(where, "h.category = ?")
		args = append(args, f.Category)
	}
	if f.MonitorType != "" {
		where = append(where, "h.monitor_type = ?")
		args = append(args, f.MonitorType)
	}
	page := &HouseholdPage{Limit: f.Limit, Offset: f.Offset, Total: -1, Items: []*registry.Household{}}
	if q := strings.TrimSpace(f.Q); q != "" {
		ids, capped, err := db.searchHouseholds(ctx, q, lo, hi)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			page.Total = 0
			return page, nil
		}
		page.TotalCapped = capped
		// The candidates are already inside [lo, hi): select them by primary
		// key only, so neither database scans the region's range to probe the list.
		where = append([]string{"h.id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"}, where[2:]...)
		idArgs := make([]any, len(ids))
		for i, id := range ids {
			idArgs[i] = id
		}
		args = append(idArgs, args[2:]...)
	}
	cond := strings.Join(where, " AND ")
	rows, err := db.query(ctx, `SELECT `+householdCols+` FROM households h WHERE `+cond+` ORDER BY h.region_code, h.id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, translate(err)
		}
		page.Items = append(page.Items, h)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if !f.NoTotal {
		if err := db.queryRow(ctx, `SELECT count(*) FROM households h WHERE `+cond, args...).Scan(&page.Total); err != nil {
			return nil, translate(err)
		}
	}
	return page, nil
}

// SearchCap bounds how many households a search collects before paging; a
// broader search (a common surname over a whole county) reports its total as
// "at least SearchCap".
const SearchCap = 2000

// searchHouseholds finds the ids of households matching q inside [lo, hi):
// by ID number (full, or a prefix of at least 4 digits), by household number
// prefix, or by a member's name prefix. Each is an indexed range scan that
// stops at SearchCap rows, so even a one-character surname over a county is
// cheap; the page is then read by id.
func (db *DB) searchHouseholds(ctx context.Context, q, lo, hi string) (ids []int64, capped bool, err error) {
	var memberCond string
	plo, phi := prefixRange(q)
	if n := idcard.Normalize(q); isIDLike(n) {
		if len(n) == 15 || len(n) == 18 {
			if id, err := idcard.Parse(n, timeZero); err == nil {
				n = id.Number
			}
		}
		plo, phi = prefixRange(n)
		memberCond = "m.id_number >= ? AND m.id_number < ?"
	} else {
		memberCond = "m.name >= ? AND m.name < ?"
	}
	seen := map[int64]bool{}
	collect := func(query string, args ...any) error {
		rows, err := db.query(ctx, query, args...)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return translate(err)
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return translate(rows.Err())
	}
	if err := collect(`SELECT m.household_id FROM members m WHERE `+memberCond+` AND m.region_code >= ? AND m.region_code < ? LIMIT ?`,
		plo, phi, lo, hi, SearchCap+1); err != nil {
		return nil, false, err
	}
	if err := collect(`SELECT h.id FROM households h WHERE h.number >= ? AND h.number < ? AND h.region_code >= ? AND h.region_code < ? LIMIT ?`,
		plo, phi, lo, hi, SearchCap+1); err != nil {
		return nil, false, err
	}
	if len(ids) > SearchCap {
		return ids[:SearchCap], true, nil
	}
	return ids, false, nil
}

func isIDLike(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c == 'X' && i == len(s)-1) {
			return false
		}
	}
	return true
}

// prefixRange returns [p, p+U+10FFFF): every text that starts with p, in
// byte order (SQLite BINARY, PostgreSQL COLLATE "C").
func prefixRange(p string) (string, string) { return p, p + "\U0010FFFF" }
