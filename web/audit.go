package web

import (
	"context"

	"github.com/oauthimap/oauthimap/internal/store"
)

// audited makes a change and writes its audit event in one store
// transaction: the change is not kept without its event, and a failed
// event is an error like any other. change returns the object the event
// is about and its message.
func (h *Handler) audited(ctx context.Context, me *store.User, kind, objectType string, change func(s *store.Store) (objectID int64, message string, err error)) error {
	return h.store.InTx(ctx, func(s *store.Store) error {
		id, msg, err := change(s)
		if err != nil {
			return err
		}
		return s.Audit(ctx, me.ID, me.Login, kind, objectType, id, msg)
	})
}
