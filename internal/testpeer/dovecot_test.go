package testpeer

import (
	"net"
	"strings"
	"testing"
)

// TestDovecotStartsAgainWhenAPortIsTaken: a port handed out for Dovecot
// and taken by another process before Dovecot listens (test binaries run
// side by side) makes Dovecot fail to start; it starts again on new
// ports instead of failing the test.
func TestDovecotStartsAgainWhenAPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	in := NewIntrospector(t)
	d := startDovecot(t, in.URL(), &Dovecot{addr: taken.Addr().String()})
	if d.Addr() == taken.Addr().String() {
		t.Fatalf("Dovecot kept the taken address %s", d.Addr())
	}
	c, err := net.Dial("tcp", d.Addr())
	if err != nil {
		t.Fatalf("Dovecot does not listen on its new address: %v", err)
	}
	defer c.Close()
	greeting := make([]byte, 64)
	n, err := c.Read(greeting)
	if err != nil || !strings.HasPrefix(string(greeting[:n]), "* OK") {
		t.Fatalf("greeting %q (%v), want an IMAP greeting", greeting[:n], err)
	}
}
