package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// panicError is a job that crashed: a bug, recorded like any failure.
type panicError struct{ value any }

func (p panicError) Error() string {
	return fmt.Sprintf("collector: internal error (a bug): %v", p.value)
}

// job collects one receiver whose lease this instance holds, records the
// run and the outcome on the receiver, and releases the lease.
func (c *Collector) job(parent context.Context, id int64, trigger string) (*store.CollectRun, error) {
	log := c.log.With("receiver_id", id)
	ctx, cancel := context.WithTimeout(parent, c.o.JobTimeout)
	defer cancel()
	// Past the shutdown grace, open batches are abandoned (rolled back).
	defer context.AfterFunc(c.base, cancel)()

	t0 := time.Now()
	run := &store.CollectRun{ReceiverID: id, TriggerKind: trigger, Instance: c.o.Instance, StartedAt: c.now()}
	if err := c.st.StartRun(ctx, run); err != nil {
		c.release(id, log)
		return nil, fmt.Errorf("collector: start run: %w", err)
	}
	c.leases.set(id, run.StartedAt.Add(c.o.LeaseTTL))
	defer c.leases.drop(id)
	stopKeeping := c.keepLease(ctx, cancel, id, log)
	var (
		r    *store.Receiver
		auth *store.AuthorizationRef
		more bool
		err  error
	)
	guard := func(what string, f func()) {
		defer func() {
			if p := recover(); p != nil {
				err = panicError{p}
				log.Error("collector: job panicked", "in", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		f()
	}
	guard("collect", func() { r, auth, more, err = c.collect(ctx, id, run, log) })
	stopKeeping()

	// The outcome and its record run under the same guard: a panic there
	// (a bug, or a row no check foresaw) must not take the process down
	// and restart it into the same crash once the lease expires.
	var out store.CollectOutcome
	guard("outcome", func() { out = c.outcome(r, run.StartedAt, more, err) })
	if _, crashed := err.(panicError); crashed && out.ErrorClass != ClassInternal {
		out = store.CollectOutcome{ErrorClass: ClassInternal, ErrorText: err.Error(), Next: c.now().Add(c.o.MaxBackoff)}
	}
	run.ErrorClass, run.ErrorText = out.ErrorClass, out.ErrorText
	// The job's context may be dead (deadline, shutdown): write the
	// record with a fresh one.
	fin, cancelFin := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelFin()
	recorded := false
	guard("record", func() {
		if ferr := c.st.FinishRun(fin, run); ferr != nil {
			log.Error("collector: record run", "error", ferr)
		}
		if ferr := c.st.FinishCollect(fin, id, c.o.Instance, out); ferr != nil {
			log.Error("collector: record outcome", "error", ferr)
			c.release(id, log)
		}
		recorded = true
	})
	if !recorded {
		c.release(id, log)
	}
	c.o.Metrics.CollectRun(id, out.ErrorClass)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	log.Log(fin, level, "collector: run", "trigger", trigger, "available", run.Available, "already_imported", run.AlreadyImported,
		"retrieved", run.Retrieved, "refused", run.Refused, "errors", run.Errors, "blacklisted", run.Blacklisted,
		"error_class", out.ErrorClass, "duration_ms", time.Since(t0).Milliseconds(), "more", more)
	if err != nil {
		return run, &RunError{ReceiverID: id, Class: out.ErrorClass, Text: out.ErrorText, AppOnly: auth != nil && auth.AppOnly, Err: err}
	}
	return run, nil
}

// RunError is a run's failure as the run log and the receiver record it:
// its class (see Classify) and text; the error it wraps is the cause.
type RunError struct {
	ReceiverID int64
	Class      string
	Text       string
	// AppOnly says the receiver logs in with an app-only authorization,
	// which changes the remedy (nobody signs in again).
	AppOnly bool
	Err     error
}

func (e *RunError) Error() string {
	return fmt.Sprintf("collector: receiver %d: %s", e.ReceiverID, e.Text)
}

func (e *RunError) Unwrap() error { return e.Err }

// Remedy says what an administrator can do about it.
func (e *RunError) Remedy() string { return RemedyFor(e.Class, e.AppOnly) }

func (c *Collector) release(id int64, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.st.ReleaseLease(ctx, id, c.o.Instance); err != nil {
		log.Warn("collector: release lease", "error", err)
	}
}

// keepLease renews the lease every third of its TTL. When the lease is
// lost, or cannot be renewed before it would expire, the job is cancelled:
// another instance may take the receiver over. (The batch transaction
// renews it too, at its start, which is what fences a late commit, and at
// its end, so a long batch leaves a fresh lease; a renewal waiting behind
// that transaction's lock is not a lost lease.)
func (c *Collector) keepLease(ctx context.Context, cancel context.CancelFunc, id int64, log *slog.Logger) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.o.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			until := c.now().Add(c.o.LeaseTTL)
			ok, err := c.st.RenewLease(ctx, id, c.o.Instance, until)
			switch {
			case err == nil && ok:
				c.leases.set(id, until)
			case err == nil:
				log.Warn("collector: lease lost, stopping the job")
				cancel()
				return
			case c.now().After(c.leases.get(id).Add(-c.o.LeaseTTL / 6)):
				log.Warn("collector: lease cannot be renewed, stopping the job", "error", err)
				cancel()
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// collect loads the receiver and collects it, reconnecting once when the
// connection drops (a fresh token is asked for at each login). It also
// returns the receiver's authorization, when it logs in with one.
func (c *Collector) collect(ctx context.Context, id int64, run *store.CollectRun, log *slog.Logger) (*store.Receiver, *store.AuthorizationRef, bool, error) {
	r, err := c.st.LeasedReceiver(ctx, id, c.o.Instance)
	if err != nil {
		return nil, nil, false, err
	}
	settings, err := c.o.Helpdesk.Settings(ctx, r)
	if err != nil {
		return r, nil, false, err
	}
	cfg, auth, err := c.mailboxConfig(ctx, r)
	if err != nil {
		return r, auth, false, err
	}
	for attempt := 0; ; attempt++ {
		more, err := c.session(ctx, r, cfg, settings, run, log)
		if auth != nil && auth.AppOnly {
			c.recordAppOnlyLogin(auth.ID, err, log)
		}
		if err == nil || attempt >= 1 || ctx.Err() != nil || c.closed() || mailbox.Classify(err) != mailbox.ClassNetwork {
			return r, auth, more, err
		}
		log.Info("collector: connection lost, reconnecting", "error", err)
		select {
		case <-ctx.Done():
			return r, auth, more, err
		case <-time.After(time.Second):
		}
	}
}

// recordAppOnlyLogin tells the authorization whether the mailbox let the
// application in (see store.RecordMailboxLogin); other failures (network,
// folders, token) say nothing about that.
func (c *Collector) recordAppOnlyLogin(authID int64, err error, log *slog.Logger) {
	var ok bool
	switch {
	case err == nil:
		ok = true
	case errors.Is(err, mailbox.ErrToken):
		return
	default:
		switch mailbox.Classify(err) {
		case mailbox.ClassAuthentication, mailbox.ClassMailboxPermission:
		default:
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	text := ""
	if err != nil {
		text = describe(err)
	}
	if rerr := c.st.RecordMailboxLogin(ctx, authID, ok, text); rerr != nil {
		log.Warn("collector: record the app-only login on its authorization", "error", rerr)
	}
}

// errNoAuthorization means an OAuth receiver's login has no authorization.
var errNoAuthorization = errors.New("collector: no authorization for this login")

// mailboxConfig is how to reach and log into the receiver's mailbox, and
// the authorization it logs in with (nil for a password).
func (c *Collector) mailboxConfig(ctx context.Context, r *store.Receiver) (mailbox.Config, *store.AuthorizationRef, error) {
	cfg := mailbox.Config{Host: r.Host, Port: r.Port, Security: mailbox.Security(r.Security),
		ValidateCert: r.ValidateCert, Timeout: c.o.DialTimeout}
	if r.ApplicationID == nil || *r.ApplicationID <= 0 {
		cfg.Auth = mailbox.Login(r.Login, r.Password)
		return cfg, nil, nil
	}
	auth, err := c.st.AuthorizationFor(ctx, *r.ApplicationID, r.Login)
	if errors.Is(err, store.ErrNotFound) {
		return cfg, nil, fmt.Errorf("%w %q: create the authorization from the receiver form", errNoAuthorization, r.Login)
	}
	if err != nil {
		return cfg, nil, err
	}
	if c.o.Tokens == nil {
		return cfg, &auth, fmt.Errorf("%w: no token source for OAuth receivers", mailbox.ErrConfig)
	}
	cfg.Auth = mailbox.XOAUTH2(r.Login, func(ctx context.Context) (string, error) {
		return c.o.Tokens.AccessToken(ctx, auth.ID)
	})
	return cfg, &auth, nil
}

// dial connects and logs into the receiver's mailbox, outside a collect
// (IDLE, FileNow).
func (c *Collector) dial(ctx context.Context, r *store.Receiver) (*mailbox.Session, error) {
	cfg, _, err := c.mailboxConfig(ctx, r)
	if err != nil {
		return nil, err
	}
	return mailbox.Dial(ctx, cfg, c.dialOptions()...)
}

func (c *Collector) dialOptions() []mailbox.Option {
	var opts []mailbox.Option
	if c.o.RootCAs != nil {
		opts = append(opts, mailbox.WithRootCAs(c.o.RootCAs))
	}
	if c.o.IdleRestart > 0 {
		opts = append(opts, mailbox.WithIdleRestart(c.o.IdleRestart))
	}
	return opts
}
