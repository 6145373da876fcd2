package collector

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPoolCaps: take refuses past the worker count, past the per-host cap
// (while another host still gets a slot), and for a receiver already
// running; give frees exactly what take reserved.
func TestPoolCaps(t *testing.T) {
	p := newPool(3, 2)
	mustTake := func(id int64, host string, want bool) {
		t.Helper()
		if got := p.take(id, host); got != want {
			t.Fatalf("take(%d, %q) = %t, want %t", id, host, got, want)
		}
	}
	mustTake(1, "outlook.office365.com", true)
	mustTake(2, "outlook.office365.com", true)
	mustTake(3, "outlook.office365.com", false) // per-host cap of 2
	mustTake(1, "imap.gmail.com", false)        // receiver 1 already runs
	if p.full() {
		t.Fatal("full with 2 of 3 workers busy")
	}
	mustTake(3, "imap.gmail.com", true) // another host has room
	if !p.full() {
		t.Fatal("not full with 3 of 3 workers busy")
	}
	mustTake(4, "imap.example.org", false) // no worker left

	p.give(1, "outlook.office365.com")
	if p.full() {
		t.Fatal("still full after a give")
	}
	mustTake(4, "imap.gmail.com", true)         // the freed worker slot
	mustTake(5, "outlook.office365.com", false) // workers full again
	p.give(4, "imap.gmail.com")
	mustTake(5, "outlook.office365.com", true) // host back under its cap
	mustTake(1, "outlook.office365.com", false)

	p.give(2, "outlook.office365.com")
	p.give(3, "imap.gmail.com")
	p.give(5, "outlook.office365.com")
	if p.busy != 0 || len(p.hosts) != 0 || len(p.running) != 0 {
		t.Fatalf("after every give: busy %d, hosts %v, running %v", p.busy, p.hosts, p.running)
	}
}

// TestPoolClaimOutsideWorkers: a receiver claimed by CollectNow takes no
// worker slot, yet the scheduler cannot take it, nor a second claim, until
// it is unclaimed; a receiver the scheduler runs cannot be claimed.
func TestPoolClaimOutsideWorkers(t *testing.T) {
	p := newPool(1, 1)
	if !p.claim(7) {
		t.Fatal("claim of an idle receiver refused")
	}
	if p.claim(7) {
		t.Fatal("a second claim of receiver 7 was granted")
	}
	if p.take(7, "h") {
		t.Fatal("take of a claimed receiver was granted")
	}
	if !p.take(8, "h") {
		t.Fatal("a claim used up the only worker slot")
	}
	if p.claim(8) {
		t.Fatal("claim of a receiver the pool runs was granted")
	}
	p.unclaim(7)
	if !p.claim(7) {
		t.Fatal("claim refused after unclaim")
	}
}

// TestPoolCapsUnderContention: goroutines taking and giving at random never
// see more jobs than Workers, more on one host than PerHostLimit, or one
// receiver twice.
func TestPoolCapsUnderContention(t *testing.T) {
	const workers, perHost = 4, 2
	p := newPool(workers, perHost)
	var busy atomic.Int32
	var hostBusy [3]atomic.Int32
	var running [12]atomic.Int32
	var peak, hostPeak atomic.Int32
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				id := (g*7 + i) % len(running)
				h := id % len(hostBusy)
				host := fmt.Sprintf("host%d", h)
				if !p.take(int64(id), host) {
					continue
				}
				n, hn := busy.Add(1), hostBusy[h].Add(1)
				if running[id].Add(1) != 1 {
					t.Errorf("receiver %d runs twice", id)
				}
				for v := peak.Load(); n > v && !peak.CompareAndSwap(v, n); v = peak.Load() {
				}
				for v := hostPeak.Load(); hn > v && !hostPeak.CompareAndSwap(v, hn); v = hostPeak.Load() {
				}
				running[id].Add(-1)
				hostBusy[h].Add(-1)
				busy.Add(-1)
				p.give(int64(id), host)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > workers || hostPeak.Load() > perHost {
		t.Fatalf("peak %d jobs (cap %d), %d on one host (cap %d)", peak.Load(), workers, hostPeak.Load(), perHost)
	}
	if peak.Load() == 0 {
		t.Fatal("no job ever ran")
	}
	if p.busy != 0 || len(p.hosts) != 0 || len(p.running) != 0 {
		t.Fatalf("left over: busy %d, hosts %v, running %v", p.busy, p.hosts, p.running)
	}
}
