package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type member struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	IDNumber  string    `json:"id_number"`
	Phone     string    `json:"phone,omitempty"`
	Disabled  bool      `json:"disabled"`
	Tags      []string  `json:"tags"`
	Secret    string    `json:"-"`
	UpdatedAt time.Time `json:"updated_at"`
}

func maskMid(s string) string {
	if len(s) < 8 {
		return "****"
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

func TestDiff(t *testing.T) {
	a := member{ID: 7, Name: "王芳", IDNumber: "141121198503071230", Tags: []string{"dibao"}, Secret: "h1", UpdatedAt: t0}
	tests := []struct {
		name     string
		old, new any
		opt      DiffOptions
		wantOld  string
		wantNew  string
	}{
		{"no change", a, a, DiffOptions{}, "", ""},
		{"only the hidden field changed", a, func() member { b := a; b.Secret = "h2"; return b }(), DiffOptions{}, "", ""},
		{"one field", a, func() member { b := a; b.Disabled = true; return b }(), DiffOptions{},
			`{"disabled":false}`, `{"disabled":true}`},
		{"slice field", a, func() member { b := a; b.Tags = []string{"dibao", "tekun"}; return b }(), DiffOptions{},
			`{"tags":["dibao"]}`, `{"tags":["dibao","tekun"]}`},
		{"omitempty field appears", a, func() member { b := a; b.Phone = "13812341234"; return b }(), DiffOptions{},
			"", `{"phone":"13812341234"}`},
		{"omit", a, func() member { b := a; b.Name = "王芳芳"; b.UpdatedAt = t0.Add(time.Hour); return b }(),
			DiffOptions{Omit: []string{"updated_at"}}, `{"name":"王芳"}`, `{"name":"王芳芳"}`},
		{"only omitted changed", a, func() member { b := a; b.UpdatedAt = t0.Add(time.Hour); return b }(),
			DiffOptions{Omit: []string{"updated_at"}}, "", ""},
		{"mask", a, func() member { b := a; b.IDNumber = "141121198503071249"; return b }(),
			DiffOptions{Mask: map[string]func(string) string{"id_number": maskMid}},
			`{"id_number":"1411**********1230"}`, `{"id_number":"1411**********1249"}`},
		{"mask non-string", map[string]any{"n": 123456789}, map[string]any{"n": 123456780},
			DiffOptions{Mask: map[string]func(string) string{"n": maskMid}}, `{"n":"1234*6789"}`, `{"n":"1234*6780"}`},
		{"mask keeps null", map[string]any{"p": nil}, map[string]any{"p": "13812341234"},
			DiffOptions{Mask: map[string]func(string) string{"p": maskMid}}, `{"p":null}`, `{"p":"1381***1234"}`},
		{"create", nil, a, DiffOptions{Omit: []string{"updated_at"}}, "",
			`{"disabled":false,"id":7,"id_number":"141121198503071230","name":"王芳","tags":["dibao"]}`},
		{"create from nil pointer", (*member)(nil), &member{ID: 1, Name: "<李>"}, DiffOptions{Omit: []string{"updated_at", "tags", "id_number"}},
			"", `{"disabled":false,"id":1,"name":"<李>"}`},
		{"delete", &a, nil, DiffOptions{Omit: []string{"updated_at", "tags", "id_number", "disabled"}}, `{"id":7,"name":"王芳"}`, ""},
		{"raw JSON, key order and spaces ignored", json.RawMessage(`{"a": 1, "b": {"x":1,"y":2}}`),
			json.RawMessage(`{"b":{"y":2,"x":1},"a":1}`), DiffOptions{}, "", ""},
		{"raw JSON, nested change is the whole top-level value", json.RawMessage(`{"a":1,"b":{"x":1,"y":2}}`),
			[]byte(`{"a":1,"b":{"x":1,"y":3}}`), DiffOptions{}, `{"b":{"x":1,"y":2}}`, `{"b":{"x":1,"y":3}}`},
		{"field removed", map[string]any{"a": 1, "b": 2}, map[string]any{"a": 1}, DiffOptions{}, `{"b":2}`, ""},
		{"null vs value", map[string]any{"a": nil}, map[string]any{"a": 0}, DiffOptions{}, `{"a":null}`, `{"a":0}`},
	}
	for _, tc := range tests {
		o, n, err := DiffWith(tc.old, tc.new, tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if string(o) != tc.wantOld || string(n) != tc.wantNew {
			t.Errorf("%s:\n old %s, want %s\n new %s, want %s", tc.name, o, tc.wantOld, n, tc.wantNew)
		}
		if strings.Contains(string(o)+string(n), "h1") || strings.Contains(string(o)+string(n), "h2") {
			t.Errorf("%s: a json:\"-\" field leaked", tc.name)
		}
	}
	for _, bad := range []any{"text", 42, []int{1}, json.RawMessage(`{"a":`), make(chan int)} {
		if _, _, err := Diff(bad, a); err == nil {
			t.Errorf("Diff(%T) accepted a non-object", bad)
		}
	}
	// a diff goes straight into an entry
	o, n, _ := Diff(a, func() member { b := a; b.Name = "王芳芳"; return b }())
	e := Entry{At: t0, Action: ActUpdate, Object: "member", ObjectID: "7", Old: o, New: n}
	if err := NewChain(key).Seal(Head{}, &e); err != nil || string(e.Old) != string(o) {
		t.Fatalf("seal of a diff changed it: %v %s", err, e.Old)
	}
}
