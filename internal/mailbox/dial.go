package mailbox

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Dial connects to the server of cfg, protects the connection as
// cfg.Security says, and authenticates. cfg.Timeout (or DefaultTimeout)
// bounds all of it; ctx can end it sooner.
func Dial(ctx context.Context, cfg Config, opts ...Option) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	s, err := connect(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	stop := s.guard(ctx)
	defer stop()
	if err := s.authenticate(ctx); err != nil {
		s.c.Close()
		return nil, s.wrap(ctx, "authenticate", err)
	}
	return s, nil
}

// tlsConfig builds the client TLS settings. VerifyConnection records what the
// handshake saw, so Diagnose can report it even when validation is off.
func tlsConfig(cfg Config, o *options, seen *tlsSeen) *tls.Config {
	return &tls.Config{
		ServerName:         cfg.Host,
		InsecureSkipVerify: !cfg.ValidateCert,
		RootCAs:            o.rootCAs,
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"imap"},
		VerifyConnection: func(cs tls.ConnectionState) error {
			seen.set(cs)
			return nil
		},
	}
}

// tlsSeen keeps the connection state of the TLS handshake.
type tlsSeen struct {
	mu sync.Mutex
	cs *tls.ConnectionState
}

func (t *tlsSeen) set(cs tls.ConnectionState) {
	t.mu.Lock()
	t.cs = &cs
	t.mu.Unlock()
}

func (t *tlsSeen) get() (tls.ConnectionState, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cs == nil {
		return tls.ConnectionState{}, false
	}
	return *t.cs, true
}

// marks are when each connection phase ended, for Diagnose.
type marks struct {
	start, dialed, tls, greeted time.Time
}

// connect dials, negotiates TLS and waits for the greeting. It returns a
// Session that is not yet authenticated; on error the Session is closed and
// only its marks say how far it got.
func connect(ctx context.Context, cfg Config, o *options) (*Session, error) {
	s := &Session{cfg: cfg, opts: o}
	s.exists.Store(-1)
	s.marks.start = time.Now()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		return s, s.wrap(ctx, "connect to "+cfg.Addr(), err)
	}
	s.marks.dialed = time.Now()
	// Until the client exists, closing the socket is how ctx interrupts a
	// stalled handshake or greeting.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	fail := func(op string, err error) (*Session, error) {
		conn.Close()
		return s, s.wrap(ctx, op, err)
	}
	tc := tlsConfig(cfg, o, &s.tls)
	var ic net.Conn
	switch cfg.Security {
	case SecuritySSL:
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fail("tls handshake", err)
		}
		s.marks.tls = time.Now()
		ic = o.rec.Wrap(tconn)
	case SecuritySTARTTLS:
		if err := startTLS(o.rec.Wrap(conn)); err != nil {
			return fail("starttls", err)
		}
		s.marks.greeted = time.Now()
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fail("tls handshake", err)
		}
		s.marks.tls = time.Now()
		// The greeting was consumed before STARTTLS; give the client a bare
		// one so it asks for the capabilities afresh, as RFC 9051 section
		// 6.2.1 requires after TLS.
		ic = &replayConn{Conn: o.rec.Wrap(tconn), pending: []byte("* OK TLS established\r\n")}
	default:
		ic = o.rec.Wrap(conn)
	}
	s.c = imapclient.New(ic, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: s.mailboxChanged, Expunge: s.expunged},
	})
	if err := s.c.WaitGreeting(); err != nil {
		s.c.Close()
		return s, s.wrap(ctx, "greeting", err)
	}
	if s.marks.greeted.IsZero() {
		s.marks.greeted = time.Now()
	}
	return s, nil
}
