package helpdesk

import (
	"context"
	"errors"
	"fmt"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ErrNotInTransaction is returned by NewBatch for a store that is not bound
// to a transaction.
var ErrNotInTransaction = errors.New("helpdesk: a batch needs a store bound to a transaction")

// Batch saves the decisions of one collector batch in the caller's
// transaction. Unlike Save it opens no savepoint per mail (SQLite writes a
// sub-journal for each) and asks the store about users, contacts and the
// receiver's options once per batch. The price: when Batch.Save fails, the
// transaction may hold part of that mail's rows, so the caller must roll
// the whole transaction back (the collector then redoes the batch with
// Save, which skips only the failing mail).
//
// Document bytes (attachments, kept originals, refused mails) are written
// to the docstore in the background while the batch goes on; Sync waits
// for them, and the caller commits only after Sync returned nil.
type Batch struct {
	s    *Service
	tx   *store.Store
	rid  *int64
	lk   *cachedLookups
	docs *docstore.Batch
}

// NewBatch starts a batch for receiverID (0: none) in tx. decisions, when
// given, are the batch's decisions known in advance: the users of all
// their requesters and observers are then looked up in one query.
//
// kept, when not nil, holds documents stored ahead (KeepDocuments): the
// batch does not write them again, and its Sync waits for them too.
func (s *Service) NewBatch(ctx context.Context, tx *store.Store, receiverID int64, decisions []*ingest.Decision, kept *docstore.Kept) (*Batch, error) {
	if !tx.InTransaction() {
		return nil, ErrNotInTransaction
	}
	b := &Batch{s: s, tx: tx, lk: newCachedLookups(tx), docs: s.docs.NewBatchAfter(kept)}
	if receiverID != 0 {
		b.rid = &receiverID
	}
	var emails []string
	for _, d := range decisions {
		if d == nil || (d.Kind != ingest.KindTicket && d.Kind != ingest.KindFollowup) {
			continue
		}
		emails = append(emails, d.Requester.Email)
		if d.Kind == ingest.KindTicket {
			for _, o := range d.Observers {
				emails = append(emails, o.Email)
			}
		}
	}
	if _, err := b.lk.users(ctx, emails); err != nil {
		b.Discard()
		return nil, fmt.Errorf("helpdesk: batch: %w", err)
	}
	return b, nil
}

// KeepDocuments starts storing, ahead of their transaction, the
// documents that saving decisions will name: each decision's documents
// and raws[i], the mail it was made of (kept for a ticket, a follow-up or
// a refusal). A Batch made with the returned Kept (NewBatch) does not
// write them again and waits for them only in its Sync, so the files are
// written and synced while the transaction before it goes on. What a
// transaction then does not save (a batch rolled back, a mail decided
// again) stays unreferenced, as the documents of a rolled-back Batch do.
// A write that fails fails that Batch's Sync. The raws are new mail (the
// collector decides only mail its ledger has never seen): their files
// are written without looking for a stored copy first (docstore's
// PutNew); attachments, often shared (a signature's logo), are looked
// for.
func (s *Service) KeepDocuments(raws [][]byte, decisions []*ingest.Decision) *docstore.Kept {
	b := s.docs.NewBatch()
	for i, d := range decisions {
		if d == nil {
			continue
		}
		// A Put's error is that of an earlier write, which Sync returns.
		switch d.Kind {
		case ingest.KindTicket, ingest.KindFollowup:
			_ = putDocuments(b, d.Documents)
			if len(raws[i]) > 0 {
				_, _ = b.PutNew(raws[i], d.SHA256) // the raw mail's, from Decide
			}
		case ingest.KindRefused:
			if len(raws[i]) > 0 {
				_, _ = b.PutNew(raws[i], d.SHA256)
			} else { // a mail too large to download: no mail of its own
				_, _ = b.Put(raws[i])
			}
		}
	}
	return b.SyncLater()
}

// Save records one decision like Service.Save, without a savepoint: on
// error the caller must roll its transaction back.
func (b *Batch) Save(ctx context.Context, raw []byte, d *ingest.Decision) (Saved, error) {
	if d == nil {
		return Saved{}, errors.New("helpdesk: save: no decision")
	}
	switch d.Kind {
	case ingest.KindRefused:
		id, err := b.s.quarantine(ctx, b.tx, b.rid, raw, d, b.docs)
		if err == nil {
			_, err = b.s.answerRefusal(ctx, b.tx, b.rid, raw, d)
		}
		return Saved{QuarantineID: id}, err
	case ingest.KindDuplicate:
		return b.s.copyOf(ctx, b.tx, b.rid, d, b.lk)
	case ingest.KindTicket, ingest.KindFollowup:
	default:
		return Saved{}, fmt.Errorf("helpdesk: save: unknown decision kind %q", d.Kind)
	}
	out, err := b.s.write(ctx, b.tx, b.rid, raw, d, b.lk, b.docs)
	if err != nil {
		return Saved{}, fmt.Errorf("helpdesk: save %s: %w", d.Kind, err)
	}
	if err := b.s.afterSave(ctx, b.tx, b.rid, raw, d, out, b.lk); err != nil {
		return Saved{}, err
	}
	return out, nil
}

// Sync waits until every document of the batch is on disk, whole and
// synced (see docstore.Batch). Call it after the last Save and before
// committing: a committed row never names a document a crash could lose.
// On error the caller must roll back, as for a failed Save.
func (b *Batch) Sync() error {
	if err := b.docs.Sync(); err != nil {
		return fmt.Errorf("helpdesk: batch: keep documents: %w", err)
	}
	return nil
}

// Discard ends a batch that will not commit (see docstore.Batch.Discard);
// after Sync it does nothing.
func (b *Batch) Discard() { b.docs.Discard() }
