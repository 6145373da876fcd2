package mailbox

import (
	"context"
	"crypto/tls"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const (
	benchMessages = 2000
	benchSize     = 10_000
)

// BenchmarkRawFetchDovecot measures messages/s for one UID FETCH BODY.PEEK[]
// of a whole 2,000 x 10 KB mailbox on a local Dovecot over implicit TLS:
// go-imap alone, then through Session.Fetch (with and without a size cap,
// which costs one more round trip for the sizes).
func BenchmarkRawFetchDovecot(b *testing.B) {
	in := testpeer.NewIntrospector(b)
	in.Add(aliceToken, alice)
	d := testpeer.StartDovecot(b, in.URL())
	t0 := time.Now()
	appendMany(b, d.TLSAddr(), d.Password)
	b.Logf("appended %d messages in %v", benchMessages, time.Since(t0))

	b.Run("go-imap", func(b *testing.B) {
		c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if err := c.Authenticate(&xoauth2Client{user: alice, token: aliceToken}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
		b.ResetTimer()
		for b.Loop() {
			cmd := c.Fetch(all, &imap.FetchOptions{UID: true, RFC822Size: true, Flags: true, InternalDate: true, BodySection: peekWhole})
			n := 0
			for m := cmd.Next(); m != nil; m = cmd.Next() {
				if _, err := m.Collect(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if err := cmd.Close(); err != nil || n != benchMessages {
				b.Fatalf("fetched %d, %v", n, err)
			}
		}
		b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	for _, maxSize := range []int64{0, 1 << 20} {
		b.Run("Session.Fetch/max="+strconv.FormatInt(maxSize, 10), func(b *testing.B) {
			s, err := Dial(context.Background(), dovecotConfig(b, d.TLSAddr(), SecuritySSL, XOAUTH2(alice, staticToken(aliceToken))))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if _, err := s.Select(ctx, "INBOX"); err != nil {
				b.Fatal(err)
			}
			uids, err := s.UIDsAfter(ctx, 0, false, 0)
			if err != nil || len(uids) != benchMessages {
				b.Fatalf("UIDsAfter: %d, %v", len(uids), err)
			}
			b.ResetTimer()
			for b.Loop() {
				n := 0
				if err := s.Fetch(ctx, uids, maxSize, func(m Message) error { n++; return nil }); err != nil || n != benchMessages {
					b.Fatalf("fetched %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// appendMany fills alice's INBOX over one connection with pipelined APPENDs,
// about 100 times faster than doveadm save one by one.
func appendMany(b *testing.B, addr, password string) {
	b.Helper()
	c, err := imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, password).Wait(); err != nil {
		b.Fatal(err)
	}
	cmds := make([]*imapclient.AppendCommand, 0, benchMessages)
	for i := range benchMessages {
		raw := mail("bench "+strconv.Itoa(i), benchSize)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}
