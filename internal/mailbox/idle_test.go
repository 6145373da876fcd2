package mailbox

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

// idle runs s.Idle in the background; changes receives one value per onChange.
func idle(t *testing.T, s *Session) (changes chan struct{}, stop func() error) {
	t.Helper()
	changes = make(chan struct{}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Idle(ctx, func() {
			select {
			case changes <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(cancel)
	return changes, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Idle did not return after its context ended")
			return nil
		}
	}
}

func wantChange(t *testing.T, changes chan struct{}, within time.Duration) {
	t.Helper()
	select {
	case <-changes:
	case <-time.After(within):
		t.Fatalf("no change reported within %v", within)
	}
}

func TestIdle(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	// A short restart interval proves mail is still seen across re-issued IDLEs.
	s := dialMem(t, srv, WithIdleRestart(30*time.Millisecond))
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	changes, stop := idle(t, s)
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	srv.Deliver(alice, "INBOX", mail("new", 100))
	wantChange(t, changes, 2*time.Second)
	t.Logf("IDLE reported new mail after %v", time.Since(t0))
	time.Sleep(100 * time.Millisecond) // several restarts
	srv.Deliver(alice, "INBOX", mail("newer", 100))
	wantChange(t, changes, 2*time.Second)
	if err := stop(); err != nil {
		t.Fatalf("Idle: got %v, want nil when its context ends", err)
	}
	// IDLE ended cleanly: the same session collects.
	uids, err := s.UIDsAfter(ctxT(t), 0, false, 0)
	if err != nil || len(uids) != 2 {
		t.Fatalf("UIDsAfter after Idle: got %v, %v; want 2 uids", uids, err)
	}
}

func TestIdleReturnsWhenConnectionDrops(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Idle(context.Background(), func() {}) }()
	time.Sleep(50 * time.Millisecond)
	srv.DropConnections()
	select {
	case err := <-done:
		if err == nil || Classify(err) != ClassNetwork {
			t.Fatalf("Idle: got %v (class %q), want a network error", err, Classify(err))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Idle did not return after the connection dropped")
	}
}

func TestDeadlineClosesTheClient(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	s := dialMem(t, srv)
	srv.HangNext("SELECT")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := s.Select(ctx, "INBOX")
	if took := time.Since(t0); took > 2*time.Second {
		t.Fatalf("Select returned after %v, want about the 200ms deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != ClassNetwork {
		t.Fatalf("Select: got %v (class %q), want DeadlineExceeded, network", err, Classify(err))
	}
}

func TestDialTimeoutOnSilentServer(t *testing.T) {
	// A server that accepts and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, sec := range []Security{SecurityNone, SecuritySSL, SecuritySTARTTLS} {
		t.Run(string(sec), func(t *testing.T) {
			cfg := Config{Host: "127.0.0.1", Port: port, Security: sec, Timeout: 200 * time.Millisecond, Auth: Login(alice, alicePW)}
			t0 := time.Now()
			_, err := Dial(context.Background(), cfg)
			if took := time.Since(t0); took > 2*time.Second {
				t.Fatalf("Dial returned after %v, want about the 200ms timeout", took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial: got %v, want DeadlineExceeded", err)
			}
		})
	}
}

// Mail moved out of the folder on another connection (what a collect
// does) is not news: only a message count that grows wakes the watcher.
func TestIdleIgnoresMailLeavingTheFolder(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	srv.CreateFolder(alice, "Accepted")
	first := srv.Deliver(alice, "INBOX", mail("first", 100))
	srv.Deliver(alice, "INBOX", mail("second", 100))
	watcher := dialMem(t, srv)
	if _, err := watcher.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	changes, stop := idle(t, watcher)
	time.Sleep(50 * time.Millisecond)
	collect := dialMem(t, srv)
	if _, err := collect.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := collect.Move(ctxT(t), []uint32{first}, "Accepted"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
		t.Fatal("moving a mail out of the folder woke the watcher")
	case <-time.After(700 * time.Millisecond):
	}
	// New mail after the move still wakes it: the count it knows went down.
	srv.Deliver(alice, "INBOX", mail("third", 100))
	wantChange(t, changes, 2*time.Second)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
