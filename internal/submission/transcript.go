package submission

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

const maxTranscriptLine = 1000

// Line is one protocol line of a transcript.
type Line struct {
	Dir  string // DirSent or DirReceived
	Text string
}

// Transcript collects the redacted conversation of a Client dialled
// WithTranscript.
type Transcript struct{ rec recorder }

// Lines returns the lines so far, including an unfinished last line.
func (t *Transcript) Lines() []Line { return t.rec.transcript() }

// String is the transcript as text, one ">>> line" or "<<< line" per line.
func (t *Transcript) String() string {
	var b strings.Builder
	for _, l := range t.Lines() {
		b.WriteString(l.Dir + " " + l.Text + "\n")
	}
	return b.String()
}

// recorder turns the raw bytes of a connection into redacted lines. Two
// layers keep secrets out: every client line from AUTH to the server's
// final answer is replaced (the AUTH line keeps its mechanism), and any
// registered secret, or its base64, is replaced wherever it still shows.
// The message itself is not recorded, only its size.
type recorder struct {
	mu       sync.Mutex
	lines    []Line
	partial  [2]bytes.Buffer // 0: sent, 1: received
	secrets  []string
	inAuth   bool
	skipping bool
}

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

// skip stops recording sent bytes and shows note instead (the message
// body); skip("") resumes.
func (r *recorder) skip(note string) {
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

func (r *recorder) record(dir int, p []byte) {
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
		line := strings.TrimRight(string(buf.Next(i+1)), "\r\n")
		r.add(dir, line)
	}
}

func (r *recorder) add(dir int, line string) {
	if dir == 0 {
		line = r.redactSent(line)
	} else if r.inAuth {
		if strings.HasPrefix(line, "334 ") {
			if d := decodeChallenge(line[4:]); d != "" {
				line += " (decoded: " + d + ")"
			}
		} else if len(line) >= 4 && line[3] == ' ' {
			r.inAuth = false // the final answer to AUTH
		}
	}
	for _, s := range r.secrets {
		line = strings.ReplaceAll(line, s, Redacted)
	}
	if len(line) > maxTranscriptLine {
		line = line[:maxTranscriptLine] + " [...]"
	}
	d := DirSent
	if dir == 1 {
		d = DirReceived
	}
	r.lines = append(r.lines, Line{Dir: d, Text: line})
}

// redactSent hides credentials in a client line.
func (r *recorder) redactSent(line string) string {
	if r.inAuth {
		return Redacted // a SASL response
	}
	f := strings.Fields(line)
	if len(f) >= 2 && strings.EqualFold(f[0], "AUTH") {
		r.inAuth = true
		if len(f) > 2 {
			return f[0] + " " + f[1] + " " + Redacted
		}
	}
	return line
}

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
