package demo

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// The sink's limits: what it keeps, and the largest message it takes.
const (
	sinkKeep    = 200
	sinkMaxSize = 10 << 20
	sinkMaxLine = 4096
)

// SentMail is one mail the console sent through the demo's SMTP server.
type SentMail struct {
	N       int // 1 for the first mail the sink took
	At      time.Time
	User    string // who logged in
	From    string // envelope sender
	To      []string
	Subject string
	HeaderFrom, HeaderTo,
	MessageID, InReplyTo string
	// Text is the plain-text part (or the HTML part's source when the
	// mail has no plain part).
	Text string
	Size int
}

// Sink is the demo's SMTP submission server: it takes what the console's
// sender pool sends (AUTH XOAUTH2 or OAUTHBEARER with a live token of the
// demo provider), keeps the last mails in memory for the console's "Mails
// sent" page and delivers nothing anywhere.
type Sink struct {
	ln    net.Listener
	check func(user, token string) bool
	log   *slog.Logger

	mu    sync.Mutex
	mails []SentMail
	n     int
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// StartSink listens on a free loopback port.
func StartSink(log *slog.Logger, check func(user, token string) bool) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, check: check, log: log, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Host and Port are where the sink listens.
func (s *Sink) Host() string { return "127.0.0.1" }

// Port: see Host.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the sink and its sessions.
func (s *Sink) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Mails returns the mails kept, newest first.
func (s *Sink) Mails() []SentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMail, len(s.mails))
	for i, m := range s.mails {
		out[len(s.mails)-1-i] = m
	}
	return out
}

// Mail returns the mail numbered n, if it is still kept.
func (s *Sink) Mail(n int) (SentMail, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mails {
		if m.N == n {
			return m, true
		}
	}
	return SentMail{}, false
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// session speaks the part of SMTP (RFC 5321, 4954) the sender uses.
func (s *Sink) session(c net.Conn) {
	r := bufio.NewReaderSize(c, sinkMaxLine)
	reply := func(lines ...string) bool {
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := io.WriteString(c, strings.Join(lines, "\r\n")+"\r\n")
		return err == nil
	}
	line := func() (string, bool) {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
		l, err := r.ReadSlice('\n')
		if err != nil {
			return "", false
		}
		return strings.TrimRight(string(l), "\r\n"), true
	}
	if !reply("220 demo.example ESMTP demo mail server: nothing leaves this process") {
		return
	}
	var user, from string
	var to []string
	inTx := false // MAIL was given
	for {
		l, ok := line()
		if !ok {
			return
		}
		verb, arg, _ := strings.Cut(l, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			user, from, to, inTx = "", "", nil, false
			ok = reply("250-demo.example", "250-8BITMIME", "250-SIZE 10485760", "250-AUTH XOAUTH2 OAUTHBEARER", "250 ENHANCEDSTATUSCODES")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if resp == "" {
				if !reply("334 ") {
					return
				}
				if resp, ok = line(); !ok {
					return
				}
			}
			u, ok2 := s.login(strings.ToUpper(mech), resp)
			if !ok2 {
				// RFC 7628: a JSON challenge, then 535 after the client's empty answer.
				if !reply("334 " + base64.StdEncoding.EncodeToString([]byte(`{"status":"401","schemes":"bearer","scope":"mail"}`))) {
					return
				}
				if _, ok = line(); !ok {
					return
				}
				ok = reply("535 5.7.8 Authentication failed: not a live token of the demo sign-in page for this mailbox")
				break // out of the switch, to the write check
			}
			user = u
			ok = reply("235 2.7.0 Logged in")
		case "MAIL":
			if user == "" {
				ok = reply("530 5.7.0 Authentication required")
				break // out of the switch, to the write check
			}
			from, to, inTx = addrArg(arg, "FROM:"), nil, true
			ok = reply("250 2.1.0 OK")
		case "RCPT":
			if !inTx {
				ok = reply("503 5.5.1 MAIL first")
				break // out of the switch, to the write check
			}
			to = append(to, addrArg(arg, "TO:"))
			ok = reply("250 2.1.5 OK")
		case "DATA":
			if !inTx || len(to) == 0 {
				ok = reply("503 5.5.1 MAIL and RCPT first")
				break // out of the switch, to the write check
			}
			if !reply("354 End data with <CR><LF>.<CR><LF>") {
				return
			}
			data, tooBig, ok2 := readData(r)
			if !ok2 {
				return
			}
			if tooBig {
				ok = reply("552 5.3.4 Message too large")
				break // out of the switch, to the write check
			}
			s.keep(user, from, to, data)
			from, to, inTx = "", nil, false
			ok = reply("250 2.0.0 Kept by the demo mail server")
		case "RSET":
			from, to, inTx = "", nil, false
			ok = reply("250 2.0.0 OK")
		case "NOOP":
			ok = reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			ok = reply("502 5.5.2 Command not implemented")
		}
		if !ok {
			return
		}
	}
}

// login checks an XOAUTH2 or OAUTHBEARER initial response.
func (s *Sink) login(mech, resp string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return "", false
	}
	var user, token string
	for _, f := range strings.Split(string(raw), "\x01") {
		switch {
		case strings.HasPrefix(f, "user="):
			user = f[len("user="):]
		case strings.HasPrefix(f, "auth=Bearer "):
			token = f[len("auth=Bearer "):]
		case mech == "OAUTHBEARER" && strings.HasPrefix(f, "n,a="):
			user, _, _ = strings.Cut(f[len("n,a="):], ",")
		}
	}
	if (mech != "XOAUTH2" && mech != "OAUTHBEARER") || user == "" || token == "" || !s.check(user, token) {
		return "", false
	}
	return user, true
}

// addrArg reads "FROM:<a@b> SIZE=1" as "a@b".
func addrArg(arg, prefix string) string {
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	return strings.Trim(arg, "<>")
}

// readData reads the message up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) (data []byte, tooBig, ok bool) {
	var b bytes.Buffer
	for {
		l, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: keep reading it.
			if !tooBig && b.Len() < sinkMaxSize {
				b.Write(l)
			}
			continue
		}
		if err != nil {
			return nil, false, false
		}
		if bytes.Equal(bytes.TrimRight(l, "\r\n"), []byte(".")) {
			return b.Bytes(), tooBig, true
		}
		l = bytes.TrimPrefix(l, []byte("."))
		if b.Len()+len(l) > sinkMaxSize {
			tooBig = true
			continue
		}
		b.Write(l)
	}
}

// keep parses and stores one message, dropping the oldest beyond sinkKeep.
func (s *Sink) keep(user, from string, to []string, data []byte) {
	m := SentMail{At: time.Now(), User: user, From: from, To: to, Size: len(data)}
	parseSent(&m, data)
	s.mu.Lock()
	s.n++
	m.N = s.n
	s.mails = append(s.mails, m)
	if len(s.mails) > sinkKeep {
		s.mails = s.mails[len(s.mails)-sinkKeep:]
	}
	s.mu.Unlock()
	s.log.Info("demo: the console sent a mail", "number", m.N, "to", strings.Join(to, ", "), "subject", m.Subject)
}

// parseSent reads the headers and the text of a message.
func parseSent(m *SentMail, data []byte) {
	dec := new(mime.WordDecoder)
	word := func(v string) string {
		if d, err := dec.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		m.Text = string(data)
		return
	}
	m.Subject, m.HeaderFrom, m.HeaderTo = word(msg.Header.Get("Subject")), word(msg.Header.Get("From")), word(msg.Header.Get("To"))
	m.MessageID, m.InReplyTo = strings.Trim(msg.Header.Get("Message-ID"), "<> "), strings.Trim(msg.Header.Get("In-Reply-To"), "<> ")
	mr, err := gomail.CreateReader(bytes.NewReader(data))
	if err != nil {
		return
	}
	var html string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		h, ok := p.Header.(*gomail.InlineHeader)
		if !ok {
			continue
		}
		t, _, _ := h.ContentType()
		b, err := io.ReadAll(io.LimitReader(p.Body, sinkMaxSize))
		if err != nil {
			continue
		}
		switch {
		case t == "text/plain" && m.Text == "":
			m.Text = string(b)
		case t == "text/html" && html == "":
			html = string(b)
		}
	}
	if m.Text == "" {
		m.Text = html
	}
}
