package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/region"
	"sanbao/internal/screening"
)

// DemoVisits records visits for the households of a county that has none
// yet, as gen makes them from each household (nil: no visit), signed in the
// name of their cadre at the time of the database's clock, with batched
// inserts in one transaction, under the county's routine campaign; each
// household's merged facts are its one visit's. It is for the demo county
// and benchmarks only: each visit is validated on its own, not against the
// checklist. It returns the number of visits.
func (db *DB) DemoVisits(ctx context.Context, county string, gen func(in *screening.Input) *screening.Visit) (int, error) {
	code, err := region.Normalize(county)
	if err != nil || region.LevelOf(code) != region.County {
		return 0, apperr.Field("region_code", "县", "“%s”不是县级区划代码", county)
	}
	c6 := region.CountyOf(code)
	var n int
	if err := db.queryRow(ctx, `SELECT count(*) FROM visits WHERE county = ?`, c6).Scan(&n); err != nil {
		return 0, translate(err)
	}
	if n > 0 {
		return 0, nil
	}
	camp, err := db.RoutineCampaign(ctx, code)
	if err != nil {
		return 0, err
	}
	lo, hi := region.Range(code)
	signedAt := db.now().Truncate(time.Second)
	now := ts(signedAt)
	type row struct {
		v    *screening.Visit
		body string
		m    screening.Merged
	}
	var batch []row
	flush := func(tx *Tx) error {
		err := batchInsert(tx, "visits", []string{"id", "county", "household_id", "campaign_id", "cadre", "cadre_id", "visited_at",
			"signed_by", "signed_at", "digest", "body", "created_at", "updated_at"}, len(batch), func(i int, r []any) {
			v := batch[i].v
			r[0], r[1], r[2], r[3], r[4], r[5], r[6] = v.ID, c6, v.HouseholdID, v.CampaignID, v.Cadre, v.CadreID, ts(v.VisitedAt)
			r[7], r[8], r[9], r[10], r[11], r[12] = v.SignedBy, ts(v.SignedAt), v.Digest, batch[i].body, now, now
		})
		if err != nil {
			return err
		}
		err = batchInsert(tx, "household_facts", []string{"household_id", "county", "facts", "member_facts", "not_met",
			"last_visit_id", "last_signed_at", "visits"}, len(batch), func(i int, r []any) {
			m := &batch[i].m
			facts, _ := m.Facts.MarshalBinary()
			notMet := ""
			if nm := m.NotMet(); len(nm) > 0 {
				b, _ := json.Marshal(nm)
				notMet = string(b)
			}
			r[0], r[1], r[2], r[3], r[4] = batch[i].v.HouseholdID, c6, facts, appendMemberFacts(nil, m.Members), notMet
			r[5], r[6], r[7] = m.LastVisitID, ts(m.LastSignedAt), m.Visits
		})
		batch = batch[:0]
		return err
	}
	err = db.write(ctx, func(tx *Tx) error {
		rd, err := db.openReaders(ctx)
		if err != nil {
			return err
		}
		defer rd.close()
		_, _, err = db.stream(ctx, rd, lo, hi, true, func(in *screening.Input) error {
			v := gen(in)
			if v == nil {
				return nil
			}
			v.HouseholdID, v.CampaignID = in.Household.ID, camp.ID
			v.Normalize()
			if err := v.Validate(); err != nil {
				return err
			}
			v.SignedBy, v.SignedAt = v.Cadre, signedAt
			v.Digest = v.SignatureDigest()
			body, err := json.Marshal(v)
			if err != nil {
				return apperr.Wrap(err, "visit body")
			}
			batch = append(batch, row{v: v, body: string(body), m: screening.Merge([]*screening.Visit{v})})
			n++
			if len(batch) == 1000 {
				return flush(tx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(tx); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActImport, Object: "visit", Region: code, Detail: fmt.Sprintf("生成演示走访记录%d条", n)})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ScanRegistry reads every household and member of the scope's region once,
// the columns the rules need in their stored form, through the same driver
// and without interpreting them: the floor of reading the data, against
// which a rules run is measured.
func (db *DB) ScanRegistry(ctx context.Context, sc Scope) (households, members int64, elapsed time.Duration, err error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	scan := func(q string, cols int) (int64, error) {
		rows, err := db.query(ctx, q, lo, hi)
		if err != nil {
			return 0, translate(err)
		}
		defer rows.Close()
		raw := make([]any, cols)
		for i := range raw {
			raw[i] = new(any)
		}
		var n int64
		for rows.Next() {
			if err := rows.Scan(raw...); err != nil {
				return 0, translate(err)
			}
			n++
		}
		return n, translate(rows.Err())
	}
	cond := `region_code >= ? AND region_code < ?`
	if db.dialect == SQLite {
		cond = `+region_code >= ? AND +region_code < ?` // a full scan, not an index range
	}
	if households, err = scan(`SELECT id, region_code, category, relocated, dibao, tekun FROM households WHERE `+cond, 6); err != nil {
		return
	}
	members, err = scan(`SELECT household_id, id, birth_date, health, schooling, labour, disability_type, disability_grade,
		medical_insured FROM members WHERE `+cond, 9)
	return households, members, time.Since(start), err
}

// CountHouseholdFacts counts the households of the scope whose signed
// visits recorded facts.
func (db *DB) CountHouseholdFacts(ctx context.Context, sc Scope) (int64, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.queryRow(ctx, `SELECT count(*) FROM household_facts f JOIN households h ON h.id = f.household_id
		WHERE h.region_code >= ? AND h.region_code < ?`, lo, hi).Scan(&n)
	return n, translate(err)
}
