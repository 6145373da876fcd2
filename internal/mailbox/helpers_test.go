package mailbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

const (
	alice      = "alice@example.com"
	aliceToken = "ya29.alice-token-Zq8+/w=="
	alicePW    = "s3cret-Pässword!"
)

func staticToken(tok string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return tok, nil }
}

// memServer starts an in-memory server where alice has a token and a password.
func memServer(t *testing.T, o imaptest.Options) *imaptest.Server {
	t.Helper()
	srv := imaptest.StartWith(t, o)
	srv.AddToken(aliceToken, alice)
	srv.SetPassword(alice, alicePW)
	return srv
}

func memConfig(srv *imaptest.Server, auth Auth) Config {
	return Config{Host: srv.Host(), Port: srv.Port(), Security: SecurityNone, Timeout: 5 * time.Second, Auth: auth}
}

// dialMem opens a session as alice with XOAUTH2 and closes it at cleanup.
func dialMem(t *testing.T, srv *imaptest.Server, opts ...Option) *Session {
	t.Helper()
	s, err := Dial(context.Background(), memConfig(srv, XOAUTH2(alice, staticToken(aliceToken))), opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mail builds a message of at least size bytes.
func mail(subject string, size int) []byte {
	head := fmt.Sprintf("From: carol@example.com\r\nTo: alice@example.com\r\nSubject: %s\r\nMessage-ID: <%s@example.com>\r\n\r\n", subject, strings.ReplaceAll(subject, " ", "-"))
	body := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\r\n", max(1, (size-len(head))/66+1))
	return []byte(head + body)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func toFlags(fs []string) []imap.Flag {
	var out []imap.Flag
	for _, f := range fs {
		out = append(out, imap.Flag(f))
	}
	return out
}
