package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"sanbao/internal/apperr"
)

// Argon2Params are the argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	KeyLen  uint32 // bytes of derived key
	SaltLen uint32 // bytes of random salt
}

// PasswordParams are the parameters new hashes are made with. They follow
// the OWASP Password Storage Cheat Sheet's first argon2id configuration
// (m=19 MiB, t=2, p=1), which costs about 20–40 ms of one core on the
// 2-core server (BenchmarkHashPassword): slow enough that an offline attack
// on a stolen table is expensive, fast enough that logins and the per-IP
// rate limit keep the server responsive. A hash made with other parameters
// still verifies and reports needsRehash, so raising them later upgrades
// each account at its next login. Tests may lower them.
var PasswordParams = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Bounds a stored hash must respect before any work is done on it, so that
// a corrupted or planted hash cannot make a login allocate gigabytes.
const (
	maxMemory = 1 << 20 // KiB (1 GiB)
	maxTime   = 64
	minSalt   = 8
	maxSalt   = 64
	minKey    = 16
	maxKey    = 64
)

// ErrBadHash is returned (wrapped) for a stored password hash that is not a
// well-formed argon2id PHC string.
var ErrBadHash = errors.New("auth: malformed password hash")

// PHC is a parsed argon2id hash in PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with salt and key in standard base64 without padding.
type PHC struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	Salt    []byte
	Key     []byte
}

// String formats h in PHC string format. ParsePHC(h.String()) == h, and for
// every string s that ParsePHC accepts, ParsePHC(s).String() == s.
func (h PHC) String() string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Time, h.Threads, enc.EncodeToString(h.Salt), enc.EncodeToString(h.Key))
}

// ParsePHC parses an argon2id PHC string strictly: version 19, the
// parameters m, t, p in that order as decimal numbers without leading zeros,
// canonical unpadded base64, and sizes within sane bounds.
func ParsePHC(s string) (PHC, error) {
	var h PHC
	bad := func(why string) (PHC, error) { return PHC{}, fmt.Errorf("%w: %s", ErrBadHash, why) }
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 $-separated fields")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return bad("want m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return bad("want m, t, p in that order")
		}
		n, err := parseDecimal(v)
		if err != nil {
			return bad(err.Error())
		}
		vals[i] = n
	}
	if vals[2] < 1 || vals[2] > 255 {
		return bad("p out of range")
	}
	if vals[1] < 1 || vals[1] > maxTime {
		return bad("t out of range")
	}
	if vals[0] < 8*vals[2] || vals[0] > maxMemory {
		return bad("m out of range")
	}
	h.Memory, h.Time, h.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	var err error
	if h.Salt, err = decodeB64(parts[4]); err != nil {
		return bad("salt: " + err.Error())
	}
	if h.Key, err = decodeB64(parts[5]); err != nil {
		return bad("key: " + err.Error())
	}
	if len(h.Salt) < minSalt || len(h.Salt) > maxSalt {
		return bad("salt length out of range")
	}
	if len(h.Key) < minKey || len(h.Key) > maxKey {
		return bad("key length out of range")
	}
	return h, nil
}

func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 {
		return 0, errors.New("bad number")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("leading zero")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad number")
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, nil
}

// decodeB64 decodes canonical unpadded standard base64 (the decoder alone
// would skip CR/LF and accept non-zero trailing bits).
func decodeB64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return nil, errors.New("not base64")
		}
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

func derive(pw string, salt []byte, m, t uint32, p uint8, keyLen uint32) []byte {
	return argon2.IDKey([]byte(pw), salt, t, m, p, keyLen)
}

// HashPassword hashes pw with a fresh salt and PasswordParams. It does not
// check the password policy (CheckPasswordPolicy does).
func HashPassword(pw string) (string, error) {
	p := PasswordParams
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	h := PHC{Memory: p.Memory, Time: p.Time, Threads: p.Threads, Salt: salt,
		Key: derive(pw, salt, p.Memory, p.Time, p.Threads, p.KeyLen)}
	return h.String(), nil
}

// VerifyPassword checks pw against a stored hash in constant time. When ok,
// needsRehash tells whether the hash was made with other parameters than
// PasswordParams, and the caller should store HashPassword(pw) anew. A
// malformed hash returns an error wrapping ErrBadHash (log it; tell the user
// only that the login failed). An empty hash (an account whose password was
// never set) verifies nothing but costs the same time.
func VerifyPassword(hash, pw string) (ok, needsRehash bool, err error) {
	if hash == "" {
		VerifyNoAccount(pw)
		return false, false, nil
	}
	h, err := ParsePHC(hash)
	if err != nil {
		VerifyNoAccount(pw)
		return false, false, err
	}
	key := derive(pw, h.Salt, h.Memory, h.Time, h.Threads, uint32(len(h.Key)))
	if subtle.ConstantTimeCompare(key, h.Key) != 1 {
		return false, false, nil
	}
	p := PasswordParams
	needsRehash = h.Memory != p.Memory || h.Time != p.Time || h.Threads != p.Threads ||
		uint32(len(h.Key)) != p.KeyLen || uint32(len(h.Salt)) < p.SaltLen
	return true, needsRehash, nil
}

// dummySalt is used by VerifyNoAccount; its value does not matter.
var dummySalt = []byte("sanbao-no-account")

// VerifyNoAccount spends the time of one verification and returns nothing.
// Call it when the username is unknown, so that response time does not tell
// which usernames exist.
func VerifyNoAccount(pw string) {
	p := PasswordParams
	_ = derive(pw, dummySalt, p.Memory, p.Time, p.Threads, p.KeyLen)
}

// Password policy.
const (
	PasswordMin = 8
	PasswordMax = 128
)

// commonPasswords are well-known passwords that satisfy the letter+digit
// rule; compared case-insensitively.
var commonPasswords = map[string]bool{
	"password1": true, "password12": true, "password123": true, "passw0rd": true, "p4ssw0rd": true,
	"abc12345": true, "abc123456": true, "abcd1234": true, "abcd12345": true, "a1234567": true,
	"a12345678": true, "a123456789": true, "aa123456": true, "aa123123": true, "qwer1234": true,
	"qwerty123": true, "qwerty12": true, "1qaz2wsx": true, "q1w2e3r4": true, "1q2w3e4r": true,
	"zxcv1234": true, "asdf1234": true, "admin123": true, "admin1234": true, "admin12345": true,
	"woaini1314": true, "iloveyou1": true, "test1234": true, "sanbao123": true, "sanbao2024": true,
	"123456abc": true, "12345abc": true, "123qwe123": true, "qq123456": true, "abc123abc": true,
}

// CheckPasswordPolicy checks a new password: 8 to 128 characters, at least
// one letter and one digit, not the username, not a well-known password.
// It returns an apperr Invalid error on the field "password" (密码).
func CheckPasswordPolicy(username, pw string) error {
	var v apperr.Validation
	add := func(format string, args ...any) { v.Add("password", AccountLabels["password"], format, args...) }
	n := utf8.RuneCountInString(pw)
	switch {
	case n < PasswordMin:
		add("至少需要%d个字符", PasswordMin)
	case n > PasswordMax:
		add("不能超过%d个字符", PasswordMax)
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		}
	}
	if !letter || !digit {
		add("须同时包含字母和数字")
	}
	folded := strings.ToLower(strings.TrimSpace(pw))
	if u := NormalizeUsername(username); u != "" && folded == u {
		add("不能与用户名相同")
	} else if commonPasswords[folded] {
		add("过于常见，容易被猜中，请换一个")
	}
	return v.Err()
}
