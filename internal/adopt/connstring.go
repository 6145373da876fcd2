package adopt

import (
	"fmt"
	"strconv"
	"strings"
)

// glpiConnection is a GLPI receiver's connection string
// ({server[:port][/type][/ssl][/tls|/notls][/validate-cert|/novalidate-cert]
// [/norsh][/secure][/debug]}folder), as Toolbox::parseMailServerConnectString
// reads it.
type glpiConnection struct {
	Host     string
	Port     int
	Type     string // "imap", "pop", "imap-oauth-N", ...
	SSL      bool
	TLS      string // "tls", "notls" or ""
	Validate string // "validate-cert", "novalidate-cert" or ""
	Folder   string
	Ignored  []string // options that have no equivalent here
}

func parseGLPIConnection(s string) (glpiConnection, error) {
	var c glpiConnection
	s = strings.TrimSpace(s)
	open, end := strings.Index(s, "{"), strings.Index(s, "}")
	if open != 0 || end < 0 {
		return c, fmt.Errorf("connection string %q: want {server/type}folder", s)
	}
	c.Folder = strings.TrimSpace(s[end+1:])
	parts := strings.Split(s[1:end], "/")
	server := strings.TrimSpace(parts[0])
	if i := strings.LastIndex(server, ":"); i > 0 && !strings.HasSuffix(server, "]") {
		p, err := strconv.Atoi(server[i+1:])
		if err != nil || p <= 0 || p > 65535 {
			return c, fmt.Errorf("connection string %q: port %q", s, server[i+1:])
		}
		c.Port, server = p, server[:i]
	}
	c.Host = strings.Trim(server, "[]")
	if c.Host == "" {
		return c, fmt.Errorf("connection string %q: no server", s)
	}
	for _, o := range parts[1:] {
		switch o = strings.ToLower(strings.TrimSpace(o)); o {
		case "":
		case "ssl":
			c.SSL = true
		case "tls", "notls":
			c.TLS = o
		case "validate-cert", "novalidate-cert":
			c.Validate = o
		case "norsh", "secure", "debug":
			c.Ignored = append(c.Ignored, "/"+o)
		default:
			if c.Type == "" {
				c.Type = o
			} else {
				c.Ignored = append(c.Ignored, "/"+o)
			}
		}
	}
	return c, nil
}

// security maps the TLS options: /ssl is implicit TLS, /tls STARTTLS;
// neither is a plain connection, as in GLPI.
func (c glpiConnection) security() string {
	switch {
	case c.SSL:
		return "ssl"
	case c.TLS == "tls":
		return "starttls"
	}
	return "none"
}

// port is the given one, else the protocol's default for the security.
func (c glpiConnection) port() int {
	switch {
	case c.Port > 0:
		return c.Port
	case c.SSL:
		return 993
	}
	return 143
}

// oauthApplication returns N of an "imap-oauth-N" type.
func (c glpiConnection) oauthApplication() (int64, bool) {
	n, ok := strings.CutPrefix(c.Type, "imap-oauth-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}
