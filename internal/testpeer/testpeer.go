// Package testpeer starts the real peers the tests talk to (MariaDB, Dovecot,
// Chromium) on loopback, and decides what happens when one is missing.
//
// On a laptop a missing peer skips the test. CI sets OAUTHIMAP_REQUIRE_PEERS=1,
// which turns every such skip into a failure, so a CI machine that lacks a
// package can never go green.
package testpeer

import (
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// Required reports whether missing peers must fail the test run.
func Required() bool { return os.Getenv("OAUTHIMAP_REQUIRE_PEERS") == "1" }

// Missing skips the test because a peer is not installed, or fails it when
// OAUTHIMAP_REQUIRE_PEERS=1.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (OAUTHIMAP_REQUIRE_PEERS=1) but not installed: %s", what, install)
	}
	t.Skipf("%s not installed (%s)", what, install)
}

// LookPath finds a peer's binary or calls Missing.
func LookPath(t testing.TB, bin, install string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if _, serr := os.Stat(bin); serr == nil {
			return bin
		}
		Missing(t, bin, install)
	}
	return p
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago and that no earlier call of this process returned: the kernel may
// hand the same ephemeral port out again once its listener is closed, and
// a peer given one port for two listeners fails to start ("duplicate
// listener").
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		handedOut.Lock()
		seen := handedOut.addrs[addr]
		handedOut.addrs[addr] = true
		handedOut.Unlock()
		if !seen {
			return addr
		}
	}
	t.Fatal("testpeer: no loopback port free that was not handed out already")
	return ""
}

// handedOut are the addresses FreeAddr returned in this process.
var handedOut = struct {
	sync.Mutex
	addrs map[string]bool
}{addrs: map[string]bool{}}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer l.Close()
	return l.Addr().String()
}
