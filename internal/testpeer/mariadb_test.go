package testpeer

import (
	"net"
	"os"
	"testing"
)

// TestMariaDBStartsAgainWhenItsPortIsTaken: the port picked for the
// test server taken by another process before mariadbd listens makes it
// exit; it starts again on another port instead of failing every test
// of the package.
func TestMariaDBStartsAgainWhenItsPortIsTaken(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/mariadbd"); err != nil {
		Missing(t, "mariadbd", "apt-get install mariadb-server")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, takenPort, _ := net.SplitHostPort(taken.Addr().String())
	picks := 0
	defer func(f func() string) { mariaAddr = f }(mariaAddr)
	mariaAddr = func() string {
		if picks++; picks == 1 {
			return taken.Addr().String()
		}
		return freeAddr()
	}
	m := startMariaDB()
	t.Cleanup(func() {
		if m.cmd != nil && m.cmd.Process != nil {
			_ = m.cmd.Process.Kill()
			_ = m.cmd.Wait()
		}
		_ = os.RemoveAll(m.dir)
	})
	if m.err != nil {
		t.Fatal(m.err)
	}
	if picks != 2 || m.port == takenPort {
		t.Fatalf("port %s after %d picks; want a second port, not the taken %s", m.port, picks, takenPort)
	}
	if out, err := m.sql("SELECT 1"); err != nil {
		t.Fatalf("the server does not answer: %v\n%s", err, out)
	}
}
