package collector

import "sync"

// pool bounds the jobs: Workers at once, PerHostLimit per IMAP host, and
// one per receiver in this process (the lease covers other processes).
type pool struct {
	mu      sync.Mutex
	workers int
	perHost int
	busy    int
	hosts   map[string]int
	running map[int64]bool
}

func newPool(workers, perHost int) *pool {
	return &pool{workers: workers, perHost: perHost, hosts: map[string]int{}, running: map[int64]bool{}}
}

// full reports whether no worker slot is left.
func (p *pool) full() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy >= p.workers
}

// take reserves a worker slot, a slot on host and the receiver; false when
// any of them is taken.
func (p *pool) take(id int64, host string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.busy >= p.workers || p.hosts[host] >= p.perHost || p.running[id] {
		return false
	}
	p.busy++
	p.hosts[host]++
	p.running[id] = true
	return true
}

// give returns what take reserved.
func (p *pool) give(id int64, host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy--
	if p.hosts[host]--; p.hosts[host] <= 0 {
		delete(p.hosts, host)
	}
	delete(p.running, id)
}

// claim reserves the receiver only (CollectNow runs in its caller's
// goroutine, outside the worker slots).
func (p *pool) claim(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running[id] {
		return false
	}
	p.running[id] = true
	return true
}

func (p *pool) unclaim(id int64) {
	p.mu.Lock()
	delete(p.running, id)
	p.mu.Unlock()
}
