package region

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// The official list of provinces, cities, counties and townships (National
// Bureau of Statistics, 2023 edition; see divisions/SOURCE.md). Villages are
// added per deployment.
//
//go:embed divisions/*.csv
var divisions embed.FS

// Official returns every official division above village level, parents
// before children.
func Official() ([]Region, error) {
	files := []struct {
		name  string
		level Level
	}{{"provinces.csv", Province}, {"cities.csv", City}, {"areas.csv", County}, {"streets.csv", Township}}
	var out []Region
	// A few divisions have one code at two levels once padded: cities without
	// counties (东莞市 4419 and its county-level 441900, 中山市, 儋州市) and
	// 金门县 with its township placeholder 350527000. The higher level is kept.
	seen := make(map[string]bool, 45000)
	for _, f := range files {
		r, err := divisions.Open("divisions/" + f.name)
		if err != nil {
			return nil, err
		}
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		header := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, fmt.Errorf("%s: %w", f.name, err)
			}
			if header {
				header = false
				continue
			}
			if len(rec) < 2 || len(rec[0]) != f.level.Digits() {
				r.Close()
				return nil, fmt.Errorf("%s: bad row %v", f.name, rec)
			}
			code := rec[0] + strings.Repeat("0", 12-len(rec[0]))
			if seen[code] {
				continue
			}
			seen[code] = true
			out = append(out, Region{Code: code, Name: rec[1], Level: f.level, Parent: ParentOf(code)})
		}
		r.Close()
	}
	return out, nil
}
