package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestServeStartsAndDrains(t *testing.T) {
	addr := testpeer.FreeAddr(t)
	e := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_LISTEN": addr, "OAUTHIMAP_SHUTDOWN_GRACE": "5s"})
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, strings.NewReader(""), &bytes.Buffer{}, &logs, e) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not ready in time: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("serve returned %v after a clean stop", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still listening after stop")
	}
	out := logs.String()
	if !strings.Contains(out, "setup_link=") || !strings.Contains(out, "user add --admin") {
		t.Fatalf("the first start must say how to make the first administrator:\n%s", out)
	}
}

func TestUserCommandsAndPrintConfig(t *testing.T) {
	e := env(map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_SECRET_KEY": strings.Repeat("ab", 32)})
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--admin", "--login", "Root", "--name", "Rooty"}, strings.NewReader("a long password\n"), &out, &errb, e); err != nil {
		t.Fatalf("user add: %v\n%s", err, errb.String())
	}
	if err := run(ctx, []string{"user", "add", "--login", "x"}, strings.NewReader("short\n"), &out, &errb, e); err == nil {
		t.Fatal("a short password must be refused")
	}
	out.Reset()
	if err := run(ctx, []string{"user", "list"}, nil, &out, &errb, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "root") || !strings.Contains(out.String(), "Administrator") {
		t.Fatalf("user list:\n%s", out.String())
	}
	if err := run(ctx, []string{"user", "passwd", "--login", "root"}, strings.NewReader("another long password\n"), &out, &errb, e); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"serve", "--print-config"}, nil, &out, &errb, e); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), strings.Repeat("ab", 32)) || !strings.Contains(out.String(), "OAUTHIMAP_SECRET_KEY") {
		t.Fatalf("print-config must mask the key:\n%s", out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, nil, &out, &errb, e); err == nil {
		t.Fatal("an unknown command must fail")
	}
	err := run(ctx, []string{"serve"}, nil, &out, &errb, env(map[string]string{"OAUTHIMAP_LISTEN": "nope"}))
	if err == nil || !strings.Contains(err.Error(), "OAUTHIMAP_LISTEN") {
		t.Fatalf("got %v, want an error naming OAUTHIMAP_LISTEN", err)
	}
}

func TestMain(m *testing.M) { testpeer.Main(m) }

// On MySQL, serve refuses an outdated schema unless told to migrate, and
// migrate brings it up to date.
func TestMySQLSchemaGate(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	e := map[string]string{"OAUTHIMAP_DATA_DIR": t.TempDir(), "OAUTHIMAP_DATABASE": dsn, "OAUTHIMAP_LISTEN": testpeer.FreeAddr(t)}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve"}, nil, &out, &errb, env(e))
	if err == nil || !strings.Contains(err.Error(), "outdated") {
		t.Fatalf("serve on an empty MySQL database: got %v, want the outdated-schema refusal", err)
	}
	if strings.Contains(err.Error(), "app-pw") {
		t.Fatal("the error shows the database password")
	}
	if err := run(ctx, []string{"migrate"}, nil, &out, &errb, env(e)); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "schema at version") {
		t.Fatalf("migrate output: %s", out.String())
	}
	if err := run(ctx, []string{"user", "add", "--login", "tech"}, strings.NewReader("a long password\n"), &out, &errb, env(e)); err != nil {
		t.Fatalf("user add on MySQL after migrate: %v", err)
	}
}
