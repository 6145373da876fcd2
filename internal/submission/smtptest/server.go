// Package smtptest is a small hand-written SMTP submission server for fast
// tests of package submission and of the sender pool: EHLO, STARTTLS,
// AUTH XOAUTH2 / OAUTHBEARER / PLAIN / LOGIN with a line-length limit like
// Dovecot's, MAIL/RCPT/DATA, and replies a test can force. Tests that need a
// real server use testpeer's Dovecot submission service.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is one message the server accepted.
type Message struct {
	User string // who logged in
	From string
	To   []string
	Data []byte
}

// Options shape the server.
type Options struct {
	// Addr is where to listen; empty: a free loopback port.
	Addr string
	// Cert enables TLS: implicit when ImplicitTLS, else STARTTLS is offered.
	Cert        *tls.Certificate
	ImplicitTLS bool
	// MaxLine refuses longer command lines with 500, as Dovecot 2.3 does at
	// about 1 KB (SASL responses after a 334 are not limited); 0 means 1024.
	MaxLine int
	// MaxSize is announced in EHLO SIZE and enforced; 0: no limit.
	MaxSize int
	// Mechanisms offered; nil: XOAUTH2 OAUTHBEARER PLAIN LOGIN.
	Mechanisms []string
	// Fault, when set, sees every command verb and argument after login
	// checks and may answer in the server's place (return code 0 to let the
	// command run normally).
	Fault func(verb, arg string) (code int, text string)
	// NoAuth takes MAIL without AUTH: a relay that trusts its network.
	NoAuth bool
	// Relay, when set, is given each message at the end of DATA; the
	// server answers 250 only if it returns nil (451 otherwise), so the
	// message is delivered before the client hears it was accepted.
	Relay func(Message) error
}

// Server is a running test server.
type Server struct {
	t     testing.TB
	ln    net.Listener
	opts  Options
	mu    sync.Mutex
	toks  map[string]string // token -> user
	pws   map[string]string // user -> password
	msgs  []Message
	auths int
	wg    sync.WaitGroup
}

// Start runs a server on a free loopback port until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxLine == 0 {
		opts.MaxLine = 1024
	}
	if opts.Mechanisms == nil {
		opts.Mechanisms = []string{"XOAUTH2", "OAUTHBEARER", "PLAIN", "LOGIN"}
	}
	s := &Server{t: t, ln: ln, opts: opts, toks: map[string]string{}, pws: map[string]string{}}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Close stops listening and waits for the sessions to end.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// Host is the address the server listens on.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the server's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// AddToken lets token log user in.
func (s *Server) AddToken(token, user string) {
	s.mu.Lock()
	s.toks[token] = user
	s.mu.Unlock()
}

// RevokeToken makes token fail from now on.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	delete(s.toks, token)
	s.mu.Unlock()
}

// SetPassword lets user log in with password.
func (s *Server) SetPassword(user, password string) {
	s.mu.Lock()
	s.pws[user] = password
	s.mu.Unlock()
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Logins counts successful authentications (one per connection).
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			if s.opts.ImplicitTLS {
				conn = tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*s.opts.Cert}})
			}
			(&session{s: s, conn: conn, r: bufio.NewReader(conn), tls: s.opts.ImplicitTLS}).run()
		}()
	}
}

type session struct {
	s    *Server
	conn net.Conn
	r    *bufio.Reader
	tls  bool
	user string
	from string
	to   []string
	mail bool
}

func (se *session) reply(code int, text string) {
	fmt.Fprintf(se.conn, "%d %s\r\n", code, text)
}

// line reads a line; tooLong reports one over MaxLine (read and dropped).
func (se *session) line() (string, bool, error) {
	var b bytes.Buffer
	for {
		chunk, isPrefix, err := se.r.ReadLine()
		if err != nil {
			return "", false, err
		}
		b.Write(chunk)
		if !isPrefix {
			break
		}
	}
	return b.String(), b.Len()+2 > se.s.opts.MaxLine, nil
}

func (se *session) run() {
	se.reply(220, "localhost ESMTP smtptest")
	for {
		line, tooLong, err := se.line()
		if err != nil {
			return
		}
		if tooLong {
			se.reply(500, "5.5.2 Line too long")
			continue
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if f := se.s.opts.Fault; f != nil && verb != "EHLO" && verb != "QUIT" {
			if code, text := f(verb, arg); code != 0 {
				se.reply(code, text)
				if code == 421 {
					return
				}
				continue
			}
		}
		switch verb {
		case "EHLO":
			se.ehlo()
		case "STARTTLS":
			if se.tls || se.s.opts.Cert == nil {
				se.reply(502, "5.5.1 STARTTLS not available")
				continue
			}
			se.reply(220, "2.0.0 Begin TLS negotiation now.")
			tc := tls.Server(se.conn, &tls.Config{Certificates: []tls.Certificate{*se.s.opts.Cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			se.conn, se.r, se.tls = tc, bufio.NewReader(tc), true
		case "AUTH":
			if !se.auth(arg) {
				return
			}
		case "MAIL":
			if se.user == "" && !se.s.opts.NoAuth {
				se.reply(530, "5.7.0 Authentication required.")
				continue
			}
			from, params, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:"), " ")
			if n, ok := sizeParam(params); ok && se.s.opts.MaxSize > 0 && n > se.s.opts.MaxSize {
				se.reply(552, "5.2.3 Message size exceeds administrative limit")
				continue
			}
			se.from, se.to, se.mail = strings.Trim(from, "<>"), nil, true
			se.reply(250, "2.1.0 OK")
		case "RCPT":
			if !se.mail {
				se.reply(503, "5.5.1 MAIL needed first")
				continue
			}
			to, _, _ := strings.Cut(strings.TrimPrefix(arg, "TO:"), " ")
			to = strings.Trim(to, "<>")
			if strings.HasPrefix(to, "nobody@") {
				se.reply(550, "5.1.1 <"+to+">: User doesn't exist")
				continue
			}
			se.to = append(se.to, to)
			se.reply(250, "2.1.5 OK")
		case "DATA":
			if len(se.to) == 0 {
				se.reply(554, "5.5.1 No valid recipients")
				continue
			}
			se.reply(354, "OK")
			data, err := se.data()
			if err != nil {
				return
			}
			if se.s.opts.MaxSize > 0 && len(data) > se.s.opts.MaxSize {
				se.reply(552, "5.2.3 Message size exceeds administrative limit")
			} else if err := se.relay(data); err != nil {
				se.reply(451, "4.3.0 "+strings.ReplaceAll(err.Error(), "\n", " "))
			} else {
				se.reply(250, "2.0.0 OK queued")
			}
			se.from, se.to, se.mail = "", nil, false
		case "RSET":
			se.from, se.to, se.mail = "", nil, false
			se.reply(250, "2.0.0 OK")
		case "NOOP":
			se.reply(250, "2.0.0 OK")
		case "QUIT":
			se.reply(221, "2.0.0 Bye")
			return
		default:
			se.reply(500, "5.5.1 Unknown command")
		}
	}
}

func (se *session) ehlo() {
	lines := []string{"localhost", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"}
	if se.s.opts.MaxSize > 0 {
		lines = append(lines, "SIZE "+strconv.Itoa(se.s.opts.MaxSize))
	}
	if se.s.opts.Cert != nil && !se.tls {
		lines = append(lines, "STARTTLS")
	}
	if len(se.s.opts.Mechanisms) > 0 {
		lines = append(lines, "AUTH "+strings.Join(se.s.opts.Mechanisms, " "))
	}
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		fmt.Fprintf(se.conn, "250%s%s\r\n", sep, l)
	}
}

// auth runs AUTH; false means the connection should end.
func (se *session) auth(arg string) bool {
	mech, ir, hasIR := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	offered := false
	for _, m := range se.s.opts.Mechanisms {
		offered = offered || m == mech
	}
	if !offered {
		se.reply(504, "5.5.4 Unsupported authentication mechanism")
		return true
	}
	next := func(challenge string) (string, bool) {
		se.reply(334, challenge)
		// Like Dovecot, the limit is on command lines only: a SASL
		// response after 334 may be several kilobytes.
		l, _, err := se.line()
		return l, err == nil
	}
	if !hasIR {
		var ok bool
		if mech == "LOGIN" {
			ir, ok = next("VXNlcm5hbWU6")
		} else {
			ir, ok = next("")
		}
		if !ok {
			return false
		}
	}
	if ir == "*" {
		se.reply(501, "5.5.2 Authentication aborted")
		return true
	}
	raw, err := base64.StdEncoding.DecodeString(ir)
	if err != nil && ir != "=" {
		se.reply(501, "5.5.2 Invalid base64")
		return true
	}
	user := ""
	se.s.mu.Lock()
	switch mech {
	case "XOAUTH2", "OAUTHBEARER":
		u, tok := parseBearer(string(raw))
		if owner, ok := se.s.toks[tok]; ok && owner == u {
			user = u
		}
	case "PLAIN":
		parts := strings.Split(string(raw), "\x00")
		if len(parts) == 3 && parts[1] != "" && se.s.pws[parts[1]] == parts[2] {
			user = parts[1]
		}
	case "LOGIN":
		se.s.mu.Unlock()
		pwLine, ok := next("UGFzc3dvcmQ6")
		if !ok {
			return false
		}
		pw, _ := base64.StdEncoding.DecodeString(pwLine)
		se.s.mu.Lock()
		if p, ok := se.s.pws[string(raw)]; ok && p == string(pw) {
			user = string(raw)
		}
	}
	if user != "" {
		se.s.auths++
	}
	se.s.mu.Unlock()
	if user == "" {
		if mech == "XOAUTH2" || mech == "OAUTHBEARER" {
			// The JSON error challenge, as Google, Microsoft and Dovecot send it.
			if _, ok := next(base64.StdEncoding.EncodeToString([]byte(`{"status":"401","schemes":"bearer","scope":"mail"}`))); !ok {
				return false
			}
		}
		se.reply(535, "5.7.8 Authentication failed.")
		return true
	}
	se.user = user
	se.reply(235, "2.7.0 Logged in.")
	return true
}

// parseBearer reads the user and token of an XOAUTH2 or OAUTHBEARER response.
func parseBearer(s string) (user, token string) {
	for _, f := range strings.Split(s, "\x01") {
		switch {
		case strings.HasPrefix(f, "user="):
			user = f[5:]
		case strings.HasPrefix(f, "auth=Bearer "):
			token = f[12:]
		case strings.HasPrefix(f, "n,a="):
			name, _, _ := strings.Cut(f[4:], ",")
			user = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(name)
		}
	}
	return user, token
}

func sizeParam(params string) (int, bool) {
	for _, p := range strings.Fields(params) {
		if v, ok := strings.CutPrefix(strings.ToUpper(p), "SIZE="); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}

func (se *session) relay(data []byte) error {
	m := Message{User: se.user, From: se.from, To: se.to, Data: data}
	if r := se.s.opts.Relay; r != nil {
		if err := r(m); err != nil {
			return err
		}
	}
	se.s.mu.Lock()
	se.s.msgs = append(se.s.msgs, m)
	se.s.mu.Unlock()
	return nil
}

// data reads until the lone dot and undoes dot-stuffing.
func (se *session) data() ([]byte, error) {
	var out bytes.Buffer
	for {
		l, err := se.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if l == ".\r\n" {
			return out.Bytes(), nil
		}
		out.WriteString(strings.TrimPrefix(l, "."))
	}
}
