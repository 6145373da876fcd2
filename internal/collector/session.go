package collector

import (
	"context"
	"log/slog"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// defaultBudget is the messages per run of a receiver without one.
const defaultBudget = 100

// session does one connection's share of a job: select, check
// UIDVALIDITY, replay pending actions, find new mail, and ingest it batch
// by batch. It reports whether mail was left for the next run (budget
// reached or shutdown).
func (c *Collector) session(ctx context.Context, r *store.Receiver, cfg mailbox.Config, settings ingest.Settings, run *store.CollectRun, log *slog.Logger) (bool, error) {
	s, err := mailbox.Dial(ctx, cfg, c.dialOptions()...)
	if err != nil {
		return false, err
	}
	defer s.Close()
	if err := c.refile(ctx, s, r, log); err != nil {
		return false, err
	}
	mb, err := s.Select(ctx, r.Folder)
	if err != nil {
		return false, err
	}
	run.Available = int(mb.Messages)
	uv := mb.UIDValidity
	if r.UIDValidity != uv {
		if r.UIDValidity != 0 {
			// The server renumbered the folder: every UID we know is void.
			// Rescan it all; the ledger's content hashes skip what was
			// imported.
			log.Warn("collector: UIDVALIDITY changed, rescanning the folder", "old", r.UIDValidity, "new", uv)
		}
		if err := c.st.SetCursor(ctx, r.ID, uv, 0); err != nil {
			return false, err
		}
		r.UIDValidity, r.LastUID = uv, 0
	}
	if err := c.replay(ctx, s, r); err != nil {
		return false, err
	}

	var uids []uint32
	if r.CollectOnlyUnread {
		// Unread mail anywhere in the folder, not only after the cursor:
		// the ledger tells what was already imported.
		uids, err = s.UIDsAfter(ctx, 0, true, 0)
	} else {
		uids, err = s.UIDsAfter(ctx, r.LastUID, false, 0)
	}
	if err != nil {
		return false, err
	}
	known, err := c.st.LedgerUIDs(ctx, r.ID, uv, uids)
	if err != nil {
		return false, err
	}
	fresh := uids[:0:0]
	var reseen []action
	for _, u := range uids {
		if known[u] {
			run.AlreadyImported++
			if r.CollectOnlyUnread {
				// Imported, yet unread again: mark it seen once more so it
				// stops coming back.
				reseen = append(reseen, action{uid: u})
			}
			continue
		}
		fresh = append(fresh, u)
	}
	if err := c.apply(ctx, s, r, reseen); err != nil {
		return false, err
	}
	budget := r.Budget
	if budget <= 0 {
		budget = defaultBudget
	}
	more := len(fresh) > budget
	if more {
		fresh = fresh[:budget]
	}
	if len(fresh) == 0 {
		return false, nil
	}

	items, err := c.sizes(ctx, s, fresh, settings.MaxMessageSize)
	if err != nil {
		return false, err
	}
	var hold uint32 // the first UID that failed: the cursor stays before it
	batches := c.plan(items)
	if len(batches) == 0 {
		return more, nil
	}
	if c.closed() {
		return true, nil // shutdown: the rest is for the next run
	}
	if err := c.fetch(ctx, s, batches[0]); err != nil {
		return false, err
	}
	for i, batch := range batches {
		if c.closed() {
			return true, nil
		}
		// The next batch downloads while this one is recorded: fetching is
		// BODY.PEEK[] and changes nothing, and the session is used by one
		// goroutine at a time, since the mailbox actions wait for it.
		var next chan error
		if i+1 < len(batches) {
			next = make(chan error, 1)
			go func() { next <- c.fetch(ctx, s, batches[i+1]) }()
		}
		rec, err := c.record(ctx, r, settings, uv, batch, run, &hold, log)
		var ferr error
		if next != nil {
			ferr = <-next
		}
		if err != nil {
			return false, err
		}
		if err := c.finish(ctx, s, r, rec); err != nil {
			return false, err
		}
		for j := range batch {
			batch[j].raw = nil // recorded: let a long run's mail go
		}
		if ferr != nil {
			return false, ferr
		}
	}
	return more, nil
}

// item is one message to ingest.
type item struct {
	uid      uint32
	size     int64
	tooLarge bool
	raw      []byte
	hash     string
}

// sizes asks the server for the size of each message (a fetch with a
// one-byte cap returns sizes only), so batches can be cut by bytes and
// messages over maxSize are never downloaded.
func (c *Collector) sizes(ctx context.Context, s *mailbox.Session, uids []uint32, maxSize int64) ([]item, error) {
	out := make([]item, 0, len(uids))
	err := s.Fetch(ctx, uids, 1, func(m mailbox.Message) error {
		out = append(out, item{uid: m.UID, size: m.Size, tooLarge: maxSize > 0 && m.Size > maxSize})
		return nil
	})
	return out, err
}

// plan cuts items into batches of at most BatchSize messages and about
// BatchBytes bytes.
func (c *Collector) plan(items []item) [][]item {
	var out [][]item
	var bytes int64
	start := 0
	for i, it := range items {
		if i > start && (i-start >= c.o.BatchSize || bytes+it.size > c.o.BatchBytes) {
			out = append(out, items[start:i])
			start, bytes = i, 0
		}
		if !it.tooLarge {
			bytes += it.size
		}
	}
	if start < len(items) {
		out = append(out, items[start:])
	}
	return out
}

// fetch downloads the bodies of a batch (BODY.PEEK[], so nothing is marked
// seen before it is imported).
func (c *Collector) fetch(ctx context.Context, s *mailbox.Session, batch []item) error {
	idx := make(map[uint32]int, len(batch))
	var uids []uint32
	for i, it := range batch {
		if !it.tooLarge {
			idx[it.uid] = i
			uids = append(uids, it.uid)
		}
	}
	return s.Fetch(ctx, uids, 0, func(m mailbox.Message) error {
		if i, ok := idx[m.UID]; ok {
			batch[i].raw = m.Raw
		}
		return nil
	})
}
