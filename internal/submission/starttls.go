package submission

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
)

// ErrSTARTTLSRefused means the server would not start TLS on the plain
// connection: the security mode does not match the server.
var ErrSTARTTLSRefused = errors.New("submission: server refused STARTTLS")

// startTLS upgrades the connection (RFC 3207).
func (c *Client) startTLS(ctx context.Context) error {
	if _, ok := c.ext["STARTTLS"]; !ok {
		return fmt.Errorf("%w: STARTTLS is not among the extensions the server lists", ErrSTARTTLSRefused)
	}
	if _, err := c.expect("STARTTLS", 220); err != nil {
		var se *Error
		if errors.As(err, &se) {
			return fmt.Errorf("%w: %w", ErrSTARTTLSRefused, err)
		}
		return err
	}
	// Bytes the server sent after its 220 and before the handshake would be
	// read as if they came over TLS: the command-injection attack of
	// CVE-2011-0411. Refuse rather than use them.
	if c.r.Buffered() > 0 {
		return fmt.Errorf("%w: the server sent data after its STARTTLS answer", ErrSTARTTLSRefused)
	}
	tconn := tls.Client(c.raw, c.tlsConfig())
	if err := tconn.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	cs := tconn.ConnectionState()
	c.tls = &cs
	c.use(tconn)
	// RFC 3207 section 4.2: the client MUST discard what it learnt from the
	// server before TLS and SHOULD send EHLO again.
	c.ext = nil
	return c.ehlo()
}
