package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestAddLedgerEntries: rows of two UIDVALIDITYs, more than one INSERT's
// worth, get the IDs the database gave them; a UID already recorded fails
// the call and, in a transaction, leaves nothing of it.
func TestAddLedgerEntries(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "ledger batch", nil)
		if err := s.AddLedgerEntry(ctx, &LedgerEntry{ReceiverID: r.ID, UIDValidity: 7, UID: 1000, Decision: DecisionTicket}); err != nil {
			t.Fatal(err) // an ID before the batch, so IDs do not start at 1
		}
		var rows []LedgerEntry
		for uid := uint32(1); uid <= 2*ledgerChunk+5; uid++ {
			uv := uint32(7)
			if uid%3 == 0 {
				uv = 8
			}
			rows = append(rows, LedgerEntry{ReceiverID: r.ID, UIDValidity: uv, UID: uid, MessageID: fmt.Sprintf("m%d@x", uid),
				ContentHash: fmt.Sprintf("h%d", uid), Decision: DecisionTicket, Reason: "new"})
		}
		if err := s.InTx(ctx, func(tx *Store) error { return tx.AddLedgerEntries(ctx, rows) }); err != nil {
			t.Fatal(err)
		}
		var stored []LedgerEntry
		if err := s.db.Order("id").Find(&stored, "receiver_id = ? AND uid <> 1000", r.ID).Error; err != nil {
			t.Fatal(err)
		}
		byID := map[int64]LedgerEntry{}
		for _, e := range stored {
			byID[e.ID] = e
		}
		if len(byID) != len(rows) {
			t.Fatalf("%d rows stored, want %d", len(byID), len(rows))
		}
		for _, e := range rows {
			got, ok := byID[e.ID]
			if !ok || got.UID != e.UID || got.UIDValidity != e.UIDValidity || got.MessageID != e.MessageID {
				t.Fatalf("row for UID %d/%d has ID %d, which holds %+v", e.UIDValidity, e.UID, e.ID, got)
			}
		}

		again := []LedgerEntry{{ReceiverID: r.ID, UIDValidity: 9, UID: 1, Decision: DecisionTicket},
			{ReceiverID: r.ID, UIDValidity: 7, UID: 2, Decision: DecisionTicket}}
		err := s.InTx(ctx, func(tx *Store) error { return tx.AddLedgerEntries(ctx, again) })
		if !errors.Is(err, ErrDuplicate) {
			t.Fatalf("a UID already recorded: got %v, want ErrDuplicate", err)
		}
		if known, _ := s.LedgerUIDs(ctx, r.ID, 9, []uint32{1}); len(known) != 0 {
			t.Fatal("the failed call left a row behind")
		}
	})
}
