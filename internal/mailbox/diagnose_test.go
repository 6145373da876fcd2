package mailbox

import (
	"encoding/base64"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

// forbidden lists every form in which a credential could leak.
func forbidden(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s,
			base64.StdEncoding.EncodeToString([]byte(s)),
			base64.RawStdEncoding.EncodeToString([]byte(s)))
	}
	for _, p := range []string{
		"user=" + alice + "\x01auth=Bearer " + aliceToken + "\x01\x01",
		"n,a=" + alice + ",\x01auth=Bearer " + aliceToken + "\x01\x01",
		"\x00" + alice + "\x00" + alicePW,
	} {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(p)))
	}
	return out
}

func checkRedacted(t *testing.T, r Report) {
	t.Helper()
	all := ""
	for _, l := range r.Transcript {
		all += l.Dir + " " + l.Text + "\n"
	}
	for _, st := range r.Steps {
		all += st.Detail + "\n"
	}
	all += r.Explanation
	for _, f := range forbidden(aliceToken, alicePW) {
		if strings.Contains(all, f) {
			t.Errorf("report contains the secret %q:\n%s", f, all)
		}
	}
}

func stepNames(r Report) string {
	var n []string
	for _, s := range r.Steps {
		mark := "ok"
		if !s.OK {
			mark = "FAIL"
		}
		n = append(n, s.Name+":"+mark)
	}
	return strings.Join(n, " ")
}

func TestDiagnose(t *testing.T) {
	srv := memServer(t, imaptest.Options{TLS: imaptest.TLSImplicit})
	srv.CreateFolder(alice, "Tickets")
	cases := []struct {
		name       string
		auth       Auth
		folder     string
		validate   bool
		wantOK     bool
		wantSteps  string
		wantClass  ErrorClass
		wantInWire string
	}{
		{name: "xoauth2 ok", auth: XOAUTH2(alice, staticToken(aliceToken)), wantOK: true,
			wantSteps:  "connect:ok tls:ok greeting:ok capabilities:ok authenticate:ok select:ok logout:ok",
			wantInWire: "AUTHENTICATE XOAUTH2 [redacted]"},
		{name: "oauthbearer ok", auth: OAUTHBEARER(alice, staticToken(aliceToken)), folder: "Tickets", wantOK: true,
			wantSteps:  "connect:ok tls:ok greeting:ok capabilities:ok authenticate:ok select:ok logout:ok",
			wantInWire: "AUTHENTICATE OAUTHBEARER [redacted]"},
		{name: "password ok", auth: Login(alice, alicePW), wantOK: true,
			wantSteps:  "connect:ok tls:ok greeting:ok capabilities:ok authenticate:ok select:ok logout:ok",
			wantInWire: "AUTHENTICATE PLAIN [redacted]"},
		{name: "token rejected", auth: XOAUTH2(alice, staticToken(aliceToken+"x")),
			wantSteps: "connect:ok tls:ok greeting:ok capabilities:ok authenticate:FAIL", wantClass: ClassAuthentication,
			wantInWire: "AUTHENTICATIONFAILED"},
		{name: "folder missing", auth: XOAUTH2(alice, staticToken(aliceToken)), folder: "Nope",
			wantSteps: "connect:ok tls:ok greeting:ok capabilities:ok authenticate:ok select:FAIL", wantClass: ClassFolderMissing},
		{name: "certificate not trusted", auth: XOAUTH2(alice, staticToken(aliceToken)), validate: true,
			wantSteps: "connect:ok tls:FAIL", wantClass: ClassTLS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := memConfig(srv, tc.auth)
			cfg.Security, cfg.ValidateCert = SecuritySSL, tc.validate
			r := Diagnose(ctxT(t), cfg, WithFolder(tc.folder))
			if r.OK != tc.wantOK || stepNames(r) != tc.wantSteps || r.Class != tc.wantClass {
				t.Fatalf("got OK=%t steps %q class %q (%s), want OK=%t steps %q class %q", r.OK, stepNames(r), r.Class, r.Explanation, tc.wantOK, tc.wantSteps, tc.wantClass)
			}
			if !tc.wantOK && (r.Remedy == "" || r.Explanation == "") {
				t.Errorf("failure without explanation or remedy: %+v", r)
			}
			wire := ""
			for _, l := range r.Transcript {
				wire += l.Dir + " " + l.Text + "\n"
			}
			if tc.wantInWire != "" && !strings.Contains(wire, tc.wantInWire) {
				t.Errorf("transcript lacks %q:\n%s", tc.wantInWire, wire)
			}
			if tc.wantOK && !strings.Contains(r.Steps[1].Detail, "TLS 1.3") {
				t.Errorf("tls step detail %q, want the TLS version", r.Steps[1].Detail)
			}
			checkRedacted(t, r)
			t.Logf("steps: %+v\ntranscript:\n%s", r.Steps, wire)
		})
	}
}

func TestRecorderRedactsLogin(t *testing.T) {
	// The LOGIN command, including the literal form a password with special
	// characters takes, never reaches the transcript.
	r := newRecorder()
	r.Secret(alicePW)
	c := r.Wrap(&scriptConn{})
	send := func(s string) { c.Write([]byte(s)) }
	recv := func(s string) { c.(io.Reader).Read(append([]byte(nil), s...)) }
	send("T1 CAPABILITY\r\n")
	recv("* CAPABILITY IMAP4rev1\r\nT1 OK done\r\n")
	send("T2 LOGIN \"alice@example.com\" {16}\r\n")
	recv("+ Ready for literal data\r\n")
	send(alicePW + "\r\n")
	recv("T2 OK Logged in\r\n")
	send("T3 SELECT INBOX\r\n")
	got := r.Lines()
	want := []Line{
		{Dir: DirSent, Text: "T1 CAPABILITY"},
		{Dir: DirReceived, Text: "* CAPABILITY IMAP4rev1"},
		{Dir: DirReceived, Text: "T1 OK done"},
		{Dir: DirSent, Text: "T2 LOGIN [redacted]"},
		{Dir: DirReceived, Text: "+ Ready for literal data"},
		{Dir: DirSent, Text: "[redacted]"},
		{Dir: DirReceived, Text: "T2 OK Logged in"},
		{Dir: DirSent, Text: "T3 SELECT INBOX"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// scriptConn is a connection whose Read hands back the bytes already in
// the buffer it is given (what the server "sends"), so a test drives the
// recorder line by line; Write swallows everything.
type scriptConn struct{ net.Conn }

func (*scriptConn) Read(p []byte) (int, error)  { return len(p), nil }
func (*scriptConn) Write(p []byte) (int, error) { return len(p), nil }
