package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DiffOptions tune Diff.
type DiffOptions struct {
	// Omit lists keys neither compared nor recorded, e.g. "updated_at" or a
	// read-only field filled by queries.
	Omit []string
	// Mask maps keys to a function applied to the recorded value: the change
	// is detected on the real values, the trail shows the masked ones, e.g.
	// {"id_number": idcard.Mask, "phone": auth.MaskPhone}. A value that is not
	// a JSON string is masked as its JSON text.
	Mask map[string]func(string) string
}

// Diff returns, for the trail, the top-level fields of old and new (structs,
// maps or JSON objects, via encoding/json) that differ: Old holds their old
// values and New their new ones, both canonical JSON objects. A field present
// on one side only appears on that side. A nil old (creation) records every
// field of new in New; a nil new (deletion) every field of old in Old. When
// nothing differs both are nil. Fields tagged json:"-" (such as
// auth.Account.PasswordHash) never appear.
func Diff(old, new any) (oldJSON, newJSON json.RawMessage, err error) {
	return DiffWith(old, new, DiffOptions{})
}

// DiffWith is Diff with options.
func DiffWith(old, new any, opt DiffOptions) (oldJSON, newJSON json.RawMessage, err error) {
	o, err := toObject(old)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: diff old: %w", err)
	}
	n, err := toObject(new)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: diff new: %w", err)
	}
	omit := make(map[string]bool, len(opt.Omit))
	for _, k := range opt.Omit {
		omit[k] = true
	}
	oOut, nOut := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for k, ov := range o {
		if omit[k] {
			continue
		}
		if nv, ok := n[k]; ok && bytes.Equal(ov, nv) {
			continue
		}
		if oOut[k], err = mask(opt.Mask[k], ov); err != nil {
			return nil, nil, err
		}
	}
	for k, nv := range n {
		if omit[k] {
			continue
		}
		if ov, ok := o[k]; ok && bytes.Equal(ov, nv) {
			continue
		}
		if nOut[k], err = mask(opt.Mask[k], nv); err != nil {
			return nil, nil, err
		}
	}
	if len(oOut) > 0 {
		if oldJSON, err = encodeCanonical(oOut); err != nil {
			return nil, nil, err
		}
	}
	if len(nOut) > 0 {
		if newJSON, err = encodeCanonical(nOut); err != nil {
			return nil, nil, err
		}
	}
	return oldJSON, newJSON, nil
}

// toObject encodes v and splits it into top-level fields with canonical
// values. nil, a nil pointer and JSON null give a nil map.
func toObject(v any) (map[string]json.RawMessage, error) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, val := range m {
		c, err := CanonicalJSON(val)
		if err != nil {
			return nil, err
		}
		if c == nil {
			c = json.RawMessage("null")
		}
		m[k] = c
	}
	return m, nil
}

func mask(f func(string) string, v json.RawMessage) (json.RawMessage, error) {
	if f == nil || string(v) == "null" {
		return v, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		s = string(v) // not a string: mask its JSON text
	}
	return encodeCanonical(f(s))
}
