package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

func (h *Handler) receiversList(w http.ResponseWriter, r *http.Request) {
	q, l := listQuery(r)
	ctx := r.Context()
	recs, total, err := h.store.ListReceivers(ctx, q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	inError, err := h.store.ReceiversInError(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	l.Total = total
	links := make([]views.ReceiverLink, 0, len(inError))
	for _, e := range inError {
		links = append(links, views.ReceiverLink{ID: e.ID, Name: e.Name})
	}
	h.render(w, r, http.StatusOK, views.ReceiversPage(l, receiverRows(r.Context(), recs), links))
}

// receiverRows turns store rows into list lines; also used by an
// application's "Receivers" tab.
func receiverRows(ctx context.Context, recs []store.ReceiverRow) []views.ReceiverRow {
	rows := make([]views.ReceiverRow, 0, len(recs))
	for _, rc := range recs {
		kind := "IMAP"
		if rc.UsesOAuth() {
			kind = rc.ApplicationName
		}
		rows = append(rows, views.ReceiverRow{
			ID: rc.ID, Name: rc.Name, Active: rc.IsActive, Server: rc.Host + ":" + strconv.Itoa(rc.Port), Login: rc.Login,
			ConnectionType: kind, Health: rc.Health, LastCollect: views.FormatTime(ctx, rc.LastCollectAt),
			Errors: rc.Errors, LastError: rc.LastError,
		})
	}
	return rows
}
