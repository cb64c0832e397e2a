package store

import (
	"context"
	"time"

	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// EachMember streams the members of the households in a region subtree
// (narrowed by the scope), household by household in region and number
// order, the head first: one query, constant memory, for exports. fn gets
// the household (without Members; the same pointer for all its members) and
// one member; it may not keep them. regionCode "" is the whole scope.
func (db *DB) EachMember(ctx context.Context, sc Scope, regionCode string, fn func(h *registry.Household, m *registry.Member) error) error {
	if regionCode != "" {
		code, err := region.Normalize(regionCode)
		if err != nil {
			return err
		}
		regionCode = code
	}
	lo, hi, err := sc.narrow(regionCode)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, `SELECT h.id, h.county, h.region_code, h.number, h.category, h.monitor_type, h.relocated,
		h.housing_priority, h.dibao, h.dibao_tier, h.tekun, h.phone, h.address,
		m.id, m.id_number, m.name, m.sex, m.birth_date, m.relation, m.disability_type, m.disability_grade,
		m.health, m.schooling, m.school, m.labour, m.medical_insured
		FROM households h JOIN members m ON m.household_id = h.id
		WHERE h.region_code >= ? AND h.region_code < ?
		ORDER BY h.region_code, h.number, CASE WHEN m.relation = 'head' THEN 0 ELSE 1 END, m.id`, lo, hi)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var h registry.Household
	var m registry.Member
	var hid int64
	var prio, birth string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &h.County, &h.RegionCode, &h.Number, &h.Category, &h.MonitorType, &h.Relocated,
			&prio, &h.Dibao, &h.DibaoTier, &h.Tekun, &h.Phone, &h.Address,
			&m.ID, &m.IDNumber, &m.Name, &m.Sex, &birth, &m.Relation, &m.DisabilityType, &m.DisabilityGrade,
			&m.Health, &m.Schooling, &m.School, &m.Labour, &m.MedicalInsured); err != nil {
			return translate(err)
		}
		if id != hid {
			hid = id
			h.ID = id
			h.HousingPriority = splitSet(prio)
		}
		m.HouseholdID, m.County = id, h.County
		m.BirthDate.Time, _ = time.Parse("2006-01-02", birth)
		if err := fn(&h, &m); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// SubtreeNames returns the names of the townships and villages under a
// region code (for exports), by code.
func (db *DB) SubtreeNames(ctx context.Context, regionCode string) (map[string]string, error) {
	lo, hi := "", ":"
	if regionCode != "" && regionCode != "*" {
		code, err := region.Normalize(regionCode)
		if err != nil {
			return nil, err
		}
		lo, hi = region.Range(code)
	}
	rows, err := db.query(ctx, `SELECT code, name FROM regions WHERE code >= ? AND code < ? AND level >= 4`, lo, hi)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return nil, translate(err)
		}
		out[c] = n
	}
	return out, translate(rows.Err())
}
