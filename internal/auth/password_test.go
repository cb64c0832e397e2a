package auth

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"sanbao/internal/apperr"
)

var defaultParams = PasswordParams

// Tests hash with cheap parameters; BenchmarkHashPassword uses the real ones.
var testParams = Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestMain(m *testing.M) {
	PasswordParams = testParams
	os.Exit(m.Run())
}

func TestHashVerify(t *testing.T) {
	h1, err := HashPassword("secret123")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("secret123")
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", h1)
	}
	// the key is argon2id over the salt with the stated parameters
	p, err := ParsePHC(h1)
	if err != nil {
		t.Fatal(err)
	}
	if want := argon2.IDKey([]byte("secret123"), p.Salt, 1, 64, 1, 32); string(want) != string(p.Key) {
		t.Fatal("key is not argon2id(pw, salt)")
	}
	tests := []struct {
		name     string
		hash, pw string
		ok       bool
		bad      bool
	}{
		{"right", h1, "secret123", true, false},
		{"right, other salt", h2, "secret123", true, false},
		{"wrong", h1, "secret124", false, false},
		{"case", h1, "Secret123", false, false},
		{"empty pw", h1, "", false, false},
		{"no hash set", "", "secret123", false, false},
		{"malformed", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "secret123", false, true},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "secret123", false, true},
	}
	for _, tc := range tests {
		ok, rehash, err := VerifyPassword(tc.hash, tc.pw)
		if ok != tc.ok || rehash || (err != nil) != tc.bad {
			t.Errorf("%s: ok=%v rehash=%v err=%v", tc.name, ok, rehash, err)
		}
		if tc.bad && !errors.Is(err, ErrBadHash) {
			t.Errorf("%s: err %v is not ErrBadHash", tc.name, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	old, _ := HashPassword("secret123")
	tests := []struct {
		name   string
		params Argon2Params
		rehash bool
	}{
		{"same", testParams, false},
		{"more memory", Argon2Params{128, 1, 1, 32, 16}, true},
		{"more passes", Argon2Params{64, 2, 1, 32, 16}, true},
		{"more threads", Argon2Params{64, 1, 2, 32, 16}, true},
		{"longer key", Argon2Params{64, 1, 1, 64, 16}, true},
		{"longer salt", Argon2Params{64, 1, 1, 32, 32}, true},
		{"shorter salt is fine", Argon2Params{64, 1, 1, 32, 8}, false},
	}
	defer func() { PasswordParams = testParams }()
	for _, tc := range tests {
		PasswordParams = tc.params
		ok, rehash, err := VerifyPassword(old, "secret123")
		if !ok || err != nil || rehash != tc.rehash {
			t.Errorf("%s: ok=%v rehash=%v err=%v", tc.name, ok, rehash, err)
		}
		// a wrong password never asks for a rehash
		if _, rehash, _ := VerifyPassword(old, "wrong1234"); rehash {
			t.Errorf("%s: rehash on a wrong password", tc.name)
		}
	}
	// the upgraded hash verifies under the new parameters without asking again
	PasswordParams = Argon2Params{128, 2, 1, 32, 16}
	nh, _ := HashPassword("secret123")
	if ok, rehash, _ := VerifyPassword(nh, "secret123"); !ok || rehash {
		t.Errorf("upgraded hash: ok=%v rehash=%v", ok, rehash)
	}
}

func TestDefaultParams(t *testing.T) {
	// OWASP's argon2id minimum: m=19 MiB, t=2, p=1.
	if defaultParams.Memory < 19456 || defaultParams.Time < 2 || defaultParams.Threads < 1 ||
		defaultParams.SaltLen < 16 || defaultParams.KeyLen < 32 {
		t.Errorf("PasswordParams below OWASP minimum: %+v", defaultParams)
	}
}

func TestParsePHC(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	good := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"good", good, true},
		{"other params", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + key, true},
		{"empty", "", false},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1), false},
		{"version 16", strings.Replace(good, "v=19", "v=16", 1), false},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, false},
		{"order", strings.Replace(good, "m=19456,t=2", "t=2,m=19456", 1), false},
		{"leading zero", strings.Replace(good, "t=2", "t=02", 1), false},
		{"sign", strings.Replace(good, "t=2", "t=+2", 1), false},
		{"t=0", strings.Replace(good, "t=2", "t=0", 1), false},
		{"p=0", strings.Replace(good, "p=1", "p=0", 1), false},
		{"p=256", strings.Replace(good, "p=1", "p=256", 1), false},
		{"huge m", strings.Replace(good, "m=19456", "m=4294967295", 1), false},
		{"overflow m", strings.Replace(good, "m=19456", "m=99999999999999999999", 1), false},
		{"m below 8p", strings.Replace(good, "m=19456,t=2,p=1", "m=8,t=2,p=2", 1), false},
		{"extra param", strings.Replace(good, "p=1", "p=1,k=2", 1), false},
		{"padding", good + "=", false},
		{"newline in salt", strings.Replace(good, salt, salt[:4]+"\n"+salt[4:], 1), false},
		{"url alphabet", strings.Replace(good, salt, strings.ReplaceAll(salt, "M", "-"), 1), false},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, false},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5", false},
		{"trailing field", good + "$", false},
		{"no leading $", good[1:], false},
	}
	for _, tc := range tests {
		h, err := ParsePHC(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ParsePHC(%q) err = %v", tc.name, tc.in, err)
			continue
		}
		if tc.ok && h.String() != tc.in {
			t.Errorf("%s: String() = %q, want %q", tc.name, h.String(), tc.in)
		}
		if !tc.ok && !errors.Is(err, ErrBadHash) {
			t.Errorf("%s: %v is not ErrBadHash", tc.name, err)
		}
	}
	// non-canonical trailing bits: "c2FsdHNhbHRzYWx0c2FsdA" with the last char changed keeps length
	nc := "$argon2id$v=19$m=19456,t=2,p=1$" + salt[:len(salt)-1] + "h$" + key
	if _, err := ParsePHC(nc); err == nil {
		t.Error("non-canonical base64 accepted")
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$$")
	f.Add("$$$$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("error %v is not ErrBadHash", err)
			}
			return
		}
		if h.String() != s {
			t.Fatalf("round trip: %q -> %q", s, h.String())
		}
		if h.Memory > maxMemory || h.Time > maxTime || h.Threads == 0 || len(h.Salt) < minSalt || len(h.Key) < minKey {
			t.Fatalf("accepted out-of-bounds hash %q", s)
		}
	})
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		user, pw string
		msg      string // "" = acceptable
	}{
		{"liming", "shanxi2024", ""},
		{"liming", "文水县刘胡兰镇2024", ""},
		{"liming", "a1b2c3d4", ""},
		{"liming", "a1b2c3d", "至少需要8个字符"},
		{"liming", "", "至少需要8个字符"},
		{"liming", "abcdefghij", "须同时包含字母和数字"},
		{"liming", "1234567890", "须同时包含字母和数字"},
		{"liming", "！！！！！！！！1", "须同时包含字母和数字"},
		{"liming2024", "LiMing2024", "不能与用户名相同"},
		{"liming", "Password1", "过于常见"},
		{"liming", "abcd1234", "过于常见"},
		{"liming", strings.Repeat("a1", 65), "不能超过128个字符"},
	}
	for _, tc := range tests {
		err := CheckPasswordPolicy(tc.user, tc.pw)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.pw, err)
			}
			continue
		}
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), tc.msg) {
			t.Errorf("%q: err = %v, want %q", tc.pw, err, tc.msg)
			continue
		}
		if f := apperr.FieldsOf(err); len(f) == 0 || f[0].Field != "password" || f[0].Label != "密码" {
			t.Errorf("%q: fields %v", tc.pw, f)
		}
	}
}

// BenchmarkHashPassword measures one hash with the production parameters:
// the cost of a login.
func BenchmarkHashPassword(b *testing.B) {
	PasswordParams = defaultParams
	defer func() { PasswordParams = testParams }()
	for b.Loop() {
		if _, err := HashPassword("shanxi2024"); err != nil {
			b.Fatal(err)
		}
	}
}
