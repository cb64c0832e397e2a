package store

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sanbao/internal/screening"
)

// The SQLite migration indexes memberPacked itself: if the two drift apart
// the member query silently falls back to reading the table.
func TestMemberIndexMatchesQuery(t *testing.T) {
	ms, err := Migrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	found := false
	for _, m := range ms {
		if strings.Contains(squash(m.SQL), "("+squash(memberPacked)+"))") {
			found = true
		}
	}
	if !found {
		t.Fatal("no SQLite migration indexes memberPacked")
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	plan := func(q string) string {
		rows, err := db.r.Query(`EXPLAIN QUERY PLAN ` + q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	members := plan(`SELECT m.household_id, m.id, ` + memberPacked + ` FROM members m
		WHERE m.household_id >= 1 AND m.household_id <= 300000 ORDER BY m.household_id, m.id`)
	if !strings.Contains(members, "COVERING INDEX members_screening") || strings.Contains(members, "TEMP B-TREE") {
		t.Errorf("member query plan: %s", members)
	}
	households := plan(`SELECT h.id FROM households h LEFT JOIN household_facts f ON f.household_id = h.id
		WHERE +h.region_code >= '141121000000' AND +h.region_code < '141122000000' ORDER BY h.id`)
	if strings.Contains(households, "TEMP B-TREE") || strings.Contains(households, "INDEX households_region") {
		t.Errorf("household query plan: %s", households)
	}
}

func TestUnpack(t *testing.T) {
	var m screening.Member
	unpackMember(9, 20140301*4096+3+3*4+4*32+256+512+1024, &m)
	want := screening.Member{ID: 9, Birth: 20140301, Health: screening.HealthSerious, Schooling: screening.SchoolInSchool,
		Labour: screening.LabourNone, Disabled: true, Severe: true, Insured: true}
	if m != want {
		t.Errorf("member %+v", m)
	}
	var h screening.Household
	unpackHousehold(5, 2+4+16, "141121104201", &h)
	if h != (screening.Household{ID: 5, Region: "141121104201", Category: screening.CatMonitored, Relocated: true, Tekun: true}) {
		t.Errorf("household %+v", h)
	}
}

func TestMemberFactsEncoding(t *testing.T) {
	fs := []screening.MemberFacts{{MemberID: 3, Known: 5, Yes: 1}, {MemberID: 1 << 40, Known: 1<<31 | 1, Yes: 1 << 31, Roster: 1}}
	b := appendMemberFacts(nil, fs)
	got, err := decodeMemberFacts(b, nil)
	if err != nil || !reflect.DeepEqual(got, fs) {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if got, err := decodeMemberFacts(nil, nil); err != nil || len(got) != 0 {
		t.Fatal("empty")
	}
	for _, bad := range [][]byte{{2}, {1, 5}, b[:len(b)-1], append(append([]byte{}, b...), 0)} {
		if _, err := decodeMemberFacts(bad, nil); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func FuzzMemberFacts(f *testing.F) {
	f.Add(appendMemberFacts(nil, []screening.MemberFacts{{MemberID: 3, Known: 5, Yes: 1}}))
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := decodeMemberFacts(b, nil)
		if err != nil {
			return
		}
		again, err := decodeMemberFacts(appendMemberFacts(nil, fs), nil)
		if err != nil || !reflect.DeepEqual(again, fs) && len(fs) > 0 {
			t.Fatalf("re-encoding %+v: %+v %v", fs, again, err)
		}
	})
}

func TestAppendFindingKey(t *testing.T) {
	for _, f := range []screening.Finding{
		{Rule: "edu_dropout", HouseholdID: 12, MemberID: 345},
		{Rule: screening.RuleItemNotMet, Item: "water_facility", HouseholdID: 1},
		{Rule: "house_dangerous", HouseholdID: 1 << 40},
	} {
		if got := string(appendFindingKey([]byte("x"), &f)[1:]); got != f.Key() {
			t.Errorf("%q, want %q", got, f.Key())
		}
	}
}
