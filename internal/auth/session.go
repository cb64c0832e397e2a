package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// SecretBytes is the number of random bytes in a session secret or API
// token (256 bits).
const SecretBytes = 32

// secretLen is the length of a secret in unpadded base64url.
var secretLen = base64.RawURLEncoding.EncodedLen(SecretBytes)

func randomB64() string {
	b := make([]byte, SecretBytes)
	// crypto/rand.Read never fails on supported platforms (it aborts the
	// program rather than return weak bytes).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is the SHA-256 of a session secret or API token, in lower-case
// hex: what the store keeps and looks the secret up by. The secrets are 256
// random bits, so a plain fast hash suffices (no salt, no stretching).
func HashSecret(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// NewSecret returns a new session secret (32 random bytes, unpadded
// base64url, 43 characters: the cookie value) and its hash (HashSecret: the
// only thing stored).
func NewSecret() (plain, hash string) {
	plain = randomB64()
	return plain, HashSecret(plain)
}

// WellFormedSecret reports whether s looks like a session secret, so that the
// web layer can reject garbage cookies without a database query.
func WellFormedSecret(s string) bool { return len(s) == secretLen && isB64URL(s) }

func isB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Session lifetime. A session ends after SessionIdle without a request, and
// in any case SessionAbsolute after login (a working day), whichever comes
// first. SessionTouchEvery limits how often the store rewrites last_seen.
var (
	SessionIdle       = 30 * time.Minute
	SessionAbsolute   = 12 * time.Hour
	SessionTouchEvery = time.Minute
)

// SessionValid reports whether a session created at created and last used at
// lastSeen is still valid at now.
func SessionValid(created, lastSeen, now time.Time) bool {
	return now.Before(SessionExpiry(created, lastSeen))
}

// SessionExpiry is the moment a session ends unless it is used again: the
// earlier of lastSeen+SessionIdle and created+SessionAbsolute. Use it for
// deleting expired sessions and for the cookie's Expires.
func SessionExpiry(created, lastSeen time.Time) time.Time {
	idle, abs := lastSeen.Add(SessionIdle), created.Add(SessionAbsolute)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// NeedsTouch reports whether the store should record now as the session's
// last use (at most once per SessionTouchEvery, to spare writes).
func NeedsTouch(lastSeen, now time.Time) bool { return now.Sub(lastSeen) >= SessionTouchEvery }

// CSRFToken derives the anti-CSRF token of a session from a server key (at
// least 32 random bytes, kept outside the database) and the session's hash:
// base64url(HMAC-SHA256(key, "sanbao/csrf\x00" + sessionHash)). It needs no
// storage, changes with each session, and cannot be computed from the
// database alone.
func CSRFToken(key []byte, sessionHash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sanbao/csrf\x00"))
	m.Write([]byte(sessionHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports, in constant time, whether token is the CSRF token of the
// session. An empty key or session hash never checks.
func CheckCSRF(key []byte, sessionHash, token string) bool {
	if len(key) == 0 || sessionHash == "" {
		return false
	}
	want := CSRFToken(key, sessionHash)
	return hmac.Equal([]byte(want), []byte(token))
}

// APITokenPrefix marks Sanbao API tokens, so that a leaked token is
// recognisable (in logs, in code, to secret scanners).
const APITokenPrefix = "sbk_"

// NewAPIToken returns a new API bearer token, "sbk_" followed by 32 random
// bytes in unpadded base64url (47 characters), and its hash (HashSecret),
// the only thing stored. Show the plain token once, when issued.
func NewAPIToken() (plain, hash string) {
	plain = APITokenPrefix + randomB64()
	return plain, HashSecret(plain)
}

// WellFormedAPIToken reports whether s has the shape of an API token.
func WellFormedAPIToken(s string) bool {
	rest, ok := strings.CutPrefix(s, APITokenPrefix)
	return ok && WellFormedSecret(rest)
}

// APITokenHint is the part of a token safe to show in a list of issued
// tokens: the prefix and the first 4 characters, e.g. "sbk_Xy3q…".
func APITokenHint(plain string) string {
	if !WellFormedAPIToken(plain) {
		return ""
	}
	return plain[:len(APITokenPrefix)+4] + "…"
}
