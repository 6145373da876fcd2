package submission

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const (
	bob       = "bob@example.com"
	smtpScope = "https://outlook.office.com/SMTP.Send"
)

func peerConfig(t testing.TB, addr string, sec Security, auth Auth) Config {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return Config{Host: host, Port: p, Security: sec, Timeout: 10 * time.Second, Auth: auth}
}

// inbox reads user's INBOX over IMAP from the same Dovecot.
func inbox(t *testing.T, d *testpeer.Dovecot, idp *oauthtest.IdP, user string) []string {
	t.Helper()
	tok := idp.AccessToken(user, "https://outlook.office.com/IMAP.AccessAsUser.All", 0)
	host, port, _ := net.SplitHostPort(d.Addr())
	p, _ := strconv.Atoi(port)
	s, err := mailbox.Dial(ctxT(t), mailbox.Config{Host: host, Port: p, Security: mailbox.SecuritySTARTTLS, Timeout: 10 * time.Second,
		Auth: mailbox.XOAUTH2(user, func(context.Context) (string, error) { return tok, nil })})
	if err != nil {
		t.Fatalf("IMAP login as %s: %v", user, err)
	}
	defer s.Close()
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	uids, err := s.UIDsAfter(ctxT(t), 0, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = s.Fetch(ctxT(t), uids, 0, func(m mailbox.Message) error { out = append(out, string(m.Raw)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDovecotSubmission sends through Dovecot's real submission service,
// which checks each token against the fake identity provider, and reads the
// mail back from the recipient's mailbox over IMAP.
func TestDovecotSubmission(t *testing.T) {
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	idp.AddUser(bob, "Bob")
	d := testpeer.StartDovecotSubmission(t, idp.IntrospectionURL())
	longTok := idp.AccessToken(alice, smtpScope, 3000)
	shortTok := idp.AccessToken(alice, smtpScope, 0)
	bobTok := idp.AccessToken(bob, smtpScope, 0)
	cases := []struct {
		name      string
		tls       bool
		sec       Security
		auth      Auth
		wantClass ErrorClass
	}{
		{name: "xoauth2 starttls, 3 KB token", sec: SecuritySTARTTLS, auth: XOAUTH2(alice, staticToken(longTok))},
		{name: "oauthbearer implicit tls, 3 KB token", tls: true, sec: SecuritySSL, auth: OAUTHBEARER(alice, staticToken(longTok))},
		{name: "xoauth2 implicit tls, short token", tls: true, sec: SecuritySSL, auth: XOAUTH2(alice, staticToken(shortTok))},
		{name: "password", sec: SecuritySTARTTLS, auth: Login(alice, d.Password)},
		{name: "wrong password", sec: SecuritySTARTTLS, auth: Login(alice, "nope-nope"), wantClass: ClassAuthentication},
		{name: "unknown token", sec: SecuritySTARTTLS, auth: XOAUTH2(alice, staticToken("at.forged-token")), wantClass: ClassAuthentication},
		{name: "another user's token", sec: SecuritySTARTTLS, auth: XOAUTH2(alice, staticToken(bobTok)), wantClass: ClassAuthentication},
	}
	sent := 0
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := d.SubmissionAddr()
			if tc.tls {
				addr = d.SubmissionTLSAddr()
			}
			var tr Transcript
			c, err := Dial(ctxT(t), peerConfig(t, addr, tc.sec, tc.auth), WithTranscript(&tr))
			if got := Classify(err); got != tc.wantClass {
				t.Fatalf("Dial: class %q (%v), want %q\n%s", got, err, tc.wantClass, tr.String())
			}
			for _, secret := range []string{longTok, shortTok, bobTok, d.Password} {
				if strings.Contains(tr.String(), secret) {
					t.Fatalf("a credential shows in the transcript:\n%s", tr.String())
				}
			}
			if err != nil {
				return
			}
			defer c.Close()
			msgID := "<case" + strconv.Itoa(i) + ".test@example.com>"
			msg := "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: case " + tc.name +
				"\r\nMessage-ID: " + msgID + "\r\nIn-Reply-To: <original@example.com>\r\n\r\n.dot line\r\nbody\r\n"
			if _, err := c.Send(ctxT(t), alice, []string{bob}, []byte(msg)); err != nil {
				t.Fatalf("Send: %v\n%s", err, tr.String())
			}
			if err := c.Quit(ctxT(t)); err != nil {
				t.Errorf("Quit: %v", err)
			}
			sent++
			got := inbox(t, d, idp, bob)
			if len(got) != sent {
				t.Fatalf("bob's INBOX has %d messages, want %d", len(got), sent)
			}
			last := got[len(got)-1]
			for _, want := range []string{"Message-ID: " + msgID, "In-Reply-To: <original@example.com>", "\r\n.dot line\r\nbody"} {
				if !strings.Contains(last, want) {
					t.Errorf("delivered message lacks %q:\n%s", want, last)
				}
			}
		})
	}
}

// A 3 KB token in the AUTH line is refused by Dovecot's submission-login
// (its ~1 KB line buffer): the continuation path above is what makes it work.
func TestDovecotRefusesLongAuthLine(t *testing.T) {
	idp := oauthtest.New(t)
	idp.AddUser(alice, "Alice")
	d := testpeer.StartDovecotSubmission(t, idp.IntrospectionURL())
	tok := idp.AccessToken(alice, smtpScope, 3000)
	host, port, _ := net.SplitHostPort(d.SubmissionAddr())
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &Client{cfg: Config{Host: host}, opts: &options{}, raw: conn}
	c.use(conn)
	if _, err := c.expect("greeting", 220); err != nil {
		t.Fatal(err)
	}
	if err := c.ehlo(); err != nil {
		t.Fatal(err)
	}
	rep, err := c.cmd("AUTH XOAUTH2 " + strings.Repeat("A", len(tok)*4/3))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Code != 500 {
		t.Fatalf("a %d-byte AUTH line got %s; the continuation path would not be needed", len(tok)*4/3, rep)
	}
}
