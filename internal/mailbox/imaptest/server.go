// Package imaptest runs go-imap's in-memory IMAP server on loopback for
// tests: SASL XOAUTH2, OAUTHBEARER and PLAIN/LOGIN with scripted tokens and
// passwords, optional implicit TLS or STARTTLS with a self-signed
// certificate, a server without MOVE or UIDPLUS, and faults (a command that
// fails, a connection that drops or hangs).
package imaptest

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/oauthimap/oauthimap/internal/testpeer/selfsigned"
)

// TLSMode is how clients reach the server.
type TLSMode int

// The TLS modes of a test server.
const (
	TLSNone     TLSMode = iota // plain text, authentication allowed
	TLSImplicit                // TLS from the first byte
	TLSStartTLS                // plain text, STARTTLS offered
)

// Options shape a test server.
type Options struct {
	TLS TLSMode
	// NoMove advertises plain IMAP4rev1 without MOVE, so clients must copy.
	NoMove bool
	// NoUIDPlus (with NoMove) also hides UIDPLUS, so clients cannot UID EXPUNGE.
	NoUIDPlus bool
	// CheckToken, when set, also accepts a token it vouches for (e.g. a
	// fake IdP's live access tokens) besides those of AddToken.
	CheckToken func(user, token string) bool
}

// Reporter is the part of testing.TB the server reports failures to.
type Reporter interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Server is a running in-memory IMAP server.
type Server struct {
	t      Reporter
	check  func(user, token string) bool
	srv    *imapserver.Server
	addr   string
	admin  string // plain listener for Messages, never faulted
	secret string // LOGIN password of the admin listener
	pool   *x509.CertPool

	mu        sync.Mutex
	users     map[string]*imapmemserver.User
	tokens    map[string]string // token -> user
	passwords map[string]string // user -> password
	faults    []fault
	conns     map[*imapserver.Conn]struct{}
	stopped   chan struct{}
	closeOnce sync.Once
}

// Start runs a plain-text server with every capability; see StartWith.
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith runs a server shaped by o on 127.0.0.1; t.Cleanup stops it.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	var cert tls.Certificate
	var pool *x509.CertPool
	if o.TLS != TLSNone {
		var err error
		if cert, pool, err = selfsigned.New("imaptest"); err != nil {
			t.Fatalf("imaptest: %v", err)
		}
	}
	s := start(t, o, cert)
	s.pool = pool
	t.Cleanup(s.Close)
	return s
}

// Run runs a plain-text server outside a test (the demo's mailbox); r
// hears of failed deliveries. Close stops it.
func Run(r Reporter, o Options) *Server {
	o.TLS = TLSNone
	return start(r, o, tls.Certificate{})
}

// Close stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stopped)
		_ = s.srv.Close()
	})
}

func start(t Reporter, o Options, cert tls.Certificate) *Server {
	s := &Server{
		t:         t,
		check:     o.CheckToken,
		users:     map[string]*imapmemserver.User{},
		tokens:    map[string]string{},
		passwords: map[string]string{},
		conns:     map[*imapserver.Conn]struct{}{},
		stopped:   make(chan struct{}),
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s.secret = hex.EncodeToString(b)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if o.NoMove {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}
		if o.NoUIDPlus {
			delete(caps, imap.CapUIDPlus)
		}
	}
	opts := &imapserver.Options{
		NewSession:   s.newSession,
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	}
	if o.TLS == TLSStartTLS {
		opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	s.srv = imapserver.New(opts)

	ln := listen(t)
	admin := listen(t)
	s.addr, s.admin = ln.Addr().String(), admin.Addr().String()
	if o.TLS == TLSImplicit {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	go func() { _ = s.srv.Serve(ln) }()
	go func() { _ = s.srv.Serve(admin) }()
	return s
}

func listen(t Reporter) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("imaptest: listen: %v", err)
	}
	return ln
}

// Addr is the host:port clients dial.
func (s *Server) Addr() string { return s.addr }

// Host is the address clients dial, without the port.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the port clients dial.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// CertPool trusts the server's self-signed certificate (nil without TLS).
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// AddToken makes token valid for user with XOAUTH2 and OAUTHBEARER.
func (s *Server) AddToken(token, user string) {
	s.mu.Lock()
	s.tokens[token] = user
	s.mu.Unlock()
}

// SetPassword lets user log in with LOGIN or AUTHENTICATE PLAIN.
func (s *Server) SetPassword(user, password string) {
	s.mu.Lock()
	s.passwords[user] = password
	s.mu.Unlock()
}

// user returns the mailbox owner, created with an INBOX on first use.
func (s *Server) user(name string) *imapmemserver.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil {
		u = imapmemserver.NewUser(name, "")
		_ = u.Create("INBOX", nil)
		s.users[name] = u
	}
	return u
}

// CreateFolder creates a folder for user.
func (s *Server) CreateFolder(user, name string) {
	s.t.Helper()
	if err := s.user(user).Create(name, nil); err != nil {
		s.t.Fatalf("imaptest: create %q: %v", name, err)
	}
}

// Deliver appends raw to user's folder, as a mail delivery would, and
// returns its UID. Sessions idling on the folder are told.
func (s *Server) Deliver(user, folder string, raw []byte) uint32 {
	s.t.Helper()
	return s.DeliverFlags(user, folder, raw)
}

// DeliverFlags is Deliver with flags set on the new message (e.g. \Seen).
func (s *Server) DeliverFlags(user, folder string, raw []byte, flags ...imap.Flag) uint32 {
	s.t.Helper()
	data, err := s.user(user).Append(folder, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Flags: flags})
	if err != nil {
		s.t.Fatalf("imaptest: deliver to %q: %v", folder, err)
	}
	return uint32(data.UID)
}

// DeliverAt is Deliver with the message's arrival (internal) date set, as
// for mail that sat in a mailbox for a while.
func (s *Server) DeliverAt(user, folder string, raw []byte, at time.Time) uint32 {
	s.t.Helper()
	data, err := s.user(user).Append(folder, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: at})
	if err != nil {
		s.t.Fatalf("imaptest: deliver to %q: %v", folder, err)
	}
	return uint32(data.UID)
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }
