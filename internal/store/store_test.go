package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/demo"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

var ctx = context.Background()

const village = "141121104201"

// seed loads the official regions and two villages under 刘胡兰镇.
func seed(t *testing.T, db *store.DB) {
	t.Helper()
	db.Clock = clock.NewManual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	n, err := db.LoadOfficialRegions(ctx)
	if err != nil || n < 44000 {
		t.Fatalf("LoadOfficialRegions = %d, %v", n, err)
	}
	if n, err := db.LoadOfficialRegions(ctx); err != nil || n != 0 {
		t.Fatalf("second LoadOfficialRegions = %d, %v", n, err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: village, Name: "东堡村"}, {Code: "141121104202", Name: "西堡村"}}); err != nil {
		t.Fatal(err)
	}
}

func person(name, relation string, birth time.Time, seq int) registry.Member {
	return registry.Member{Name: name, Relation: relation, IDNumber: idcard.Make("141121", birth, seq)}
}

func TestMigrationsAreRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate applied %v, %v", again, err)
		}
		ms, _ := store.Migrations(db.Dialect())
		if len(ms) == 0 {
			t.Fatal("no migrations")
		}
	})
}

func TestRegistryRoundTripAndRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		county := store.ScopeOf("141121000000")
		h := &registry.Household{RegionCode: village, Number: "1411211042010001", Category: "lifted", Dibao: true, DibaoTier: "1", Phone: "13912345678"}
		head := person("王建国", "head", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 11)
		wife := person("李秀英", "spouse", time.Date(1972, 6, 2, 0, 0, 0, 0, time.UTC), 22)
		if err := db.CreateHousehold(ctx, county, h, []registry.Member{head, wife}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Household(ctx, county, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.HeadName != "王建国" || got.MemberCount != 2 || len(got.Members) != 2 || got.County != "141121" || !got.Dibao || got.DibaoTier != "1" {
			t.Fatalf("round trip: %+v", got)
		}
		if got.Members[0].Sex != "male" || got.Members[1].Sex != "female" || got.Members[0].BirthDate.String() != "1970-05-01" {
			t.Fatalf("derived sex/birth wrong: %+v", got.Members)
		}

		// Out of scope reads as not found.
		if _, err := db.Household(ctx, store.ScopeOf("141121104202"), h.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other village read: %v", err)
		}

		before, _, _ := db.Counts(ctx, store.Everywhere)
		refuse := func(name string, code apperr.Code, field string, fn func() error) {
			t.Helper()
			err := fn()
			if !apperr.Is(err, code) {
				t.Fatalf("%s: got %v, want %s", name, err, code)
			}
			if field != "" {
				fs := apperr.FieldsOf(err)
				if len(fs) == 0 || fs[0].Field != field {
					t.Fatalf("%s: fields %+v, want %s", name, fs, field)
				}
			}
			after, _, _ := db.Counts(ctx, store.Everywhere)
			if after != before {
				t.Fatalf("%s: a refused write changed the data", name)
			}
		}
		dup := person("王二", "child", time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC), 33)
		dup.IDNumber = head.IDNumber
		refuse("duplicate person", apperr.Conflict, "id_number", func() error {
			return db.CreateHousehold(ctx, county, &registry.Household{RegionCode: "141121104202", Number: "X2", Category: "ordinary"},
				[]registry.Member{person("赵一", "head", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 41), dup})
		})
		err = db.CreateHousehold(ctx, county, &registry.Household{RegionCode: "141121104202", Number: "X3", Category: "ordinary"},
			[]registry.Member{dup})
		if err == nil || !strings.Contains(apperr.MessageOf(err), "1411211042010001") {
			t.Fatalf("duplicate message should name the household: %v", err)
		}
		bad := person("钱三", "head", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 51)
		bad.IDNumber = bad.IDNumber[:17] + "0"
		if bad.IDNumber == person("钱三", "head", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 51).IDNumber {
			bad.IDNumber = bad.IDNumber[:17] + "1"
		}
		refuse("invalid ID", apperr.Invalid, "id_number", func() error {
			return db.CreateHousehold(ctx, county, &registry.Household{RegionCode: village, Number: "X4", Category: "ordinary"}, []registry.Member{bad})
		})
		refuse("unknown region", apperr.Invalid, "region_code", func() error {
			return db.CreateHousehold(ctx, county, &registry.Household{RegionCode: "141121104299", Number: "X5", Category: "ordinary"}, nil)
		})
		refuse("missing number", apperr.Invalid, "number", func() error {
			return db.CreateHousehold(ctx, county, &registry.Household{RegionCode: village, Category: "ordinary"}, nil)
		})
		future := person("孙四", "head", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 61)
		future.BirthDate = registry.Date{Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
		refuse("birth date disagrees", apperr.Invalid, "birth_date", func() error {
			return db.CreateHousehold(ctx, county, &registry.Household{RegionCode: village, Number: "X6", Category: "ordinary"}, []registry.Member{future})
		})
		refuse("outside scope", apperr.Invalid, "region_code", func() error {
			return db.CreateHousehold(ctx, store.ScopeOf("141121104202"), &registry.Household{RegionCode: village, Number: "X7", Category: "ordinary"}, nil)
		})
		refuse("second head", apperr.Conflict, "relation", func() error {
			m := person("周五", "head", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 71)
			m.HouseholdID = h.ID
			return db.CreateMember(ctx, county, &m)
		})

		// Update a member and a household.
		m := got.Members[1]
		m.Health = "chronic"
		m.DisabilityType, m.DisabilityGrade = "physical", "2"
		old, err := db.UpdateMember(ctx, county, &m)
		if err != nil || old.Health != "healthy" {
			t.Fatalf("UpdateMember: %v %+v", err, old)
		}
		got.Category, got.MonitorType = "monitored", "unstable"
		got.RegionCode = "141121104202"
		if _, err := db.UpdateHousehold(ctx, county, got); err != nil {
			t.Fatal(err)
		}
		ms, err := db.ListMembers(ctx, store.ScopeOf("141121104202"), store.MemberFilter{})
		if err != nil || len(ms) != 2 {
			t.Fatalf("members moved with their household: %d %v", len(ms), err)
		}
		if _, err := db.UpdateHousehold(ctx, county, &registry.Household{ID: h.ID, RegionCode: "141122100201", Number: "Y", Category: "ordinary"}); err == nil {
			t.Fatal("moved a household out of scope")
		}
	})
}

func TestDemoLoadAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		db.Clock = clock.NewManual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
		if _, err := db.LoadOfficialRegions(ctx); err != nil {
			t.Fatal(err)
		}
		g, err := demo.New(demo.Options{Households: 2000, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddVillages(ctx, g.Villages); err != nil {
			t.Fatal(err)
		}
		var firstHead registry.Member
		var firstVillage string
		err = db.BulkLoad(ctx, func(l *store.Loader) error {
			return g.Each(func(v region.Region, hs []*registry.Household) error {
				if firstVillage == "" {
					firstVillage, firstHead = v.Code, hs[0].Members[0]
				}
				return l.Add(hs)
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		hh, mm, err := db.Counts(ctx, store.ScopeOf("141121000000"))
		if err != nil || hh != 2000 || mm < 5000 {
			t.Fatalf("counts %d %d %v", hh, mm, err)
		}
		county := store.ScopeOf("141121000000")
		for _, q := range []string{firstHead.IDNumber, firstHead.IDNumber[:10], firstHead.Name, firstVillage + "0001"} {
			page, err := db.ListHouseholds(ctx, county, store.HouseholdFilter{Q: q})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range page.Items {
				if h.HeadID == firstHead.IDNumber {
					found = true
				}
			}
			if !found {
				t.Fatalf("search %q did not find the household (%d results)", q, len(page.Items))
			}
		}
		page, err := db.ListHouseholds(ctx, county, store.HouseholdFilter{Region: firstVillage, Limit: 10})
		if err != nil || len(page.Items) != 10 || page.Total < 10 {
			t.Fatalf("village filter: %v %+v", err, page)
		}
		for _, h := range page.Items {
			if h.RegionCode != firstVillage {
				t.Fatalf("household of %s in list of %s", h.RegionCode, firstVillage)
			}
		}
		// A filter outside the scope yields nothing, not an error.
		page, err = db.ListHouseholds(ctx, store.ScopeOf(firstVillage), store.HouseholdFilter{Region: "141121106000"})
		if err != nil || len(page.Items) != 0 || page.Total != 0 {
			t.Fatalf("filter outside scope: %v %d", err, len(page.Items))
		}
		lifted, err := db.ListHouseholds(ctx, county, store.HouseholdFilter{Category: "lifted", Limit: 500})
		if err != nil || lifted.Total < 100 {
			t.Fatalf("category filter: %v", err)
		}
		for _, h := range lifted.Items {
			if h.Category != "lifted" {
				t.Fatal("category filter leaked")
			}
		}
		// A second bulk load of the same county conflicts and changes nothing.
		g2, _ := demo.New(demo.Options{Households: 2000, Seed: 1})
		err = db.BulkLoad(ctx, func(l *store.Loader) error {
			return g2.Each(func(v region.Region, hs []*registry.Household) error { return l.Add(hs) })
		})
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("reloading the same county: %v", err)
		}
		if h2, _, _ := db.Counts(ctx, county); h2 != 2000 {
			t.Fatalf("failed bulk load left %d households", h2)
		}
	})
}
