package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/demo"
	"sanbao/internal/region"
	"sanbao/internal/registry"
	"sanbao/internal/store"
)

type demoConfig struct {
	DB         string
	Households int
	Seed       uint64
}

// loadDemo generates the demo county into db unless it already has
// households. It reports whether it generated anything.
func loadDemo(ctx context.Context, db *store.DB, cfg demoConfig, out io.Writer) (bool, error) {
	n, _, err := db.Counts(ctx, store.ScopeOf(demo.County+"000000"))
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	start := time.Now()
	g, err := demo.New(demo.Options{Households: cfg.Households, Seed: cfg.Seed})
	if err != nil {
		return false, err
	}
	if err := db.AddVillages(ctx, g.Villages); err != nil {
		return false, err
	}
	total := g.Count()
	done, members := 0, 0
	last := time.Now()
	err = db.BulkLoad(ctx, func(l *store.Loader) error {
		return g.Each(func(v region.Region, hs []*registry.Household) error {
			if err := l.Add(hs); err != nil {
				return err
			}
			done += len(hs)
			for _, h := range hs {
				members += len(h.Members)
			}
			if out != nil && (time.Since(last) > time.Second || done == total) {
				last = time.Now()
				fmt.Fprintf(out, "\r生成演示县：%d / %d 户（%d%%）", done, total, done*100/total)
			}
			return nil
		})
	})
	if err != nil {
		return false, err
	}
	if err := db.Analyze(ctx); err != nil {
		return false, err
	}
	if out != nil {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(out, "\n已生成演示县 山西省吕梁市文水县：%d 个乡镇，%d 个村，%d 户，%d 人，用时 %.1f 秒\n",
			len(g.Townships), len(g.Villages), done, members, time.Since(start).Seconds())
	}
	return true, nil
}

func init() {
	register(command{"demo", "generate the demo county (山西省吕梁市文水县) and its demo accounts into a database", func(ctx context.Context, e *env, args []string) error {
		fs := flagSet(e, "demo", "[--db DSN] [--households N] [--seed S] [--csv FILE] [--xlsx FILE]")
		var cfg demoConfig
		dsn := dbFlag(fs, e)
		key := keyFlag(fs)
		fs.IntVar(&cfg.Households, "households", 30000, "number of households")
		fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed gives the same county")
		csvPath := fs.String("csv", "", "write the county as a register CSV file instead (its villages are registered in --db)")
		xlsxPath := fs.String("xlsx", "", "write the county as a register XLSX file instead (its villages are registered in --db)")
		if err := parse(fs, args); err != nil {
			return err
		}
		if cfg.Households < 1 || cfg.Households > 3000000 {
			return apperr.New(apperr.Invalid, "--households 应在 1 到 3000000 之间")
		}
		cfg.DB = *dsn
		db, _, err := openDBKey(ctx, cfg.DB, *key, e.stdout)
		if err != nil {
			return err
		}
		defer db.Close()
		if *csvPath != "" || *xlsxPath != "" {
			return demoFiles(ctx, db, cfg, *csvPath, *xlsxPath, e.stdout)
		}
		made, err := loadDemo(ctx, db, cfg, e.stdout)
		if err != nil {
			return err
		}
		if err := ensureDemoAccounts(ctx, db, e.stdout); err != nil {
			return err
		}
		if !made {
			return apperr.New(apperr.Conflict, "数据库中已有文水县的农户，未重复生成")
		}
		return nil
	}})
}
