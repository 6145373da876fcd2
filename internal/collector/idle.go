package collector

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Push: a watcher per receiver with IDLE on holds one connection idle on
// its folder. New mail makes the receiver due at once (in the database, so
// whichever instance is free collects it) and wakes the scheduler; the
// watcher itself never fetches, so the collect keeps its lease and its
// exactly-once path. Polling stays the net for lost notifications.

// watcher is one receiver's IDLE connection loop.
type watcher struct {
	updated time.Time // the receiver row it was started from
	cancel  context.CancelFunc
	done    chan struct{}
}

// watchIdle keeps one watcher per active receiver with IDLE on, reloading
// the list at once when told (ReceiversChanged) and every IdleRefresh (for
// edits made through another instance).
func (c *Collector) watchIdle(ctx context.Context) {
	watchers := map[int64]*watcher{}
	defer func() {
		for _, w := range watchers {
			w.cancel()
		}
		for _, w := range watchers {
			<-w.done
		}
	}()
	t := time.NewTicker(c.o.IdleRefresh)
	defer t.Stop()
	for {
		recs, err := c.st.IdleReceivers(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Warn("collector: idle receivers", "error", err)
		}
		if err == nil {
			want := map[int64]bool{}
			for i := range recs {
				r := recs[i]
				if r.State == ClassReauth {
					continue // no point logging in until someone re-authorizes
				}
				want[r.ID] = true
				if w, ok := watchers[r.ID]; ok && w.updated.Equal(r.UpdatedAt) {
					continue
				} else if ok {
					w.cancel() // settings changed: reconnect with the new ones
					<-w.done
				}
				wctx, cancel := context.WithCancel(ctx)
				w := &watcher{updated: r.UpdatedAt, cancel: cancel, done: make(chan struct{})}
				watchers[r.ID] = w
				go func() { defer close(w.done); c.watch(wctx, &r) }()
			}
			for id, w := range watchers {
				if !want[id] {
					w.cancel()
					<-w.done
					delete(watchers, id)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.idleReload:
		}
	}
}

// watch idles on r's folder until ctx ends, reconnecting with backoff.
func (c *Collector) watch(ctx context.Context, r *store.Receiver) {
	log := c.log.With("receiver_id", r.ID)
	failures := 0
	for ctx.Err() == nil {
		err := c.idleOnce(ctx, r, func() { failures = 0 })
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, mailbox.ErrIdleNotOffered) {
			log.Info("collector: the server does not offer IDLE; polling only")
			<-ctx.Done()
			return
		}
		failures++
		wait := backoff(time.Second, failures, 5*time.Minute)
		log.Debug("collector: idle connection lost", "error_class", Classify(err), "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// idleOnce connects, selects the folder, asks for a collect (mail may
// have come while disconnected) and idles until the connection breaks.
func (c *Collector) idleOnce(ctx context.Context, r *store.Receiver, connected func()) error {
	s, err := c.dial(ctx, r)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Select(ctx, r.Folder); err != nil {
		return err
	}
	connected()
	c.o.Metrics.IdleUp()
	defer c.o.Metrics.IdleDown()
	c.idleHits.add(r.ID)
	return s.Idle(ctx, func() { c.idleHits.add(r.ID) })
}

// dispatchIdleHits turns IDLE notifications into due receivers and wakes
// the scheduler. It runs apart from the watchers because their callback
// runs on the IMAP reader and must not wait on the database.
func (c *Collector) dispatchIdleHits(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.idleHits.signal:
		}
		now := c.now()
		for _, id := range c.idleHits.take() {
			if err := c.st.ScheduleCollect(ctx, id, now); err != nil && ctx.Err() == nil {
				c.log.Warn("collector: schedule after idle", "receiver_id", id, "error", err)
			}
		}
		c.poke()
	}
}

// hits is the set of receivers IDLE reported, drained by the dispatcher;
// marked remembers them until their job starts, for the run's trigger.
type hits struct {
	mu      sync.Mutex
	pending map[int64]bool
	marked  map[int64]bool
	signal  chan struct{}
}

func (h *hits) init() {
	h.pending, h.marked, h.signal = map[int64]bool{}, map[int64]bool{}, make(chan struct{}, 1)
}

func (h *hits) add(id int64) {
	h.mu.Lock()
	h.pending[id] = true
	h.mu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

func (h *hits) take() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int64, 0, len(h.pending))
	for id := range h.pending {
		out = append(out, id)
		h.marked[id] = true
	}
	clear(h.pending)
	return out
}

// consumed reports (once) whether IDLE made id due.
func (h *hits) consumed(id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ok := h.marked[id]
	delete(h.marked, id)
	return ok
}
