package collector

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// defaultBudget is the messages per run of a receiver without one.
const defaultBudget = 100

// session does one connection's share of a job, in the steps the package
// documentation names: open the folder (UIDVALIDITY), replay the actions
// a previous run left pending, find new mail, then record and file it
// batch by batch. It reports whether mail was left for the next run
// (budget reached or shutdown).
func (c *Collector) session(ctx context.Context, r *store.Receiver, cfg mailbox.Config, settings ingest.Settings, run *store.CollectRun, log *slog.Logger) (bool, error) {
	s, err := mailbox.Dial(ctx, cfg, c.dialOptions()...)
	if err != nil {
		return false, err
	}
	defer s.Close()
	if err := c.refile(ctx, s, r, log); err != nil {
		return false, err
	}
	uv, err := c.open(ctx, s, r, run, log)
	if err != nil {
		return false, err
	}
	// Step 1, replay: finish what an earlier run committed but did not file.
	if err := c.replay(ctx, s, r); err != nil {
		return false, err
	}
	// Step 2, find new: the UIDs not yet in the ledger, up to the budget.
	fresh, more, err := c.findNew(ctx, s, r, uv, run)
	if err != nil || len(fresh) == 0 {
		return more, err
	}
	// Steps 3 and 4, batch by batch: record in one transaction, then file.
	in := &intake{r: r, settings: settings, uv: uv, run: run, log: log}
	left, err := c.drain(ctx, s, in, fresh)
	return more || left, err
}

// open selects the receiver's folder and settles its UIDVALIDITY: a
// folder never read takes the receiver's first-collection choice, and a
// renumbered one is rescanned from the start. It returns the UIDVALIDITY.
func (c *Collector) open(ctx context.Context, s *mailbox.Session, r *store.Receiver, run *store.CollectRun, log *slog.Logger) (uint32, error) {
	mb, err := s.Select(ctx, r.Folder)
	if err != nil {
		return 0, err
	}
	run.Available = int(mb.Messages)
	uv := mb.UIDValidity
	if r.UIDValidity == 0 {
		// The first collection of this folder: the receiver's choice says
		// how much of the mail already there it takes.
		if err := c.firstContact(ctx, s, r, mb, run); err != nil {
			return 0, err
		}
	}
	if r.UIDValidity != uv {
		if r.UIDValidity != 0 {
			// The server renumbered the folder: every UID we know is void.
			// Rescan it all; the ledger's content hashes skip what was
			// imported.
			log.Warn("collector: UIDVALIDITY changed, rescanning the folder", "old", r.UIDValidity, "new", uv)
		}
		// The old UIDs, and the floor among them, mean nothing now.
		if err := c.st.SetFirstContact(ctx, r.ID, uv, 0); err != nil {
			return 0, err
		}
		r.UIDValidity, r.LastUID, r.UIDFloor = uv, 0, 0
	}
	return uv, nil
}

// findNew lists the UIDs to import: after the cursor (or, collecting only
// unread mail, every unread one above the floor), less those the ledger
// already holds, cut to the receiver's budget. more says the budget cut
// some off.
func (c *Collector) findNew(ctx context.Context, s *mailbox.Session, r *store.Receiver, uv uint32, run *store.CollectRun) (fresh []uint32, more bool, err error) {
	var uids []uint32
	if r.CollectOnlyUnread {
		// Unread mail anywhere in the folder, not only after the cursor:
		// the ledger tells what was already imported.
		uids, err = s.UIDsAfter(ctx, r.UIDFloor, true, 0)
	} else {
		uids, err = s.UIDsAfter(ctx, r.LastUID, false, 0)
	}
	if err != nil {
		return nil, false, err
	}
	known, err := c.st.LedgerUIDs(ctx, r.ID, uv, uids)
	if err != nil {
		return nil, false, err
	}
	fresh = uids[:0:0]
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
	if err := c.apply(ctx, s, r, reseen, nil); err != nil {
		return nil, false, err
	}
	budget := r.Budget
	if budget <= 0 {
		budget = defaultBudget
	}
	if len(fresh) > budget {
		return fresh[:budget], true, nil
	}
	return fresh, false, nil
}

// intake is what one session's batches share.
type intake struct {
	r        *store.Receiver // its LastUID follows each committed batch
	settings ingest.Settings
	uv       uint32 // the folder's UIDVALIDITY
	run      *store.CollectRun
	log      *slog.Logger
	// firstFailedUID is the lowest UID of this session whose save failed
	// (0: none): GLPI's "error", the mail stays in the folder. The cursor
	// never moves past it, so the next run tries that mail again; it is
	// carried across batches because a later batch, whose own mails all
	// saved, must not move the cursor past an earlier batch's failure.
	firstFailedUID uint32
	// last is what the previous batch committed. The next batch was
	// prepared (looked up and decided) while that one was written, so
	// what it read may predate those writes: its transaction checks
	// them too.
	last struct {
		hashes map[string]store.LedgerMatch // content hashes recorded
		writes *writes
	}
	// kept are the documents of prepared batches being stored ahead of
	// their transactions (keepDocuments); the drain waits for them all
	// before it returns, the abandoned batches' too, so no file is still
	// being written once the session is over.
	kept []*docstore.Kept
}

// drain records and files the fresh mail batch by batch. It sizes the
// mails first (batches are cut by count and bytes, mails over the size
// limit are never downloaded). While batch N is written, batch N-1 is
// filed on the server (moved or marked) and batch N+1 is fetched and then
// prepared (hashed, looked up, decided), so the database writer waits for
// neither the network nor Decide. A batch's actions are marked done in the
// store once filed; one not filed yet when a run stops is replayed by the
// next run, like any committed batch a crash leaves unfiled. left says
// shutdown stopped it before the end.
func (c *Collector) drain(ctx context.Context, s *mailbox.Session, in *intake, fresh []uint32) (left bool, err error) {
	items, err := c.sizes(ctx, s, fresh, in.settings.MaxMessageSize)
	if err != nil {
		return false, err
	}
	batches := c.plan(items)
	if len(batches) == 0 {
		return false, nil
	}
	if c.closed() {
		return true, nil // shutdown: the rest is for the next run
	}
	defer func() { // after ahead.Wait (deferred below): no more are started
		for _, k := range in.kept {
			_ = k.Wait() // a transaction that needed them took their error
		}
		in.kept = nil
	}()
	if err := c.fetch(ctx, s, batches[0]); err != nil {
		return false, err
	}
	p, err := c.prepare(ctx, in, batches[0])
	if err != nil {
		return false, err
	}
	// The receiver as the filing goroutine reads it (folders); the run
	// moves in.r's cursor meanwhile.
	r := *in.r
	var (
		ahead   sync.WaitGroup
		unfiled *recorded // recorded, not yet filed
	)
	defer ahead.Wait() // nothing runs on after the session
	// file files the batch recorded last, in this goroutine.
	file := func() error {
		if unfiled == nil {
			return nil
		}
		rec := *unfiled
		unfiled = nil
		return c.fileBatch(ctx, s, &r, rec)
	}
	for i, batch := range batches {
		if c.closed() {
			return true, file()
		}
		// The session is used by one goroutine at a time: the one ahead
		// downloads the next batch (fetching is BODY.PEEK[] and changes
		// nothing), then files the previous one while the next is
		// prepared: the server moves mail while the processor decides.
		// Preparing reads the store and writes nothing.
		done := make(chan aheadResult, 1)
		prev := unfiled
		unfiled = nil
		ahead.Add(1)
		go func() {
			defer ahead.Done()
			done <- c.ahead(ctx, s, &r, in, prev, batches[i+1:])
		}()
		rec, err := c.recordBatch(ctx, in, p)
		res := <-done
		if res.fileErr != nil {
			return false, res.fileErr
		}
		if prev != nil {
			if err := c.st.MarkActionsDone(ctx, prev.ids); err != nil {
				return false, err
			}
		}
		if err != nil {
			return false, err
		}
		unfiled = &rec
		for j := range batch {
			batch[j].raw = nil // recorded: let a long run's mail go
		}
		if res.err != nil {
			if ferr := file(); ferr != nil {
				return false, ferr
			}
			return false, res.err
		}
		p = res.next
	}
	return false, file()
}

// aheadResult is what the goroutine working beside the writer did: the
// previous batch filed, the next one fetched and prepared.
type aheadResult struct {
	fileErr error
	next    *prepared
	err     error
}

// ahead is the work beside the writer: the next of batches (if any)
// fetched, then prev (if any) filed on the session while that batch is
// prepared. The session is free again when it returns.
func (c *Collector) ahead(ctx context.Context, s *mailbox.Session, r *store.Receiver, in *intake, prev *recorded, batches [][]item) (res aheadResult) {
	var synced func() error
	if prev != nil && len(prev.acts) > 0 {
		// prev's commit is made durable while the next batch downloads:
		// the disk's wait hides behind the server's.
		synced = c.syncing(ctx)
	}
	if len(batches) > 0 {
		res.err = c.fetch(ctx, s, batches[0])
	}
	var filed chan error
	if prev != nil {
		filed = make(chan error, 1)
		go func() { filed <- c.apply(ctx, s, r, prev.acts, synced) }()
	}
	if len(batches) > 0 && res.err == nil {
		res.next, res.err = c.prepare(ctx, in, batches[0])
	}
	if filed != nil {
		res.fileErr = <-filed
	}
	return res
}

// firstContact applies the receiver's first-collection choice to a folder
// it has never read, sets the cursor and the floor below which nothing is
// collected, and says what it did in the run's note.
func (c *Collector) firstContact(ctx context.Context, s *mailbox.Session, r *store.Receiver, mb mailbox.Mailbox, run *store.CollectRun) error {
	if r.FirstCollect != store.FirstCollectRecent && r.FirstCollect != store.FirstCollectNone {
		run.Note = "First collection of this folder: all the mail in it is imported."
		return nil
	}
	all, err := s.UIDsAfter(ctx, 0, false, 0)
	if err != nil {
		return err
	}
	var floor uint32
	if n := len(all); n > 0 {
		floor = all[n-1]
	}
	if mb.UIDNext > 0 {
		floor = max(floor, mb.UIDNext-1)
	}
	kept := 0
	if r.FirstCollect == store.FirstCollectRecent {
		days := max(r.FirstCollectDays, 1)
		since := c.now().AddDate(0, 0, -days)
		recent, err := s.UIDsSince(ctx, since)
		if err != nil {
			return err
		}
		if len(recent) > 0 {
			floor = recent[0] - 1
		}
		for _, u := range all {
			if u > floor {
				kept++
			}
		}
		run.Note = fmt.Sprintf("First collection of this folder: only mail from the last %d days (since %s) is imported; %d older messages are left in the folder.",
			days, since.UTC().Format("2006-01-02"), len(all)-kept)
	} else {
		run.Note = fmt.Sprintf("First collection of this folder: the %d messages already in it are left there; only mail arriving from now on is imported.", len(all))
	}
	if err := c.st.SetFirstContact(ctx, r.ID, mb.UIDValidity, floor); err != nil {
		return err
	}
	r.UIDValidity, r.LastUID, r.UIDFloor = mb.UIDValidity, floor, floor
	return nil
}

// item is one message to ingest.
type item struct {
	uid      uint32
	size     int64
	tooLarge bool
	raw      []byte
	hash     string
	arrived  time.Time // INTERNALDATE
}

// sizes asks the server for the size of each message (a fetch with a
// one-byte cap returns sizes only), so batches can be cut by bytes and
// messages over maxSize are never downloaded.
func (c *Collector) sizes(ctx context.Context, s *mailbox.Session, uids []uint32, maxSize int64) ([]item, error) {
	out := make([]item, 0, len(uids))
	err := s.Fetch(ctx, uids, 1, func(m mailbox.Message) error {
		out = append(out, item{uid: m.UID, size: m.Size, tooLarge: maxSize > 0 && m.Size > maxSize, arrived: m.InternalDate})
		return nil
	})
	return out, err
}

// rampFrom is the smallest batch size that plan starts smaller.
const rampFrom = 64

// plan cuts items into batches of at most BatchSize messages and about
// BatchBytes bytes.
func (c *Collector) plan(items []item) [][]item {
	var out [][]item
	var bytes int64
	start := 0
	// A large batch size starts at an eighth and doubles: the writer
	// begins on the first mails while the next batch is downloaded and
	// decided, instead of waiting for a whole batch first.
	size := c.o.BatchSize
	if size >= rampFrom {
		size /= 8
	}
	for i, it := range items {
		if i > start && (i-start >= size || bytes+it.size > c.o.BatchBytes) {
			out = append(out, items[start:i])
			start, bytes = i, 0
			size = min(2*size, c.o.BatchSize)
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
