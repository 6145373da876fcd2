package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// ErrSTARTTLSRefused means the server would not start TLS on the plain
// connection: the receiver's security mode does not match the server.
var ErrSTARTTLSRefused = errors.New("mailbox: server refused STARTTLS")

// startTLS reads the greeting and runs STARTTLS on the plain connection.
// It is done here rather than by imapclient so that the TLS handshake honours
// the context and its state (version, certificate) is ours to report.
func startTLS(conn net.Conn) error {
	greeting, err := readLine(conn)
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	switch {
	case strings.HasPrefix(greeting, "* OK"):
	case strings.HasPrefix(greeting, "* PREAUTH"):
		// RFC 9051 section 7.1.4: PREAUTH on a connection meant to be
		// upgraded could be an attacker skipping TLS.
		return fmt.Errorf("server sent PREAUTH before STARTTLS")
	default:
		return statusError(greeting, "*")
	}
	if _, err := conn.Write([]byte("S1 STARTTLS\r\n")); err != nil {
		return err
	}
	for {
		line, err := readLine(conn)
		if err != nil {
			return fmt.Errorf("read STARTTLS answer: %w", err)
		}
		if !strings.HasPrefix(line, "S1 ") {
			continue // untagged data, e.g. a CAPABILITY
		}
		if strings.HasPrefix(line, "S1 OK") {
			return nil
		}
		return fmt.Errorf("%w: %w", ErrSTARTTLSRefused, statusError(line, "S1"))
	}
}

// statusError turns "TAG NO [CODE] text" into an *imap.Error, so that
// Classify reads a refusal here as it reads one from imapclient.
func statusError(line, tag string) error {
	rest := strings.TrimSpace(strings.TrimPrefix(line, tag))
	typ, text, _ := strings.Cut(rest, " ")
	e := &imap.Error{Type: imap.StatusResponseType(strings.ToUpper(typ)), Text: text}
	if strings.HasPrefix(text, "[") {
		if code, after, ok := strings.Cut(text[1:], "]"); ok {
			code, _, _ = strings.Cut(code, " ")
			e.Code, e.Text = imap.ResponseCode(code), strings.TrimSpace(after)
		}
	}
	return e
}

// readLine reads one CRLF line a byte at a time: nothing after it may be
// consumed, since the TLS handshake follows on the same socket.
func readLine(conn net.Conn) (string, error) {
	var buf bytes.Buffer
	b := make([]byte, 1)
	for buf.Len() < 8192 {
		if _, err := conn.Read(b); err != nil {
			return "", err
		}
		if b[0] == '\n' {
			return strings.TrimRight(buf.String(), "\r"), nil
		}
		buf.WriteByte(b[0])
	}
	return "", fmt.Errorf("line longer than 8192 bytes")
}

// replayConn serves pending bytes before reading from the connection.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
