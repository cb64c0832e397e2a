package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"sanbao/internal/apperr"
	"sanbao/internal/demo"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/sheet"
	"sanbao/internal/store"
)

// demoFiles writes the demo county as register files (one row per member,
// the import template's columns) instead of into the database, and
// registers its villages in db (when db is not nil) so that the files
// import straight away. The same seed gives the same rows.
func demoFiles(ctx context.Context, db *store.DB, cfg demoConfig, csvPath, xlsxPath string, out io.Writer) error {
	g, err := demo.New(demo.Options{Households: cfg.Households, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	if db != nil {
		if err := db.AddVillages(ctx, append([]region.Region(nil), g.Villages...)); err != nil {
			return err
		}
	}
	names := map[string]string{}
	for _, t := range g.Townships {
		names[t.Code] = t.Name
	}
	for _, v := range g.Villages {
		names[v.Code] = v.Name
	}
	type target struct {
		path   string
		format sheet.Format
	}
	var targets []target
	if csvPath != "" {
		targets = append(targets, target{csvPath, sheet.FormatCSV})
	}
	if xlsxPath != "" {
		targets = append(targets, target{xlsxPath, sheet.FormatXLSX})
	}
	for _, t := range targets {
		// A fresh generator per file: the same seed, the same rows.
		g, err := demo.New(demo.Options{Households: cfg.Households, Seed: cfg.Seed})
		if err != nil {
			return err
		}
		n, err := writeDemoFile(ctx, g, names, t.path, t.format)
		if err != nil {
			return err
		}
		if out != nil {
			fmt.Fprintf(out, "已写出演示县花名册 %s：%d 户，%d 行\n", t.path, g.Count(), n)
		}
	}
	return nil
}

func writeDemoFile(ctx context.Context, g *demo.Generator, names map[string]string, path string, format sheet.Format) (int, error) {
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, apperr.Wrap(err, "create %s", tmp)
	}
	defer os.Remove(tmp)
	w, err := sheet.NewWriter(format, f, "农户花名册", registry.RegisterHeader())
	if err != nil {
		f.Close()
		return 0, err
	}
	rows := 0
	var cells []string
	err = g.Each(func(v region.Region, hs []*registry.Household) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, h := range hs {
			for i := range h.Members {
				cells = registry.AppendRow(cells, h, &h.Members[i], names[v.Parent], v.Name)
				if err := w.WriteRow(cells); err != nil {
					return err
				}
				rows++
			}
		}
		return nil
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return rows, os.Rename(tmp, path)
}
