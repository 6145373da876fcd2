package mailbox

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

func TestDialAuthentication(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	srv.AddToken("bob-token", "bob@example.com")
	errIdP := errors.New("refresh failed")
	cases := []struct {
		name      string
		auth      Auth
		wantClass ErrorClass
		wantCode  imap.ResponseCode
	}{
		{name: "xoauth2", auth: XOAUTH2(alice, staticToken(aliceToken))},
		{name: "oauthbearer", auth: OAUTHBEARER(alice, staticToken(aliceToken))},
		{name: "password", auth: Login(alice, alicePW)},
		// The server answers BAD unless the client aborts the error challenge
		// with 0x01, so this also proves the abort byte.
		{name: "xoauth2 wrong token", auth: XOAUTH2(alice, staticToken("expired")), wantClass: ClassAuthentication, wantCode: imap.ResponseCodeAuthenticationFailed},
		{name: "oauthbearer wrong token", auth: OAUTHBEARER(alice, staticToken("expired")), wantClass: ClassAuthentication, wantCode: imap.ResponseCodeAuthenticationFailed},
		{name: "xoauth2 token of another user", auth: XOAUTH2(alice, staticToken("bob-token")), wantClass: ClassAuthentication, wantCode: imap.ResponseCodeAuthenticationFailed},
		{name: "wrong password", auth: Login(alice, "nope"), wantClass: ClassAuthentication, wantCode: imap.ResponseCodeAuthenticationFailed},
		{name: "token source fails", auth: XOAUTH2(alice, func(context.Context) (string, error) { return "", errIdP }), wantClass: ClassAuthentication},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Dial(ctxT(t), memConfig(srv, tc.auth))
			if tc.wantClass == ClassNone {
				if err != nil {
					t.Fatalf("Dial: got %v, want success", err)
				}
				defer s.Close()
				if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
					t.Fatalf("Select after login: %v", err)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("Dial: got success, want a %s error", tc.wantClass)
			}
			if got := Classify(err); got != tc.wantClass {
				t.Errorf("Classify(%v) = %q, want %q", err, got, tc.wantClass)
			}
			var ie *imap.Error
			if tc.wantCode != "" && (!errors.As(err, &ie) || ie.Code != tc.wantCode) {
				t.Errorf("got %v, want an IMAP error with code %s", err, tc.wantCode)
			}
			if tc.name == "token source fails" && (!errors.Is(err, errIdP) || !errors.Is(err, ErrToken)) {
				t.Errorf("got %v, want it to wrap ErrToken and the callback's error", err)
			}
		})
	}
}

func TestDialTLS(t *testing.T) {
	for _, mode := range []struct {
		name     string
		tls      imaptest.TLSMode
		security Security
	}{
		{"implicit tls", imaptest.TLSImplicit, SecuritySSL},
		{"starttls", imaptest.TLSStartTLS, SecuritySTARTTLS},
	} {
		srv := memServer(t, imaptest.Options{TLS: mode.tls})
		cases := []struct {
			name      string
			validate  bool
			opts      []Option
			wantClass ErrorClass
		}{
			{name: "self-signed refused when validating", validate: true, wantClass: ClassTLS},
			{name: "self-signed accepted without validation", validate: false},
			{name: "validated against the server's CA", validate: true, opts: []Option{WithRootCAs(srv.CertPool())}},
		}
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				cfg := memConfig(srv, XOAUTH2(alice, staticToken(aliceToken)))
				cfg.Security, cfg.ValidateCert = mode.security, tc.validate
				s, err := Dial(ctxT(t), cfg, tc.opts...)
				if got := Classify(err); got != tc.wantClass {
					t.Fatalf("Dial: got class %q (%v), want %q", got, err, tc.wantClass)
				}
				if err != nil {
					return
				}
				defer s.Close()
				cs, ok := s.TLS()
				if !ok || cs.Version < 0x0303 {
					t.Errorf("TLS state: got %v (version %x), want TLS 1.2 or newer", ok, cs.Version)
				}
				if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
					t.Errorf("Select: %v", err)
				}
			})
		}
	}
}

func TestDialSTARTTLSRefused(t *testing.T) {
	srv := memServer(t, imaptest.Options{}) // plain text, no STARTTLS
	cfg := memConfig(srv, XOAUTH2(alice, staticToken(aliceToken)))
	cfg.Security = SecuritySTARTTLS
	_, err := Dial(ctxT(t), cfg)
	if !errors.Is(err, ErrSTARTTLSRefused) || Classify(err) != ClassTLS {
		t.Fatalf("got %v (class %q), want ErrSTARTTLSRefused, tls", err, Classify(err))
	}
}

func TestDialRejectsBadConfig(t *testing.T) {
	cfg := Config{Host: "127.0.0.1", Port: 143, Security: "tls", Auth: Login(alice, "x")}
	_, err := Dial(context.Background(), cfg)
	if !errors.Is(err, ErrConfig) || Classify(err) != ClassConfig {
		t.Fatalf("got %v (class %q), want ErrConfig", err, Classify(err))
	}
}
