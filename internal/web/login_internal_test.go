package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext: whatever "next" a login form carries, the redirect stays on
// this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/households?q=王", "//evil.example", "/\\evil.example", "https://evil.example/", "/%2F%2Fevil",
		"/a\r\nLocation: x", "javascript:alert(1)", "", "/ok#frag", "\\\\evil", "/..//evil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\r\n\\") {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
	})
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"": false, "gzip": true, "deflate, gzip;q=1.0": true, "gzip;q=0": false,
		"gzip; q=0.5": true, "br": false, "x-gzip": false, "gzip;q=0.000": false} {
		r, _ := newRequest(h)
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v", h, got)
		}
	}
}

func newRequest(acceptEncoding string) (*http.Request, error) {
	r, err := http.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", acceptEncoding)
	return r, err
}
