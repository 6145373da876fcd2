package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web"
)

// housekeeping removes expired sessions, throttles and pending sign-ins,
// quarantined mail past its retention and sent mail past
// store.SentMailKeepDays, and mails the administrators' alarms (every ten
// minutes; an alarm is mailed when it starts or changes, then daily), until
// ctx ends.
func housekeeping(ctx context.Context, st *store.Store, h *web.Handler, desk *helpdesk.Service, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := st.PurgeExpired(ctx, h.SessionPolicy()); err != nil && ctx.Err() == nil {
			log.Warn("housekeeping failed", "error", err)
		}
		if n, err := desk.PurgeQuarantine(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("quarantine purge failed", "error", err)
		} else if n > 0 {
			log.Info("quarantine purged past its retention", "mails", n)
		}
		if run, err := desk.SendAlarms(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("alarms to administrators failed", "error", err)
		} else {
			if run.Queued > 0 {
				log.Info("alarms queued for the administrators", "mails", run.Queued)
			}
			for _, why := range run.Skipped {
				log.Warn("an alarm could not be mailed", "why", why)
			}
		}
		if n, err := st.PurgeSentMail(ctx, time.Now().AddDate(0, 0, -store.SentMailKeepDays)); err != nil && ctx.Err() == nil {
			log.Warn("sent mail purge failed", "error", err)
		} else if n > 0 {
			log.Info("sent mail purged from the outgoing queue", "mails", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
