package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/mailbox"
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

// ingest records a fetched batch in one transaction, then does its IMAP
// actions and marks them done (see the package documentation).
func (c *Collector) ingest(ctx context.Context, s *mailbox.Session, r *store.Receiver, settings ingest.Settings,
	uv uint32, batch []item, run *store.CollectRun, hold *uint32, log *slog.Logger) error {
	var hashes []string
	for i := range batch {
		if batch[i].raw != nil {
			sum := sha256.Sum256(batch[i].raw)
			batch[i].hash = hex.EncodeToString(sum[:])
			hashes = append(hashes, batch[i].hash)
		}
	}
	seen, err := c.st.LedgerByHash(ctx, r.ID, hashes)
	if err != nil {
		return err
	}
	now := c.now()
	var (
		n        counts
		recorded []store.LedgerEntry
		acts     []action
		newHold  uint32
	)
	cursor := r.LastUID
	err = c.st.InTx(ctx, func(tx *store.Store) error {
		// Renewing inside the transaction fences it: if another instance
		// took the receiver over, nothing of this batch is committed.
		ok, err := tx.RenewLease(ctx, r.ID, c.o.Instance, now.Add(c.o.LeaseTTL))
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrLeaseLost
		}
		know := helpdesk.Knowledge(tx)
		failed := *hold
		for _, it := range batch {
			cursor = max(cursor, it.uid)
			if !it.tooLarge && it.raw == nil {
				continue // expunged by someone else since the sizes were read
			}
			if m, dup := seen[it.hash]; dup && it.hash != "" {
				n.already++
				acts = append(acts, action{uid: it.uid, decision: m.Decision})
				continue
			}
			d, err := c.decide(ctx, it, settings, know, now)
			if err != nil {
				return err
			}
			saved, err := c.o.Helpdesk.Save(ctx, tx, r.ID, it.raw, d)
			if err != nil {
				// GLPI's "error": the mail stays in the folder, and the
				// cursor stops before it so the next run tries it again.
				log.Warn("collector: message not saved", "uid", it.uid, "error", err)
				n.errors++
				if failed == 0 || it.uid < failed {
					failed = it.uid
				}
				continue
			}
			e := ledgerEntry(r.ID, uv, it, d, saved)
			if err := tx.AddLedgerEntry(ctx, &e); err != nil {
				return err
			}
			recorded = append(recorded, e)
			acts = append(acts, action{uid: it.uid, decision: e.Decision})
			if it.hash != "" {
				seen[it.hash] = store.LedgerMatch{MessageID: d.MessageID, Decision: e.Decision}
			}
			n.count(d)
		}
		if failed != 0 && !r.CollectOnlyUnread {
			cursor = min(cursor, max(failed-1, r.LastUID))
		}
		newHold = failed
		return tx.SetCursor(ctx, r.ID, uv, cursor)
	})
	if err != nil {
		return fmt.Errorf("collector: record batch: %w", err)
	}
	*hold = newHold
	r.LastUID = cursor
	n.addTo(run)
	log.Debug("collector: batch recorded", "messages", len(batch), "last_uid", cursor)
	if err := c.apply(ctx, s, r, acts); err != nil {
		return err
	}
	ids := make([]int64, len(recorded))
	for i, e := range recorded {
		ids[i] = e.ID
	}
	return c.st.MarkActionsDone(ctx, ids)
}

// decide makes the Decision for one message; one too large to download is
// refused without reading it.
func (c *Collector) decide(ctx context.Context, it item, settings ingest.Settings, know ingest.Knowledge, now time.Time) (*ingest.Decision, error) {
	if it.tooLarge {
		return &ingest.Decision{Kind: ingest.KindRefused, Title: "(No subject)", Date: now, Size: it.size,
			Reason: ingest.Reason{Code: ingest.ReasonTooLarge, Text: fmt.Sprintf(
				"The message (%d bytes) is larger than the limit of %d bytes; it was not downloaded.", it.size, settings.MaxMessageSize)}}, nil
	}
	return ingest.Decide(ctx, it.raw, settings, know, now)
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
