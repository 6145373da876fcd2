package helpdesk

import (
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

// DeleteQuarantined deletes a quarantined mail and its raw bytes.
func (s *Service) DeleteQuarantined(ctx context.Context, id int64) error {
	q, err := s.st.Quarantined(ctx, id)
	if err != nil {
		return fmt.Errorf("helpdesk: %w", err)
	}
	if err := s.st.DeleteQuarantined(ctx, id); err != nil {
		return fmt.Errorf("helpdesk: %w", err)
	}
	s.dropBlobs(ctx, []string{q.RawSHA256})
	return nil
}

// ImportQuarantined is "Import anyway": the stored mail is decided again
// with Settings.ImportAnyway and the receiver's current settings, saved as
// a ticket or follow-up, and taken out of the quarantine.
func (s *Service) ImportQuarantined(ctx context.Context, id int64, now time.Time) (Saved, error) {
	q, err := s.st.Quarantined(ctx, id)
	if err != nil {
		return Saved{}, fmt.Errorf("helpdesk: %w", err)
	}
	raw, err := s.readBlob(q.RawSHA256)
	if err != nil {
		return Saved{}, err
	}
	r, err := s.st.ReceiverOfQuarantine(ctx, q)
	if err != nil {
		return Saved{}, fmt.Errorf("helpdesk: %w", err)
	}
	set, err := s.Settings(ctx, r)
	if err != nil {
		return Saved{}, err
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
		return tx.DeleteQuarantined(ctx, id)
	})
	if err != nil {
		if errors.Is(err, ErrStillRefused) {
			return Saved{}, err
		}
		return Saved{}, fmt.Errorf("helpdesk: import anyway: %w", err)
	}
	// The raw bytes may now back an original-message.eml document.
	s.dropBlobs(ctx, []string{q.RawSHA256})
	return out, nil
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
