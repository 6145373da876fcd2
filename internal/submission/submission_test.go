package submission

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/submission/smtptest"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const (
	alice      = "alice@example.com"
	aliceToken = "ya29.alice-token-Zq8+/w=="
	alicePW    = "s3cret-Pässword!"
)

func staticToken(tok string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return tok, nil }
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tlsServer starts a server with a self-signed certificate; alice has a
// token and a password.
func tlsServer(t *testing.T, o smtptest.Options) (*smtptest.Server, []Option) {
	t.Helper()
	cert, pool := testpeer.SelfSigned(t, "smtptest")
	o.Cert = &cert
	srv := smtptest.Start(t, o)
	srv.AddToken(aliceToken, alice)
	srv.SetPassword(alice, alicePW)
	return srv, []Option{WithRootCAs(pool)}
}

func cfgFor(srv *smtptest.Server, sec Security, auth Auth) Config {
	return Config{Host: srv.Host(), Port: srv.Port(), Security: sec, ValidateCert: true, Timeout: 5 * time.Second, Auth: auth}
}

const testMsg = "From: alice@example.com\nTo: bob@example.com\nSubject: hi\n\nline one\n.a line starting with a dot\n..two dots\n"

func TestSendEachSecurityAndMechanism(t *testing.T) {
	for _, tc := range []struct {
		name string
		sec  Security
		auth Auth
		mech []string
	}{
		{"starttls xoauth2", SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken)), nil},
		{"starttls oauthbearer", SecuritySTARTTLS, OAUTHBEARER(alice, staticToken(aliceToken)), nil},
		{"implicit tls xoauth2", SecuritySSL, XOAUTH2(alice, staticToken(aliceToken)), nil},
		{"none plain", SecurityNone, Login(alice, alicePW), nil},
		{"starttls login only", SecuritySTARTTLS, Login(alice, alicePW), []string{"LOGIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, opts := tlsServer(t, smtptest.Options{ImplicitTLS: tc.sec == SecuritySSL, Mechanisms: tc.mech})
			c, err := Dial(ctxT(t), cfgFor(srv, tc.sec, tc.auth), opts...)
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			if _, ok := c.TLS(); ok != (tc.sec != SecurityNone) {
				t.Errorf("TLS state present = %v for %s", ok, tc.sec)
			}
			res, err := c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(testMsg))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(res.Refused) != 0 || res.Reply.Code != 250 {
				t.Errorf("result = %+v", res)
			}
			if err := c.Quit(ctxT(t)); err != nil {
				t.Errorf("Quit: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			want := strings.ReplaceAll(testMsg, "\n", "\r\n")
			if m.User != alice || m.From != alice || len(m.To) != 1 || string(m.Data) != want {
				t.Errorf("server got user %q from %q to %v data %q; want data %q", m.User, m.From, m.To, m.Data, want)
			}
		})
	}
}

// A 3 KB token (an Entra access token is 2-3 KB) does not fit in the AUTH
// line of a server with Dovecot's 1 KB limit: it must go after the 334.
func TestLongTokenSentAfterContinuation(t *testing.T) {
	long := "eyJ0eXAiOiJKV1Qi." + strings.Repeat("Qk", 1500)
	for _, mech := range []Mechanism{MechXOAUTH2, MechOAUTHBEARER} {
		t.Run(string(mech), func(t *testing.T) {
			srv, opts := tlsServer(t, smtptest.Options{})
			srv.AddToken(long, alice)
			var tr Transcript
			auth := Auth{Mechanism: mech, User: alice, Token: staticToken(long)}
			c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, auth), append(opts, WithTranscript(&tr))...)
			if err != nil {
				t.Fatalf("Dial with a %d-byte token: %v\n%s", len(long), err, tr.String())
			}
			defer c.Close()
			text := tr.String()
			if !strings.Contains(text, ">>> AUTH "+string(mech)+"\n<<< 334 \n>>> [redacted]\n<<< 235") {
				t.Errorf("want a bare AUTH, an empty challenge, the redacted response, then 235:\n%s", text)
			}
			if strings.Contains(text, long[:40]) || strings.Contains(text, base64.StdEncoding.EncodeToString([]byte(long))[:40]) {
				t.Errorf("the token shows in the transcript:\n%s", text)
			}
		})
	}
	t.Run("short token stays in the AUTH line", func(t *testing.T) {
		srv, opts := tlsServer(t, smtptest.Options{})
		var tr Transcript
		c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), append(opts, WithTranscript(&tr))...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if !strings.Contains(tr.String(), ">>> AUTH XOAUTH2 [redacted]\n<<< 235") {
			t.Errorf("want the initial response in the AUTH line:\n%s", tr.String())
		}
	})
}

func TestBadTokenIsAuthenticationWithChallenge(t *testing.T) {
	for _, mech := range []Mechanism{MechXOAUTH2, MechOAUTHBEARER} {
		t.Run(string(mech), func(t *testing.T) {
			srv, opts := tlsServer(t, smtptest.Options{})
			var tr Transcript
			auth := Auth{Mechanism: mech, User: alice, Token: staticToken("revoked-token-123")}
			_, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, auth), append(opts, WithTranscript(&tr))...)
			var se *Error
			if !errors.As(err, &se) || se.Code != 535 || se.Command != "AUTH "+string(mech) {
				t.Fatalf("err = %v, want the 535 of AUTH %s", err, mech)
			}
			if !strings.Contains(se.Challenge, `"status":"401"`) {
				t.Errorf("challenge %q not decoded", se.Challenge)
			}
			if c := Classify(err); c != ClassAuthentication || c.Transient() {
				t.Errorf("class %q", c)
			}
			if strings.Contains(tr.String(), "revoked-token-123") || strings.Contains(err.Error(), "revoked-token-123") {
				t.Errorf("token leaked: %v\n%s", err, tr.String())
			}
			if !strings.Contains(tr.String(), "(decoded: {") {
				t.Errorf("the transcript should decode the error challenge:\n%s", tr.String())
			}
		})
	}
}

func TestPasswordNeverInTranscript(t *testing.T) {
	for _, mech := range [][]string{{"PLAIN"}, {"LOGIN"}} {
		t.Run(mech[0], func(t *testing.T) {
			srv, opts := tlsServer(t, smtptest.Options{Mechanisms: mech})
			var tr Transcript
			c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, Login(alice, alicePW)), append(opts, WithTranscript(&tr))...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte("Subject: secret body text\r\n\r\nbody-marker\r\n")); err != nil {
				t.Fatal(err)
			}
			c.Quit(ctxT(t))
			text := tr.String()
			b64user := base64.StdEncoding.EncodeToString([]byte(alice))
			for _, secret := range []string{alicePW, base64.StdEncoding.EncodeToString([]byte(alicePW)), base64.StdEncoding.EncodeToString([]byte("\x00" + alice + "\x00" + alicePW)), "body-marker"} {
				if strings.Contains(text, secret) {
					t.Errorf("%q shows in the transcript:\n%s", secret, text)
				}
			}
			if mech[0] == "LOGIN" && strings.Contains(text, b64user) {
				t.Errorf("LOGIN's user name line should be redacted too:\n%s", text)
			}
			if !strings.Contains(text, ">>> [message of ") || !strings.Contains(text, "<<< 221") {
				t.Errorf("transcript lacks the message size line or the QUIT answer:\n%s", text)
			}
		})
	}
}

func TestMechanismNotOffered(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{Mechanisms: []string{"PLAIN"}})
	_, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if !errors.Is(err, ErrMechanismNotOffered) || Classify(err) != ClassAuthentication {
		t.Fatalf("err = %v (class %q)", err, Classify(err))
	}
}

func TestTokenCallbackFailure(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{})
	boom := errors.New("refresh token revoked")
	auth := XOAUTH2(alice, func(context.Context) (string, error) { return "", boom })
	_, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, auth), opts...)
	if !errors.Is(err, ErrToken) || !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if srv.Logins() != 0 {
		t.Error("a login happened without a token")
	}
}

func TestSTARTTLSRefusedWithoutCertificate(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	_, err := Dial(ctxT(t), Config{Host: srv.Host(), Port: srv.Port(), Security: SecuritySTARTTLS, Timeout: 5 * time.Second, Auth: Login(alice, alicePW)})
	if !errors.Is(err, ErrSTARTTLSRefused) || Classify(err) != ClassTLS {
		t.Fatalf("err = %v (class %q)", err, Classify(err))
	}
}

func TestUntrustedCertificateIsTLS(t *testing.T) {
	srv, _ := tlsServer(t, smtptest.Options{ImplicitTLS: true})
	_, err := Dial(ctxT(t), cfgFor(srv, SecuritySSL, Login(alice, alicePW)))
	if Classify(err) != ClassTLS {
		t.Fatalf("err = %v (class %q)", err, Classify(err))
	}
}

func TestRecipientsRefused(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Send(ctxT(t), alice, []string{"bob@example.com", "nobody@example.com"}, []byte(testMsg))
	if err != nil {
		t.Fatalf("one good recipient should be enough: %v", err)
	}
	if rep, ok := res.Refused["nobody@example.com"]; !ok || rep.Code != 550 || rep.Enhanced != "5.1.1" {
		t.Errorf("refused = %+v", res.Refused)
	}
	_, err = c.Send(ctxT(t), alice, []string{"nobody@example.com"}, []byte(testMsg))
	if Classify(err) != ClassRecipientRefused || Classify(err).Transient() {
		t.Fatalf("all refused: err = %v (class %q)", err, Classify(err))
	}
	// The transaction was reset: the connection carries the next message.
	if _, err := c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(testMsg)); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("server has %d messages, want 2", n)
	}
}

func TestTooLargeNeverOffered(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{MaxSize: 1000})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.MaxSize() != 1000 {
		t.Errorf("MaxSize = %d", c.MaxSize())
	}
	_, err = c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(strings.Repeat("x", 2000)))
	if !errors.Is(err, ErrTooLarge) || Classify(err) != ClassTooLarge {
		t.Fatalf("err = %v", err)
	}
}

func TestThrottledThenRecovers(t *testing.T) {
	n := 0
	srv, opts := tlsServer(t, smtptest.Options{Fault: func(verb, _ string) (int, string) {
		if verb == "MAIL" {
			n++
			if n == 1 {
				return 452, "4.5.3 Too many recipients, try again later"
			}
		}
		return 0, ""
	}})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(testMsg))
	var se *Error
	if !errors.As(err, &se) || !se.Temporary() || Classify(err) != ClassThrottled || !Classify(err).Transient() {
		t.Fatalf("err = %v (class %q)", err, Classify(err))
	}
	if !c.Alive() {
		t.Fatal("a 452 should not kill the connection")
	}
	if _, err := c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(testMsg)); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
}

func TestServerClosing421(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{Fault: func(verb, _ string) (int, string) {
		if verb == "MAIL" {
			return 421, "4.4.2 Message submission rate for this client has exceeded the configured limit"
		}
		return 0, ""
	}})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(ctxT(t), alice, []string{"bob@example.com"}, []byte(testMsg))
	if Classify(err) != ClassThrottled {
		t.Fatalf("err = %v (class %q)", err, Classify(err))
	}
	if c.Alive() {
		t.Error("after 421 the connection is closed by the server; the client must know")
	}
}

func TestContextEndsAStalledSession(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{Fault: func(verb, _ string) (int, string) {
		if verb == "MAIL" {
			time.Sleep(2 * time.Second)
		}
		return 0, ""
	}})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Send(ctx, alice, []string{"bob@example.com"}, []byte(testMsg))
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != ClassNetwork {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send returned after %v, the context had 100ms", d)
	}
	if c.Alive() {
		t.Error("the client should be dead after its context closed it")
	}
}

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		in      string
		code    int
		enh     string
		text    string
		wantErr bool
	}{
		{"250 OK\r\n", 250, "", "OK", false},
		{"250-mx.example.com\r\n250-SIZE 35882577\r\n250 AUTH XOAUTH2 PLAIN\r\n", 250, "", "mx.example.com SIZE 35882577 AUTH XOAUTH2 PLAIN", false},
		{"535 5.7.8 Authentication failed.\r\n", 535, "5.7.8", "Authentication failed.", false},
		{"550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Please try again.\r\n", 550, "5.1.1", "The email account that you tried to reach does not exist. Please try again.", false},
		{"421 4.4.2 closing\r\n", 421, "4.4.2", "closing", false},
		{"250 5.1.1 class differs: not an enhanced code\r\n", 250, "", "5.1.1 class differs: not an enhanced code", false},
		{"334 \r\n", 334, "", "", false},
		{"220\r\n", 220, "", "", false},
		{"hello\r\n", 0, "", "", true},
		{"250-a\r\n251 b\r\n", 0, "", "", true},
		{"999 no\r\n", 0, "", "", true},
	} {
		rep, err := readReply(bufio.NewReader(strings.NewReader(tc.in)))
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err = %v", tc.in, err)
			continue
		}
		if !tc.wantErr && (rep.Code != tc.code || rep.Enhanced != tc.enh || rep.Text() != tc.text) {
			t.Errorf("%q: got %d %q %q", tc.in, rep.Code, rep.Enhanced, rep.Text())
		}
	}
}

func TestClassifyReplies(t *testing.T) {
	for _, tc := range []struct {
		cmd   string
		reply string
		want  ErrorClass
	}{
		{"AUTH XOAUTH2", "535 5.7.3 Authentication unsuccessful", ClassAuthentication},
		{"AUTH XOAUTH2", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", ClassAuthentication},
		{"MAIL FROM:<a@b>", "530 5.7.57 Client not authenticated to send mail.", ClassAuthentication},
		{"DATA", "554 5.2.252 SendAsDenied; alice@contoso.com not allowed to send as ceo@contoso.com", ClassSendAs},
		{"RCPT TO:<x@y>", "553 5.7.1 <ceo@example.com>: Sender address rejected: not owned by user alice@example.com", ClassSendAs},
		{"RCPT TO:<x@y>", "550 5.1.1 User unknown", ClassRecipientRefused},
		{"RCPT TO:<x@y>", "550 5.4.1 Recipient address rejected: Access denied", ClassRecipientRefused},
		{"MAIL FROM:<a@b>", "552 5.3.4 Message size exceeds fixed limit", ClassTooLarge},
		{"DATA", "552 5.2.3 Message size exceeds administrative limit", ClassTooLarge},
		{"MAIL FROM:<a@b>", "421 4.4.2 Message submission rate for this client has exceeded the configured limit", ClassThrottled},
		{"DATA", "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", ClassThrottled},
		{"RCPT TO:<x@y>", "452 4.5.3 Too many recipients", ClassThrottled},
		{"DATA", "451 4.3.0 Temporary server error", ClassThrottled},
		{"DATA", "554 5.6.0 Message rejected as spam", ClassOther},
	} {
		rep, err := readReply(bufio.NewReader(strings.NewReader(tc.reply + "\r\n")))
		if err != nil {
			t.Fatal(err)
		}
		e := &Error{Command: commandName(tc.cmd), Reply: rep}
		if got := Classify(e); got != tc.want {
			t.Errorf("%s -> %q: class %q, want %q", tc.cmd, tc.reply, got, tc.want)
		}
		if Remedy(tc.want) == "" {
			t.Errorf("no remedy for %q", tc.want)
		}
	}
}

func TestDotStuffAndNormalise(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\nb", "a\r\nb\r\n"},
		{".\n", "..\r\n"},
		{"x\r\n.y\r\n", "x\r\n..y\r\n"},
		{"bare\rcr\n", "bare\r\ncr\r\n"},
		{"", "\r\n"},
	} {
		if got := string(dotStuff(normalise([]byte(tc.in)))); got != tc.want {
			t.Errorf("%q -> %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValidateAndAddresses(t *testing.T) {
	ok := Config{Host: "smtp.office365.com", Port: 587, Security: SecuritySTARTTLS, Auth: XOAUTH2(alice, staticToken("t"))}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, bad := range []Config{
		{Port: 587, Security: SecuritySTARTTLS, Auth: ok.Auth},
		{Host: "h", Port: 0, Security: SecuritySTARTTLS, Auth: ok.Auth},
		{Host: "h", Port: 587, Security: "tls", Auth: ok.Auth},
		{Host: "h", Port: 587, Security: SecuritySTARTTLS, Auth: Auth{Mechanism: MechXOAUTH2, User: alice}},
		{Host: "h", Port: 587, Security: SecuritySTARTTLS, Auth: Login("", "pw")},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
	srv, opts := tlsServer(t, smtptest.Options{})
	c, err := Dial(ctxT(t), cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Send(ctxT(t), alice, []string{"bob@example.com>\r\nRCPT TO:<evil@example.com"}, []byte(testMsg))
	if Classify(err) != ClassConfig {
		t.Fatalf("an address with CRLF must be refused locally: %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("something was sent")
	}
}

func TestTrySendReports(t *testing.T) {
	srv, opts := tlsServer(t, smtptest.Options{})
	cfg := cfgFor(srv, SecuritySTARTTLS, XOAUTH2(alice, staticToken(aliceToken)))
	r := TrySend(ctxT(t), cfg, alice, []string{"bob@example.com"}, []byte(testMsg), opts...)
	if !r.OK || r.Class != ClassNone || len(r.Transcript) < 10 {
		t.Fatalf("report = %+v", r)
	}
	cfg.Auth = XOAUTH2(alice, staticToken("wrong-token-xyz"))
	r = TrySend(ctxT(t), cfg, alice, []string{"bob@example.com"}, []byte(testMsg), opts...)
	if r.OK || r.Class != ClassAuthentication || r.Remedy == "" || r.Explanation == "" {
		t.Fatalf("report = %+v", r)
	}
	for _, l := range r.Transcript {
		if strings.Contains(l.Text, "wrong-token-xyz") {
			t.Errorf("token in transcript line %q", l.Text)
		}
	}
}
