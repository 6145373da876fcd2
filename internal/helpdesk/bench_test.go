package helpdesk

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// benchMail is an e-mail of about size bytes: a text body, and for large
// sizes an attachment whose bytes differ per message (so each one is
// really written to the document store).
func benchMail(n, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: User %d <user%d@example.com>\r\nTo: helpdesk@example.com\r\nSubject: Benchmark %d\r\nMessage-ID: <bench-%d@example.com>\r\n"+
		"Date: Tue, 03 Mar 2026 09:15:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", n%97, n%97, n, n)
	text := min(size, 8<<10)
	line := "The printer on the third floor prints blank pages since this morning.\r\n"
	for b.Len() < text {
		b.WriteString(line)
	}
	if size > 16<<10 {
		data := make([]byte, size*3/4)
		for i := range data {
			data[i] = byte(i*7 + n)
		}
		copy(data, fmt.Sprintf("%016d", n))
		b.WriteString("\r\n--bb\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--bb--\r\n")
	return []byte(b.String())
}

// BenchmarkDecideAndSave decides and stores one message per transaction,
// as the collector does for a batch of one.
func BenchmarkDecideAndSave(b *testing.B) {
	for _, dia := range []store.Dialect{store.SQLite, store.MySQL} {
		for _, size := range []int{10 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKB", dia, size>>10), func(b *testing.B) {
				d := openDesk(b, dia)
				ctx := context.Background()
				r := d.receiver("bench", "helpdesk@example.com", false)
				set, err := d.svc.Settings(ctx, r)
				if err != nil {
					b.Fatal(err)
				}
				set.FileSizeMax = 4 << 20
				mails := make([][]byte, 64)
				for i := range mails {
					mails[i] = benchMail(i, size)
				}
				b.SetBytes(int64(len(mails[0])))
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					raw := mails[i%len(mails)]
					if i >= len(mails) {
						raw = benchMail(i, size)
					}
					err := d.st.InTx(ctx, func(tx *store.Store) error {
						dec, err := ingest.Decide(ctx, raw, set, Knowledge(tx), d.now)
						if err != nil {
							return err
						}
						_, err = d.svc.Save(ctx, tx, r.ID, raw, dec)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}
