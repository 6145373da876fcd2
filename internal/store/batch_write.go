package store

import (
	"context"
	"slices"
)

// ledgerChunk is how many ledger rows one INSERT carries (14 columns:
// far below either dialect's limit on bound parameters).
const ledgerChunk = 100

// AddLedgerEntries records ledger rows with multi-row INSERTs (a batch of
// mail costs a statement per hundred rows instead of one per row; written
// at Open, row_insert.go) and sets
// each row's ID. The IDs are read back by the unique key (receiver,
// UIDVALIDITY, UID): MySQL reports only the first ID of a multi-row
// insert, and under interleaved auto-increment locking the others need
// not follow it. A row whose key is already recorded fails them all with
// ErrDuplicate.
func (s *Store) AddLedgerEntries(ctx context.Context, entries []LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	now := s.now()
	for i := range entries {
		e := &entries[i]
		e.ID = 0
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		e.Reason = clip(e.Reason, 255)
	}
	return s.atomic(ctx, func(s *Store) error {
		db := s.db.WithContext(ctx)
		rows := make([]any, len(entries))
		for i := range entries {
			rows[i] = &entries[i]
		}
		for chunk := range slices.Chunk(rows, ledgerChunk) {
			if _, err := s.ledgerInsert.execRows(ctx, db, chunk); err != nil {
				return err
			}
		}
		type key struct {
			receiver int64
			uv       uint32
		}
		uids := map[key][]uint32{}
		for _, e := range entries {
			k := key{e.ReceiverID, e.UIDValidity}
			uids[k] = append(uids[k], e.UID)
		}
		ids := make(map[key]map[uint32]int64, len(uids))
		for k, list := range uids {
			ids[k] = make(map[uint32]int64, len(list))
			for chunk := range slices.Chunk(list, 500) {
				var rows []struct {
					ID  int64
					UID uint32 `gorm:"column:uid"`
				}
				err := s.db.WithContext(ctx).Model(&LedgerEntry{}).Select("id", "uid").
					Where("receiver_id = ? AND uidvalidity = ? AND uid IN ?", k.receiver, k.uv, chunk).Scan(&rows).Error
				if err != nil {
					return translate(err)
				}
				for _, r := range rows {
					ids[k][r.UID] = r.ID
				}
			}
		}
		for i := range entries {
			e := &entries[i]
			e.ID = ids[key{e.ReceiverID, e.UIDValidity}][e.UID]
		}
		return nil
	})
}
