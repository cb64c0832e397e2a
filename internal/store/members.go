package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/registry"
)

var timeZero time.Time

const memberCols = `m.id, m.household_id, m.county, m.id_number, m.name, m.sex, m.birth_date, m.relation,
	m.disability_type, m.disability_grade, m.health, m.schooling, m.school, m.labour, m.medical_insured,
	m.created_at, m.updated_at`

func scanMember(sc interface{ Scan(...any) error }, m *registry.Member, extra ...any) error {
	var birth, created, updated string
	if err := sc.Scan(append([]any{&m.ID, &m.HouseholdID, &m.County, &m.IDNumber, &m.Name, &m.Sex, &birth, &m.Relation,
		&m.DisabilityType, &m.DisabilityGrade, &m.Health, &m.Schooling, &m.School, &m.Labour, &m.MedicalInsured,
		&created, &updated}, extra...)...); err != nil {
		return err
	}
	m.BirthDate.Time, _ = time.Parse("2006-01-02", birth)
	m.CreatedAt, m.UpdatedAt = parseTS(created), parseTS(updated)
	return nil
}

func (db *DB) membersOf(ctx context.Context, householdID int64) ([]registry.Member, error) {
	rows, err := db.query(ctx, `SELECT `+memberCols+` FROM members m WHERE m.household_id = ?
		ORDER BY CASE WHEN m.relation = 'head' THEN 0 ELSE 1 END, m.birth_date, m.id`, householdID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []registry.Member{}
	for rows.Next() {
		var m registry.Member
		if err := scanMember(rows, &m); err != nil {
			return nil, translate(err)
		}
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// duplicateMember explains who already holds an ID number.
func duplicateMember(tx *Tx, idNumber string, self int64, row int) error {
	var number, village, name string
	var id int64
	err := tx.queryRow(`SELECT m.id, h.number, COALESCE(r.name, h.region_code), m.name FROM members m
		JOIN households h ON h.id = m.household_id LEFT JOIN regions r ON r.code = h.region_code
		WHERE m.id_number = ?`, idNumber).Scan(&id, &number, &village, &name)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == self) {
		return nil
	}
	if err != nil {
		return err
	}
	msg := "该身份证号已登记在" + village + "户编号" + number + "的农户中，一人只能在一户"
	fe := apperr.FieldError{Row: row, Field: "id_number", Label: registry.Labels["id_number"], Message: msg}
	return &apperr.Error{Code: apperr.Conflict, Message: fe.String(), Fields: []apperr.FieldError{fe}}
}

// insertMember validates and inserts m into household h inside tx. row is
// the member's position for messages (0 when alone).
func insertMember(tx *Tx, h *registry.Household, m *registry.Member, now time.Time, row int) error {
	m.Normalize()
	v := apperr.Validation{Row: row}
	m.Validate(&v, now)
	if err := v.Err(); err != nil {
		return err
	}
	if err := duplicateMember(tx, m.IDNumber, 0, row); err != nil {
		return err
	}
	m.HouseholdID, m.County = h.ID, h.County
	err := tx.queryRow(`INSERT INTO members (household_id, county, region_code, id_number, name, sex, birth_date, relation,
		disability_type, disability_grade, health, schooling, school, labour, medical_insured, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		h.ID, h.County, h.RegionCode, m.IDNumber, m.Name, m.Sex, m.BirthDate.String(), m.Relation,
		m.DisabilityType, m.DisabilityGrade, m.Health, m.Schooling, m.School, m.Labour, m.MedicalInsured, ts(now), ts(now)).Scan(&m.ID)
	if err != nil {
		return err
	}
	m.CreatedAt, m.UpdatedAt = now, now
	return nil
}

func checkHead(tx *Tx, householdID, self int64, relation string) error {
	if relation != registry.RelationHead {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT count(*) FROM members WHERE household_id = ? AND relation = 'head' AND id <> ?`, householdID, self).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &apperr.Error{Code: apperr.Conflict, Message: "该户已有户主，一户只能有一位户主",
			Fields: []apperr.FieldError{{Field: "relation", Label: registry.Labels["relation"], Message: "该户已有户主，一户只能有一位户主"}}}
	}
	return nil
}

// CreateMember adds a member to a household inside the scope.
func (db *DB) CreateMember(ctx context.Context, sc Scope, m *registry.Member) error {
	now := db.now()
	return db.write(ctx, func(tx *Tx) error {
		h, err := householdTx(tx, sc, m.HouseholdID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("household_id", registry.Labels["household_id"], "农户%d不存在", m.HouseholdID)
			}
			return err
		}
		if err := checkHead(tx, h.ID, 0, m.Relation); err != nil {
			return err
		}
		if err := insertMember(tx, h, m, now, 0); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActCreate, Object: "member", ObjectID: itoa(m.ID), Region: h.RegionCode, New: m})
	})
}

// UpdateMember replaces the editable fields of a member inside the scope
// (the household stays the same) and returns the member as it was.
func (db *DB) UpdateMember(ctx context.Context, sc Scope, m *registry.Member) (*registry.Member, error) {
	now := db.now()
	var old registry.Member
	err := db.write(ctx, func(tx *Tx) error {
		lo, hi, err := sc.bounds()
		if err != nil {
			return err
		}
		var regionCode string
		err = scanMember(tx.queryRow(`SELECT `+memberCols+`, m.region_code FROM members m WHERE m.id = ? AND m.region_code >= ? AND m.region_code < ?`,
			m.ID, lo, hi), &old, &regionCode)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "家庭成员不存在")
		}
		if err != nil {
			return err
		}
		m.HouseholdID, m.County = old.HouseholdID, old.County
		m.Normalize()
		var v apperr.Validation
		m.Validate(&v, now)
		if err := v.Err(); err != nil {
			return err
		}
		if err := duplicateMember(tx, m.IDNumber, m.ID, 0); err != nil {
			return err
		}
		if err := checkHead(tx, m.HouseholdID, m.ID, m.Relation); err != nil {
			return err
		}
		_, err = tx.exec(`UPDATE members SET id_number = ?, name = ?, sex = ?, birth_date = ?, relation = ?,
			disability_type = ?, disability_grade = ?, health = ?, schooling = ?, school = ?, labour = ?, medical_insured = ?,
			updated_at = ? WHERE id = ?`, m.IDNumber, m.Name, m.Sex, m.BirthDate.String(), m.Relation,
			m.DisabilityType, m.DisabilityGrade, m.Health, m.Schooling, m.School, m.Labour, m.MedicalInsured, ts(now), m.ID)
		if err != nil {
			return err
		}
		m.CreatedAt, m.UpdatedAt = old.CreatedAt, now
		return tx.audit(Change{Action: audit.ActUpdate, Object: "member", ObjectID: itoa(m.ID), Region: regionCode, Old: &old, New: m})
	})
	if err != nil {
		return nil, err
	}
	return &old, nil
}

// Member returns one member inside the scope.
func (db *DB) Member(ctx context.Context, sc Scope, id int64) (*registry.Member, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	var m registry.Member
	err = scanMember(db.queryRow(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ? AND m.region_code >= ? AND m.region_code < ?`,
		id, lo, hi), &m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "家庭成员不存在")
	}
	return &m, translate(err)
}

// MemberFilter selects members in a list.
type MemberFilter struct {
	Region    string
	Household int64
	Q         string // name prefix or ID number (prefix)
	Limit     int
	Offset    int
}

// ListMembers lists members in the scope.
func (db *DB) ListMembers(ctx context.Context, sc Scope, f MemberFilter) ([]registry.Member, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	lo, hi, err := sc.narrow(f.Region)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + memberCols + ` FROM members m WHERE m.region_code >= ? AND m.region_code < ?`
	args := []any{lo, hi}
	if f.Household != 0 {
		q += ` AND m.household_id = ?`
		args = append(args, f.Household)
	}
	if f.Q != "" {
		plo, phi := prefixRange(f.Q)
		if isIDLike(f.Q) {
			q += ` AND m.id_number >= ? AND m.id_number < ?`
		} else {
			q += ` AND m.name >= ? AND m.name < ?`
		}
		args = append(args, plo, phi)
	}
	q += ` ORDER BY m.id LIMIT ? OFFSET ?`
	rows, err := db.query(ctx, q, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []registry.Member{}
	for rows.Next() {
		var m registry.Member
		if err := scanMember(rows, &m); err != nil {
			return nil, translate(err)
		}
		out = append(out, m)
	}
	return out, translate(rows.Err())
}
