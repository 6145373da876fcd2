package web

import (
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/sender"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// outboxShown bounds each section of the queue page.
const outboxShown = 200

// outboxList is Setup > Outgoing mail queue.
func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	counts, err := h.store.OutboxCounts(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := views.OutboxPage{Counts: counts, KeepDays: store.SentMailKeepDays}
	for _, sec := range []struct {
		state string
		dst   *[]views.OutboxRow
	}{{store.OutboxPending, &p.Pending}, {store.OutboxFailed, &p.Failed}, {store.OutboxSent, &p.Sent}} {
		rows, err := h.store.OutboxByState(ctx, sec.state, outboxShown)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, m := range rows {
			*sec.dst = append(*sec.dst, outboxRow(m))
		}
	}
	h.render(w, r, http.StatusOK, views.OutboxQueuePage(p))
}

func outboxRow(m store.OutboxMail) views.OutboxRow {
	v := views.OutboxRow{ID: m.ID, Kind: m.Kind, To: m.Recipients, Subject: m.Subject, Attempts: m.Attempts,
		Reason: views.OutboxReasonLabel(m.ErrorClass), Detail: m.LastError, Refused: m.Refused}
	if m.ErrorClass != "" {
		v.Remedy = sender.Remedy(m.ErrorClass)
	}
	if m.TicketID != nil {
		v.TicketID = *m.TicketID
	}
	switch m.State {
	case store.OutboxPending:
		v.When = views.FormatTime(&m.NextAttemptAt)
		v.CanRetry = m.ErrorClass != ""
	case store.OutboxFailed:
		v.When = views.FormatTime(&m.UpdatedAt)
		v.CanRetry = true
	default:
		v.When = views.FormatTime(m.SentAt)
	}
	return v
}

// outboxRetry puts a failed or waiting mail back in line now.
func (h *Handler) outboxRetry(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	if err := h.store.RetryMail(r.Context(), id); err != nil {
		if err == store.ErrNotFound {
			h.notFound(w, r)
			return
		}
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "outbox.retry", "outbox", id, fmt.Sprintf("outgoing mail %d put back in the queue", id))
	if h.mail != nil {
		h.mail.Wake()
	}
	h.flash(r, "success", "The mail will be sent again shortly.")
	redirect(w, r, "/setup/outbox")
}
