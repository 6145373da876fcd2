package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/web/views"
)

// receiverDiagnose is Test connection: a real login with the saved
// settings, the steps, the transcript with the secrets redacted, and what
// the outcome means.
func (h *Handler) receiverDiagnose(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := views.ReceiverDiagnoseView{ID: rec.ID, Name: rec.Name, Server: rec.Host + ":" + strconv.Itoa(rec.Port)}
	m, err := h.mailboxLoginFor(ctx, rec)
	if err != nil {
		if !errors.Is(err, errNoAuthorization) {
			h.serverError(w, r, err)
			return
		}
		v.Explanation, v.Remedy = loginProblem(nil, err)
		h.render(w, r, http.StatusOK, views.ReceiverDiagnosePage(v))
		return
	}
	rep := mailbox.Diagnose(ctx, m.cfg, mailbox.WithFolder(rec.Folder))
	v.OK, v.Class, v.Explanation, v.Remedy = rep.OK, string(rep.Class), rep.Explanation, rep.Remedy
	if !rep.OK {
		// The same remedy as the run log and "Get email tickets now".
		v.Remedy = collector.RemedyFor(string(rep.Class), m.appOnly)
	}
	if m.tokenErr != nil {
		v.Explanation, v.Remedy = loginProblem(m, m.tokenErr)
	}
	h.recordLogin(ctx, m, rep.OK, rep.Class, rep.Explanation)
	for _, s := range rep.Steps {
		v.Steps = append(v.Steps, views.ReceiverDiagnoseStep{Name: s.Name, OK: s.OK, Detail: s.Detail, Duration: s.Duration.Round(time.Millisecond).String()})
	}
	for _, l := range rep.Transcript {
		v.Transcript = append(v.Transcript, views.ReceiverTranscriptLine{Dir: l.Dir, Text: l.Text})
	}
	h.log.Info("receiver connection tested", "receiver_id", rec.ID, "ok", rep.OK, "class", string(rep.Class))
	h.render(w, r, http.StatusOK, views.ReceiverDiagnosePage(v))
}
