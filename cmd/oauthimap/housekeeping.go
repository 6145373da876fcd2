package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web"
)

// housekeeping removes expired sessions, throttles and pending sign-ins
// until ctx ends.
func housekeeping(ctx context.Context, st *store.Store, h *web.Handler, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := st.PurgeExpired(ctx, h.SessionPolicy()); err != nil && ctx.Err() == nil {
			log.Warn("housekeeping failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
