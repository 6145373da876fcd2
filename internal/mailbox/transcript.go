package mailbox

import (
	"encoding/base64"
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

// recorder records an IMAP conversation, redacted (mailconn.Recorder).
type recorder = mailconn.Recorder

// newRecorder records with IMAP's redaction.
func newRecorder() *recorder { return mailconn.NewRecorder(&imapRedaction{}) }

// imapRedaction replaces the payload of AUTHENTICATE and LOGIN, and every
// client line until their tagged answer (a SASL response, a LOGIN literal).
type imapRedaction struct {
	authTag string // tag of the AUTHENTICATE or LOGIN in progress
}

func (p *imapRedaction) Sent(line string) string {
	if p.authTag != "" {
		return Redacted
	}
	f := strings.SplitN(line, " ", 4)
	if len(f) < 2 {
		return line
	}
	switch strings.ToUpper(f[1]) {
	case "AUTHENTICATE":
		p.authTag = f[0]
		if len(f) == 4 {
			return f[0] + " " + f[1] + " " + f[2] + " " + Redacted
		}
	case "LOGIN":
		p.authTag = f[0]
		return f[0] + " " + f[1] + " " + Redacted
	}
	return line
}

func (p *imapRedaction) Received(line string) string {
	switch {
	case p.authTag != "" && strings.HasPrefix(line, p.authTag+" "):
		p.authTag = ""
	case p.authTag != "" && strings.HasPrefix(line, "+ "):
		// A SASL error challenge is base64 JSON; show what it says.
		if b, err := base64.StdEncoding.DecodeString(line[2:]); err == nil && len(b) > 0 && b[0] == '{' {
			line += " (decoded: " + string(b) + ")"
		}
	}
	return line
}
