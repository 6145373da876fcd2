package web

import (
	"context"

	"github.com/oauthimap/oauthimap/internal/store"
)

// Collector runs one collect of a receiver at once, for "Get email tickets
// now"; internal/collector provides it (wired in cmd). The run it returns
// carries GLPI's six counts.
type Collector interface {
	CollectNow(ctx context.Context, receiverID int64) (*store.CollectRun, error)
	// FileNow does the receiver's pending mailbox actions (moves) at once.
	FileNow(ctx context.Context, receiverID int64) error
}

// receiverWatcher is a Collector that reacts at once to a receiver saved
// or deleted (its IDLE watcher starts, reconnects or stops, and the
// scheduler looks again) instead of at its next periodic look.
type receiverWatcher interface{ ReceiversChanged() }

// receiversChanged tells the collector a receiver was saved or deleted.
func (h *Handler) receiversChanged() {
	if w, ok := h.collect.(receiverWatcher); ok {
		w.ReceiversChanged()
	}
}

// TokenSource hands out a valid access token for an authorization,
// refreshing it when needed; oauth.Manager provides it. Test connection and
// the folder browser log in with it.
type TokenSource interface {
	AccessToken(ctx context.Context, authorizationID int64) (string, error)
}
