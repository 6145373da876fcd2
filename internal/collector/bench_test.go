package collector

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// BenchmarkDrainDovecot fills a local Dovecot with 10,000 mails of 10 KB
// (OAUTHIMAP_BENCH_MAIL=prose: HTML written like prose, see proseMail),
// measures how fast go-imap alone fetches them (one UID FETCH 1:*
// BODY.PEEK[] over TLS), then how fast the collector turns them into
// tickets and files them (batches of 200), on SQLite and on MariaDB. Run
// it with -benchtime=1x: the mailbox is drained once.
//
// Leave a minute or more between runs. A run ends by deleting thousands
// of files (its Dovecot, database and documents), and an ext4 without a
// journal (as some virtual machines have) does not reuse an inode freed
// less than 60 s ago (300 s while its inode table is not yet written
// back): creating a document's file then scans past them, up to 300 µs
// a file instead of ~40 (or point TMPDIR at a file system with a
// journal). OAUTHIMAP_BENCH_CPUPROFILE=file writes a CPU profile of the
// drain alone.
func BenchmarkDrainDovecot(b *testing.B) {
	for _, dia := range []store.Dialect{store.SQLite, store.MySQL} {
		b.Run(string(dia), func(b *testing.B) { drainDovecot(b, dia) })
	}
}

func drainDovecot(b *testing.B, dialect store.Dialect) {
	n, size := 10_000, 10_000
	if v, err := strconv.Atoi(os.Getenv("OAUTHIMAP_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v // a smaller run, for profiling
	}
	de := newDovecotEnvOn(b, dialect)
	t0 := time.Now()
	de.appendMany(n, size, "drain")
	b.Logf("appended %d mails of %d bytes in %v", n, size, time.Since(t0).Round(time.Millisecond))

	raw := rawFetchRate(b, de, n)
	r := de.receiver("drain", "ssl", func(r *store.Receiver) { r.Budget = n })
	if k := benchMailRules(b, de.env); k > 0 {
		b.Logf("with %d mail rules", k)
	}
	c := de.collector(nil)
	// The mailbox was filled a moment ago on the file system the
	// collector's documents share here (the mail server is another
	// machine in production): written out now, or the first batch's sync
	// of its documents (a sync of the whole file system) waits for
	// Dovecot's tens of MB, ~70 ms of a one-second drain.
	syscall.Sync()
	dc0, dcErr := de.d.CPU()
	b.ResetTimer()
	if path := os.Getenv("OAUTHIMAP_BENCH_CPUPROFILE"); path != "" {
		// The drain alone (-test.cpuprofile also holds the filling of the
		// mailbox and the raw fetch).
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := cpuTime()
	db0, dbErr := testpeer.MariaDBCPU()
	m0, mErr := testpeer.MachineCPU()
	t0 = time.Now()
	run := de.mustCollect(c, r.ID)
	took := time.Since(t0)
	cpu := cpuTime() - cpu0
	if dialect == store.MySQL {
		// MySQL's word index is written just behind the tickets: what it
		// had left when the drain ended, and how long it took to catch up
		// (a search counts the tickets waiting as possible matches, so
		// this is not how long a ticket takes to be found).
		backlog, err := de.st.WordIndexBacklog(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for n := backlog; n > 0; time.Sleep(10 * time.Millisecond) {
			if n, err = de.st.WordIndexBacklog(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(backlog), "word_index_backlog")
		b.ReportMetric(time.Since(t1).Seconds(), "word_index_catch_up_s")
		b.ReportMetric(float64(de.count("SELECT COUNT(*) FROM ticket_word_blocks"))/float64(n), "word_index_rows/msg")
	}
	m1, err := testpeer.MachineCPU()
	if mErr == nil && err == nil {
		// How much of the cores the whole machine kept busy during the
		// drain: near their number, the collector waits for a core (its
		// one writer most of all), whatever its own time a mail.
		b.ReportMetric((m1-m0).Seconds()/took.Seconds(), "machine_busy_cores")
	}
	var dbCPU time.Duration
	if db1, err := testpeer.MariaDBCPU(); dialect == store.MySQL && dbErr == nil && err == nil {
		// The database server's work is neither the collector's nor
		// Dovecot's: on MariaDB the writer waits for it.
		dbCPU = db1 - db0
		b.ReportMetric(float64(dbCPU.Microseconds())/float64(n), "mariadb_cpu_µs/msg")
	}
	b.StopTimer()
	// The run's IMAP process has logged out; let its master reap it.
	time.Sleep(200 * time.Millisecond)
	dc1, err := de.d.CPU()
	if dcErr != nil || err != nil {
		b.Logf("Dovecot's processor time not read: %v %v", dcErr, err)
	}
	if run.Retrieved != n || de.tickets() != n {
		b.Fatalf("retrieved %d, %d tickets; want %d", run.Retrieved, de.tickets(), n)
	}
	rate := float64(n) / took.Seconds()
	b.ReportMetric(raw, "raw_msgs/s")
	b.ReportMetric(rate, "collector_msgs/s")
	// The process's CPU time per mail (user + system, this process only:
	// not Dovecot's): on a shared machine the rate follows the load of
	// others, this much less.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu_µs/msg")
	b.Logf("go-imap alone: %.0f msgs/s; collector into tickets and moved: %.0f msgs/s (%.0f%% of raw) in %v, %v CPU (%.0f µs a mail)",
		raw, rate, 100*rate/raw, took.Round(time.Millisecond), cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(n))
	if dcErr == nil && err == nil {
		// Dovecot shares the machine's cores (fetching, and moving each
		// mail out of the inbox): with both processes' time a mail, the
		// rate the cores would allow if never idle.
		server := float64((dc1 - dc0).Microseconds()) / float64(n)
		both := float64(cpu.Microseconds())/float64(n) + server
		b.ReportMetric(server, "dovecot_cpu_µs/msg")
		// The same machine runs the same Dovecot work 20-30% faster or
		// slower from one run to the next (both processes swing
		// together): the collector's time in units of Dovecot's varies
		// far less between runs, and compares builds better than either.
		if server > 0 {
			b.ReportMetric(float64(cpu.Microseconds())/float64(n)/server, "cpu_per_dovecot_cpu")
		}
		if mErr == nil {
			// The rest of the machine's busy time: the kernel's threads
			// (writing the files and the database's log to the disk, a
			// loop device's I/O) and other processes.
			rest := (m1 - m0) - cpu - (dc1 - dc0) - dbCPU
			b.ReportMetric(float64(rest.Microseconds())/float64(n), "others_cpu_µs/msg")
		}
		b.Logf("Dovecot: %.0f µs a mail (10 ms ticks); with the collector's, %d cores allow %.0f msgs/s: the run reached %.0f%% of that",
			server, runtime.NumCPU(), float64(runtime.NumCPU())*1e6/both, 100*rate*both/(float64(runtime.NumCPU())*1e6))
	}
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rawFetchRate(b *testing.B, de *dovecotEnv, n int) float64 {
	c, err := imapclient.DialTLS(de.d.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: de.d.CertPool()}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, de.d.Password).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true, Flags: true,
		InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	got := 0
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		if _, err := m.Collect(); err != nil {
			b.Fatal(err)
		}
		got++
	}
	if err := cmd.Close(); err != nil || got != n {
		b.Fatalf("raw fetch: %d messages, %v", got, err)
	}
	return float64(n) / time.Since(t0).Seconds()
}

// BenchmarkIdleReceivers measures the goroutines and memory that 500
// receivers cost while each holds an IDLE connection (in-memory server in
// the same process: goroutines count the collector's side only, the heap
// includes the server's per-connection state).
func BenchmarkIdleReceivers(b *testing.B) {
	const n = 500
	e := newEnv(b, store.SQLite, imaptest.Options{})
	for i := range n {
		user := fmt.Sprintf("idle%d@example.com", i)
		e.srv.SetPassword(user, alicePW)
		e.receiver(fmt.Sprintf("idle %d", i), func(r *store.Receiver) {
			r.Login, r.IdleEnabled, r.AcceptedFolder, r.RefusedFolder = user, true, "", ""
		})
	}
	before := clientGoroutines()
	var m0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c := e.collector(func(o *Options) { o.NoIdle, o.Workers = false, 8 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	go c.Run(ctx)
	waitFor(b, 120*time.Second, "every receiver connected and collected once", func() bool {
		return e.count("SELECT COUNT(*) FROM receivers WHERE last_collect_at IS NULL") == 0
	})
	up := time.Since(t0)
	time.Sleep(2 * time.Second) // every watcher back in IDLE
	var m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m1)
	after := clientGoroutines()
	perG := float64(after-before) / n
	perKB := float64(int64(m1.HeapInuse)-int64(m0.HeapInuse)) / n / 1024
	b.ReportMetric(perG, "goroutines/receiver")
	b.ReportMetric(perKB, "heap_KiB/receiver")
	b.Logf("%d idle receivers: %d client-side goroutines (%.1f each), heap +%.1f MiB (%.1f KiB each), all connected and collected in %v",
		n, after-before, perG, float64(int64(m1.HeapInuse)-int64(m0.HeapInuse))/(1<<20), perKB, up.Round(time.Millisecond))
}

// clientGoroutines counts goroutines that are not the in-memory server's.
func clientGoroutines() int {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
	n := 0
	for _, g := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(g, "imapserver") || strings.Contains(g, "imaptest") {
			continue
		}
		n++
	}
	return n
}
