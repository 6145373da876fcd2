package config

import (
	"bytes"
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DataDir != "./data" || !c.SQLite() {
		t.Fatalf("got listen %q data %q sqlite %v", c.Listen, c.DataDir, c.SQLite())
	}
	if c.PublicURL != "http://127.0.0.1:8080" {
		t.Fatalf("got public url %q, want it derived from the listen address", c.PublicURL)
	}
	if c.SecureCookies() {
		t.Fatal("http public URL must not ask for Secure cookies")
	}
}

func TestPrecedenceAndFile(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("c2VjcmV0LWtleS1mcm9tLWZpbGUtMzItYnl0ZXMhISE=\n"), 0o600)
	c, err := load(t, map[string]string{
		"OAUTHIMAP_LISTEN":          "127.0.0.1:9000",
		"OAUTHIMAP_SECRET_KEY_FILE": keyFile,
		"OAUTHIMAP_PUBLIC_URL":      "https://helpdesk.example.com/",
	}, "-listen", "127.0.0.1:9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9100" {
		t.Errorf("got listen %q, want the flag to win over the env", c.Listen)
	}
	if c.SecretKey != "c2VjcmV0LWtleS1mcm9tLWZpbGUtMzItYnl0ZXMhISE=" {
		t.Errorf("got secret key %q from file", c.SecretKey)
	}
	if c.PublicURL != "https://helpdesk.example.com" || !c.SecureCookies() {
		t.Errorf("got public url %q secure %v", c.PublicURL, c.SecureCookies())
	}
	var b bytes.Buffer
	c.Print(&b)
	if strings.Contains(b.String(), "c2VjcmV0") || !strings.Contains(b.String(), "OAUTHIMAP_SECRET_KEY") {
		t.Errorf("print must mask the secret:\n%s", b.String())
	}
}

// TestPublicURLNormalised: the scheme's case must not drop Secure and HSTS.
func TestPublicURLNormalised(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HTTPS://Helpdesk.Example.COM/", "https://helpdesk.example.com"},
		{"Https://helpdesk.example.com:8443/desk/", "https://helpdesk.example.com:8443/desk"},
		{"HTTP://localhost:8080", "http://localhost:8080"},
		{"https://helpdesk.example.com/My%20Desk//", "https://helpdesk.example.com/My%20Desk"},
	} {
		c, err := load(t, map[string]string{"OAUTHIMAP_PUBLIC_URL": tc.in})
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if c.PublicURL != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, c.PublicURL, tc.want)
		}
		if got, want := c.SecureCookies(), strings.HasPrefix(tc.want, "https:"); got != want {
			t.Errorf("%q: got secure cookies %v, want %v", tc.in, got, want)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := load(t, map[string]string{"OAUTHIMAP_TRUSTED_PROXIES": " 10.1.2.3/8 , 192.0.2.7,2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	c.Print(&b)
	if !strings.Contains(b.String(), "10.0.0.0/8,192.0.2.7/32,2001:db8::/32") {
		t.Errorf("got the effective configuration\n%s\nwant the ranges normalised", b.String())
	}
	for addr, want := range map[string]bool{"10.200.0.1": true, "192.0.2.7": true, "192.0.2.8": false, "::ffff:10.0.0.1": true, "2001:db8:1::1": true, "2001:db9::1": false} {
		if got := c.TrustedProxy(netip.MustParseAddr(addr)); got != want {
			t.Errorf("TrustedProxy(%s): got %v, want %v", addr, got, want)
		}
	}
}

func TestMetricsOffByDefault(t *testing.T) {
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsListen != "" || c.MonitoringToken != "" {
		t.Fatalf("metrics listen %q, monitoring token set %v: want both off by default", c.MetricsListen, c.MonitoringToken != "")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "token")
	if err := os.WriteFile(f, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = load(t, map[string]string{"OAUTHIMAP_METRICS_LISTEN": "127.0.0.1:9464", "OAUTHIMAP_MONITORING_TOKEN_FILE": f})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsListen != "127.0.0.1:9464" || c.MonitoringToken != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("got %q and a token of %d characters", c.MetricsListen, len(c.MonitoringToken))
	}
	var out bytes.Buffer
	c.Print(&out)
	if strings.Contains(out.String(), "0123456789abcdef") {
		t.Fatal("print-config shows the monitoring token")
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"listen", map[string]string{"OAUTHIMAP_LISTEN": "nonsense"}, "OAUTHIMAP_LISTEN"},
		{"public url", map[string]string{"OAUTHIMAP_PUBLIC_URL": "ftp://x"}, "OAUTHIMAP_PUBLIC_URL"},
		{"public url with a user", map[string]string{"OAUTHIMAP_PUBLIC_URL": "https://me@helpdesk.example.com"}, "OAUTHIMAP_PUBLIC_URL"},
		{"workers", map[string]string{"OAUTHIMAP_WORKERS": "0"}, "OAUTHIMAP_WORKERS"},
		{"log format", map[string]string{"OAUTHIMAP_LOG_FORMAT": "xml"}, "OAUTHIMAP_LOG_FORMAT"},
		{"duration", map[string]string{"OAUTHIMAP_SESSION_IDLE": "soon"}, "OAUTHIMAP_SESSION_IDLE"},
		{"workers past the bound", map[string]string{"OAUTHIMAP_WORKERS": "100000000"}, "OAUTHIMAP_WORKERS"},
		{"per-host limit past the bound", map[string]string{"OAUTHIMAP_PER_HOST_LIMIT": "65"}, "OAUTHIMAP_PER_HOST_LIMIT"},
		{"body limit past the bound", map[string]string{"OAUTHIMAP_MAX_BODY": "9223372036854775807"}, "OAUTHIMAP_MAX_BODY"},
		{"session idle past the bound", map[string]string{"OAUTHIMAP_SESSION_IDLE": "100000h", "OAUTHIMAP_SESSION_MAX": "200000h"}, "OAUTHIMAP_SESSION_IDLE"},
		{"shutdown grace past the bound", map[string]string{"OAUTHIMAP_SHUTDOWN_GRACE": "2562047h"}, "OAUTHIMAP_SHUTDOWN_GRACE"},
		{"both secret forms", map[string]string{"OAUTHIMAP_SECRET_KEY": "a", "OAUTHIMAP_SECRET_KEY_FILE": "/x"}, "not both"},
		{"database", map[string]string{"OAUTHIMAP_DATABASE": "mysql"}, "OAUTHIMAP_DATABASE"},
		{"lease ttl too short", map[string]string{"OAUTHIMAP_LEASE_TTL": "1s"}, "OAUTHIMAP_LEASE_TTL"},
		{"lease ttl not a duration", map[string]string{"OAUTHIMAP_LEASE_TTL": "30"}, "OAUTHIMAP_LEASE_TTL"},
		{"trusted proxies", map[string]string{"OAUTHIMAP_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example.com"}, "OAUTHIMAP_TRUSTED_PROXIES"},
		{"metrics listen", map[string]string{"OAUTHIMAP_METRICS_LISTEN": "9090"}, "OAUTHIMAP_METRICS_LISTEN"},
		{"metrics on the console's port", map[string]string{"OAUTHIMAP_LISTEN": "127.0.0.1:8080", "OAUTHIMAP_METRICS_LISTEN": "0.0.0.0:8080"}, "OAUTHIMAP_METRICS_LISTEN"},
		{"short monitoring token", map[string]string{"OAUTHIMAP_MONITORING_TOKEN": "short"}, "OAUTHIMAP_MONITORING_TOKEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
