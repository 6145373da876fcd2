package collector

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/store"
)

// action is the IMAP follow-through of one recorded message.
type action struct {
	uid      uint32
	decision string // a store.Decision*; "" just marks the message seen
}

// target is the folder a decision's mail goes to; "" means mark it seen
// and leave it (GLPI deletes it instead; we never delete mail).
func target(r *store.Receiver, decision string) string { return r.FolderFor(decision) }

// apply does the actions in as few commands as possible: one UID MOVE per
// destination folder, one STORE \Seen for the rest. On error the caller
// leaves the ledger rows pending; the mail itself stays in place.
//
// The actions follow the commit of their ledger rows, which must outlive
// a power cut before any mail leaves its folder or is marked read: a
// commit lost after the move would leave the mail where no run looks
// for it (moved) or skips it (read, collecting unread mail only), with
// no ticket. So the store makes its commits durable first (store.Sync):
// here, or, with synced, by a sync started after the commit (syncing).
func (c *Collector) apply(ctx context.Context, s *mailbox.Session, r *store.Receiver, acts []action, synced func() error) error {
	if len(acts) == 0 {
		return nil
	}
	if synced == nil {
		synced = func() error { return c.durable(ctx) }
	}
	if err := synced(); err != nil {
		return err
	}
	byFolder := map[string][]uint32{}
	var seen []uint32
	for _, a := range acts {
		if f := target(r, a.decision); f != "" {
			byFolder[f] = append(byFolder[f], a.uid)
		} else {
			seen = append(seen, a.uid)
		}
	}
	folders := make([]string, 0, len(byFolder))
	for f := range byFolder {
		folders = append(folders, f)
	}
	slices.Sort(folders)
	for _, f := range folders {
		if err := s.Move(ctx, byFolder[f], f); err != nil {
			return err
		}
	}
	return s.MarkSeen(ctx, seen)
}

// syncing starts making the commits so far durable (store.Sync) beside
// what the caller does next; the returned function waits for it (once).
func (c *Collector) syncing(ctx context.Context) func() error {
	done := make(chan error, 1)
	go func() { done <- c.durable(ctx) }()
	return func() error { return <-done }
}

// replay does the actions a previous run recorded but could not finish
// (crash, failed move). Rows of an older UIDVALIDITY name UIDs that no
// longer mean anything: they are closed, and the rescan that follows finds
// their mail by content hash.
func (c *Collector) replay(ctx context.Context, s *mailbox.Session, r *store.Receiver) error {
	pending, err := c.st.PendingActions(ctx, r.ID)
	if err != nil || len(pending) == 0 {
		return err
	}
	var (
		acts []action
		ids  []int64
	)
	for _, e := range pending {
		if e.RefileFrom != "" {
			continue // refile does these, from their own folder
		}
		ids = append(ids, e.ID)
		if e.UIDValidity == r.UIDValidity {
			acts = append(acts, action{uid: e.UID, decision: e.Decision})
		}
	}
	acts, err = stillThere(ctx, s, acts)
	if err != nil {
		return err
	}
	if err := c.apply(ctx, s, r, acts, nil); err != nil {
		return err
	}
	return c.st.MarkActionsDone(ctx, ids)
}

// stillThere keeps the actions whose message is still in the folder and
// not flagged \Deleted. A crash after the move but before the ledger said
// so leaves rows whose mail is already filed: moving "nothing" trips some
// servers, and without UIDPLUS a copied-then-flagged message would be
// copied twice.
func stillThere(ctx context.Context, s *mailbox.Session, acts []action) ([]action, error) {
	if len(acts) == 0 {
		return nil, nil
	}
	lowest := acts[0].uid
	for _, a := range acts {
		lowest = min(lowest, a.uid)
	}
	present, err := s.UIDsAfter(ctx, lowest-1, false, 0)
	if err != nil {
		return nil, err
	}
	here := make(map[uint32]bool, len(present))
	for _, u := range present {
		here[u] = true
	}
	out := acts[:0]
	for _, a := range acts {
		if here[a.uid] {
			out = append(out, a)
		}
	}
	return out, nil
}

// refile does the pending actions of mails imported anyway from the
// refused folder ("Import anyway"): each is found in the folder it was
// filed in by its Message-ID and moved where its new decision goes. It
// runs before the incoming folder is selected, and leaves a folder
// selected that the caller replaces. A mail no longer there (moved or
// deleted by someone) closes its row; a failed move leaves it pending for
// the next run, and fails the run as a failed move of new mail does.
func (c *Collector) refile(ctx context.Context, s *mailbox.Session, r *store.Receiver, log *slog.Logger) error {
	pending, err := c.st.PendingActions(ctx, r.ID)
	if err != nil {
		return err
	}
	synced := false
	for _, e := range pending {
		if e.RefileFrom == "" {
			continue
		}
		if !synced { // the new decision's commit, as in apply
			if err := c.durable(ctx); err != nil {
				return err
			}
			synced = true
		}
		if err := c.refileOne(ctx, s, r, e, log); err != nil {
			return err
		}
		if err := c.st.MarkActionsDone(ctx, []int64{e.ID}); err != nil {
			return err
		}
	}
	return nil
}

func (c *Collector) refileOne(ctx context.Context, s *mailbox.Session, r *store.Receiver, e store.LedgerEntry, log *slog.Logger) error {
	to := target(r, e.Decision)
	if to == "" || store.SameFolder(to, e.RefileFrom) {
		return nil // nowhere else to go: it stays where it is
	}
	if _, err := s.Select(ctx, e.RefileFrom); err != nil {
		if errors.Is(err, mailbox.ErrFolderMissing) {
			log.Warn("collector: a mail imported anyway cannot be moved: its folder is gone", "folder", e.RefileFrom, "message_id", e.MessageID)
			return nil
		}
		return err
	}
	uids, err := s.UIDsByMessageID(ctx, e.MessageID)
	if err != nil {
		return err
	}
	if len(uids) == 0 {
		log.Warn("collector: a mail imported anyway is no longer in its folder", "folder", e.RefileFrom, "message_id", e.MessageID)
		return nil
	}
	if err := s.Move(ctx, uids, to); err != nil {
		return err
	}
	log.Info("collector: mail imported anyway moved", "from", e.RefileFrom, "to", to, "message_id", e.MessageID)
	return nil
}
