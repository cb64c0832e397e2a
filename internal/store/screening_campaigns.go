package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/screening"
)

const campaignCols = `c.id, c.kind, c.name, c.region_code, c.start_date, c.end_date, c.dimensions, c.created_by, c.created_at`

func scanCampaign(sc scanner) (*screening.Campaign, error) {
	var c screening.Campaign
	var start, end, dims, created string
	if err := sc.Scan(&c.ID, &c.Kind, &c.Name, &c.Region, &start, &end, &dims, &c.CreatedBy, &created); err != nil {
		return nil, err
	}
	c.Start.Time, _ = time.Parse("2006-01-02", start)
	c.End.Time, _ = time.Parse("2006-01-02", end)
	c.Dimensions = splitSet(dims)
	c.CreatedAt = parseTS(created)
	return &c, nil
}

func dateText(d registry.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// overlaps reports whether a campaign over code concerns the scope: the
// campaign's region lies in the scope, or the scope lies in it (a county's
// campaign is seen by its villages).
func (s Scope) overlaps(code string) bool {
	return s.Contains(code) || (s.Region != "" && s.Region != "*" && region.Contains(code, s.Region))
}

// CreateCampaign adds an intensive campaign (the routine campaign of each
// county is made by RoutineCampaign). Its region must lie in the scope.
func (db *DB) CreateCampaign(ctx context.Context, sc Scope, c *screening.Campaign) error {
	c.Normalize()
	var v apperr.Validation
	c.Validate(&v)
	if err := v.Err(); err != nil {
		return err
	}
	if c.Kind != screening.KindIntensive {
		return apperr.Field("kind", "排查类型", "常态化排查由系统为每个县设立，长期开展，无需新建")
	}
	if !sc.Contains(c.Region) {
		return apperr.Field("region_code", "排查范围", "%s不在您的管辖范围内", c.Region)
	}
	now := db.now()
	return db.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT count(*) FROM regions WHERE code = ?`, c.Region).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("region_code", "排查范围", "区划%s不存在", c.Region)
		}
		c.CreatedAt = now
		if err := tx.queryRow(`INSERT INTO campaigns (kind, name, region_code, start_date, end_date, dimensions, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Kind, c.Name, c.Region, dateText(c.Start), dateText(c.End),
			strings.Join(c.Dimensions, ","), c.CreatedBy, ts(now)).Scan(&c.ID); err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActCreate, Object: "campaign", ObjectID: itoa(c.ID), Region: c.Region,
			Detail: "集中排查：" + c.Name, New: c})
	})
}

// RoutineCampaign returns the routine campaign (常态化排查) of a county,
// making it on first use. county is a 6-digit code or any code inside the
// county.
func (db *DB) RoutineCampaign(ctx context.Context, county string) (*screening.Campaign, error) {
	code, err := region.Normalize(county)
	if err != nil || region.LevelOf(code) < region.County {
		return nil, apperr.Field("region_code", "排查范围", "常态化排查按县设立，“%s”不是县或县以下区划", county)
	}
	code = region.CountyOf(code) + "000000"
	if c, err := scanCampaign(db.queryRow(ctx, `SELECT `+campaignCols+` FROM campaigns c
		WHERE c.kind = 'routine' AND c.region_code = ?`, code)); err == nil {
		return c, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, translate(err)
	}
	var c *screening.Campaign
	err = db.write(ctx, func(tx *Tx) error {
		var e error
		c, e = routineTx(tx, code)
		return e
	})
	return c, err
}

// routineTx finds or makes the routine campaign of a county (12-digit code)
// inside tx.
func routineTx(tx *Tx, county string) (*screening.Campaign, error) {
	c, err := scanCampaign(tx.queryRow(`SELECT `+campaignCols+` FROM campaigns c WHERE c.kind = 'routine' AND c.region_code = ?`, county))
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return c, err
	}
	r := screening.Routine(county)
	r.CreatedAt = tx.db.now()
	err = tx.queryRow(`INSERT INTO campaigns (kind, name, region_code, dimensions, created_at)
		VALUES ('routine', ?, ?, ?, ?) RETURNING id`, r.Name, r.Region, strings.Join(r.Dimensions, ","), ts(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return nil, err
	}
	return &r, tx.audit(Change{Action: audit.ActCreate, Object: "campaign", ObjectID: itoa(r.ID), Region: r.Region,
		Detail: "设立常态化排查", New: &r})
}

// Campaign returns a campaign that concerns the scope.
func (db *DB) Campaign(ctx context.Context, sc Scope, id int64) (*screening.Campaign, error) {
	c, err := scanCampaign(db.queryRow(ctx, `SELECT `+campaignCols+` FROM campaigns c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sc.overlaps(c.Region)) {
		return nil, apperr.New(apperr.NotFound, "排查活动不存在")
	}
	return c, translate(err)
}

func campaignTx(tx *Tx, sc Scope, id int64) (*screening.Campaign, error) {
	c, err := scanCampaign(tx.queryRow(`SELECT `+campaignCols+` FROM campaigns c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sc.overlaps(c.Region)) {
		return nil, apperr.Field("campaign_id", "排查活动", "排查活动%d不存在", id)
	}
	return c, err
}

// CampaignFilter selects campaigns in a list.
type CampaignFilter struct {
	Region string // campaigns over this region, its subtree or its ancestors ("" = the whole scope)
	Kind   string // intensive / routine ("" = both)
}

// ListCampaigns lists the campaigns that concern the scope (and the filter's
// region), newest first. When the scope (or filter) lies in one county, its
// routine campaign is made if it does not exist yet, so that there is always
// one open campaign to visit under.
func (db *DB) ListCampaigns(ctx context.Context, sc Scope, f CampaignFilter) ([]*screening.Campaign, error) {
	within := sc.Region
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return nil, apperr.Field("region", "区域", "%s", err.Error())
		}
		if !sc.overlaps(code) {
			return []*screening.Campaign{}, nil
		}
		if sc.Contains(code) {
			within = code
		}
	}
	if within == "" {
		return nil, apperr.New(apperr.Forbidden, "账号没有可访问的区域")
	}
	if within != "*" && region.LevelOf(within) >= region.County {
		if _, err := db.RoutineCampaign(ctx, within); err != nil {
			return nil, err
		}
	}
	var where []string
	var args []any
	if within != "*" {
		lo, hi := region.Range(within)
		cond := "(c.region_code >= ? AND c.region_code < ?)"
		args = append(args, lo, hi)
		if anc := region.Path(within); len(anc) > 1 {
			cond = "(" + cond + " OR c.region_code IN (" + strings.TrimSuffix(strings.Repeat("?,", len(anc)-1), ",") + "))"
			for _, a := range anc[:len(anc)-1] {
				args = append(args, a)
			}
		}
		where = append(where, cond)
	}
	if f.Kind != "" {
		if !screening.CampaignKinds.Has(f.Kind) {
			return nil, apperr.Field("kind", "排查类型", "“%s”不是有效值", f.Kind)
		}
		where = append(where, "c.kind = ?")
		args = append(args, f.Kind)
	}
	q := `SELECT ` + campaignCols + ` FROM campaigns c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY CASE WHEN c.kind = 'routine' THEN 0 ELSE 1 END, c.id DESC LIMIT 500`, args...)
	out, err := scanAll(rows, err, scanCampaign)
	if out == nil {
		out = []*screening.Campaign{}
	}
	return out, translate(err)
}

// coverageRange is the region range whose households a campaign's coverage
// counts for a caller: the campaign's region, narrowed to the scope and to
// the requested region.
func coverageRange(sc Scope, c *screening.Campaign, under string) (lo, hi, root string, err error) {
	root = c.Region
	if under != "" {
		code, err := region.Normalize(under)
		if err != nil {
			return "", "", "", apperr.Field("region", "区域", "%s", err.Error())
		}
		if !region.Contains(c.Region, code) && !region.Contains(code, c.Region) {
			return "~", "~", code, nil
		}
		if region.Contains(c.Region, code) {
			root = code
		}
	}
	if !sc.Contains(root) {
		if sc.Region == "" || sc.Region == "*" || !region.Contains(root, sc.Region) {
			return "~", "~", root, nil
		}
		root = sc.Region
	}
	lo, hi = region.Range(root)
	return lo, hi, root, nil
}

// CoverageRow is one region of a campaign's coverage, with its name.
type CoverageRow struct {
	screening.Coverage
	Name string `json:"name"`
}

// CampaignCoverage counts, for each village under the campaign's region (as
// far as the scope reaches, and under region if given), its households and
// those with a signed visit for the campaign, and rolls the counts up the
// tree to the root of what is counted. Rows come parent before children.
func (db *DB) CampaignCoverage(ctx context.Context, sc Scope, c *screening.Campaign, under string) ([]CoverageRow, error) {
	lo, hi, root, err := coverageRange(sc, c, under)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT h.region_code, count(*),
		sum(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.campaign_id = ? AND v.household_id = h.id AND v.signed_at <> '') THEN 1 ELSE 0 END)
		FROM households h WHERE h.region_code >= ? AND h.region_code < ? GROUP BY h.region_code`, c.ID, lo, hi)
	villages, err := scanAll(rows, err, func(sc scanner) (screening.Coverage, error) {
		var cv screening.Coverage
		err := sc.Scan(&cv.Region, &cv.Total, &cv.Visited)
		return cv, err
	})
	if err != nil {
		return nil, translate(err)
	}
	rolled := screening.RollupCounts(villages, root)
	if len(rolled) == 0 && lo != "~" {
		rolled = []screening.Coverage{{Region: root, Level: region.LevelOf(root)}}
	}
	codes := make([]string, len(rolled))
	for i, r := range rolled {
		codes[i] = r.Region
	}
	names, err := db.regionNamesBulk(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]CoverageRow, len(rolled))
	for i, r := range rolled {
		out[i] = CoverageRow{Coverage: r, Name: names[r.Region]}
	}
	return out, nil
}

// regionNamesBulk returns the names of many codes in few queries.
func (db *DB) regionNamesBulk(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	for start := 0; start < len(codes); start += 500 {
		end := min(start+500, len(codes))
		chunk := codes[start:end]
		args := make([]any, len(chunk))
		for i, c := range chunk {
			args[i] = c
		}
		rows, err := db.query(ctx, `SELECT code, name FROM regions WHERE code IN (`+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, args...)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var c, n string
			if err := rows.Scan(&c, &n); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			out[c] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

// Unvisited lists the households of a campaign not yet visited (no signed
// visit for it) under region (as far as the scope reaches), by village then
// household ID: "不漏一户". Total counts them all.
func (db *DB) Unvisited(ctx context.Context, sc Scope, c *screening.Campaign, under string, limit, offset int) (*HouseholdPage, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	lo, hi, _, err := coverageRange(sc, c, under)
	if err != nil {
		return nil, err
	}
	cond := `h.region_code >= ? AND h.region_code < ? AND NOT EXISTS (SELECT 1 FROM visits v
		WHERE v.campaign_id = ? AND v.household_id = h.id AND v.signed_at <> '')`
	page := &HouseholdPage{Limit: limit, Offset: offset, Items: []*registry.Household{}}
	rows, err := db.query(ctx, `SELECT `+householdCols+` FROM households h WHERE `+cond+` ORDER BY h.region_code, h.id LIMIT ? OFFSET ?`,
		lo, hi, c.ID, limit, offset)
	items, err := scanAll(rows, err, func(sc scanner) (*registry.Household, error) { return scanHousehold(sc) })
	if err != nil {
		return nil, translate(err)
	}
	page.Items = append(page.Items, items...)
	err = db.queryRow(ctx, `SELECT count(*) FROM households h WHERE `+cond, lo, hi, c.ID).Scan(&page.Total)
	return page, translate(err)
}
