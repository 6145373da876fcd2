package collector

import (
	"context"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

// schedule hands due receivers to the pool when the next one falls due,
// at least every Tick (for what other instances and the console change),
// or at once when poked (IDLE saw mail, a job finished with mail left, a
// receiver was saved).
func (c *Collector) schedule(ctx context.Context) {
	t := time.NewTimer(c.o.Tick)
	defer t.Stop()
	for {
		c.dispatchDue(ctx)
		t.Reset(c.untilNextDue(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.wake:
		}
	}
}

// untilNextDue is how long the scheduler may sleep: until the earliest
// receiver falls due, at most Tick.
func (c *Collector) untilNextDue(ctx context.Context) time.Duration {
	now := c.now()
	next, err := c.st.NextDueAfter(ctx, now)
	if err != nil || next.IsZero() {
		return c.o.Tick
	}
	// A few milliseconds late, so the receiver is due when looked at.
	return min(max(next.Sub(now)+5*time.Millisecond, time.Millisecond), c.o.Tick)
}

// dispatchDue starts a job for each due receiver that fits in the pool and
// whose lease this instance wins.
func (c *Collector) dispatchDue(ctx context.Context) {
	if c.closed() || c.pool.full() {
		return
	}
	now := c.now()
	// Ask for more than the free slots: some are skipped for their host.
	due, err := c.st.DueReceivers(ctx, now, c.o.Workers*4)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("collector: due receivers", "error", err)
		}
		return
	}
	for _, r := range due {
		host := strings.ToLower(r.Host)
		if !c.pool.take(r.ID, host) {
			if c.pool.full() {
				return
			}
			continue
		}
		ok, err := c.st.AcquireLease(ctx, r.ID, c.o.Instance, now, now.Add(c.o.LeaseTTL))
		if err != nil || !ok {
			c.pool.give(r.ID, host)
			if err != nil && ctx.Err() == nil {
				c.log.Warn("collector: lease", "receiver_id", r.ID, "error", err)
			}
			continue
		}
		if !c.startJob() {
			c.pool.give(r.ID, host)
			c.release(r.ID, c.log)
			return
		}
		go func(id int64) {
			defer c.jobs.Done()
			defer c.pool.give(id, host)
			_, _ = c.job(c.base, id, c.triggerOf(id))
			c.poke() // a slot is free: maybe someone else is due
		}(r.ID)
	}
}

// triggerOf says whether IDLE made the receiver due.
func (c *Collector) triggerOf(id int64) string {
	if c.idleHits.consumed(id) {
		return store.TriggerIdle
	}
	return store.TriggerSchedule
}
