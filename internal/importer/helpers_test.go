package importer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sanbao/internal/clock"
	"sanbao/internal/demo"
	"sanbao/internal/idcard"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

var ctx = context.Background()

var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

const (
	villageA = "141121104201" // 刘胡兰镇东堡村
	villageB = "141121104202" // 刘胡兰镇西堡村
	villageC = "141121100201" // 凤城镇南关村
)

// seed loads the official regions and three villages.
func seed(t *testing.T, db *store.DB) {
	t.Helper()
	db.Clock = clock.NewManual(testNow)
	if _, err := db.LoadOfficialRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, []region.Region{{Code: villageA, Name: "东堡村"}, {Code: villageB, Name: "西堡村"}, {Code: villageC, Name: "南关村"}}); err != nil {
		t.Fatal(err)
	}
}

// hh is a household of a test file.
type hh struct {
	h       registry.Household
	members []registry.Member
}

func id(birthYear, seq int) string {
	return idcard.Make("141121", time.Date(birthYear, 3, 4, 0, 0, 0, 0, time.UTC), seq)
}

// family makes a household with a head, a spouse and a child.
func family(village, number string, seq int) hh {
	return hh{
		h: registry.Household{RegionCode: village, Number: number, Category: registry.CategoryLifted, HousingPriority: []string{"dibao"},
			Dibao: true, DibaoTier: "2", Phone: "13912345678", Address: "东堡村" + number + "号"},
		members: []registry.Member{
			{Name: "王建国", IDNumber: id(1968, seq*2+1), Relation: "head", Health: registry.HealthChronic, Labour: registry.LabourWeak, MedicalInsured: true},
			{Name: "李秀英", IDNumber: id(1970, seq*2), Relation: "spouse", Labour: registry.LabourNormal, MedicalInsured: true},
			{Name: "王浩然", IDNumber: id(2012, seq*2+1), Relation: "child", Schooling: registry.SchoolingInSchool, School: "文水县第二中学", MedicalInsured: true},
		},
	}
}

var villageNames = map[string][2]string{villageA: {"刘胡兰镇", "东堡村"}, villageB: {"刘胡兰镇", "西堡村"}, villageC: {"凤城镇", "南关村"}}

// rows formats households as register rows.
func rows(hs ...hh) [][]string {
	var out [][]string
	for _, x := range hs {
		for i := range x.members {
			m := x.members[i]
			m.Normalize()
			n := villageNames[x.h.RegionCode]
			out = append(out, registry.FormatRow(&x.h, &m, n[0], n[1]))
		}
	}
	return out
}

// writeFile writes rows under the register header as CSV or XLSX.
func writeFile(t *testing.T, format sheet.Format, rs [][]string) string {
	t.Helper()
	return writeWith(t, format, registry.RegisterHeader(), rs)
}

func writeWith(t *testing.T, format sheet.Format, header []string, rs [][]string) string {
	t.Helper()
	ext := ".csv"
	if format == sheet.FormatXLSX {
		ext = ".xlsx"
	}
	path := filepath.Join(t.TempDir(), "register"+ext)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sheet.NewWriter(format, f, "花名册", header)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeBytes(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvText builds a CSV in UTF-8 from the header and rows, joined with eol.
func csvText(header []string, rs [][]string, eol string) string {
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + eol)
	for _, r := range rs {
		b.WriteString(strings.Join(r, ",") + eol)
	}
	return b.String()
}

// fingerprint hashes every row of the registry tables: equal fingerprints,
// equal data.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	h := sha256.New()
	var n int
	err := db.EachMember(ctx, store.Everywhere, "", func(hh *registry.Household, m *registry.Member) error {
		fmt.Fprintf(h, "%+v|%+v\n", *hh, *m)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	nh, nm, err := db.Counts(ctx, store.Everywhere)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(h, "%d %d %d", nh, nm, n)
	return hex.EncodeToString(h.Sum(nil))
}

// demoRows generates a small demo county's register rows (its villages are
// added to db).
func demoRows(t *testing.T, db *store.DB, households int) [][]string {
	t.Helper()
	g, err := demo.New(demo.Options{Households: households, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddVillages(ctx, append([]region.Region(nil), g.Villages...)); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range g.Townships {
		names[r.Code] = r.Name
	}
	var out [][]string
	err = g.Each(func(v region.Region, hs []*registry.Household) error {
		for _, h := range hs {
			for i := range h.Members {
				out = append(out, registry.FormatRow(h, &h.Members[i], names[v.Parent], v.Name))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func col(key string) int {
	for i, c := range registry.RegisterColumns {
		if c.Key == key {
			return i
		}
	}
	panic(key)
}

func readAll(t *testing.T, path string) [][]string {
	t.Helper()
	r, err := sheet.OpenFile(path, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out [][]string
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, row.Cells)
	}
	return out
}

func contains(rs [][]string, s string) bool {
	for _, r := range rs {
		for _, c := range r {
			if strings.Contains(c, s) {
				return true
			}
		}
	}
	return false
}

var _ = bytes.NewReader
