package mailbox

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestClassify(t *testing.T) {
	no := func(code imap.ResponseCode, text string) error {
		return fmt.Errorf("mailbox: select: %w", &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: text})
	}
	bad := func(text string) error {
		return fmt.Errorf("mailbox: select: %w", &imap.Error{Type: imap.StatusResponseTypeBad, Text: text})
	}
	cases := []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"nil", nil, ClassNone},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ClassNetwork},
		{"eof", fmt.Errorf("mailbox: fetch: %w", io.ErrUnexpectedEOF), ClassNetwork},
		{"deadline", fmt.Errorf("mailbox: fetch: %w (%w)", context.DeadlineExceeded, net.ErrClosed), ClassNetwork},
		{"unknown authority", fmt.Errorf("mailbox: tls handshake: %w", x509.UnknownAuthorityError{}), ClassTLS},
		{"hostname", fmt.Errorf("mailbox: tls handshake: %w", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "imap.example.com"}), ClassTLS},
		{"auth failed", no(imap.ResponseCodeAuthenticationFailed, "Authentication failed"), ClassAuthentication},
		{"exchange authenticate failed", no("", "AUTHENTICATE failed."), ClassAuthentication},
		{"token source", fmt.Errorf("%w: %w", ErrToken, errors.New("invalid_grant")), ClassAuthentication},
		{"mechanism", ErrMechanismNotOffered, ClassAuthentication},
		{"exchange not connected", bad("User is authenticated but not connected."), ClassMailboxPermission},
		{"noperm", no(imap.ResponseCodeNoPerm, "Permission denied"), ClassMailboxPermission},
		{"nonexistent", no(imap.ResponseCodeNonExistent, "Mailbox doesn't exist: Archive"), ClassFolderMissing},
		{"trycreate", no(imap.ResponseCodeTryCreate, "No such mailbox"), ClassFolderMissing},
		{"gmail unknown", no("", "[NONEXISTENT] Unknown Mailbox: Foo (now in authenticated state) (Failure)"), ClassFolderMissing},
		{"our sentinel", fmt.Errorf("%w: %q", ErrFolderMissing, "x"), ClassFolderMissing},
		{"exchange throttling", bad("Too many simultaneous connections. (Failure)"), ClassServerLimit},
		{"limit", no(imap.ResponseCodeLimit, "Too many messages"), ClassServerLimit},
		{"overquota", no(imap.ResponseCodeOverQuota, "Quota exceeded"), ClassServerLimit},
		{"gmail bandwidth", no("", "Account exceeded command or bandwidth limits."), ClassServerLimit},
		{"exchange unavailable", bad("Server Unavailable. 15"), ClassServerLimit},
		{"config", fmt.Errorf("%w: server host is empty", ErrConfig), ClassConfig},
		{"other", errors.New("something odd"), ClassOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestRemedyForEveryClass(t *testing.T) {
	seen := map[string]ErrorClass{}
	classes := Classes()
	if len(classes) != 8 || slices.Contains(classes, ClassNone) {
		t.Errorf("Classes() = %q, want the 8 classes and not ClassNone", classes)
	}
	for _, c := range classes {
		r := Remedy(c)
		if r == "" {
			t.Errorf("Remedy(%q) is empty", c)
		}
		if prev, dup := seen[r]; dup {
			t.Errorf("Remedy(%q) repeats Remedy(%q)", c, prev)
		}
		seen[r] = c
	}
	if Remedy(ClassNone) != "" {
		t.Errorf("Remedy(none) = %q, want empty", Remedy(ClassNone))
	}
	if Remedy("unknown") != Remedy(ClassOther) || ErrorClass("unknown").Label() != ClassOther.Label() {
		t.Error("an unknown class is not told as an unexpected error")
	}
}
