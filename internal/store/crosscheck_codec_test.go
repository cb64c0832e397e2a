package store

import (
	"reflect"
	"testing"

	"sanbao/internal/crosscheck"
)

func TestRejectsRoundTrip(t *testing.T) {
	usual := "身份证号不在本县农户信息中"
	in := []crosscheck.Reject{
		{Row: 4, Reason: crosscheck.ReasonUnknown, Message: usual, Cells: []string{"140105201301010050", "外县学生", "", "在校"}},
		{Row: 5, Reason: crosscheck.ReasonInvalid, Message: "第5行「身份证号」校验位错误（应为X）", Cells: []string{"1411", "含,逗号\"和引号\n换行"}},
		{Row: 70000, Reason: crosscheck.ReasonUnknown, Message: "村“某村”不是本县已登记农户所在的村", Cells: nil},
	}
	b, err := encodeRejects(in, usual)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeRejects(b, usual)
	if err != nil {
		t.Fatal(err)
	}
	in[2].Cells = []string{}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n%+v\n%+v", in, out)
	}
}

// FuzzDecodeRejects: whatever the stored bytes, decoding fails cleanly or
// gives rows that encode back to the same rows.
func FuzzDecodeRejects(f *testing.F) {
	b, _ := encodeRejects([]crosscheck.Reject{{Row: 2, Reason: crosscheck.ReasonInvalid, Message: "x", Cells: []string{"a", "b"}}}, "u")
	f.Add(b)
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := decodeRejects(data, "usual")
		if err != nil {
			return
		}
		again, err := encodeRejects(rs, "usual")
		if err != nil {
			t.Fatal(err)
		}
		rs2, err := decodeRejects(again, "usual")
		if err != nil || !reflect.DeepEqual(rs, rs2) {
			t.Fatalf("re-encoded rows differ: %v", err)
		}
	})
}
