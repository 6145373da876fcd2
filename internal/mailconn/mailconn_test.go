package mailconn

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
)

// upperAuth redacts the line after "AUTH" and marks server lines.
type upperAuth struct{ next bool }

func (p *upperAuth) Sent(line string) string {
	if p.next {
		p.next = false
		return Redacted
	}
	p.next = line == "AUTH"
	return line
}

func (p *upperAuth) Received(line string) string { return line + " (seen)" }

type scriptConn struct{ net.Conn }

func (*scriptConn) Read(p []byte) (int, error)  { return len(p), nil }
func (*scriptConn) Write(p []byte) (int, error) { return len(p), nil }

func TestRecorderRedactsSplitsAndSkips(t *testing.T) {
	const pw = "s3cret-Pässword"
	r := NewRecorder(&upperAuth{})
	r.Secret(pw, "abc") // too short to redact: kept
	c := r.Wrap(&scriptConn{})
	c.Write([]byte("HELLO\r\nAU"))
	c.Write([]byte("TH\r\n" + pw + "\r\n"))
	c.Read([]byte("OK welcome " + base64.StdEncoding.EncodeToString([]byte(pw)) + "\r\n"))
	r.Skip("[message of 12 bytes]")
	c.Write([]byte("the body with " + pw + "\r\n"))
	r.Skip("")
	c.Write([]byte("QUIT " + strings.Repeat("x", MaxLine) + "\r\n"))
	c.Read([]byte("BYE abc")) // no line end yet: Lines keeps it
	want := []Line{
		{Dir: DirSent, Text: "HELLO"},
		{Dir: DirSent, Text: "AUTH"},
		{Dir: DirSent, Text: Redacted},
		{Dir: DirReceived, Text: "OK welcome " + Redacted + " (seen)"},
		{Dir: DirSent, Text: "[message of 12 bytes]"},
		{Dir: DirSent, Text: ("QUIT " + strings.Repeat("x", MaxLine))[:MaxLine] + " [...]"},
		{Dir: DirReceived, Text: "BYE abc (seen)"},
	}
	got := r.Lines()
	if len(got) != len(want) {
		t.Fatalf("got %d lines %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
	var none *Recorder
	if none.Wrap(c) != c || none.Lines() != nil {
		t.Error("a nil recorder must record nothing")
	}
	none.Secret(pw)
	none.Skip("x")
}

func TestNetworkAndTLSErrors(t *testing.T) {
	for _, tc := range []struct {
		err          error
		network, tls bool
	}{
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true, false},
		{fmt.Errorf("write: %w", syscall.EPIPE), true, false},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, false},
		{context.DeadlineExceeded, true, false},
		{fmt.Errorf("handshake: %w", x509.UnknownAuthorityError{}), false, true},
		{errors.New("remote error: tls: handshake failure"), false, true},
		{errors.New("535 5.7.3 Authentication unsuccessful"), false, false},
	} {
		if IsNetwork(tc.err) != tc.network || IsTLS(tc.err) != tc.tls {
			t.Errorf("%v: network %t tls %t, want %t %t", tc.err, IsNetwork(tc.err), IsTLS(tc.err), tc.network, tc.tls)
		}
	}
	if !ContainsAny("5.7.139 Authentication unsuccessful", "5.7.139", "x") || ContainsAny("ok", "no") {
		t.Error("ContainsAny")
	}
}

func TestCheckServer(t *testing.T) {
	for _, tc := range []struct {
		host     string
		port     int
		security string
		want     string
	}{
		{"smtp.office365.com", 587, "starttls", ""},
		{"imap.example.com", 993, "ssl", ""},
		{"localhost", 25, "none", ""},
		{"", 587, "starttls", "server host is empty"},
		{"h", 0, "ssl", "server port 0 is out of range"},
		{"h", 65536, "ssl", "server port 65536 is out of range"},
		{"h", 587, "tls", `unknown security "tls" (want ssl, starttls or none)`},
	} {
		if got := CheckServer(tc.host, tc.port, tc.security); got != tc.want {
			t.Errorf("%s:%d %s: %q, want %q", tc.host, tc.port, tc.security, got, tc.want)
		}
	}
}
