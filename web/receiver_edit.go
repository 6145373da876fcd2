package web

import (
	"net/http"

	"github.com/oauthimap/oauthimap/internal/store"
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

// receiverParam loads the receiver named by the URL, or answers 404.
func (h *Handler) receiverParam(w http.ResponseWriter, r *http.Request) (*store.Receiver, bool) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return nil, false
	}
	rec, err := h.store.Receiver(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return rec, true
}

func (h *Handler) receiverEdit(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	authState := ""
	if a, err := h.store.ReceiverAuthorization(ctx, rec); err == nil {
		authState = a.State
	}
	f := savedReceiverForm(r.Context(), rec, rec.Health(authState))
	f.CanCollect = h.collect != nil
	if err := h.fillChoices(ctx, &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	named, err := h.store.MailRulesNaming(ctx, rec.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f.NamedByRules = named
	if f.ApplicationID != 0 && f.Authorization == "" && f.Login != "" {
		// Never made (a receiver brought over from GLPI, the demo's
		// before its sign-in) or deleted since: the words fit both.
		f.NoticeKind, f.NoticeText = "warning", "The application has no authorization for the login this receiver uses ("+f.Login+"): choose another, or create one."
	}
	h.showReceiverForm(w, r, http.StatusOK, f)
}
