package collector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestTwoInstancesNeverCollectOneReceiverAtOnce runs two collectors on one
// database (each its own connection pool, as two processes would have)
// while mail keeps arriving in six mailboxes: every mail is imported once,
// and the runs of one receiver never overlap.
func TestTwoInstancesNeverCollectOneReceiverAtOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			const receivers, perBox = 6, 15
			var ids []int64
			for i := range receivers {
				user := fmt.Sprintf("box%d@example.com", i)
				e.srv.SetPassword(user, alicePW)
				r := e.receiver(fmt.Sprintf("box %d", i), func(r *store.Receiver) {
					r.Login, r.PollIntervalSeconds, r.Budget = user, 1, 3
				})
				ids = append(ids, r.ID)
			}
			other := openStore(t, e.path, e.dsn) // the second instance's own pool
			a := e.collector(func(o *Options) { o.Instance, o.Workers = "a", 3 })
			b := New(Options{Store: other, Helpdesk: openHelpdesk(t, other, e.docs), Instance: "b", Workers: 3,
				Tick: 50 * time.Millisecond, NoIdle: true, Logger: a.log})
			ctx, cancel := context.WithCancel(context.Background())
			errs := make(chan error, 2)
			go func() { errs <- a.Run(ctx) }()
			go func() { errs <- b.Run(ctx) }()
			for n := range perBox {
				for i := range receivers {
					e.srv.Deliver(fmt.Sprintf("box%d@example.com", i), "INBOX", mail("", fmt.Sprintf("box%d mail%d", i, n)))
				}
				time.Sleep(20 * time.Millisecond)
			}
			waitFor(t, 60*time.Second, "every mail imported", func() bool { return e.tickets() >= receivers*perBox })
			time.Sleep(300 * time.Millisecond) // let in-flight runs end and show any duplicate
			cancel()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if got, dup := e.tickets(), e.duplicates(); got != receivers*perBox || dup != 0 {
				t.Fatalf("got %d tickets (%d twice), want %d", got, dup, receivers*perBox)
			}
			byInstance := map[string]int{}
			for _, id := range ids {
				e.runsOneAtATime(id, byInstance)
			}
			if byInstance["a"] == 0 || byInstance["b"] == 0 {
				t.Fatalf("runs per instance %v: want both instances to have worked", byInstance)
			}
			t.Logf("runs per instance: %v", byInstance)
		})
	}
}

func TestIdleBringsNewMailInSeconds(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("push", func(r *store.Receiver) { r.IdleEnabled = true }) // polls hourly
	c := e.collector(func(o *Options) { o.NoIdle = false })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	// The watcher's first connection asks for a collect; then only IDLE
	// can bring mail before the hourly poll.
	waitFor(t, 5*time.Second, "the first collect", func() bool { return e.receiverRow(r.ID).LastCollectAt != nil })
	time.Sleep(200 * time.Millisecond)
	for i := range 3 {
		t0 := time.Now()
		e.srv.Deliver(alice, "INBOX", mail("", fmt.Sprintf("pushed %d", i)))
		waitFor(t, 3*time.Second, "the pushed mail's ticket", func() bool { return e.tickets() == i+1 })
		t.Logf("mail %d: ticket after %v", i, time.Since(t0).Round(time.Millisecond))
	}
	if n := e.count("SELECT COUNT(*) FROM collect_runs WHERE trigger_kind = ?", store.TriggerIdle); n == 0 {
		t.Fatal("no run was triggered by IDLE")
	}
}

// Under IDLE each new mail costs one run (one login): the collect's own
// MOVE out of INBOX does not wake the watcher into a second, empty run.
func TestIdleOneRunPerMail(t *testing.T) {
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("push once", func(r *store.Receiver) { r.IdleEnabled = true }) // polls hourly
	c := e.collector(func(o *Options) { o.NoIdle = false })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	waitFor(t, 5*time.Second, "the first collect", func() bool { return e.receiverRow(r.ID).LastCollectAt != nil })
	time.Sleep(300 * time.Millisecond)
	runs := func() int { return e.count("SELECT COUNT(*) FROM collect_runs WHERE receiver_id = ?", r.ID) }
	before := runs()
	const mails = 10
	for i := range mails {
		e.srv.Deliver(alice, "INBOX", mail("", fmt.Sprintf("once %d", i)))
		waitFor(t, 3*time.Second, "the pushed mail's ticket", func() bool { return e.tickets() == i+1 })
		time.Sleep(300 * time.Millisecond) // room for a second, empty run
	}
	time.Sleep(500 * time.Millisecond)
	n := runs() - before
	t.Logf("%d runs (logins) for %d mails: %.2f per mail", n, mails, float64(n)/mails)
	if n > mails {
		t.Fatalf("%d runs for %d mails: the collect's own moves woke the watcher", n, mails)
	}
}

// A poll interval means what it says: the scheduler wakes when the
// receiver falls due, not on its next look after that, and the interval
// runs from the start of a run. OAUTHIMAP_POLL_SECONDS sets the interval
// measured (default 2; 10 is the shortest the console accepts).
func TestPollIntervalIsKept(t *testing.T) {
	every := 2
	if v, err := strconv.Atoi(os.Getenv("OAUTHIMAP_POLL_SECONDS")); err == nil && v > 0 {
		every = v
	}
	e := newEnv(t, store.SQLite, imaptest.Options{})
	r := e.receiver("poll", func(r *store.Receiver) { r.PollIntervalSeconds = every })
	// The scheduler's regular look is longer than the interval: only waking
	// at the due time can keep it.
	c := e.collector(func(o *Options) { o.Tick = time.Duration(every)*time.Second*5/2 + time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	const periods = 3
	waitFor(t, time.Duration(every*(periods+3))*time.Second, "the runs", func() bool {
		return e.count("SELECT COUNT(*) FROM collect_runs WHERE receiver_id = ? AND ended_at IS NOT NULL", r.ID) >= periods+1
	})
	cancel()
	rows, err := e.sqlDB().Query("SELECT started_at FROM collect_runs WHERE receiver_id = ? ORDER BY id", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var starts []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, at)
	}
	if len(starts) < periods+1 {
		t.Fatalf("%d runs", len(starts))
	}
	want := time.Duration(every) * time.Second
	var gaps []time.Duration
	for i := 1; i <= periods; i++ {
		gap := starts[i].Sub(starts[i-1])
		gaps = append(gaps, gap.Round(time.Millisecond))
		// Half a second of slack for a loaded machine; the look every
		// Tick would make it 2.5 intervals.
		if gap < want-100*time.Millisecond || gap > want+500*time.Millisecond {
			t.Errorf("run %d started %v after the one before, want about %v", i, gap, want)
		}
	}
	t.Logf("poll interval %v: measured periods %v (the scheduler's regular look is every %v)", want, gaps, c.o.Tick)
}

// A run longer than several lease TTLs keeps its lease (renewed by the job
// and at both ends of each batch): another instance asking all along
// never gets the receiver, and nothing is imported twice.
func TestShortLeaseIsRenewedThroughALongRun(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, imaptest.Options{})
			// The lease must outlast one batch (on SQLite the other
			// instance's lease request also waits for the single writer),
			// with room for a loaded machine under the race detector: 30 s
			// in production, one second here.
			// MariaDB records faster: more mail keeps its run several
			// leases long.
			n, ttl := 400, time.Second
			if d == store.MySQL {
				n = 1200
			}
			r := e.receiver("long", func(r *store.Receiver) { r.Budget = n })
			deliverN(e.srv, alice, n, "long")
			a := e.collector(func(o *Options) { o.Instance, o.LeaseTTL, o.BatchSize = "a", ttl, 5 })
			other := openStore(t, e.path, e.dsn)
			b := New(Options{Store: other, Helpdesk: openHelpdesk(t, other, e.docs), Instance: "b", LeaseTTL: ttl,
				NoIdle: true, Logger: a.log})
			t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
			done := make(chan error, 1)
			t0 := time.Now()
			go func() { _, err := a.CollectNow(context.Background(), r.ID); done <- err }()
			waitFor(t, 10*time.Second, "the run to start", func() bool { return e.tickets() > 0 })
			attempts := 0
		ask:
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("the long run failed: %v", err)
					}
					break ask
				default:
				}
				attempts++
				// Busy while the run lasts; once it has ended (between the
				// check above and this call) b may take the receiver, which
				// the run log below tells apart from a takeover.
				if _, err := b.CollectNow(context.Background(), r.ID); err != nil && !errors.Is(err, ErrBusy) {
					t.Fatalf("another instance's collect: %v", err)
				}
				time.Sleep(ttl / 5)
			}
			took := time.Since(t0)
			if took < 3*ttl {
				t.Skipf("the run took %v, not longer than the lease: nothing to show", took)
			}
			if got, dup := e.tickets(), e.duplicates(); got != n || dup != 0 {
				t.Fatalf("got %d tickets (%d twice), want %d", got, dup, n)
			}
			e.runsOneAtATime(r.ID, map[string]int{})
			t.Logf("a run of %v (%.0f lease TTLs) kept its lease against %d attempts", took.Round(time.Millisecond), float64(took)/float64(ttl), attempts)
		})
	}
}

// runsOneAtATime checks, from the run log, that no run of the receiver
// started before the previous one ended, and counts the runs per instance.
func (e *env) runsOneAtATime(id int64, byInstance map[string]int) {
	e.t.Helper()
	rows, err := e.sqlDB().Query("SELECT instance, started_at, ended_at FROM collect_runs WHERE receiver_id = ? ORDER BY started_at, id", id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var prevEnd time.Time
	for rows.Next() {
		var inst string
		var start, end time.Time
		if err := rows.Scan(&inst, &start, &end); err != nil {
			e.t.Fatal(err)
		}
		if start.Before(prevEnd) {
			e.t.Errorf("receiver %d: a run by %s started at %v, before the previous one ended at %v", id, inst, start, prevEnd)
		}
		prevEnd = end
		byInstance[inst]++
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
}
