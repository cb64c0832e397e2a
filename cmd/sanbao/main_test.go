package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
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

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
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

func TestServeDemoKeepsDataAcrossRestarts(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "sanbao.db")
			if dialect == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			cfg, err := parseServe(&env{getenv: func(string) string { return "" }}, []string{"--addr", "127.0.0.1:0", "--db", dsn, "--demo", "--households", "500"})
			if err != nil {
				t.Fatal(err)
			}
			func() {
				url, out := startServer(t, cfg)
				if !strings.Contains(out.String(), "已生成演示县") {
					t.Fatalf("first start did not generate the demo county:\n%s", out)
				}
				h := getJSON(t, url+"/api/v1/households?limit=1")
				if h["total"].(float64) != 500 {
					t.Fatalf("households: %v", h["total"])
				}
				if got := getJSON(t, url+"/healthz"); got["database"] != dialect {
					t.Fatalf("healthz: %v", got)
				}
			}()
			url, out := startServer(t, cfg)
			if strings.Contains(out.String(), "已生成演示县") {
				t.Fatal("second start generated a second demo county")
			}
			if h := getJSON(t, url+"/api/v1/households?limit=1"); h["total"].(float64) != 500 {
				t.Fatalf("after restart: %v", h["total"])
			}
		})
	}
}

func TestServeRefusesOpenNonLoopback(t *testing.T) {
	e, _, _ := testEnv(nil)
	err := serve(context.Background(), e, serveConfig{Addr: "0.0.0.0:0", DB: filepath.Join(t.TempDir(), "x.db")}, nil)
	if err == nil || !strings.Contains(userMessage(err), "回环地址") {
		t.Fatalf("serve on 0.0.0.0: %v", err)
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
