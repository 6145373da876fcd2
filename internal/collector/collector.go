package collector

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Tokens hands out a valid access token for an authorization; oauth.Manager
// satisfies it.
type Tokens interface {
	AccessToken(ctx context.Context, authorizationID int64) (string, error)
}

// Options configure a Collector. Zero values take the defaults named.
type Options struct {
	Store    *store.Store
	Helpdesk *helpdesk.Service
	Tokens   Tokens
	Logger   *slog.Logger

	// Workers is how many jobs run at once (default 4).
	Workers int
	// PerHostLimit caps simultaneous jobs against one IMAP server host,
	// since Exchange Online limits connections (default 4).
	PerHostLimit int
	// Instance names this process as a lease owner; it must be unique
	// among running instances. Give it a name that survives restarts
	// (see StableInstance): leases left under it by a killed process are
	// then taken back at start instead of waited out (default
	// hostname-pid-random, new at every start).
	Instance string
	// Now is the clock (default time.Now).
	Now func() time.Time

	// Tick is how often the scheduler looks for due receivers (default 5 s).
	Tick time.Duration
	// LeaseTTL is how long a lease lasts unless renewed (every third of
	// it while a job runs, and inside each batch transaction); an instance
	// that dies holds its receivers at most this long, unless it restarts
	// under the same Instance name first (default 30 s).
	LeaseTTL time.Duration
	// JobTimeout bounds one job; at the deadline the connection is closed
	// and the open batch rolled back (default 10 min).
	JobTimeout time.Duration
	// DialTimeout bounds connect, TLS and login (default 30 s).
	DialTimeout time.Duration
	// BatchSize and BatchBytes bound one transaction (default 200
	// messages, 32 MiB).
	BatchSize  int
	BatchBytes int64
	// MaxBackoff caps the wait after repeated failures (default 30 min);
	// ReauthBackoff is the wait when an authorization needs signing in
	// again, so the server is not hammered (default 1 h).
	MaxBackoff    time.Duration
	ReauthBackoff time.Duration
	// ShutdownGrace is how long Run lets in-flight batches finish once its
	// context ends (default 30 s).
	ShutdownGrace time.Duration

	// NoIdle turns the IDLE watchers off (polling only).
	NoIdle bool
	// IdleRestart is how often IDLE is re-issued (default mailbox's 20 min).
	IdleRestart time.Duration
	// IdleRefresh is how often the set of watched receivers is reloaded
	// (default 30 s).
	IdleRefresh time.Duration
	// RootCAs validates servers against a private CA instead of the
	// system roots.
	RootCAs *x509.CertPool
	// Metrics counts runs, mails and IDLE connections (nil: nothing).
	Metrics *metrics.Metrics
}

// DefaultLeaseTTL is Options.LeaseTTL's default.
const DefaultLeaseTTL = 30 * time.Second

// Errors of CollectNow.
var (
	ErrBusy   = errors.New("collector: this receiver is being collected right now")
	ErrClosed = errors.New("collector: shut down")
)

// Collector runs the scheduler, the job pool and the IDLE watchers.
type Collector struct {
	o   Options
	st  *store.Store
	log *slog.Logger

	// base is the parent of every job's context; hardStop cancels it when
	// the shutdown grace runs out, rolling back open batches.
	base     context.Context
	hardStop context.CancelFunc
	// stopping is closed when shutdown begins: jobs finish their current
	// batch and stop, nothing new starts.
	stopping chan struct{}
	stopOnce sync.Once
	jobs     sync.WaitGroup
	bg       sync.WaitGroup // scheduler, IDLE manager
	pool     *pool
	wake     chan struct{}
	// idleReload makes the IDLE manager reload its list at once.
	idleReload chan struct{}
	idleHits   hits
	runCalled  bool
	mu         sync.Mutex
	// reclaimed guards the one-time take-back of this instance's leases,
	// done before any lease is acquired.
	reclaimed sync.Once
	leases    leaseEnds
	// durable makes the commits so far durable (store.Sync); it runs
	// before mail is moved or flagged on the server.
	durable func(context.Context) error
}

// New returns a Collector; nothing runs until Run (CollectNow works at once).
func New(o Options) *Collector {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PerHostLimit <= 0 {
		o.PerHostLimit = 4
	}
	if o.Instance == "" {
		o.Instance = defaultInstance()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 200
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 32 << 20
	}
	def(&o.Tick, 5*time.Second)
	def(&o.LeaseTTL, DefaultLeaseTTL)
	def(&o.JobTimeout, 10*time.Minute)
	def(&o.DialTimeout, 30*time.Second)
	def(&o.MaxBackoff, 30*time.Minute)
	def(&o.ReauthBackoff, time.Hour)
	def(&o.ShutdownGrace, 30*time.Second)
	def(&o.IdleRefresh, 30*time.Second)
	base, cancel := context.WithCancel(context.Background())
	c := &Collector{o: o, st: o.Store, log: o.Logger.With("instance", o.Instance),
		base: base, hardStop: cancel, stopping: make(chan struct{}),
		pool: newPool(o.Workers, o.PerHostLimit), wake: make(chan struct{}, 1), idleReload: make(chan struct{}, 1)}
	c.idleHits.init()
	c.leases.m = map[int64]time.Time{}
	c.durable = o.Store.Sync
	return c
}

// reclaim takes back, once and before any job, the leases a previous life
// of this instance left behind (killed mid-run): their receivers are due
// at once instead of after the TTL. Nothing can be running under this name
// yet, here or elsewhere, since the name is this instance's own.
func (c *Collector) reclaim(ctx context.Context) {
	c.reclaimed.Do(func() {
		n, err := c.st.ReclaimLeases(ctx, c.o.Instance, c.now())
		switch {
		case err != nil:
			c.log.Warn("collector: taking back this instance's leases; they expire by themselves", "error", err, "lease_ttl", c.o.LeaseTTL.String())
		case n > 0:
			c.log.Info("collector: took back the leases a previous run of this instance left", "receivers", n)
		}
	})
}

// leaseEnds is when each lease this instance holds ends, as last renewed
// (by the job's keeper or inside a committed batch).
type leaseEnds struct {
	mu sync.Mutex
	m  map[int64]time.Time
}

func (l *leaseEnds) set(id int64, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.m[id]) {
		l.m[id] = until
	}
}

func (l *leaseEnds) get(id int64) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[id]
}

func (l *leaseEnds) drop(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, id)
}

func defaultInstance() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Instance is this collector's lease owner name.
func (c *Collector) Instance() string { return c.o.Instance }

func (c *Collector) now() time.Time { return c.o.Now().UTC() }

// Run schedules due receivers onto the pool and keeps the IDLE watchers
// until ctx ends; it then lets in-flight batches finish (ShutdownGrace)
// and returns.
func (c *Collector) Run(ctx context.Context) error {
	c.mu.Lock()
	switch {
	case c.runCalled:
		c.mu.Unlock()
		return errors.New("collector: Run called twice")
	case c.closed():
		c.mu.Unlock()
		return ErrClosed
	}
	c.runCalled = true
	// The background loops: the scheduler, and unless IDLE is off, the
	// IDLE watchers' manager and the dispatcher of their wake-ups. They
	// are counted under mu, before any starts, so Shutdown's wait (which
	// takes mu first) never misses one.
	loops := []func(context.Context){c.schedule}
	if !c.o.NoIdle {
		loops = append(loops, c.watchIdle, c.dispatchIdleHits)
	}
	c.bg.Add(len(loops))
	c.mu.Unlock()
	c.reclaim(ctx)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.stopping: // Shutdown called directly: stop the loops
			cancel()
		case <-runCtx.Done():
		}
	}()
	for _, loop := range loops {
		go func() { defer c.bg.Done(); loop(runCtx) }()
	}
	<-runCtx.Done()
	grace, cancelGrace := context.WithTimeout(context.Background(), c.o.ShutdownGrace)
	defer cancelGrace()
	return c.Shutdown(grace)
}

// Shutdown stops scheduling, lets running jobs finish their current batch
// and waits for them until ctx ends; then it cancels them, which rolls back
// their open transaction (the mail is taken up by the next run). It is
// safe to call more than once and from several goroutines.
func (c *Collector) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.stopOnce.Do(func() { close(c.stopping) })
	c.mu.Unlock()
	done := make(chan struct{})
	// The loops first: once they are gone no job can start.
	go func() { c.bg.Wait(); c.jobs.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		c.hardStop()
		<-done
		return fmt.Errorf("collector: shutdown: %w", ctx.Err())
	}
}

func (c *Collector) closed() bool {
	select {
	case <-c.stopping:
		return true
	default:
		return false
	}
}

// CollectNow collects one receiver at once, in the caller's goroutine
// ("Get email tickets now"), active or not (as GLPI does), and returns its
// run with GLPI's six counts. The error is the run's failure, if any (the
// run is recorded either way; a *RunError carries its class); ErrBusy when
// a job already holds the receiver, here or elsewhere.
func (c *Collector) CollectNow(ctx context.Context, receiverID int64) (*store.CollectRun, error) {
	if c.closed() {
		return nil, ErrClosed
	}
	if !c.pool.claim(receiverID) {
		return nil, ErrBusy
	}
	defer c.pool.unclaim(receiverID)
	if !c.startJob() {
		return nil, ErrClosed
	}
	defer c.jobs.Done()
	c.reclaim(ctx)
	now := c.now()
	ok, err := c.st.AcquireLeaseByHand(ctx, receiverID, c.o.Instance, now, now.Add(c.o.LeaseTTL))
	if err != nil {
		return nil, fmt.Errorf("collector: %w", err)
	}
	if !ok {
		return nil, ErrBusy
	}
	return c.job(ctx, receiverID, store.TriggerManual)
}

// FileNow does a receiver's pending mailbox actions at once, without
// collecting new mail: "Import anyway" asks it to move the mail it
// imported out of the refused folder while the administrator waits. It
// takes the receiver's lease like any job; ErrBusy when a job holds it
// (the next run does the actions). On failure the actions stay pending,
// replayed by the next run.
func (c *Collector) FileNow(ctx context.Context, receiverID int64) error {
	if c.closed() {
		return ErrClosed
	}
	if !c.pool.claim(receiverID) {
		return ErrBusy
	}
	defer c.pool.unclaim(receiverID)
	if !c.startJob() {
		return ErrClosed
	}
	defer c.jobs.Done()
	c.reclaim(ctx)
	before, err := c.st.Receiver(ctx, receiverID)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	now := c.now()
	ok, err := c.st.AcquireLeaseByHand(ctx, receiverID, c.o.Instance, now, now.Add(c.o.LeaseTTL))
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if !ok {
		return ErrBusy
	}
	log := c.log.With("receiver_id", receiverID)
	// The receiver's schedule, held by the lease as its placeholder, goes
	// back to what it was.
	defer func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.st.ReleaseLeaseKeeping(rctx, receiverID, c.o.Instance, before.NextCollectAt); err != nil {
			log.Warn("collector: release lease", "error", err)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, c.o.JobTimeout)
	defer cancel()
	c.leases.set(receiverID, now.Add(c.o.LeaseTTL))
	defer c.leases.drop(receiverID)
	defer c.keepLease(ctx, cancel, receiverID, log)()
	r, err := c.st.LeasedReceiver(ctx, receiverID, c.o.Instance)
	if err != nil {
		return err
	}
	s, err := c.dial(ctx, r)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := c.refile(ctx, s, r, log); err != nil {
		return err
	}
	// The actions by UID in the incoming folder (a mail imported anyway
	// that was left there, seen), unless the folder was renumbered: then
	// the next run's rescan settles them.
	mb, err := s.Select(ctx, r.Folder)
	if err != nil {
		return err
	}
	if mb.UIDValidity != r.UIDValidity {
		return nil
	}
	return c.replay(ctx, s, r)
}

// startJob counts a job in, unless shutdown has begun; under mu, so
// Shutdown's wait never misses one.
func (c *Collector) startJob() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed() {
		return false
	}
	c.jobs.Add(1)
	return true
}

// ReceiversChanged says a receiver was created, edited or deleted: the
// IDLE watchers are brought in line at once (started, reconnected with the
// new settings, stopped) and the scheduler looks again. Other instances
// see the change at their next IdleRefresh.
func (c *Collector) ReceiversChanged() {
	select {
	case c.idleReload <- struct{}{}:
	default:
	}
	c.poke()
}

// poke wakes the scheduler.
func (c *Collector) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
