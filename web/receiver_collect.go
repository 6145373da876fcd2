package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// msgCollectError is GLPI's message when a collect fails.
const msgCollectError = "An error occurred trying to connect to collector."

// receiverCollect is "Get email tickets now": one collect at once, and
// GLPI's summary as a flash message.
func (h *Handler) receiverCollect(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	if _, err := h.store.Receiver(r.Context(), id); err != nil {
		h.serverError(w, r, err)
		return
	}
	if h.collect == nil {
		h.flash(r, "danger", msgCollectError+" The collector is not running in this process.")
		redirect(w, r, paths.Receiver(id))
		return
	}
	run, err := h.collect.CollectNow(r.Context(), id)
	var failed *collector.RunError
	switch {
	case errors.As(err, &failed):
		// The run's own class, text and remedy: what the run log records
		// and Test connection says.
		h.log.Warn("collect now failed", "receiver_id", id, "class", failed.Class, "error", failed.Text)
		if run != nil {
			h.flash(r, "warning", runSummary(run))
		}
		h.flash(r, "danger", fmt.Sprintf("%s %s: %s What to do: %s", msgCollectError, collector.ClassLabel(failed.Class), failed.Text, failed.Remedy()))
	case errors.Is(err, collector.ErrBusy):
		h.flash(r, "warning", "This receiver is being collected right now (by the schedule or another instance); its mail will be there in a moment. Try again once that run has finished.")
	case err != nil:
		c := collector.Classify(err)
		h.log.Warn("collect now failed", "receiver_id", id, "class", c, "error", err)
		h.flash(r, "danger", fmt.Sprintf("%s %s. What to do: %s", msgCollectError, collector.ClassLabel(c), collector.Remedy(c)))
	case run == nil:
		h.flash(r, "danger", msgCollectError)
	default:
		kind := "success"
		if run.ErrorText != "" || run.Errors > 0 {
			kind = "warning"
		}
		h.flash(r, kind, runSummary(run))
		if run.ErrorText != "" {
			h.flash(r, "danger", msgCollectError+" "+run.ErrorText)
		}
	}
	redirect(w, r, paths.Receiver(id))
}

// runSummary is GLPI's count line of a collect.
func runSummary(run *store.CollectRun) string {
	return fmt.Sprintf("Number of messages: available=%d, already imported=%d, retrieved=%d, refused=%d, errors=%d, blacklisted=%d",
		run.Available, run.AlreadyImported, run.Retrieved, run.Refused, run.Errors, run.Blacklisted)
}
