package sender

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// BenchmarkOutboxToDovecot measures the outbox's throughput to a real
// local SMTP server: Dovecot's submission service over STARTTLS with a
// password, each mail stored in the recipient's Maildir (through LMTP)
// before the server's 250. One op queues and sends 100 mails.
//
//	go test -run '^$' -bench OutboxToDovecot -benchtime 3x ./internal/sender
func BenchmarkOutboxToDovecot(b *testing.B) {
	in := testpeer.NewIntrospector(b)
	d := testpeer.StartDovecotSubmission(b, in.URL())
	host, port, _ := net.SplitHostPort(d.SubmissionAddr())
	p, _ := strconv.Atoi(port)
	for _, dialect := range []store.Dialect{store.SQLite, store.MySQL} {
		b.Run(string(dialect), func(b *testing.B) {
			st := openStore(b, dialect)
			ctx := context.Background()
			r := &store.Receiver{Name: "bench@example.com"}
			if err := st.CreateReceiver(ctx, r, nil); err != nil {
				b.Fatal(err)
			}
			if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderPassword, Host: host, Port: p,
				Security: "starttls", Login: support, Password: d.Password}); err != nil {
				b.Fatal(err)
			}
			pool := New(Options{Store: st, Instance: "bench", Batch: 50})
			const perOp = 100
			var sending time.Duration
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				queue(b, st, r.ID, perOp, "bob@example.com")
				b.StartTimer()
				t0 := time.Now()
				s := drain(b, pool)
				sending += time.Since(t0)
				if s.Sent != perOp {
					b.Fatalf("sent %d of %d: %+v", s.Sent, perOp, s)
				}
			}
			b.ReportMetric(float64(perOp*b.N)/sending.Seconds(), "mails/s")
		})
	}
}
