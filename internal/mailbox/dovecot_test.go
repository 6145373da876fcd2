package mailbox

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// dovecot starts a real Dovecot where alice's token is valid.
func dovecot(t *testing.T) *testpeer.Dovecot {
	t.Helper()
	in := testpeer.NewIntrospector(t)
	in.Add(aliceToken, alice)
	return testpeer.StartDovecot(t, in.URL())
}

func dovecotConfig(t testing.TB, addr string, sec Security, auth Auth) Config {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return Config{Host: host, Port: p, Security: sec, Timeout: 10 * time.Second, Auth: auth}
}

func TestDovecotLogin(t *testing.T) {
	d := dovecot(t)
	d.Deliver(t, alice, "INBOX", mail("from dovecot", 500))
	xo := XOAUTH2(alice, staticToken(aliceToken))
	cases := []struct {
		name      string
		tls       bool // implicit TLS listener
		sec       Security
		auth      Auth
		validate  bool
		opts      []Option
		wantClass ErrorClass
	}{
		{name: "xoauth2 starttls", sec: SecuritySTARTTLS, auth: xo},
		{name: "xoauth2 implicit tls", tls: true, sec: SecuritySSL, auth: xo},
		{name: "xoauth2 plain", sec: SecurityNone, auth: xo},
		{name: "oauthbearer starttls", sec: SecuritySTARTTLS, auth: OAUTHBEARER(alice, staticToken(aliceToken))},
		{name: "oauthbearer implicit tls", tls: true, sec: SecuritySSL, auth: OAUTHBEARER(alice, staticToken(aliceToken))},
		{name: "password", tls: true, sec: SecuritySSL, auth: Login(alice, d.Password)},
		{name: "wrong password", tls: true, sec: SecuritySSL, auth: Login(alice, "nope"), wantClass: ClassAuthentication},
		{name: "xoauth2 wrong token", sec: SecuritySTARTTLS, auth: XOAUTH2(alice, staticToken("revoked")), wantClass: ClassAuthentication},
		{name: "oauthbearer wrong token", tls: true, sec: SecuritySSL, auth: OAUTHBEARER(alice, staticToken("revoked")), wantClass: ClassAuthentication},
		{name: "token of another user", tls: true, sec: SecuritySSL, auth: XOAUTH2("mallory@example.com", staticToken(aliceToken)), wantClass: ClassAuthentication},
		{name: "self-signed refused when validating tls", tls: true, sec: SecuritySSL, auth: xo, validate: true, wantClass: ClassTLS},
		{name: "self-signed refused when validating starttls", sec: SecuritySTARTTLS, auth: xo, validate: true, wantClass: ClassTLS},
		{name: "validated against the harness CA", tls: true, sec: SecuritySSL, auth: xo, validate: true, opts: []Option{WithRootCAs(d.CertPool())}},
		{name: "validated against the harness CA starttls", sec: SecuritySTARTTLS, auth: xo, validate: true, opts: []Option{WithRootCAs(d.CertPool())}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := d.Addr()
			if tc.tls {
				addr = d.TLSAddr()
			}
			cfg := dovecotConfig(t, addr, tc.sec, tc.auth)
			cfg.ValidateCert = tc.validate
			s, err := Dial(ctxT(t), cfg, tc.opts...)
			if got := Classify(err); got != tc.wantClass {
				t.Fatalf("Dial: got class %q (%v), want %q", got, err, tc.wantClass)
			}
			if err != nil {
				return
			}
			defer s.Close()
			mb, err := s.Select(ctxT(t), "INBOX")
			if err != nil || mb.Messages != 1 {
				t.Fatalf("Select: got %+v, %v; want 1 message", mb, err)
			}
		})
	}
}

func TestDovecotFetchMoveSeen(t *testing.T) {
	d := dovecot(t)
	d.CreateFolder(t, alice, "Archive/Accepted")
	for i := range 4 {
		d.Deliver(t, alice, "INBOX", mail("m"+strconv.Itoa(i), 1000+i*20_000))
	}
	s, err := Dial(ctxT(t), dovecotConfig(t, d.TLSAddr(), SecuritySSL, XOAUTH2(alice, staticToken(aliceToken))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !slices.Contains(s.Capabilities(), "MOVE") {
		t.Fatalf("capabilities %v lack MOVE", s.Capabilities())
	}
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	uids, err := s.UIDsAfter(ctxT(t), 0, true, 0)
	if err != nil || !slices.Equal(uids, []uint32{1, 2, 3, 4}) {
		t.Fatalf("UIDsAfter: got %v, %v", uids, err)
	}
	var big []uint32
	err = s.Fetch(ctxT(t), uids, 30_000, func(m Message) error {
		if m.TooLarge {
			big = append(big, m.UID)
		} else if !strings.Contains(string(m.Raw), "Subject: m") {
			t.Errorf("uid %d: body %q", m.UID, m.Raw[:min(len(m.Raw), 80)])
		}
		return nil
	})
	if err != nil || !slices.Equal(big, []uint32{3, 4}) {
		t.Fatalf("Fetch: too large %v, %v; want [3 4]", big, err)
	}
	if err := s.Move(ctxT(t), []uint32{1, 3}, "Archive/Accepted"); err != nil {
		t.Fatalf("Move: %v", err)
	}
	if err := s.Move(ctxT(t), []uint32{2}, "Archive/Missing"); Classify(err) != ClassFolderMissing {
		t.Fatalf("Move to a missing folder: got %v (class %q), want folder_missing", err, Classify(err))
	}
	if err := s.MarkSeen(ctxT(t), []uint32{2}); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.UIDsAfter(ctxT(t), 0, true, 0); !slices.Equal(left, []uint32{4}) {
		t.Errorf("unseen left in INBOX: got %v, want [4]", left)
	}
	mb, err := s.Select(ctxT(t), "Archive/Accepted")
	if err != nil || mb.Messages != 2 {
		t.Errorf("Archive/Accepted: got %+v, %v; want 2 messages", mb, err)
	}
}

func TestDovecotIdle(t *testing.T) {
	d := dovecot(t)
	s, err := Dial(ctxT(t), dovecotConfig(t, d.Addr(), SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	changes, stop := idle(t, s)
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	d.Deliver(t, alice, "INBOX", mail("pushed", 300))
	saved := time.Since(t0)
	wantChange(t, changes, time.Second+saved)
	t.Logf("IDLE woke %v after doveadm save began (save took %v)", time.Since(t0), saved)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestDovecotDiagnose(t *testing.T) {
	d := dovecot(t)
	cases := []struct {
		name      string
		addr      string
		sec       Security
		auth      Auth
		wantOK    bool
		wantClass ErrorClass
	}{
		{name: "xoauth2 starttls", addr: d.Addr(), sec: SecuritySTARTTLS, auth: XOAUTH2(alice, staticToken(aliceToken)), wantOK: true},
		{name: "oauthbearer tls", addr: d.TLSAddr(), sec: SecuritySSL, auth: OAUTHBEARER(alice, staticToken(aliceToken)), wantOK: true},
		{name: "password", addr: d.TLSAddr(), sec: SecuritySSL, auth: Login(alice, d.Password), wantOK: true},
		{name: "revoked token", addr: d.TLSAddr(), sec: SecuritySSL, auth: XOAUTH2(alice, staticToken(aliceToken+"-revoked")), wantClass: ClassAuthentication},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Diagnose(ctxT(t), dovecotConfig(t, tc.addr, tc.sec, tc.auth))
			if r.OK != tc.wantOK || r.Class != tc.wantClass {
				t.Fatalf("got OK=%t class %q (%s), want OK=%t class %q", r.OK, r.Class, r.Explanation, tc.wantOK, tc.wantClass)
			}
			wire := ""
			for _, l := range r.Transcript {
				wire += l.Dir + " " + l.Text + "\n"
			}
			if !strings.Contains(wire, "AUTHENTICATE "+string(tc.auth.Mechanism)+" [redacted]") && tc.auth.Mechanism != MechLogin {
				t.Errorf("transcript lacks the redacted AUTHENTICATE line:\n%s", wire)
			}
			for _, f := range forbidden(aliceToken, d.Password) {
				if strings.Contains(wire, f) {
					t.Errorf("transcript contains secret %q", f)
				}
			}
			t.Logf("steps %s\n%s", stepNames(r), wire)
		})
	}
}

func TestDovecotOutage(t *testing.T) {
	d := dovecot(t)
	cfg := dovecotConfig(t, d.TLSAddr(), SecuritySSL, XOAUTH2(alice, staticToken(aliceToken)))
	s, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	d.Stop()
	t.Logf("stopped in %v", time.Since(t0))
	if _, err := s.Select(ctxT(t), "INBOX"); Classify(err) != ClassNetwork {
		t.Fatalf("Select while stopped: got %v (class %q), want network", err, Classify(err))
	}
	if _, err := Dial(ctxT(t), cfg); Classify(err) != ClassNetwork {
		t.Fatalf("Dial while stopped: got %v (class %q), want network", err, Classify(err))
	}
	t0 = time.Now()
	d.Restart()
	t.Logf("restarted in %v", time.Since(t0))
	s2, err := Dial(ctxT(t), cfg)
	if err != nil {
		t.Fatalf("Dial after restart: %v", err)
	}
	defer s2.Close()
	if _, err := s2.Select(context.Background(), "INBOX"); err != nil {
		t.Fatal(err)
	}
}
