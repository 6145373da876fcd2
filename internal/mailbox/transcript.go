package mailbox

import (
	"bytes"
	"encoding/base64"
	"net"
	"strings"
	"sync"
)

// Directions of a transcript line, as GLPI's diagnostic shows them.
const (
	DirSent     = ">>>"
	DirReceived = "<<<"
)

// Redacted replaces a secret in a transcript.
const Redacted = "[redacted]"

const maxLineLen = 1000

// Line is one protocol line of a transcript.
type Line struct {
	Dir  string // DirSent or DirReceived
	Text string
}

// recorder turns the raw bytes of a connection into redacted lines. Two
// layers keep secrets out: the payload of AUTHENTICATE and LOGIN (and every
// client line until their tagged answer) is replaced by syntax, and any
// registered secret, or its base64, is replaced wherever it still shows.
type recorder struct {
	mu      sync.Mutex
	lines   []Line
	partial [2]bytes.Buffer // 0: sent, 1: received
	secrets []string
	authTag string // tag of the AUTHENTICATE or LOGIN in progress
}

// wrap records c's traffic; a nil recorder records nothing.
func (r *recorder) wrap(c net.Conn) net.Conn {
	if r == nil {
		return c
	}
	return &recConn{Conn: c, r: r}
}

// secret registers values that must never appear, with their base64 forms.
func (r *recorder) secret(values ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) < 4 { // too short to redact without mangling the transcript
			continue
		}
		r.secrets = append(r.secrets, v,
			base64.StdEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)))
	}
}

func (r *recorder) record(dir int, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	buf := &r.partial[dir]
	buf.Write(p)
	for {
		i := bytes.IndexByte(buf.Bytes(), '\n')
		if i < 0 {
			return
		}
		line := strings.TrimRight(string(buf.Next(i+1)), "\r\n")
		r.add(dir, line)
	}
}

func (r *recorder) add(dir int, line string) {
	if dir == 0 {
		line = r.redactSent(line)
	} else if r.authTag != "" && strings.HasPrefix(line, r.authTag+" ") {
		r.authTag = ""
	} else if r.authTag != "" && strings.HasPrefix(line, "+ ") {
		// A SASL error challenge is base64 JSON; show what it says.
		if b, err := base64.StdEncoding.DecodeString(line[2:]); err == nil && len(b) > 0 && b[0] == '{' {
			line += " (decoded: " + string(b) + ")"
		}
	}
	for _, s := range r.secrets {
		line = strings.ReplaceAll(line, s, Redacted)
	}
	if len(line) > maxLineLen {
		line = line[:maxLineLen] + " [...]"
	}
	d := DirSent
	if dir == 1 {
		d = DirReceived
	}
	r.lines = append(r.lines, Line{Dir: d, Text: line})
}

// redactSent hides credentials in a client line.
func (r *recorder) redactSent(line string) string {
	if r.authTag != "" {
		return Redacted // a SASL response or a LOGIN literal
	}
	f := strings.SplitN(line, " ", 4)
	if len(f) < 2 {
		return line
	}
	switch strings.ToUpper(f[1]) {
	case "AUTHENTICATE":
		r.authTag = f[0]
		if len(f) == 4 {
			return f[0] + " " + f[1] + " " + f[2] + " " + Redacted
		}
	case "LOGIN":
		r.authTag = f[0]
		return f[0] + " " + f[1] + " " + Redacted
	}
	return line
}

// transcript returns the lines so far, including an unfinished last line.
func (r *recorder) transcript() []Line {
	r.mu.Lock()
	defer r.mu.Unlock()
	for dir := range r.partial {
		if r.partial[dir].Len() > 0 {
			r.add(dir, strings.TrimRight(r.partial[dir].String(), "\r\n"))
			r.partial[dir].Reset()
		}
	}
	return append([]Line(nil), r.lines...)
}

type recConn struct {
	net.Conn
	r *recorder
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.r.record(1, p[:n])
	}
	return n, err
}

func (c *recConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.r.record(0, p[:n])
	}
	return n, err
}
