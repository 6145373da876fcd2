// Package config is the one table of options: each has an environment
// variable (prefix OAUTHIMAP_), a flag of the same name, a default and a
// check. Secrets also accept a *_FILE variant that names a file to read.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration of one process.
type Config struct {
	Listen        string
	DataDir       string
	Database      string // empty: SQLite in DataDir; else a MySQL/MariaDB DSN
	PublicURL     string
	SecretKey     string // base64 or hex of 32 bytes; empty: generated into DataDir
	LogFormat     string // text | json
	LogLevel      string // debug | info | warn | error
	Migrate       bool   // apply pending migrations on MySQL at start
	Workers       int
	PerHostLimit  int
	SessionIdle   time.Duration
	SessionMax    time.Duration
	MaxBodyBytes  int64
	ShutdownGrace time.Duration
	LeaseTTL      time.Duration // how long a collector's hold on a receiver lasts unless renewed
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: the client's address is the last one a trusted proxy added.
	TrustedProxies []netip.Prefix
	// MetricsListen is where /metrics is served, apart from the console
	// (empty: no metrics endpoint).
	MetricsListen string
	// MonitoringToken lets a monitoring system read /api/health as a
	// bearer token (empty: administrators' sessions only).
	MonitoringToken string
}

// option is one row of the table.
type option struct {
	name    string // flag name; env is OAUTHIMAP_ + upper(name with - as _)
	usage   string
	secret  bool
	def     string
	apply   func(c *Config, v string) error
	current func(c *Config) string
}

func str(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
	return func(c *Config, v string) error { *p(c) = v; return nil },
		func(c *Config) string { return *p(c) }
}

func options() []option {
	o := []option{}
	add := func(name, usage, def string, secret bool, p func(*Config) *string) {
		a, cur := str(p)
		o = append(o, option{name: name, usage: usage, def: def, secret: secret, apply: a, current: cur})
	}
	add("listen", "address the web console listens on", "127.0.0.1:8080", false, func(c *Config) *string { return &c.Listen })
	add("data-dir", "folder for the SQLite database, the secret key and attachments", "./data", false, func(c *Config) *string { return &c.DataDir })
	add("database", "empty for SQLite in the data dir, or a MySQL/MariaDB DSN (user:pass@tcp(host:3306)/db)", "", true, func(c *Config) *string { return &c.Database })
	add("public-url", "URL the browser reaches the console at; redirect URIs are built from it", "", false, func(c *Config) *string { return &c.PublicURL })
	add("secret-key", "32-byte key (base64 or hex) that encrypts secrets at rest; empty: generated in the data dir", "", true, func(c *Config) *string { return &c.SecretKey })
	add("log-format", "text or json", "text", false, func(c *Config) *string { return &c.LogFormat })
	add("log-level", "debug, info, warn or error", "info", false, func(c *Config) *string { return &c.LogLevel })
	add("metrics-listen", "address /metrics (Prometheus) listens on, apart from the console; empty: off", "", false, func(c *Config) *string { return &c.MetricsListen })
	add("monitoring-token", "bearer token (at least 24 characters) a monitoring system reads /api/health with; empty: administrators only", "", true, func(c *Config) *string { return &c.MonitoringToken })
	o = append(o,
		boolOpt("migrate", "apply pending database migrations at start (always on for SQLite)", "false", func(c *Config) *bool { return &c.Migrate }),
		intOpt("workers", "collector workers (simultaneous mailbox jobs)", "4", 256, func(c *Config) *int { return &c.Workers }),
		intOpt("per-host-limit", "simultaneous IMAP connections to one server host", "4", 64, func(c *Config) *int { return &c.PerHostLimit }),
		durOpt("session-idle", "a session ends after this long without a request", "2h", 30*24*time.Hour, func(c *Config) *time.Duration { return &c.SessionIdle }),
		durOpt("session-max", "a session ends this long after login, whatever happens", "24h", 90*24*time.Hour, func(c *Config) *time.Duration { return &c.SessionMax }),
		intOpt64("max-body", "largest request body accepted, in bytes", "1048576", 1<<30, func(c *Config) *int64 { return &c.MaxBodyBytes }),
		durOpt("shutdown-grace", "time given to requests and jobs to finish at shutdown", "20s", 10*time.Minute, func(c *Config) *time.Duration { return &c.ShutdownGrace }),
		durOpt("lease-ttl", "how long a collector holds a receiver unless it renews (every third of it); another instance takes over a dead one's receivers after this", "30s", time.Hour, func(c *Config) *time.Duration { return &c.LeaseTTL }),
		option{name: "trusted-proxies", usage: "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed", def: "",
			apply: applyProxies, current: func(c *Config) string { return joinPrefixes(c.TrustedProxies) }},
	)
	return o
}

func boolOpt(name, usage, def string, p func(*Config) *bool) option {
	return option{name: name, usage: usage, def: def,
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			*p(c) = b
			return nil
		},
		current: func(c *Config) string { return strconv.FormatBool(*p(c)) }}
}

func intOpt(name, usage, def string, most int, p func(*Config) *int) option {
	return option{name: name, usage: usage, def: def,
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > most {
				return fmt.Errorf("want a whole number from 1 to %d", most)
			}
			*p(c) = n
			return nil
		},
		current: func(c *Config) string { return strconv.Itoa(*p(c)) }}
}

func intOpt64(name, usage, def string, most int64, p func(*Config) *int64) option {
	return option{name: name, usage: usage, def: def,
		apply: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1024 || n > most {
				return fmt.Errorf("want a number of bytes from 1024 to %d", most)
			}
			*p(c) = n
			return nil
		},
		current: func(c *Config) string { return strconv.FormatInt(*p(c), 10) }}
}

func durOpt(name, usage, def string, most time.Duration, p func(*Config) *time.Duration) option {
	return option{name: name, usage: usage, def: def,
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > most {
				return fmt.Errorf("want a positive duration such as 30s, 15m or 2h, at most %s", most)
			}
			*p(c) = d
			return nil
		},
		current: func(c *Config) string { return (*p(c)).String() }}
}

// applyProxies reads a comma-separated list of addresses and CIDR ranges.
func applyProxies(c *Config, v string) error {
	c.TrustedProxies = nil
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return fmt.Errorf("%q is not an address or a CIDR range such as 10.0.0.0/8", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

func joinPrefixes(ps []netip.Prefix) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, ",")
}

// TrustedProxy reports whether a peer address is one of the trusted proxies.
func (c *Config) TrustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// EnvName is the environment variable of a flag name.
func EnvName(flagName string) string {
	return "OAUTHIMAP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load reads defaults, then the environment (and *_FILE for secrets), then
// flags from args, and validates the result. Errors name the option.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	opts := options()
	set := map[string]string{}
	for _, o := range opts {
		v := o.def
		env := EnvName(o.name)
		if e := getenv(env); e != "" {
			v = e
		}
		if o.secret {
			if f := getenv(env + "_FILE"); f != "" {
				if getenv(env) != "" {
					return nil, fmt.Errorf("config: set %s or %s_FILE, not both", env, env)
				}
				b, err := os.ReadFile(f)
				if err != nil {
					return nil, fmt.Errorf("config: %s_FILE: %w", env, err)
				}
				v = strings.TrimSpace(string(b))
			}
		}
		set[o.name] = v
	}
	flagVals := map[string]*string{}
	for _, o := range opts {
		flagVals[o.name] = fs.String(o.name, set[o.name], o.usage+" ("+EnvName(o.name)+")")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o.apply(c, *flagVals[o.name]); err != nil {
			return nil, fmt.Errorf("config: %s (%s): %w", EnvName(o.name), "-"+o.name, err)
		}
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("config: OAUTHIMAP_LISTEN: %q is not host:port", c.Listen)
	}
	if c.DataDir == "" {
		return errors.New("config: OAUTHIMAP_DATA_DIR must not be empty")
	}
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(c.Listen)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("config: OAUTHIMAP_PUBLIC_URL: %q must be an absolute http(s) URL without user, query or fragment", c.PublicURL)
	}
	// One spelling from here on: the scheme and host in lower case (so
	// "HTTPS://" still means Secure cookies and HSTS), no trailing slash.
	c.PublicURL = u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: OAUTHIMAP_LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: OAUTHIMAP_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.Database != "" && !strings.Contains(c.Database, "@") && !strings.Contains(c.Database, "/") {
		return errors.New("config: OAUTHIMAP_DATABASE: not a MySQL DSN (user:password@tcp(host:3306)/dbname)")
	}
	if c.LeaseTTL < 5*time.Second || c.LeaseTTL > time.Hour {
		return fmt.Errorf("config: OAUTHIMAP_LEASE_TTL: %s is outside 5s to 1h", c.LeaseTTL)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return fmt.Errorf("config: OAUTHIMAP_METRICS_LISTEN: %q is not host:port", c.MetricsListen)
		}
		if samePort(c.MetricsListen, c.Listen) {
			return errors.New("config: OAUTHIMAP_METRICS_LISTEN must differ from OAUTHIMAP_LISTEN: metrics are never served on the console's port")
		}
	}
	if c.MonitoringToken != "" && len(c.MonitoringToken) < 24 {
		return errors.New("config: OAUTHIMAP_MONITORING_TOKEN: use at least 24 characters (for example `openssl rand -hex 32`)")
	}
	if c.SessionMax < c.SessionIdle {
		return errors.New("config: OAUTHIMAP_SESSION_MAX must not be shorter than OAUTHIMAP_SESSION_IDLE")
	}
	return nil
}

// samePort reports whether two listen addresses share a port (on any
// host: 0.0.0.0:8080 and 127.0.0.1:8080 collide).
func samePort(a, b string) bool {
	_, pa, err1 := net.SplitHostPort(a)
	_, pb, err2 := net.SplitHostPort(b)
	return err1 == nil && err2 == nil && pa == pb && pa != "0"
}

// SQLite reports whether the embedded SQLite database is used.
func (c *Config) SQLite() bool { return c.Database == "" }

// SQLitePath is the database file in the data dir.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "oauthimap.db") }

// SecureCookies reports whether cookies must carry the Secure attribute.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// Print writes the effective configuration, secrets masked.
func (c *Config) Print(w io.Writer) {
	for _, o := range options() {
		v := o.current(c)
		if o.secret && v != "" {
			v = "******** (set)"
		}
		fmt.Fprintf(w, "%-32s %s\n", EnvName(o.name), v)
	}
}
