package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sanbao/internal/store/storetest"
)

func testEnv(vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, &out, &errb
}

// startServer runs the real serve command on a free port until the test ends.
func startServer(t *testing.T, cfg serveConfig) (string, *bytes.Buffer) {
	t.Helper()
	e, out, _ := testEnv(nil)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, e, cfg, ready) }()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			<-done
		})
		return "http://" + addr, out
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("server did not start")
	}
	return "", nil
}

func getJSON(t *testing.T, url, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, v)
	}
	return v
}

// run runs a command line and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	e, out, errb := testEnv(nil)
	code := Main(context.Background(), args, e)
	return code, out.String(), errb.String()
}

var tokenLine = regexp.MustCompile(`(?m)^sbk_[A-Za-z0-9_-]{43}$`)

func TestServeDemoKeepsDataAcrossRestarts(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "sanbao.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			key := filepath.Join(dir, "audit.key")
			cfg, err := parseServe(&env{getenv: func(string) string { return "" }}, []string{"--addr", "127.0.0.1:0", "--db", dsn, "--demo", "--households", "500", "--audit-key", key})
			if err != nil {
				t.Fatal(err)
			}
			var token string
			func() {
				url, out := startServer(t, cfg)
				if !strings.Contains(out.String(), "已生成演示县") || !strings.Contains(out.String(), "demo-village") {
					t.Fatalf("first start did not generate the demo county and accounts:\n%s", out)
				}
				code, tout, terr := run(t, "token", "issue", "--db", dsn, "--audit-key", key, "--username", "demo-county", "--name", "测试")
				if code != 0 {
					t.Fatalf("token issue: %d %s", code, terr)
				}
				token = tokenLine.FindString(tout)
				h := getJSON(t, url+"/api/v1/households?limit=1", token)
				if h["total"].(float64) != 500 {
					t.Fatalf("households: %v", h["total"])
				}
				if got := getJSON(t, url+"/healthz", ""); got["database"] != dialect {
					t.Fatalf("healthz: %v", got)
				}
			}()
			url, out := startServer(t, cfg)
			if strings.Contains(out.String(), "已生成演示县") || strings.Count(out.String(), "已设置") != 9 {
				t.Fatalf("second start generated the demo county or its accounts again:\n%s", out)
			}
			if h := getJSON(t, url+"/api/v1/households?limit=1", token); h["total"].(float64) != 500 {
				t.Fatalf("after restart: %v", h["total"])
			}
		})
	}
}

// TestServeRequiresAuthentication: nothing but the login page, static
// files, the health check and the API description answers without an
// account.
func TestServeRequiresAuthentication(t *testing.T) {
	dir := t.TempDir()
	url, _ := startServer(t, serveConfig{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "x.db")})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{
		"/api/v1/households": 401, "/api/v1/regions/14": 401, "/": 303, "/households": 303, "/nothing": 303,
		"/login": 200, "/healthz": 200, "/api/v1/openapi.json": 200,
	} {
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	e, out, errb := testEnv(map[string]string{"SANBAO_DB": filepath.Join(dir, "env.db")})
	if code := Main(context.Background(), []string{"version"}, e); code != 0 || !strings.HasPrefix(out.String(), "sanbao ") {
		t.Fatalf("version: %d %q", code, out)
	}
	out.Reset()
	if code := Main(context.Background(), []string{"demo", "--help"}, e); code != 0 || !strings.Contains(out.String(), "-households") {
		t.Fatalf("demo --help: %d %q", code, out)
	}
	if code := Main(context.Background(), []string{"demo", "--households", "300", "--seed", "3"}, e); code != 0 {
		t.Fatalf("demo: %d %s", code, errb)
	}
	errb.Reset()
	if code := Main(context.Background(), []string{"demo", "--households", "300"}, e); code != 1 || !strings.Contains(errb.String(), "未重复生成") {
		t.Fatalf("second demo: %d %q", code, errb)
	}
	if code := Main(context.Background(), []string{"migrate"}, e); code != 0 {
		t.Fatalf("migrate: %d", code)
	}
	if code := Main(context.Background(), []string{"nonsense"}, e); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
	if code := Main(context.Background(), []string{"demo", "--households", "x"}, e); code != 2 {
		t.Fatalf("bad flag: %d", code)
	}
}
