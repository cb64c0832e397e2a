package screening

import (
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/clock"
	"sanbao/internal/registry"
)

func dateOf(y, m, d int) registry.Date {
	return registry.Date{Time: time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)}
}

func TestCampaignValidate(t *testing.T) {
	ok := Campaign{Kind: "集中排查", Name: " 2024年集中排查 ", Region: "141121",
		Start: dateOf(2024, 7, 25), End: dateOf(2024, 8, 15), Dimensions: []string{"住房", DimEducation, DimEducation}}
	ok.Normalize()
	var v apperr.Validation
	ok.Validate(&v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if ok.Kind != KindIntensive || ok.Region != "141121000000" || ok.Name != "2024年集中排查" ||
		strings.Join(ok.Dimensions, ",") != "education,housing" {
		t.Errorf("normalized %+v", ok)
	}
	for _, tc := range []struct {
		name  string
		edit  func(c *Campaign)
		field string
	}{
		{"no name", func(c *Campaign) { c.Name = "" }, "name"},
		{"bad kind", func(c *Campaign) { c.Kind = "weekly" }, "kind"},
		{"bad region", func(c *Campaign) { c.Region = "12ab" }, "region_code"},
		{"no dimensions", func(c *Campaign) { c.Dimensions = nil }, "dimensions"},
		{"unknown dimension", func(c *Campaign) { c.Dimensions = []string{"weather"} }, "dimensions"},
		{"no end", func(c *Campaign) { c.End = registry.Date{} }, "end_date"},
		{"end before start", func(c *Campaign) { c.End = dateOf(2024, 7, 1) }, "end_date"},
		{"routine with an end", func(c *Campaign) { c.Kind = KindRoutine }, "end_date"},
	} {
		c := ok
		tc.edit(&c)
		var v apperr.Validation
		c.Validate(&v)
		if !v.Has(tc.field) {
			t.Errorf("%s: no error on %s (%v)", tc.name, tc.field, v.Err())
		}
	}
}

func TestCampaignOpenAndReference(t *testing.T) {
	c := Campaign{ID: 3, Kind: KindIntensive, Name: "x", Region: "141121000000", Start: dateOf(2024, 7, 25), End: dateOf(2024, 8, 15),
		Dimensions: []string{DimHousing}}
	at := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 23, 0, 0, 0, clock.China) }
	for _, tc := range []struct {
		day  time.Time
		want bool
	}{{at(2024, 7, 24), false}, {at(2024, 7, 25), true}, {at(2024, 8, 15), true}, {at(2024, 8, 16), false}} {
		if got := c.Open(tc.day); got != tc.want {
			t.Errorf("Open(%s) = %v", tc.day, got)
		}
	}
	r := Routine("141121000000")
	if !r.Open(at(2030, 1, 1)) || len(r.Dimensions) != len(Dimensions.Values) || !r.Includes(village) || r.Includes("141122100201") {
		t.Errorf("routine %+v", r)
	}
	// An intensive campaign counts ages as of its start; routine as of the run.
	if d := RefDate(&c, at(2024, 8, 10)); d.Format("2006-01-02") != "2024-07-25" {
		t.Errorf("intensive reference %s", d)
	}
	if d := RefDate(&r, at(2024, 8, 10)); d.Format("2006-01-02") != "2024-08-10" {
		t.Errorf("routine reference %s", d)
	}
	p, err := NewParams("141121000000", &c, at(2024, 8, 10))
	if err != nil {
		t.Fatal(err)
	}
	if p.SchoolRefDate.Format("2006-01-02") != "2023-08-31" || p.Threshold.Yuan != 7800 || p.DimensionOn(DimWater) || !p.DimensionOn(DimHousing) {
		t.Errorf("params %+v", p)
	}
	v := &Visit{CampaignID: 3, SignedAt: at(2024, 8, 1)}
	if !c.Counts(v) {
		t.Error("signed visit of the campaign does not count")
	}
	v.SignedAt = time.Time{}
	if c.Counts(v) {
		t.Error("unsigned visit counts")
	}
	if _, err := NewParams("99", nil, at(2019, 1, 1)); err == nil {
		t.Error("no threshold for 2019 but params made")
	}
}

func TestWaterLitresForRegion(t *testing.T) {
	p := testParams(t)
	p.WaterLitres = append(p.WaterLitres, policyRegionValue("140000000000", 30), policyRegionValue("141121000000", 40))
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]float64{village: 40, "141122100201": 30, "110101001001": 20} {
		if got := p.WaterLitresMin(code); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
	p.WaterLitres = append(p.WaterLitres, policyRegionValue("150000000000", 50))
	if err := p.Prepare(); err == nil {
		t.Error("50 litres accepted as a lower bound (seed: 20–40)")
	}
}
