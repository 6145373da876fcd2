package collector

import (
	"context"
	"io"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// cutProxy forwards TCP to a database and can cut it: every open
// connection is closed and new ones are refused until it is restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut(true) })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// cut takes the database away (true) or gives it back (false).
func (p *cutProxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		clear(p.conns)
	}
}

// The database goes away in the middle of a collect and comes back: the
// collector recovers by itself, every mail becomes exactly one ticket and
// ends in the accepted folder.
func TestDatabaseOutageMidRunLosesNothing(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	hostRE := regexp.MustCompile(`tcp\(([^)]+)\)`)
	p := newCutProxy(t, hostRE.FindStringSubmatch(dsn)[1])
	e := &env{t: t, log: &testpeer.LogBuffer{}, folders: map[string]bool{}, dsn: hostRE.ReplaceAllString(dsn, "tcp("+p.ln.Addr().String()+")")}
	e.docs = t.TempDir()
	e.st = openStore(t, "", e.dsn)
	if _, err := e.st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.hd = openHelpdesk(t, e.st, e.docs)
	e.srv = imaptest.StartWith(t, imaptest.Options{})
	e.srv.SetPassword(alice, alicePW)
	r := e.receiver("outage", func(r *store.Receiver) { r.Budget = 15; r.PollIntervalSeconds = 1 })
	deliverN(e.srv, alice, 60, "before")

	c := e.collector(func(o *Options) { o.LeaseTTL = 3 * time.Second; o.MaxBackoff = 2 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()

	waitFor(t, 30*time.Second, "the first tickets", func() bool { return e.tickets() > 0 })
	p.cut(true)
	deliverN(e.srv, alice, 20, "during")
	time.Sleep(2 * time.Second)
	p.cut(false)

	waitFor(t, 60*time.Second, "all 80 mails as tickets", func() bool { return e.tickets() == 80 })
	waitFor(t, 30*time.Second, "the inbox to empty", func() bool { return len(e.srv.Messages(alice, "INBOX")) == 0 })
	cancel()
	<-done
	if n := e.duplicates(); n != 0 {
		t.Fatalf("%d mails imported twice", n)
	}
	if got := len(e.srv.Messages(alice, "Accepted")); got != 80 {
		t.Fatalf("got %d mails in Accepted, want 80", got)
	}
	// The outage must really have hit a job; while the database is away
	// the failure cannot always be written to collect_runs, but it is logged.
	if log := e.log.String(); !regexp.MustCompile(`level=(WARN|ERROR) msg="collector: `).MatchString(log) {
		t.Fatalf("the outage hit no job (no failure logged):\n%s", log)
	}
	if n := e.count("SELECT COUNT(*) FROM collect_runs WHERE receiver_id = ? AND error_text = ''", r.ID); n == 0 {
		t.Fatal("no successful run recorded after the outage")
	}
}
