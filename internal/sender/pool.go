package sender

import (
	"context"
	crand "crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/metrics"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// Tokens hands out access tokens for an authorization (oauthsvc.Service).
type Tokens interface {
	AccessToken(ctx context.Context, authorizationID int64) (string, error)
}

// Options configure a Pool. Zero values take the defaults named.
type Options struct {
	Store  *store.Store
	Tokens Tokens
	Logger *slog.Logger
	// Metrics counts attempts by result (nil: nothing).
	Metrics *metrics.Metrics

	// Workers is how many senders (SMTP connections) work at once (default 4).
	Workers int
	// Instance names this process as a lease owner (default hostname-pid-random).
	Instance string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Tick is how often the pool looks for due mail (default 5 s); Wake
	// makes it look at once.
	Tick time.Duration
	// Batch is how many rows one pass claims (default 50).
	Batch int
	// LeaseTTL is how long a row stays claimed; it must exceed SendTimeout
	// (default 2 min).
	LeaseTTL time.Duration
	// SendTimeout bounds one message's MAIL..DATA (default 60 s).
	SendTimeout time.Duration
	// DialTimeout bounds connect, TLS and login (default 30 s).
	DialTimeout time.Duration
	// RetryBase and RetryMax shape the backoff of throttling and outages:
	// RetryBase doubled per attempt, at most RetryMax (defaults 30 s, 1 h).
	RetryBase, RetryMax time.Duration
	// FixWait is the wait after a failure an administrator must fix (login
	// refused, authorization to renew, settings) (default 15 min).
	FixWait time.Duration
	// GiveUpAfter fails a row still unsent this long after it was queued
	// (default 72 h).
	GiveUpAfter time.Duration
	// RootCAs validates SMTP servers' certificates instead of the system
	// roots (tests, private CAs).
	RootCAs *x509.CertPool
}

// Pool sends the outbox.
type Pool struct {
	o    Options
	wake chan struct{}
	// durable makes the commits so far durable (store.Sync); it runs
	// before a pass sends anything.
	durable func(context.Context) error
}

// New makes a Pool; Run starts it.
func New(o Options) *Pool {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Instance == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = crand.Read(b)
		o.Instance = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	def(&o.Tick, 5*time.Second)
	def(&o.SendTimeout, 60*time.Second)
	def(&o.LeaseTTL, 2*time.Minute)
	if o.LeaseTTL <= o.SendTimeout {
		o.LeaseTTL = 2 * o.SendTimeout
	}
	def(&o.DialTimeout, 30*time.Second)
	def(&o.RetryBase, 30*time.Second)
	def(&o.RetryMax, time.Hour)
	def(&o.FixWait, 15*time.Minute)
	def(&o.GiveUpAfter, 72*time.Hour)
	return &Pool{o: o, wake: make(chan struct{}, 1), durable: o.Store.Sync}
}

// Instance is the lease owner name of this pool.
func (p *Pool) Instance() string { return p.o.Instance }

// Wake makes Run look for due mail now (a reply was just queued).
func (p *Pool) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends.
func (p *Pool) Run(ctx context.Context) {
	t := time.NewTicker(p.o.Tick)
	defer t.Stop()
	for {
		for {
			st, err := p.SendDue(ctx)
			if err != nil && ctx.Err() == nil {
				p.o.Logger.Error("sender: pass failed", "err", err)
			}
			// A full batch means more may be waiting.
			if err != nil || st.Claimed < p.o.Batch || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.wake:
		}
	}
}

// Stats count one pass.
type Stats struct {
	Claimed, Sent, Waiting, Failed int
}

func (s *Stats) add(o Stats) {
	s.Claimed += o.Claimed
	s.Sent += o.Sent
	s.Waiting += o.Waiting
	s.Failed += o.Failed
}

// SendDue makes one pass: claim up to Batch due rows, group them by
// sender, and send each group over one connection, Workers groups at once.
func (p *Pool) SendDue(ctx context.Context) (Stats, error) {
	now := p.o.Now()
	rows, err := p.o.Store.ClaimMail(ctx, p.o.Instance, now, now.Add(p.o.LeaseTTL), p.o.Batch)
	if err != nil {
		return Stats{}, err
	}
	if len(rows) > 0 {
		// A mail is sent about a commit (a new ticket, an answer) that must
		// outlive a power cut once the mail is out: a lost commit would
		// leave a ticket acknowledged that no longer exists, and its mail
		// imported and acknowledged again. The claimed rows wait for their
		// lease to end if this fails.
		if err := p.durable(ctx); err != nil {
			return Stats{Claimed: len(rows)}, fmt.Errorf("sender: %w", err)
		}
	}
	groups := map[int64][]store.OutboxMail{}
	for _, r := range rows {
		var key int64 // 0: the default sender
		if r.ReceiverID != nil {
			key = *r.ReceiverID
		}
		groups[key] = append(groups[key], r)
	}
	keys := make([]int64, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	total := Stats{Claimed: len(rows)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.o.Workers)
	for _, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func(k int64, rows []store.OutboxMail) {
			defer wg.Done()
			defer func() { <-sem }()
			st := p.sendGroup(ctx, k, rows)
			mu.Lock()
			total.add(st)
			mu.Unlock()
		}(k, groups[k])
	}
	wg.Wait()
	return total, nil
}

// sendGroup sends one sender's rows over one connection, redialling once
// when the server dropped it between messages.
func (p *Pool) sendGroup(ctx context.Context, receiverID int64, rows []store.OutboxMail) Stats {
	var st Stats
	var c *submission.Client
	defer func() {
		if c != nil {
			qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = c.Quit(qctx)
			cancel()
		}
	}()
	cfg, cfgErr := p.config(ctx, receiverID)
	var groupErr error // a sender-level failure: the remaining rows wait
	for _, r := range rows {
		log := p.o.Logger.With("outbox_id", r.ID, "message_id", r.MessageID)
		if ctx.Err() != nil {
			p.release(ctx, r, p.o.Now(), "", "")
			continue
		}
		if groupErr == nil && cfgErr != nil {
			groupErr = cfgErr
		}
		if groupErr != nil {
			p.wait(ctx, &st, r, groupErr, false, log)
			continue
		}
		ok, err := p.o.Store.RenewMailLease(ctx, r.ID, p.o.Instance, p.o.Now().Add(p.o.LeaseTTL))
		if err != nil || !ok {
			log.Warn("sender: lease lost before sending; another instance has the mail", "err", err)
			continue
		}
		if c == nil || !c.Alive() {
			if c, err = p.dial(ctx, cfg); err != nil {
				groupErr = err
				p.wait(ctx, &st, r, err, true, log)
				continue
			}
		}
		sctx, cancel := context.WithTimeout(ctx, p.o.SendTimeout)
		res, err := c.Send(sctx, r.FromAddress, r.RecipientList(), r.Raw)
		cancel()
		if err == nil {
			p.sent(ctx, &st, r, res, log)
			continue
		}
		class := Classify(err)
		if messageLevel(class) {
			st.Failed++
			log.Warn("sender: mail refused", "class", class, "err", err)
			p.record(ctx, r, class, describe(err), nil)
			continue
		}
		groupErr = err
		p.wait(ctx, &st, r, err, true, log)
	}
	return st
}

// sent records the server's acceptance. The database write is retried a
// few times: until it commits the mail could be sent again (doc.go).
func (p *Pool) sent(ctx context.Context, st *Stats, r store.OutboxMail, res submission.Result, log *slog.Logger) {
	st.Sent++
	p.o.Metrics.OutboxAttempt("sent", "")
	var refused []string
	for addr, rep := range res.Refused {
		refused = append(refused, addr+": "+rep.String())
	}
	sort.Strings(refused)
	wctx := context.WithoutCancel(ctx)
	var err error
	for i := range 5 {
		if err = p.o.Store.MarkMailSent(wctx, r.ID, p.o.Instance, strings.Join(refused, "; "), p.o.Now()); err == nil || errors.Is(err, store.ErrLeaseLost) {
			break
		}
		time.Sleep(time.Duration(100<<i) * time.Millisecond)
	}
	if err != nil {
		log.Error("sender: the server took the mail but recording it failed; it may be sent again with the same Message-ID", "err", err)
		return
	}
	log.Debug("sender: sent", "refused", len(refused))
}

// wait keeps a row pending after a sender-level failure. attempted says
// whether this row reached the server; a row that did not is given back
// without counting the attempt.
func (p *Pool) wait(ctx context.Context, st *Stats, r store.OutboxMail, err error, attempted bool, log *slog.Logger) {
	class := Classify(err)
	now := p.o.Now()
	next := now.Add(p.o.FixWait)
	if class.Transient() {
		next = now.Add(p.backoff(r.Attempts))
	}
	text := describe(err)
	if now.Sub(r.CreatedAt) > p.o.GiveUpAfter {
		st.Failed++
		log.Warn("sender: giving up on a mail", "class", class, "err", text)
		p.record(ctx, r, class, text+" (still unsent after "+p.o.GiveUpAfter.String()+")", nil)
		return
	}
	st.Waiting++
	if attempted {
		log.Warn("sender: will retry", "class", class, "next", next, "err", text)
		p.record(ctx, r, class, text, &next)
		return
	}
	p.release(ctx, r, next, class, text)
}

func (p *Pool) record(ctx context.Context, r store.OutboxMail, class submission.ErrorClass, text string, next *time.Time) {
	result := "failed"
	if next != nil {
		result = "retry"
	}
	p.o.Metrics.OutboxAttempt(result, string(class))
	if err := p.o.Store.MarkMailFailed(context.WithoutCancel(ctx), r.ID, p.o.Instance, string(class), text, next); err != nil {
		p.o.Logger.Error("sender: recording a failure", "outbox_id", r.ID, "err", err)
	}
}

func (p *Pool) release(ctx context.Context, r store.OutboxMail, next time.Time, class submission.ErrorClass, text string) {
	p.o.Metrics.OutboxAttempt("retry", string(class))
	if err := p.o.Store.ReleaseMail(context.WithoutCancel(ctx), r.ID, p.o.Instance, next, string(class), text); err != nil {
		p.o.Logger.Error("sender: releasing a mail", "outbox_id", r.ID, "err", err)
	}
}

// backoff grows with the attempts, with up to 20 % jitter so that
// instances do not retry in step.
func (p *Pool) backoff(attempts int) time.Duration {
	d := p.o.RetryBase
	for i := 1; i < attempts && d < p.o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, p.o.RetryMax)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

func (p *Pool) dial(ctx context.Context, cfg submission.Config) (*submission.Client, error) {
	var opts []submission.Option
	if p.o.RootCAs != nil {
		opts = append(opts, submission.WithRootCAs(p.o.RootCAs))
	}
	return submission.Dial(ctx, cfg, opts...)
}

// config resolves how receiverID's mail goes out (0: the default sender).
func (p *Pool) config(ctx context.Context, receiverID int64) (submission.Config, error) {
	st := p.o.Store
	if receiverID == 0 {
		v, err := st.Setting(ctx, store.SettingDefaultSender, "")
		if err != nil {
			return submission.Config{}, err
		}
		id, _ := strconv.ParseInt(v, 10, 64)
		if id <= 0 {
			return submission.Config{}, fmt.Errorf("%w: this mail belongs to no receiver and no default sender is set", errNoSender)
		}
		receiverID = id
	}
	return SenderConfig(ctx, st, p.o.Tokens, receiverID, p.o.DialTimeout)
}

// SenderConfig is the SMTP configuration of receiverID's sender; Test
// sending uses it too.
func SenderConfig(ctx context.Context, st *store.Store, tokens Tokens, receiverID int64, timeout time.Duration) (submission.Config, error) {
	m, err := st.MailSender(ctx, receiverID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !m.On() {
		return submission.Config{}, fmt.Errorf("%w: outgoing mail is off for this receiver", errNoSender)
	}
	if err != nil {
		return submission.Config{}, err
	}
	cfg := submission.Config{Host: m.Host, Port: m.Port, Security: submission.Security(m.Security),
		ValidateCert: m.ValidateCert, Timeout: timeout}
	if m.Mode == store.SenderPassword {
		cfg.Auth = submission.Login(m.Login, m.Password)
		return cfg, nil
	}
	r, err := st.Receiver(ctx, receiverID)
	if err != nil {
		return cfg, err
	}
	if r.ApplicationID == nil || *r.ApplicationID <= 0 {
		return cfg, fmt.Errorf("%w: the receiver has no OAuth application to send with", errNoSender)
	}
	authID, err := st.AuthorizationIDFor(ctx, *r.ApplicationID, m.Login)
	if errors.Is(err, store.ErrNotFound) {
		return cfg, fmt.Errorf("%w %q: create it from the receiver form", errNoAuthorization, m.Login)
	}
	if err != nil {
		return cfg, err
	}
	if tokens == nil {
		return cfg, fmt.Errorf("%w: no token source for OAuth senders", submission.ErrConfig)
	}
	cfg.Auth = submission.XOAUTH2(m.Login, func(ctx context.Context) (string, error) { return tokens.AccessToken(ctx, authID) })
	return cfg, nil
}
