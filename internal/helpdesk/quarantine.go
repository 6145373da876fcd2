package helpdesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// purgeBatch bounds one purge transaction.
const purgeBatch = 500

// PurgeQuarantine deletes the quarantined mails older than the retention
// (SettingQuarantineDays, default 90) at now, and their raw bytes when
// nothing else refers to them. It returns how many mails it deleted. The
// housekeeping task calls it; it is safe on several instances at once.
func (s *Service) PurgeQuarantine(ctx context.Context, now time.Time) (int, error) {
	days, err := s.QuarantineDays(ctx)
	if err != nil {
		return 0, err
	}
	before := now.Add(-time.Duration(days) * 24 * time.Hour)
	total := 0
	for {
		shas, err := s.st.PurgeQuarantined(ctx, before, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("helpdesk: purge quarantine: %w", err)
		}
		n := len(shas)
		s.dropBlobs(ctx, shas)
		if n == 0 {
			return total, nil
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// dropBlobs deletes the bytes no row refers to any more. A failure only
// leaves an unreferenced file, so it is logged, not returned.
func (s *Service) dropBlobs(ctx context.Context, shas []string) {
	for _, sha := range shas {
		used, err := s.st.BlobReferenced(ctx, sha)
		if err != nil || used {
			continue
		}
		if err := s.docs.Delete(sha); err != nil && !errors.Is(err, docstore.ErrNotFound) {
			slog.Warn("helpdesk: raw message not deleted", "sha256", sha, "error", err)
		}
	}
}

// DeleteQuarantined deletes a quarantined mail and its raw bytes; its
// audit event, by the given user (nil: the system), is written in the
// same transaction as the deletion.
func (s *Service) DeleteQuarantined(ctx context.Context, id int64, by *store.User) error {
	q, err := s.st.Quarantined(ctx, id)
	if err != nil {
		return fmt.Errorf("helpdesk: %w", err)
	}
	err = s.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteQuarantined(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, "quarantine.delete", "quarantine", id, fmt.Sprintf("not imported email %d deleted", id))
	})
	if err != nil {
		return fmt.Errorf("helpdesk: %w", err)
	}
	s.dropBlobs(ctx, []string{q.RawSHA256})
	return nil
}

// Refile is where "Import anyway" sends the mail on its mailbox: the
// collector moves it from From to To through the receiver's ledger (at
// once when asked, else at its next run). To is "" when it stays in From.
type Refile struct {
	ReceiverID   int64
	ReceiverName string
	LedgerID     int64
	From, To     string
}

// ImportQuarantined is "Import anyway": the stored mail is decided again
// with Settings.ImportAnyway and the receiver's current settings, saved as
// a ticket or follow-up, and taken out of the quarantine. When a receiver's
// run refused it, its ledger row takes the new decision and its IMAP
// action is pending again: the mail goes to the accepted folder as GLPI
// does (refile is nil otherwise). The audit event, by the given user (nil:
// the system), is written in the same transaction.
func (s *Service) ImportQuarantined(ctx context.Context, id int64, now time.Time, by *store.User) (saved Saved, refile *Refile, err error) {
	q, err := s.st.Quarantined(ctx, id)
	if err != nil {
		return Saved{}, nil, fmt.Errorf("helpdesk: %w", err)
	}
	raw, err := s.readBlob(q.RawSHA256)
	if err != nil {
		return Saved{}, nil, err
	}
	r, err := s.st.ReceiverOfQuarantine(ctx, q)
	if err != nil {
		return Saved{}, nil, fmt.Errorf("helpdesk: %w", err)
	}
	set, err := s.Settings(ctx, r)
	if err != nil {
		return Saved{}, nil, err
	}
	set.ImportAnyway = true
	var rid int64
	if r != nil {
		rid = r.ID
	}
	var out Saved
	err = s.st.InTx(ctx, func(tx *store.Store) error {
		d, err := ingest.Decide(ctx, raw, set, Knowledge(tx), now)
		if err != nil {
			return err
		}
		if d.Kind == ingest.KindRefused {
			return ErrStillRefused
		}
		if out, err = s.Save(ctx, tx, rid, raw, d); err != nil {
			return err
		}
		if r != nil {
			// Where the refused mail was filed: the refused folder, or the
			// incoming folder when the receiver has none.
			from := r.FolderFor(store.DecisionRefused)
			decision := store.DecisionTicket
			if d.Kind == ingest.KindFollowup {
				decision = store.DecisionFollowup
			}
			lid, err := tx.RefileImported(ctx, id, decision, out.TicketID, out.FollowupID, from)
			if err != nil {
				return err
			}
			if lid != 0 {
				shown := func(f string) string { return cmp.Or(f, r.Folder, "INBOX") }
				refile = &Refile{ReceiverID: r.ID, ReceiverName: r.Name, LedgerID: lid, From: shown(from)}
				if to := r.FolderFor(decision); to != "" && !store.SameFolder(to, from) {
					refile.To = to
				}
			}
		}
		if err := tx.DeleteQuarantined(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, "quarantine.import", "ticket", out.TicketID, fmt.Sprintf("not imported email %d imported anyway", id))
	})
	if err != nil {
		if errors.Is(err, ErrStillRefused) {
			return Saved{}, nil, err
		}
		return Saved{}, nil, fmt.Errorf("helpdesk: import anyway: %w", err)
	}
	// The raw bytes may now back an original-message.eml document.
	s.dropBlobs(ctx, []string{q.RawSHA256})
	return out, refile, nil
}

func (s *Service) readBlob(sha string) ([]byte, error) {
	rc, err := s.docs.Open(sha)
	if err != nil {
		return nil, fmt.Errorf("helpdesk: raw message: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("helpdesk: raw message: %w", err)
	}
	return b, nil
}

// audit writes a change's event through tx, the change's transaction;
// by is the user who made it (nil: the system).
func audit(ctx context.Context, tx *store.Store, by *store.User, kind, objectType string, objectID int64, message string) error {
	if by == nil {
		return tx.Audit(ctx, 0, "", kind, objectType, objectID, message)
	}
	return tx.Audit(ctx, by.ID, by.Login, kind, objectType, objectID, message)
}

// QuarantinedOriginal returns a not-imported mail's raw original and the
// receiver it came through (nil: none), for the rule tester.
func (s *Service) QuarantinedOriginal(ctx context.Context, id int64) ([]byte, *store.Receiver, error) {
	q, err := s.st.Quarantined(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("helpdesk: %w", err)
	}
	if q.RawSHA256 == "" {
		return nil, nil, ErrNoOriginal
	}
	raw, err := s.readBlob(q.RawSHA256)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.st.ReceiverOfQuarantine(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("helpdesk: %w", err)
	}
	return raw, r, nil
}
