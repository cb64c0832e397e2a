package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
)

// Bulk import of the household register (the upsert path).
//
// A county's register is imported in one transaction: the county's existing
// households and members are loaded into memory keyed by household number
// and ID number (with a hash of their stored fields), compared in Go with
// the file, and only what differs is written, in batches. Nothing is ever
// deleted: households and members missing from a file stay as they are.

// ImportMember is a member as an import holds it. It is compact (enums as
// small indexes, sex and birth date left to the ID number) because a
// county's register, a million members, is held in memory at once.
type ImportMember struct {
	IDNumber string // normalised, valid, 18 characters
	Name     string
	School   string
	Row      int32 // row in the file, for messages
	enums    [6]uint8
	Insured  bool
}

// memberEnums are the enums an ImportMember stores as indexes, in order.
var memberEnums = [6]*registry.Enum{registry.Relation, registry.DisabilityType, registry.DisabilityGrade,
	registry.Health, registry.Schooling, registry.Labour}

func enumIndex(e *registry.Enum, code string) uint8 {
	for i, v := range e.Values {
		if v.Code == code {
			return uint8(i + 1)
		}
	}
	return 0
}

func enumCode(e *registry.Enum, i uint8) string {
	if i == 0 || int(i) > len(e.Values) {
		return ""
	}
	return e.Values[i-1].Code
}

// NewImportMember compacts a normalised, validated member.
func NewImportMember(m *registry.Member, row int) ImportMember {
	im := ImportMember{IDNumber: strings.Clone(m.IDNumber), Name: strings.Clone(m.Name), Row: int32(row), Insured: m.MedicalInsured}
	if m.School != "" {
		im.School = strings.Clone(m.School)
	}
	for i, v := range [6]string{m.Relation, m.DisabilityType, m.DisabilityGrade, m.Health, m.Schooling, m.Labour} {
		im.enums[i] = enumIndex(memberEnums[i], v)
	}
	return im
}

// Relation is the member's relation to the head (code name).
func (m *ImportMember) Relation() string { return enumCode(registry.Relation, m.enums[0]) }

// Member expands the member, with sex and birth date from the ID number.
func (m *ImportMember) Member() registry.Member {
	r := registry.Member{IDNumber: m.IDNumber, Name: m.Name, School: m.School, MedicalInsured: m.Insured}
	r.Relation = m.Relation()
	r.DisabilityType = enumCode(registry.DisabilityType, m.enums[1])
	r.DisabilityGrade = enumCode(registry.DisabilityGrade, m.enums[2])
	r.Health = enumCode(registry.Health, m.enums[3])
	r.Schooling = enumCode(registry.Schooling, m.enums[4])
	r.Labour = enumCode(registry.Labour, m.enums[5])
	if id, err := idcard.Parse(m.IDNumber, time.Time{}); err == nil {
		r.Sex, r.BirthDate = string(id.Sex), registry.Date{Time: id.Birth}
	}
	return r
}

// memberEnumCols are the columns of memberInsertCols that hold the
// memberEnums, in their order.
var memberEnumCols = [6]int{8, 9, 10, 11, 12, 14}

// enumBoxes are the memberEnums' codes by index (0: ""), boxed once.
var enumBoxes = func() (out [6][]any) {
	for k, e := range memberEnums {
		out[k] = []any{""}
		for _, v := range e.Values {
			out[k] = append(out[k], v.Code)
		}
	}
	return out
}()

var boxMale, boxFemale any = "male", "female"

// sexBox is sexBirth's sex, boxed once.
func sexBox(sex string) any {
	if sex == "male" {
		return boxMale
	}
	return boxFemale
}

func (m *ImportMember) sexBirth() (string, string) {
	n := m.IDNumber
	sex := "female"
	if len(n) == 18 && (n[16]-'0')%2 == 1 {
		sex = "male"
	}
	if len(n) < 14 {
		return sex, ""
	}
	return sex, n[6:10] + "-" + n[10:12] + "-" + n[12:14]
}

// ImportHousehold is a household as an import holds it.
type ImportHousehold struct {
	County, RegionCode, Number string
	Category, MonitorType      string
	HousingPriority            string // canonical: codes in the enum's order, comma-separated
	DibaoTier, Phone, Address  string
	Relocated, Dibao, Tekun    bool
	Row                        int32 // the head's row in the file
	Members                    []ImportMember
}

// NewImportHousehold compacts a normalised, validated household (without
// its members). Its text is kept as given: pass strings that do not hold on
// to larger text (the importer's are copies already).
func NewImportHousehold(h *registry.Household, row int) *ImportHousehold {
	return &ImportHousehold{
		County: region.CountyOf(h.RegionCode), RegionCode: h.RegionCode, Number: h.Number,
		Category: h.Category, MonitorType: h.MonitorType, HousingPriority: registry.CanonicalPriority(h.HousingPriority),
		DibaoTier: h.DibaoTier, Phone: h.Phone, Address: h.Address,
		Relocated: h.Relocated, Dibao: h.Dibao, Tekun: h.Tekun, Row: int32(row),
	}
}

// Household expands the household's own fields.
func (h *ImportHousehold) Household() registry.Household {
	return registry.Household{County: h.County, RegionCode: h.RegionCode, Number: h.Number, Category: h.Category,
		MonitorType: h.MonitorType, Relocated: h.Relocated, HousingPriority: splitSet(h.HousingPriority),
		Dibao: h.Dibao, DibaoTier: h.DibaoTier, Tekun: h.Tekun, Phone: h.Phone, Address: h.Address}
}

// fieldHash fingerprints stored field values to tell changed rows from
// unchanged ones without holding the old values.
func fieldHash(parts ...string) uint64 {
	f := fnv.New64a()
	for _, p := range parts {
		f.Write([]byte(p))
		f.Write([]byte{0x1f})
	}
	return f.Sum64()
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (h *ImportHousehold) hash() uint64 {
	return fieldHash(h.RegionCode, h.Category, h.MonitorType, b01(h.Relocated), h.HousingPriority,
		b01(h.Dibao), h.DibaoTier, b01(h.Tekun), h.Phone, h.Address)
}

func (m *ImportMember) hash() uint64 {
	return fieldHash(m.Name, m.Relation(), enumCode(registry.DisabilityType, m.enums[1]), enumCode(registry.DisabilityGrade, m.enums[2]),
		enumCode(registry.Health, m.enums[3]), enumCode(registry.Schooling, m.enums[4]), m.School,
		enumCode(registry.Labour, m.enums[5]), b01(m.Insured))
}

// ImportConflict is a problem an import has with what the database holds.
type ImportConflict struct {
	Household int    // index of the household in the slice given to Check
	Row       int32  // row of the file
	Field     string // column key
	Message   string // Chinese
}

// ImportCounts says what an import did (or, for a dry run, would do).
type ImportCounts struct {
	HouseholdsAdded     int `json:"households_added"`
	HouseholdsChanged   int `json:"households_changed"`
	HouseholdsUnchanged int `json:"households_unchanged"`
	MembersAdded        int `json:"members_added"`
	MembersChanged      int `json:"members_changed"` // moved members included
	MembersUnchanged    int `json:"members_unchanged"`
	MembersMoved        int `json:"members_moved"`       // from another household of the file
	MembersNotInFile    int `json:"members_not_in_file"` // existing members the file does not list: kept
}

// ImportTx is an import's one transaction. Every method runs inside it; it
// commits when the function given to DB.Import returns nil.
type ImportTx struct {
	tx      *Tx
	conn    *sql.Conn
	sc      Scope
	now     string
	dryRun  bool
	indexes map[string]*countyIndex
	others  *bool // whether other counties hold households (asked once)
	bulk    bulkState
	restore []string // what a bulk load builds again before committing
}

type existingHousehold struct {
	id      int64
	region  string
	number  string
	hash    uint64
	head    string // the ID number of its head ("" if none)
	members int32
}

type existingMember struct {
	id, hh int64
	hash   uint64
	head   bool
}

type countyIndex struct {
	households map[string]*existingHousehold // by number
	byID       map[int64]*existingHousehold
	members    map[[18]byte]existingMember // by ID number (no pointers for the collector to follow)
}

// Import runs fn in one transaction over the database's writer connection
// (a read-only transaction when dryRun), holding it for the whole import:
// killing the process at any moment leaves the database as it was. sc is
// the importer's scope: every household written must lie in it.
func (db *DB) Import(ctx context.Context, sc Scope, dryRun bool, fn func(it *ImportTx) error) error {
	if _, _, err := sc.bounds(); err != nil {
		return err
	}
	pool := db.w
	if dryRun {
		pool = db.r
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if db.dialect == SQLite && !dryRun {
		// The writer's page cache (512 MiB for bulk loads) is held to
		// 128 MiB for an import: the import keeps the county in memory
		// itself, and measured at a million members the smaller cache
		// costs no time that shows above the noise.
		var was int64
		if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&was); err == nil {
			if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -131072`); err == nil {
				defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.FormatInt(was, 10))
			}
		}
	}
	t, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: dryRun && db.dialect == Postgres})
	if err != nil {
		return translate(err)
	}
	it := &ImportTx{tx: &Tx{Tx: t, db: db, ctx: ctx}, conn: conn, sc: sc, now: ts(db.now()), dryRun: dryRun, indexes: map[string]*countyIndex{}}
	it.tx.bulk = it.sqliteInsert
	if db.dialect == Postgres {
		it.tx.bulk = it.copyFrom
	}
	if err := fn(it); err != nil {
		t.Rollback()
		return translate(err)
	}
	if dryRun {
		return translate(t.Rollback())
	}
	if err := it.Finish(); err != nil {
		t.Rollback()
		return err
	}
	if err := it.tx.flushAudit(); err != nil {
		t.Rollback()
		return translate(err)
	}
	return translate(t.Commit())
}

// Record adds an entry to the audit trail, in the import's transaction (the
// import's summary).
func (it *ImportTx) Record(c Change) error {
	if it.dryRun {
		return nil
	}
	return it.audit(c)
}

// audit queues an entry, appending the queue every 10,000 entries so that a
// county's import does not hold them all in memory.
func (it *ImportTx) audit(c Change) error {
	if err := it.tx.audit(c); err != nil {
		return err
	}
	if len(it.tx.pending) >= 10000 {
		return it.tx.flushAudit()
	}
	return nil
}

// auditAdded records households an import added: one entry each, without
// the values (they are the file's, whose digest the import's summary entry
// records; a county's first import adds hundreds of thousands).
func (it *ImportTx) auditAdded(hs []*ImportHousehold, idOf map[*ImportHousehold]int64) error {
	for _, h := range hs {
		if err := it.audit(Change{Action: audit.ActCreate, Object: "household", ObjectID: itoa(idOf[h]), Region: h.RegionCode,
			Detail: "导入新增：户编号" + h.Number + "，" + strconv.Itoa(len(h.Members)) + "人"}); err != nil {
			return err
		}
	}
	return nil
}

// Regions returns the townships and villages registered under a county.
func (it *ImportTx) Regions(county string) ([]region.Region, error) {
	lo, hi := region.Range(county + "000000")
	rows, err := it.tx.query(`SELECT code, name, level, parent FROM regions WHERE code >= ? AND code < ? AND level >= 4 ORDER BY code`, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []region.Region
	for rows.Next() {
		var r region.Region
		var lvl int
		if err := rows.Scan(&r.Code, &r.Name, &lvl, &r.Parent); err != nil {
			return nil, err
		}
		r.Level = region.Level(lvl)
		out = append(out, r)
	}
	return out, rows.Err()
}

// index loads a county's households and members (once per import).
func (it *ImportTx) index(county string) (*countyIndex, error) {
	if ix, ok := it.indexes[county]; ok {
		return ix, nil
	}
	// Sized up front: a county's maps are large, and growing them by
	// doubling would leave half of them empty.
	var n int
	if err := it.tx.queryRow(`SELECT count(*) FROM households WHERE county = ?`, county).Scan(&n); err != nil {
		return nil, err
	}
	ix := &countyIndex{households: make(map[string]*existingHousehold, n), byID: make(map[int64]*existingHousehold, n),
		members: make(map[[18]byte]existingMember, n*7/2)}
	rows, err := it.tx.query(`SELECT id, region_code, number, category, monitor_type, relocated, housing_priority,
		dibao, dibao_tier, tekun, phone, address FROM households WHERE county = ?`, county)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var h ImportHousehold
		var id int64
		var prio string
		if err := rows.Scan(&id, &h.RegionCode, &h.Number, &h.Category, &h.MonitorType, &h.Relocated, &prio,
			&h.Dibao, &h.DibaoTier, &h.Tekun, &h.Phone, &h.Address); err != nil {
			rows.Close()
			return nil, err
		}
		h.HousingPriority = registry.CanonicalPriority(splitSet(prio))
		eh := &existingHousehold{id: id, region: h.RegionCode, number: h.Number, hash: h.hash()}
		ix.households[h.Number] = eh
		ix.byID[id] = eh
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ix.households) > 0 {
		rows, err = it.tx.query(`SELECT m.id, m.household_id, m.id_number, m.name, m.relation, m.disability_type, m.disability_grade,
			m.health, m.schooling, m.school, m.labour, m.medical_insured
			FROM households h JOIN members m ON m.household_id = h.id WHERE h.county = ?`, county)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id, hh int64
			var idn, name, rel, dt, dg, health, sch, school, lab string
			var ins bool
			if err := rows.Scan(&id, &hh, &idn, &name, &rel, &dt, &dg, &health, &sch, &school, &lab, &ins); err != nil {
				return nil, err
			}
			em := existingMember{id: id, hh: hh, head: rel == registry.RelationHead,
				hash: fieldHash(name, rel, dt, dg, health, sch, school, lab, b01(ins))}
			ix.members[idKey(idn)] = em
			if eh := ix.byID[hh]; eh != nil {
				eh.members++
				if em.head && eh.head == "" {
					eh.head = idn
				}
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	it.indexes[county] = ix
	return ix, nil
}

// holder describes the household an ID number is registered in, for a
// message: "文水县刘胡兰镇东堡村户编号…（户主王建国）".
func (it *ImportTx) holder(idNumber string) (string, error) {
	var number, regionCode, village, head string
	err := it.tx.queryRow(`SELECT h.number, h.region_code, COALESCE(r.name, ''),
		COALESCE((SELECT hm.name FROM members hm WHERE hm.household_id = h.id AND hm.relation = 'head' ORDER BY hm.id LIMIT 1), '')
		FROM members m JOIN households h ON h.id = m.household_id LEFT JOIN regions r ON r.code = h.region_code
		WHERE m.id_number = ?`, idNumber).Scan(&number, &regionCode, &village, &head)
	if err != nil {
		return "", err
	}
	where := village
	if where == "" {
		where = regionCode
	}
	if ts, err := it.regionName(region.ParentOf(regionCode)); err == nil && ts != "" {
		where = ts + where
	}
	s := where + "户编号" + number
	if head != "" {
		s += "（户主" + head + "）"
	}
	return s, nil
}

func (it *ImportTx) regionName(code string) (string, error) {
	var name string
	err := it.tx.queryRow(`SELECT name FROM regions WHERE code = ?`, code).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// otherCounties reports whether the database holds households outside the
// given counties (if not, an ID number missing from their indexes is new).
func (it *ImportTx) otherCounties(counties []string) (bool, error) {
	sort.Strings(counties)
	q := `SELECT 1 FROM households WHERE county < ? OR county > ?`
	args := []any{counties[0], counties[len(counties)-1]}
	if len(counties) > 1 {
		q = `SELECT 1 FROM households WHERE county NOT IN (` + strings.TrimSuffix(strings.Repeat("?,", len(counties)), ",") + `)`
		args = args[:0]
		for _, c := range counties {
			args = append(args, c)
		}
	}
	var one int
	err := it.tx.queryRow(q+` LIMIT 1`, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Check compares the households of a file with the database and returns
// every conflict: a household number used by a household outside the
// importer's scope, a person registered in another household (unless the
// file moves them: their old household is in the file without them), and a
// household that would end up with two heads. It must be called before
// Apply, with the same slice. Households of the file must have distinct
// (county, number) and members distinct ID numbers.
func (it *ImportTx) Check(hs []*ImportHousehold) ([]ImportConflict, error) {
	if len(hs) == 0 {
		return nil, nil
	}
	var out []ImportConflict
	inFile := map[string]map[string]*ImportHousehold{} // county → number → household
	for _, h := range hs {
		if inFile[h.County] == nil {
			inFile[h.County] = map[string]*ImportHousehold{}
		}
		inFile[h.County][h.Number] = h
	}
	counties := make([]string, 0, len(inFile))
	for c := range inFile {
		counties = append(counties, c)
	}
	// Existing heads the file lists (in their household or another).
	headListed := map[int64]bool{}
	for _, h := range hs {
		ix, err := it.index(h.County)
		if err != nil {
			return nil, err
		}
		for i := range h.Members {
			if em, ok := ix.members[idKey(h.Members[i].IDNumber)]; ok && em.head {
				headListed[em.hh] = true
			}
		}
	}
	// ID numbers the counties do not hold may be in another county's
	// households: asked for together, if there are any.
	others, err := it.otherCounties(counties)
	if err != nil {
		return nil, err
	}
	var unknown []string
	unknownAt := map[string][2]int{}
	for hi, h := range hs {
		if err := it.tx.ctx.Err(); err != nil {
			return nil, err
		}
		ix, err := it.index(h.County)
		if err != nil {
			return nil, err
		}
		eh := ix.households[h.Number]
		if !it.sc.Contains(h.RegionCode) {
			out = append(out, ImportConflict{hi, h.Row, "region_code", "村" + h.RegionCode + "不在您的管辖范围内"})
			continue
		}
		if eh != nil && !it.sc.Contains(eh.region) {
			name, _ := it.regionName(eh.region)
			out = append(out, ImportConflict{hi, h.Row, "number", "户编号" + h.Number + "已是" + name + "（" + eh.region + "）的农户，不在您的管辖范围内，不能修改"})
			continue
		}
		for mi := range h.Members {
			m := &h.Members[mi]
			em, ok := ix.members[idKey(m.IDNumber)]
			if !ok {
				if others {
					unknown = append(unknown, m.IDNumber)
					unknownAt[m.IDNumber] = [2]int{hi, mi}
				}
				continue
			}
			if eh != nil && em.hh == eh.id {
				continue
			}
			if other := ix.byID[em.hh]; other != nil && it.sc.Contains(other.region) {
				if oh := inFile[h.County][other.number]; oh != nil && !lists(oh, m.IDNumber) {
					continue // moved by the file from one of its households to another
				}
			}
			where, err := it.holder(m.IDNumber)
			if err != nil {
				return nil, err
			}
			out = append(out, ImportConflict{hi, m.Row, "id_number", "该身份证号已登记在" + where + "的农户中，一人只能在一户"})
		}
		// Heads the household keeps from the database besides the file's own.
		if eh != nil && eh.head != "" && !headListed[eh.id] {
			out = append(out, ImportConflict{hi, h.Row, "relation", "该户在系统中的户主（身份证号" + idcard.Mask(eh.head) +
				"）不在文件中，而文件另指定了户主；一户只能有一位户主，请把原户主也列入文件（改为其他关系），或先在系统中变更户主"})
		}
	}
	if len(unknown) > 0 {
		{
			found, err := it.registered(unknown)
			if err != nil {
				return nil, err
			}
			for _, id := range found {
				where, err := it.holder(id)
				if err != nil {
					return nil, err
				}
				at := unknownAt[id]
				out = append(out, ImportConflict{at[0], hs[at[0]].Members[at[1]].Row, "id_number", "该身份证号已登记在" + where + "的农户中，一人只能在一户"})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out, nil
}

// Unchanged reports whether a household of the file is in the database
// exactly as given: the same fields, the same members with the same values
// and no other member. Such a household needs neither Check nor Apply (it
// cannot conflict: nobody moves in or out), so an import can count it and
// let it go instead of holding it to the end of the file.
func (it *ImportTx) Unchanged(h *ImportHousehold) (bool, error) {
	ix, err := it.index(h.County)
	if err != nil {
		return false, err
	}
	eh := ix.households[h.Number]
	if eh == nil || int(eh.members) != len(h.Members) || !it.sc.Contains(eh.region) || eh.hash != h.hash() {
		return false, nil
	}
	for i := range h.Members {
		m := &h.Members[i]
		em, ok := ix.members[idKey(m.IDNumber)]
		if !ok || em.hh != eh.id || em.hash != m.hash() {
			return false, nil
		}
		for j := range i { // the same person twice is no copy of the household
			if h.Members[j].IDNumber == m.IDNumber {
				return false, nil
			}
		}
	}
	return true, nil
}

// idKey is an ID number as a map key (always 18 characters in the table).
func idKey(id string) (k [18]byte) {
	copy(k[:], id)
	return k
}

func lists(h *ImportHousehold, idNumber string) bool {
	for i := range h.Members {
		if h.Members[i].IDNumber == idNumber {
			return true
		}
	}
	return false
}

// registered returns which of the ID numbers the database holds.
func (it *ImportTx) registered(ids []string) ([]string, error) {
	var found []string
	per := 500
	if it.tx.db.dialect == Postgres {
		per = 50000
	}
	for start := 0; start < len(ids); start += per {
		batch := ids[start:min(start+per, len(ids))]
		var rows *sql.Rows
		var err error
		if it.tx.db.dialect == Postgres {
			rows, err = it.tx.query(`SELECT id_number FROM members WHERE id_number = ANY(?)`, batch)
		} else {
			args := make([]any, len(batch))
			for i, id := range batch {
				args[i] = id
			}
			rows, err = it.tx.query(`SELECT id_number FROM members WHERE id_number IN (`+strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")+`)`, args...)
		}
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found = append(found, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// InsertNew inserts the households that are plainly new, while a file is
// still being read: their number is unused in their county and none of
// their members is registered anywhere. It returns the others untouched, to
// go through Check and Apply at the end. The households must lie in the
// importer's scope, be valid, and be distinct from each other and from
// those given before.
func (it *ImportTx) InsertNew(hs []*ImportHousehold) (rest []*ImportHousehold, c ImportCounts, err error) {
	if it.dryRun {
		return hs, c, nil
	}
	var fresh []*ImportHousehold
	var ids []string
	for _, h := range hs {
		if !it.sc.Contains(h.RegionCode) {
			return nil, c, apperr.New(apperr.Forbidden, "村%s不在您的管辖范围内", h.RegionCode)
		}
		ix, err := it.index(h.County)
		if err != nil {
			return nil, c, err
		}
		known := ix.households[h.Number] != nil
		for i := 0; i < len(h.Members) && !known; i++ {
			_, known = ix.members[idKey(h.Members[i].IDNumber)]
		}
		if known {
			rest = append(rest, h)
			continue
		}
		fresh = append(fresh, h)
	}
	if len(fresh) == 0 {
		return rest, c, nil
	}
	if it.others == nil {
		counties := map[string]bool{}
		for _, h := range fresh {
			counties[h.County] = true
		}
		var list []string
		for k := range counties {
			list = append(list, k)
		}
		o, err := it.otherCounties(list)
		if err != nil {
			return nil, c, err
		}
		it.others = &o
	}
	if *it.others {
		for _, h := range fresh {
			for i := range h.Members {
				ids = append(ids, h.Members[i].IDNumber)
			}
		}
		found, err := it.registered(ids)
		if err != nil {
			return nil, c, err
		}
		if len(found) > 0 {
			taken := map[string]bool{}
			for _, id := range found {
				taken[id] = true
			}
			keep := fresh[:0:0]
			for _, h := range fresh {
				clash := false
				for i := range h.Members {
					clash = clash || taken[h.Members[i].IDNumber]
				}
				if clash {
					rest = append(rest, h)
				} else {
					keep = append(keep, h)
				}
			}
			fresh = keep
		}
	}
	var newM []memberWrite
	for _, h := range fresh {
		for i := range h.Members {
			newM = append(newM, memberWrite{h: h, m: &h.Members[i]})
		}
	}
	if err := it.beginBulk(); err != nil {
		return nil, c, err
	}
	hids, err := allocIDs(it.tx, "households", len(fresh))
	if err != nil {
		return nil, c, err
	}
	idOf := make(map[*ImportHousehold]int64, len(fresh))
	for i, h := range fresh {
		idOf[h] = hids[i]
	}
	if err := it.insertHouseholds(fresh, idOf); err != nil {
		return nil, c, err
	}
	if err := it.insertNewMembers(newM, idOf, func(int) {}); err != nil {
		return nil, c, err
	}
	if err := it.auditAdded(fresh, idOf); err != nil {
		return nil, c, err
	}
	// The county index is not told about them: the rest of the file cannot
	// name them again without the database's unique indexes refusing it
	// (Conflict), and the caller then starts over on the plain path.
	c.HouseholdsAdded, c.MembersAdded = len(fresh), len(newM)
	return rest, c, nil
}

func (it *ImportTx) insertNewMembers(ms []memberWrite, idOf map[*ImportHousehold]int64, report func(int)) error {
	mids, err := allocIDs(it.tx, "members", len(ms))
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].id = mids[i]
	}
	if err := it.insertMembers(ms, idOf, report); err != nil {
		if apperr.Is(translate(err), apperr.Conflict) {
			return apperr.New(apperr.Conflict, "写入时发现重复的身份证号或户编号（可能有人同时在导入），导入未生效，请重试")
		}
		return err
	}
	return nil
}

// memberWrite is one member to insert or update.
type memberWrite struct {
	id int64
	h  *ImportHousehold
	m  *ImportMember
}

// Apply writes the households (already checked, conflicts removed): new
// households and members are inserted, changed ones updated in place, the
// rest left alone. In a dry run it only counts. progress, if set, is called
// with the number of member rows done so far and the total.
func (it *ImportTx) Apply(hs []*ImportHousehold, progress func(done, total int)) (ImportCounts, error) {
	var c ImportCounts
	total := 0
	for _, h := range hs {
		total += len(h.Members)
	}
	var newH []*ImportHousehold
	var updH []struct {
		id          int64
		h           *ImportHousehold
		regionMoved bool
	}
	var newM, updM []memberWrite
	movedOut := map[int64]bool{} // existing households losing a member to another
	changedH := map[*ImportHousehold]bool{}
	idOf := make(map[*ImportHousehold]int64, len(hs))
	for _, h := range hs {
		ix, err := it.index(h.County)
		if err != nil {
			return c, err
		}
		eh := ix.households[h.Number]
		if eh == nil {
			newH = append(newH, h)
			c.HouseholdsAdded++
			for i := range h.Members {
				newM = append(newM, memberWrite{h: h, m: &h.Members[i]})
			}
			c.MembersAdded += len(h.Members)
			continue
		}
		idOf[h] = eh.id
		if eh.hash != h.hash() {
			updH = append(updH, struct {
				id          int64
				h           *ImportHousehold
				regionMoved bool
			}{eh.id, h, eh.region != h.RegionCode})
			changedH[h] = true
		}
		for i := range h.Members {
			m := &h.Members[i]
			em, ok := ix.members[idKey(m.IDNumber)]
			switch {
			case !ok:
				newM = append(newM, memberWrite{h: h, m: m})
				c.MembersAdded++
				changedH[h] = true
			case em.hh != eh.id:
				updM = append(updM, memberWrite{id: em.id, h: h, m: m})
				c.MembersMoved++
				c.MembersChanged++
				movedOut[em.hh] = true
				changedH[h] = true
			case em.hash != m.hash() || eh.region != h.RegionCode:
				updM = append(updM, memberWrite{id: em.id, h: h, m: m})
				c.MembersChanged++
				changedH[h] = true
			default:
				c.MembersUnchanged++
			}
		}
	}
	for _, h := range hs {
		if _, existed := idOf[h]; !existed {
			continue
		}
		if movedOut[idOf[h]] {
			changedH[h] = true
		}
		if changedH[h] {
			c.HouseholdsChanged++
		} else {
			c.HouseholdsUnchanged++
		}
	}
	c.MembersNotInFile = it.notListed(hs, idOf)
	if it.dryRun {
		return c, nil
	}
	// The values before, for the audit trail.
	updIDs := make([]int64, len(updH))
	for i, u := range updH {
		updIDs[i] = u.id
	}
	oldH, err := it.oldHouseholds(updIDs)
	if err != nil {
		return c, err
	}
	memIDs := make([]int64, len(updM))
	for i, w := range updM {
		memIDs[i] = w.id
	}
	oldM, err := it.oldMembers(memIDs)
	if err != nil {
		return c, err
	}
	done := 0
	report := func(n int) {
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	// New households first, so that members can point at them.
	if len(newH) > 0 {
		if err := it.beginBulk(); err != nil {
			return c, err
		}
	}
	ids, err := allocIDs(it.tx, "households", len(newH))
	if err != nil {
		return c, err
	}
	for i, h := range newH {
		idOf[h] = ids[i]
	}
	if err := it.insertHouseholds(newH, idOf); err != nil {
		return c, err
	}
	for _, u := range updH {
		h := u.h
		if _, err := it.tx.exec(`UPDATE households SET region_code = ?, category = ?, monitor_type = ?, relocated = ?,
			housing_priority = ?, dibao = ?, dibao_tier = ?, tekun = ?, phone = ?, address = ?, updated_at = ? WHERE id = ?`,
			h.RegionCode, h.Category, h.MonitorType, h.Relocated, h.HousingPriority, h.Dibao, h.DibaoTier, h.Tekun,
			h.Phone, h.Address, it.now, u.id); err != nil {
			return c, err
		}
		if u.regionMoved {
			if _, err := it.tx.exec(`UPDATE members SET region_code = ? WHERE household_id = ?`, h.RegionCode, u.id); err != nil {
				return c, err
			}
		}
	}
	if err := it.insertNewMembers(newM, idOf, report); err != nil {
		return c, err
	}
	if err := it.updateMembers(updM, idOf, report); err != nil {
		return c, err
	}
	// The trail: each household added; each household and member changed,
	// with what changed.
	if err := it.auditAdded(newH, idOf); err != nil {
		return c, err
	}
	for _, u := range updH {
		nh := u.h.Household()
		nh.ID = u.id
		if err := it.audit(Change{Action: audit.ActUpdate, Object: "household", ObjectID: itoa(u.id), Region: u.h.RegionCode,
			Detail: "导入更新", Old: oldH[u.id], New: &nh}); err != nil {
			return c, err
		}
	}
	added := map[*ImportHousehold]bool{}
	for _, h := range newH {
		added[h] = true
	}
	for _, w := range newM {
		if added[w.h] {
			continue // recorded with its household
		}
		nm := w.m.Member()
		nm.ID, nm.HouseholdID, nm.County = w.id, idOf[w.h], w.h.County
		if err := it.audit(Change{Action: audit.ActCreate, Object: "member", ObjectID: itoa(w.id), Region: w.h.RegionCode,
			Detail: "导入新增成员：户编号" + w.h.Number, New: &nm}); err != nil {
			return c, err
		}
	}
	for _, w := range updM {
		nm := w.m.Member()
		nm.ID, nm.HouseholdID, nm.County = w.id, idOf[w.h], w.h.County
		detail := "导入更新"
		if old, ok := oldM[w.id]; ok && old.HouseholdID != nm.HouseholdID {
			detail = "导入：迁入户编号" + w.h.Number
		}
		if err := it.audit(Change{Action: audit.ActUpdate, Object: "member", ObjectID: itoa(w.id), Region: w.h.RegionCode,
			Detail: detail, Old: oldM[w.id], New: &nm}); err != nil {
			return c, err
		}
	}
	return c, nil
}

// oldHouseholds reads households by id (their own fields), for the trail.
func (it *ImportTx) oldHouseholds(ids []int64) (map[int64]*registry.Household, error) {
	out := make(map[int64]*registry.Household, len(ids))
	err := inBatches(ids, func(in string, args []any) error {
		rows, err := it.tx.query(`SELECT id, county, region_code, number, category, monitor_type, relocated, housing_priority,
			dibao, dibao_tier, tekun, phone, address FROM households WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h registry.Household
			var prio string
			if err := rows.Scan(&h.ID, &h.County, &h.RegionCode, &h.Number, &h.Category, &h.MonitorType, &h.Relocated, &prio,
				&h.Dibao, &h.DibaoTier, &h.Tekun, &h.Phone, &h.Address); err != nil {
				return err
			}
			h.HousingPriority = splitSet(registry.CanonicalPriority(splitSet(prio)))
			out[h.ID] = &h
		}
		return rows.Err()
	})
	return out, err
}

// oldMembers reads members by id, for the trail.
func (it *ImportTx) oldMembers(ids []int64) (map[int64]*registry.Member, error) {
	out := make(map[int64]*registry.Member, len(ids))
	err := inBatches(ids, func(in string, args []any) error {
		rows, err := it.tx.query(`SELECT `+memberCols+` FROM members m WHERE m.id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m registry.Member
			if err := scanMember(rows, &m); err != nil {
				return err
			}
			out[m.ID] = &m
		}
		return rows.Err()
	})
	return out, err
}

// inBatches calls fn with "?,?,…" and the ids, 500 at a time.
func inBatches(ids []int64, fn func(in string, args []any) error) error {
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		if err := fn(strings.TrimSuffix(strings.Repeat("?,", len(batch)), ","), args); err != nil {
			return err
		}
	}
	return nil
}

// notListed counts existing members of the file's households that the
// file does not list (neither there nor in another of its households).
func (it *ImportTx) notListed(hs []*ImportHousehold, idOf map[*ImportHousehold]int64) int {
	listed := map[int64]int32{} // existing household → its members the file lists
	for _, h := range hs {
		ix := it.indexes[h.County]
		for i := range h.Members {
			if em, ok := ix.members[idKey(h.Members[i].IDNumber)]; ok {
				listed[em.hh]++
			}
		}
	}
	n := 0
	for _, h := range hs {
		id, ok := idOf[h]
		if !ok {
			continue
		}
		if eh := it.indexes[h.County].byID[id]; eh != nil {
			n += int(eh.members - listed[id])
		}
	}
	return n
}

func (it *ImportTx) insertHouseholds(hs []*ImportHousehold, idOf map[*ImportHousehold]int64) error {
	fill := func(i int, row []any) {
		h := hs[i]
		row[0], row[1], row[2], row[3], row[4], row[5], row[6] = idOf[h], h.County, h.RegionCode, h.Number, h.Category, h.MonitorType, h.Relocated
		row[7], row[8], row[9], row[10], row[11], row[12], row[13], row[14] = h.HousingPriority, h.Dibao, h.DibaoTier, h.Tekun, h.Phone, h.Address, it.now, it.now
	}
	if it.tx.db.dialect == Postgres {
		return it.copyFrom("households", householdInsertCols, len(hs), fill)
	}
	return it.sqliteInsert("households", householdInsertCols, len(hs), fill)
}

func (it *ImportTx) insertMembers(ms []memberWrite, idOf map[*ImportHousehold]int64, report func(int)) error {
	// Values that repeat (enum codes, the household's, the time) are put
	// in their interface boxes once: boxing a string allocates, and a
	// county's first import fills some twenty million values.
	var lastH *ImportHousehold
	var hid, county, regionCode any
	now := any(it.now)
	fill := func(i int, row []any) {
		w := ms[i]
		m, h := w.m, w.h
		if h != lastH {
			lastH, hid, county, regionCode = h, idOf[h], h.County, h.RegionCode
		}
		sex, birth := m.sexBirth()
		row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = w.id, hid, county, regionCode, m.IDNumber, m.Name, sexBox(sex), birth
		for k := range m.enums {
			row[memberEnumCols[k]] = enumBoxes[k][m.enums[k]]
		}
		row[13], row[15], row[16], row[17] = m.School, m.Insured, now, now
	}
	const chunk = 20000
	for start := 0; start < len(ms); start += chunk {
		if err := it.tx.ctx.Err(); err != nil {
			return err
		}
		end := min(start+chunk, len(ms))
		part := func(i int, row []any) { fill(start+i, row) }
		var err error
		if it.tx.db.dialect == Postgres {
			err = it.copyFrom("members", memberInsertCols, end-start, part)
		} else {
			err = it.sqliteInsert("members", memberInsertCols, end-start, part)
		}
		if err != nil {
			return err
		}
		report(end - start)
	}
	return nil
}

func (it *ImportTx) updateMembers(ms []memberWrite, idOf map[*ImportHousehold]int64, report func(int)) error {
	if len(ms) == 0 {
		return nil
	}
	st, err := it.tx.PrepareContext(it.tx.ctx, it.tx.db.q(`UPDATE members SET household_id = ?, region_code = ?, name = ?, relation = ?,
		disability_type = ?, disability_grade = ?, health = ?, schooling = ?, school = ?, labour = ?, medical_insured = ?,
		updated_at = ? WHERE id = ?`))
	if err != nil {
		return err
	}
	defer st.Close()
	for i, w := range ms {
		m := w.m
		if _, err := st.ExecContext(it.tx.ctx, idOf[w.h], w.h.RegionCode, m.Name, m.Relation(),
			enumCode(registry.DisabilityType, m.enums[1]), enumCode(registry.DisabilityGrade, m.enums[2]),
			enumCode(registry.Health, m.enums[3]), enumCode(registry.Schooling, m.enums[4]), m.School,
			enumCode(registry.Labour, m.enums[5]), m.Insured, it.now, w.id); err != nil {
			return err
		}
		if (i+1)%5000 == 0 {
			report(5000)
		}
	}
	report(len(ms) % 5000)
	return nil
}

// copyFrom loads rows with PostgreSQL's COPY, inside the import's
// transaction (the same connection).
func (it *ImportTx) copyFrom(table string, cols []string, n int, fill func(i int, row []any)) error {
	if n == 0 {
		return nil
	}
	return it.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("store: COPY needs the pgx driver")
		}
		i := 0
		row := make([]any, len(cols))
		_, err := c.Conn().CopyFrom(it.tx.ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			fill(i, row)
			i++
			return row, nil
		}))
		return err
	})
}
