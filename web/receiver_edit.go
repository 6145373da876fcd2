package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/web/views"
)

func (h *Handler) receiverNew(w http.ResponseWriter, r *http.Request) {
	f := newReceiverForm()
	if err := h.fillChoices(r.Context(), &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ReceiverPage(f))
}

func (h *Handler) receiverEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	rec, err := h.store.Receiver(ctx, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	authState := ""
	if a, err := h.store.ReceiverAuthorization(ctx, rec); err == nil {
		authState = a.State
	}
	f := receiverFormOf(rec, rec.Health(authState))
	f.CanCollect = h.collect != nil
	if err := h.fillChoices(ctx, &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	if f.ApplicationID != 0 && f.Authorization == "" && f.Login != "" {
		f.NoticeKind, f.NoticeText = "warning", "The authorization this receiver logged in with ("+f.Login+") no longer exists: choose another, or create one."
	}
	h.allowSignInFrom(ctx, w, &f)
	h.render(w, r, http.StatusOK, views.ReceiverPage(f))
}
