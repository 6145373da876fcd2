package submission

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Client is one SMTP session. It is not safe for concurrent use.
type Client struct {
	cfg   Config
	opts  *options
	raw   net.Conn // the TCP connection, closed to interrupt anything
	conn  net.Conn // what commands go through (TLS over raw, recorded)
	r     *bufio.Reader
	ext   map[string]string // EHLO keywords, upper-case, to their parameters
	tls   *tls.ConnectionState
	dead  bool
	mutex sync.Mutex
}

// Option tunes Dial.
type Option func(*options)

type options struct {
	rootCAs *x509.CertPool
	rec     *recorder
}

// WithRootCAs validates the server certificate against pool instead of the
// system roots (a private CA, or a test server's self-signed certificate).
func WithRootCAs(pool *x509.CertPool) Option { return func(o *options) { o.rootCAs = pool } }

// WithTranscript records the conversation, credentials redacted, into t.
func WithTranscript(t *Transcript) Option {
	return func(o *options) {
		if t.rec == nil {
			t.rec = newRecorder()
		}
		o.rec = t.rec
	}
}

// Dial connects to the server of cfg, protects the connection as
// cfg.Security says, says EHLO and authenticates. cfg.Timeout (or
// DefaultTimeout) bounds all of it; ctx can end it sooner.
func Dial(ctx context.Context, cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	c := &Client{cfg: cfg, opts: o}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	stop := c.guard(ctx)
	defer stop()
	if cfg.Auth.Mechanism != MechNone {
		if err := c.authenticate(ctx); err != nil {
			c.Close()
			return nil, c.wrap(ctx, "authenticate", err)
		}
	}
	return c, nil
}

// connect dials, negotiates TLS, reads the greeting and says EHLO (twice
// with STARTTLS).
func (c *Client) connect(ctx context.Context) error {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", c.cfg.Addr())
	if err != nil {
		return c.wrap(ctx, "connect to "+c.cfg.Addr(), err)
	}
	c.raw = raw
	stop := c.guard(ctx)
	defer stop()
	fail := func(op string, err error) error {
		c.Close()
		return c.wrap(ctx, op, err)
	}
	if c.cfg.Security == SecuritySSL {
		// RFC 8314 section 3.3: implicit TLS, the handshake comes first.
		tconn := tls.Client(raw, c.tlsConfig())
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fail("tls handshake", err)
		}
		cs := tconn.ConnectionState()
		c.tls = &cs
		c.use(tconn)
	} else {
		c.use(raw)
	}
	// RFC 5321 section 4.3.2: the greeting is 220; 554 means no service.
	if _, err := c.expect("greeting", 220); err != nil {
		return fail("greeting", err)
	}
	if err := c.ehlo(); err != nil {
		return fail("ehlo", err)
	}
	if c.cfg.Security == SecuritySTARTTLS {
		if err := c.startTLS(ctx); err != nil {
			return fail("starttls", err)
		}
	}
	return nil
}

// use makes conn the connection commands go through.
func (c *Client) use(conn net.Conn) {
	c.conn = c.opts.rec.Wrap(conn)
	c.r = bufio.NewReader(c.conn)
}

func (c *Client) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         c.cfg.Host,
		InsecureSkipVerify: !c.cfg.ValidateCert,
		RootCAs:            c.opts.rootCAs,
		MinVersion:         tls.VersionTLS12,
	}
}

// guard closes the connection when ctx ends; call the returned func to stop.
func (c *Client) guard(ctx context.Context) func() bool {
	raw := c.raw
	return context.AfterFunc(ctx, func() {
		c.mutex.Lock()
		c.dead = true
		c.mutex.Unlock()
		raw.Close()
	})
}

// wrap names the failed operation; a connection closed because ctx ended
// reports the context's error rather than "use of closed connection".
func (c *Client) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) || errors.Is(err, ErrConfig) {
		return err
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%s: %w (%v)", op, ctx.Err(), err)
	}
	if strings.HasPrefix(err.Error(), op+":") {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// TLS reports the state of the TLS connection, if there is one.
func (c *Client) TLS() (tls.ConnectionState, bool) {
	if c.tls == nil {
		return tls.ConnectionState{}, false
	}
	return *c.tls, true
}

// Close drops the connection without QUIT.
func (c *Client) Close() error {
	c.mutex.Lock()
	c.dead = true
	c.mutex.Unlock()
	if c.raw == nil {
		return nil
	}
	return c.raw.Close()
}

// Alive says whether the connection may still carry commands: no failure
// dropped it and no context closed it.
func (c *Client) Alive() bool {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	return !c.dead
}

// cmd sends one command line and reads the reply. What the server answers
// is returned as is; only a broken connection is an error.
func (c *Client) cmd(line string) (Reply, error) {
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.Close()
		return Reply{}, err
	}
	return c.read()
}

func (c *Client) read() (Reply, error) {
	rep, err := readReply(c.r)
	if err != nil {
		c.Close()
		return rep, err
	}
	// RFC 5321 section 3.8: 421 means the server is closing the channel.
	if rep.Code == 421 {
		c.Close()
	}
	return rep, nil
}

// expect sends line (none for "greeting") and wants one of codes; any other
// reply becomes an *Error naming the command.
func (c *Client) expect(line string, codes ...int) (Reply, error) {
	var rep Reply
	var err error
	if line == "greeting" {
		rep, err = c.read()
	} else {
		rep, err = c.cmd(line)
	}
	if err != nil {
		return rep, err
	}
	for _, code := range codes {
		if rep.Code == code {
			return rep, nil
		}
	}
	return rep, &Error{Command: commandName(line), Reply: rep}
}

// commandName is the part of a command line that may be shown: the verb,
// and for AUTH the mechanism, never a credential.
func commandName(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return line
	case strings.EqualFold(f[0], "AUTH") && len(f) > 1:
		return "AUTH " + f[1]
	case strings.EqualFold(f[0], "MAIL"), strings.EqualFold(f[0], "RCPT"):
		if len(f) > 1 {
			return f[0] + " " + f[1]
		}
	}
	return f[0]
}
