package collector

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

const aliceToken = "ya29.dovecot-alice"

// dovecotEnv is an env whose receivers point at a real Dovecot, where
// alice logs in with XOAUTH2 (token checked by introspection).
type dovecotEnv struct {
	*env
	d      *testpeer.Dovecot
	appID  int64
	tokens *fakeTokens
}

func newDovecotEnv(t testing.TB) *dovecotEnv {
	t.Helper()
	return newDovecotEnvOn(t, store.SQLite)
}

// newDovecotEnvOn is newDovecotEnv with the database of dialect.
func newDovecotEnvOn(t testing.TB, dialect store.Dialect) *dovecotEnv {
	t.Helper()
	in := testpeer.NewIntrospector(t)
	in.Add(aliceToken, alice)
	d := testpeer.StartDovecot(t, in.URL())
	e := newEnv(t, dialect, imaptest.Options{})
	de := &dovecotEnv{env: e, d: d, appID: e.oauthApp("dovecot", alice),
		tokens: &fakeTokens{fn: func(int) (string, error) { return aliceToken, nil }}}
	d.CreateFolder(t, alice, "Accepted")
	d.CreateFolder(t, alice, "Refused")
	return de
}

// receiver points at the plain (STARTTLS-offering) or the TLS listener.
func (de *dovecotEnv) receiver(name string, security string, mod func(*store.Receiver)) *store.Receiver {
	de.t.Helper()
	addr := de.d.Addr()
	if security == "ssl" {
		addr = de.d.TLSAddr()
	}
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return de.env.receiver(name, func(r *store.Receiver) {
		r.Host, r.Port, r.Security, r.ValidateCert = host, p, security, security != "none"
		r.ApplicationID, r.Password = &de.appID, ""
		if mod != nil {
			mod(r)
		}
	})
}

func (de *dovecotEnv) collector(mod func(*Options)) *Collector {
	return de.env.collector(func(o *Options) {
		o.Tokens, o.RootCAs = de.tokens, de.d.CertPool()
		if mod != nil {
			mod(o)
		}
	})
}

// folderSize counts the messages of alice's folder, read over IMAP.
func (de *dovecotEnv) folderSize(folder string) int {
	de.t.Helper()
	host, port, _ := net.SplitHostPort(de.d.Addr())
	p, _ := strconv.Atoi(port)
	s, err := mailbox.Dial(context.Background(), mailbox.Config{Host: host, Port: p, Security: mailbox.SecurityNone,
		Timeout: 5 * time.Second, Auth: mailbox.Login(alice, de.d.Password)})
	if err != nil {
		de.t.Fatal(err)
	}
	defer s.Close()
	mb, err := s.Select(context.Background(), folder)
	if err != nil {
		de.t.Fatal(err)
	}
	return int(mb.Messages)
}

// appendMany fills alice's INBOX with pipelined APPENDs (doveadm save
// takes ~15 ms a message).
func (de *dovecotEnv) appendMany(n, size int, prefix string) {
	de.t.Helper()
	c, err := imapclient.DialTLS(de.d.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: de.d.CertPool()}})
	if err != nil {
		de.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, de.d.Password).Wait(); err != nil {
		de.t.Fatal(err)
	}
	cmds := make([]*imapclient.AppendCommand, 0, n)
	prose := os.Getenv("OAUTHIMAP_BENCH_MAIL") == "prose"
	for i := range n {
		raw := sized(mail("", fmt.Sprintf("%s %d", prefix, i)), size)
		if prose {
			raw = proseMail(fmt.Sprintf("%s %d", prefix, i), i, size)
		}
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			de.t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			de.t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if _, err := cmd.Wait(); err != nil {
			de.t.Fatal(err)
		}
	}
}

// proseMail is an HTML mail of about size bytes written like a person's:
// paragraphs of words drawn from a vocabulary of a few thousand (a few
// words often, most rarely), with emphasis, links and a signature, as a
// search index meets them.
func proseMail(subject string, seed, size int) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	var b strings.Builder
	fmt.Fprintf(&b, "From: carol@example.org\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.org>\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
		alice, subject, strings.ReplaceAll(subject, " ", "-"))
	b.WriteString("<html><body><p>Hello,</p>\r\n")
	for b.Len() < size-200 {
		b.WriteString("<p>")
		for w := range 40 + rng.IntN(40) {
			if w > 0 {
				b.WriteByte(' ')
			}
			word := proseWord(rng)
			switch rng.IntN(40) {
			case 0:
				fmt.Fprintf(&b, "<b>%s</b>", word)
			case 1:
				fmt.Fprintf(&b, `<a href="https://intranet.example.org/kb/%s">%s</a>`, word, word)
			default:
				b.WriteString(word)
			}
			if rng.IntN(12) == 0 {
				b.WriteByte('.')
			}
			if w%12 == 11 {
				b.WriteString("\r\n")
			}
		}
		b.WriteString(".</p>\r\n")
	}
	b.WriteString("<p>Best regards,<br>Carol<br>Accounts payable, building C</p></body></html>\r\n")
	return []byte(b.String())
}

// proseWord draws a made-up word: word k (of 5,000) comes about 1/k as
// often as the first, as words of a language do.
func proseWord(rng *rand.Rand) string {
	k := int(math.Exp(rng.Float64()*math.Log(5000))) - 1
	const syllables = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu"
	parts := strings.Fields(syllables)
	var w strings.Builder
	for k >= 0 {
		w.WriteString(parts[k%len(parts)])
		k = k/len(parts) - 1
	}
	if k2 := len(w.String()); k2 < 4 {
		w.WriteString("n")
	}
	return w.String()
}

// sized pads raw's body to about size bytes.
func sized(raw []byte, size int) []byte {
	line := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\r\n")
	for len(raw) < size {
		raw = append(raw, line...)
	}
	return raw
}

func TestDovecotMailBecomesTicketsAndIsFiled(t *testing.T) {
	de := newDovecotEnv(t)
	c := de.collector(nil)
	for _, sec := range []string{"ssl", "starttls", "none"} {
		t.Run(sec, func(t *testing.T) {
			before, filed := de.tickets(), de.folderSize("Accepted")
			r := de.receiver("dovecot "+sec, sec, nil)
			for i := range 3 {
				de.d.Deliver(t, alice, "INBOX", mail("", fmt.Sprintf("%s via doveadm %d", sec, i)))
			}
			de.d.Deliver(t, alice, "INBOX", mail("", sec+" away", "Auto-Submitted: auto-replied\r\n"))
			run := de.mustCollect(c, r.ID)
			if run.Retrieved != 4 || run.Refused != 1 {
				t.Fatalf("retrieved %d refused %d, want 4 and 1", run.Retrieved, run.Refused)
			}
			if got := de.tickets() - before; got != 3 {
				t.Fatalf("got %d new tickets, want 3", got)
			}
			if in, acc := de.folderSize("INBOX"), de.folderSize("Accepted")-filed; in != 0 || acc != 3 {
				t.Fatalf("INBOX %d, Accepted +%d; want 0 and +3", in, acc)
			}
			// Leave the receiver off so the next case owns the mailbox.
			if _, err := de.sqlDB().Exec("UPDATE receivers SET is_active = ? WHERE id = ?", false, r.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDovecotSelfSignedCertificate(t *testing.T) {
	de := newDovecotEnv(t)
	cases := []struct {
		name      string
		validate  bool
		wantClass string
	}{
		{"refused when validating", true, string(mailbox.ClassTLS)},
		{"accepted with validation off", false, ""},
	}
	c := de.env.collector(func(o *Options) { o.Tokens = de.tokens }) // system roots only
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := de.receiver("cert "+tc.name, "ssl", func(r *store.Receiver) { r.ValidateCert = tc.validate })
			run, _ := de.collectNow(c, r.ID)
			if run.ErrorClass != tc.wantClass {
				t.Fatalf("got class %q (%s), want %q", run.ErrorClass, run.ErrorText, tc.wantClass)
			}
		})
	}
}

func TestDovecotRestartMidRunLosesNothing(t *testing.T) {
	de := newDovecotEnv(t)
	const n = 300
	de.appendMany(n, 2000, "restart")
	r := de.receiver("restart", "ssl", func(r *store.Receiver) { r.Budget = n })
	c := de.collector(func(o *Options) { o.BatchSize = 10 })
	done := make(chan error, 1)
	go func() { _, err := de.collectNow(c, r.ID); done <- err }()
	waitFor(t, 30*time.Second, "the first batches", func() bool { return de.tickets() >= 30 })
	de.d.Stop()
	err := <-done
	stoppedAt := de.tickets()
	if err == nil || stoppedAt == n {
		t.Fatalf("the run survived the outage (%v, %d tickets): the test proves nothing", err, stoppedAt)
	}
	if run, err := de.collectNow(c, r.ID); err == nil || run.ErrorClass != string(mailbox.ClassNetwork) {
		t.Fatalf("while Dovecot is down: got %v, want a network error", err)
	}
	de.d.Restart()
	waitFor(t, 60*time.Second, "the mailbox drained", func() bool {
		run, err := de.collectNow(c, r.ID)
		return err == nil && run.Retrieved == 0 && de.folderSize("INBOX") == 0
	})
	if got, dup := de.tickets(), de.duplicates(); got != n || dup != 0 {
		t.Fatalf("got %d tickets (%d twice), want %d; %d were in when Dovecot stopped", got, dup, n, stoppedAt)
	}
	if got := de.folderSize("Accepted"); got != n {
		t.Fatalf("Accepted has %d, want %d", got, n)
	}
	if got := de.receiverRow(r.ID); got.State != "ok" || got.Errors != 0 {
		t.Fatalf("receiver after recovery: state %q errors %d", got.State, got.Errors)
	}
	t.Logf("%d of %d tickets were in when Dovecot stopped", stoppedAt, n)
}

// TestDovecotPushLatency measures doveadm save -> ticket with IDLE and
// with polling every second; it fails only when IDLE is slower than 3 s.
func TestDovecotPushLatency(t *testing.T) {
	const mails = 20
	for _, mode := range []string{"idle", "poll"} {
		t.Run(mode, func(t *testing.T) {
			de := newDovecotEnv(t)
			r := de.receiver("latency "+mode, "ssl", func(r *store.Receiver) {
				r.IdleEnabled = mode == "idle"
				r.PollIntervalSeconds = 3600
				if mode == "poll" {
					r.PollIntervalSeconds = 1
				}
			})
			c := de.collector(func(o *Options) { o.NoIdle, o.Tick = mode != "idle", 100*time.Millisecond })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go c.Run(ctx)
			waitFor(t, 10*time.Second, "the first collect", func() bool { return de.receiverRow(r.ID).LastCollectAt != nil })
			time.Sleep(300 * time.Millisecond)
			runs := func() int { return de.count("SELECT COUNT(*) FROM collect_runs WHERE receiver_id = ?", r.ID) }
			runsBefore := runs()
			var lat, save []time.Duration
			for i := range mails {
				t0 := time.Now()
				de.d.Deliver(t, alice, "INBOX", mail("", fmt.Sprintf("%s latency %d", mode, i)))
				save = append(save, time.Since(t0))
				waitFor(t, 10*time.Second, "the ticket", func() bool { return de.tickets() == i+1 })
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			slices.Sort(save)
			ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
			p50, p95 := lat[len(lat)/2], lat[len(lat)*95/100-1]
			t.Logf("%s: doveadm save start -> ticket p50 %v p95 %v max %v (%d mails; doveadm save itself p50 %v)",
				mode, ms(p50), ms(p95), ms(lat[len(lat)-1]), mails, ms(save[len(save)/2]))
			time.Sleep(time.Second) // a second, empty run would come now
			n := runs() - runsBefore
			t.Logf("%s: %d runs (IMAP logins) for %d mails: %.2f per mail", mode, n, mails, float64(n)/mails)
			if mode == "idle" && n > mails {
				t.Errorf("IDLE: %d runs for %d mails; the collect's own moves must not wake the watcher", n, mails)
			}
			if mode == "idle" && p95 > 3*time.Second {
				t.Fatalf("IDLE p95 %v, want under 3 s", p95)
			}
		})
	}
}

// "Import anyway" on Dovecot: the mail is found in the refused folder by
// its Message-ID (a real server's header search) and moved to Accepted;
// a refused mail that merely quotes that Message-ID stays.
func TestDovecotImportAnywayMovesFromRefused(t *testing.T) {
	de := newDovecotEnv(t)
	c := de.collector(nil)
	r := de.receiver("dovecot refile", "ssl", nil)
	ooo := mail("", "dovecot out of office", "Auto-Submitted: auto-replied\r\n")
	de.d.Deliver(t, alice, "INBOX", ooo)
	de.d.Deliver(t, alice, "INBOX", mail("", "dovecot quoting", "Auto-Submitted: auto-replied\r\n",
		"In-Reply-To: <dovecot-out-of-office@example.org>\r\n"))
	if run := de.mustCollect(c, r.ID); run.Refused != 2 {
		t.Fatalf("refused %d, want 2", run.Refused)
	}
	var qid int64
	if err := de.sqlDB().QueryRow("SELECT id FROM quarantine WHERE subject = ?", "dovecot out of office").Scan(&qid); err != nil {
		t.Fatal(err)
	}
	_, refile, err := de.hd.ImportQuarantined(context.Background(), qid, time.Now(), nil)
	if err != nil || refile == nil || refile.To != "Accepted" {
		t.Fatalf("import anyway: %+v %v", refile, err)
	}
	if err := c.FileNow(context.Background(), r.ID); err != nil {
		t.Fatalf("FileNow: %v", err)
	}
	if acc, ref := de.folderSize("Accepted"), de.folderSize("Refused"); acc != 1 || ref != 1 {
		t.Fatalf("Accepted %d, Refused %d; want 1 and 1", acc, ref)
	}
}
