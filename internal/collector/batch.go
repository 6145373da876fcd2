package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/store"
)

// counts are a batch's share of a run's counts, added once it committed.
type counts struct{ already, retrieved, refused, errors, blacklisted int }

func (n counts) addTo(run *store.CollectRun) {
	run.AlreadyImported += n.already
	run.Retrieved += n.retrieved
	run.Refused += n.refused
	run.Errors += n.errors
	run.Blacklisted += n.blacklisted
}

// counted is a recorded mail as the metrics see it.
type counted struct {
	kind, reason string
	arrived      time.Time
}

// errSlowPath aborts a batch transaction whose fast path failed on one
// mail: the batch is redone mail by mail, each in its own savepoint.
var errSlowPath = errors.New("collector: redo the batch mail by mail")

// recorded is what a committed batch leaves to do on the mailbox.
type recorded struct {
	acts []action
	ids  []int64 // ledger rows to mark done once acts are done
}

// prepared is a batch made ready outside its transaction: content hashes
// computed, the mails the ledger already holds (by hash) looked up, and
// the new ones decided in parallel.
type prepared struct {
	items []item
	seen  map[string]store.LedgerMatch // by content hash, before the batch
	pre   []preDecision                // by index in items
	now   time.Time
	kept  *docstore.Kept // the new mails' documents, being stored (keepDocuments)
}

// prepare hashes, looks up and pre-decides a fetched batch.
func (c *Collector) prepare(ctx context.Context, in *intake, batch []item) (*prepared, error) {
	var hashes []string
	for i := range batch {
		if batch[i].raw != nil {
			sum := sha256.Sum256(batch[i].raw)
			batch[i].hash = hex.EncodeToString(sum[:])
			hashes = append(hashes, batch[i].hash)
		}
	}
	seen, err := c.st.LedgerByHash(ctx, in.r.ID, hashes)
	if err != nil {
		return nil, err
	}
	now := c.now()
	dups, err := c.duplicates(ctx, batch, seen, now)
	if err != nil {
		return nil, err
	}
	p := &prepared{items: batch, seen: seen, now: now, pre: c.predecide(ctx, batch, seen, in.settings, now, dups)}
	c.keepDocuments(in, p)
	return p, nil
}

// keepDocuments starts storing the documents of a prepared batch
// (helpdesk.Service.KeepDocuments): prepare runs beside the previous
// batch's transaction, so the files are written and synced while the
// database is, and the batch's own transaction waits for them only at
// its end, if at all.
func (c *Collector) keepDocuments(in *intake, p *prepared) {
	raws := make([][]byte, 0, len(p.pre))
	decided := make([]*ingest.Decision, 0, len(p.pre))
	for i, pre := range p.pre {
		if pre.d != nil {
			raws, decided = append(raws, p.items[i].raw), append(decided, pre.d)
		}
	}
	p.kept = c.o.Helpdesk.KeepDocuments(raws, decided)
	in.kept = append(in.kept, p.kept)
}

// duplicates reads, with one query, the tickets that the mails to decide
// would be copies of (the same Message-ID collected by another receiver):
// Decide asks for each mail, and asking the store once a mail cost more
// than the rest of the look-ups of a batch together.
func (c *Collector) duplicates(ctx context.Context, batch []item, seen map[string]store.LedgerMatch, now time.Time) (map[string][]store.DuplicateCandidate, error) {
	var ids []string
	for _, it := range batch {
		if it.raw == nil || !toDecide(it, seen) {
			continue
		}
		if id := ingest.MessageID(it.raw); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return c.st.DuplicateTickets(ctx, ids, now.Add(-ingest.DuplicateWindow))
}

// recordBatch records a fetched batch in one transaction (see the package
// documentation). Decisions are made beforehand, in parallel and outside
// the transaction; the few a write of the same batch may change are made
// again inside it. The mails are saved without a savepoint each (the fast
// path); if one fails, the transaction is rolled back and redone with a
// savepoint per mail (the careful path), so that mail alone is skipped.
// Once committed, the receiver's cursor, the lease end, the run's counts
// and the metrics follow.
func (c *Collector) recordBatch(ctx context.Context, in *intake, p *prepared) (recorded, error) {
	lease := &txLease{c: c, receiverID: in.r.ID}
	var w written
	try := func(careful bool) error {
		return c.st.InTx(ctx, func(tx *store.Store) (err error) {
			w, err = c.writeBatch(ctx, tx, lease, in, p, careful)
			return err
		})
	}
	start := time.Now()
	err := try(false)
	if errors.Is(err, errSlowPath) {
		err = try(true)
	}
	took := time.Since(start)
	if err != nil {
		return recorded{}, fmt.Errorf("collector: record batch: %w", err)
	}
	c.leases.set(in.r.ID, lease.end)
	if c.o.Metrics != nil {
		done := time.Now()
		for _, m := range w.mails {
			c.o.Metrics.Mail(in.r.ID, m.kind, m.reason, m.arrived, done)
		}
	}
	in.firstFailedUID = w.firstFailedUID
	in.r.LastUID = w.cursor
	in.last.hashes, in.last.writes = w.hashes, w.changed
	w.n.addTo(in.run)
	// Where the batch's time went, for an operator asking why a drain is
	// slow: saving the mails, indexing them, waiting for their documents
	// to be on disk, and the rest (ledger, cursor, lease, commit).
	in.log.Debug("collector: batch recorded", "messages", len(p.items), "last_uid", w.cursor,
		"took", took.Round(time.Millisecond), "saving", w.took.saving.Round(time.Millisecond),
		"indexing", w.took.indexing.Round(time.Millisecond), "documents_wait", w.took.documents.Round(time.Millisecond))
	return w.rec, nil
}

// written is what one attempt at a batch's transaction wrote; it counts
// only once the transaction commits.
type written struct {
	n              counts
	rec            recorded
	mails          []counted // for the metrics
	cursor         uint32
	firstFailedUID uint32
	hashes         map[string]store.LedgerMatch // content hashes recorded
	changed        *writes
	// took is the time of the attempt's parts (see recordBatch's log).
	took struct{ saving, indexing, documents time.Duration }
}

// txLease renews a receiver's lease inside batch transactions.
type txLease struct {
	c          *Collector
	receiverID int64
	end        time.Time // as last renewed
}

// renew extends the lease in tx; store.ErrLeaseLost when another instance
// holds it, which rolls the batch back.
func (l *txLease) renew(ctx context.Context, tx *store.Store) error {
	// Always later than the last renewal: MySQL counts an UPDATE that
	// changes nothing as no row, which would read as a lost lease.
	next := l.c.now().Add(l.c.o.LeaseTTL)
	if !next.After(l.end) {
		next = l.end.Add(time.Microsecond)
	}
	l.end = next
	ok, err := tx.RenewLease(ctx, l.receiverID, l.c.o.Instance, l.end)
	if err == nil && !ok {
		err = store.ErrLeaseLost
	}
	return err
}

// writeBatch is one attempt at a batch inside its transaction tx: the
// lease renewed first (the fence), each mail saved with its ledger row,
// the cursor moved, the lease renewed again. careful saves each mail in a
// savepoint; otherwise a failing mail aborts the attempt with errSlowPath.
func (c *Collector) writeBatch(ctx context.Context, tx *store.Store, lease *txLease, in *intake, p *prepared, careful bool) (written, error) {
	r := in.r
	w := written{cursor: r.LastUID, firstFailedUID: in.firstFailedUID}
	// Renewing inside the transaction fences it: if another instance
	// took the receiver over, nothing of this batch is committed.
	if err := lease.renew(ctx, tx); err != nil {
		return w, err
	}
	// The batch's new tickets are indexed for search together, before
	// the commit (one index write instead of one per ticket).
	indexTickets, err := tx.HoldSearchIndex(ctx)
	if err != nil {
		return w, err
	}
	saver := batchWriter{c: c, tx: tx, rid: r.ID, careful: careful, log: in.log}
	if !careful {
		if saver.fast, err = c.o.Helpdesk.NewBatch(ctx, tx, r.ID, decisions(p.pre), p.kept); err != nil {
			return w, err
		}
		defer saver.fast.Discard() // after Sync: nothing
	}
	know := helpdesk.Knowledge(tx)
	// The ledger rows are written together, at the end or before a
	// decision made in the transaction.
	ledger := &ledgerRows{ids: &w.rec.ids}
	// Mails already in the ledger, by content hash: as looked up before
	// the batch, plus what the previous batch recorded meanwhile, plus
	// (as the loop goes) this batch's own.
	batchSeen := maps.Clone(p.seen)
	if batchSeen == nil {
		batchSeen = map[string]store.LedgerMatch{}
	}
	maps.Copy(batchSeen, in.last.hashes)
	changed := newWrites()
	w.hashes, w.changed = map[string]store.LedgerMatch{}, changed
	saving := time.Now()
	for i, it := range p.items {
		w.cursor = max(w.cursor, it.uid)
		if !it.tooLarge && it.raw == nil {
			continue // expunged by someone else since the sizes were read
		}
		if m, dup := batchSeen[it.hash]; dup && it.hash != "" {
			w.n.already++
			w.rec.acts = append(w.rec.acts, action{uid: it.uid, decision: m.Decision})
			continue
		}
		d := p.pre[i].usable(changed, in.last.writes)
		if d == nil {
			// Decided again in the transaction: what Decide reads (the
			// ledger's Message-IDs among it) must hold the rows so far.
			if err := ledger.flush(ctx, tx); err != nil {
				return w, err
			}
			var err error
			if d, err = c.decide(ctx, it, in.settings, know, p.now); err != nil {
				return w, err
			}
		}
		saved, err := saver.save(ctx, it.raw, d)
		if errors.Is(err, errSlowPath) {
			in.log.Info("collector: a mail of the batch failed; redoing the batch mail by mail", "uid", it.uid)
			return w, err
		}
		if err != nil {
			// GLPI's "error": the mail stays in the folder, and the
			// cursor stops before it so the next run tries it again.
			in.log.Warn("collector: message not saved", "uid", it.uid, "error", err)
			w.n.errors++
			if w.firstFailedUID == 0 || it.uid < w.firstFailedUID {
				w.firstFailedUID = it.uid
			}
			continue
		}
		e := ledgerEntry(r.ID, in.uv, it, d, saved)
		ledger.rows = append(ledger.rows, e)
		changed.add(d, saved)
		w.rec.acts = append(w.rec.acts, action{uid: it.uid, decision: e.Decision})
		if it.hash != "" {
			m := store.LedgerMatch{MessageID: d.MessageID, Decision: e.Decision}
			batchSeen[it.hash], w.hashes[it.hash] = m, m
		}
		w.n.count(d)
		w.mails = append(w.mails, counted{d.Kind, d.Reason.Code, it.arrived})
	}
	// The fast path's documents were written while the batch went on;
	// they must all be on disk before the transaction that names them
	// commits. Syncing them (waits on the disk) runs beside the batch's
	// last writes; a return before the wait below still waits for it
	// (deferred before Discard runs). If a document failed, the careful
	// path finds which.
	var synced chan error
	if saver.fast != nil {
		synced = make(chan error, 1)
		go func() { synced <- saver.fast.Sync() }()
		defer func() {
			if synced != nil {
				<-synced
			}
		}()
	}
	w.took.saving = time.Since(saving)
	if err := ledger.flush(ctx, tx); err != nil {
		return w, err
	}
	indexing := time.Now()
	if err := indexTickets(ctx); err != nil {
		return w, err
	}
	w.took.indexing = time.Since(indexing)
	// The cursor rule: it stops just before the first mail that failed
	// (never below where it was), so the next run fetches that mail again.
	// Collecting only unread mail is exempt: that mode does not read after
	// the cursor but searches every unread mail above the floor, and the
	// failed mail, never marked seen, is unread and found again; the
	// ledger, not the cursor, keeps what was imported from coming back.
	if w.firstFailedUID != 0 && !r.CollectOnlyUnread {
		w.cursor = min(w.cursor, max(w.firstFailedUID-1, r.LastUID))
	}
	if err := tx.SetCursor(ctx, r.ID, in.uv, w.cursor); err != nil {
		return w, err
	}
	if synced != nil {
		waiting := time.Now()
		err := <-synced
		w.took.documents = time.Since(waiting)
		synced = nil
		if err != nil {
			in.log.Info("collector: a document of the batch was not stored; redoing the batch mail by mail", "error", err)
			return w, fmt.Errorf("%w: %w", errSlowPath, err)
		}
	}
	// Renewed again at the end: a long batch commits a lease that runs a
	// full TTL from now, not from its start.
	return w, lease.renew(ctx, tx)
}

// ledgerRows are ledger rows waiting to be written in one statement.
type ledgerRows struct {
	rows []store.LedgerEntry
	ids  *[]int64 // where the written rows' IDs go
}

func (l *ledgerRows) flush(ctx context.Context, tx *store.Store) error {
	if len(l.rows) == 0 {
		return nil
	}
	if err := tx.AddLedgerEntries(ctx, l.rows); err != nil {
		return err
	}
	for _, e := range l.rows {
		*l.ids = append(*l.ids, e.ID)
	}
	l.rows = l.rows[:0]
	return nil
}

// fileBatch does a recorded batch's IMAP actions (move or mark seen) and
// marks its ledger rows done.
func (c *Collector) fileBatch(ctx context.Context, s *mailbox.Session, r *store.Receiver, rec recorded) error {
	if err := c.apply(ctx, s, r, rec.acts, nil); err != nil {
		return err
	}
	return c.st.MarkActionsDone(ctx, rec.ids)
}

// batchWriter saves one mail of a batch: fast (no savepoint, lookups
// cached for the batch; a failure aborts the transaction with
// errSlowPath) or careful (a savepoint per mail: a failure skips the mail).
type batchWriter struct {
	c       *Collector
	tx      *store.Store
	rid     int64
	careful bool
	fast    *helpdesk.Batch
	log     *slog.Logger
}

func (w batchWriter) save(ctx context.Context, raw []byte, d *ingest.Decision) (helpdesk.Saved, error) {
	if w.careful {
		return w.c.o.Helpdesk.Save(ctx, w.tx, w.rid, raw, d)
	}
	saved, err := w.fast.Save(ctx, raw, d)
	if err != nil {
		w.log.Debug("collector: fast save failed", "error", err)
		return saved, fmt.Errorf("%w: %w", errSlowPath, err)
	}
	return saved, nil
}

// decide makes the Decision for one message; one too large to download is
// refused without reading it.
func (c *Collector) decide(ctx context.Context, it item, settings ingest.Settings, know ingest.Knowledge, now time.Time) (*ingest.Decision, error) {
	if it.tooLarge {
		return &ingest.Decision{Kind: ingest.KindRefused, Title: "(No subject)", Date: now, Size: it.size,
			Reason: ingest.Reason{Code: ingest.ReasonTooLarge, Text: fmt.Sprintf(
				"The message (%d bytes) is larger than the limit of %d bytes; it was not downloaded.", it.size, settings.MaxMessageSize)}}, nil
	}
	return ingest.DecideSum(ctx, it.raw, it.hash, settings, know, now)
}

func (n *counts) count(d *ingest.Decision) {
	n.retrieved++
	if d.Kind != ingest.KindRefused {
		return
	}
	switch d.Reason.Code {
	// GLPI's "blacklisted": a blacklisted sender, or our own mail coming back.
	case ingest.ReasonBlacklisted, ingest.ReasonOwnAddress, ingest.ReasonOwnNotification:
		n.blacklisted++
	default:
		n.refused++
	}
}

func ledgerEntry(receiverID int64, uv uint32, it item, d *ingest.Decision, saved helpdesk.Saved) store.LedgerEntry {
	e := store.LedgerEntry{ReceiverID: receiverID, UIDValidity: uv, UID: it.uid, MessageID: d.MessageID,
		ContentHash: it.hash, Decision: d.Kind, Reason: d.Reason.Code}
	if saved.TicketID != 0 {
		e.TicketID = &saved.TicketID
	}
	if saved.FollowupID != 0 {
		e.FollowupID = &saved.FollowupID
	}
	if saved.QuarantineID != 0 {
		e.QuarantineID = &saved.QuarantineID
	}
	return e
}

// preDecision is a decision made before the batch transaction, with what
// it asked the store, so the transaction can tell whether an earlier mail
// of the same batch changed the answer.
type preDecision struct {
	d       *ingest.Decision // nil: decide inside the transaction
	ids     []string         // Message-IDs asked, normalised and lower-cased
	tickets []int64          // tickets asked for or answered
	senders []string         // e-mails the mail rules asked about, lower-cased
}

// predecide decides the batch's new mails in parallel, outside the
// transaction: ingest.Decide is pure given the Knowledge, and most of its
// cost (MIME, charsets, sanitising) needs no lock on the database.
func (c *Collector) predecide(ctx context.Context, batch []item, seen map[string]store.LedgerMatch, settings ingest.Settings, now time.Time, dups map[string][]store.DuplicateCandidate) []preDecision {
	out := make([]preDecision, len(batch))
	know := helpdesk.Knowledge(c.st)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				it := batch[i]
				p := &probe{k: know, dups: dups, since: now.Add(-ingest.DuplicateWindow)}
				d, err := c.decide(ctx, it, settings, p, now)
				if err == nil && d.Kind == ingest.KindTicket {
					// Off the writer's path, like the decision.
					d.SearchText = store.SearchText(d.ContentHTML)
				}
				if err == nil {
					out[i] = preDecision{d: d, ids: p.ids, tickets: p.tickets, senders: p.senders}
				}
				// The batch's one writer, woken from a wait (the disk, a
				// lock), should not wait for a core behind deciders busy
				// for up to the scheduler's 10 ms slice: a decider steps
				// aside after each mail.
				runtime.Gosched()
			}
		}()
	}
	for i, it := range batch {
		if toDecide(it, seen) {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	return out
}

// toDecide reports whether a mail of a batch gets a decision ahead: not
// one already in the ledger, nor one expunged since the sizes were read.
func toDecide(it item, seen map[string]store.LedgerMatch) bool {
	if _, dup := seen[it.hash]; dup && it.hash != "" {
		return false
	}
	return it.tooLarge || it.raw != nil
}

// decisions lists the decisions made in advance.
func decisions(pre []preDecision) []*ingest.Decision {
	out := make([]*ingest.Decision, 0, len(pre))
	for _, p := range pre {
		if p.d != nil {
			out = append(out, p.d)
		}
	}
	return out
}

// usable returns the decision made in advance, or nil when there is none
// or when what it asked was written by an earlier mail of the batch or by
// the previous batch, written while this one was decided (a reply to a
// mail of the same batch, a ticket the batch reopened).
func (p preDecision) usable(written ...*writes) *ingest.Decision {
	if p.d == nil {
		return nil
	}
	for _, w := range written {
		if w == nil {
			continue
		}
		for _, id := range p.ids {
			if w.messageIDs[id] {
				return nil
			}
		}
		for _, t := range p.tickets {
			if w.tickets[t] {
				return nil
			}
		}
		for _, e := range p.senders {
			if w.requesters[e] {
				return nil
			}
		}
	}
	return p.d
}

// writes is what the batch transaction wrote so far that Decide may ask
// about: the Message-IDs recorded and the tickets created or changed.
type writes struct {
	messageIDs map[string]bool
	tickets    map[int64]bool
	// requesters are the senders of the mails saved: saving one may make
	// its sender a known contact, which a mail rule may ask about.
	requesters map[string]bool
}

func newWrites() *writes {
	return &writes{messageIDs: map[string]bool{}, tickets: map[int64]bool{}, requesters: map[string]bool{}}
}

func (w *writes) add(d *ingest.Decision, saved helpdesk.Saved) {
	if id := normalID(d.MessageID); id != "" {
		w.messageIDs[id] = true
	}
	for _, t := range []int64{saved.TicketID, d.TicketID} {
		if t != 0 {
			w.tickets[t] = true
		}
	}
	if e := strings.ToLower(d.Requester.Email); e != "" {
		w.requesters[e] = true
	}
}

// normalID is a Message-ID as the store compares it (MySQL ignores case).
func normalID(id string) string { return strings.ToLower(store.NormalMessageID(id)) }

// probe is an ingest.Knowledge that remembers what was asked and answered.
// It answers the mail rules' questions too (rules.Env) when the store
// does: without them a rule reading the requester, its groups, the mail
// domain or a category by name would never match a mail decided ahead.
// Users, groups and categories are not written by a batch; a sender may
// become a known contact by an earlier mail of the batch, so the e-mails
// asked about are remembered.
type probe struct {
	k       ingest.Knowledge
	ids     []string
	tickets []int64
	senders []string
	// dups answers DuplicateTicket for the Message-IDs it holds, read
	// for the whole batch with the window starting at since.
	dups  map[string][]store.DuplicateCandidate
	since time.Time
}

var _ rules.Env = (*probe)(nil)

func (p *probe) env() (rules.Env, error) {
	e, ok := p.k.(rules.Env)
	if !ok {
		return nil, errNoRuleFacts
	}
	return e, nil
}

// errNoRuleFacts: the store behind the probe cannot answer the rules.
var errNoRuleFacts = errors.New("collector: the store answers no mail rule criteria")

func (p *probe) RequesterKnown(ctx context.Context, email string) (bool, error) {
	e, err := p.env()
	if err != nil {
		return false, err
	}
	p.senders = append(p.senders, strings.ToLower(email))
	return e.RequesterKnown(ctx, email)
}

func (p *probe) RequesterGroups(ctx context.Context, email string) ([]int64, error) {
	e, err := p.env()
	if err != nil {
		return nil, err
	}
	p.senders = append(p.senders, strings.ToLower(email))
	return e.RequesterGroups(ctx, email)
}

func (p *probe) KnownDomain(ctx context.Context, domain string) (bool, error) {
	e, err := p.env()
	if err != nil {
		return false, err
	}
	return e.KnownDomain(ctx, domain)
}

func (p *probe) CategoryByName(ctx context.Context, name string) (int64, bool, error) {
	e, err := p.env()
	if err != nil {
		return 0, false, err
	}
	return e.CategoryByName(ctx, name)
}

func (p *probe) GroupByName(ctx context.Context, name string) (int64, bool, error) {
	e, err := p.env()
	if err != nil {
		return 0, false, err
	}
	return e.GroupByName(ctx, name)
}

func (p *probe) TicketsByMessageID(ctx context.Context, ids []string) (map[string]ingest.TicketRef, error) {
	for _, id := range ids {
		p.ids = append(p.ids, normalID(id))
	}
	out, err := p.k.TicketsByMessageID(ctx, ids)
	for _, t := range out {
		p.tickets = append(p.tickets, t.ID)
	}
	return out, err
}

// DuplicateTicket forwards to the store when it can answer; the Message-ID
// is remembered, so a ticket the batch opens from it re-decides the mail.
func (p *probe) DuplicateTicket(ctx context.Context, messageID, contentSHA256 string, since time.Time) (ingest.TicketRef, bool, error) {
	f, ok := p.k.(ingest.DuplicateFinder)
	if !ok {
		return ingest.TicketRef{}, false, nil
	}
	p.ids = append(p.ids, normalID(messageID))
	if cands, read := p.dups[messageID]; read && since.Equal(p.since) {
		for _, cand := range cands {
			if cand.ContentSHA256 == contentSHA256 {
				p.tickets = append(p.tickets, cand.ID)
				return p.k.Ticket(ctx, cand.ID)
			}
		}
		return ingest.TicketRef{}, false, nil
	}
	t, found, err := f.DuplicateTicket(ctx, messageID, contentSHA256, since)
	if found {
		p.tickets = append(p.tickets, t.ID)
	}
	return t, found, err
}

func (p *probe) Ticket(ctx context.Context, id int64) (ingest.TicketRef, bool, error) {
	p.tickets = append(p.tickets, id)
	return p.k.Ticket(ctx, id)
}
