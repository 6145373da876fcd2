package submission

import (
	"strings"

	"github.com/oauthimap/oauthimap/internal/mailconn"
)

// Directions of a transcript line, as GLPI's diagnostic shows them.
const (
	DirSent     = mailconn.DirSent
	DirReceived = mailconn.DirReceived
)

// Redacted replaces a secret in a transcript.
const Redacted = mailconn.Redacted

// Line is one protocol line of a transcript.
type Line = mailconn.Line

// Transcript collects the redacted conversation of a Client dialled
// WithTranscript.
type Transcript struct{ rec *recorder }

// Lines returns the lines so far, including an unfinished last line.
func (t *Transcript) Lines() []Line { return t.rec.Lines() }

// String is the transcript as text, one ">>> line" or "<<< line" per line.
func (t *Transcript) String() string {
	var b strings.Builder
	for _, l := range t.Lines() {
		b.WriteString(l.Dir + " " + l.Text + "\n")
	}
	return b.String()
}

// recorder records an SMTP conversation, redacted (mailconn.Recorder); the
// message itself is not recorded, only its size.
type recorder = mailconn.Recorder

// newRecorder records with SMTP's redaction.
func newRecorder() *recorder { return mailconn.NewRecorder(&smtpRedaction{}) }

// smtpRedaction replaces every client line from AUTH to the server's final
// answer (the AUTH line keeps its mechanism).
type smtpRedaction struct{ inAuth bool }

func (p *smtpRedaction) Sent(line string) string {
	if p.inAuth {
		return Redacted // a SASL response
	}
	f := strings.Fields(line)
	if len(f) >= 2 && strings.EqualFold(f[0], "AUTH") {
		p.inAuth = true
		if len(f) > 2 {
			return f[0] + " " + f[1] + " " + Redacted
		}
	}
	return line
}

func (p *smtpRedaction) Received(line string) string {
	if !p.inAuth {
		return line
	}
	if strings.HasPrefix(line, "334 ") {
		if d := decodeChallenge(line[4:]); d != "" {
			line += " (decoded: " + d + ")"
		}
	} else if len(line) >= 4 && line[3] == ' ' {
		p.inAuth = false // the final answer to AUTH
	}
	return line
}
