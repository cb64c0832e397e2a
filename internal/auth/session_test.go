package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		plain, hash := NewSecret()
		if len(plain) != 43 || !WellFormedSecret(plain) {
			t.Fatalf("secret %q: len %d", plain, len(plain))
		}
		sum := sha256.Sum256([]byte(plain))
		if hash != hex.EncodeToString(sum[:]) || hash != HashSecret(plain) {
			t.Fatalf("hash of %q = %q", plain, hash)
		}
		if seen[plain] {
			t.Fatal("secret repeated")
		}
		seen[plain] = true
	}
	for _, s := range []string{"", "short", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("+", 43), strings.Repeat("=", 43)} {
		if WellFormedSecret(s) {
			t.Errorf("WellFormedSecret(%q) = true", s)
		}
	}
}

func TestNewAPIToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		plain, hash := NewAPIToken()
		if !strings.HasPrefix(plain, "sbk_") || len(plain) != 47 || !WellFormedAPIToken(plain) {
			t.Fatalf("token %q", plain)
		}
		if hash != HashSecret(plain) || len(hash) != 64 {
			t.Fatalf("hash %q", hash)
		}
		if seen[plain] {
			t.Fatal("token repeated")
		}
		seen[plain] = true
		if h := APITokenHint(plain); h != plain[:8]+"…" {
			t.Fatalf("hint %q", h)
		}
	}
	plain, _ := NewSecret()
	for _, s := range []string{plain, "sbk_", "sbk_" + plain[:42], "SBK_" + plain, "sbk_" + plain + "x"} {
		if WellFormedAPIToken(s) || APITokenHint(s) != "" {
			t.Errorf("WellFormedAPIToken(%q) = true", s)
		}
	}
}

func TestSessionValid(t *testing.T) {
	if SessionIdle != 30*time.Minute || SessionAbsolute != 12*time.Hour {
		t.Fatalf("defaults: idle %s, absolute %s", SessionIdle, SessionAbsolute)
	}
	created := t0
	tests := []struct {
		name          string
		lastSeen, now time.Duration // after created
		valid         bool
	}{
		{"fresh", 0, 0, true},
		{"idle 29m59s", 0, 30*time.Minute - time.Second, true},
		{"idle 30m", 0, 30 * time.Minute, false},
		{"active, 11h59m", 11*time.Hour + 40*time.Minute, 11*time.Hour + 59*time.Minute, true},
		{"active, 12h", 11*time.Hour + 59*time.Minute, 12 * time.Hour, false},
		{"active, 13h", 12*time.Hour + 59*time.Minute, 13 * time.Hour, false},
		{"idle after use", 2 * time.Hour, 2*time.Hour + 31*time.Minute, false},
	}
	for _, tc := range tests {
		if got := SessionValid(created, created.Add(tc.lastSeen), created.Add(tc.now)); got != tc.valid {
			t.Errorf("%s: SessionValid = %v", tc.name, got)
		}
	}
	if got := SessionExpiry(created, created.Add(time.Hour)); !got.Equal(created.Add(90 * time.Minute)) {
		t.Errorf("expiry by idle: %s", got)
	}
	if got := SessionExpiry(created, created.Add(11*time.Hour+50*time.Minute)); !got.Equal(created.Add(12 * time.Hour)) {
		t.Errorf("expiry by absolute: %s", got)
	}
	if NeedsTouch(t0, t0.Add(59*time.Second)) || !NeedsTouch(t0, t0.Add(time.Minute)) {
		t.Error("NeedsTouch")
	}
}

func TestCSRF(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	_, s1 := NewSecret()
	_, s2 := NewSecret()
	tok := CSRFToken(key, s1)
	if len(tok) != 43 || tok != CSRFToken(key, s1) {
		t.Fatalf("token %q not stable", tok)
	}
	tests := []struct {
		name  string
		key   []byte
		sess  string
		token string
		ok    bool
	}{
		{"right", key, s1, tok, true},
		{"other session", key, s2, tok, false},
		{"other key", []byte("another key, just as long........"), s1, tok, false},
		{"empty token", key, s1, "", false},
		{"truncated", key, s1, tok[:42], false},
		{"one char off", key, s1, tok[:42] + string(rune(tok[42]^1)), false},
		{"empty key", nil, s1, CSRFToken(nil, s1), false},
		{"empty session", key, "", CSRFToken(key, ""), false},
		{"the session hash itself", key, s1, s1, false},
	}
	for _, tc := range tests {
		if got := CheckCSRF(tc.key, tc.sess, tc.token); got != tc.ok {
			t.Errorf("%s: CheckCSRF = %v", tc.name, got)
		}
	}
}
