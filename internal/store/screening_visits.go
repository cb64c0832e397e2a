package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/clock"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
)

// ActSign is the audit action of signing a visit (签字).
const ActSign = audit.ActSign

// VisitRecord is a stored visit: what the cadre recorded and signed, and
// what the store knows about it since.
type VisitRecord struct {
	screening.Visit
	// SupersededBy is the signed later visit that corrects this one: its
	// facts and answers no longer count.
	SupersededBy string `json:"superseded_by,omitempty"`
	// Intact reports that a signed visit still matches its signature digest
	// (false for drafts).
	Intact    bool      `json:"intact"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const visitCols = `v.body, v.superseded_by, v.created_at, v.updated_at`

func scanVisit(sc scanner) (*VisitRecord, error) {
	var body, created, updated string
	var r VisitRecord
	if err := sc.Scan(&body, &r.SupersededBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &r.Visit); err != nil {
		return nil, apperr.Wrap(err, "visit body")
	}
	r.Intact = r.Visit.VerifyDigest()
	r.CreatedAt, r.UpdatedAt = parseTS(created), parseTS(updated)
	return &r, nil
}

// visitTx reads a visit by ID whatever its household (nil when absent).
func visitTx(tx *Tx, id string) (*VisitRecord, error) {
	r, err := scanVisit(tx.queryRow(`SELECT `+visitCols+` FROM visits v WHERE v.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Visit returns a visit of a household in the scope.
func (db *DB) Visit(ctx context.Context, sc Scope, id string) (*VisitRecord, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	r, err := scanVisit(db.queryRow(ctx, `SELECT `+visitCols+` FROM visits v JOIN households h ON h.id = v.household_id
		WHERE v.id = ? AND h.region_code >= ? AND h.region_code < ?`, screening.NormalizeVisitID(id), lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "走访记录不存在")
	}
	return r, translate(err)
}

// CheckVisitID answers NotFound when a visit with the ID exists outside the
// scope (so that a client cannot write to it, nor learn anything about it);
// nil when it is in the scope or does not exist yet.
func (db *DB) CheckVisitID(ctx context.Context, sc Scope, id string) error {
	lo, hi, err := sc.bounds()
	if err != nil {
		return err
	}
	var region string
	err = db.queryRow(ctx, `SELECT h.region_code FROM visits v JOIN households h ON h.id = v.household_id WHERE v.id = ?`,
		screening.NormalizeVisitID(id)).Scan(&region)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return translate(err)
	case region < lo || region >= hi:
		return apperr.New(apperr.NotFound, "走访记录不存在")
	}
	return nil
}

// HouseholdVisits lists the visits of a household in the scope, newest
// first (drafts included).
func (db *DB) HouseholdVisits(ctx context.Context, sc Scope, householdID int64) ([]*VisitRecord, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+visitCols+` FROM visits v JOIN households h ON h.id = v.household_id
		WHERE v.household_id = ? AND h.region_code >= ? AND h.region_code < ?
		ORDER BY v.visited_at DESC, v.id`, householdID, lo, hi)
	out, err := scanAll(rows, err, scanVisit)
	if out == nil {
		out = []*VisitRecord{}
	}
	return out, translate(err)
}

// checkItemsTx reads a county's checklist inside tx (the built-in rows must
// have been synced before the transaction: see ensureCheckItems).
func checkItemsTx(tx *Tx, county string) ([]screening.CheckItem, error) {
	rows, err := tx.query(checkItemsQuery, county)
	return scanAll(rows, err, scanCheckItem)
}

func membersTx(tx *Tx, householdID int64) ([]registry.Member, error) {
	rows, err := tx.query(`SELECT `+memberCols+` FROM members m WHERE m.household_id = ?
		ORDER BY CASE WHEN m.relation = 'head' THEN 0 ELSE 1 END, m.birth_date, m.id`, householdID)
	return scanAll(rows, err, func(sc scanner) (registry.Member, error) {
		var m registry.Member
		err := scanMember(sc, &m)
		return m, err
	})
}

// VisitForm is what a cadre fills in at one household: the household with
// its members, the campaign and the checklist in force.
type VisitForm struct {
	Household *registry.Household
	Campaign  *screening.Campaign
	Form      *screening.Form
}

// formTx builds the form of a household in the scope for a campaign (0: the
// routine campaign of the household's county) on the day of now.
func formTx(tx *Tx, sc Scope, householdID, campaignID int64, now time.Time) (*VisitForm, error) {
	h, err := householdTx(tx, sc, householdID)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.Field("household_id", "走访农户", "农户%d不存在", householdID)
		}
		return nil, err
	}
	if h.Members, err = membersTx(tx, h.ID); err != nil {
		return nil, err
	}
	var c *screening.Campaign
	if campaignID == 0 {
		c, err = routineTx(tx, h.County+"000000")
	} else {
		c, err = campaignTx(tx, sc, campaignID)
	}
	if err != nil {
		return nil, err
	}
	items, err := checkItemsTx(tx, h.County)
	if err != nil {
		return nil, err
	}
	p, err := screening.NewParams(h.County+"000000", c, now.In(clock.China))
	if err != nil {
		return nil, err
	}
	p.Items = items
	in := screening.InputFrom(h, h.Members)
	names := make(map[int64]string, len(h.Members))
	for _, m := range h.Members {
		names[m.ID] = m.Name
	}
	return &VisitForm{Household: h, Campaign: c, Form: &screening.Form{Input: &in, Params: p, Campaign: c, Names: names}}, nil
}

// VisitForm returns the form of a household for a campaign (0: routine).
func (db *DB) VisitForm(ctx context.Context, sc Scope, householdID, campaignID int64) (*VisitForm, error) {
	if err := db.ensureCheckItems(ctx); err != nil {
		return nil, err
	}
	var f *VisitForm
	// A write transaction: the routine campaign may be made on first use.
	err := db.write(ctx, func(tx *Tx) error {
		if _, err := householdTx(tx, sc, householdID); err != nil {
			return err // NotFound: out of scope or absent
		}
		var err error
		f, err = formTx(tx, sc, householdID, campaignID, db.now())
		return err
	})
	return f, err
}

// PutVisit records a visit under the ID made where it was recorded: the
// first time it is stored (ActionCreate); sent again with the same content
// it is recorded once (ActionDuplicate, the stored visit is returned); an
// unsigned draft may be replaced by its own cadre (ActionUpdate); a signed
// visit is never changed (Conflict). A signature sent by the client is
// ignored: visits are signed by SignVisit. The household must be in the
// scope; CampaignID 0 means the routine campaign of its county.
func (db *DB) PutVisit(ctx context.Context, sc Scope, v *screening.Visit) (*VisitRecord, screening.Action, error) {
	if err := db.ensureCheckItems(ctx); err != nil {
		return nil, 0, err
	}
	v.Normalize()
	v.SignedBy, v.SignedAt, v.Digest = "", time.Time{}, ""
	v.VisitedAt = v.VisitedAt.UTC().Truncate(time.Second)
	now := db.now()
	var act screening.Action
	var out *VisitRecord
	err := db.write(ctx, func(tx *Tx) error {
		stored, err := visitTx(tx, v.ID)
		if err != nil {
			return err
		}
		if stored != nil && v.CampaignID == 0 && stored.HouseholdID == v.HouseholdID {
			v.CampaignID = stored.CampaignID // the routine campaign chosen the first time
		}
		f, err := formTx(tx, sc, v.HouseholdID, v.CampaignID, now)
		if err != nil {
			return err
		}
		v.CampaignID = f.Campaign.ID
		if stored != nil {
			if act, err = screening.Accept(&stored.Visit, v); err != nil {
				return err
			}
			if act == screening.ActionDuplicate {
				out = stored
				return nil
			}
		} else {
			act = screening.ActionCreate
		}
		if err := f.Form.Check(v, false); err != nil {
			return err
		}
		if err := checkPhotosTx(tx, v); err != nil {
			return err
		}
		if err := checkSupersedesTx(tx, v); err != nil {
			return err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return apperr.Wrap(err, "visit body")
		}
		if act == screening.ActionCreate {
			_, err = tx.exec(`INSERT INTO visits (id, county, household_id, campaign_id, cadre, cadre_id, visited_at,
				supersedes, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				v.ID, f.Household.County, v.HouseholdID, v.CampaignID, v.Cadre, v.CadreID, ts(v.VisitedAt),
				v.Supersedes, string(body), ts(now), ts(now))
			out = &VisitRecord{Visit: *v, CreatedAt: now, UpdatedAt: now}
			if err != nil {
				return err
			}
			return tx.audit(Change{Action: audit.ActCreate, Object: "visit", ObjectID: v.ID, Region: f.Household.RegionCode,
				Detail: "入户走访（" + f.Household.Number + "，" + f.Campaign.Name + "）", New: v})
		} else {
			var res sql.Result
			res, err = tx.exec(`UPDATE visits SET campaign_id = ?, cadre = ?, visited_at = ?, supersedes = ?, body = ?, updated_at = ?
				WHERE id = ? AND signed_at = ''`, v.CampaignID, v.Cadre, ts(v.VisitedAt), v.Supersedes, string(body), ts(now), v.ID)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					return apperr.New(apperr.Conflict, "该走访记录已签字，不能修改；如需更正，请新增一次走访")
				}
			}
			out = &VisitRecord{Visit: *v, CreatedAt: stored.CreatedAt, UpdatedAt: now}
			if err != nil {
				return err
			}
			return tx.audit(Change{Action: audit.ActUpdate, Object: "visit", ObjectID: v.ID, Region: f.Household.RegionCode,
				Detail: "修改未签字的走访记录", Old: &stored.Visit, New: v})
		}
	})
	if err != nil {
		return nil, 0, err
	}
	return out, act, nil
}

// checkPhotosTx checks that every photo an answer names was uploaded for
// the visit's household.
func checkPhotosTx(tx *Tx, v *screening.Visit) error {
	for _, a := range v.Answers {
		for _, key := range a.Photos {
			var hh int64
			err := tx.queryRow(`SELECT household_id FROM visit_photos WHERE photo_key = ?`, key).Scan(&hh)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && hh != v.HouseholdID) {
				return apperr.Field("answers."+a.Item, "照片", "照片%s不存在或不属于该户，请重新上传", key)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSupersedesTx checks that the visit a correction supersedes is a
// signed visit of the same household not corrected yet.
func checkSupersedesTx(tx *Tx, v *screening.Visit) error {
	if v.Supersedes == "" {
		return nil
	}
	old, err := visitTx(tx, v.Supersedes)
	if err != nil {
		return err
	}
	switch {
	case old == nil || old.HouseholdID != v.HouseholdID:
		return apperr.Field("supersedes", "更正的走访", "该户没有编号为%s的走访记录", v.Supersedes)
	case !old.Signed():
		return apperr.Field("supersedes", "更正的走访", "走访记录%s尚未签字，可直接修改，无需更正", v.Supersedes)
	case old.SupersededBy != "" && old.SupersededBy != v.ID:
		return apperr.Field("supersedes", "更正的走访", "走访记录%s已被%s更正", v.Supersedes, old.SupersededBy)
	}
	return nil
}

// SignVisit signs a complete visit in the name of its cadre (谁排查、谁签字、
// 谁负责): after that it is never edited, only superseded by a later one.
// The household's merged facts are brought up to date in the same
// transaction. Signing again by the same signer returns the signed visit
// unchanged (a double submit); anyone else gets a Conflict.
func (db *DB) SignVisit(ctx context.Context, sc Scope, id, signer string, signerID int64) (*VisitRecord, error) {
	if err := db.ensureCheckItems(ctx); err != nil {
		return nil, err
	}
	id = screening.NormalizeVisitID(id)
	now := db.now()
	var out *VisitRecord
	err := db.write(ctx, func(tx *Tx) error {
		r, err := visitTx(tx, id)
		if err != nil {
			return err
		}
		if r == nil {
			return apperr.New(apperr.NotFound, "走访记录不存在")
		}
		if _, err := householdTx(tx, sc, r.HouseholdID); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.New(apperr.NotFound, "走访记录不存在")
			}
			return err
		}
		f, err := formTx(tx, sc, r.HouseholdID, r.CampaignID, now)
		if err != nil {
			return err
		}
		if r.Signed() {
			if r.SignedBy == signer && (r.CadreID == 0 || r.CadreID == signerID) {
				out = r
				return nil
			}
			return apperr.New(apperr.Conflict, "该走访记录已由%s签字，不能重复签字或修改", r.SignedBy)
		}
		v := r.Visit
		if err := f.Form.Sign(&v, signer, signerID, now); err != nil {
			return err
		}
		if err := checkSupersedesTx(tx, &v); err != nil {
			return err
		}
		body, err := json.Marshal(&v)
		if err != nil {
			return apperr.Wrap(err, "visit body")
		}
		res, err := tx.exec(`UPDATE visits SET signed_by = ?, signed_at = ?, digest = ?, body = ?, updated_at = ?
			WHERE id = ? AND signed_at = ''`, v.SignedBy, ts(v.SignedAt), v.Digest, string(body), ts(now), v.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "该走访记录已签字")
		}
		if v.Supersedes != "" {
			if _, err := tx.exec(`UPDATE visits SET superseded_by = ?, updated_at = ? WHERE id = ?`, v.ID, ts(now), v.Supersedes); err != nil {
				return err
			}
		}
		if err := refreshFactsTx(tx, f.Household); err != nil {
			return err
		}
		detail := "走访签字：谁排查、谁签字、谁负责"
		if v.Supersedes != "" {
			detail += "（更正走访" + v.Supersedes + "）"
		}
		if err := tx.audit(Change{Action: ActSign, Object: "visit", ObjectID: v.ID, Region: f.Household.RegionCode,
			Detail: detail, Old: &r.Visit, New: &v}); err != nil {
			return err
		}
		out = &VisitRecord{Visit: v, Intact: v.VerifyDigest(), CreatedAt: r.CreatedAt, UpdatedAt: now}
		return nil
	})
	return out, err
}

// refreshFactsTx merges the household's signed visits that no later visit
// superseded (screening.Merge) and stores the result for the rules.
func refreshFactsTx(tx *Tx, h *registry.Household) error {
	rows, err := tx.query(`SELECT `+visitCols+` FROM visits v WHERE v.household_id = ? AND v.signed_at <> '' AND v.superseded_by = ''`, h.ID)
	recs, err := scanAll(rows, err, scanVisit)
	if err != nil {
		return err
	}
	visits := make([]*screening.Visit, len(recs))
	for i, r := range recs {
		visits[i] = &r.Visit
	}
	m := screening.Merge(visits)
	if m.Visits == 0 {
		_, err := tx.exec(`DELETE FROM household_facts WHERE household_id = ?`, h.ID)
		return err
	}
	facts, _ := m.Facts.MarshalBinary()
	notMet := ""
	if nm := m.NotMet(); len(nm) > 0 {
		b, err := json.Marshal(nm)
		if err != nil {
			return apperr.Wrap(err, "answers")
		}
		notMet = string(b)
	}
	_, err = tx.exec(`INSERT INTO household_facts (household_id, county, facts, member_facts, not_met, last_visit_id, last_signed_at, visits)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (household_id) DO UPDATE SET county = excluded.county, facts = excluded.facts,
		member_facts = excluded.member_facts, not_met = excluded.not_met, last_visit_id = excluded.last_visit_id,
		last_signed_at = excluded.last_signed_at, visits = excluded.visits`,
		h.ID, h.County, facts, appendMemberFacts(nil, m.Members), notMet, m.LastVisitID, ts(m.LastSignedAt), m.Visits)
	return err
}

// HouseholdFacts returns the merged facts of a household's signed visits
// (nil when it has none), as the rules read them.
func (db *DB) HouseholdFacts(ctx context.Context, sc Scope, householdID int64) (*screening.Merged, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	var facts, members []byte
	var notMet, last, lastAt string
	var m screening.Merged
	err = db.queryRow(ctx, `SELECT f.facts, f.member_facts, f.not_met, f.last_visit_id, f.last_signed_at, f.visits
		FROM household_facts f JOIN households h ON h.id = f.household_id
		WHERE f.household_id = ? AND h.region_code >= ? AND h.region_code < ?`, householdID, lo, hi).
		Scan(&facts, &members, &notMet, &last, &lastAt, &m.Visits)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := m.Facts.UnmarshalBinary(facts); err != nil {
		return nil, apperr.Wrap(err, "household facts")
	}
	if m.Members, err = decodeMemberFacts(members, nil); err != nil {
		return nil, apperr.Wrap(err, "member facts")
	}
	if notMet != "" {
		var nm []screening.Answer
		if err := json.Unmarshal([]byte(notMet), &nm); err != nil {
			return nil, apperr.Wrap(err, "answers")
		}
		m.Answers = nm
	}
	m.LastVisitID, m.LastSignedAt = last, parseTS(lastAt)
	return &m, nil
}
