package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sanbao/internal/ledger"
	"sanbao/internal/store"
)

// The OpenAPI document describes the ledger's JSON exactly.
func TestLedgerOpenAPISchemas(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatal(err)
	}
	fields := func(v any) map[string]bool {
		out := map[string]bool{}
		var walk func(rt reflect.Type)
		walk = func(rt reflect.Type) {
			for rt.Kind() == reflect.Pointer {
				rt = rt.Elem()
			}
			for i := 0; i < rt.NumField(); i++ {
				f := rt.Field(i)
				tag := strings.Split(f.Tag.Get("json"), ",")[0]
				if f.Anonymous && tag == "" {
					walk(f.Type)
					continue
				}
				if tag != "" && tag != "-" {
					out[tag] = true
				}
			}
		}
		walk(reflect.TypeOf(v))
		return out
	}
	for name, v := range map[string]any{
		"Problem": problemView{}, "ProblemItem": problemItem{}, "Event": ledger.Event{}, "Progress": ledger.Progress{},
		"Submission": ledger.Submission{}, "Extension": ledger.Extension{}, "Flag": ledger.Flag{}, "Evidence": ledger.Evidence{},
		"Actor": ledger.Actor{}, "EvidenceFile": store.EvidenceFile{}, "AccountabilityEntry": store.AccountabilityEntry{},
		"Bulletin": ledger.Bulletin{}, "Counts": ledger.Counts{}, "OverdueItem": ledger.OverdueItem{}, "Week": ledger.Week{},
		"LedgerImportResult": store.LedgerImportResult{}, "BulletinLine": ledger.BulletinLine{},
	} {
		want := fields(v)
		props := doc.Components.Schemas[name].Properties
		for k := range want {
			if _, ok := props[k]; !ok {
				t.Errorf("schema %s lacks %s", name, k)
			}
		}
		for k := range props {
			if !want[k] {
				t.Errorf("schema %s documents %s, which the type does not have", name, k)
			}
		}
	}
}
