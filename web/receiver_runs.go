package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// receiverRuns is one receiver's automatic actions log.
func (h *Handler) receiverRuns(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	h.runsPage(w, r, views.CollectRunsView{ReceiverID: rec.ID, ReceiverName: rec.Name})
}

// receiversRuns is every receiver's automatic actions log.
func (h *Handler) receiversRuns(w http.ResponseWriter, r *http.Request) {
	h.runsPage(w, r, views.CollectRunsView{})
}

func (h *Handler) runsPage(w http.ResponseWriter, r *http.Request, v views.CollectRunsView) {
	q, l := listQuery(r)
	if q.Sort == "" {
		l.Sort, l.Desc = "started", true // newest first, as the store lists them
	}
	runs, total, err := h.store.ListCollectRuns(r.Context(), v.ReceiverID, q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	for _, run := range runs {
		v.Rows = append(v.Rows, views.CollectRunRow{
			ReceiverID: run.ReceiverID, ReceiverName: run.ReceiverName, Started: views.FormatTime(r.Context(), &run.StartedAt),
			Duration: views.FormatDuration(run.StartedAt, run.EndedAt), Trigger: run.TriggerKind, TriggerLabel: store.TriggerLabel(run.TriggerKind),
			Available: run.Available, AlreadyImported: run.AlreadyImported, Retrieved: run.Retrieved, Refused: run.Refused,
			Errors: run.Errors, Blacklisted: run.Blacklisted, ErrorClass: run.ErrorClass, ErrorLabel: collector.ClassLabel(run.ErrorClass), ErrorText: run.ErrorText,
			Note: run.Note,
		})
	}
	h.render(w, r, http.StatusOK, views.CollectRunsPage(l, v))
}
