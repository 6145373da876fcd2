package web

import (
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/web/views"
)

// quarantineList is Setup > Not imported emails.
func (h *Handler) quarantineList(w http.ResponseWriter, r *http.Request) {
	h.renderQuarantine(w, r, http.StatusOK, views.QuarantineSettings{})
}

func (h *Handler) renderQuarantine(w http.ResponseWriter, r *http.Request, status int, s views.QuarantineSettings) {
	q, l := listQuery(r)
	mails, total, err := h.store.ListQuarantine(r.Context(), q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if s.Days == "" && h.desk != nil {
		days, err := h.desk.QuarantineDays(r.Context())
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		s.Days = strconv.Itoa(days)
	}
	l.Total = total
	rows := make([]views.QuarantineRow, 0, len(mails))
	for _, m := range mails {
		rows = append(rows, views.QuarantineRow{ID: m.ID, From: m.FromAddress, To: m.ToAddress, Subject: m.Subject,
			MessageID: m.MessageID, Requester: m.Requester, Date: views.FormatTime(r.Context(), m.MailDate), Receiver: m.ReceiverName,
			Reason: m.Reason, ReasonLabel: ingest.ReasonLabel(m.Reason), ReasonText: m.ReasonText, Kept: views.FormatTime(r.Context(), &m.CreatedAt)})
	}
	h.render(w, r, status, views.QuarantinePage(l, rows, s))
}
