package mailconn

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

// MaxLine is the longest line a transcript keeps; the rest is cut.
const MaxLine = 1000

// Line is one protocol line of a transcript.
type Line struct {
	Dir  string // DirSent or DirReceived
	Text string
}

// Protocol knows which lines of its conversation carry credentials. A
// Recorder calls it for each complete line, in order, one at a time.
type Protocol interface {
	// Sent returns a client line as it may be recorded: the payload of an
	// authentication, and every client line until the server's answer to
	// it, replaced by Redacted.
	Sent(line string) string
	// Received returns a server line as it is recorded, possibly with a
	// note (a decoded SASL challenge).
	Received(line string) string
}

// Recorder turns the raw bytes of a connection into redacted lines. Two
// layers keep secrets out: the Protocol redacts the lines that carry
// credentials, and any registered secret, or its base64, is replaced
// wherever it still shows. A nil *Recorder records nothing.
type Recorder struct {
	p        Protocol
	mu       sync.Mutex
	lines    []Line
	partial  [2]bytes.Buffer // 0: sent, 1: received
	secrets  []string
	skipping bool
}

// NewRecorder records a conversation with p's redaction.
func NewRecorder(p Protocol) *Recorder { return &Recorder{p: p} }

// Wrap records c's traffic.
func (r *Recorder) Wrap(c net.Conn) net.Conn {
	if r == nil {
		return c
	}
	return &recConn{Conn: c, r: r}
}

// Secret registers values that must never appear, with their base64 forms.
func (r *Recorder) Secret(values ...string) {
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

// Skip stops recording sent bytes and shows note instead (a message's
// body, shown as its size); Skip("") resumes.
func (r *Recorder) Skip(note string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if note != "" {
		r.skipping = true
		r.lines = append(r.lines, Line{Dir: DirSent, Text: note})
		return
	}
	r.skipping = false
	r.partial[0].Reset()
}

// Lines returns the lines so far, including an unfinished last line.
func (r *Recorder) Lines() []Line {
	if r == nil {
		return nil
	}
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

func (r *Recorder) record(dir int, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dir == 0 && r.skipping {
		return
	}
	buf := &r.partial[dir]
	buf.Write(p)
	for {
		i := bytes.IndexByte(buf.Bytes(), '\n')
		if i < 0 {
			return
		}
		r.add(dir, strings.TrimRight(string(buf.Next(i+1)), "\r\n"))
	}
}

func (r *Recorder) add(dir int, line string) {
	d := DirSent
	if dir == 0 {
		line = r.p.Sent(line)
	} else {
		d, line = DirReceived, r.p.Received(line)
	}
	for _, s := range r.secrets {
		line = strings.ReplaceAll(line, s, Redacted)
	}
	if len(line) > MaxLine {
		line = line[:MaxLine] + " [...]"
	}
	r.lines = append(r.lines, Line{Dir: d, Text: line})
}

type recConn struct {
	net.Conn
	r *Recorder
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
